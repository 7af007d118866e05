//! The `actionbox` binary: the JSON contract, exit codes and error messages.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

#[test]
fn the_readme_example_records_the_connection_claim() {
    let output = actionbox(&[
        "run",
        "actions/add-connection.js",
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcome = json(&output);
    assert_eq!(outcome["status"], "allowed");
    assert_eq!(outcome["error"], Value::Null);
    let command = &outcome["commands"][0];
    assert_eq!(command["script"], "add-connection.js");
    assert_eq!(command["call"], "idToken.setCustomClaim");
    assert_eq!(command["args"][0], "https://app.acme.example/connection");
    assert_eq!(command["args"][1], "Username-Password-Authentication");
    // The contract's fields are all present.
    for field in [
        "id_token",
        "access_token",
        "dropped_claims",
        "commands",
        "logs",
        "user",
        "error",
        "timings_us",
    ] {
        assert!(outcome.get(field).is_some(), "missing {field}");
    }
    assert!(outcome["timings_us"]["total"].as_u64().is_some());
}

#[test]
fn a_failing_script_exits_1_with_its_message() {
    let output = actionbox(&[
        "run",
        "tests/fixtures/actions/throws.js",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let outcome = json(&output);
    assert_eq!(outcome["status"], "failed");
    assert_eq!(outcome["error"]["kind"], "exception");
    assert_eq!(outcome["error"]["message"], "the CRM is down");
    assert_eq!(outcome["error"]["script"], "throws.js");
}

#[test]
fn a_syntax_error_exits_2_naming_file_line_and_column() {
    let output = actionbox(&["run", "tests/fixtures/actions/syntax-error.js"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("tests/fixtures/actions/syntax-error.js:4:30: SyntaxError:"),
        "{message}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let missing = actionbox(&["run", "actions/no-such-action.js"]);
    assert_eq!(missing.status.code(), Some(2));
    // The cause once, not once more as its source.
    assert_eq!(
        stderr(&missing),
        "actionbox: error: actions/no-such-action.js: No such file or directory (os error 2)\n"
    );

    let bad_event = actionbox(&[
        "run",
        "actions/add-connection.js",
        "--event",
        "tests/fixtures/actions/throws.js",
    ]);
    assert_eq!(bad_event.status.code(), Some(2));
    assert_eq!(
        stderr(&bad_event),
        "actionbox: error: tests/fixtures/actions/throws.js: invalid JSON: expected value at line 1 column 1\n"
    );

    let not_a_script = actionbox(&["run", "actions/events/post-login-database.json"]);
    assert_eq!(not_a_script.status.code(), Some(2));
    assert!(
        stderr(&not_a_script).contains("cannot tell what this script is"),
        "{}",
        stderr(&not_a_script)
    );

    let bad_timeout = actionbox(&["run", "actions/add-connection.js", "--timeout", "soon"]);
    assert_eq!(bad_timeout.status.code(), Some(2));
    assert!(
        stderr(&bad_timeout).contains("'soon' is not a duration"),
        "{}",
        stderr(&bad_timeout)
    );
}

#[test]
fn secrets_never_appear_in_any_output() {
    let secret = "sk_test_do_not_print_me";
    for format in ["json", "pretty"] {
        let output = actionbox(&[
            "run",
            "tests/fixtures/actions/leaks-secrets.js",
            "--event",
            "actions/events/post-login-database.json",
            "--format",
            format,
        ]);
        assert_eq!(output.status.code(), Some(1));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&output)
        );
        assert!(
            !all.contains(secret),
            "{format} output leaks the secret:\n{all}"
        );
        assert!(all.contains("[redacted]"), "{format}: {all}");
    }
}

/// A secret in a token is not hidden: the token is shown as Auth0 would
/// issue it, and a `secret_in_token` warning names the claim, the token and
/// the secret, never its value. Logs still mask it.
#[test]
fn a_secret_in_a_token_is_a_warning_and_the_token_is_unchanged() {
    let secret = "sk_test_do_not_print_me";
    let output = actionbox(&[
        "run",
        "tests/fixtures/actions/secret-in-claim.js",
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcome = json(&output);
    let id = &outcome["id_token"];
    assert_eq!(
        id["payload"]["https://app.acme.example/crm"],
        format!("Bearer {secret}")
    );
    let jwt = id["jwt"].as_str().expect("the compact JWT is there");
    let payload = jwt.split('.').nth(1).expect("payload segment");
    let decoded: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .expect("base64url"),
    )
    .expect("json");
    assert_eq!(decoded, id["payload"]);
    let warning = outcome["warnings"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["code"] == "secret_in_token"))
        .unwrap_or_else(|| panic!("no secret_in_token warning: {}", outcome["warnings"]));
    assert_eq!(
        warning["message"],
        "the id token claim 'https://app.acme.example/crm' holds the Action secret CRM_API_KEY: \
         Auth0 would issue it to the application as it is"
    );
    assert_eq!(
        outcome["logs"][0]["message"],
        "calling the CRM with [redacted]"
    );

    let pretty = actionbox(&[
        "run",
        "tests/fixtures/actions/secret-in-claim.js",
        "--event",
        "actions/events/post-login-database.json",
    ]);
    let text = String::from_utf8_lossy(&pretty.stdout);
    assert!(
        text.contains("secret_in_token: the id token claim 'https://app.acme.example/crm'"),
        "{text}"
    );
    assert!(text.contains(&format!("\"Bearer {secret}\"")), "{text}");
    assert!(text.contains("calling the CRM with [redacted]"), "{text}");
}

#[test]
fn pretty_output_puts_the_status_first_and_has_no_colour_when_piped() {
    let output = actionbox(&[
        "run",
        "actions/deny-unverified-email.js",
        "--event",
        "actions/events/post-login-database.json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("✔ allowed"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "escape codes in piped output: {text:?}"
    );
    assert!(text.contains("Logs"), "{text}");
}

#[test]
fn jwks_prints_the_configured_key_and_verify_checks_tokens_with_it() {
    let jwks = actionbox(&["jwks", "--settings", "tests/fixtures/tenant/actionbox.json"]);
    assert_eq!(jwks.status.code(), Some(0), "{}", stderr(&jwks));
    let set = json(&jwks);
    assert_eq!(set["keys"][0]["kid"], "acme-test-1");
    assert_eq!(set["keys"][0]["kty"], "RSA");

    let run = actionbox(&[
        "run",
        "actions/add-connection.js",
        "--event",
        "actions/events/post-login-database.json",
        "--settings",
        "tests/fixtures/tenant/actionbox.json",
        "--format",
        "json",
    ]);
    let outcome = json(&run);
    let jwt = outcome["id_token"]["jwt"]
        .as_str()
        .expect("jwt")
        .to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let jwks_file = dir.path().join("jwks.json");
    std::fs::write(&jwks_file, &jwks.stdout).expect("write");
    let jwks_path = jwks_file.to_str().expect("utf-8 path");

    let ok = actionbox(&[
        "verify",
        &jwt,
        "--jwks",
        jwks_path,
        "--now",
        "2026-11-26T10:00:00Z",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.contains("signature valid, not expired"), "{text}");
    assert!(
        text.contains(
            "\"https://app.acme.example/connection\": \"Username-Password-Authentication\""
        ),
        "{text}"
    );

    // The run's own JSON output works as the JWKS too.
    let run_file = dir.path().join("run.json");
    std::fs::write(&run_file, &run.stdout).expect("write");
    let again = actionbox(&[
        "verify",
        &jwt,
        "--jwks",
        run_file.to_str().expect("path"),
        "--now",
        "2026-11-26T10:00:00Z",
    ]);
    assert_eq!(again.status.code(), Some(0));

    let expired = actionbox(&[
        "verify",
        &jwt,
        "--jwks",
        jwks_path,
        "--now",
        "2026-12-01T00:00:00Z",
    ]);
    assert_eq!(expired.status.code(), Some(1));
    let mut tampered = jwt.clone();
    tampered.pop();
    tampered.push(if jwt.ends_with('A') { 'B' } else { 'A' });
    let bad = actionbox(&["verify", &tampered, "--jwks", jwks_path]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("signature invalid"));
}

#[test]
fn jwks_new_key_writes_a_key_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("key.pem");
    let path = path.to_str().expect("utf-8");
    let created = actionbox(&["jwks", "--new-key", path]);
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let pem = std::fs::read_to_string(path).expect("pem");
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    // The printed JWKS is the public half of the key written.
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(json(&created)).expect("a JWKS");
    let [jwk] = set.keys.as_slice() else {
        panic!("one key: {set:?}")
    };
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &serde_json::json!({ "sub": "auth0|1", "exp": 4_000_000_000u64 }),
        &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).expect("an RSA key"),
    )
    .expect("sign");
    jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).expect("key"),
        &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256),
    )
    .expect("verifies with the printed JWKS");
    let again = actionbox(&["jwks", "--new-key", path]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("already exists"));
}

#[test]
fn the_custom_claims_flag_overrides_the_tenant_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("plain-claim.js");
    std::fs::write(
        &script,
        "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('connection', event.connection.name); };",
    )
    .expect("write");
    let run = |mode: &str| {
        json(&actionbox(&[
            "run",
            script.to_str().expect("path"),
            "--custom-claims",
            mode,
            "--format",
            "json",
        ]))
    };
    assert_eq!(
        run("current")["id_token"]["payload"]["connection"],
        "Username-Password-Authentication"
    );
    let legacy = run("legacy");
    assert_eq!(legacy["id_token"]["payload"]["connection"], Value::Null);
    assert_eq!(legacy["dropped_claims"][0]["reason"], "not_namespaced");
}

#[test]
fn verify_checks_hs256_tokens_with_a_secret() {
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({ "sub": "auth0|1", "exp": 4_000_000_000u64 }),
        &jsonwebtoken::EncodingKey::from_secret(b"shared-secret"),
    )
    .expect("sign");
    assert_eq!(
        actionbox(&["verify", &token, "--secret", "shared-secret"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        actionbox(&["verify", &token, "--secret", "wrong"])
            .status
            .code(),
        Some(1)
    );
    let usage = actionbox(&["verify", &token]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("pass --secret"));

    // A generated base64url secret may begin with '-', as `run`'s hint prints it.
    let hyphen_secret = "-Yq3_secret-made-of-base64url";
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({ "sub": "auth0|1", "exp": 4_000_000_000u64 }),
        &jsonwebtoken::EncodingKey::from_secret(hyphen_secret.as_bytes()),
    )
    .expect("sign");
    let verified = actionbox(&["verify", &token, "--secret", hyphen_secret]);
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
}

#[test]
fn the_motivating_rule_with_and_without_a_legacy_client() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "actions/rules/add-connection-to-user.js",
            "--event",
            "actions/events/post-login-social-legacy-scope.json",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let output = actionbox(&args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        json(&output)
    };
    let legacy = run(&["--legacy-client"]);
    assert_eq!(legacy["id_token"]["payload"]["connection"], "google-oauth2");
    let conformant = run(&[]);
    assert_eq!(conformant["id_token"]["payload"]["connection"], Value::Null);
    assert_eq!(conformant["dropped_claims"][0]["claim"], "connection");
    assert_eq!(
        conformant["dropped_claims"][0]["reason"],
        "legacy_scope_ignored"
    );
}

#[test]
fn rules_and_actions_given_together_run_rules_first() {
    let output = actionbox(&[
        "run",
        "actions/add-connection.js",
        "actions/rules/add-roles-claim.js",
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcome = json(&output);
    assert_eq!(
        outcome["scripts"],
        serde_json::json!(["add-roles-claim.js", "add-connection.js"])
    );
    assert_eq!(
        outcome["id_token"]["payload"]["https://app.acme.example/roles"],
        serde_json::json!(["customer"])
    );
    assert_eq!(
        outcome["commands"][0]["origin"],
        "context.idToken['https://app.acme.example/roles']"
    );
}

#[test]
fn continue_resumes_a_redirected_login_at_its_continue_handler() {
    let script = fixture("actions/verify-then-continue.js");
    let event = example("events/post-login-database.json");
    let first = actionbox(&[
        "run",
        script.to_str().expect("path"),
        "--event",
        event.to_str().expect("path"),
        "--format",
        "json",
    ]);
    let first = json(&first);
    assert_eq!(first["status"], "redirected");
    let state = first["redirect"]["state"]
        .as_str()
        .expect("state")
        .to_string();
    assert!(
        first["redirect"]["url"]
            .as_str()
            .expect("url")
            .ends_with(&format!("&state={state}"))
    );

    let output = actionbox(&[
        "run",
        script.to_str().expect("path"),
        "--event",
        event.to_str().expect("path"),
        "--continue",
        "result=ok",
        "--format",
        "json",
    ]);
    let outcome = json(&output);
    assert_eq!(outcome["status"], "allowed");
    assert_eq!(outcome["resumed_from"]["state"], state.as_str());
    assert_eq!(
        outcome["logs"][0]["message"],
        format!("continued with result=ok state={state}")
    );
    let payload = &outcome["id_token"]["payload"];
    // Claims set before the redirect persist; the token answers the
    // original request (its nonce), not the /continue request.
    assert_eq!(payload["https://acme.example/step"], "before-redirect");
    assert_eq!(payload["https://acme.example/verified"], true);
    assert_eq!(payload["nonce"], "n-0S6_WzA2Mj");

    let denied = json(&actionbox(&[
        "run",
        script.to_str().expect("path"),
        "--event",
        event.to_str().expect("path"),
        "--continue",
        "result=no",
        "--format",
        "json",
    ]));
    assert_eq!(denied["status"], "denied");

    let not_redirected = actionbox(&[
        "run",
        example("add-connection.js").to_str().expect("path"),
        "--continue",
        "x=1",
    ]);
    assert_eq!(not_redirected.status.code(), Some(2));
    assert!(
        stderr(&not_redirected).contains("the login did not redirect (it ended allowed)"),
        "{}",
        stderr(&not_redirected)
    );
}

#[test]
fn an_event_that_is_not_an_object_is_an_input_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("event.json");
    std::fs::write(&path, "42").expect("write");
    let output = actionbox(&[
        "run",
        "actions/add-connection.js",
        "--event",
        path.to_str().expect("path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("the event must be a JSON object"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("not a number"),
        "{}",
        stderr(&output)
    );
}

fn run_with_cache_dir(cache: &Path, format: &str) -> std::process::Output {
    crate::common::actionbox_command()
        .args(["run", "actions/add-connection.js", "--format", format])
        .current_dir(repo())
        .env("ACTIONBOX_CACHE_DIR", cache)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

#[test]
fn runs_without_a_key_share_the_users_development_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cache = dir.path().join("cache");
    let first = json(&run_with_cache_dir(&cache, "json"));
    let second = json(&run_with_cache_dir(&cache, "json"));
    let key_file = cache.join("dev-signing-key.pem");
    assert_eq!(first["signing_key"]["origin"], "development");
    assert_eq!(
        first["signing_key"]["path"],
        key_file.to_str().expect("utf-8 path")
    );
    assert_eq!(first["signing_key"], second["signing_key"]);
    assert_eq!(first["jwks"], second["jwks"]);
    let kid = &first["id_token"]["header"]["kid"];
    assert_eq!(kid, &first["signing_key"]["kid"]);
    assert_eq!(kid, &second["id_token"]["header"]["kid"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by others: {mode:o}");
    }
    let pretty = run_with_cache_dir(&cache, "pretty");
    let text = String::from_utf8_lossy(&pretty.stdout);
    assert!(
        text.contains("signed with your development key") && text.contains("dev-signing-key.pem"),
        "{text}"
    );
}

#[test]
fn without_a_usable_cache_directory_a_run_signs_with_a_key_of_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A file where the cache directory should be: nothing can be kept.
    let cache = dir.path().join("not-a-directory");
    std::fs::write(&cache, "x").expect("write");
    let first = json(&run_with_cache_dir(&cache, "json"));
    let second = json(&run_with_cache_dir(&cache, "json"));
    assert_eq!(first["signing_key"]["origin"], "generated");
    assert_ne!(first["signing_key"]["kid"], second["signing_key"]["kid"]);
    assert_eq!(first["status"], "allowed");
}

/// `--continue` replays what the scripts did before the redirect as they
/// did it: a claim holding an Action secret keeps the secret in the token
/// (a warning says so), while the printed commands mask it.
#[test]
fn continue_replays_a_secret_claim_set_before_the_redirect_unmasked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = dir.path().join("settings.json");
    std::fs::write(
        &settings,
        r#"{ "secrets": { "partner-link": { "PARTNER_KEY": "pk_live_5a9e31c7d2" } } }"#,
    )
    .expect("write");
    let script = fixture("serve").join("partner-link.js");
    let outcome = json(&actionbox(&[
        "run",
        script.to_str().expect("path"),
        "--settings",
        settings.to_str().expect("path"),
        "--continue",
        "linked=yes",
        "--format",
        "json",
    ]));
    assert_eq!(outcome["status"], "allowed", "{outcome}");
    assert_eq!(
        outcome["id_token"]["payload"]["https://acme.example/partner_key"],
        "pk_live_5a9e31c7d2"
    );
    assert!(outcome["warnings"].to_string().contains("secret_in_token"));
    assert_eq!(
        outcome["resumed_from"]["url"]
            .as_str()
            .expect("url")
            .split('&')
            .next(),
        Some("https://partner.test/link?key=[redacted]")
    );
    assert!(
        !outcome["commands"]
            .to_string()
            .contains("pk_live_5a9e31c7d2"),
        "{}",
        outcome["commands"]
    );
}

#[test]
fn a_rendered_form_suspends_the_login_and_resumes_with_its_fields() {
    // Auth0 "Render Forms using Actions": api.prompt.render shows the form,
    // and onContinuePostLogin runs with event.prompt once it is submitted.
    let script = fixture("actions/render-form.js");
    let event = example("events/post-login-database.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            script.to_str().expect("path"),
            "--event",
            event.to_str().expect("path"),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let output = actionbox(&args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        json(&output)
    };
    let first = run(&[]);
    assert_eq!(first["status"], "redirected", "never allowed with tokens");
    assert!(first["id_token"].is_null() && first["access_token"].is_null());
    let redirect = &first["redirect"];
    assert_eq!(redirect["prompt"]["id"], "ap_company01");
    assert_eq!(redirect["prompt"]["fields"]["company"], "Acme?");
    let state = redirect["state"].as_str().expect("state");
    assert_eq!(
        redirect["url"],
        format!("https://acme-dev.us.auth0.com/u/forms/ap_company01?state={state}")
    );

    let resumed = run(&["--continue-body", "company=Acme+Corp", "--continue", ""]);
    assert_eq!(resumed["status"], "allowed", "{resumed:#}");
    assert_eq!(
        resumed["logs"][0]["message"],
        "form ap_company01 {\"company\":\"Acme Corp\"} pro"
    );
    assert_eq!(
        resumed["id_token"]["payload"]["https://app.acme.example/company"],
        "Acme Corp"
    );
    assert_eq!(
        resumed["metadata_updates"]["user_metadata"]["company"],
        "Acme Corp"
    );
}

#[test]
fn a_form_in_a_password_grant_fails_with_interaction_required() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(example("events/post-login-database.json")).expect("event"),
    )
    .expect("json");
    event["transaction"]["protocol"] = "oauth2-password".into();
    let path = dir.path().join("password-grant.json");
    std::fs::write(&path, event.to_string()).expect("write");
    let output = actionbox(&[
        "run",
        fixture("actions/render-form.js").to_str().expect("path"),
        "--event",
        path.to_str().expect("path"),
        "--format",
        "json",
    ]);
    let outcome = json(&output);
    assert_eq!(outcome["status"], "denied");
    assert_eq!(outcome["oauth_error"]["error"], "interaction_required");
    assert_eq!(outcome["denial"]["via"], "api.prompt.render");
}

#[test]
fn a_short_secret_with_a_space_is_masked_when_logged_beside_another_argument() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("log-pin.js");
    std::fs::write(
        &script,
        "exports.onExecutePostLogin = async (event) => { console.log('pin', event.secrets.PIN); console.log('pin=' + event.secrets.PIN + '!'); };",
    )
    .expect("script");
    let event = dir.path().join("event.json");
    std::fs::write(&event, r#"{"secrets":{"PIN":"12 34"}}"#).expect("event");
    let output = actionbox(&[
        "run",
        script.to_str().expect("path"),
        "--event",
        event.to_str().expect("path"),
        "--format",
        "json",
    ]);
    let outcome = json(&output);
    let logs: Vec<&str> = outcome["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter_map(|l| l["message"].as_str())
        .collect();
    // Joined by console.log, the value stands alone; glued into other text
    // it is left as it is, as every short value is (docs/behaviour.md).
    assert_eq!(logs, ["pin [redacted]", "pin=12 34!"]);
}
