//! One login through the library: the event built from the request, the
//! tenant's Rules and Actions run as `run` runs them, and the tokens the
//! outcome carries re-signed for the issuer `serve` is reached at.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Server;
use super::store::Kind;
use super::tenant::{iso_time, now_secs};
use crate::directory::users::permissions_on;
use crate::outcome::Outcome;
use crate::record::Command;
use crate::script::Trigger;
use crate::tenant::{SigningAlg, TokenProfile};
use crate::token::Keys;
use crate::{AsSent, CacheRecord, Flow, Resume};
use std::collections::BTreeMap;

/// An authorization request as `/authorize` (or a token request) made it:
/// kept in the store while the user logs in or a redirect Action waits.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// The words of `response_type`, e.g. `["code"]`, `["id_token", "token"]`.
    pub response_type: Vec<String>,
    /// `query`, `fragment` or `form_post`.
    pub response_mode: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scope: String,
    pub audience: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<u64>,
    pub connection: Option<String>,
    pub login_hint: Option<String>,
    pub organization: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// Every parameter as sent (what scripts see as `event.request.query`).
    pub query: Map<String, Value>,
    /// The token request's body, secrets masked (`event.request.body`).
    #[serde(default)]
    pub body: Map<String, Value>,
    pub ip: String,
    pub user_agent: Option<String>,
    pub language: Option<String>,
    /// `event.transaction.protocol`: `oidc-basic-profile`,
    /// `oidc-implicit-profile`, `oidc-hybrid-profile`, `oauth2-password`,
    /// `oauth2-refresh-token`.
    pub protocol: String,
    /// The transaction id (`event.transaction.id`).
    pub transaction_id: String,
}

impl LoginRequest {
    pub fn scopes(&self) -> Vec<String> {
        self.scope.split_whitespace().map(str::to_string).collect()
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }

    pub fn returns(&self, word: &str) -> bool {
        self.response_type.iter().any(|w| w == word)
    }
}

/// Who logs in, and in which session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginContext {
    pub user_id: String,
    pub session_id: String,
    /// When the user typed their password (or chose a social account).
    pub auth_time: u64,
    /// `pwd` or `federated`.
    pub method: String,
    /// The connection the user logged in with; `None`: the user's own.
    /// It differs from the user's own for an identity linked into it.
    #[serde(default)]
    pub connection: Option<String>,
}

/// A random, URL-safe identifier of `bytes` random bytes.
pub fn random_id(bytes: usize) -> String {
    use rand::RngCore;
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// The key an access token is stored under (never the token itself).
pub fn token_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The event a login's scripts see, built from the request, the user and
/// the session (defaults fill what a local tenant cannot know, such as
/// geolocation).
pub fn login_event(
    server: &Server,
    request: &LoginRequest,
    record: &Value,
    context: &LoginContext,
) -> Value {
    let tenant = &server.inner.tenant;
    let profile = record.get("profile").cloned().unwrap_or_else(|| json!({}));
    let connection_name = context
        .connection
        .as_deref()
        .or_else(|| record.get("connection").and_then(Value::as_str))
        .unwrap_or(super::tenant::DEFAULT_DATABASE);
    let mut query = request.query.clone();
    // The defaults' query names these; a request without them must not
    // inherit the defaults' values.
    for key in [
        "scope",
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
    ] {
        query.entry(key).or_insert(Value::Null);
    }
    let domain = tenant.domain();
    let roles = record.get("roles").cloned().unwrap_or_else(|| json!([]));
    let mut event = json!({
        "tenant": tenant_part(server),
        "client": client_part(server, &request.client_id),
        "connection": connection_part(server, connection_name),
        "user": profile,
        "request": {
            "ip": request.ip,
            "method": if request.body.is_empty() { "GET" } else { "POST" },
            "hostname": domain,
            "query": Value::Object(query),
            "body": Value::Object(request.body.clone()),
            "user_agent": request.user_agent,
            "language": request.language.clone().unwrap_or_else(|| "en".into()),
        },
        "transaction": {
            "id": request.transaction_id,
            "protocol": request.protocol,
            "requested_scopes": request.scopes(),
            "redirect_uri": if request.redirect_uri.is_empty() { Value::Null } else { json!(request.redirect_uri) },
            "response_type": request.response_type,
            "response_mode": request.response_mode,
            "state": request.state,
            "login_hint": request.login_hint,
            "prompt": request.prompt.as_ref().map(|p| p.split_whitespace().collect::<Vec<_>>()),
            "locale": "en",
            "ui_locales": [],
            "metadata": {},
        },
        "authentication": {
            "methods": [{ "name": context.method, "timestamp": iso_time(context.auth_time) }],
        },
        "authorization": { "roles": roles },
        "stats": { "logins_count": record.get("logins_count").cloned().unwrap_or(json!(1)) },
        "session": { "id": context.session_id },
    });
    if let Some(audience) = &request.audience {
        event["resource_server"] = json!({ "identifier": audience });
    }
    if let Some(org) = &request.organization {
        event["organization"] =
            json!({ "id": org, "name": org, "display_name": org, "metadata": {} });
    }
    event
}

/// `event.tenant`.
pub fn tenant_part(server: &Server) -> Value {
    let domain = server.inner.tenant.domain();
    json!({ "id": domain.split('.').next().unwrap_or("example-tenant") })
}

/// `event.client` of the client with this id (its name and
/// `client_metadata`).
pub fn client_part(server: &Server, client_id: &str) -> Value {
    let client = server.inner.tenant.client(client_id);
    json!({
        "client_id": client_id,
        "name": client.and_then(|c| c.name.clone()).unwrap_or_else(|| client_id.to_string()),
        "metadata": client.map(|c| json!(c.client_metadata)).unwrap_or_else(|| json!({})),
    })
}

/// `event.connection` of the connection with this name: a stable id, its
/// strategy and metadata.
pub fn connection_part(server: &Server, name: &str) -> Value {
    let connection = server.inner.tenant.connection(name);
    json!({
        "id": format!("con_{}", &hex::encode(Sha256::digest(name.as_bytes()))[..16]),
        "name": name,
        "strategy": connection.as_ref().map_or("auth0", |c| c.strategy.as_str()),
        "metadata": connection.map(|c| json!(c.metadata)).unwrap_or_else(|| json!({})),
    })
}

/// The flow of `trigger` for one request: the tenant's scripts and
/// settings, the event, and (at login) the user's permissions for the
/// APIs that use RBAC.
pub fn flow_for(server: &Server, trigger: Trigger, event: Value, record: Option<&Value>) -> Flow {
    let tenant = &server.inner.tenant;
    let mut flow =
        tenant.flows.get(&trigger).cloned().unwrap_or_else(|| {
            Flow::new(trigger, Vec::new()).with_settings(tenant.settings.clone())
        });
    // Tokens carry the real time; a fixed clock would issue expired ones.
    flow.settings.now = None;
    // Scripts' requests to the tenant's domain reach this tenant's store.
    flow.node.tenant = server.tenant_handle();
    if let Some(record) = record {
        let granted: Vec<Vec<String>> = flow
            .settings
            .apis
            .iter()
            .map(|api| permissions_on(record, &flow.settings, &api.identifier))
            .collect();
        for (api, permissions) in flow.settings.apis.iter_mut().zip(granted) {
            api.user_permissions = permissions;
        }
    }
    flow.event = Some(event);
    flow
}

/// Runs a flow on the runner's threads or workers, off the async runtime.
/// The outcome is unmasked: what the application receives (tokens, the
/// redirect URL, error descriptions, metadata written to the user) keeps
/// the scripts' values; only logs and `/__actionbox/logins` are masked.
pub async fn run_flow(server: &Server, mut flow: Flow) -> Result<AsSent, String> {
    let trigger = flow.trigger;
    flow.cache = load_cache(server, trigger).await?;
    let runner = server.inner.runner.clone();
    let sent =
        tokio::task::spawn_blocking(move || runner.run_as_sent(&flow).map_err(|e| e.to_string()))
            .await
            .map_err(|e| format!("the flow's task failed: {e}"))??;
    save_cache(server, trigger, &sent.outcome.commands).await?;
    Ok(sent)
}

/// `api.cache` of a trigger as earlier flows left it: Auth0 scopes cached
/// values to the trigger that set them. Each record is its own store
/// entry, expiring when the record does, so two servers sharing one Redis
/// share the cache and concurrent logins do not overwrite each other's keys.
async fn load_cache(
    server: &Server,
    trigger: Trigger,
) -> Result<BTreeMap<String, CacheRecord>, String> {
    let entries = server
        .inner
        .store
        .list(Kind::Cache)
        .await
        .map_err(|e| e.to_string())?;
    Ok(entries
        .into_iter()
        .filter(|entry| entry.get("trigger").and_then(Value::as_str) == Some(trigger.id()))
        .filter_map(|entry| {
            let key = entry.get("key")?.as_str()?.to_string();
            let record = CacheRecord {
                value: entry.get("value")?.as_str()?.to_string(),
                expires_at: entry.get("expires_at")?.as_f64()?,
            };
            Some((key, record))
        })
        .collect())
}

/// Writes what the flow's `api.cache.set` and `api.cache.delete` calls did
/// back to the store, in the order the scripts made them.
async fn save_cache(server: &Server, trigger: Trigger, commands: &[Command]) -> Result<(), String> {
    let store = &server.inner.store;
    let now_ms = now_secs() as f64 * 1000.0;
    for command in commands {
        let Some(key) = command.str_arg(0) else {
            continue;
        };
        let entry_key = format!("{}:{key}", trigger.id());
        match command.call.as_str() {
            "cache.set" => {
                let (Some(value), Some(expires_at)) = (
                    command.str_arg(1),
                    command.args.get(2).and_then(Value::as_f64),
                ) else {
                    continue;
                };
                let lifetime =
                    std::time::Duration::from_millis((expires_at - now_ms).max(1.0) as u64);
                let entry = json!({ "trigger": trigger.id(), "key": key, "value": value, "expires_at": expires_at });
                store
                    .put(Kind::Cache, &entry_key, &entry, Some(lifetime))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            "cache.delete" => store
                .delete(Kind::Cache, &entry_key)
                .await
                .map_err(|e| e.to_string())?,
            _ => {}
        }
    }
    Ok(())
}

/// Resumes a redirected login at `/continue`.
pub async fn resume_flow(
    server: &Server,
    event: Value,
    record: Option<&Value>,
    resume: Resume,
) -> Result<AsSent, String> {
    let flow = flow_for(server, Trigger::PostLogin, event, record).resuming(resume);
    run_flow(server, flow).await
}

/// The tokens an application receives.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    pub access_token: Option<String>,
    pub id_token: Option<String>,
    pub expires_in: u64,
    pub scope: String,
    /// What `/userinfo` answers for the access token.
    pub userinfo: Option<Value>,
}

fn signing_alg(header: &Value) -> SigningAlg {
    match header.get("alg").and_then(Value::as_str) {
        Some("HS256") => SigningAlg::HS256,
        Some("PS256") => SigningAlg::PS256,
        _ => SigningAlg::RS256,
    }
}

/// The half of a SHA-256 Auth0 puts in `at_hash` and `c_hash`.
fn half_hash(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(value.as_bytes())[..16])
}

/// Claims of an ID token that are about the token, not the user.
const TOKEN_ONLY_CLAIMS: &[&str] = &[
    "iss",
    "aud",
    "exp",
    "iat",
    "nonce",
    "at_hash",
    "c_hash",
    "auth_time",
    "sid",
    "azp",
    "amr",
    "acr",
    "org_id",
    "org_name",
];

/// Takes the tokens of an allowed outcome and re-signs them for the issuer
/// `serve` is reached at (as a custom domain would be). `code` (hybrid
/// flows) adds `c_hash`; `at_hash` stays when the builder put one.
pub fn finish_tokens(
    server: &Server,
    outcome: &Outcome,
    request: &LoginRequest,
    code: Option<&str>,
) -> Result<Tokens, String> {
    let client_id = request.client_id.as_str();
    let inner = &server.inner;
    let settings = &inner.tenant.settings;
    let mut keys = Keys::from_settings(settings).map_err(|e| e.to_string())?;
    let domain_userinfo = format!("https://{}/userinfo", inner.tenant.domain());
    let issuer_userinfo = format!("{}userinfo", inner.issuer);
    let mut tokens = Tokens::default();
    let mut access_payload = None;
    if let Some(access) = &outcome.access_token {
        if access.opaque.is_some() {
            tokens.access_token = Some(random_id(24));
        } else {
            let mut payload = access.payload.clone();
            payload["iss"] = json!(inner.issuer);
            if let Some(Value::Array(audiences)) = payload.get_mut("aud") {
                for aud in audiences.iter_mut() {
                    if aud.as_str() == Some(domain_userinfo.as_str()) {
                        *aud = json!(issuer_userinfo);
                    }
                }
            }
            let audience = match &payload["aud"] {
                Value::Array(list) => list.first().and_then(Value::as_str).unwrap_or(""),
                other => other.as_str().unwrap_or(""),
            }
            .to_string();
            let api = settings.api(&audience);
            let typ = access
                .header
                .get("typ")
                .and_then(Value::as_str)
                .unwrap_or(match api.map(|a| a.profile) {
                    Some(TokenProfile::Rfc9068) => "at+jwt",
                    _ => "JWT",
                })
                .to_string();
            // The same secret the run signed with (generated for an HS256
            // API without one, kept for the process).
            let secret = api.map(|a| crate::token::sign::api_signing_secret(a).0);
            let (_, jwt) = keys
                .sign(
                    signing_alg(&access.header),
                    &typ,
                    &payload,
                    secret.as_deref(),
                )
                .map_err(|e| e.to_string())?;
            tokens.access_token = Some(jwt);
            access_payload = Some(payload);
        }
    }
    // An opaque (`/userinfo`) token lives as an API's would: 7200 s when
    // the authorization endpoint returns it (implicit and hybrid flows,
    // as Auth0 answers them), else 86400 s.
    let opaque_lifetime = if request.response_type.iter().any(|t| t == "token") {
        7_200
    } else {
        86_400
    };
    tokens.expires_in = access_payload
        .as_ref()
        .and_then(|p| Some(p.get("exp")?.as_u64()? - p.get("iat")?.as_u64()?))
        .unwrap_or(opaque_lifetime);
    tokens.scope = access_payload
        .as_ref()
        .and_then(|p| p.get("scope").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| {
            request
                .scopes()
                .into_iter()
                .filter(|s| {
                    matches!(
                        s.as_str(),
                        "openid" | "profile" | "email" | "address" | "phone" | "offline_access"
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        });
    if let Some(id) = &outcome.id_token {
        let mut payload = id.payload.clone();
        payload["iss"] = json!(inner.issuer);
        if payload.get("at_hash").is_some()
            && let Some(access) = &tokens.access_token
        {
            payload["at_hash"] = json!(half_hash(access));
        }
        if let Some(code) = code {
            payload["c_hash"] = json!(half_hash(code));
        }
        let secret = settings
            .client(client_id)
            .and_then(|c| c.client_secret.as_deref());
        let (_, jwt) = keys
            .sign(signing_alg(&id.header), "JWT", &payload, secret)
            .map_err(|e| e.to_string())?;
        tokens.id_token = Some(jwt);
        let mut userinfo = payload.as_object().cloned().unwrap_or_default();
        userinfo.retain(|key, _| !TOKEN_ONLY_CLAIMS.contains(&key.as_str()));
        tokens.userinfo = Some(Value::Object(userinfo));
    }
    Ok(tokens)
}

/// Remembers an access token for `/userinfo`.
pub async fn remember_access_token(
    server: &Server,
    tokens: &Tokens,
    client_id: &str,
) -> Result<(), String> {
    if let (Some(token), Some(userinfo)) = (&tokens.access_token, &tokens.userinfo) {
        server
            .inner
            .store
            .put(
                Kind::AccessToken,
                &token_key(token),
                &json!({ "userinfo": userinfo, "client_id": client_id }),
                Some(std::time::Duration::from_secs(tokens.expires_in.max(1))),
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes what the flow did to the user (metadata, a login counted) back
/// to the store, so the next login sees it.
pub async fn save_user(server: &Server, record: &Value, outcome: &Outcome) -> Result<(), String> {
    let Some(user_id) = record.pointer("/profile/user_id").and_then(Value::as_str) else {
        return Ok(());
    };
    // On the stored user as it is when written (another login or the
    // Management API may have written since the flow started), and only
    // the keys this flow changed, in one step.
    // A user deleted or linked away meanwhile stays gone.
    let mut apply = |current: Option<Value>| {
        let mut current = current?;
        for key in ["app_metadata", "user_metadata"] {
            let Some(after) = outcome.user.get(key).and_then(Value::as_object) else {
                continue;
            };
            let before = record
                .pointer(&format!("/profile/{key}"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if !current["profile"][key].is_object() {
                current["profile"][key] = json!({});
            }
            let Some(target) = current["profile"][key].as_object_mut() else {
                continue;
            };
            for (name, value) in after {
                if before.get(name) != Some(value) {
                    target.insert(name.clone(), value.clone());
                }
            }
            for name in before.keys() {
                if !after.contains_key(name) {
                    target.remove(name);
                }
            }
        }
        Some(current)
    };
    server
        .inner
        .store
        .update(Kind::User, user_id, &mut apply)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Counts a login: `event.stats.logins_count` of the next one. One step
/// in the store, so logins of one user on several servers all count.
pub async fn count_login(server: &Server, user_id: &str) -> Result<Value, String> {
    let now = iso_time(now_secs());
    let mut count = |record: Option<Value>| {
        let mut record = record?;
        let count = record
            .get("logins_count")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            + 1;
        record["logins_count"] = json!(count);
        record["profile"]["last_login"] = json!(now);
        Some(record)
    };
    server
        .inner
        .store
        .update(Kind::User, user_id, &mut count)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the user {user_id} no longer exists"))
}
