//! Discovery, the JWKS, `/userinfo`, logout, and the logins page.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::authorize::SESSION_COOKIE;
use super::store::Kind;
use super::{Server, cookie, error_page, found, no_store, pages, param, parse_params, set_cookie};
use crate::token::Keys;

pub async fn discovery(State(server): State<Server>) -> Response {
    let issuer = server.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "token_endpoint": format!("{issuer}oauth/token"),
        "userinfo_endpoint": format!("{issuer}userinfo"),
        "jwks_uri": format!("{issuer}.well-known/jwks.json"),
        "revocation_endpoint": format!("{issuer}oauth/revoke"),
        "end_session_endpoint": format!("{issuer}oidc/logout"),
        "scopes_supported": [
            "openid", "profile", "offline_access", "name", "given_name", "family_name",
            "nickname", "email", "email_verified", "picture", "created_at", "identities",
            "phone", "address"
        ],
        "response_types_supported": [
            "code", "token", "id_token", "code token", "code id_token", "token id_token",
            "code token id_token"
        ],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post", "web_message"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "grant_types_supported": [
            "authorization_code", "implicit", "refresh_token", "client_credentials", "password",
            "http://auth0.com/oauth/grant-type/password-realm"
        ],
        "claims_supported": [
            "aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name",
            "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number",
            "picture", "sub"
        ],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
    }))
    .into_response()
}

/// The public key set: the key `run` signs with (the configured one, or
/// this process's).
pub async fn jwks(State(server): State<Server>) -> Response {
    let keys = Keys::from_settings(&server.tenant().settings).and_then(|mut keys| keys.rsa());
    match keys {
        Ok(key) => Json(key.jwks()).into_response(),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        ),
    }
}

fn bearer_error(description: &str) -> Response {
    let mut response = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{description}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `/userinfo`: the profile claims (and ID-token custom claims) of the
/// user an access token was issued to.
pub async fn userinfo(State(server): State<Server>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            (v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer ")).then(|| v[7..].trim())
        });
    let Some(token) = token else {
        return bearer_error("the request has no bearer access token");
    };
    let stored = server
        .store()
        .get(Kind::AccessToken, &super::login::token_key(token))
        .await;
    match stored {
        Ok(Some(stored)) => match stored.get("userinfo") {
            Some(userinfo) if !userinfo.is_null() => {
                let mut response = Json(userinfo.clone()).into_response();
                no_store(response.headers_mut());
                if let Some(client_id) = stored.get("client_id").and_then(Value::as_str) {
                    response
                        .extensions_mut()
                        .insert(super::cors::CorsClient(client_id.to_string()));
                }
                response
            }
            _ => bearer_error("the access token was issued without the openid scope"),
        },
        Ok(None) => bearer_error("the access token is unknown or expired"),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            &e.to_string(),
        ),
    }
}

/// Ends the SSO session and clears its cookie.
async fn end_session(server: &Server, headers: &HeaderMap) -> HeaderValue {
    if let Some(id) = cookie(headers, SESSION_COOKIE) {
        let _ = server.store().delete(Kind::Session, &id).await;
    }
    set_cookie(server, SESSION_COOKIE, "", Some(0))
}

/// Whether `url` is an allowed logout URL: the client's, or (with no
/// client named) any client's.
fn logout_allowed(server: &Server, client_id: Option<&str>, url: &str) -> Result<(), String> {
    let tenant = server.tenant();
    let allowed = match client_id {
        Some(id) => match tenant.client(id) {
            Some(client) => client.allowed_logout_urls.iter().any(|u| u == url),
            None => return Err(format!("Unknown client: {id}")),
        },
        None => tenant
            .settings
            .clients
            .iter()
            .any(|c| c.allowed_logout_urls.iter().any(|u| u == url)),
    };
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "The \"returnTo\" querystring parameter \"{url}\" is not defined as a valid URL in \"Allowed Logout URLs\"."
        ))
    }
}

fn logged_out(cleared: HeaderValue, target: Option<&str>) -> Response {
    let mut response = match target {
        Some(url) => found(url),
        None => Html(pages::message("Logged out", "You are logged out.")).into_response(),
    };
    response.headers_mut().append(header::SET_COOKIE, cleared);
    no_store(response.headers_mut());
    response
}

/// `/v2/logout?client_id&returnTo`.
pub async fn logout(
    State(server): State<Server>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match parse_params(query.as_deref().unwrap_or("")) {
        Ok(params) => params,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let return_to = param(&params, "returnTo");
    if let Some(url) = return_to
        && let Err(e) = logout_allowed(&server, param(&params, "client_id"), url)
    {
        return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e);
    }
    let cleared = end_session(&server, &headers).await;
    logged_out(cleared, return_to)
}

/// `/oidc/logout` (RP-initiated logout): `post_logout_redirect_uri` must be
/// an allowed logout URL of the client named by `client_id` or by the
/// `id_token_hint`'s audience; `state` is passed back.
pub async fn oidc_logout(
    State(server): State<Server>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match parse_params(query.as_deref().unwrap_or("")) {
        Ok(params) => params,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let hinted_client = param(&params, "id_token_hint")
        .and_then(|t| crate::token::sign::decode_part(t, 1).ok())
        .and_then(|payload| match payload.get("aud") {
            Some(Value::String(aud)) => Some(aud.clone()),
            _ => None,
        });
    let client_id = param(&params, "client_id")
        .map(str::to_string)
        .or(hinted_client);
    let target = match param(&params, "post_logout_redirect_uri") {
        None => None,
        Some(url) => {
            if let Err(e) = logout_allowed(&server, client_id.as_deref(), url) {
                return error_page(StatusCode::BAD_REQUEST, "invalid_request", &e);
            }
            let mut target = url::Url::parse(url).ok();
            if let (Some(target), Some(state)) = (target.as_mut(), param(&params, "state")) {
                target.query_pairs_mut().append_pair("state", state);
            }
            Some(target.map_or_else(|| url.to_string(), |u| u.to_string()))
        }
    };
    let cleared = end_session(&server, &headers).await;
    logged_out(cleared, target.as_deref())
}

/// `/__actionbox/logins`: the last logins, as HTML or (`?format=json`,
/// or `Accept: application/json`) JSON.
pub async fn logins(
    State(server): State<Server>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = parse_params(query.as_deref().unwrap_or("")).unwrap_or_default();
    let wants_json = param(&params, "format") == Some("json")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("application/json"));
    let records = server.recent_logins();
    if wants_json {
        Json(Value::Array(records)).into_response()
    } else {
        Html(pages::logins(&records)).into_response()
    }
}

pub async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "not_found",
        "actionbox serve has no such endpoint (docs/serve.md lists them)",
    )
}
