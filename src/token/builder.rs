//! Assembling the ID and access tokens Auth0 would issue at the end of a
//! login (docs/claims.md, "What the tokens contain"), from the event, the tenant settings, the user as
//! the flow left it, and what the scripts asked of the tokens (claims and
//! scope edits, folded from the command log by the transaction).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::policy::{self, Audience, ClaimWrite, PolicyContext, Reason, TokenKind, Verdict};
use super::sign::Keys;
use super::{DroppedClaim, IssuedToken};
use crate::error::Error;
use crate::record::Warning;
use crate::tenant::{
    ApiSettings, ClientSettings, CustomClaimsMode, Settings, SigningAlg, TokenProfile,
};

/// Scopes that are about the user, not an API.
const OIDC_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
];

/// Everything the tokens are built from.
pub struct TokenInput<'a> {
    pub event: &'a Value,
    /// The user as the flow left it (metadata updates applied).
    pub user: &'a Value,
    /// The user as the Rules left it, when Rules ran: profile claims and
    /// the legacy pipeline read it (Rules' changes to `user` reach tokens).
    pub rules_user: Option<&'a Value>,
    /// What the scripts asked of the tokens (claims, scope edits), as the
    /// transaction folded it from the command log.
    pub requests: &'a TokenRequests,
    pub settings: &'a Settings,
    /// Seconds since the epoch.
    pub now: u64,
    /// Set by `api.authentication.setPrimaryUser` / `context.primaryUser`.
    pub primary_user: Option<&'a str>,
    /// Whether a script required multi-factor authentication.
    pub mfa_required: bool,
}

/// The tokens, or why the login failed instead.
#[derive(Debug, Clone, Default)]
pub struct Issued {
    pub id_token: Option<IssuedToken>,
    pub access_token: Option<IssuedToken>,
    pub dropped: Vec<DroppedClaim>,
    /// The login fails (e.g. custom claims over 100 KB): no tokens.
    pub failure: Option<String>,
    /// Custom claims set for a token this login does not issue
    /// (`claim_for_unissued_token`): there is no token to drop them from.
    pub warnings: Vec<Warning>,
    /// The authorization code of a hybrid flow, whose hash the ID token
    /// carries as `c_hash`.
    pub authorization_code: Option<String>,
    /// The signing secret generated for an HS256 API that has none in the
    /// settings, so the user can verify its access token.
    pub generated_api_secret: Option<super::GeneratedApiSecret>,
}

/// The tenant facts of this login, resolved from settings and event.
pub struct Tenant {
    /// The tenant's own domain (settings `domain`): Auth0 APIs live there.
    pub domain: String,
    /// The domain the login came through (a custom domain, or the tenant's
    /// own): `iss` and the `/userinfo` audience name it.
    pub login_domain: String,
    pub client: ClientSettings,
    pub api: Option<ApiSettings>,
    pub audience: Audience,
    /// Requested scopes, in request order.
    pub scopes: Vec<String>,
    pub scope_set: BTreeSet<String>,
    pub mode: CustomClaimsMode,
    /// The non-OIDC-conformant pipeline applies (legacy client, no audience).
    pub legacy: bool,
}

fn str_at<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

impl Tenant {
    /// The tenant's domain: the settings', else the login's host name, else
    /// one made from the tenant id.
    pub fn domain(event: &Value, settings: &Settings) -> String {
        settings
            .domain
            .clone()
            .or_else(|| str_at(event, "/request/hostname").map(str::to_string))
            .or_else(|| str_at(event, "/tenant/id").map(|t| format!("{t}.us.auth0.com")))
            .unwrap_or_else(|| "example-tenant.us.auth0.com".into())
    }

    /// The domain the login came through: Auth0 issues tokens with "an
    /// issuer (iss) claim of whichever domain you used when requesting the
    /// token" (its custom-domains docs), so a custom domain in the event
    /// (`custom_domain.domain`, `request.hostname`) wins over the settings'
    /// canonical domain.
    pub fn login_domain(event: &Value, settings: &Settings) -> String {
        str_at(event, "/custom_domain/domain")
            .or_else(|| str_at(event, "/request/hostname"))
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| Tenant::domain(event, settings))
    }

    pub fn resolve(event: &Value, settings: &Settings) -> Tenant {
        let domain = Tenant::domain(event, settings);
        let login_domain = Tenant::login_domain(event, settings);
        let client_id = str_at(event, "/client/client_id").unwrap_or("").to_string();
        let mut client = settings
            .client(&client_id)
            .cloned()
            .unwrap_or_else(|| ClientSettings {
                name: str_at(event, "/client/name").map(str::to_string),
                ..ClientSettings::new(client_id.clone())
            });
        if settings.legacy_client {
            client.oidc_conformant = false;
        }
        let requested_audience = str_at(event, "/resource_server/identifier")
            .or_else(|| str_at(event, "/request/query/audience"))
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        let audience = match &requested_audience {
            None => Audience::Opaque,
            Some(aud) => classify_audience(aud, &[&domain, &login_domain]),
        };
        let api = requested_audience.as_ref().map(|aud| {
            settings.api(aud).cloned().unwrap_or_else(|| ApiSettings {
                identifier: aud.clone(),
                name: None,
                token_lifetime: 86_400,
                token_lifetime_for_web: 7_200,
                rbac: false,
                permissions_in_token: false,
                profile: TokenProfile::Auth0,
                user_permissions: Vec::new(),
                signing_secret: None,
                signing_alg: None,
                scopes: None,
            })
        });
        let scopes = requested_scopes(event);
        let scope_set = scopes.iter().cloned().collect();
        let legacy = !client.oidc_conformant && requested_audience.is_none();
        Tenant {
            domain,
            login_domain,
            client,
            api,
            audience,
            scopes,
            scope_set,
            mode: settings.custom_claims,
            legacy,
        }
    }

    pub fn issuer(&self) -> String {
        format!("https://{}/", self.login_domain)
    }
}

/// The scopes the request asked for: the transaction's list, else the query.
pub fn requested_scopes(event: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    match event
        .pointer("/transaction/requested_scopes")
        .and_then(Value::as_array)
    {
        Some(list) => list.iter().filter_map(Value::as_str).for_each(&mut push),
        None => str_at(event, "/request/query/scope")
            .unwrap_or("")
            .split_whitespace()
            .for_each(&mut push),
    }
    out
}

/// Auth0's own APIs are recognised by host (the tenant, `*.auth0.com`,
/// `*.auth0app.com`) and path.
fn classify_audience(aud: &str, domains: &[&str]) -> Audience {
    let Ok(url) = url::Url::parse(aud) else {
        return Audience::Api(aud.to_string());
    };
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let auth0_host = domains.iter().any(|d| host == d.to_ascii_lowercase())
        || host.ends_with(".auth0.com")
        || host.ends_with(".auth0app.com");
    if !auth0_host {
        return Audience::Api(aud.to_string());
    }
    let path = url.path().trim_end_matches('/');
    match path {
        "/userinfo" => Audience::Opaque,
        "/api/v2" => Audience::ManagementApi(aud.to_string()),
        p if p.starts_with("/mfa") || p.starts_with("/api") => {
            Audience::OtherAuth0Api(aud.to_string())
        }
        _ => Audience::Api(aud.to_string()),
    }
}

/// What the scripts asked of the tokens, folded in order from the command
/// log by the transaction (its only reader): the claims of each token, the
/// edits of the access token's scopes, and which script last set each user
/// attribute (a Rule's `user.x = v`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenRequests {
    /// The last write of each name, in the order names were first set.
    pub id_token_claims: Vec<ClaimWrite>,
    pub access_token_claims: Vec<ClaimWrite>,
    pub scope_edits: Vec<ScopeEdit>,
    pub attribute_scripts: BTreeMap<String, String>,
}

/// One change to the access token's scopes, in the order scripts made them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ScopeEdit {
    /// A Rule's `context.accessToken.scope`: replaces the granted scopes.
    Replace(Vec<String>),
    Add(String),
    Remove(String),
}

impl TokenRequests {
    /// A claim set on `token`: a later write of the same name replaces the
    /// earlier one in place.
    pub fn set_claim(&mut self, token: TokenKind, write: ClaimWrite) {
        let writes = match token {
            TokenKind::Id => &mut self.id_token_claims,
            TokenKind::Access => &mut self.access_token_claims,
        };
        match writes.iter_mut().find(|w| w.key == write.key) {
            Some(existing) => *existing = write,
            None => writes.push(write),
        }
    }

    pub fn claims(&self, token: TokenKind) -> &[ClaimWrite] {
        match token {
            TokenKind::Id => &self.id_token_claims,
            TokenKind::Access => &self.access_token_claims,
        }
    }
}

/// The claims of one token that pass the policy, in order; the others go
/// to `dropped` with their reason. `Err` is why the `what` (login,
/// exchange) fails instead: the claims left take more than Auth0's 100 KB.
fn judge_claims(
    token: TokenKind,
    writes: &[ClaimWrite],
    ctx: &PolicyContext<'_>,
    dropped: &mut Vec<DroppedClaim>,
    what: &str,
) -> Result<Vec<ClaimWrite>, String> {
    let mut kept = Vec::new();
    for write in writes {
        match policy::judge(token, write, ctx) {
            Verdict::Keep => kept.push(write.clone()),
            Verdict::Drop(reason, detail) => drop_claim(dropped, token, write, reason, detail),
        }
    }
    let size: usize = kept
        .iter()
        .map(|w| policy::claim_size(&w.key, w.value.as_ref().unwrap_or(&Value::Null)))
        .sum();
    if size > policy::CLAIMS_SIZE_LIMIT {
        let token_name = token.title();
        return Err(format!(
            "The custom claims of the {token_name} take {size} bytes, more than Auth0's limit of 100 KB ({} bytes) per token, so the {what} fails.",
            policy::CLAIMS_SIZE_LIMIT
        ));
    }
    Ok(kept)
}

fn drop_claim(
    dropped: &mut Vec<DroppedClaim>,
    token: TokenKind,
    write: &ClaimWrite,
    reason: Reason,
    detail: String,
) {
    dropped.push(DroppedClaim {
        token,
        claim: write.key.clone(),
        reason,
        detail,
        script: write.script.clone(),
    });
}

/// The scope string of the access token: requested scopes as Auth0 grants
/// them (the API's defined scopes, RBAC), then a Rule's override, then the
/// Actions' additions and removals, in order.
pub fn granted_scopes(tenant: &Tenant, edits: &[ScopeEdit]) -> Vec<String> {
    let api = tenant.api.as_ref();
    let mut granted: Vec<String> = tenant
        .scopes
        .iter()
        .filter(|scope| {
            if OIDC_SCOPES.contains(&scope.as_str()) {
                return true;
            }
            let Some(api) = api else { return false };
            let defined = api
                .scopes
                .as_ref()
                .is_none_or(|defined| defined.contains(scope));
            let permitted = !api.rbac || api.user_permissions.contains(scope);
            defined && permitted
        })
        .cloned()
        .collect();
    for edit in edits {
        match edit {
            ScopeEdit::Replace(scopes) => granted = scopes.clone(),
            ScopeEdit::Add(scope) => {
                if !granted.contains(scope) {
                    granted.push(scope.clone());
                }
            }
            ScopeEdit::Remove(scope) => granted.retain(|g| g != scope),
        }
    }
    granted
}

fn iso_seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_f64().map(|ms| {
            if ms > 1e11 {
                (ms / 1000.0) as u64
            } else {
                ms as u64
            }
        }),
        Value::String(s) => humantime::parse_rfc3339_weak(s)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs()),
        _ => None,
    }
}

/// When the user last authenticated: the latest method's timestamp.
fn auth_time(event: &Value, now: u64) -> u64 {
    event
        .pointer("/authentication/methods")
        .and_then(Value::as_array)
        .and_then(|methods| {
            methods
                .iter()
                .filter_map(|m| m.get("timestamp").and_then(iso_seconds))
                .max()
        })
        .unwrap_or(now)
}

fn mfa_done(event: &Value, mfa_required: bool) -> bool {
    mfa_required
        || event
            .pointer("/authentication/methods")
            .and_then(Value::as_array)
            .is_some_and(|methods| {
                methods
                    .iter()
                    .any(|m| m.get("name").and_then(Value::as_str) == Some("mfa"))
            })
}

/// The application's domain, from the redirect URI it asked Auth0 to use
/// (unless that is an Auth0 domain itself).
pub fn app_domain(event: &Value) -> Option<String> {
    let uri = str_at(event, "/transaction/redirect_uri")
        .or_else(|| str_at(event, "/request/query/redirect_uri"))?;
    let host = url::Url::parse(uri).ok()?.host_str()?.to_ascii_lowercase();
    if policy::reserved_namespace(&format!("https://{host}/")).is_some() || host == "localhost" {
        return None;
    }
    Some(host)
}

/// A stand-in for an opaque token: stable for the same inputs.
fn opaque_token(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..24])
}

/// The profile tokens are built from: the user as the Rules left it (when
/// Rules ran), with the metadata as the whole flow left it. Borrowed when no
/// Rule ran: the user can be as large as the event.
fn profile<'a>(input: &TokenInput<'a>) -> std::borrow::Cow<'a, Value> {
    let Some(rules_user) = input.rules_user else {
        return std::borrow::Cow::Borrowed(input.user);
    };
    let mut profile = rules_user.clone();
    for key in ["app_metadata", "user_metadata"] {
        if let Some(value) = input
            .user
            .get(key)
            .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        {
            profile[key] = value.clone();
        }
    }
    std::borrow::Cow::Owned(profile)
}

pub fn issue(input: &TokenInput<'_>, keys: &mut Keys) -> Result<Issued, Error> {
    let event = input.event;
    let profile = profile(input);
    let tenant = Tenant::resolve(event, input.settings);
    let mut issued = Issued::default();

    let openid = tenant.scope_set.contains("openid");
    let flow = ResponseFlow::of(event);
    let no_id_token_because = if !flow.id_token() {
        Some(format!(
            "response_type '{}' returns no ID token",
            flow.types.join(" ")
        ))
    } else if tenant.client.third_party {
        Some("third-party applications get no ID token".to_string())
    } else if !openid {
        Some("the 'openid' scope was not requested".to_string())
    } else {
        None
    };
    let id_token_issued = no_id_token_because.is_none();
    let no_access_token_because = (!flow.access_token()).then(|| {
        format!(
            "response_type '{}' returns no access token",
            flow.types.join(" ")
        )
    });
    let app_domain = app_domain(event);
    let ctx = PolicyContext {
        mode: tenant.mode,
        requested_scopes: &tenant.scope_set,
        audience: &tenant.audience,
        app_domain: app_domain.as_deref(),
        password_grant: grant_type(event) == Some("password"),
        legacy_endpoint: legacy_endpoint(event, &tenant),
    };

    // Custom claims through the policy, per token.
    let mut judged = |token, not_issued_because: &Option<String>| {
        if let Some(because) = not_issued_because {
            let label = match token {
                TokenKind::Id => "ID token",
                TokenKind::Access => "access token",
            };
            for write in input.requests.claims(token) {
                issued.warnings.push(Warning::coded(
                    write.script.clone(),
                    "claim_for_unissued_token",
                    format!(
                        "the claim '{}' is set on the {label}, but this login issues no {label} ({because})",
                        write.key,
                    ),
                ));
            }
            return Ok(Vec::new());
        }
        judge_claims(
            token,
            input.requests.claims(token),
            &ctx,
            &mut issued.dropped,
            "login",
        )
    };
    let kept = judged(TokenKind::Id, &no_id_token_because)
        .and_then(|id| Ok((id, judged(TokenKind::Access, &no_access_token_because)?)));
    let (kept_id, kept_access) = match kept {
        Ok(kept) => kept,
        Err(failure) => {
            issued.failure = Some(failure);
            return Ok(issued);
        }
    };

    let sub = input
        .primary_user
        .map(str::to_string)
        .or_else(|| str_at(input.user, "/user_id").map(str::to_string))
        .unwrap_or_default();

    // Legacy scope words: reported when the OIDC-conformant pipeline ignores them.
    if !tenant.legacy && id_token_issued {
        for word in &tenant.scopes {
            let standard =
                OIDC_SCOPES.contains(&word.as_str()) || policy::profile_scope(word).is_some();
            let api_scope = tenant.api.is_some() && !standard;
            if standard || api_scope {
                continue;
            }
            if profile.get(word).is_some() {
                let script = input
                    .requests
                    .attribute_scripts
                    .get(word)
                    .cloned()
                    .unwrap_or_else(|| "user profile".into());
                issued.dropped.push(DroppedClaim {
                    token: TokenKind::Id,
                    claim: word.clone(),
                    reason: Reason::LegacyScopeIgnored,
                    detail: format!(
                        "The scope word '{word}' names the user attribute '{word}', which only clients that are not OIDC-conformant copy into the ID token; this client is OIDC-conformant, so the attribute is not in the token. Add it with api.idToken.setCustomClaim('https://{}/{word}', …) (or a non-namespaced '{word}' claim on tenants with current custom-claim rules).",
                        ctx.app_domain.unwrap_or("<your-app-domain>")
                    ),
                    script,
                });
            }
        }
    }

    let now = input.now;
    let access = if flow.access_token() {
        access_token(
            input,
            &tenant,
            &kept_access,
            &sub,
            now,
            &flow,
            keys,
            &mut issued.generated_api_secret,
        )?
    } else {
        None
    };
    if flow.hybrid_id_token() && id_token_issued {
        issued.authorization_code = Some(opaque_token(&format!(
            "code|{}|{}|{sub}|{now}",
            tenant.domain, tenant.client.client_id
        )));
    }
    let access_string = access
        .as_ref()
        .and_then(|t| t.jwt.clone().or_else(|| t.opaque.clone()))
        .unwrap_or_default();
    issued.access_token = access;
    if id_token_issued {
        issued.id_token = Some(id_token(
            input,
            &profile,
            &tenant,
            &kept_id,
            &sub,
            now,
            &access_string,
            issued.authorization_code.as_deref(),
            keys,
        )?);
    }
    Ok(issued)
}

fn put_custom(payload: &mut Map<String, Value>, kept: &[ClaimWrite], profile: bool) {
    for write in kept {
        if policy::profile_scope(&write.key).is_some() == profile {
            payload.insert(
                write.key.clone(),
                write.value.clone().unwrap_or(Value::Null),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn id_token(
    input: &TokenInput<'_>,
    user: &Value,
    tenant: &Tenant,
    kept: &[ClaimWrite],
    sub: &str,
    now: u64,
    access_token: &str,
    authorization_code: Option<&str>,
    keys: &mut Keys,
) -> Result<IssuedToken, Error> {
    let event = input.event;
    let mut payload = Map::new();
    put_custom(&mut payload, kept, false);

    if tenant.legacy {
        // Legacy scope semantics: `profile` is the whole profile; any other
        // word that names a user attribute copies it.
        for word in &tenant.scopes {
            match word.as_str() {
                "openid" | "offline_access" => {}
                "profile" => {
                    if let Some(profile) = user.as_object() {
                        for (key, value) in profile {
                            if !policy::RESTRICTED_CLAIMS.contains(&key.as_str()) {
                                payload.insert(key.clone(), value.clone());
                            }
                        }
                    }
                }
                word => {
                    if let Some(value) = user.get(word) {
                        payload.insert(word.to_string(), value.clone());
                    }
                }
            }
        }
    } else {
        for (claim, scope) in policy::PROFILE_CLAIMS {
            if !tenant.scope_set.contains(*scope) {
                continue;
            }
            let source = if *claim == "phone_number_verified" {
                "phone_verified"
            } else {
                claim
            };
            if let Some(value) = user.get(source) {
                payload.insert((*claim).to_string(), value.clone());
            }
        }
    }
    put_custom(&mut payload, kept, true);

    payload.insert("iss".into(), json!(tenant.issuer()));
    payload.insert("aud".into(), json!(tenant.client.client_id));
    payload.insert("iat".into(), json!(now));
    payload.insert(
        "exp".into(),
        json!(now.saturating_add(tenant.client.id_token_lifetime)),
    );
    payload.insert("sub".into(), json!(sub));
    let query = event.pointer("/request/query");
    let asks = |key: &str| query.and_then(|q| q.get(key)).is_some_and(|v| !v.is_null());
    if asks("max_age") || str_at(event, "/request/query/prompt") == Some("login") {
        payload.insert("auth_time".into(), json!(auth_time(event, now)));
    }
    if mfa_done(event, input.mfa_required) {
        payload.insert("amr".into(), json!(["mfa"]));
    }
    // The legacy resource-owner and delegation endpoints are API calls
    // that start no session, and Auth0's ID token example for /oauth/ro
    // has no `sid` (docs/claims.md).
    if let Some(sid) = str_at(event, "/session/id")
        && legacy_protocol_endpoint(event).is_none()
    {
        payload.insert("sid".into(), json!(sid));
    }
    organization_claims(&mut payload, event, input.settings);
    if let Some(nonce) = str_at(event, "/request/query/nonce") {
        payload.insert("nonce".into(), json!(nonce));
    }
    if ResponseFlow::of(event).access_token_with_id_token() && !access_token.is_empty() {
        payload.insert("at_hash".into(), json!(left_half_hash(access_token)));
    }
    // OIDC Core 3.3.2.11: an ID token returned with a code carries c_hash.
    if let Some(code) = authorization_code {
        payload.insert("c_hash".into(), json!(left_half_hash(code)));
    }

    let payload = Value::Object(payload);
    let alg = tenant.client.id_token_alg.unwrap_or(keys.tenant_alg());
    let secret = tenant.client.client_secret.as_deref();
    if alg == SigningAlg::HS256 && secret.is_none() {
        return Err(Error::invalid(format!(
            "HS256 ID tokens are signed with the client secret: set \"client_secret\" for client '{}' in the settings",
            tenant.client.client_id
        )));
    }
    let (header, jwt) = keys.sign(alg, "JWT", &payload, secret)?;
    Ok(IssuedToken {
        header,
        payload,
        jwt: Some(jwt),
        opaque: None,
    })
}

/// `org_id` for organization logins, and `org_name` when the tenant puts
/// organization names in tokens.
fn organization_claims(payload: &mut Map<String, Value>, event: &Value, settings: &Settings) {
    let Some(org) = str_at(event, "/organization/id") else {
        return;
    };
    payload.insert("org_id".into(), json!(org));
    if let Some(name) = str_at(event, "/organization/name").filter(|_| settings.organization_names)
    {
        payload.insert("org_name".into(), json!(name));
    }
}

/// The left half of a SHA-256 digest, base64url: `at_hash` and `c_hash`
/// (OIDC Core 3.1.3.6, 3.3.2.11; RS256/PS256/HS256 all hash with SHA-256).
fn left_half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// What `response_type` asks the authorization endpoint for. `code` (or no
/// response type: a grant at the token endpoint) issues every token at the
/// exchange; `token`, `id_token` and `id_token token` (implicit) return
/// only those; hybrid flows (`code id_token`, `code token`, `code id_token
/// token`) return the named tokens next to the code.
pub(crate) struct ResponseFlow {
    pub types: Vec<String>,
}

impl ResponseFlow {
    pub(crate) fn of(event: &Value) -> ResponseFlow {
        let words =
            |text: &str| -> Vec<String> { text.split_whitespace().map(str::to_string).collect() };
        let types = match event.pointer("/transaction/response_type") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .flat_map(words)
                .collect(),
            _ => words(str_at(event, "/request/query/response_type").unwrap_or("")),
        };
        ResponseFlow { types }
    }

    fn has(&self, word: &str) -> bool {
        self.types.iter().any(|t| t == word)
    }

    fn code_exchange(&self) -> bool {
        self.types.is_empty() || self.has("code")
    }

    pub(crate) fn id_token(&self) -> bool {
        self.code_exchange() || self.has("id_token")
    }

    pub(crate) fn access_token(&self) -> bool {
        self.code_exchange() || self.has("token")
    }

    /// The authorization endpoint returns the access token (implicit or
    /// hybrid): its lifetime is the API's `token_lifetime_for_web`.
    pub(crate) fn access_token_from_authorize(&self) -> bool {
        self.has("token")
    }

    /// Implicit and hybrid flows return the access token next to the ID
    /// token (`at_hash`).
    fn access_token_with_id_token(&self) -> bool {
        self.has("token") && self.has("id_token")
    }

    /// A hybrid flow returning an ID token with the code (`c_hash`).
    fn hybrid_id_token(&self) -> bool {
        self.has("code") && self.has("id_token")
    }
}

/// The legacy endpoint a client that is not OIDC-conformant logged in
/// through (`context.protocol` of Rules: `oauth2-resource-owner` for
/// `/oauth/ro`, `delegation` for `/delegation`).
fn legacy_endpoint(event: &Value, tenant: &Tenant) -> Option<&'static str> {
    if !tenant.legacy {
        return None;
    }
    legacy_protocol_endpoint(event)
}

/// The legacy endpoint the login's protocol names, whatever the client.
fn legacy_protocol_endpoint(event: &Value) -> Option<&'static str> {
    match str_at(event, "/transaction/protocol")? {
        "oauth2-resource-owner" => Some("/oauth/ro"),
        "delegation" => Some("/delegation"),
        _ => None,
    }
}

/// The grant type Auth0 records in `gty`, for the grants that have one.
fn grant_type(event: &Value) -> Option<&'static str> {
    match str_at(event, "/transaction/protocol")? {
        "oauth2-password" | "oauth2-resource-owner" => Some("password"),
        "oauth2-refresh-token" => Some("refresh_token"),
        _ => None,
    }
}

// The login's facts, the kept claims, the clock, the flow, the keys and the
// generated-secret slot are each needed; bundling them would only rename them.
#[allow(clippy::too_many_arguments)]
fn access_token(
    input: &TokenInput<'_>,
    tenant: &Tenant,
    kept: &[ClaimWrite],
    sub: &str,
    now: u64,
    flow: &ResponseFlow,
    keys: &mut Keys,
    generated_secret: &mut Option<super::GeneratedApiSecret>,
) -> Result<Option<IssuedToken>, Error> {
    let event = input.event;
    let aud = match &tenant.audience {
        Audience::Opaque => {
            let seed = format!(
                "{}|{}|{}|{now}",
                tenant.domain, tenant.client.client_id, sub
            );
            return Ok(Some(IssuedToken {
                header: Value::Null,
                payload: Value::Null,
                jwt: None,
                opaque: Some(opaque_token(&seed)),
            }));
        }
        Audience::Api(aud) | Audience::ManagementApi(aud) | Audience::OtherAuth0Api(aud) => {
            aud.clone()
        }
    };
    let Some(api) = tenant.api.as_ref() else {
        return Ok(None);
    };
    let scopes = granted_scopes(tenant, &input.requests.scope_edits);
    let alg = api.signing_alg.unwrap_or(keys.tenant_alg());
    // The two-audience token "requires that your custom API's signing
    // algorithm is set to RS256" (Auth0's get-access-tokens docs): an HS256
    // API's token names the API alone.
    let audience = if tenant.scope_set.contains("openid") && alg != SigningAlg::HS256 {
        json!([aud, format!("https://{}/userinfo", tenant.login_domain)])
    } else {
        json!(aud)
    };
    let lifetime = if matches!(tenant.audience, Audience::OtherAuth0Api(ref a) if a.contains("/mfa"))
    {
        600
    } else if flow.access_token_from_authorize() {
        // The API's "Implicit / Hybrid Flow Access Token Lifetime".
        api.token_lifetime_for_web
    } else {
        api.token_lifetime
    };
    let permissions = (api.rbac && api.permissions_in_token).then(|| json!(api.user_permissions));
    let claims = AccessClaims {
        sub,
        aud: audience,
        now,
        lifetime,
        gty: grant_type(event),
        scope: scopes.join(" "),
        client_id: &tenant.client.client_id,
        permissions,
    };
    signed_access_token(input, tenant, api, kept, claims, keys, generated_secret).map(Some)
}

/// The registered claims of an access token; `signed_access_token` lays
/// them out for the API's token profile.
struct AccessClaims<'a> {
    sub: &'a str,
    aud: Value,
    now: u64,
    lifetime: u64,
    /// The grant type, for the grants Auth0 records it for.
    gty: Option<&'static str>,
    scope: String,
    client_id: &'a str,
    permissions: Option<Value>,
}

/// Builds and signs an access token for `api`: the Auth0 profile (custom
/// claims first, `gty`, `azp`) or RFC 9068 (`client_id`, a `jti`, no `gty`,
/// `typ` `at+jwt`).
fn signed_access_token(
    input: &TokenInput<'_>,
    tenant: &Tenant,
    api: &ApiSettings,
    kept: &[ClaimWrite],
    claims: AccessClaims<'_>,
    keys: &mut Keys,
    generated_secret: &mut Option<super::GeneratedApiSecret>,
) -> Result<IssuedToken, Error> {
    let rfc9068 = api.profile == TokenProfile::Rfc9068;
    let mut payload = Map::new();
    if !rfc9068 {
        put_custom(&mut payload, kept, false);
        put_custom(&mut payload, kept, true);
    }
    payload.insert("iss".into(), json!(tenant.issuer()));
    payload.insert("sub".into(), json!(claims.sub));
    payload.insert("aud".into(), claims.aud);
    payload.insert("iat".into(), json!(claims.now));
    payload.insert(
        "exp".into(),
        json!(claims.now.saturating_add(claims.lifetime)),
    );
    if !rfc9068 && let Some(gty) = claims.gty {
        payload.insert("gty".into(), json!(gty));
    }
    // Auth0 leaves `scope` out when nothing was granted, rather than "".
    if !claims.scope.is_empty() {
        payload.insert("scope".into(), json!(claims.scope));
    }
    let client_claim = if rfc9068 { "client_id" } else { "azp" };
    payload.insert(client_claim.into(), json!(claims.client_id));
    organization_claims(&mut payload, input.event, input.settings);
    if let Some(permissions) = claims.permissions {
        payload.insert("permissions".into(), permissions);
    }
    if rfc9068 {
        put_custom(&mut payload, kept, false);
        put_custom(&mut payload, kept, true);
        // A stable jti: the same inputs give the same token.
        let digest = Sha256::digest(Value::Object(payload.clone()).to_string().as_bytes());
        payload.insert("jti".into(), json!(URL_SAFE_NO_PAD.encode(&digest[..16])));
    }

    let payload = Value::Object(payload);
    let alg = api.signing_alg.unwrap_or(keys.tenant_alg());
    let secret = (alg == SigningAlg::HS256).then(|| {
        let (secret, generated) = super::sign::api_signing_secret(api);
        if generated {
            *generated_secret = Some(super::GeneratedApiSecret {
                api: api.identifier.clone(),
                secret: secret.clone(),
            });
        }
        secret
    });
    let typ = if rfc9068 { "at+jwt" } else { "JWT" };
    let (header, jwt) = keys.sign(alg, typ, &payload, secret.as_deref())?;
    Ok(IssuedToken {
        header,
        payload,
        jwt: Some(jwt),
        opaque: None,
    })
}

/// The access token of a client-credentials exchange (credentials-exchange
/// trigger): `sub` is `<client_id>@clients`, `gty` is `client-credentials`,
/// the scope is what the client was granted (or the target scopes the
/// Actions set, within that grant), custom claims go through the same
/// policy as at login. No ID token.
pub fn issue_client_credentials(
    input: &TokenInput<'_>,
    target_scopes: Option<&[String]>,
    keys: &mut Keys,
) -> Result<Issued, Error> {
    let event = input.event;
    let tenant = Tenant::resolve(event, input.settings);
    let mut issued = Issued::default();
    let granted: Vec<String> = event
        .pointer("/accessToken/scope")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    // Target scopes outside the grant are silently dropped.
    let scopes: Vec<String> = match target_scopes {
        Some(targets) => targets
            .iter()
            .filter(|s| granted.contains(s))
            .cloned()
            .collect(),
        None => granted.clone(),
    };
    let scope_set: BTreeSet<String> = scopes.iter().cloned().collect();
    let ctx = PolicyContext {
        mode: tenant.mode,
        requested_scopes: &scope_set,
        audience: &tenant.audience,
        app_domain: None,
        password_grant: false,
        legacy_endpoint: None,
    };
    let kept = match judge_claims(
        TokenKind::Access,
        input.requests.claims(TokenKind::Access),
        &ctx,
        &mut issued.dropped,
        "exchange",
    ) {
        Ok(kept) => kept,
        Err(failure) => {
            issued.failure = Some(failure);
            return Ok(issued);
        }
    };
    let Some(api) = tenant.api.as_ref() else {
        return Err(Error::invalid(
            "a credentials-exchange event needs resource_server.identifier (the API the token is for)",
        ));
    };
    let client_id = &tenant.client.client_id;
    let sub = format!("{client_id}@clients");
    let claims = AccessClaims {
        sub: &sub,
        aud: json!(api.identifier),
        now: input.now,
        lifetime: api.token_lifetime,
        gty: Some("client-credentials"),
        scope: scopes.join(" "),
        client_id,
        permissions: None,
    };
    issued.access_token = Some(signed_access_token(
        input,
        &tenant,
        api,
        &kept,
        claims,
        keys,
        &mut issued.generated_api_secret,
    )?);
    Ok(issued)
}

#[cfg(test)]
mod requests_tests {
    use serde_json::json;

    use super::*;
    use crate::script::Trigger;

    fn write(key: &str, value: Value) -> ClaimWrite {
        ClaimWrite {
            key: key.into(),
            value: Some(value),
            script: "a.js".into(),
        }
    }

    fn login_event(extra: Value) -> Value {
        crate::event::build(Trigger::PostLogin, Some(&extra))
    }

    fn issue_with(event: &Value, requests: &TokenRequests) -> Issued {
        let settings = Settings::default();
        let mut keys = Keys::from_settings(&settings).expect("keys");
        let input = TokenInput {
            event,
            user: &event["user"],
            rules_user: None,
            requests,
            settings: &settings,
            now: 1_795_684_500,
            primary_user: None,
            mfa_required: false,
        };
        issue(&input, &mut keys).expect("issued")
    }

    #[test]
    fn kept_claims_reach_the_token_and_dropped_ones_say_why() {
        let mut requests = TokenRequests::default();
        requests.set_claim(
            TokenKind::Id,
            write("https://app.example/plan", json!("gold")),
        );
        requests.set_claim(TokenKind::Id, write("sub", json!("someone-else")));
        let issued = issue_with(&login_event(json!({})), &requests);
        let payload = &issued.id_token.expect("an ID token").payload;
        assert_eq!(payload["https://app.example/plan"], "gold");
        assert_ne!(payload["sub"], "someone-else");
        assert_eq!(issued.dropped.len(), 1);
        assert_eq!(issued.dropped[0].claim, "sub");
        assert_eq!(issued.dropped[0].reason, Reason::RestrictedClaim);
        assert_eq!(issued.dropped[0].script, "a.js");
    }

    #[test]
    fn scope_edits_apply_in_order_to_the_access_token() {
        let event = login_event(json!({
            "resource_server": { "identifier": "https://api.example.com/" },
            "transaction": { "requested_scopes": ["openid", "read:a"] }
        }));
        let requests = TokenRequests {
            scope_edits: vec![
                ScopeEdit::Replace(vec!["openid".into(), "read:b".into(), "write:b".into()]),
                ScopeEdit::Add("admin".into()),
                ScopeEdit::Add("admin".into()),
                ScopeEdit::Remove("write:b".into()),
            ],
            ..TokenRequests::default()
        };
        let issued = issue_with(&event, &requests);
        let access = issued.access_token.expect("an access token");
        assert_eq!(access.payload["scope"], "openid read:b admin");
    }

    #[test]
    fn claims_over_100_kb_fail_the_login_and_the_exchange_alike() {
        let big = "x".repeat(60 * 1024);
        let mut requests = TokenRequests::default();
        requests.set_claim(TokenKind::Access, write("https://a/1", json!(big)));
        requests.set_claim(TokenKind::Access, write("https://a/2", json!(big)));
        let login = issue_with(
            &login_event(
                json!({ "resource_server": { "identifier": "https://api.example.com/" } }),
            ),
            &requests,
        );
        let failure = login.failure.expect("the login fails");
        assert!(
            failure.contains("custom claims of the access token"),
            "{failure}"
        );
        assert!(failure.ends_with("so the login fails."), "{failure}");
        assert!(login.access_token.is_none() && login.id_token.is_none());

        let event = crate::event::build(Trigger::CredentialsExchange, None);
        let settings = Settings::default();
        let mut keys = Keys::from_settings(&settings).expect("keys");
        let input = TokenInput {
            event: &event,
            user: &Value::Null,
            rules_user: None,
            requests: &requests,
            settings: &settings,
            now: 1_795_684_500,
            primary_user: None,
            mfa_required: false,
        };
        let exchange = issue_client_credentials(&input, None, &mut keys).expect("judged");
        let failure = exchange.failure.expect("the exchange fails");
        assert!(failure.ends_with("so the exchange fails."), "{failure}");
        assert!(exchange.access_token.is_none());
    }
}
