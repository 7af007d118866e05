//! Outbound HTTP for scripts (`fetch`, `axios`, `request`, ...): off by
//! default, answered from mocks for deterministic runs, or performed by the
//! host for the hosts the user allowed — never to loopback, private or
//! link-local addresses unless one is named explicitly. Every request,
//! answered or refused, is recorded.

use std::net::{IpAddr, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;

/// A request as a script made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default, with = "bytes_b64")]
    pub body: Vec<u8>,
    /// The script's own timeout (an `AbortSignal.timeout`, axios `timeout`).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    #[serde(default)]
    pub status_text: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default, with = "bytes_b64")]
    pub body: Vec<u8>,
    /// The final URL (after redirects).
    #[serde(default)]
    pub url: String,
}

mod bytes_b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// One entry of a mock file: a matcher and the response it gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpMock {
    /// `GET`, `POST`, ... (any method when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// The URL; `*` matches any run of characters (`https://crm.example/users/*`).
    #[serde(default)]
    pub url: Option<String>,
    /// A regular expression the whole URL must match, instead of `url`.
    #[serde(default)]
    pub url_regex: Option<String>,
    /// Text the request body must contain.
    #[serde(default)]
    pub body_contains: Option<String>,
    /// Request headers the request must carry, by name (any case), each
    /// with this value (`*` matches any run of characters).
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Fields the request's JSON body must have: an object matches when
    /// each of its fields matches, anything else when equal.
    #[serde(default)]
    pub body_json: Option<Value>,
    pub response: MockResponse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockResponse {
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// A string is sent as it is; any other JSON value as JSON.
    #[serde(default)]
    pub body: Value,
    /// How long the response takes, on the execution's clock.
    #[serde(default)]
    pub delay_ms: u64,
}

fn ok() -> u16 {
    200
}

/// What scripts may reach.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetPolicy {
    /// Hosts a script may call: `api.example.com`, `*.example.com`, or `*`
    /// for every public host.
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub mocks: Vec<HttpMock>,
}

pub use crate::record::{Disposition, RequestRecord};

/// The tenant's own endpoints (`https://{domain}/oauth/token` and the
/// Management API under `/api/v2/`) as the host answers them for scripts:
/// `serve`'s store, or the emulated tenant of a `run` (docs/serve.md).
pub trait TenantEndpoint: Send + Sync {
    fn answer(&self, request: &HttpRequest) -> HttpResponse;
}

/// The tenant a flow's requests to its own domain go to; none until the
/// pipeline or `serve` gives one. Never serialized: a worker process asks
/// its parent, which holds the tenant.
#[derive(Clone, Default)]
pub struct TenantHandle(pub Option<std::sync::Arc<dyn TenantEndpoint>>);

impl std::fmt::Debug for TenantHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "TenantHandle(set)"
        } else {
            "TenantHandle(none)"
        })
    }
}

impl PartialEq for TenantHandle {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Whether `url` is on the tenant's own domain and the host answers it:
/// https to `domain`, unless `--allow-net` names that host exactly (then
/// the request goes to the real tenant).
pub fn is_tenant_request(policy: &NetPolicy, domain: Option<&str>, url: &str) -> bool {
    let Some(domain) = domain else {
        return false;
    };
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    parsed.scheme() == "https"
        && parsed
            .host_str()
            .is_some_and(|host| host.eq_ignore_ascii_case(domain))
        && !policy.names_exactly(domain)
}

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
];

pub fn masked_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let lower = k.to_ascii_lowercase();
            let secret = SECRET_HEADERS.contains(&lower.as_str())
                || lower.contains("secret")
                || lower.contains("token");
            (
                k.clone(),
                if secret {
                    "[redacted]".to_string()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

impl NetPolicy {
    /// Reads a mock file: a JSON array of mocks.
    pub fn read_mocks(path: &Path) -> Result<Vec<HttpMock>, Error> {
        let value = crate::input::read_json(path, crate::input::InputKind::Mocks)?;
        let shape = |e: String| Error::invalid(format!("{}: {e}", path.display()));
        let Some(list) = value.as_array() else {
            return Err(shape(format!(
                "a mock file is a JSON array of mocks ({{\"url\": ..., \"response\": {{...}}}}), not {}",
                crate::input::json_type(&value)
            )));
        };
        for (i, mock) in list.iter().enumerate() {
            crate::input::require_object(mock, &format!("[{i}]")).map_err(shape)?;
            if let Some(response) = mock.get("response") {
                crate::input::require_object(response, &format!("[{i}].response"))
                    .map_err(shape)?;
            }
        }
        let mocks: Vec<HttpMock> = crate::input::from_value(value).map_err(shape)?;
        for mock in &mocks {
            if let Some(pattern) = &mock.url_regex {
                regex_lite::Regex::new(pattern).map_err(|e| {
                    Error::invalid(format!("{}: url_regex '{pattern}': {e}", path.display()))
                })?;
            }
        }
        Ok(mocks)
    }

    /// The first mock that answers `request`, if any.
    pub fn mock_for(&self, request: &HttpRequest) -> Option<&HttpMock> {
        self.mocks.iter().find(|mock| {
            let method = mock
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(&request.method));
            let url = match (&mock.url, &mock.url_regex) {
                (Some(pattern), _) => glob(pattern, &request.url),
                (None, Some(pattern)) => regex_lite::Regex::new(&format!("^(?:{pattern})$"))
                    .is_ok_and(|r| r.is_match(&request.url)),
                (None, None) => true,
            };
            let body = mock.body_contains.as_ref().is_none_or(|needle| {
                String::from_utf8_lossy(&request.body).contains(needle.as_str())
            });
            let headers = mock.headers.iter().all(|(name, pattern)| {
                request
                    .headers
                    .iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(name) && glob(pattern, v))
            });
            let json = mock.body_json.as_ref().is_none_or(|wanted| {
                serde_json::from_slice::<Value>(&request.body)
                    .is_ok_and(|sent| json_fields_match(wanted, &sent))
            });
            method && url && body && headers && json
        })
    }

    /// Whether a host may be called at all (before looking at its addresses).
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allow.iter().any(|entry| {
            let entry = entry.trim().to_ascii_lowercase();
            entry == "*"
                || entry == host
                || entry
                    .strip_prefix("*.")
                    .is_some_and(|suffix| host.ends_with(&format!(".{suffix}")))
        })
    }

    /// Whether the host is named exactly (which is what it takes to reach a
    /// private address).
    fn names_exactly(&self, host: &str) -> bool {
        self.allow
            .iter()
            .any(|entry| entry.trim().eq_ignore_ascii_case(host))
    }
}

/// Whether `sent` has every field of `wanted` (objects compared field by
/// field, at any depth; anything else compared whole).
fn json_fields_match(wanted: &Value, sent: &Value) -> bool {
    match (wanted, sent) {
        (Value::Object(wanted), Value::Object(sent)) => wanted
            .iter()
            .all(|(key, value)| sent.get(key).is_some_and(|s| json_fields_match(value, s))),
        _ => wanted == sent,
    }
}

/// The most of a request body a record keeps.
pub const MAX_RECORDED_BODY: usize = 16 * 1024;

/// Field names whose values are credentials: masked in recorded bodies as
/// credential headers are.
fn is_credential_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&lower.as_str())
        || ["secret", "token", "password", "api_key", "apikey"]
            .iter()
            .any(|word| lower.contains(word))
}

fn mask_credential_fields(value: &mut Value) -> bool {
    let mut masked = false;
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_credential_name(key) && !field.is_object() && !field.is_array() {
                    *field = Value::String(crate::redact::MASK.into());
                    masked = true;
                } else {
                    masked |= mask_credential_fields(field);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                masked |= mask_credential_fields(item);
            }
        }
        _ => {}
    }
    masked
}

/// A request body as its record shows it: the text, with the values of
/// credential fields (`client_secret`, `password`, `*token*`, ...) of a
/// JSON or form body masked, cut after [`MAX_RECORDED_BODY`] bytes.
/// Secret values are masked later, with the rest of the outcome.
pub fn recorded_body(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let masked = if let Ok(mut json) = serde_json::from_str::<Value>(&text) {
        mask_credential_fields(&mut json).then(|| json.to_string())
    } else if !text.contains(char::is_whitespace) && text.contains('=') {
        let mut any = false;
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| {
                if is_credential_name(&k) {
                    any = true;
                    (k.into_owned(), crate::redact::MASK.to_string())
                } else {
                    (k.into_owned(), v.into_owned())
                }
            })
            .collect();
        // The mask reads as itself, not percent-encoded.
        any.then(|| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .replace("%5Bredacted%5D", crate::redact::MASK)
        })
    } else {
        None
    };
    let mut shown = masked.unwrap_or_else(|| text.into_owned());
    if shown.len() > MAX_RECORDED_BODY {
        let mut cut = MAX_RECORDED_BODY;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push('…');
    }
    Some(shown)
}

impl HttpMock {
    pub fn respond(&self, request: &HttpRequest) -> HttpResponse {
        let mut headers: Vec<(String, String)> = self
            .response
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let body = match &self.response.body {
            Value::Null => Vec::new(),
            Value::String(text) => text.clone().into_bytes(),
            json => {
                if !headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                json.to_string().into_bytes()
            }
        };
        HttpResponse {
            status: self.response.status,
            status_text: reason(self.response.status).into(),
            headers,
            body,
            url: request.url.clone(),
        }
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

pub fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// Loopback, private, link-local, unspecified and other special ranges.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 0
                || (v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Why the policy refuses a URL before any address is looked at (not a
/// URL, not http(s), a host not allowed), or `None`.
pub fn policy_refusal(policy: &NetPolicy, url: &str) -> Option<String> {
    parse_allowed(policy, url).err()
}

/// The URL and its host (without IPv6 brackets) when the policy allows it.
fn parse_allowed(policy: &NetPolicy, url: &str) -> Result<(url::Url, String), String> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Err(format!("'{url}' is not a URL"));
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "only http and https requests are possible, not {}:",
            parsed.scheme()
        ));
    }
    let host = parsed
        .host_str()
        .unwrap_or("")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if !policy.allows_host(&host) {
        return Err(format!(
            "network access to {host} is not allowed: scripts get no network by default. Allow it with --allow-net {host} (or answer it from a file with --http-mock FILE)"
        ));
    }
    Ok((parsed, host))
}

/// Why a host may not be called (the policy, then its addresses), or
/// `None` when it may.
pub fn refusal(policy: &NetPolicy, url: &str) -> Option<String> {
    let (parsed, host) = match parse_allowed(policy, url) {
        Ok(allowed) => allowed,
        Err(why) => return Some(why),
    };
    if !policy.names_exactly(&host) {
        let port = parsed.port_or_known_default().unwrap_or(443);
        let addresses: Vec<IpAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map(|a| a.map(|s| s.ip()).collect())
            .unwrap_or_default();
        if let Some(private) = addresses.iter().find(|ip| is_private(**ip)) {
            return Some(format!(
                "{host} resolves to {private}, a loopback, private or link-local address; name the host exactly in --allow-net to reach it"
            ));
        }
    }
    None
}

/// The largest response body a script can receive; it is read by the host,
/// outside the isolate's memory accounting.
const MAX_RESPONSE_BYTES: usize = 16 << 20;

/// Resolves names for the HTTP client and refuses private addresses at
/// connection time too, so a name that changes its answer after
/// [`refusal`] looked (DNS rebinding), or a redirect, cannot reach them.
struct CheckedResolver {
    policy: NetPolicy,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let exact = self.policy.names_exactly(&host);
        Box::pin(async move {
            let addresses: Vec<std::net::SocketAddr> =
                (host.as_str(), 0).to_socket_addrs()?.collect();
            if !exact && let Some(private) = addresses.iter().find(|a| is_private(a.ip())) {
                return Err(format!(
                    "{host} resolves to {}, a loopback, private or link-local address; name the host exactly in --allow-net to reach it",
                    private.ip()
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

/// Performs an allowed request (the caller checked [`refusal`]).
pub fn perform(
    policy: &NetPolicy,
    request: &HttpRequest,
    budget: Duration,
) -> Result<HttpResponse, String> {
    let timeout = request
        .timeout_ms
        .map(Duration::from_millis)
        .unwrap_or(budget)
        .min(budget);
    let redirect_policy = {
        let policy = policy.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("too many redirects");
            }
            match refusal(&policy, attempt.url().as_str()) {
                None => attempt.follow(),
                Some(why) => attempt.error(format!("redirected to a refused address: {why}")),
            }
        })
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .redirect(redirect_policy)
        .dns_resolver(std::sync::Arc::new(CheckedResolver {
            policy: policy.clone(),
        }))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
    let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
        .map_err(|e| e.to_string())?;
    let mut builder = client.request(method, &request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if !request.body.is_empty() {
        builder = builder.body(request.body.clone());
    }
    let response = builder.send().map_err(|e| {
        if e.is_timeout() {
            format!(
                "the request timed out after {}",
                humantime::format_duration(timeout)
            )
        } else {
            e.to_string()
        }
    })?;
    let status = response.status();
    let url = response.url().to_string();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(response, MAX_RESPONSE_BYTES as u64 + 1),
        &mut body,
    )
    .map_err(|e| e.to_string())?;
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(format!(
            "the response body is larger than actionbox's limit of {} MiB",
            MAX_RESPONSE_BYTES >> 20
        ));
    }
    Ok(HttpResponse {
        status: status.as_u16(),
        status_text: status.canonical_reason().unwrap_or("").to_string(),
        headers,
        body,
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_hosts() {
        assert!(glob(
            "https://a.example/users/*",
            "https://a.example/users/42"
        ));
        assert!(glob("*/token", "https://a.example/oauth/token"));
        assert!(!glob(
            "https://a.example/users/*",
            "https://b.example/users/42"
        ));
        let policy = NetPolicy {
            allow: vec!["*.acme.example".into(), "api.other.example".into()],
            mocks: vec![],
        };
        assert!(policy.allows_host("crm.acme.example"));
        assert!(policy.allows_host("API.other.example"));
        assert!(!policy.allows_host("acme.example.evil.com"));
    }

    #[test]
    fn mocks_match_headers_and_json_fields() {
        let mocks: Vec<HttpMock> = serde_json::from_value(serde_json::json!([
            { "method": "POST", "url": "https://crm.example/users",
              "headers": { "Content-Type": "application/json", "x-tenant": "acme-*" },
              "body_json": { "user": { "plan": "pro" } },
              "response": { "status": 201 } },
            { "response": { "status": 404 } }
        ]))
        .expect("mocks");
        let policy = NetPolicy {
            allow: vec![],
            mocks,
        };
        let request = |headers: &[(&str, &str)], body: &str| HttpRequest {
            method: "POST".into(),
            url: "https://crm.example/users".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            timeout_ms: None,
        };
        let status = |r: &HttpRequest| policy.mock_for(r).map(|m| m.response.status);
        let json = [
            ("content-type", "application/json"),
            ("X-Tenant", "acme-dev"),
        ];
        assert_eq!(
            status(&request(&json, r#"{"user":{"plan":"pro","id":7},"n":1}"#)),
            Some(201)
        );
        assert_eq!(
            status(&request(&json, r#"{"user":{"plan":"free"}}"#)),
            Some(404)
        );
        assert_eq!(status(&request(&json, "plan=pro")), Some(404));
        assert_eq!(
            status(&request(&json[..1], r#"{"user":{"plan":"pro"}}"#)),
            Some(404)
        );
    }

    #[test]
    fn recorded_bodies_mask_credential_fields_and_are_capped() {
        assert_eq!(recorded_body(b""), None);
        assert_eq!(
            recorded_body(
                br#"{"client_id":"abc","client_secret":"s3cr3t","nested":{"password":"p"}}"#
            )
            .as_deref(),
            Some(
                r#"{"client_id":"abc","client_secret":"[redacted]","nested":{"password":"[redacted]"}}"#
            )
        );
        assert_eq!(
            recorded_body(b"grant_type=client_credentials&client_secret=s3cr3t").as_deref(),
            Some("grant_type=client_credentials&client_secret=[redacted]")
        );
        assert_eq!(
            recorded_body(b"{\"plan\": \"pro\"}").as_deref(),
            Some("{\"plan\": \"pro\"}")
        );
        let big = vec![b'x'; MAX_RECORDED_BODY + 10];
        let shown = recorded_body(&big).expect("body");
        assert_eq!(shown.len(), MAX_RECORDED_BODY + "…".len());
    }

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "fd00::1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(is_private(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["1.1.1.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().expect("ip")), "{ip}");
        }
        let policy = NetPolicy {
            allow: vec!["*".into()],
            mocks: vec![],
        };
        assert!(refusal(&policy, "http://127.0.0.1:8080/x").is_some());
        assert!(refusal(&policy, "http://169.254.169.254/latest/meta-data").is_some());
        let named = NetPolicy {
            allow: vec!["127.0.0.1".into()],
            mocks: vec![],
        };
        assert!(refusal(&named, "http://127.0.0.1:8080/x").is_none());
    }
}
