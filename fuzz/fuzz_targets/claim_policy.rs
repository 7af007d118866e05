//! The claim policy and token builder on arbitrary claims, scopes and
//! tenant settings: never a panic, and every claim a script set is either
//! in its token or listed as dropped.
#![no_main]

use actionbox::tenant::{ApiSettings, ClientSettings, CustomClaimsMode, Settings, SigningAlg, TokenProfile};
use actionbox::token::policy::{ClaimWrite, TokenKind};
use actionbox::token::{Keys, ScopeEdit, TokenInput, TokenRequests, issue};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn value(&self, depth: u32) -> Value {
        match self {
            _ if depth > 8 => Value::Null,
            Json::Null => Value::Null,
            Json::Bool(b) => json!(b),
            Json::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Json::Text(s) => json!(s),
            Json::List(items) => Value::Array(items.iter().map(|i| i.value(depth + 1)).collect()),
            Json::Object(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.value(depth + 1))).collect()),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Claim {
    access_token: bool,
    key: String,
    value: Option<Json>,
}

#[derive(Arbitrary, Debug)]
struct Case {
    claims: Vec<Claim>,
    scopes: Vec<String>,
    added_scopes: Vec<String>,
    audience: Option<String>,
    legacy_mode: bool,
    legacy_client: bool,
    rfc9068: bool,
    rbac: bool,
    user: Vec<(String, Json)>,
}

fuzz_target!(|case: Case| {
    let mut settings = Settings::default();
    settings.custom_claims = if case.legacy_mode { CustomClaimsMode::LegacyNamespaced } else { CustomClaimsMode::Current };
    settings.legacy_client = case.legacy_client;
    settings.signing.alg = SigningAlg::HS256;
    settings.clients.push(ClientSettings {
        client_secret: Some("client-secret".into()),
        ..ClientSettings::new("client")
    });
    if let Some(audience) = &case.audience {
        settings.apis.push(ApiSettings {
            identifier: audience.clone(),
            name: None,
            token_lifetime: 86_400,
            token_lifetime_for_web: 7_200,
            rbac: case.rbac,
            permissions_in_token: case.rbac,
            profile: if case.rfc9068 { TokenProfile::Rfc9068 } else { TokenProfile::Auth0 },
            user_permissions: case.scopes.clone(),
            signing_secret: Some("api-secret".into()),
            signing_alg: Some(SigningAlg::HS256),
            scopes: None,
        });
    }
    let mut user: serde_json::Map<String, Value> = case.user.iter().map(|(k, v)| (k.clone(), v.value(0))).collect();
    user.insert("user_id".into(), json!("auth0|fuzz"));
    let event = json!({
        "client": { "client_id": "client" },
        "request": { "hostname": "tenant.auth0.com", "query": {} },
        "transaction": { "requested_scopes": case.scopes },
        "resource_server": case.audience.as_ref().map(|a| json!({ "identifier": a })),
        "user": user,
    });
    let mut requests = TokenRequests::default();
    for c in &case.claims {
        let token = if c.access_token { TokenKind::Access } else { TokenKind::Id };
        let value = c.value.as_ref().map(|v| v.value(0));
        requests.set_claim(token, ClaimWrite { key: c.key.clone(), value, script: "fuzz.js".into() });
    }
    requests.scope_edits.extend(case.added_scopes.iter().map(|s| ScopeEdit::Add(s.clone())));
    let mut keys = Keys::from_settings(&settings).expect("no key file");
    let issued = issue(
        &TokenInput {
            event: &event,
            user: &event["user"],
            rules_user: None,
            requests: &requests,
            settings: &settings,
            now: 1_795_684_500,
            primary_user: None,
            mfa_required: false,
        },
        &mut keys,
    );
    let Ok(issued) = issued else { return };
    if issued.failure.is_some() {
        return;
    }
    // Every claim set is in its token or reported as dropped.
    for claim in &case.claims {
        let (token, kind) = if claim.access_token { (&issued.access_token, TokenKind::Access) } else { (&issued.id_token, TokenKind::Id) };
        let present = token.as_ref().and_then(|t| t.payload.get(&claim.key)).is_some();
        let dropped = issued.dropped.iter().any(|d| d.token == kind && d.claim == claim.key);
        assert!(present || dropped, "claim {:?} vanished without a reason", claim.key);
    }
});
