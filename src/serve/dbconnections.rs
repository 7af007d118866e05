//! The database connection endpoints: `/dbconnections/signup` (running the
//! pre- and post-user-registration Actions) and
//! `/dbconnections/change_password`, whose emailed link is the reset page
//! (`/u/reset-password`) that runs the post-change-password Actions.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::authorize::record;
use super::login::{self, random_id};
use super::store::Kind;
use super::tenant::{is_database, iso_time, now_secs, password_hash, user_record};
use super::{Server, error_page, no_store, pages, param, parse_params};
use crate::directory::users::{LINKED_LOGINS, login_routes};
use crate::outcome::{Outcome, Status};
use crate::script::Trigger;

/// How long a password reset link works (Auth0's default: 5 days).
const RESET_TICKET_TTL: Duration = Duration::from_secs(5 * 24 * 3600);

/// What Auth0 answers every change-password request with, whether or not
/// the user exists (so the answer does not reveal who has an account).
const RESET_SENT: &str = "We've just sent you an email to reset your password.";

/// The profile fields a signup may set, as Auth0's signup endpoint takes them.
const SIGNUP_FIELDS: &[&str] = &[
    "email",
    "username",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
];

/// A database-connection error in Auth0's shape for these endpoints.
fn bad_request(code: &str, description: &str) -> Response {
    let mut response = (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "name": "BadRequestError",
            "code": code,
            "description": description,
            "statusCode": 400,
        })),
    )
        .into_response();
    no_store(response.headers_mut());
    response
}

fn server_error(description: &str) -> Response {
    super::oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        description,
    )
}

/// The request body as JSON values (so `user_metadata` stays an object),
/// from JSON or a form.
fn body_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"));
    if !json {
        let text = std::str::from_utf8(body).map_err(|_| "The request body is not UTF-8")?;
        return parse_params(text);
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("The request body must be a JSON object".into()),
        Err(e) => Err(format!("The request body is not valid JSON: {e}")),
    }
}

/// The request part of a database-connection event.
fn request_part(server: &Server, peer: &SocketAddr, headers: &HeaderMap) -> Value {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    json!({
        "ip": peer.ip().to_string(),
        "hostname": server.tenant().domain(),
        "method": "POST",
        "user_agent": text(header::USER_AGENT),
        "language": text(header::ACCEPT_LANGUAGE)
            .and_then(|l| l.split([',', ';']).next().map(str::to_string))
            .unwrap_or_else(|| "en".into()),
    })
}

/// A signup or password change has no `/authorize` transaction: the
/// defaults' authorization fields must not show through.
fn no_transaction() -> Value {
    json!({
        "protocol": Value::Null,
        "redirect_uri": Value::Null,
        "response_mode": Value::Null,
        "response_type": Value::Null,
        "state": Value::Null,
        "requested_scopes": [],
    })
}

/// The user in the store of `connection` whose email (or username) is `login`.
/// The stored user with a login of `connection` named `login` (an email or
/// username), and that login's own user id: the user's, or that of an
/// identity linked into it.
fn find_user<'u>(users: &'u [Value], connection: &str, login: &str) -> Option<(&'u Value, String)> {
    users.iter().find_map(|record| {
        login_routes(record).find_map(|route| {
            let named = [route.email, route.username]
                .into_iter()
                .flatten()
                .any(|v| v.eq_ignore_ascii_case(login));
            (route.connection == connection && named).then(|| (record, route.user_id.to_string()))
        })
    })
}

/// Runs the trigger's Actions, when the tenant has any, and keeps the run
/// for `/__actionbox/logins`.
async fn run_trigger(
    server: &Server,
    trigger: Trigger,
    event: Value,
    client_id: &str,
    user_id: &str,
) -> Result<Option<Outcome>, String> {
    if server
        .tenant()
        .flows
        .get(&trigger)
        .is_none_or(|f| f.scripts.is_empty())
    {
        return Ok(None);
    }
    let flow = login::flow_for(server, trigger, event, None);
    let sent = login::run_flow(server, flow).await?;
    record(server, trigger.id(), client_id, user_id, &sent.masked());
    Ok(Some(sent.outcome))
}

/// `POST /dbconnections/signup`: creates a user of a database connection.
/// The pre-user-registration Actions may refuse it or add metadata; the
/// post-user-registration Actions run once the user exists.
pub async fn signup(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match body_object(&headers, &body) {
        Ok(body) => body,
        Err(e) => return bad_request("invalid_body", &e),
    };
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    for key in ["client_id", "connection", "password"] {
        if text(key).is_none() {
            return bad_request(
                "invalid_body",
                &format!("Missing required parameter: {key}"),
            );
        }
    }
    let (Some(client_id), Some(connection_name), Some(password)) =
        (text("client_id"), text("connection"), text("password"))
    else {
        return bad_request("invalid_body", "Missing required parameter");
    };
    let tenant = server.tenant();
    if tenant.client(client_id).is_none() {
        return bad_request("invalid_body", &format!("Unknown client: {client_id}"));
    }
    let Some(connection) = tenant.connection(connection_name).filter(is_database) else {
        return bad_request(
            "invalid_connection",
            &format!("the connection was not found: {connection_name}"),
        );
    };
    let Some(login_name) = text("email").or(text("username")) else {
        return bad_request("invalid_body", "Missing required parameter: email");
    };
    let user_metadata = match body.get("user_metadata") {
        None => json!({}),
        Some(Value::Object(metadata)) => Value::Object(metadata.clone()),
        Some(_) => return bad_request("invalid_body", "user_metadata must be an object"),
    };
    let users = match server.store().list(Kind::User).await {
        Ok(users) => users,
        Err(e) => return server_error(&e.to_string()),
    };
    if find_user(&users, &connection.name, login_name).is_some() {
        return bad_request("user_exists", "The user already exists.");
    }

    let mut user = Map::new();
    for key in SIGNUP_FIELDS {
        if let Some(value) = text(key) {
            user.insert((*key).to_string(), json!(value));
        }
    }
    user.insert("app_metadata".into(), json!({}));
    user.insert("user_metadata".into(), user_metadata);
    let mut request = request_part(&server, &peer, &headers);
    let mut shown_body = body.clone();
    shown_body.insert("password".into(), json!(crate::redact::MASK));
    request["body"] = Value::Object(shown_body);
    let event = json!({
        "tenant": login::tenant_part(&server),
        "client": login::client_part(&server, client_id),
        "connection": login::connection_part(&server, &connection.name),
        "request": request.clone(),
        "transaction": no_transaction(),
        "user": Value::Object(user.clone()),
    });
    let created =
        match run_trigger(&server, Trigger::PreUserRegistration, event, client_id, "").await {
            Err(e) => return server_error(&e),
            Ok(None) => Value::Object(user),
            Ok(Some(outcome)) => match outcome.status {
                Status::Allowed => outcome
                    .result
                    .get("created_user")
                    .cloned()
                    .unwrap_or(outcome.user),
                _ => return refused(&outcome),
            },
        };

    // The user as the pre-user-registration Actions left it, unverified.
    let mut input = created.as_object().cloned().unwrap_or_default();
    input.insert("password".into(), json!(password));
    input.insert("connection".into(), json!(connection.name));
    input.insert("email_verified".into(), json!(false));
    let record_value = match user_record(&Value::Object(input), &connection.name, now_secs()) {
        Ok(record) => record,
        Err(e) => return bad_request("invalid_signup", &e),
    };
    let Some(user_id) = record_value
        .pointer("/profile/user_id")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return server_error("the new user has no user_id");
    };
    if let Err(e) = server
        .store()
        .put(Kind::User, &user_id, &record_value, None)
        .await
    {
        return server_error(&e.to_string());
    }
    let profile = record_value["profile"].clone();

    // Auth0 does not wait for these; actionbox does, so what they did is
    // on the logins page when the signup returns.
    let event = json!({
        "tenant": login::tenant_part(&server),
        "connection": login::connection_part(&server, &connection.name),
        "request": request,
        "transaction": no_transaction(),
        "user": profile,
    });
    if let Err(e) = run_trigger(
        &server,
        Trigger::PostUserRegistration,
        event,
        client_id,
        &user_id,
    )
    .await
    {
        tracing::warn!(target: "actionbox::serve", "post-user-registration: {e}");
    }

    let mut answer = Map::new();
    answer.insert(
        "_id".into(),
        json!(
            user_id
                .split_once('|')
                .map_or(user_id.as_str(), |(_, id)| id)
        ),
    );
    answer.insert("email_verified".into(), json!(false));
    for key in SIGNUP_FIELDS {
        if let Some(value) = profile.get(*key) {
            answer.insert((*key).to_string(), value.clone());
        }
    }
    if profile["user_metadata"]
        .as_object()
        .is_some_and(|m| !m.is_empty())
    {
        answer.insert("user_metadata".into(), profile["user_metadata"].clone());
    }
    let mut response = Json(Value::Object(answer)).into_response();
    no_store(response.headers_mut());
    response
}

/// A signup the pre-user-registration Actions refused: Auth0's
/// `extensibility_error` (or the `api.validation.error` code), described
/// by the message meant for the user when the Action gave one.
fn refused(outcome: &Outcome) -> Response {
    let (error, description) = match (&outcome.denial, &outcome.oauth_error, &outcome.error) {
        (Some(denial), _, _) => (
            denial.code.clone(),
            denial
                .user_message
                .clone()
                .unwrap_or_else(|| denial.reason.clone()),
        ),
        (None, Some(e), _) => (e.error.clone(), e.error_description.clone()),
        (None, None, Some(e)) => ("extensibility_error".into(), e.message.clone()),
        (None, None, None) => ("extensibility_error".into(), "the signup failed".into()),
    };
    let mut response = (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    no_store(response.headers_mut());
    response
}

/// `POST /dbconnections/change_password`: "emails" the user a link to the
/// reset page. actionbox sends no email: the link is logged and shown on
/// `/__actionbox/logins`.
pub async fn change_password(
    State(server): State<Server>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match body_object(&headers, &body) {
        Ok(body) => body,
        Err(e) => return bad_request("invalid_body", &e),
    };
    let text = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    for key in ["client_id", "email", "connection"] {
        if text(key).is_none() {
            return bad_request(
                "invalid_body",
                &format!("Missing required parameter: {key}"),
            );
        }
    }
    let (Some(client_id), Some(email), Some(connection_name)) =
        (text("client_id"), text("email"), text("connection"))
    else {
        return bad_request("invalid_body", "Missing required parameter");
    };
    let tenant = server.tenant();
    if tenant.client(client_id).is_none() {
        return bad_request("invalid_body", &format!("Unknown client: {client_id}"));
    }
    if tenant
        .connection(connection_name)
        .is_none_or(|c| !is_database(&c))
    {
        return bad_request(
            "invalid_connection",
            &format!("the connection was not found: {connection_name}"),
        );
    }
    let users = match server.store().list(Kind::User).await {
        Ok(users) => users,
        Err(e) => return server_error(&e.to_string()),
    };
    let found = find_user(&users, connection_name, email).and_then(|(record, login_id)| {
        let user_id = record.pointer("/profile/user_id")?.as_str()?;
        Some((user_id.to_string(), login_id))
    });
    if let Some((user_id, login_id)) = found {
        let ticket = random_id(24);
        // The ticket resets the password of the login asked for: the
        // user's own, or an identity's linked into it.
        let stored = json!({ "user_id": user_id, "login_id": login_id, "client_id": client_id });
        if let Err(e) = server
            .store()
            .put(Kind::Ticket, &ticket, &stored, Some(RESET_TICKET_TTL))
            .await
        {
            return server_error(&e.to_string());
        }
        let url = format!("{}u/reset-password?ticket={ticket}", server.issuer());
        tracing::info!(target: "actionbox::serve", "password reset email to {email}: {url}");
        server.record_login(json!({
            "at": iso_time(now_secs()),
            "kind": "change-password-email",
            "client_id": client_id,
            "user_id": user_id,
            "email": { "to": email, "subject": "Reset your password", "url": url },
        }));
    }
    let mut response = Json(json!(RESET_SENT)).into_response();
    no_store(response.headers_mut());
    response
}

/// The linked identity's login a reset ticket is for, when it is not the
/// user's own.
fn ticket_linked_login<'r>(stored: &Value, record: &'r Value) -> Option<&'r Value> {
    let id = stored.get("login_id")?.as_str()?;
    record.get(LINKED_LOGINS)?.get(id)
}

/// `field` (`email`, `connection`) of the login a ticket resets: the
/// linked identity's, else the user's own.
fn login_field(linked: Option<&Value>, record: &Value, field: &str) -> String {
    let own = match field {
        "connection" => record.get(field),
        _ => record.pointer(&format!("/profile/{field}")),
    };
    linked
        .and_then(|login| login.get(field))
        .or(own)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

async fn ticket_user(server: &Server, ticket: &str) -> Option<(Value, Value)> {
    let stored = server.store().get(Kind::Ticket, ticket).await.ok()??;
    let user_id = stored.get("user_id")?.as_str()?;
    let record = server.store().get(Kind::User, user_id).await.ok()??;
    // A ticket for a linked identity's login is void once it is unlinked.
    let login_id = stored.get("login_id").and_then(Value::as_str);
    if login_id.is_some_and(|id| id != user_id) && ticket_linked_login(&stored, &record).is_none() {
        return None;
    }
    Some((stored, record))
}

fn expired_ticket() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "This password reset link is unknown, used or expired: ask for a new one",
    )
}

fn reset_page(ticket: &str, email: &str, error: Option<&str>) -> Response {
    let mut response = Html(pages::reset_password(ticket, email, error)).into_response();
    no_store(response.headers_mut());
    response.headers_mut().insert(
        header::X_FRAME_OPTIONS,
        axum::http::HeaderValue::from_static("DENY"),
    );
    response
}

/// `GET /u/reset-password?ticket=…`: the page the reset email links to.
pub async fn reset_form(State(server): State<Server>, RawQuery(query): RawQuery) -> Response {
    let params = parse_params(query.as_deref().unwrap_or("")).unwrap_or_default();
    let Some(ticket) = param(&params, "ticket") else {
        return expired_ticket();
    };
    match ticket_user(&server, ticket).await {
        Some((stored, record)) => {
            let linked = ticket_linked_login(&stored, &record);
            reset_page(ticket, &login_field(linked, &record, "email"), None)
        }
        None => expired_ticket(),
    }
}

/// `POST /u/reset-password`: sets the new password, then runs the
/// post-change-password Actions. The ticket (unguessable, from the email)
/// is what authorises the change, so it works once.
pub async fn reset(
    State(server): State<Server>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match std::str::from_utf8(&body)
        .map_err(|_| "The form is not UTF-8".to_string())
        .and_then(parse_params)
    {
        Ok(form) => form,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let Some(ticket) = param(&form, "ticket") else {
        return expired_ticket();
    };
    let Some((stored, record_value)) = ticket_user(&server, ticket).await else {
        return expired_ticket();
    };
    let linked = ticket_linked_login(&stored, &record_value).cloned();
    let email = login_field(linked.as_ref(), &record_value, "email");
    let password = param(&form, "password").unwrap_or("");
    if password.is_empty() {
        return reset_page(ticket, &email, Some("Enter a new password."));
    }
    if param(&form, "password_confirm") != Some(password) {
        return reset_page(ticket, &email, Some("The passwords do not match."));
    }
    if !matches!(server.store().take(Kind::Ticket, ticket).await, Ok(Some(_))) {
        return expired_ticket();
    }
    let user_id = record_value
        .pointer("/profile/user_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let login_id = stored
        .get("login_id")
        .and_then(Value::as_str)
        .unwrap_or(&user_id)
        .to_string();
    let now = iso_time(now_secs());
    let hash = json!(password_hash(&login_id, password));
    // On the stored user as it is now, in one step (a login may be
    // writing it too).
    let mut reset = |current: Option<Value>| {
        let mut current = current?;
        if login_id == user_id {
            current["password_hash"] = hash.clone();
        } else {
            let linked = current
                .get_mut(LINKED_LOGINS)?
                .as_object_mut()?
                .get_mut(&login_id)?;
            linked["password_hash"] = hash.clone();
        }
        current["profile"]["last_password_reset"] = json!(now);
        current["profile"]["updated_at"] = json!(now);
        Some(current)
    };
    let record_value = match server
        .store()
        .update(Kind::User, &user_id, &mut reset)
        .await
    {
        Ok(Some(record)) => record,
        // The user, or the linked identity, is gone since the email.
        Ok(None) => return expired_ticket(),
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                &e.to_string(),
            );
        }
    };
    let connection = match login_field(linked.as_ref(), &record_value, "connection") {
        connection if connection.is_empty() => super::tenant::DEFAULT_DATABASE.to_string(),
        connection => connection,
    };
    let event = json!({
        "tenant": login::tenant_part(&server),
        "connection": login::connection_part(&server, &connection),
        "request": request_part(&server, &peer, &headers),
        "transaction": {},
        "user": record_value["profile"],
    });
    let client_id = stored
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Err(e) = run_trigger(
        &server,
        Trigger::PostChangePassword,
        event,
        client_id,
        &user_id,
    )
    .await
    {
        tracing::warn!(target: "actionbox::serve", "post-change-password: {e}");
    }
    let mut response = Html(pages::message(
        "Password changed",
        "Your password has been changed. You can log in with it now.",
    ))
    .into_response();
    no_store(response.headers_mut());
    response
}
