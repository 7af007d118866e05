//! `/oauth/token` (authorization code with PKCE, refresh token with
//! rotation, client credentials, password and password-realm) and
//! `/oauth/revoke`, with Auth0's error codes.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::authorize::{find_password_user, record};
use super::login::{self, LoginContext, LoginRequest, Tokens, random_id};
use super::store::Kind;
use super::tenant::{PASSWORD_REALM, allows_grant, now_secs};
use super::{Server, no_store, oauth_error, param, parse_body};
use crate::outcome::{Outcome, Status};
use crate::script::Trigger;
use crate::tenant::ClientSettings;

/// Refresh tokens of clients with expiring tokens and no lifetime set.
const REFRESH_ABSOLUTE_DEFAULT: u64 = 30 * 24 * 3600;
const REFRESH_IDLE_DEFAULT: u64 = 15 * 24 * 3600;

fn bad_request(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::FORBIDDEN, "invalid_grant", description)
}

fn unauthorized() -> Response {
    oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized")
}

fn server_error(description: &str) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        description,
    )
}

/// The HTTP status Auth0 answers an OAuth error code with.
fn status_of(error: &str) -> StatusCode {
    match error {
        "invalid_request" | "invalid_scope" | "unsupported_grant_type" => StatusCode::BAD_REQUEST,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "invalid_client" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::FORBIDDEN,
    }
}

fn secrets_masked(params: &Map<String, Value>) -> Map<String, Value> {
    let mut body = params.clone();
    for key in [
        "client_secret",
        "password",
        "refresh_token",
        "code_verifier",
        "code",
    ] {
        if let Some(value) = body.get_mut(key) {
            *value = json!("[redacted]");
        }
    }
    body
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Client authentication: `client_secret_basic` (the Authorization
/// header), `client_secret_post` (the body), or none for public clients.
fn authenticate<'s>(
    server: &'s Server,
    headers: &HeaderMap,
    params: &Map<String, Value>,
) -> Result<&'s ClientSettings, Box<Response>> {
    let basic = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(value) if value.len() > 6 && value[..6].eq_ignore_ascii_case("basic ") => {
            let decoded = STANDARD
                .decode(value[6..].trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| Box::new(unauthorized()))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| Box::new(unauthorized()))?;
            // RFC 6749 2.3.1: both halves are form-encoded.
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(id), decode(secret)))
        }
        _ => None,
    };
    let client_id = match (&basic, param(params, "client_id")) {
        (Some((id, _)), Some(body_id)) if id != body_id => return Err(Box::new(unauthorized())),
        (Some((id, _)), _) => id.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => {
            return Err(Box::new(bad_request(
                "Missing required parameter: client_id",
            )));
        }
    };
    let client = server
        .tenant()
        .client(&client_id)
        .ok_or_else(|| Box::new(unauthorized()))?;
    let method = client.token_endpoint_auth_method.as_deref();
    let given = match (&basic, param(params, "client_secret")) {
        (Some(_), Some(_)) => {
            return Err(Box::new(bad_request(
                "Use one client authentication method, not the Authorization header and client_secret both",
            )));
        }
        (Some((_, secret)), None) => {
            if method == Some("client_secret_post") {
                return Err(Box::new(unauthorized()));
            }
            Some(secret.clone())
        }
        (None, Some(secret)) => {
            if method == Some("client_secret_basic") {
                return Err(Box::new(unauthorized()));
            }
            Some(secret.to_string())
        }
        (None, None) => None,
    };
    if client.is_public() {
        return Ok(client);
    }
    match (&client.client_secret, given) {
        (Some(expected), Some(given))
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok(client)
        }
        _ => Err(Box::new(unauthorized())),
    }
}

pub async fn token(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match parse_body(&headers, &body) {
        Ok(params) => params,
        Err(e) => return bad_request(&e),
    };
    let Some(grant) = param(&params, "grant_type").map(str::to_string) else {
        return bad_request("Missing required parameter: grant_type");
    };
    let known = [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "password",
        PASSWORD_REALM,
    ];
    if !known.contains(&grant.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Unsupported grant type: {grant}"),
        );
    }
    let client = match authenticate(&server, &headers, &params) {
        Ok(client) => client.clone(),
        Err(response) => return *response,
    };
    if !allows_grant(&client, &grant) {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            &format!("Grant type '{grant}' not allowed for the client."),
        );
    }
    let from = Origin {
        ip: peer.ip().to_string(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    };
    let mut response = match grant.as_str() {
        "authorization_code" => authorization_code(&server, &client, &params).await,
        "refresh_token" => refresh(&server, &client, &params, &from).await,
        "client_credentials" => client_credentials(&server, &client, &params, &from).await,
        _ => password(&server, &client, &params, &grant, &from).await,
    };
    // Only this client's pages may read the answer (docs/serve.md).
    response
        .extensions_mut()
        .insert(super::cors::CorsClient(client.client_id.clone()));
    response
}

struct Origin {
    ip: String,
    user_agent: Option<String>,
}

fn token_response(tokens: &Tokens, refresh_token: Option<String>) -> Response {
    let mut body = Map::new();
    if let Some(access) = &tokens.access_token {
        body.insert("access_token".into(), json!(access));
    }
    if let Some(refresh) = refresh_token {
        body.insert("refresh_token".into(), json!(refresh));
    }
    if let Some(id) = &tokens.id_token {
        body.insert("id_token".into(), json!(id));
    }
    body.insert("scope".into(), json!(tokens.scope));
    body.insert("expires_in".into(), json!(tokens.expires_in));
    body.insert("token_type".into(), json!("Bearer"));
    let mut response = Json(Value::Object(body)).into_response();
    no_store(response.headers_mut());
    response
}

async fn authorization_code(
    server: &Server,
    client: &ClientSettings,
    params: &Map<String, Value>,
) -> Response {
    let Some(code) = param(params, "code") else {
        return bad_request("Missing required parameter: code");
    };
    // Taken, not read: a code works once, even for two requests at once.
    let stored = match server.store().take(Kind::Code, code).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return invalid_grant("Invalid authorization code"),
        Err(e) => return server_error(&e.to_string()),
    };
    let Some(request) = stored
        .get("request")
        .and_then(|r| serde_json::from_value::<LoginRequest>(r.clone()).ok())
    else {
        return server_error("a stored authorization code is unreadable");
    };
    if request.client_id != client.client_id {
        return invalid_grant("Invalid authorization code");
    }
    let asked_redirect = request.query.contains_key("redirect_uri");
    match param(params, "redirect_uri") {
        Some(uri) if uri != request.redirect_uri => {
            return invalid_grant(
                "Redirect URI mismatch: it must be the one of the authorization request",
            );
        }
        None if asked_redirect => return bad_request("Missing required parameter: redirect_uri"),
        _ => {}
    }
    if let Some(challenge) = &request.code_challenge {
        let Some(verifier) = param(params, "code_verifier") else {
            return bad_request("Parameter 'code_verifier' is required");
        };
        let computed = match request.code_challenge_method.as_deref() {
            Some("S256") => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            _ => verifier.to_string(),
        };
        if !constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
            return invalid_grant("Failed to verify code verifier");
        }
    }
    let text = |key: &str| stored.get(key).and_then(Value::as_str).map(str::to_string);
    let tokens = Tokens {
        access_token: text("access_token"),
        id_token: text("id_token"),
        expires_in: stored
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(86_400),
        scope: text("scope").unwrap_or_default(),
        userinfo: stored.get("userinfo").filter(|u| !u.is_null()).cloned(),
    };
    if let Err(e) = login::remember_access_token(server, &tokens, &client.client_id).await {
        return server_error(&e);
    }
    let mut refresh_token = None;
    if stored.get("offline").and_then(Value::as_bool) == Some(true)
        && let Some(context) = stored
            .get("context")
            .and_then(|c| serde_json::from_value::<LoginContext>(c.clone()).ok())
    {
        match issue_refresh_token(server, client, &request, &context, None).await {
            Ok(token) => refresh_token = Some(token),
            Err(e) => return server_error(&e),
        }
    }
    token_response(&tokens, refresh_token)
}

/// Where a refresh token stands in its rotation family (Auth0's
/// automatic reuse detection): which family, which generation, and when
/// the family's first token was issued (its absolute lifetime counts from
/// there).
struct Lineage {
    family: String,
    generation: u64,
    created: u64,
}

/// Stores a new refresh token for this client, user and grant: the first
/// of a new family, or (`lineage`) the next of a rotating one.
async fn issue_refresh_token(
    server: &Server,
    client: &ClientSettings,
    request: &LoginRequest,
    context: &LoginContext,
    lineage: Option<Lineage>,
) -> Result<String, String> {
    let token = format!("v1.{}", random_id(48));
    let now = now_secs();
    let lineage = lineage.unwrap_or_else(|| Lineage {
        family: random_id(16),
        generation: 0,
        created: now,
    });
    let (absolute, ttl) = refresh_lifetime(client, lineage.created, now);
    let record = json!({
        "client_id": client.client_id,
        "request": request,
        "context": context,
        "created_at": lineage.created,
        "expires_at": absolute,
        "family": lineage.family,
        "generation": lineage.generation,
    });
    let store = server.store();
    if rotates(client) && lineage.generation == 0 {
        let family = json!({ "generation": 0, "revoked": false });
        store
            .put(
                Kind::RefreshFamily,
                &lineage.family,
                &family,
                family_ttl(absolute, now),
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    store
        .put(Kind::RefreshToken, &login::token_key(&token), &record, ttl)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token)
}

/// A refresh token's absolute expiry (expiring tokens) and how long the
/// store keeps it (the idle lifetime, never past the absolute one).
fn refresh_lifetime(
    client: &ClientSettings,
    created: u64,
    now: u64,
) -> (Option<u64>, Option<Duration>) {
    let settings = client.refresh_token.clone().unwrap_or_default();
    let expiring = settings.expiration_type.as_deref() == Some("expiring");
    let absolute =
        expiring.then(|| created + settings.token_lifetime.unwrap_or(REFRESH_ABSOLUTE_DEFAULT));
    let idle = expiring.then(|| settings.idle_token_lifetime.unwrap_or(REFRESH_IDLE_DEFAULT));
    let ttl = match (absolute, idle) {
        (Some(absolute), Some(idle)) => Some(Duration::from_secs(
            idle.min(absolute.saturating_sub(now)).max(1),
        )),
        _ => None,
    };
    (absolute, ttl)
}

/// A family lives as long as its tokens can: to its absolute expiry.
fn family_ttl(absolute: Option<u64>, now: u64) -> Option<Duration> {
    absolute.map(|at| Duration::from_secs(at.saturating_sub(now).max(1)))
}

fn rotates(client: &ClientSettings) -> bool {
    client
        .refresh_token
        .as_ref()
        .and_then(|r| r.rotation_type.as_deref())
        == Some("rotating")
}

/// Revokes every token of a rotating family: each refresh then finds the
/// family revoked.
async fn revoke_family(server: &Server, family: &str, absolute: Option<u64>) -> Result<(), String> {
    let record = json!({ "generation": u64::MAX, "revoked": true });
    server
        .store()
        .put(
            Kind::RefreshFamily,
            family,
            &record,
            family_ttl(absolute, now_secs()),
        )
        .await
        .map_err(|e| e.to_string())
}

/// What a login run at the token endpoint answers (password and refresh
/// grants): tokens, or the denial as Auth0's error.
fn refusal(outcome: &Outcome) -> Option<Response> {
    match outcome.status {
        Status::Allowed => None,
        Status::Redirected => Some(oauth_error(
            StatusCode::FORBIDDEN,
            "interaction_required",
            "A script redirected, which this grant cannot do: log in through /authorize",
        )),
        Status::Denied | Status::Failed => {
            let (error, description) = match &outcome.oauth_error {
                Some(e) => (e.error.clone(), e.error_description.clone()),
                None => (
                    "server_error".to_string(),
                    outcome
                        .error
                        .as_ref()
                        .map_or_else(|| "the flow failed".to_string(), |e| e.message.clone()),
                ),
            };
            Some(oauth_error(status_of(&error), &error, &description))
        }
    }
}

async fn run_token_login(
    server: &Server,
    request: &LoginRequest,
    context: &LoginContext,
    record_value: &Value,
) -> Result<(Outcome, Tokens), Box<Response>> {
    let event = login::login_event(server, request, record_value, context);
    let flow = login::flow_for(server, Trigger::PostLogin, event, Some(record_value));
    let sent = login::run_flow(server, flow)
        .await
        .map_err(|e| Box::new(server_error(&e)))?;
    record(
        server,
        &request.protocol,
        &request.client_id,
        &context.user_id,
        &sent.masked(),
    );
    let outcome = sent.outcome;
    if let Some(refused) = refusal(&outcome) {
        return Err(Box::new(refused));
    }
    login::save_user(server, record_value, &outcome)
        .await
        .map_err(|e| Box::new(server_error(&e)))?;
    let tokens = login::finish_tokens(server, &outcome, request, None)
        .map_err(|e| Box::new(server_error(&e)))?;
    login::remember_access_token(server, &tokens, &request.client_id)
        .await
        .map_err(|e| Box::new(server_error(&e)))?;
    Ok((outcome, tokens))
}

async fn refresh(
    server: &Server,
    client: &ClientSettings,
    params: &Map<String, Value>,
    from: &Origin,
) -> Response {
    let Some(token) = param(params, "refresh_token") else {
        return bad_request("Missing required parameter: refresh_token");
    };
    let key = login::token_key(token);
    let unknown = || invalid_grant("Unknown or invalid refresh token.");
    let stored = match server.store().get(Kind::RefreshToken, &key).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return unknown(),
        Err(e) => return server_error(&e.to_string()),
    };
    if stored.get("client_id").and_then(Value::as_str) != Some(client.client_id.as_str()) {
        return unknown();
    }
    if stored
        .get("expires_at")
        .and_then(Value::as_u64)
        .is_some_and(|at| at <= now_secs())
    {
        return unknown();
    }
    let parsed = (|| {
        let request: LoginRequest = serde_json::from_value(stored.get("request")?.clone()).ok()?;
        let context: LoginContext = serde_json::from_value(stored.get("context")?.clone()).ok()?;
        Some((request, context))
    })();
    let Some((original, context)) = parsed else {
        return server_error("a stored refresh token is unreadable");
    };
    // Rotation with automatic reuse detection: a token rotated out works
    // again only while it is the previous generation and within the
    // client's `leeway`; any other reuse revokes the whole family.
    let family = stored
        .get("family")
        .and_then(Value::as_str)
        .map(str::to_string);
    let generation = stored
        .get("generation")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let expires_at = stored.get("expires_at").and_then(Value::as_u64);
    let rotating = rotates(client) && family.is_some();
    let mut reused_within_leeway = false;
    if let Some(family) = family.as_deref().filter(|_| rotating) {
        let newest = match server.store().get(Kind::RefreshFamily, family).await {
            Ok(Some(record)) if record.get("revoked").and_then(Value::as_bool) != Some(true) => {
                record
                    .get("generation")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            }
            Ok(_) => return unknown(),
            Err(e) => return server_error(&e.to_string()),
        };
        if let Some(rotated_at) = stored.get("rotated_at").and_then(Value::as_u64) {
            let leeway = client
                .refresh_token
                .as_ref()
                .and_then(|r| r.leeway)
                .unwrap_or(0);
            if newest == generation + 1 && now_secs() < rotated_at + leeway {
                reused_within_leeway = true;
            } else {
                tracing::warn!(
                    target: "actionbox::serve",
                    "a rotated-out refresh token of {} was used again: its family is revoked",
                    client.client_id
                );
                if let Err(e) = revoke_family(server, family, expires_at).await {
                    return server_error(&e);
                }
                return unknown();
            }
        }
    }
    let scope = match param(params, "scope") {
        None => original.scope.clone(),
        Some(asked) => {
            if let Some(extra) = asked.split_whitespace().find(|s| !original.has_scope(s)) {
                return oauth_error(
                    StatusCode::FORBIDDEN,
                    "invalid_scope",
                    &format!("The scope '{extra}' was not granted to the refresh token"),
                );
            }
            asked.to_string()
        }
    };
    let record_value = match server.store().get(Kind::User, &context.user_id).await {
        Ok(Some(record)) => record,
        _ => return unknown(),
    };
    let request = LoginRequest {
        scope,
        response_type: Vec::new(),
        response_mode: String::new(),
        state: None,
        nonce: None,
        prompt: None,
        query: Map::new(),
        body: secrets_masked(params),
        ip: from.ip.clone(),
        user_agent: from.user_agent.clone(),
        protocol: "oauth2-refresh-token".into(),
        transaction_id: random_id(12),
        ..original.clone()
    };
    let (_, tokens) = match run_token_login(server, &request, &context, &record_value).await {
        Ok(done) => done,
        Err(response) => return *response,
    };
    let mut new_refresh = None;
    if let (true, Some(family)) = (rotating, family) {
        let next = if reused_within_leeway {
            // A sibling of the newest token; the family does not advance.
            generation + 1
        } else {
            // The old token works once: of two concurrent refreshes, one
            // wins. It stays in the store, marked, so a later reuse is
            // recognised.
            let mut taken = match server.store().take(Kind::RefreshToken, &key).await {
                Ok(Some(taken)) => taken,
                Ok(None) => return unknown(),
                Err(e) => return server_error(&e.to_string()),
            };
            let now = now_secs();
            taken["rotated_at"] = json!(now);
            let (_, ttl) = refresh_lifetime(
                client,
                stored
                    .get("created_at")
                    .and_then(Value::as_u64)
                    .unwrap_or(now),
                now,
            );
            let advanced = json!({ "generation": generation + 1, "revoked": false });
            let store = server.store();
            if let Err(e) = store.put(Kind::RefreshToken, &key, &taken, ttl).await {
                return server_error(&e.to_string());
            }
            if let Err(e) = store
                .put(
                    Kind::RefreshFamily,
                    &family,
                    &advanced,
                    family_ttl(expires_at, now),
                )
                .await
            {
                return server_error(&e.to_string());
            }
            generation + 1
        };
        let lineage = Lineage {
            family,
            generation: next,
            created: stored
                .get("created_at")
                .and_then(Value::as_u64)
                .unwrap_or_else(now_secs),
        };
        match issue_refresh_token(server, client, &original, &context, Some(lineage)).await {
            Ok(token) => new_refresh = Some(token),
            Err(e) => return server_error(&e),
        }
    }
    token_response(&tokens, new_refresh)
}

async fn password(
    server: &Server,
    client: &ClientSettings,
    params: &Map<String, Value>,
    grant: &str,
    from: &Origin,
) -> Response {
    let Some(username) = param(params, "username") else {
        return bad_request("Missing required parameter: username");
    };
    let Some(password) = param(params, "password") else {
        return bad_request("Missing required parameter: password");
    };
    let tenant = server.tenant();
    let connection = if grant == PASSWORD_REALM {
        match param(params, "realm") {
            Some(realm) => realm.to_string(),
            None => return bad_request("Missing required parameter: realm"),
        }
    } else {
        match tenant.database_connection() {
            Some(connection) => connection.name,
            None => {
                return server_error(
                    "Authorization server not configured with default connection.",
                );
            }
        }
    };
    if tenant
        .connection(&connection)
        .is_none_or(|c| !super::tenant::is_database(&c))
    {
        return bad_request(&format!("the connection was not found: {connection}"));
    }
    let audience = param(params, "audience").map(str::to_string);
    if let Some(audience) = &audience
        && tenant.settings.api(audience).is_none()
    {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        );
    }
    let users = match server.store().list(Kind::User).await {
        Ok(users) => users,
        Err(e) => return server_error(&e.to_string()),
    };
    let Some((found, _)) = find_password_user(&users, Some(&connection), username, password) else {
        return invalid_grant("Wrong email or password.");
    };
    let Some(user_id) = found
        .pointer("/profile/user_id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return server_error("a stored user has no user_id");
    };
    let record_value = match login::count_login(server, &user_id).await {
        Ok(record) => record,
        Err(e) => return server_error(&e),
    };
    let request = LoginRequest {
        client_id: client.client_id.clone(),
        scope: param(params, "scope").unwrap_or("").to_string(),
        audience,
        connection: Some(connection),
        body: secrets_masked(params),
        ip: from.ip.clone(),
        user_agent: from.user_agent.clone(),
        protocol: "oauth2-password".into(),
        transaction_id: random_id(12),
        ..LoginRequest::default()
    };
    let context = LoginContext {
        user_id,
        session_id: random_id(16),
        auth_time: now_secs(),
        method: "pwd".into(),
        connection: request.connection.clone(),
    };
    let (_, tokens) = match run_token_login(server, &request, &context, &record_value).await {
        Ok(done) => done,
        Err(response) => return *response,
    };
    let mut refresh_token = None;
    if request.has_scope("offline_access") && allows_grant(client, "refresh_token") {
        match issue_refresh_token(server, client, &request, &context, None).await {
            Ok(token) => refresh_token = Some(token),
            Err(e) => return server_error(&e),
        }
    }
    token_response(&tokens, refresh_token)
}

async fn client_credentials(
    server: &Server,
    client: &ClientSettings,
    params: &Map<String, Value>,
    from: &Origin,
) -> Response {
    let tenant = server.tenant();
    let Some(audience) = param(params, "audience") else {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            "No audience parameter was provided, and no default audience has been configured",
        );
    };
    let Some(api) = tenant.settings.api(audience) else {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        );
    };
    let requested: Vec<String> = param(params, "scope")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    // The client grant: every scope the API defines (actionbox keeps no
    // per-client grants), narrowed to the requested ones.
    let granted: Vec<String> = match &api.scopes {
        Some(defined) if requested.is_empty() => defined.clone(),
        Some(defined) => requested
            .iter()
            .filter(|s| defined.contains(s))
            .cloned()
            .collect(),
        None => requested.clone(),
    };
    let domain = tenant.domain();
    let event = json!({
        "tenant": login::tenant_part(server),
        "client": login::client_part(server, &client.client_id),
        "resource_server": { "identifier": api.identifier },
        "request": {
            "ip": from.ip,
            "hostname": domain,
            "method": "POST",
            "user_agent": from.user_agent,
            "body": Value::Object(secrets_masked(params)),
        },
        "transaction": { "requested_scopes": requested },
        "accessToken": { "customClaims": {}, "scope": granted },
    });
    let flow = login::flow_for(server, Trigger::CredentialsExchange, event, None);
    let sent = match login::run_flow(server, flow).await {
        Ok(sent) => sent,
        Err(e) => return server_error(&e),
    };
    record(
        server,
        "client-credentials",
        &client.client_id,
        "",
        &sent.masked(),
    );
    let outcome = sent.outcome;
    if let Some(refused) = refusal(&outcome) {
        return refused;
    }
    let request = LoginRequest {
        client_id: client.client_id.clone(),
        ..LoginRequest::default()
    };
    match login::finish_tokens(server, &outcome, &request, None) {
        Ok(tokens) => token_response(&tokens, None),
        Err(e) => server_error(&e),
    }
}

/// `/oauth/revoke`: a client revokes one of its refresh tokens. Auth0
/// answers 200 whether or not the token existed.
pub async fn revoke(State(server): State<Server>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match parse_body(&headers, &body) {
        Ok(params) => params,
        Err(e) => return bad_request(&e),
    };
    let client = match authenticate(&server, &headers, &params) {
        Ok(client) => client.clone(),
        Err(response) => return *response,
    };
    let Some(token) = param(&params, "token") else {
        return bad_request("Missing required parameter: token");
    };
    let key = login::token_key(token);
    match server.store().get(Kind::RefreshToken, &key).await {
        Ok(Some(stored))
            if stored.get("client_id").and_then(Value::as_str)
                == Some(client.client_id.as_str()) =>
        {
            if let Err(e) = server.store().delete(Kind::RefreshToken, &key).await {
                return server_error(&e.to_string());
            }
            // A rotating token stands for its family: the tokens rotated
            // from it stop working too.
            if let Some(family) = stored.get("family").and_then(Value::as_str)
                && rotates(&client)
                && let Err(e) = revoke_family(
                    &server,
                    family,
                    stored.get("expires_at").and_then(Value::as_u64),
                )
                .await
            {
                return server_error(&e);
            }
        }
        Ok(_) => {}
        Err(e) => return server_error(&e.to_string()),
    }
    let mut response = StatusCode::OK.into_response();
    no_store(response.headers_mut());
    response
        .extensions_mut()
        .insert(super::cors::CorsClient(client.client_id.clone()));
    response
}
