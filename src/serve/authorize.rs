//! `/authorize`, the login form (`/u/login`), `/continue`, and how a
//! finished login answers the application (code, tokens, or error, in the
//! requested response mode).

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::login::{self, LoginContext, LoginRequest, random_id};
use super::store::Kind;
use super::tenant::{allows_grant, is_database, now_secs, user_record};
use super::{Server, cookie, error_page, found, no_store, pages, param, parse_params, set_cookie};
use crate::directory::users::login_routes;
use crate::outcome::{Outcome, Status};
use crate::{AsSent, Resume};

/// The SSO session cookie, as Auth0 names it.
pub const SESSION_COOKIE: &str = "auth0";
const CSRF_COOKIE: &str = "_csrf";
/// Auth0's SSO session lasts 3 days of inactivity by default.
pub const SESSION_SECONDS: u64 = 3 * 24 * 3600;
const TRANSACTION_TTL: Duration = Duration::from_secs(3600);
/// Authorization codes are good for one exchange within this time.
pub const CODE_TTL: Duration = Duration::from_secs(600);

/// Where an error goes once the redirect URI is known to be the client's.
struct Reply<'a> {
    redirect_uri: &'a str,
    mode: &'a str,
    state: Option<&'a str>,
}

impl Reply<'_> {
    fn error(&self, error: &str, description: &str) -> Response {
        let mut params = vec![
            ("error".to_string(), error.to_string()),
            ("error_description".to_string(), description.to_string()),
        ];
        if let Some(state) = self.state {
            params.push(("state".into(), state.to_string()));
        }
        respond(self.redirect_uri, self.mode, &params)
    }
}

/// Sends `params` to the application: in the redirect's query, in its
/// fragment, or as a form the browser posts.
fn respond(redirect_uri: &str, mode: &str, params: &[(String, String)]) -> Response {
    let encoded = || {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in params {
            serializer.append_pair(key, value);
        }
        serializer.finish()
    };
    let mut response = match mode {
        "form_post" => Html(pages::form_post(redirect_uri, params)).into_response(),
        "web_message" => {
            let origin = super::cors::origin_of(redirect_uri).unwrap_or_default();
            Html(pages::web_message(&origin, params)).into_response()
        }
        "fragment" => {
            let base = redirect_uri.split('#').next().unwrap_or(redirect_uri);
            found(&format!("{base}#{}", encoded()))
        }
        _ => match url::Url::parse(redirect_uri) {
            Ok(mut url) => {
                {
                    let mut pairs = url.query_pairs_mut();
                    for (key, value) in params {
                        pairs.append_pair(key, value);
                    }
                }
                found(url.as_str())
            }
            Err(_) => found(&format!("{redirect_uri}?{}", encoded())),
        },
    };
    no_store(response.headers_mut());
    response
}

fn default_mode(response_type: &[String]) -> &'static str {
    if response_type == ["code"] {
        "query"
    } else {
        "fragment"
    }
}

const RESPONSE_TYPES: &[&[&str]] = &[
    &["code"],
    &["token"],
    &["id_token"],
    &["id_token", "token"],
    &["code", "id_token"],
    &["code", "token"],
    &["code", "id_token", "token"],
];

pub async fn authorize(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match parse_params(query.as_deref().unwrap_or("")) {
        Ok(params) => params,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let Some(client_id) = param(&params, "client_id") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    };
    let tenant = server.tenant();
    let Some(client) = tenant.client(client_id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Unknown client: {client_id}"),
        );
    };
    // The redirect URI is checked before anything is sent to it: a
    // mismatch stops here, never redirects (no open redirector).
    let redirect_uri = match param(&params, "redirect_uri") {
        Some(uri) if client.callbacks.iter().any(|c| c == uri) => uri.to_string(),
        Some(uri) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "Callback URL mismatch. {uri} is not in the list of allowed callback URLs"
                ),
            );
        }
        None => match client.callbacks.first() {
            Some(first) => first.clone(),
            None => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!(
                        "The client {client_id} has no allowed callback URLs (\"callbacks\" in the settings)"
                    ),
                );
            }
        },
    };
    let state = param(&params, "state").map(str::to_string);
    let response_type: Vec<String> = {
        let mut words: Vec<String> = param(&params, "response_type")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        words.sort();
        words.dedup();
        words
    };
    let requested_mode = param(&params, "response_mode").map(str::to_string);
    // web_message posts the answer, errors included, to the callback's
    // origin: it must be one of the client's web origins first.
    if requested_mode.as_deref() == Some("web_message") {
        let origin = super::cors::origin_of(&redirect_uri).unwrap_or_default();
        if !super::cors::web_origin(client, &origin) {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!(
                    "The origin {origin} is not in the client's allowed web origins (\"web_origins\"), so response_mode=web_message cannot answer it"
                ),
            );
        }
    }
    let fallback_mode = match requested_mode.as_deref() {
        Some(mode @ ("query" | "fragment" | "form_post" | "web_message")) => mode,
        _ => default_mode(&response_type),
    };
    let reply = Reply {
        redirect_uri: &redirect_uri,
        mode: fallback_mode,
        state: state.as_deref(),
    };
    if response_type.is_empty() {
        return reply.error(
            "invalid_request",
            "Missing required parameter: response_type",
        );
    }
    if !RESPONSE_TYPES.iter().any(|allowed| {
        allowed
            .iter()
            .copied()
            .eq(response_type.iter().map(String::as_str))
    }) {
        return reply.error(
            "unsupported_response_type",
            &format!(
                "Unsupported response type: {}",
                param(&params, "response_type").unwrap_or("")
            ),
        );
    }
    let returns_tokens = response_type.iter().any(|w| w != "code");
    match requested_mode.as_deref() {
        None | Some("fragment" | "form_post" | "web_message") => {}
        Some("query") if !returns_tokens => {}
        Some("query") => {
            return reply.error(
                "invalid_request",
                "response_mode=query is not allowed when the response carries tokens",
            );
        }
        Some(other) => {
            return reply.error(
                "invalid_request",
                &format!("Unsupported response_mode: {other}"),
            );
        }
    }
    let uses_code = response_type.iter().any(|w| w == "code");
    for (needed, grant) in [
        (uses_code, "authorization_code"),
        (returns_tokens, "implicit"),
    ] {
        if needed && !allows_grant(client, grant) {
            return reply.error(
                "unauthorized_client",
                &format!("Grant type '{grant}' not allowed for the client."),
            );
        }
    }
    let nonce = param(&params, "nonce").map(str::to_string);
    if response_type.iter().any(|w| w == "id_token") && nonce.is_none() {
        return reply.error(
            "invalid_request",
            "Parameter 'nonce' is required when response_type includes id_token",
        );
    }
    let code_challenge = param(&params, "code_challenge").map(str::to_string);
    let method = param(&params, "code_challenge_method").map(str::to_string);
    if let Some(method) = &method
        && !matches!(method.as_str(), "S256" | "plain")
    {
        return reply.error(
            "invalid_request",
            &format!("Unsupported code_challenge_method: {method} (S256 or plain)"),
        );
    }
    if let Some(challenge) = &code_challenge
        && !(43..=128).contains(&challenge.len())
    {
        return reply.error(
            "invalid_request",
            "Parameter 'code_challenge' must be 43 to 128 characters long",
        );
    }
    if uses_code && code_challenge.is_none() && client.is_public() {
        return reply.error(
            "invalid_request",
            "Parameter 'code_challenge' is required: the client is public, so the code flow needs PKCE",
        );
    }
    let audience = param(&params, "audience").map(str::to_string);
    if let Some(audience) = &audience
        && tenant.settings.api(audience).is_none()
        && !is_auth0_api(audience, &tenant.domain())
    {
        return reply.error("access_denied", &format!("Service not found: {audience}"));
    }
    let connection = param(&params, "connection").map(str::to_string);
    if let Some(name) = &connection
        && tenant.connection(name).is_none()
    {
        return reply.error(
            "invalid_request",
            &format!("the connection was not found: {name}"),
        );
    }
    let max_age = match param(&params, "max_age").map(str::parse::<u64>) {
        None => None,
        Some(Ok(seconds)) => Some(seconds),
        Some(Err(_)) => {
            return reply.error(
                "invalid_request",
                "Parameter 'max_age' must be a number of seconds",
            );
        }
    };
    let prompt = param(&params, "prompt").map(str::to_string);
    let protocol = if !returns_tokens {
        "oidc-basic-profile"
    } else if uses_code {
        "oidc-hybrid-profile"
    } else {
        "oidc-implicit-profile"
    };
    let request = LoginRequest {
        client_id: client_id.to_string(),
        redirect_uri: redirect_uri.clone(),
        response_mode: fallback_mode.to_string(),
        response_type,
        state: state.clone(),
        nonce,
        scope: param(&params, "scope").unwrap_or("openid").to_string(),
        audience,
        prompt: prompt.clone(),
        max_age,
        connection,
        login_hint: param(&params, "login_hint").map(str::to_string),
        organization: param(&params, "organization").map(str::to_string),
        code_challenge_method: code_challenge
            .as_ref()
            .map(|_| method.unwrap_or_else(|| "plain".into())),
        code_challenge,
        query: params.clone(),
        body: Map::new(),
        ip: peer.ip().to_string(),
        user_agent: header_text(&headers, header::USER_AGENT),
        language: header_text(&headers, header::ACCEPT_LANGUAGE)
            .and_then(|l| l.split([',', ';']).next().map(str::to_string)),
        protocol: protocol.into(),
        transaction_id: random_id(12),
    };

    // An SSO session makes the login silent, unless the application asks
    // for a new one.
    let prompts: Vec<&str> = prompt.as_deref().unwrap_or("").split_whitespace().collect();
    let session = session_of(&server, &headers).await;
    // OIDC Core 3.1.2.1: "max_age=0 is equivalent to prompt=login".
    let fresh_enough = |auth_time: u64| {
        max_age.is_none_or(|max| max > 0 && now_secs() <= auth_time.saturating_add(max))
    };
    match session {
        Some((session_id, session)) if !prompts.contains(&"login") => {
            let auth_time = session
                .get("auth_time")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            if fresh_enough(auth_time)
                && let Some(user_id) = session.get("user_id").and_then(Value::as_str)
            {
                let context = LoginContext {
                    user_id: user_id.to_string(),
                    session_id,
                    auth_time,
                    method: session
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or("pwd")
                        .to_string(),
                    connection: session
                        .get("connection")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                };
                return match login::count_login(&server, user_id).await {
                    Ok(record) => run_login(&server, request, context, record).await,
                    Err(e) => reply.error("server_error", &e),
                };
            }
        }
        _ => {}
    }
    if prompts.contains(&"none") {
        return reply.error("login_required", "Login required");
    }
    let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or_else(|| random_id(24));
    let transaction = json!({ "request": request, "csrf": csrf });
    if let Err(e) = server
        .store()
        .put(
            Kind::Transaction,
            &request.transaction_id,
            &transaction,
            Some(TRANSACTION_TTL),
        )
        .await
    {
        return reply.error("server_error", &e.to_string());
    }
    let mut response = found(&format!("/u/login?state={}", request.transaction_id));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&server, CSRF_COOKIE, &csrf, None),
    );
    no_store(response.headers_mut());
    response
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The Management API and other Auth0 APIs of the tenant's own domain.
fn is_auth0_api(audience: &str, domain: &str) -> bool {
    audience.starts_with(&format!("https://{domain}/api/"))
        || audience == format!("https://{domain}/userinfo")
}

/// The SSO session the request's cookie names, if it is still live.
async fn session_of(server: &Server, headers: &HeaderMap) -> Option<(String, Value)> {
    let id = cookie(headers, SESSION_COOKIE)?;
    let session = server.store().get(Kind::Session, &id).await.ok()??;
    let user_id = session.get("user_id").and_then(Value::as_str)?;
    // The user may be gone (a store shared with another tenant's users).
    server.store().get(Kind::User, user_id).await.ok()??;
    Some((id, session))
}

async fn transaction(server: &Server, state: &str) -> Option<(LoginRequest, String)> {
    let value = server.store().get(Kind::Transaction, state).await.ok()??;
    let request: LoginRequest = serde_json::from_value(value.get("request")?.clone()).ok()?;
    let csrf = value.get("csrf")?.as_str()?.to_string();
    Some((request, csrf))
}

fn expired_transaction() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "The login transaction is unknown or expired: start again from the application",
    )
}

fn render_login(
    server: &Server,
    request: &LoginRequest,
    state: &str,
    csrf: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    let tenant = server.tenant();
    let connections = tenant.connections();
    let only = request.connection.as_deref();
    let database = match only {
        Some(name) => connections
            .iter()
            .find(|c| c.name == name && is_database(c))
            .map(|c| c.name.clone()),
        None => connections
            .iter()
            .find(|c| is_database(c))
            .map(|c| c.name.clone()),
    };
    let social: Vec<_> = connections
        .iter()
        .filter(|c| !is_database(c) && only.is_none_or(|name| c.name == name))
        .cloned()
        .collect();
    let client_name = tenant
        .client(&request.client_id)
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| request.client_id.clone());
    let html = pages::login(&pages::LoginPage {
        tenant: &tenant.domain(),
        client_name: &client_name,
        state,
        csrf,
        username,
        error,
        database: database.as_deref(),
        social: &social,
    });
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    no_store(headers);
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    response
}

pub async fn login_page(
    State(server): State<Server>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = parse_params(query.as_deref().unwrap_or("")).unwrap_or_default();
    let Some(state) = param(&params, "state") else {
        return expired_transaction();
    };
    let Some((request, csrf)) = transaction(&server, state).await else {
        return expired_transaction();
    };
    // The form's token must match the browser's cookie: if the cookie is
    // gone (another browser opened the link), the form cannot be posted.
    let csrf = cookie(&headers, CSRF_COOKIE)
        .filter(|c| *c == csrf)
        .unwrap_or(csrf);
    let hint = request.login_hint.clone().unwrap_or_default();
    render_login(&server, &request, state, &csrf, &hint, None)
}

/// The login form's answer: checks the CSRF token, the user and password
/// (or the social connection chosen), starts an SSO session and runs the
/// login.
pub async fn login(State(server): State<Server>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match std::str::from_utf8(&body)
        .map_err(|_| "The form is not UTF-8".to_string())
        .and_then(parse_params)
    {
        Ok(form) => form,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let Some(state) = param(&form, "state") else {
        return expired_transaction();
    };
    let Some((request, csrf)) = transaction(&server, state).await else {
        return expired_transaction();
    };
    let csrf_ok = param(&form, "_csrf").is_some_and(|t| t == csrf)
        && cookie(&headers, CSRF_COOKIE).is_some_and(|c| c == csrf);
    if !csrf_ok {
        return error_page(
            StatusCode::FORBIDDEN,
            "invalid_request",
            "Invalid CSRF token: the login form was not posted from the page this browser was given",
        );
    }
    let username = param(&form, "username").unwrap_or("").trim().to_string();
    let tenant = server.tenant();
    let users = match server.store().list(Kind::User).await {
        Ok(users) => users,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &e.to_string(),
            );
        }
    };
    let (record, method, connection) = if let Some(name) = param(&form, "connection") {
        let Some(connection) = tenant.connection(name).filter(|c| !is_database(c)) else {
            return render_login(
                &server,
                &request,
                state,
                &csrf,
                &username,
                Some(&format!("There is no social connection named {name}.")),
            );
        };
        let found = find_social_user(&users, &connection.name, &username).cloned();
        let record = match found {
            Some(record) => record,
            None if username.is_empty() => {
                return render_login(
                    &server,
                    &request,
                    state,
                    &csrf,
                    &username,
                    Some(&format!(
                        "Type the email address to log in with through {}.",
                        connection.name
                    )),
                );
            }
            // A social login of someone new creates the user, as the
            // first login through an identity provider does.
            None => match user_record(
                &json!({ "email": username, "email_verified": true, "connection": connection.name }),
                &connection.name,
                now_secs(),
            ) {
                Ok(record) => record,
                Err(e) => {
                    return render_login(&server, &request, state, &csrf, &username, Some(&e));
                }
            },
        };
        (record, "federated", connection.name)
    } else {
        let database = request
            .connection
            .clone()
            .or_else(|| tenant.database_connection().map(|c| c.name));
        let password = param(&form, "password").unwrap_or("");
        match find_password_user(&users, database.as_deref(), &username, password) {
            Some((record, connection)) => (record.clone(), "pwd", connection),
            None => {
                return render_login(
                    &server,
                    &request,
                    state,
                    &csrf,
                    &username,
                    Some("Wrong email or password."),
                );
            }
        }
    };
    // The transaction is used once.
    if !matches!(
        server.store().take(Kind::Transaction, state).await,
        Ok(Some(_))
    ) {
        return expired_transaction();
    }
    let Some(user_id) = record
        .pointer("/profile/user_id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "a stored user has no user_id",
        );
    };
    if let Err(e) = ensure_user(&server, &user_id, &record).await {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e);
    }
    let session_id = random_id(24);
    let now = now_secs();
    let session = json!({
        "user_id": user_id,
        "auth_time": now,
        "method": method,
        "connection": connection,
    });
    if let Err(e) = server
        .store()
        .put(
            Kind::Session,
            &session_id,
            &session,
            Some(Duration::from_secs(SESSION_SECONDS)),
        )
        .await
    {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        );
    }
    let context = LoginContext {
        user_id: user_id.clone(),
        session_id: session_id.clone(),
        auth_time: now,
        method: method.into(),
        connection: Some(connection),
    };
    let mut response = match login::count_login(&server, &user_id).await {
        Ok(record) => run_login(&server, request, context, record).await,
        Err(e) => error_page(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            &server,
            SESSION_COOKIE,
            &session_id,
            Some(SESSION_SECONDS as i64),
        ),
    );
    response
}

/// Stores a user created by a social login.
async fn ensure_user(server: &Server, user_id: &str, record: &Value) -> Result<(), String> {
    // Created only if absent, in one step: two first logins of one social
    // user on two servers make one user.
    server
        .store()
        .update(Kind::User, user_id, &mut |current| {
            current.is_none().then(|| record.clone())
        })
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The user of a database connection with this email (or username) and
/// password, and the connection it logged in with. An identity linked into
/// another user logs in with its own password and reaches the primary user,
/// as with Auth0's account linking.
pub fn find_password_user<'u>(
    users: &'u [Value],
    connection: Option<&str>,
    username: &str,
    password: &str,
) -> Option<(&'u Value, String)> {
    if username.is_empty() || password.is_empty() {
        return None;
    }
    users.iter().find_map(|record| {
        login_routes(record).find_map(|route| {
            let in_connection = connection.is_none_or(|name| route.connection == name);
            let named = [route.email, route.username]
                .into_iter()
                .flatten()
                .any(|v| v.eq_ignore_ascii_case(username));
            let matches = in_connection
                && named
                && route.password_hash.is_some_and(|h| {
                    constant_time_eq(h, &super::tenant::password_hash(route.user_id, password))
                });
            matches.then(|| (record, route.connection.to_string()))
        })
    })
}

/// The user a social login through `connection` reaches: the one whose own
/// or linked identity is of that connection (with this email, when one is
/// given).
fn find_social_user<'u>(users: &'u [Value], connection: &str, email: &str) -> Option<&'u Value> {
    users.iter().find(|record| {
        login_routes(record).any(|route| {
            route.connection == connection && (email.is_empty() || route.email == Some(email))
        })
    })
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Runs the post-login flow for an interactive login and answers the
/// application.
async fn run_login(
    server: &Server,
    request: LoginRequest,
    context: LoginContext,
    record: Value,
) -> Response {
    let event = login::login_event(server, &request, &record, &context);
    let flow = login::flow_for(
        server,
        crate::script::Trigger::PostLogin,
        event.clone(),
        Some(&record),
    );
    match login::run_flow(server, flow).await {
        Ok(sent) => conclude(server, request, context, record, event, sent).await,
        Err(e) => reply_for(&request).error("server_error", &e),
    }
}

fn reply_for(request: &LoginRequest) -> Reply<'_> {
    Reply {
        redirect_uri: &request.redirect_uri,
        mode: &request.response_mode,
        state: request.state.as_deref(),
    }
}

/// Keeps a login for `/__actionbox/logins`.
pub fn record(server: &Server, kind: &str, client_id: &str, user_id: &str, outcome: &Outcome) {
    server.record_login(json!({
        "at": super::tenant::iso_time(now_secs()),
        "kind": kind,
        "client_id": client_id,
        "user_id": user_id,
        "outcome": outcome,
    }));
}

/// What a finished (or paused) login answers.
async fn conclude(
    server: &Server,
    request: LoginRequest,
    context: LoginContext,
    record: Value,
    event: Value,
    sent: AsSent,
) -> Response {
    record_outcome(server, &request, &context, &sent.masked());
    let outcome = sent.outcome;
    let reply = reply_for(&request);
    match outcome.status {
        Status::Allowed => {
            if let Err(e) = login::save_user(server, &record, &outcome).await {
                return reply.error("server_error", &e);
            }
            respond_success(server, &request, &context, &outcome).await
        }
        Status::Redirected => {
            let Some(redirect) = outcome.redirect.clone() else {
                return reply.error("server_error", "a redirect without a URL");
            };
            if request
                .prompt
                .as_deref()
                .is_some_and(|p| p.split_whitespace().any(|w| w == "none"))
            {
                return reply.error(
                    "interaction_required",
                    "The login needs the user's interaction (a redirect), but prompt=none was requested",
                );
            }
            // Auth0 writes pending metadata before the browser leaves.
            if let Err(e) = login::save_user(server, &record, &outcome).await {
                return reply.error("server_error", &e);
            }
            let pending = json!({
                "request": request,
                "context": context,
                "event": event,
                "script": redirect.script,
                "commands": outcome.commands,
                "prompt": redirect.prompt,
            });
            if let Err(e) = server
                .store()
                .put(
                    Kind::Pending,
                    &redirect.state,
                    &pending,
                    Some(TRANSACTION_TTL),
                )
                .await
            {
                return reply.error("server_error", &e.to_string());
            }
            // A Form (api.prompt.render) is shown by this server, at the
            // address it is reached at.
            let url = match redirect.prompt.as_ref().and_then(|p| p["id"].as_str()) {
                Some(id) => {
                    let encode = |s: &str| {
                        url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                    };
                    format!(
                        "{}u/forms/{}?state={}",
                        server.issuer(),
                        encode(id),
                        encode(&redirect.state)
                    )
                }
                None => redirect.url.clone(),
            };
            let mut response = found(&url);
            no_store(response.headers_mut());
            response
        }
        Status::Denied | Status::Failed => {
            let (error, description) = match &outcome.oauth_error {
                Some(e) => (e.error.clone(), e.error_description.clone()),
                None => (
                    "server_error".to_string(),
                    outcome
                        .error
                        .as_ref()
                        .map_or_else(|| "the login failed".to_string(), |e| e.message.clone()),
                ),
            };
            reply.error(&error, &description)
        }
    }
}

fn record_outcome(
    server: &Server,
    request: &LoginRequest,
    context: &LoginContext,
    outcome: &Outcome,
) {
    record(
        server,
        &request.protocol,
        &request.client_id,
        &context.user_id,
        outcome,
    );
}

/// The code, the tokens, or both, for an allowed login.
async fn respond_success(
    server: &Server,
    request: &LoginRequest,
    context: &LoginContext,
    outcome: &Outcome,
) -> Response {
    let reply = reply_for(request);
    let mut params: Vec<(String, String)> = Vec::new();
    let mut code = None;
    if request.returns("code") {
        let tokens = match login::finish_tokens(server, outcome, request, None) {
            Ok(tokens) => tokens,
            Err(e) => return reply.error("server_error", &e),
        };
        let new_code = random_id(32);
        let client = server.tenant().client(&request.client_id);
        let offline = request.has_scope("offline_access")
            && client.is_some_and(|c| allows_grant(c, "refresh_token"));
        let stored = json!({
            "request": request,
            "context": context,
            "access_token": tokens.access_token,
            "id_token": tokens.id_token,
            "expires_in": tokens.expires_in,
            "scope": tokens.scope,
            "userinfo": tokens.userinfo,
            "offline": offline,
        });
        if let Err(e) = server
            .store()
            .put(Kind::Code, &new_code, &stored, Some(CODE_TTL))
            .await
        {
            return reply.error("server_error", &e.to_string());
        }
        params.push(("code".into(), new_code.clone()));
        code = Some(new_code);
    }
    if request.returns("token") || request.returns("id_token") {
        let tokens = match login::finish_tokens(server, outcome, request, code.as_deref()) {
            Ok(tokens) => tokens,
            Err(e) => return reply.error("server_error", &e),
        };
        if request.returns("token")
            && let Some(access) = &tokens.access_token
        {
            params.push(("access_token".into(), access.clone()));
            params.push(("token_type".into(), "Bearer".into()));
            params.push(("expires_in".into(), tokens.expires_in.to_string()));
            params.push(("scope".into(), tokens.scope.clone()));
            if let Err(e) = login::remember_access_token(server, &tokens, &request.client_id).await
            {
                return reply.error("server_error", &e);
            }
        }
        if request.returns("id_token")
            && let Some(id) = &tokens.id_token
        {
            params.push(("id_token".into(), id.clone()));
        }
    }
    if let Some(state) = &request.state {
        params.push(("state".into(), state.clone()));
    }
    respond(&request.redirect_uri, &request.response_mode, &params)
}

/// `/u/forms/{id}?state=…`: the Form an Action rendered, for the login
/// waiting at `/continue` with that state.
pub async fn prompt_form(
    State(server): State<Server>,
    axum::extract::Path(id): axum::extract::Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = parse_params(query.as_deref().unwrap_or("")).unwrap_or_default();
    let Some(state) = param(&query, "state") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: state",
        );
    };
    let pending = server
        .store()
        .get(Kind::Pending, state)
        .await
        .ok()
        .flatten();
    let prompt = pending
        .as_ref()
        .and_then(|p| p.get("prompt"))
        .filter(|p| p["id"].as_str() == Some(id.as_str()));
    let Some(prompt) = prompt else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The state does not match a login waiting for this form (unknown, used or expired)",
        );
    };
    let fields = prompt
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut response = Html(pages::prompt_form(&id, state, &fields)).into_response();
    response
        .headers_mut()
        .insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    no_store(response.headers_mut());
    response
}

pub async fn continue_get(State(server): State<Server>, RawQuery(query): RawQuery) -> Response {
    let query = parse_params(query.as_deref().unwrap_or("")).unwrap_or_default();
    resume(server, query, Map::new()).await
}

pub async fn continue_post(
    State(server): State<Server>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let query = parse_params(query.as_deref().unwrap_or("")).unwrap_or_default();
    let body = match std::str::from_utf8(&body)
        .map_err(|_| "The form is not UTF-8".to_string())
        .and_then(parse_params)
    {
        Ok(body) => body,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    resume(server, query, body).await
}

/// `/continue`: the site a redirect Action sent the browser to sends it
/// back with `state`; the login resumes where it stopped.
async fn resume(server: Server, query: Map<String, Value>, body: Map<String, Value>) -> Response {
    let Some(state) = param(&body, "state")
        .or_else(|| param(&query, "state"))
        .map(str::to_string)
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: state",
        );
    };
    let pending = match server.store().take(Kind::Pending, &state).await {
        Ok(Some(pending)) => pending,
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The state does not match a login waiting at /continue (unknown, used or expired)",
            );
        }
    };
    let parsed = (|| {
        let request: LoginRequest = serde_json::from_value(pending.get("request")?.clone()).ok()?;
        let context: LoginContext = serde_json::from_value(pending.get("context")?.clone()).ok()?;
        let commands = serde_json::from_value(pending.get("commands")?.clone()).ok()?;
        let script = pending.get("script")?.as_str()?.to_string();
        Some((request, context, commands, script))
    })();
    let Some((request, context, prior_commands, script)) = parsed else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "a stored login is unreadable",
        );
    };
    let event = pending.get("event").cloned().unwrap_or(Value::Null);
    let record = match server.store().get(Kind::User, &context.user_id).await {
        Ok(Some(record)) => record,
        _ => return reply_for(&request).error("access_denied", "the user no longer exists"),
    };
    let resume = Resume {
        script,
        prior_commands,
        query,
        body,
    };
    match login::resume_flow(&server, event.clone(), Some(&record), resume).await {
        Ok(sent) => conclude(&server, request, context, record, event, sent).await,
        Err(e) => reply_for(&request).error("server_error", &e),
    }
}
