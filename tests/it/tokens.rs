//! The tokens Auth0 would issue, its claim policy, and a reason for every
//! dropped claim.

use crate::common::*;
use actionbox::token::IssuedToken;
use actionbox::{CustomClaimsMode, ErrorKind, Flow, Outcome, Runner, Settings, Status};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Value, json};

fn run_with(settings: Settings, event: Value, source: &str) -> Outcome {
    let flow = Flow::post_login(vec![action("claims.js", source)])
        .with_event(event)
        .with_settings(settings)
        .with_limits(test_limits());
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

fn handler(body: &str) -> String {
    format!("exports.onExecutePostLogin = async (event, api) => {{ {body} }};")
}

fn db_event() -> Value {
    event("post-login-database.json")
}

fn id_payload(outcome: &Outcome) -> &Value {
    &outcome
        .id_token
        .as_ref()
        .unwrap_or_else(|| panic!("no ID token: {:?}", outcome.error))
        .payload
}

fn access_payload(outcome: &Outcome) -> &Value {
    &outcome.access_token.as_ref().expect("access token").payload
}

/// (token, claim, reason) of every dropped claim.
fn dropped(outcome: &Outcome) -> Vec<(String, String, String)> {
    outcome
        .dropped_claims
        .iter()
        .map(|d| (d.token.clone(), d.claim.clone(), d.reason.clone()))
        .collect()
}

fn triple(token: &str, claim: &str, reason: &str) -> (String, String, String) {
    (token.into(), claim.into(), reason.into())
}

#[test]
fn the_same_inputs_give_byte_identical_tokens() {
    let source =
        handler("api.idToken.setCustomClaim('https://app.acme.example/c', event.connection.name);");
    let first = run_with(tenant_settings(), db_event(), &source);
    let second = run_with(tenant_settings(), db_event(), &source);
    let jwt = |o: &Outcome, which: fn(&Outcome) -> &Option<IssuedToken>| {
        which(o).as_ref().and_then(|t| t.jwt.clone()).expect("jwt")
    };
    assert_eq!(jwt(&first, |o| &o.id_token), jwt(&second, |o| &o.id_token));
    assert_eq!(
        jwt(&first, |o| &o.access_token),
        jwt(&second, |o| &o.access_token)
    );
}

#[test]
fn the_id_token_has_the_standard_claims_and_scoped_profile() {
    let outcome = run_with(tenant_settings(), db_event(), &handler(""));
    let payload = id_payload(&outcome);
    assert_eq!(
        payload,
        &json!({
            "name": "Jane Doe",
            "family_name": "Doe",
            "given_name": "Jane",
            "nickname": "jane.doe",
            "picture": "https://s.gravatar.com/avatar/7f9c?s=480&r=pg&d=identicon",
            "updated_at": "2026-11-20T08:00:00.000Z",
            "email": "jane.doe@acme.example",
            "email_verified": true,
            "iss": "https://acme-dev.us.auth0.com/",
            "aud": "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j",
            "iat": 1795684500,
            "exp": 1795684500 + 36000,
            "sub": "auth0|6551f0c2a9b3e4d5f6a7b8c9",
            "sid": "sess_4d2a8c",
            "nonce": "n-0S6_WzA2Mj"
        })
    );
    let header = &outcome.id_token.as_ref().expect("id token").header;
    assert_eq!(
        header,
        &json!({ "typ": "JWT", "alg": "RS256", "kid": "acme-test-1" })
    );
}

#[test]
fn optional_id_token_claims_appear_when_they_apply() {
    let mut event = db_event();
    event["request"]["query"]["max_age"] = json!("3600");
    event["organization"] = json!({ "id": "org_123", "name": "acme-corp", "display_name": "Acme" });
    event["authentication"]["methods"] = json!([
        { "name": "pwd", "timestamp": "2026-11-26T09:15:02.000Z" },
        { "name": "mfa", "timestamp": "2026-11-26T09:15:10.000Z" }
    ]);
    let mut settings = tenant_settings();
    settings.organization_names = true;
    let outcome = run_with(settings, event, &handler(""));
    let payload = id_payload(&outcome);
    assert_eq!(payload["auth_time"], 1795684510);
    assert_eq!(payload["amr"], json!(["mfa"]));
    assert_eq!(payload["org_id"], "org_123");
    assert_eq!(payload["org_name"], "acme-corp");
    assert_eq!(access_payload(&outcome)["org_id"], "org_123");
}

#[test]
fn the_access_token_follows_the_api_settings() {
    let outcome = run_with(
        tenant_settings(),
        db_event(),
        &handler("api.accessToken.addScope('write:orders'); api.accessToken.removeScope('email');"),
    );
    let payload = access_payload(&outcome);
    assert_eq!(
        payload,
        &json!({
            "iss": "https://acme-dev.us.auth0.com/",
            "sub": "auth0|6551f0c2a9b3e4d5f6a7b8c9",
            "aud": ["https://api.acme.example", "https://acme-dev.us.auth0.com/userinfo"],
            "iat": 1795684500,
            "exp": 1795684500 + 86400,
            "scope": "openid profile read:orders write:orders",
            "azp": "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j",
            "permissions": ["read:orders", "read:reports"]
        })
    );
}

#[test]
fn rbac_grants_only_permitted_scopes_and_the_rfc9068_profile_changes_the_shape() {
    let mut settings = tenant_settings();
    settings.apis[0].user_permissions = vec!["read:reports".into()];
    settings.apis[0].profile = actionbox::tenant::TokenProfile::Rfc9068;
    let outcome = run_with(
        settings,
        db_event(),
        &handler("api.accessToken.setCustomClaim('https://app.acme.example/t', 1);"),
    );
    let token = outcome.access_token.as_ref().expect("access token");
    assert_eq!(token.header["typ"], "at+jwt");
    let payload = &token.payload;
    assert_eq!(
        payload["scope"], "openid profile email",
        "read:orders is not among the user's permissions"
    );
    assert_eq!(payload["client_id"], "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j");
    assert!(payload.get("azp").is_none() && payload.get("gty").is_none());
    assert!(payload["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert_eq!(payload["https://app.acme.example/t"], 1);
}

#[test]
fn gty_is_set_for_password_grants_and_the_primary_user_becomes_sub() {
    let mut event = db_event();
    event["transaction"]["protocol"] = json!("oauth2-password");
    let outcome = run_with(
        tenant_settings(),
        event,
        &handler("api.authentication.setPrimaryUser('auth0|primary');"),
    );
    assert_eq!(access_payload(&outcome)["gty"], "password");
    assert_eq!(access_payload(&outcome)["sub"], "auth0|primary");
    assert_eq!(id_payload(&outcome)["sub"], "auth0|primary");
}

#[test]
fn every_reason_code_is_reported_with_its_script() {
    let source = handler(
        "api.idToken.setCustomClaim('roles', ['admin']);
         api.idToken.setCustomClaim('https://acme-dev.us.auth0.com/connection', 'x');
         api.idToken.setCustomClaim('https://app.acme.example/u', undefined);
         api.idToken.setCustomClaim('phone_number', '+1');",
    );
    let outcome = run_with(tenant_settings(), db_event(), &source);
    assert_eq!(
        dropped(&outcome),
        [
            triple("id_token", "roles", "restricted_claim"),
            triple(
                "id_token",
                "https://acme-dev.us.auth0.com/connection",
                "reserved_namespace"
            ),
            triple("id_token", "https://app.acme.example/u", "invalid_value"),
            triple("id_token", "phone_number", "scope_not_requested"),
        ]
    );
    assert!(
        outcome
            .dropped_claims
            .iter()
            .all(|d| d.script == "claims.js" && !d.detail.is_empty())
    );

    // not_namespaced: a tenant that still requires namespaces.
    let mut legacy = tenant_settings();
    legacy.custom_claims = CustomClaimsMode::LegacyNamespaced;
    let outcome = run_with(
        legacy,
        db_event(),
        &handler(
            "api.idToken.setCustomClaim('connection', 'x'); api.accessToken.setCustomClaim('email', 'x');",
        ),
    );
    assert_eq!(
        dropped(&outcome),
        [
            triple("id_token", "connection", "not_namespaced"),
            triple("access_token", "email", "not_namespaced")
        ]
    );

    // opaque_access_token and no_id_token: no audience, no openid.
    let mut event = db_event();
    event
        .as_object_mut()
        .expect("object")
        .remove("resource_server");
    event["request"]["query"]
        .as_object_mut()
        .expect("query")
        .remove("audience");
    event["transaction"]["requested_scopes"] = json!(["email"]);
    let outcome = run_with(
        tenant_settings(),
        event,
        &handler(
            "api.accessToken.setCustomClaim('https://app.acme.example/t', 1); api.idToken.setCustomClaim('https://app.acme.example/i', 1);",
        ),
    );
    assert_eq!(
        dropped(&outcome),
        [
            triple("id_token", "https://app.acme.example/i", "no_id_token"),
            triple(
                "access_token",
                "https://app.acme.example/t",
                "opaque_access_token"
            ),
        ]
    );
    assert!(outcome.id_token.is_none());
    let access = outcome
        .access_token
        .as_ref()
        .expect("an opaque access token");
    assert!(access.jwt.is_none() && access.opaque.is_some() && access.payload.is_null());
}

#[test]
fn auth0_api_audiences_drop_custom_claims() {
    let with_audience = |aud: &str| {
        let mut event = db_event();
        event["resource_server"]["identifier"] = json!(aud);
        event["request"]["query"]["audience"] = json!(aud);
        run_with(
            tenant_settings(),
            event,
            &handler(
                "api.accessToken.setCustomClaim('plain', 1); api.accessToken.setCustomClaim('https://app.acme.example/ns', 2);",
            ),
        )
    };
    let management = with_audience("https://acme-dev.us.auth0.com/api/v2/");
    assert_eq!(
        dropped(&management),
        [
            triple("access_token", "plain", "auth0_api_audience"),
            triple(
                "access_token",
                "https://app.acme.example/ns",
                "auth0_api_audience"
            ),
        ]
    );
    let mfa = with_audience("https://acme-dev.us.auth0.com/mfa/");
    assert_eq!(
        dropped(&mfa),
        [triple("access_token", "plain", "auth0_api_audience")]
    );
    assert_eq!(access_payload(&mfa)["https://app.acme.example/ns"], 2);
    assert_eq!(
        access_payload(&mfa)["exp"],
        1795684500 + 600,
        "MFA API tokens last 10 minutes"
    );
}

#[test]
fn restricted_names_of_every_class_are_dropped_on_both_tokens() {
    // JWT registered claims, OIDC ID-token claims, Auth0's own, SIP, and
    // RFC 8693/9449 claims.
    for name in [
        "iss",
        "exp",
        "nonce",
        "at_hash",
        "permissions",
        "org_id",
        "gty",
        "sip_callid",
        "act",
        "cnf",
        "x5t#S256",
    ] {
        let outcome = run_with(
            tenant_settings(),
            db_event(),
            &handler(&format!(
                "api.idToken.setCustomClaim('{name}', 'x'); api.accessToken.setCustomClaim('{name}', 'x');"
            )),
        );
        assert_eq!(
            dropped(&outcome),
            [
                triple("id_token", name, "restricted_claim"),
                triple("access_token", name, "restricted_claim")
            ],
            "{name}"
        );
        assert_ne!(
            id_payload(&outcome).get(name),
            Some(&json!("x")),
            "{name} kept its standard value"
        );
    }
}

#[test]
fn an_auth0_namespace_is_dropped_with_a_suggestion_of_the_apps_own_domain() {
    let outcome = run(
        vec![script(&example("add-connection-auth0-namespace.js"))],
        Some(event("post-login-database.json")),
    );
    let claim = &outcome.dropped_claims[0];
    assert_eq!(claim.reason, "reserved_namespace");
    assert_eq!(claim.claim, "https://acme-dev.us.auth0.com/connection");
    assert_eq!(claim.script, "add-connection-auth0-namespace.js");
    assert!(
        claim
            .detail
            .contains("'https://app.acme.example/connection'"),
        "{}",
        claim.detail
    );
    assert!(
        id_payload(&outcome)
            .get("https://acme-dev.us.auth0.com/connection")
            .is_none()
    );
}

#[test]
fn the_motivating_case_both_ways() {
    // The Auth0-namespaced attempt and the fixed Action, on the same login.
    let outcome = run(
        vec![
            script(&example("add-connection-auth0-namespace.js")),
            script(&example("add-connection.js")),
        ],
        Some(event("post-login-social-legacy-scope.json")),
    );
    assert_eq!(outcome.status, Status::Allowed);
    let payload = id_payload(&outcome);
    assert_eq!(
        payload["https://app.acme.example/connection"],
        "google-oauth2"
    );
    assert!(
        payload
            .get("https://acme-dev.us.auth0.com/connection")
            .is_none()
    );
    assert_eq!(
        dropped(&outcome),
        [triple(
            "id_token",
            "https://acme-dev.us.auth0.com/connection",
            "reserved_namespace"
        )]
    );
}

#[test]
fn a_plain_connection_claim_depends_on_the_tenants_claim_rules() {
    let source = handler("api.idToken.setCustomClaim('connection', event.connection.name);");
    let current = run_with(tenant_settings(), db_event(), &source);
    assert_eq!(
        id_payload(&current)["connection"],
        "Username-Password-Authentication"
    );
    let mut legacy = tenant_settings();
    legacy.custom_claims = CustomClaimsMode::LegacyNamespaced;
    let legacy = run_with(legacy, db_event(), &source);
    assert!(id_payload(&legacy).get("connection").is_none());
    assert_eq!(
        dropped(&legacy),
        [triple("id_token", "connection", "not_namespaced")]
    );
}

#[test]
fn a_profile_claim_without_its_scope_is_removed_even_when_a_script_sets_it() {
    let mut event = db_event();
    event["transaction"]["requested_scopes"] = json!(["openid", "profile"]);
    event["request"]["query"]["scope"] = json!("openid profile");
    let outcome = run_with(
        tenant_settings(),
        event,
        &handler("api.idToken.setCustomClaim('email', 'other@acme.example');"),
    );
    assert!(id_payload(&outcome).get("email").is_none());
    assert_eq!(
        dropped(&outcome),
        [triple("id_token", "email", "scope_not_requested")]
    );

    // With the scope, the script's value overrides the profile's.
    let outcome = run_with(
        tenant_settings(),
        db_event(),
        &handler("api.idToken.setCustomClaim('email', 'other@acme.example');"),
    );
    assert_eq!(id_payload(&outcome)["email"], "other@acme.example");
}

/// Claims of exactly `total` bytes (names plus values, as JSON).
fn claims_of_size(total: usize) -> String {
    let key = "https://app.acme.example/big";
    let overhead = key.len() + 2 + 2; // both JSON strings' quotes
    handler(&format!(
        "api.idToken.setCustomClaim('{key}', 'x'.repeat({}));",
        total - overhead
    ))
}

#[test]
fn custom_claims_over_100_kb_fail_the_login() {
    let at_limit = run_with(tenant_settings(), db_event(), &claims_of_size(102_400));
    assert_eq!(at_limit.status, Status::Allowed, "{:?}", at_limit.error);
    let over = run_with(tenant_settings(), db_event(), &claims_of_size(102_401));
    assert_eq!(over.status, Status::Failed);
    let error = over.error.expect("login failed");
    assert_eq!(error.kind, ErrorKind::LoginFailed);
    assert!(error.message.contains("100 KB"), "{}", error.message);
    assert!(over.id_token.is_none() && over.access_token.is_none());
}

#[test]
fn a_legacy_client_copies_user_attributes_named_by_scope_words() {
    // A user profile with a root attribute `connection` (as a Rule's
    // `user.connection = context.connection` leaves it).
    let mut event = event("post-login-social-legacy-scope.json");
    event["user"]["connection"] = json!("google-oauth2");
    let legacy = run_with(tenant_settings(), event.clone(), &handler(""));
    let payload = id_payload(&legacy);
    assert_eq!(payload["connection"], "google-oauth2");
    assert_eq!(payload["email"], "dmytro@example.org");

    // The same login on an OIDC-conformant client: the word selects nothing.
    let mut settings = tenant_settings();
    settings.clients[1].oidc_conformant = true;
    let conformant = run_with(settings, event, &handler(""));
    assert!(id_payload(&conformant).get("connection").is_none());
    assert_eq!(
        dropped(&conformant),
        [triple("id_token", "connection", "legacy_scope_ignored")]
    );
}

#[test]
fn the_legacy_client_flag_turns_on_the_legacy_pipeline() {
    let mut event = db_event();
    event
        .as_object_mut()
        .expect("object")
        .remove("resource_server");
    event["request"]["query"]
        .as_object_mut()
        .expect("query")
        .remove("audience");
    event["request"]["query"]["scope"] = json!("openid profile");
    event["transaction"]["requested_scopes"] = json!(["openid", "profile"]);
    let mut settings = tenant_settings();
    settings.legacy_client = true;
    let outcome = run_with(settings, event, &handler(""));
    // `profile` copies the whole profile, metadata and identities included.
    let payload = id_payload(&outcome);
    assert_eq!(payload["app_metadata"]["plan"], "pro");
    assert_eq!(payload["identities"][0]["provider"], "auth0");
}

fn jwks(outcome: &Outcome) -> JwkSet {
    serde_json::from_value(outcome.jwks.clone().expect("the run's JWKS")).expect("a JWKS")
}

/// Verifies `jwt` with the key its `kid` names in the run's JWKS, which must
/// say the algorithm the token was signed with.
fn verify_with_the_runs_jwks(outcome: &Outcome, jwt: &str, alg: jsonwebtoken::Algorithm) {
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.alg, alg);
    let set = jwks(outcome);
    let jwk = set
        .find(header.kid.as_deref().expect("kid"))
        .expect("key in the JWKS");
    assert_eq!(
        jwk.common.key_algorithm.map(|a| format!("{a:?}")),
        Some(format!("{alg:?}")),
        "the JWK names the token's algorithm"
    );
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk).expect("key"), &validation)
        .expect("verifies");
}

fn id_jwt(outcome: &Outcome) -> &str {
    outcome
        .id_token
        .as_ref()
        .and_then(|t| t.jwt.as_deref())
        .expect("jwt")
}

#[test]
fn rs256_tokens_verify_with_the_runs_jwks() {
    let outcome = run_with(tenant_settings(), db_event(), &handler(""));
    for token in [&outcome.id_token, &outcome.access_token] {
        let jwt = token.as_ref().and_then(|t| t.jwt.as_deref()).expect("jwt");
        verify_with_the_runs_jwks(&outcome, jwt, jsonwebtoken::Algorithm::RS256);
    }
}

#[test]
fn a_generated_key_is_used_when_none_is_configured() {
    let outcome = run(
        vec![script(&example("add-connection.js"))],
        Some(db_event()),
    );
    verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::RS256);
}

#[test]
fn a_generated_key_for_ps256_names_ps256() {
    let mut settings = Settings::default();
    settings.signing.alg = actionbox::tenant::SigningAlg::PS256;
    let outcome = run_with(settings, db_event(), &handler(""));
    verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::PS256);
}

#[test]
fn a_configured_key_is_read_again_when_its_file_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pem = dir.path().join("signing.pem");
    let mut settings = Settings::default();
    settings.signing.private_key_pem = Some(pem.clone());
    let kid_with = |key: String| {
        std::fs::write(&pem, key).expect("write the key");
        let outcome = run_with(settings.clone(), db_event(), &handler(""));
        verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::decode_header(id_jwt(&outcome))
            .expect("header")
            .kid
            .expect("kid")
    };
    let first = actionbox::token::sign::generate_pem().expect("a key");
    let second = actionbox::token::sign::generate_pem().expect("a key");
    let first_kid = kid_with(first.clone());
    assert_ne!(kid_with(second), first_kid, "the new key signs");
    assert_eq!(kid_with(first), first_kid);
}

#[test]
fn hs256_id_tokens_verify_with_the_client_secret() {
    let mut settings = tenant_settings();
    settings.clients[0].id_token_alg = Some(actionbox::tenant::SigningAlg::HS256);
    let outcome = run_with(settings, db_event(), &handler(""));
    let token = outcome.id_token.as_ref().expect("id token");
    assert_eq!(token.header["alg"], "HS256");
    let jwt = token.jwt.as_deref().expect("jwt");
    let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_audience(&["k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j"]);
    let key = DecodingKey::from_secret(b"acme-web-client-secret-for-tests");
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).expect("verifies with the client secret");
    // The secret itself never appears in the output.
    assert!(
        !serde_json::to_string(&outcome)
            .expect("json")
            .contains("acme-web-client-secret-for-tests")
    );
}

#[test]
fn ps256_is_supported() {
    let mut settings = tenant_settings();
    settings.signing.alg = actionbox::tenant::SigningAlg::PS256;
    let outcome = run_with(settings, db_event(), &handler(""));
    assert_eq!(
        jsonwebtoken::decode_header(id_jwt(&outcome))
            .expect("header")
            .kid
            .as_deref(),
        Some("acme-test-1")
    );
    verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::PS256);
}

#[test]
fn no_tokens_are_issued_unless_the_login_succeeds() {
    let outcome = run_with(
        tenant_settings(),
        db_event(),
        &handler("api.idToken.setCustomClaim('https://a.example/x', 1); api.access.deny('no');"),
    );
    assert_eq!(outcome.status, Status::Denied);
    assert!(outcome.id_token.is_none() && outcome.access_token.is_none());
}
