//! Tenant folders exported with the Auth0 Deploy CLI, run as they are:
//! `run --tenant DIR --trigger T` and the `tenant DIR` preflight.

use crate::common::*;
use actionbox::tenant::{Keywords, TenantFlow, TenantFolder};
use actionbox::{Runner, Settings, Trigger};
use serde_json::Value;

const EXAMPLE: &str = "actions/tenant-example";

/// The secrets of the YAML fixture's Action whose values the export hides.
const MISSING_YAML_SECRETS: [&str; 3] = ["greet:SHOWN_NOT", "greet:EXPORTED", "greet:LATER"];

#[test]
fn the_example_tenant_runs_its_post_login_flow_in_order() {
    let output = actionbox(&[
        "run",
        "--tenant",
        EXAMPLE,
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let outcome = json(&output);
    assert_eq!(outcome["status"], "allowed");
    // Enabled Rules by order, then the Actions triggers.json binds; the
    // disabled Rule does not run.
    assert_eq!(
        outcome["scripts"],
        serde_json::json!([
            "Add roles to tokens",
            "Deny blocked email domain",
            "add-login-source",
            "partner-session-token"
        ])
    );
    let id = &outcome["id_token"]["payload"];
    assert_eq!(
        id["https://app.acme.example/roles"],
        serde_json::json!(["customer"])
    );
    // The Actions Module, with its keyword replaced from keywords.json.
    assert_eq!(id["https://app.acme.example/environment"], "dev");
    assert_eq!(
        id["https://app.acme.example/login_source"],
        "Username-Password-Authentication"
    );
    // The secret came from actionbox.json and never shows.
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains("example-partner-signing-key"),
        "secret leaked"
    );
    // The partner token is signed with that secret.
    let partner = id["https://app.acme.example/partner_token"]
        .as_str()
        .expect("partner token");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["https://partners.acme.example"]);
    validation.set_issuer(&["https://acme-dev.us.auth0.com/"]);
    let claims = jsonwebtoken::decode::<Value>(
        partner,
        &jsonwebtoken::DecodingKey::from_secret(b"example-partner-signing-key-not-a-real-secret"),
        &validation,
    )
    .expect("signed with the secret from actionbox.json")
    .claims;
    assert_eq!(claims["email"], "jane.doe@acme.example");
}

#[test]
fn the_rules_configuration_comes_from_rules_configs_with_keywords() {
    let dir = tempfile::tempdir().expect("tempdir");
    let event_path = dir.path().join("event.json");
    let mut ev = event("post-login-database.json");
    ev["user"]["email"] = Value::from("someone@spam.example");
    std::fs::write(&event_path, ev.to_string()).expect("write");
    let outcome = json(&actionbox(&[
        "run",
        "--tenant",
        EXAMPLE,
        "--event",
        event_path.to_str().expect("path"),
        "--format",
        "json",
    ]));
    assert_eq!(outcome["status"], "denied");
    assert_eq!(outcome["denial"]["script"], "Deny blocked email domain");
    assert_eq!(outcome["denial"]["code"], "unauthorized");
    // BLOCKED_DOMAIN (from the keyword) and SUPPORT_URL are configuration
    // values: the application receives them as Auth0 sends them, while the
    // command log masks them like every other script output.
    assert_eq!(
        outcome["denial"]["reason"],
        "Logins from spam.example are not allowed. Contact https://support.acme.example."
    );
    assert_eq!(
        outcome["oauth_error"]["error_description"],
        outcome["denial"]["reason"]
    );
    let command = outcome["commands"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["call"] == "rules.deny"))
        .expect("the deny command");
    assert_eq!(
        command["args"][1],
        "Logins from [redacted] are not allowed. Contact [redacted]."
    );
}

/// "Add roles to tokens" builds its claim name from the configuration value
/// CLAIM_NAMESPACE: the token carries the real claim, and its compact JWT
/// verifies against the run's JWKS, in JSON as in pretty output.
#[test]
fn a_claim_built_from_a_configuration_value_is_issued_as_it_is() {
    let output = actionbox(&[
        "run",
        "--tenant",
        EXAMPLE,
        "--event",
        "actions/events/post-login-database.json",
        "--now",
        "2026-11-26T09:15:00Z",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let outcome = json(&output);
    let id = &outcome["id_token"];
    assert_eq!(
        id["payload"]["https://app.acme.example/roles"],
        serde_json::json!(["customer"])
    );
    assert_eq!(
        outcome["access_token"]["payload"]["https://app.acme.example/roles"],
        serde_json::json!(["customer"])
    );
    let jwt = id["jwt"].as_str().expect("the compact ID token");
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(outcome["jwks"].clone()).expect("jwks");
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    let jwk = jwks
        .find(header.kid.as_deref().expect("kid"))
        .expect("the key of the token");
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&["k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j"]);
    // Issued at the fixed time above, long past by the real clock.
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(
        jwt,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).expect("key"),
        &validation,
    )
    .expect("the JWT verifies")
    .claims;
    assert_eq!(claims, id["payload"]);
    // Configuration is not an Action secret: no warning about it.
    assert!(
        outcome["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .all(|w| w["code"] != "secret_in_token"),
        "{}",
        outcome["warnings"]
    );

    let pretty = actionbox(&[
        "run",
        "--tenant",
        EXAMPLE,
        "--event",
        "actions/events/post-login-database.json",
        "--now",
        "2026-11-26T09:15:00Z",
    ]);
    let text = String::from_utf8_lossy(&pretty.stdout);
    assert!(
        text.contains("\"https://app.acme.example/roles\": [\"customer\"]"),
        "{text}"
    );
    // The same login at the same time: the same payload segment (the key
    // is generated per run, so the signature differs).
    let payload_segment = jwt.split('.').nth(1).expect("payload segment");
    assert!(text.contains(payload_segment), "{text}");
}

#[test]
fn the_example_tenant_runs_its_credentials_exchange_flow() {
    let outcome = json(&actionbox(&[
        "run",
        "--tenant",
        EXAMPLE,
        "--trigger",
        "credentials-exchange",
        "--event",
        "actions/events/credentials-exchange.json",
        "--format",
        "json",
    ]));
    assert_eq!(outcome["status"], "allowed");
    assert_eq!(
        outcome["scripts"],
        serde_json::json!(["deny-disabled-clients"])
    );
    assert_eq!(
        outcome["access_token"]["payload"]["https://api.acme.example/customer"],
        "acme"
    );
}

#[test]
fn a_yaml_export_runs_like_a_directory_export() {
    let mut keywords = Keywords::empty();
    keywords.insert("GREET_ORDER", Value::from(2));
    keywords.insert("RUNTIME", Value::from("node18"));
    keywords.insert("TENANT_DOMAIN", Value::from("acme-dev.us.auth0.com"));
    keywords.insert("API_KEY", Value::from("yaml-api-key"));
    let folder =
        TenantFolder::load(&fixture("tenants/yaml/tenant.yaml"), &keywords).expect("loads");
    let built = TenantFlow::build(&folder, Trigger::PostLogin, Settings::default()).expect("flow");
    let names: Vec<&str> = built.scripts.iter().map(|s| s.name.as_str()).collect();
    let rules: Vec<&str> = folder
        .enabled_rules()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        rules,
        ["deny-domain", "Add Roles"],
        "ascending order, disabled left out"
    );
    // Enabled Rules, then the Actions in the order triggers binds them.
    assert_eq!(names, ["deny-domain", "Add Roles", "audit", "greet"]);
    assert_eq!(
        built.settings.configuration["API_URL"],
        "https://acme-dev.us.auth0.com/api"
    );
    assert_eq!(built.settings.secrets["greet"]["API_KEY"], "yaml-api-key");
    let missing: Vec<String> = built
        .missing_secrets
        .iter()
        .map(|m| format!("{}:{}", m.action, m.secret))
        .collect();
    assert_eq!(missing, MISSING_YAML_SECRETS);
    assert_eq!(built.node.dependencies["lodash.get"], "4.4.2");
    // The flow runs through the public API.
    let mut flow = actionbox::Flow::new(Trigger::PostLogin, built.scripts);
    flow.settings = built.settings;
    flow.node = built.node;
    flow.node.node_modules = vec![fixture("npm/node_modules")];
    flow.event = Some(event("post-login-database.json"));
    let outcome = Runner::new().run(&flow).expect("runs");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
}

#[test]
fn the_preflight_lists_the_tenant_and_passes_when_nothing_is_missing() {
    let output = actionbox(&["tenant", EXAMPLE, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["problems"], 0);
    assert_eq!(
        report["triggers"]["post-login"],
        serde_json::json!(["add-login-source", "partner-session-token"])
    );
    assert_eq!(report["rules"][2]["enabled"], false);
    // The tests' registry is a closed port: the real jsonwebtoken cannot be
    // installed, so the emulation answers, and the report says why.
    let jsonwebtoken = &report["dependencies"]["jsonwebtoken"]["provided"];
    assert_eq!(jsonwebtoken["by"], "emulated", "{jsonwebtoken}");
    assert!(
        jsonwebtoken["because"]
            .as_str()
            .is_some_and(|b| b.contains("jsonwebtoken")),
        "{jsonwebtoken}"
    );
    assert_eq!(
        report["rules_configuration"],
        serde_json::json!(["BLOCKED_DOMAIN", "CLAIM_NAMESPACE", "SUPPORT_URL"])
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("spam.example"),
        "configuration values are secret"
    );

    let pretty = actionbox(&["tenant", EXAMPLE]);
    let text = String::from_utf8_lossy(&pretty.stdout);
    assert!(text.contains("1. Add roles to tokens"), "{text}");
    assert!(
        text.contains("Force email verification  disabled, not run"),
        "{text}"
    );
    assert!(text.contains("✔ ready"), "{text}");
}

#[test]
fn the_preflight_fails_on_missing_secrets_placeholders_and_dependencies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let no_keywords = dir.path().join("keywords.json");
    std::fs::write(&no_keywords, "{}").expect("write");
    let no_settings = dir.path().join("settings.json");
    std::fs::write(&no_settings, "{}").expect("write");
    let output = actionbox(&[
        "tenant",
        EXAMPLE,
        "--keywords",
        no_keywords.to_str().expect("path"),
        "--settings",
        no_settings.to_str().expect("path"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(
        report["missing_secrets"],
        serde_json::json!(["partner-session-token: PARTNER_SIGNING_KEY"])
    );
    assert_eq!(
        report["unresolved_placeholders"],
        serde_json::json!([
            "actions/tenant-example/rules-configs/BLOCKED_DOMAIN.json:3: BLOCKED_DOMAIN",
            "actions/tenant-example/actions/partner-session-token/code.js:15: TENANT_DOMAIN",
            "actions/tenant-example/action-modules/claims-helper/code.js:10: ENVIRONMENT"
        ])
    );
    assert_eq!(report["problems"], 4, "one secret, three placeholders");

    // A run still goes ahead, saying what is missing.
    let run = actionbox(&[
        "run",
        "--tenant",
        EXAMPLE,
        "--keywords",
        no_keywords.to_str().expect("path"),
        "--settings",
        no_settings.to_str().expect("path"),
        "--event",
        "actions/events/post-login-database.json",
    ]);
    let warnings = stderr(&run);
    assert!(
        warnings.contains("Action 'partner-session-token' declares the secret PARTNER_SIGNING_KEY"),
        "{warnings}"
    );
    assert!(
        warnings.contains("placeholder ENVIRONMENT has no value"),
        "{warnings}"
    );

    // A dependency neither emulated nor installed.
    let report = json(&actionbox(&[
        "tenant",
        "tests/fixtures/tenants/directory",
        "--format",
        "json",
    ]));
    assert_eq!(
        report["dependencies"]["lodash.get"]["provided"]["by"], "missing",
        "{}",
        report["dependencies"]
    );
    let report = json(&actionbox(&[
        "tenant",
        "tests/fixtures/tenants/directory",
        "--node-modules",
        "tests/fixtures/npm/node_modules",
        "--format",
        "json",
    ]));
    assert_eq!(
        report["dependencies"]["lodash.get"]["provided"]["version"],
        "4.4.2"
    );
}

#[test]
fn bad_tenant_folders_get_one_clear_error_naming_the_file() {
    for (folder, expected) in [
        (
            "missing-code",
            "missing-code/actions/a.json: the code file \"./actions/a/code.js\" does not exist",
        ),
        (
            "bad-json",
            "bad-json/rules/r.json: invalid JSON: trailing comma at line 5 column 1",
        ),
        (
            "bad-yaml",
            "bad-yaml/tenant.yaml: invalid YAML: line 3 column 13",
        ),
        (
            "unknown-trigger",
            "unknown-trigger/triggers/triggers.json: unknown trigger id `post-logon`",
        ),
        (
            "escape",
            "escape/rules/r.json: `script` \"../../escape-target.js\" resolves to",
        ),
        (
            "bad-rule-name",
            "bad-rule-name/rules/r.json: the Rule name \"add_roles!\" is one Auth0 rejects",
        ),
        (
            "duplicate-order",
            "duplicate-order/rules/b.json: Rules \"a\" and \"b\" both have order 3",
        ),
    ] {
        let path = format!("tests/fixtures/tenants/broken/{folder}");
        let output = actionbox(&["tenant", &path]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{folder}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(message.contains(expected), "{folder}: {message}");
        assert_eq!(message.lines().count(), 1, "{folder}: one error: {message}");
    }
    // A binding to an Action the export lacks: the preflight reports it,
    // a run of that trigger cannot start.
    let report = actionbox(&[
        "tenant",
        "tests/fixtures/tenants/broken/missing-action",
        "--format",
        "json",
    ]);
    assert_eq!(report.status.code(), Some(1));
    assert_eq!(
        json(&report)["missing_actions"],
        serde_json::json!(["post-login: ghost"])
    );
    let output = actionbox(&[
        "run",
        "--tenant",
        "tests/fixtures/tenants/broken/missing-action",
        "--event",
        "actions/events/post-login-database.json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("triggers.json"),
        "{}",
        stderr(&output)
    );
}
