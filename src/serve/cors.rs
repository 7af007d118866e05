//! Requests from applications running in a browser on another origin:
//! auth0-spa-js calls `/oauth/token` with `fetch`, and silent
//! authentication answers through `response_mode=web_message`. Which
//! origins may do that is the client's `web_origins`, `allowed_origins`
//! and the origins of its `callbacks`, as Auth0 counts them
//! (docs/serve.md).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Server;
use crate::tenant::ClientSettings;

/// Set on a response by an endpoint that knows which client called it
/// (the token endpoint, `/userinfo`): only that client's origins may read
/// the answer.
#[derive(Clone)]
pub struct CorsClient(pub String);

/// Endpoints an application calls from its pages.
const APPLICATION_PATHS: &[&str] = &[
    "/oauth/token",
    "/oauth/revoke",
    "/userinfo",
    "/dbconnections/signup",
    "/dbconnections/change_password",
];

/// `scheme://host[:port]` of a URL, as a browser's `Origin` header names it.
pub fn origin_of(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Whether `origin` is the allowed entry: the same origin, or a subdomain
/// of a wildcard entry (`https://*.example.com`).
fn matches(allowed: &str, origin: &str) -> bool {
    let allowed = allowed.trim().trim_end_matches('/');
    if let Some((scheme, domain)) = allowed.split_once("://*.") {
        return origin.split_once("://").is_some_and(|(o_scheme, host)| {
            o_scheme.eq_ignore_ascii_case(scheme)
                && host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
        });
    }
    origin_of(allowed).is_some_and(|a| a == origin)
}

/// Whether the client's pages at `origin` may call the tenant (CORS).
pub fn client_allows(client: &ClientSettings, origin: &str) -> bool {
    client
        .web_origins
        .iter()
        .chain(&client.allowed_origins)
        .any(|allowed| matches(allowed, origin))
        || client
            .callbacks
            .iter()
            .filter_map(|c| origin_of(c))
            .any(|o| o == origin)
}

/// Whether `origin` is one of the client's `web_origins`, where
/// `response_mode=web_message` may post the answer.
pub fn web_origin(client: &ClientSettings, origin: &str) -> bool {
    client
        .web_origins
        .iter()
        .any(|allowed| matches(allowed, origin))
}

fn allow(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// Answers preflights and adds `Access-Control-Allow-Origin` where the
/// origin is allowed. The discovery document and the JWKS are public.
pub async fn layer(State(server): State<Server>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let public = path.starts_with("/.well-known/");
    let application = APPLICATION_PATHS.contains(&path);
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(origin) = origin.filter(|_| public || application) else {
        return next.run(request).await;
    };
    let tenant_allows = |origin: &str| {
        server
            .tenant()
            .settings
            .clients
            .iter()
            .any(|c| client_allows(c, origin))
    };
    if request.method() == Method::OPTIONS {
        // A preflight names no client: any client's origin may ask, and the
        // answer itself is checked against the client that sent it.
        let mut response = StatusCode::NO_CONTENT.into_response();
        if public || tenant_allows(&origin) {
            let headers = response.headers_mut();
            allow(headers, if public { "*" } else { &origin });
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            if let Some(asked) = request
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            {
                headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            }
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
        }
        return response;
    }
    let mut response = next.run(request).await;
    let allowed = public
        || match response.extensions().get::<CorsClient>() {
            Some(CorsClient(id)) => server
                .tenant()
                .client(id)
                .is_some_and(|c| client_allows(c, &origin)),
            None => tenant_allows(&origin),
        };
    if allowed {
        allow(response.headers_mut(), if public { "*" } else { &origin });
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_or_by_subdomain_wildcard() {
        assert!(matches(
            "https://app.example.com",
            "https://app.example.com"
        ));
        assert!(matches(
            "https://app.example.com/",
            "https://app.example.com"
        ));
        assert!(matches("http://127.0.0.1:8080", "http://127.0.0.1:8080"));
        assert!(!matches("http://127.0.0.1:8080", "http://127.0.0.1:8081"));
        assert!(!matches(
            "https://app.example.com",
            "http://app.example.com"
        ));
        assert!(matches("https://*.example.com", "https://a.example.com"));
        assert!(!matches("https://*.example.com", "https://example.com"));
        assert!(!matches("https://*.example.com", "https://evilexample.com"));
        assert!(!matches("https://*.example.com", "http://a.example.com"));
    }
}
