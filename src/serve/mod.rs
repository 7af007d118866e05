//! `serve`: a local Auth0 tenant that real applications log in to. The
//! OIDC endpoints, a login page, `/oauth/token` and `/userinfo`, answered
//! the way Auth0 answers, with every login running the tenant's Rules and
//! Actions through the same library path as `run` (docs/serve.md).

mod authorize;
pub mod cors;
mod dbconnections;
mod endpoints;
mod login;
mod pages;
pub use crate::directory::store;
pub mod tenant;
mod token;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::runner::Runner;
pub use store::{Kind, MemoryStore, RedisStore, Store, StoreError};
pub use tenant::LocalTenant;

/// The largest request body any endpoint reads (a token request, a login
/// form, a signup); larger ones get 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How many logins `/__actionbox/logins` keeps.
const RECENT_LOGINS: usize = 50;

/// Everything a running `serve` shares between requests.
#[derive(Clone)]
pub struct Server {
    inner: Arc<Inner>,
}

struct Inner {
    tenant: LocalTenant,
    runner: Runner,
    store: Arc<dyn Store>,
    /// The URL applications reach the tenant at, ending with `/`: the
    /// tokens' `iss`, as a custom domain's would be.
    issuer: String,
    /// Whether cookies need `Secure` (an https issuer).
    secure_cookies: bool,
    recent: Mutex<VecDeque<Value>>,
    /// The Management API and token endpoint scripts reach at the
    /// tenant's domain, over `store`.
    tenant_api: Arc<crate::directory::management::TenantApi>,
}

impl Server {
    /// A server for `tenant`, running flows on `runner`, keeping state in
    /// `store`, reached at `issuer` (e.g. `http://127.0.0.1:3000/`).
    pub fn new(tenant: LocalTenant, runner: Runner, store: Arc<dyn Store>, issuer: &str) -> Server {
        let issuer = if issuer.ends_with('/') {
            issuer.to_string()
        } else {
            format!("{issuer}/")
        };
        let tenant_api = Arc::new(crate::directory::management::TenantApi::for_store(
            &tenant.domain(),
            tenant.settings.clone(),
            store.clone(),
        ));
        Server {
            inner: Arc::new(Inner {
                tenant_api,
                secure_cookies: issuer.starts_with("https://"),
                tenant,
                runner,
                store,
                issuer,
                recent: Mutex::new(VecDeque::new()),
            }),
        }
    }

    /// Puts the tenant's users (`--users`) in the store, keeping the ones
    /// already there (with their metadata) when the store outlives us.
    pub async fn seed_users(&self) -> Result<usize, StoreError> {
        // A user linked into another one since (its record is gone, its
        // login lives on in the primary's) is not brought back.
        let stored = self.inner.store.list(Kind::User).await?;
        let linked: std::collections::HashSet<String> = stored
            .iter()
            .filter_map(|u| u.get(crate::directory::users::LINKED_LOGINS)?.as_object())
            .flat_map(|logins| logins.keys().cloned())
            .collect();
        let mut added = 0;
        for record in &self.inner.tenant.users {
            let Some(id) = record.pointer("/profile/user_id").and_then(Value::as_str) else {
                continue;
            };
            if linked.contains(id) {
                continue;
            }
            // Created only where nobody is, in one step: another server's
            // write of that user since the listing is never overwritten.
            let mut created = false;
            self.inner
                .store
                .update(Kind::User, id, &mut |current| {
                    created = current.is_none();
                    created.then(|| record.clone())
                })
                .await?;
            added += usize::from(created);
        }
        Ok(added)
    }

    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub fn tenant(&self) -> &LocalTenant {
        &self.inner.tenant
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// What scripts' requests to the tenant's domain reach.
    pub fn tenant_handle(&self) -> crate::net::TenantHandle {
        crate::net::TenantHandle(Some(self.inner.tenant_api.clone()))
    }

    /// Every endpoint, with the body limit and one log line per request.
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(endpoints::discovery),
            )
            .route("/.well-known/jwks.json", get(endpoints::jwks))
            .route("/authorize", get(authorize::authorize))
            .route("/u/forms/{id}", get(authorize::prompt_form))
            .route(
                "/u/login",
                get(authorize::login_page).post(authorize::login),
            )
            .route(
                "/continue",
                get(authorize::continue_get).post(authorize::continue_post),
            )
            .route("/oauth/token", post(token::token))
            .route("/oauth/revoke", post(token::revoke))
            .route("/dbconnections/signup", post(dbconnections::signup))
            .route(
                "/dbconnections/change_password",
                post(dbconnections::change_password),
            )
            .route(
                "/u/reset-password",
                get(dbconnections::reset_form).post(dbconnections::reset),
            )
            .route(
                "/userinfo",
                get(endpoints::userinfo).post(endpoints::userinfo),
            )
            .route("/v2/logout", get(endpoints::logout))
            .route("/oidc/logout", get(endpoints::oidc_logout))
            .route("/__actionbox/logins", get(endpoints::logins))
            .fallback(endpoints::not_found)
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                cors::layer,
            ))
            .layer(axum::middleware::from_fn(log_request))
            .with_state(self.clone())
    }

    /// Serves until the listener fails or the process is stopped.
    pub async fn run(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.inner
            .tenant_api
            .serve_on(tokio::runtime::Handle::current());
        axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    }

    /// Keeps a login for `/__actionbox/logins`.
    fn record_login(&self, entry: Value) {
        if let Ok(mut recent) = self.inner.recent.lock() {
            recent.push_front(entry);
            recent.truncate(RECENT_LOGINS);
        }
    }

    fn recent_logins(&self) -> Vec<Value> {
        self.inner
            .recent
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// One `tracing` line per request: method, path (never the query, which
/// can hold codes and tokens), status, time.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    tracing::info!(
        target: "actionbox::serve",
        "{method} {path} {} {:.1}ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// An OAuth error as JSON, the way `/oauth/token` answers it.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    no_store(response.headers_mut());
    response
}

/// An error page: for requests that cannot be sent back to an application.
pub(crate) fn error_page(status: StatusCode, code: &str, description: &str) -> Response {
    let mut response = (status, Html(pages::error(code, description))).into_response();
    no_store(response.headers_mut());
    response
}

/// A `302 Found` to `url`, as Auth0 redirects.
pub(crate) fn found(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the redirect URL is not a valid header value",
        ),
    }
}

pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Parameters of a query string or form body. A parameter given twice is
/// an error (RFC 6749 section 3.1), so is a body that is not a form.
pub(crate) fn parse_params(text: &str) -> Result<Map<String, Value>, String> {
    let mut params = Map::new();
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        if params
            .insert(key.to_string(), Value::String(value.into_owned()))
            .is_some()
        {
            return Err(format!("Parameter '{key}' is duplicated"));
        }
    }
    Ok(params)
}

/// Reads a body as a form or as JSON (Auth0 accepts both), each value as
/// a string.
pub(crate) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"));
    if json {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| format!("The request body is not valid JSON: {e}"))?;
        let Value::Object(object) = value else {
            return Err("The request body must be a JSON object".into());
        };
        return Ok(object
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => Value::String(s),
                    other => Value::String(other.to_string()),
                };
                (k, v)
            })
            .collect());
    }
    let text = std::str::from_utf8(body).map_err(|_| "The request body is not UTF-8")?;
    parse_params(text)
}

pub(crate) fn param<'m>(params: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    params
        .get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
}

/// A cookie's value from the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| axum_extra::extract::cookie::Cookie::parse(pair.trim().to_string()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// A `Set-Cookie` header value: HttpOnly, SameSite=Lax, Secure over https.
pub(crate) fn set_cookie(
    server: &Server,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    use axum_extra::extract::cookie::{Cookie, SameSite};
    let mut cookie = Cookie::new(name.to_string(), value.to_string());
    cookie.set_http_only(true);
    cookie.set_path("/");
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(server.inner.secure_cookies);
    let mut text = cookie.to_string();
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
