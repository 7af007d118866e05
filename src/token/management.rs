//! The Management API token Rules get as `auth0.accessToken`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::json;

use crate::error::Error;
use crate::tenant::Settings;
use crate::token::Keys;

/// How long an issued Rules token is handed out again (signing costs
/// an RSA signature per flow otherwise).
const REUSE_SECS: u64 = 600;

/// The token Rules get as `auth0.accessToken`: the Management API with
/// `read:users update:users`, for 5400 seconds, as Auth0 gave Rules;
/// signed with the tenant's key, so the host's Management API accepts it
/// (docs/serve.md). `now` is seconds since the epoch.
pub fn management_token(domain: &str, settings: &Settings, now: u64) -> Result<String, Error> {
    static ISSUED: OnceLock<Mutex<HashMap<String, (u64, String)>>> = OnceLock::new();
    let key = format!(
        "{domain}|{:?}|{:?}|{:?}|{:?}",
        settings.signing.alg,
        settings.signing.private_key_pem,
        settings.signing.kid,
        settings.base_dir
    );
    let issued = ISSUED.get_or_init(Mutex::default);
    if let Ok(issued) = issued.lock()
        && let Some((at, token)) = issued.get(&key)
        && *at <= now
        && now < at + REUSE_SECS
    {
        return Ok(token.clone());
    }
    let payload = json!({
        "iss": format!("https://{domain}/"),
        "sub": "actionbox-rules@clients",
        "aud": format!("https://{domain}/api/v2/"),
        "iat": now,
        "exp": now + 5400,
        "scope": "read:users update:users",
        "gty": "client-credentials",
    });
    let mut keys = Keys::from_settings(settings)?;
    let alg = keys.tenant_alg();
    let (_, token) = keys.sign(alg, "JWT", &payload, None)?;
    if let Ok(mut issued) = issued.lock() {
        issued.insert(key, (now, token.clone()));
    }
    Ok(token)
}
