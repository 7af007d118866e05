//! The Management API token Rules get as `auth0.accessToken`.

use base64::Engine as _;
use serde_json::{Value, json};

/// The stand-in for the Management API token Rules get as `auth0.accessToken`
/// (scopes `read:users update:users`, 5400 s, unsigned: actionbox's
/// Management API emulation accepts it; a real tenant would not). `now` is
/// seconds since the epoch.
pub fn management_token(domain: &str, now: u64) -> String {
    let encode = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let header = json!({ "alg": "none", "typ": "JWT" });
    let payload = json!({
        "iss": format!("https://{domain}/"),
        "sub": "actionbox-rules@clients",
        "aud": format!("https://{domain}/api/v2/"),
        "iat": now,
        "exp": now + 5400,
        "scope": "read:users update:users",
        "gty": "client-credentials",
    });
    format!("{}.{}.", encode(&header), encode(&payload))
}
