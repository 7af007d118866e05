//! `actionbox migrate`: the Action written for each example Rule, proven by
//! compare over the bundled logins, then checked again with `compare`.

use crate::common::*;
use serde_json::Value;

fn migrate(args: &[&str]) -> (std::process::Output, Value) {
    let mut all = vec!["migrate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let output = actionbox(&all);
    let value = json(&output);
    (output, value)
}

fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap_or_default().to_string(),
                e["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_example_rule_migrates_to_an_action_compare_judges_equivalent() {
    let dir = tempfile::tempdir().expect("tempdir");
    for rule in [
        "add-roles-claim",
        "deny-blocked-domain",
        "record-first-login",
        "require-mfa-for-admin-app",
    ] {
        let out = dir.path().join(format!("{rule}.js"));
        let rule_path = format!("actions/rules/{rule}.js");
        let (output, report) = migrate(&[
            &rule_path,
            "-o",
            out.to_str().unwrap(),
            "--settings",
            "actions/actionbox.json",
        ]);
        assert_eq!(output.status.code(), Some(0), "{rule}: {report:#}");
        assert_eq!(report["todos"], serde_json::json!([]), "{rule}");
        let code = std::fs::read_to_string(&out).expect("the Action is written");
        assert!(code.contains("exports.onExecutePostLogin"), "{code}");
        let rest = code.replace("event.user.", "").replace("api.user.", "");
        for word in ["callback", "context.", "user."] {
            assert!(!rest.contains(word), "{rule}: {word} left in\n{code}");
        }
        // The written Action, checked by compare itself on other events.
        let compared = actionbox(&[
            "compare",
            &rule_path,
            out.to_str().unwrap(),
            "--event",
            "actions/events/post-login-database.json",
            "--event",
            "actions/events/migration/customer-login.json",
            "--settings",
            "actions/actionbox.json",
            "--now",
            "2026-11-26T09:15:00Z",
        ]);
        assert_eq!(
            compared.status.code(),
            Some(0),
            "{rule}:\n{code}\n{}",
            String::from_utf8_lossy(&compared.stdout)
        );
    }
}

#[test]
fn the_comments_and_names_of_the_rule_survive() {
    let (_, report) = migrate(&["actions/rules/add-roles-claim.js"]);
    let code = report["action"].as_str().unwrap();
    assert!(code.starts_with("/**\n * Puts the user's roles"), "{code}");
    assert!(
        code.contains("exports.onExecutePostLogin = async function addRolesClaim(event, api) {"),
        "{code}"
    );
    assert!(
        code.contains("api.idToken.setCustomClaim(namespace + 'roles', roles);"),
        "{code}"
    );
    assert!(
        code.contains(
            "const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];"
        ),
        "{code}"
    );
}

#[test]
fn the_legacy_scope_rule_becomes_a_namespaced_claim_and_compare_explains_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("add-connection.js");
    let (output, report) = migrate(&[
        "actions/rules/add-connection-to-user.js",
        "--namespace",
        "https://app.acme.example",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = std::fs::read_to_string(&out).expect("written");
    assert!(
        code.contains("api.idToken.setCustomClaim('https://app.acme.example/connection', event.user.connection);"),
        "{code}"
    );
    let note = report["notes"][0]["message"].as_str().unwrap();
    assert!(note.contains("legacy scope word 'connection'"), "{note}");
    assert_eq!(
        verdicts(&report),
        [
            ("database login".into(), "equivalent".into()),
            ("social login".into(), "equivalent".into()),
            ("legacy scope login".into(), "expected_differences".into()),
        ]
    );
    // compare names the remaining difference: clients must read the
    // namespaced claim.
    let compared = actionbox(&[
        "compare",
        "actions/rules/add-connection-to-user.js",
        out.to_str().unwrap(),
        "--rule-legacy-client",
        "--event",
        "actions/events/post-login-social-legacy-scope.json",
    ]);
    assert_eq!(compared.status.code(), Some(1));
    let text = String::from_utf8_lossy(&compared.stdout);
    assert!(
        text.contains("The Action puts the value in 'https://app.acme.example/connection' instead"),
        "{text}"
    );
}

#[test]
fn callbacks_from_promise_handlers_make_the_action_wait() {
    let (output, report) = migrate(&[
        "tests/fixtures/migrate/tier-claim-after-update.js",
        "--settings",
        "actions/actionbox.json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    assert!(code.contains("await new Promise((done) => {"), "{code}");
    assert!(
        code.contains("api.user.setAppMetadata('logins', event.user.app_metadata.logins)"),
        "{code}"
    );
    assert!(
        code.contains("done(api.access.deny(err.message || String(err)));"),
        "{code}"
    );
    // The tier claim is set inside the handler, after the update.
    let database = &report["events"][0]["comparison"];
    let tier = database["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["claim"] == "https://app.acme.example/tier")
        .expect("the tier claim");
    assert_eq!(tier["action"], "gold");
    assert_eq!(tier["status"], "same");
}

#[test]
fn a_redirect_rule_gets_on_continue_post_login() {
    let (output, report) = migrate(&["tests/fixtures/migrate/redirect-to-terms.js"]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    assert!(
        code.contains(
            "if (!resumed) api.redirect.sendUserTo('https://terms.acme.example/accept');"
        ),
        "{code}"
    );
    assert!(
        code.contains(
            "exports.onContinuePostLogin = async (event, api) => redirectToTerms(event, api, true);"
        ),
        "{code}"
    );
    // After the redirect, the Action records the acceptance as the Rule
    // did on redirect-callback.
    let dir = tempfile::tempdir().expect("tempdir");
    let action = dir.path().join("redirect-to-terms.js");
    std::fs::write(&action, code).unwrap();
    let resumed = actionbox(&[
        "run",
        action.to_str().unwrap(),
        "--continue",
        "result=accepted",
        "--format",
        "json",
    ]);
    let value = json(&resumed);
    assert_eq!(value["status"], "allowed", "{value:#}");
    assert_eq!(
        value["metadata_updates"]["user_metadata"]["terms_accepted"], true,
        "{value:#}"
    );
}

#[test]
fn reserved_namespaces_scopes_and_versioned_requires() {
    let registry = TestRegistry::serve(
        [("greeting", "2.0.0"), ("shout", "2.0.0")]
            .iter()
            .map(|(name, version)| RegistryPackage::fixture(name, version))
            .collect(),
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let output = crate::common::actionbox_command()
        .args([
            "migrate",
            "tests/fixtures/migrate/reserved-namespace-and-scopes.js",
            "--namespace",
            "https://app.acme.example/",
            "--cache-dir",
            cache.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .current_dir(repo())
        .env("npm_config_registry", &registry.url)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    assert!(
        code.contains("// require and scopes replaced as a whole.\nconst greet = require('greeting');\n\nexports.onExecutePostLogin"),
        "{code}"
    );
    assert_eq!(
        report["dependencies"],
        serde_json::json!([{ "name": "greeting", "version": "2.0.0" }])
    );
    assert!(
        code.contains("api.idToken.setCustomClaim('https://app.acme.example/greeting',"),
        "{code}"
    );
    let database = &report["events"][0];
    assert_eq!(database["verdict"], "expected_differences", "{database:#}");
    let claims = database["comparison"]["claims"].as_array().unwrap();
    let greeting = claims
        .iter()
        .find(|c| c["claim"] == "https://app.acme.example/greeting")
        .expect("the moved claim");
    assert_eq!(greeting["action"], "HI JANE!!! [shout 2.0.0] (greeting 2)");
    // The scopes are the Rule's on every login.
    let scope = claims
        .iter()
        .find(|c| c["token"] == "access_token" && c["claim"] == "scope")
        .expect("scope");
    assert_eq!(scope["status"], "same", "{scope:#}");
    assert_eq!(scope["action"], "openid read:orders write:orders");
}

#[test]
fn untranslatable_code_stays_under_todo_and_an_unequal_action_is_not_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("auth-time.js");
    let args = [
        "tests/fixtures/migrate/auth-time-claim.js",
        "-o",
        out.to_str().unwrap(),
    ];
    let (output, report) = migrate(&args);
    assert_eq!(output.status.code(), Some(1));
    assert!(!out.exists(), "a non-equivalent Action is not written");
    assert_eq!(report["written"], Value::Null);
    let todos = report["todos"].as_array().unwrap();
    assert_eq!(todos.len(), 2, "{todos:#?}");
    assert!(
        todos[0]["message"]
            .as_str()
            .unwrap()
            .contains("context.connectionOptions")
    );
    let code = report["action"].as_str().unwrap();
    let line = todos[0]["action_line"].as_u64().unwrap() as usize;
    assert!(
        code.lines().nth(line - 1).unwrap().contains(
            "// TODO(actionbox migrate): Actions have no counterpart of context.connectionOptions"
        ),
        "{code}"
    );
    // The pretty report lists the TODO lines and the verdicts.
    let mut forced: Vec<&str> = vec!["migrate"];
    forced.extend_from_slice(&args);
    forced.push("--force");
    let output = actionbox(&forced);
    assert_eq!(output.status.code(), Some(1));
    assert!(out.exists(), "--force writes it anyway");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("2 left to do by hand"), "{text}");
    assert!(
        text.contains("database login      ✖ not equivalent"),
        "{text}"
    );
}

#[test]
fn bad_input_is_an_input_error() {
    let output = actionbox(&["migrate", "actions/add-connection.js"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a Rule"),
        "{}",
        stderr(&output)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.js");
    std::fs::write(&broken, "function (user, context, callback) {\n  if (\n}").unwrap();
    let output = actionbox(&["migrate", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("broken.js:3"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_whole_tenant_migrates_to_an_importable_folder_that_compare_tenant_judges_equivalent() {
    // Before: the Rules do something the bound Actions do not.
    let before = actionbox(&["compare", "--tenant", "actions/tenant-example"]);
    assert_eq!(before.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&before.stdout).contains("− https://app.acme.example/roles"),
        "{}",
        String::from_utf8_lossy(&before.stdout)
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("tenant");
    let output = actionbox(&[
        "migrate",
        "--tenant",
        "actions/tenant-example",
        "-o",
        out.to_str().unwrap(),
        "--event",
        "actions/events/migration/customer-login.json",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    let table: Vec<&str> = text.lines().skip(2).take(3).map(str::trim_end).collect();
    assert_eq!(
        table,
        [
            "  Rule                       Action                     Equivalent   TODOs",
            "  Add roles to tokens        add-roles-to-tokens        4/4 events   0",
            "  Deny blocked email domain  deny-blocked-email-domain  4/4 events   0",
        ],
        "{text}"
    );

    // Deploy CLI layout: code, definition with secrets from rules-configs
    // (placeholders kept for the import), bindings after the Actions
    // already bound, in Rule order. The Rules are untouched.
    let code = std::fs::read_to_string(out.join("actions/deny-blocked-email-domain/code.js"))
        .expect("code.js");
    assert!(code.contains("event.secrets.BLOCKED_DOMAIN"), "{code}");
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("actions/deny-blocked-email-domain.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        definition["secrets"],
        serde_json::json!([
            { "name": "BLOCKED_DOMAIN", "value": "##BLOCKED_DOMAIN##" },
            { "name": "SUPPORT_URL", "value": "https://support.acme.example" }
        ])
    );
    assert_eq!(
        definition["code"],
        "./actions/deny-blocked-email-domain/code.js"
    );
    assert_eq!(definition["supported_triggers"][0]["id"], "post-login");
    let triggers: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("triggers/triggers.json")).unwrap())
            .unwrap();
    let bound: Vec<&str> = triggers["post-login"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["action_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        bound,
        [
            "add-login-source",
            "partner-session-token",
            "add-roles-to-tokens",
            "deny-blocked-email-domain"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("rules/Add roles to tokens.js")).unwrap(),
        std::fs::read_to_string(repo().join("actions/tenant-example/rules/Add roles to tokens.js"))
            .unwrap()
    );
    // actionbox itself loads the folder it wrote.
    let preflight = actionbox(&["tenant", out.to_str().unwrap()]);
    assert_eq!(
        preflight.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&preflight.stdout)
    );

    // After: compare --tenant says equivalent.
    let after = actionbox(&[
        "compare",
        "--tenant",
        out.to_str().unwrap(),
        "--event",
        "actions/events/post-login-database.json",
        "--event",
        "actions/events/migration/customer-login.json",
        "--event",
        "actions/events/migration/admin-login.json",
    ]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&after.stdout)
    );
    // On a blocked login the only difference left is the error code.
    let blocked = actionbox(&[
        "compare",
        "--tenant",
        out.to_str().unwrap(),
        "--event",
        "actions/events/migration/blocked-domain-login.json",
        "--format",
        "json",
    ]);
    let value = json(&blocked);
    assert_eq!(value["equivalent"], false);
    assert_eq!(value["differences"][0]["aspect"], "denial", "{value:#}");
    assert_eq!(value["differences"].as_array().unwrap().len(), 1);
}

#[test]
fn a_global_cache_moves_to_api_cache_and_a_shared_list_stays() {
    let settings = "tests/fixtures/migrate/partner-settings.json";
    let mock = "tests/fixtures/migrate/partner-mock.json";
    let (output, report) = migrate(&[
        "tests/fixtures/migrate/cache-partner-token.js",
        "--settings",
        settings,
        "--http-mock",
        mock,
    ]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    assert!(
        code.contains("if (readGlobalCache(api, 'partnerToken') && readGlobalCache(api, 'partnerToken').expires_at > Date.now()) {"),
        "{code}"
    );
    assert!(
        code.contains("writeGlobalCache(api, 'partnerToken', {\n"),
        "{code}"
    );
    assert!(
        code.contains("function readGlobalCache(api, key) {"),
        "{code}"
    );
    // A list changed in place is shared state, not a cache: it stays.
    assert!(
        code.contains(
            "global.seen = global.seen || [];\n    global.seen.push(event.user.user_id);"
        ),
        "{code}"
    );
    let notes = report["notes"].to_string();
    assert!(notes.contains("global.partnerToken is a cache"), "{notes}");
    assert!(!notes.contains("global.seen"), "{notes}");
    let database = &report["events"][0];
    assert_eq!(database["verdict"], "equivalent", "{database:#}");
    let claim = database["comparison"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["claim"] == "https://app.acme.example/partner_token")
        .expect("the partner token claim");
    assert_eq!(claim["action"], "pt-2f9c");
    assert_eq!(claim["status"], "same");

    // Two copies of the Action in one flow share api.cache: the second
    // finds the token the first kept and asks the partner nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("partner-token.js");
    let second = dir.path().join("partner-token-again.js");
    std::fs::write(&first, code).unwrap();
    std::fs::write(&second, code).unwrap();
    let ran = actionbox(&[
        "run",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "--settings",
        settings,
        "--http-mock",
        mock,
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    let outcome = json(&ran);
    assert_eq!(outcome["status"], "allowed", "{outcome:#}");
    assert_eq!(
        outcome["requests"].as_array().unwrap().len(),
        1,
        "{outcome:#}"
    );
    let sets: Vec<&Value> = outcome["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["call"] == "cache.set")
        .collect();
    assert_eq!(sets.len(), 1, "{outcome:#}");
    assert_eq!(sets[0]["script"], "partner-token.js");
    let claims = outcome["access_token"]["payload"].clone();
    assert_eq!(claims["https://app.acme.example/partner_token"], "pt-2f9c");
}

#[test]
fn compare_follows_a_redirect_through_continue_on_both_sides() {
    // migrate proves the Rule's redirect-callback run against the Action's
    // onContinuePostLogin: both record the acceptance.
    let (output, report) = migrate(&["tests/fixtures/migrate/redirect-to-terms.js"]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let database = &report["events"][0]["comparison"];
    for side in ["rule", "action"] {
        assert_eq!(database[side]["status"], "allowed", "{side}: {database:#}");
        assert!(
            database[side]["resumed_from"]["url"]
                .as_str()
                .unwrap()
                .starts_with("https://terms.acme.example/accept?state="),
            "{side}: {database:#}"
        );
        assert_eq!(
            database[side]["metadata_updates"]["user_metadata"]["terms_accepted"], true,
            "{side}: {database:#}"
        );
    }

    // An Action that redirects but forgets what the Rule did on the way
    // back is caught, with the fix.
    let dir = tempfile::tempdir().expect("tempdir");
    let forgetful = dir.path().join("forgetful.js");
    std::fs::write(
        &forgetful,
        "exports.onExecutePostLogin = async (event, api) => {\n  if (!event.user.user_metadata.terms_accepted) api.redirect.sendUserTo('https://terms.acme.example/accept');\n};\nexports.onContinuePostLogin = async () => {};\n",
    )
    .unwrap();
    let compared = actionbox(&[
        "compare",
        "tests/fixtures/migrate/redirect-to-terms.js",
        forgetful.to_str().unwrap(),
        "--continue",
        "accepted=yes",
        "--format",
        "json",
    ]);
    assert_eq!(compared.status.code(), Some(1));
    let value = json(&compared);
    assert_eq!(value["rule"]["status"], "allowed", "{value:#}");
    assert_eq!(value["action"]["status"], "allowed", "{value:#}");
    for side in ["rule", "action"] {
        // Both went to the terms page and came back; the state Auth0 adds
        // names the script, so it is not compared.
        assert!(
            value[side]["resumed_from"]["url"]
                .as_str()
                .unwrap()
                .starts_with("https://terms.acme.example/accept?state="),
            "{value:#}"
        );
    }
    let aspects: Vec<&str> = value["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["aspect"].as_str().unwrap())
        .collect();
    assert_eq!(aspects, ["metadata_updates"], "{value:#}");
    // --stop-at-redirect compares where they redirect, and stops.
    let stopped = actionbox(&[
        "compare",
        "tests/fixtures/migrate/redirect-to-terms.js",
        forgetful.to_str().unwrap(),
        "--stop-at-redirect",
    ]);
    assert_eq!(
        stopped.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&stopped.stdout)
    );
}

#[test]
fn helpers_that_receive_user_context_and_callback_are_rewritten_as_the_rule() {
    let (output, report) = migrate(&["tests/fixtures/migrate/country-claim-in-helpers.js"]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["todos"], serde_json::json!([]), "{report:#}");
    let code = report["action"].as_str().unwrap();
    // The helpers keep their names and parameters; what they get is the
    // Action's event and the function that ends it.
    assert!(
        code.contains("addCountry(event.user, event, done);"),
        "{code}"
    );
    assert!(code.contains("return refuse(event.user, done);"), "{code}");
    assert!(
        code.contains("function addCountry(user, context, callback) {"),
        "{code}"
    );
    assert!(
        code.contains("done(api.access.deny('no logins from Portugal for ' + event.user.email));"),
        "{code}"
    );
    // Read whole, the geoip keeps the Rule's snake_case keys.
    assert!(
        code.contains("const geoip = ruleGeoip(event.request.geoip);"),
        "{code}"
    );
    assert!(
        code.contains(
            "api.idToken.setCustomClaim(namespace + 'geoip', ruleGeoip(event.request.geoip));"
        ),
        "{code}"
    );
    assert_eq!(
        verdicts(&report),
        [
            ("database login".into(), "equivalent".into()),
            // Refused from Portugal: access_denied instead of unauthorized.
            ("social login".into(), "expected_differences".into()),
            ("legacy scope login".into(), "expected_differences".into()),
        ]
    );
    let claims = report["events"][0]["comparison"]["claims"]
        .as_array()
        .unwrap();
    let claim = |name: &str| {
        claims
            .iter()
            .find(|c| c["claim"] == name)
            .unwrap_or_else(|| panic!("{name} in {claims:#?}"))
            .clone()
    };
    let geoip = claim("https://app.acme.example/geoip");
    assert_eq!(geoip["status"], "same", "{geoip:#}");
    assert_eq!(geoip["action"]["country_code"], "NZ", "{geoip:#}");
    assert_eq!(geoip["action"]["time_zone"], "Pacific/Auckland");
    assert_eq!(claim("https://app.acme.example/country")["action"], "NZ");
    let social = &report["events"][1]["comparison"];
    let denial = social["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["aspect"] == "denial")
        .expect("the denial differs only in its code");
    assert_eq!(
        denial["action"]["reason"],
        "no logins from Portugal for ana.silva@gmail.example"
    );
}

#[test]
fn multifactor_keeps_the_rules_defaults_and_provider_options() {
    let (output, report) = migrate(&["tests/fixtures/migrate/factor-per-connection.js"]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    // Rules remembered the browser unless told otherwise; Duo's keys are
    // the provider's options.
    assert!(
        code.contains("api.multifactor.enable('duo', { allowRememberBrowser: true, providerOptions: { ikey: 'DIWJ8X6AEYOR5OMC6TQ1', skey: 'duo-integration-secret', host: 'api-3f2a9c1e.duosecurity.com' } });"),
        "{code}"
    );
    assert!(
        code.contains("({ provider = 'any', allowRememberBrowser = true, ...providerOptions }) =>"),
        "{code}"
    );
    for (index, provider, remember) in [(0, "duo", true), (1, "any", false)] {
        let event = &report["events"][index];
        assert_eq!(event["verdict"], "equivalent", "{event:#}");
        let action = &event["comparison"]["action"];
        let mfa = action["mfa"].as_array().expect("the Action asks for MFA");
        assert_eq!(mfa[0]["args"][0], provider, "{action:#}");
        assert_eq!(
            mfa[0]["args"][1]["allowRememberBrowser"], remember,
            "{action:#}"
        );
    }
    let duo = &report["events"][0]["comparison"]["action"]["mfa"][0]["args"][1];
    assert_eq!(
        duo["providerOptions"]["host"],
        "api-3f2a9c1e.duosecurity.com"
    );
}

#[test]
fn an_unversioned_require_declares_the_version_the_rule_ran() {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("tempdir");
    let output = crate::common::actionbox_command()
        .args([
            "migrate",
            "tests/fixtures/migrate/unique-roles-with-lodash.js",
            "--cache-dir",
            cache.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .current_dir(repo())
        .env("npm_config_registry", &registry.url)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    // The Rules environment answered require('lodash') with 4.17.19
    // (docs/packages.md): the Action declares that, not the latest.
    assert_eq!(
        report["dependencies"],
        serde_json::json!([{ "name": "lodash", "version": "4.17.19" }])
    );
    let note = report["notes"][0]["message"].as_str().unwrap();
    assert!(note.contains("lodash@4.17.19"), "{note}");
    let roles = report["events"][0]["comparison"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["claim"] == "https://app.acme.example/roles")
        .expect("roles")
        .clone();
    assert_eq!(roles["status"], "same", "{roles:#}");
    assert_eq!(roles["action"], serde_json::json!(["customer", "member"]));
}

#[test]
fn a_metadata_key_the_rule_may_leave_undefined_is_set_only_when_defined() {
    let (output, report) = migrate(&["tests/fixtures/migrate/username-to-metadata.js"]);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    // The Rule's update sends JSON, which leaves out an undefined key: the
    // Action must not set it (nor delete it) then.
    assert!(
        code.contains("(event.user.app_metadata.username !== undefined && api.user.setAppMetadata('username', event.user.app_metadata.username))"),
        "{code}"
    );
    assert!(
        code.contains(", api.user.setAppMetadata('seen', event.user.app_metadata.seen), "),
        "a value that is never undefined needs no check: {code}"
    );
    let database = &report["events"][0];
    assert_eq!(database["verdict"], "equivalent", "{database:#}");
    // The database user has no username: only `seen` is written.
    assert_eq!(
        database["comparison"]["action"]["metadata_updates"]["app_metadata"],
        serde_json::json!({ "seen": true })
    );
}

#[test]
fn the_rules_sandbox_globals_become_requires_at_the_rules_versions() {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("tempdir");
    let output = crate::common::actionbox_command()
        .args([
            "migrate",
            "tests/fixtures/migrate/sandbox-globals.js",
            "--cache-dir",
            cache.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .current_dir(repo())
        .env("npm_config_registry", &registry.url)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let code = report["action"].as_str().unwrap();
    // `_` was lodash; `crypto` was Node's module, where an Action's global
    // crypto is the Web Crypto API.
    assert!(
        code.contains("const _ = require('lodash');\nconst crypto = require('crypto');\n\nexports.onExecutePostLogin"),
        "{code}"
    );
    assert_eq!(
        report["dependencies"],
        serde_json::json!([{ "name": "lodash", "version": "4.17.19" }])
    );
    let claims = report["events"][0]["comparison"]["claims"]
        .as_array()
        .unwrap();
    for name in [
        "https://app.acme.example/roles",
        "https://app.acme.example/email_hash",
    ] {
        let claim = claims
            .iter()
            .find(|c| c["claim"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(claim["status"], "same", "{claim:#}");
    }
    let hash = claims
        .iter()
        .find(|c| c["claim"] == "https://app.acme.example/email_hash")
        .unwrap();
    assert_eq!(hash["action"].as_str().map(str::len), Some(12), "{hash:#}");
}

/// A Rule whose package cannot be installed (the tests' registry is a
/// closed port) still gets its Action: the report says why it is not
/// proven, the Action is not written, and in a tenant the other Rules are
/// migrated and proven all the same.
#[test]
fn a_rule_whose_package_cannot_install_is_reported_not_proven_and_stops_nothing_else() {
    let rule_source = "function (user, context, callback) {\n  const pad = require('left-pad@1.3.0');\n  context.idToken['https://acme.example/padded'] = pad('7', 3, '0');\n  callback(null, user, context);\n}\n";
    let dir = tempfile::tempdir().expect("tempdir");
    let rule_path = dir.path().join("pad-claim.js");
    std::fs::write(&rule_path, rule_source).expect("write");
    let action_path = dir.path().join("pad-claim-action.js");
    // Offline with an empty cache: the package cannot be had at all.
    let cache = dir.path().join("cache");
    let cache = cache.to_str().expect("path");
    let (output, report) = migrate(&[
        rule_path.to_str().expect("path"),
        "-o",
        action_path.to_str().expect("path"),
        "--offline",
        "--cache-dir",
        cache,
    ]);
    assert_eq!(output.status.code(), Some(1), "{report}{}", stderr(&output));
    assert_eq!(report["equivalent"], false, "{report}");
    let why = report["not_proven"].as_str().expect("why it is not proven");
    assert!(why.contains("left-pad"), "{why}");
    assert!(
        report["action"]
            .as_str()
            .is_some_and(|code| code.contains("require('left-pad')")
                && code.contains("api.idToken.setCustomClaim")),
        "{report}"
    );
    assert_eq!(
        report["dependencies"],
        serde_json::json!([{ "name": "left-pad", "version": "1.3.0" }]),
        "{report}"
    );
    assert_eq!(report["written"], Value::Null);
    assert!(!action_path.exists());
    // Pretty: the Action on stdout, the reason in the report.
    let pretty = actionbox(&[
        "migrate",
        rule_path.to_str().expect("path"),
        "--offline",
        "--cache-dir",
        cache,
    ]);
    assert_eq!(pretty.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&pretty.stdout).contains("setCustomClaim"));
    assert!(
        stderr(&pretty).contains("Not proven:"),
        "{}",
        stderr(&pretty)
    );
    // No proof ran: no empty table of events.
    assert!(
        !stderr(&pretty).contains("Rule vs Action"),
        "{}",
        stderr(&pretty)
    );
    let html = actionbox(&[
        "migrate",
        rule_path.to_str().expect("path"),
        "--offline",
        "--cache-dir",
        cache,
        "--format",
        "html",
    ]);
    assert_eq!(html.status.code(), Some(1));
    let page = String::from_utf8_lossy(&html.stdout);
    assert!(
        page.contains("✖ not proven") && page.contains("lacks left-pad@1.3.0"),
        "{page}"
    );

    // In a tenant: the example's Rules plus this one.
    let tenant = dir.path().join("tenant");
    copy_tree(&repo().join("actions/tenant-example"), &tenant);
    std::fs::write(tenant.join("rules/Pad claim.js"), rule_source).expect("write");
    std::fs::write(
        tenant.join("rules/Pad claim.json"),
        r#"{ "name": "Pad claim", "script": "./Pad claim.js", "stage": "login_success", "enabled": true, "order": 9 }"#,
    )
    .expect("write");
    let (output, report) = migrate(&[
        "--tenant",
        tenant.to_str().expect("path"),
        "--offline",
        "--cache-dir",
        cache,
    ]);
    assert_eq!(output.status.code(), Some(1), "{report}{}", stderr(&output));
    let rules = report["rules"].as_array().expect("rules");
    let names: Vec<&str> = rules.iter().filter_map(|r| r["rule"].as_str()).collect();
    // The example's two enabled Rules, then this one.
    assert_eq!(
        names,
        [
            "Add roles to tokens",
            "Deny blocked email domain",
            "Pad claim"
        ]
    );
    for rule in rules {
        if rule["rule"] == "Pad claim" {
            assert!(
                rule["not_proven"]
                    .as_str()
                    .is_some_and(|why| why.contains("left-pad")),
                "{rule}"
            );
        } else {
            assert_eq!(rule["not_proven"], Value::Null, "{}", rule["rule"]);
            assert_eq!(rule["equivalent_events"], 3, "{}", rule["rule"]);
        }
    }
    assert_eq!(report["written"], Value::Null);
    // --force writes the export; the whole tenant's check cannot run
    // either, and says why.
    let out = dir.path().join("migrated");
    let (output, report) = migrate(&[
        "--tenant",
        tenant.to_str().expect("path"),
        "-o",
        out.to_str().expect("path"),
        "--force",
        "--offline",
        "--cache-dir",
        cache,
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(out.join("actions/pad-claim/code.js").is_file());
    assert!(
        report["tenant_check_not_proven"]
            .as_str()
            .is_some_and(|why| why.contains("left-pad")),
        "{}",
        report["tenant_check_not_proven"]
    );
}
