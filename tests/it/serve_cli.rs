//! `actionbox serve` as the README starts it: the binary on the example
//! tenant folder, logged in to as the README says (the password grant, the
//! browser's code flow) and by the tenant's machine-to-machine client.
//! Tokens are checked against the served JWKS; each request gets one log
//! line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::Value;

use crate::common::*;

const EXAMPLE_WEB: &str = "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j";
const EXAMPLE_WEB_SECRET: &str = "acme-web-example-secret";
const EXAMPLE_M2M: &str = "Rp7Tz2Wq9Ys4Ux6Vb1Nc3Md5Le8Kf0Hg";
const EXAMPLE_M2M_SECRET: &str = "acme-reports-example-secret";

/// The serve process, killed when dropped, and what it wrote on stderr.
struct Served {
    child: Child,
    base: String,
    stderr: Arc<Mutex<Vec<String>>>,
    _cache: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_example() -> Served {
    serve_example_on("127.0.0.1:0")
}

fn serve_example_on(listen: &str) -> Served {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = root.join("actions/tenant-example");
    let cache = tempfile::tempdir().expect("cache");
    let mut child = Command::new(env!("CARGO_BIN_EXE_actionbox"))
        .arg("serve")
        .arg("--tenant")
        .arg(&folder)
        .arg("--users")
        .arg(folder.join("users.json"))
        .args(["--listen", listen])
        .env("ACTIONBOX_CACHE_DIR", cache.path())
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("actionbox serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (found, banner) = mpsc::channel();
    let kept = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.strip_prefix("actionbox serve: tenant acme-dev.us.auth0.com at ")
            {
                let _ = found.send(at.to_string());
            }
            if let Ok(mut kept) = kept.lock() {
                kept.push(line);
            }
        }
    });
    // Generous: the suite may run on two busy cores.
    let base = banner
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| {
            panic!(
                "no banner from serve: {:?}",
                lines.lock().map(|l| l.clone())
            )
        });
    Served {
        child,
        base,
        stderr: lines,
        _cache: cache,
    }
}

/// Checks a JWT's signature with the key the server's JWKS names.
fn verified(served: &Served, jwt: &str, audience: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = http()
        .get(format!("{}.well-known/jwks.json", served.base))
        .send()
        .and_then(|r| r.text())
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .expect("JWKS");
    let header = jsonwebtoken::decode_header(jwt).expect("JWT header");
    let kid = header.kid.clone().expect("kid");
    let jwk = jwks
        .find(&kid)
        .unwrap_or_else(|| panic!("{kid} not in the JWKS"));
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("key");
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[served.base.as_str()]);
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap_or_else(|e| panic!("{jwt} does not verify: {e}"))
        .claims
}

#[test]
fn the_readme_s_serve_command_logs_in_with_curl_a_browser_and_client_credentials() {
    let served = serve_example();

    // The README's curl: the password grant.
    let (status, tokens) = token_request_at(
        &served.base,
        &[
            ("grant_type", "password"),
            ("client_id", EXAMPLE_WEB),
            ("client_secret", EXAMPLE_WEB_SECRET),
            ("username", "jane.doe@acme.example"),
            ("password", "example password"),
            ("scope", "openid email"),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    let id = verified(
        &served,
        tokens["id_token"].as_str().expect("ID token"),
        EXAMPLE_WEB,
    );
    assert_eq!(id["email"], "jane.doe@acme.example");
    // The folder's Rule and Actions ran.
    assert_eq!(
        id["https://app.acme.example/roles"],
        serde_json::json!(["customer"]),
        "{id}"
    );
    assert_eq!(
        id["https://app.acme.example/login_source"],
        "Username-Password-Authentication"
    );

    // The README's browser login: the code flow through the form.
    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        &format!(
            "{}authorize?client_id={EXAMPLE_WEB}&response_type=code&redirect_uri=http://localhost:8080/callback&scope=openid%20email&state=xyz",
            served.base
        ),
        "jane.doe@acme.example",
        "example password",
    );
    let callback = location(&answer);
    assert!(
        callback.starts_with("http://localhost:8080/callback?"),
        "{callback}"
    );
    assert_eq!(url_param(&callback, "state").as_deref(), Some("xyz"));
    let code = url_param(&callback, "code").expect("code");
    let (status, exchanged) = token_request_at(
        &served.base,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", EXAMPLE_WEB),
            ("client_secret", EXAMPLE_WEB_SECRET),
            ("code", &code),
            ("redirect_uri", "http://localhost:8080/callback"),
        ],
    );
    assert_eq!(status, 200, "{exchanged}");
    let id = verified(
        &served,
        exchanged["id_token"].as_str().expect("ID token"),
        EXAMPLE_WEB,
    );
    assert_eq!(id["https://app.acme.example/environment"], "dev", "{id}");

    // The machine-to-machine client runs the folder's credentials-exchange Action.
    let (status, m2m) = token_request_at(
        &served.base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", EXAMPLE_M2M),
            ("client_secret", EXAMPLE_M2M_SECRET),
            ("audience", "https://api.acme.example"),
        ],
    );
    assert_eq!(status, 200, "{m2m}");
    let access = verified(
        &served,
        m2m["access_token"].as_str().expect("access token"),
        "https://api.acme.example",
    );
    assert_eq!(access["sub"], format!("{EXAMPLE_M2M}@clients"));
    assert_eq!(
        access["https://api.acme.example/customer"], "initech",
        "{access}"
    );

    // The logins page shows them; every request was one log line.
    let page = http()
        .get(format!("{}__actionbox/logins", served.base))
        .send()
        .and_then(|r| r.text())
        .expect("logins page");
    assert!(page.contains("jane.doe@acme.example"), "{page}");
    let logged = served.stderr.lock().map(|l| l.clone()).unwrap_or_default();
    let token_lines = logged
        .iter()
        .filter(|l| l.contains("actionbox::serve: POST /oauth/token 200"))
        .count();
    assert_eq!(token_lines, 3, "{logged:#?}");
}

#[test]
fn serve_warns_when_it_listens_beyond_loopback() {
    let served = serve_example_on("0.0.0.0:0");
    let logged = served.stderr.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(
        logged.iter().any(|l| l.starts_with(
            "actionbox: warning: listening on 0.0.0.0:0, reachable from other machines"
        )),
        "{logged:#?}"
    );
    // On loopback, no such warning.
    let local = serve_example();
    let logged = local.stderr.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(
        !logged
            .iter()
            .any(|l| l.contains("reachable from other machines")),
        "{logged:#?}"
    );
}
