//! The Management API scripts reach at the tenant's own domain, answered
//! by the host from the store `serve` logs users in from: a Rule's
//! `auth0.users.updateAppMetadata`, the real `auth0` SDK (from a registry
//! on loopback) and raw `fetch`, each persisting to the next login.

use std::sync::Arc;

use actionbox::serve::tenant::read_users;
use actionbox::serve::{LocalTenant, MemoryStore};
use actionbox::{NodeConfig, Script, Settings};
use serde_json::{Value, json};

use crate::common::*;

fn management_fixture(name: &str) -> std::path::PathBuf {
    serve_fixture("management").join(name)
}

/// The serve fixture's settings and users with a Rule and two Actions
/// calling the Management API; the Actions' secrets name the M2M client.
fn management_tenant(registry: &TestRegistry, cache: &std::path::Path) -> LocalTenant {
    let mut settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    let secrets: std::collections::BTreeMap<String, String> = [
        ("DOMAIN", "acme-dev.us.auth0.com"),
        ("CLIENT_ID", M2M),
        ("CLIENT_SECRET", M2M_SECRET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for action in ["sdk-logins", "raw-fetch"] {
        settings.secrets.insert(action.into(), secrets.clone());
    }
    let scripts: Vec<Script> = ["count-rule-visits.js", "sdk-logins.js", "raw-fetch.js"]
        .iter()
        .map(|name| script(&management_fixture(name)))
        .collect();
    let users = read_users(
        &serve_fixture("users.json"),
        "Username-Password-Authentication",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut node = NodeConfig {
        packages: registry.options(cache),
        ..NodeConfig::default()
    };
    node.dependencies.insert("auth0".into(), "4.37.0".into());
    let (tenant, warnings) =
        LocalTenant::from_scripts(settings, scripts, node, test_limits(), users)
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    tenant
}

fn password_login(server: &TestServer, user: &str, password: &str) -> Value {
    let (status, body) = password_grant(server, user, password);
    assert_eq!(status, 200, "{body}");
    payload(body["id_token"].as_str().expect("an ID token"))
}

#[test]
fn a_rule_the_real_auth0_sdk_and_fetch_write_through_the_management_api_to_the_next_login() {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let server = start(
        management_tenant(&registry, cache.path()),
        Arc::new(MemoryStore::new()),
    );

    let first = password_login(&server, "cy@acme.example", "terms first");
    assert_eq!(first["https://acme.example/rule_visits"], 0, "{first}");
    assert_eq!(first["https://acme.example/sdk_logins"], 0, "{first}");
    assert_eq!(
        first["https://acme.example/pro_users"],
        json!(["ana@acme.example"])
    );
    assert_eq!(first["https://acme.example/roles"], json!([]));
    assert_eq!(
        first["https://acme.example/fetched"],
        json!({
            "status": 200,
            "needs_terms": true,
            "anonymous": 401,
            "anonymous_body": {"statusCode": 401, "error": "Unauthorized", "message": "Missing authentication"},
        })
    );

    // The Rule's update (saved when the flow ends) and the SDK's (written
    // to the store while the flow ran) both reach the next login, and so
    // does the role the SDK assigned.
    let second = password_login(&server, "cy@acme.example", "terms first");
    assert_eq!(second["https://acme.example/rule_visits"], 1, "{second}");
    assert_eq!(second["https://acme.example/sdk_logins"], 1, "{second}");
    assert_eq!(second["https://acme.example/roles"], json!(["editor"]));
    let third = password_login(&server, "cy@acme.example", "terms first");
    assert_eq!(third["https://acme.example/rule_visits"], 2, "{third}");
    assert_eq!(third["https://acme.example/sdk_logins"], 2, "{third}");

    // The logins page says the real package answered and the tenant
    // answered its requests.
    let logins = logins(&server);
    let outcome = &logins[0]["outcome"];
    let auth0 = outcome["packages"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["name"] == "auth0"))
        .unwrap_or_else(|| panic!("auth0 in {}", outcome["packages"]));
    assert_eq!(auth0["version"], "4.37.0");
    assert_ne!(auth0["source"], "emulated");
    let requests = outcome["requests"].as_array().expect("requests");
    // The domain is an Action secret, so the page masks it.
    let urls: Vec<&str> = requests.iter().filter_map(|r| r["url"].as_str()).collect();
    assert!(
        urls.contains(&"https://[redacted]/oauth/token")
            && urls.contains(&"https://[redacted]/api/v2/roles"),
        "{urls:?}"
    );
    assert!(
        requests.iter().all(|r| r["disposition"] == "tenant"),
        "{requests:?}"
    );
}

/// A Rule using the auth0 2.x ManagementClient under serve: it finds a
/// user who signed up after the server started, and its own write is there
/// at the next login. `registry` gives the real auth0@2.44.1; without one,
/// actionbox's own 2.x client answers. Both reach the same store.
fn a_2x_rule_reads_and_writes_the_store(registry: Option<&TestRegistry>) -> Value {
    let settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    let users = read_users(
        &serve_fixture("users.json"),
        "Username-Password-Authentication",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let scripts = vec![script(&management_fixture("sdk-v2-directory.js"))];
    let cache = tempfile::tempdir().expect("cache");
    let node = match registry {
        Some(registry) => NodeConfig {
            packages: registry.options(cache.path()),
            ..NodeConfig::default()
        },
        None => NodeConfig::default(),
    };
    let (tenant, warnings) =
        LocalTenant::from_scripts(settings, scripts, node, test_limits(), users)
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let server = start(tenant, Arc::new(MemoryStore::new()));

    let first = password_login(&server, "cy@acme.example", "terms first");
    assert_eq!(
        first["https://acme.example/signed_up"],
        json!([]),
        "{first}"
    );
    assert_eq!(first["https://acme.example/v2_visits"], 0, "{first}");

    let (status, created) = post_json(
        &server,
        "dbconnections/signup",
        &json!({
            "client_id": WEB,
            "email": "new.signup@acme.example",
            "password": "a fresh password",
            "connection": "Username-Password-Authentication",
        }),
    );
    assert_eq!(status, 200, "{created}");
    let second = password_login(&server, "cy@acme.example", "terms first");
    assert_eq!(
        second["https://acme.example/signed_up"],
        json!(["new.signup@acme.example"]),
        "{second}"
    );
    assert_eq!(second["https://acme.example/v2_visits"], 1, "{second}");

    let logins = logins(&server);
    let outcome = logins[0]["outcome"].clone();
    let requests = outcome["requests"].as_array().expect("requests");
    let calls: Vec<String> = requests
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap_or(""),
                r["url"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(
        calls[0].starts_with("GET https://acme-dev.us.auth0.com/api/v2/users?"),
        "{calls:?}"
    );
    assert!(
        requests.iter().all(|r| r["disposition"] == "tenant"),
        "{requests:?}"
    );
    outcome
}

fn auth0_package(outcome: &Value) -> Value {
    outcome["packages"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["name"] == "auth0"))
        .cloned()
        .unwrap_or_else(|| panic!("auth0 in {}", outcome["packages"]))
}

#[test]
fn the_real_auth0_2x_package_in_a_rule_reads_and_writes_the_store_serve_logs_in_from() {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let outcome = a_2x_rule_reads_and_writes_the_store(Some(&registry));
    let auth0 = auth0_package(&outcome);
    assert_eq!(auth0["version"], "2.44.1");
    assert_ne!(
        auth0["source"], "emulated",
        "{auth0} {}",
        outcome["warnings"]
    );
}

#[test]
fn actionbox_s_own_auth0_2x_client_reads_and_writes_the_same_store() {
    let outcome = a_2x_rule_reads_and_writes_the_store(None);
    assert_eq!(auth0_package(&outcome)["source"], "emulated");
}
