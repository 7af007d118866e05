//! Bad input on the command line and through the library: every input read
//! with a size limit, event fixtures checked against the shape Auth0 sends,
//! never a panic (docs/inputs.md).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use actionbox::{Flow, Runner, Script, Trigger};
use serde_json::json;

use crate::common::{actionbox, copy_tree, event, example, stderr, test_limits};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8 path").to_string()
}

/// Exit 2 (an input error, not a panic's 101) with `needle` on stderr.
fn refused(args: &[&str], needle: &str) {
    let output = actionbox(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}\n{message}");
    assert!(message.contains(needle), "{args:?}\n{message}");
    assert!(!message.contains("panicked"), "{args:?}\n{message}");
}

#[test]
fn a_user_that_is_not_an_object_is_an_input_error_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, user) in ["\"jane\"", "5", "[]", "true"].into_iter().enumerate() {
        let file = write(
            dir.path(),
            &format!("e{i}.json"),
            &format!("{{\"user\": {user}}}"),
        );
        let expected = "user: Auth0 sends an object, not";
        refused(
            &["run", "actions/add-connection.js", "--event", &file],
            expected,
        );
        refused(
            &["run", "actions/rules/add-roles-claim.js", "--event", &file],
            expected,
        );
        refused(
            &[
                "run",
                "actions/deny-disposable-signups.js",
                "--event",
                &file,
            ],
            expected,
        );
        refused(
            &["run", "actions/password-reset-mfa.js", "--event", &file],
            expected,
        );
        refused(
            &[
                "compare",
                "actions/rules/add-roles-claim.js",
                "actions/add-roles-claim.js",
                "--event",
                &file,
            ],
            expected,
        );
        refused(
            &[
                "bench",
                "actions/add-connection.js",
                "--iterations",
                "1",
                "--warmup",
                "0",
                "--event",
                &file,
            ],
            expected,
        );
    }
}

#[test]
fn the_library_refuses_a_user_that_is_not_an_object_for_every_trigger() {
    let program = env!("CARGO_BIN_EXE_actionbox");
    for runner in [Runner::with_threads(1), Runner::with_workers(program, 1)] {
        for trigger in Trigger::ALL {
            let source = format!("exports.{} = async () => {{}};", trigger.handler());
            let action = Script::from_source("a.js", source).expect("script");
            for user in [json!("jane"), json!(5), json!([]), json!(true)] {
                let flow = Flow::new(trigger, vec![action.clone()])
                    .with_limits(test_limits())
                    .with_event(json!({ "user": user }));
                let error = runner.run(&flow).expect_err("refused");
                assert!(
                    error.to_string().contains("user: Auth0 sends an object"),
                    "{trigger}: {error}"
                );
            }
        }
    }
}

#[test]
fn wrongly_typed_event_fields_are_refused_all_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "scopes.json",
        r#"{"transaction": {"requested_scopes": "openid profile"}, "stats": {"logins_count": "3"}}"#,
    );
    let output = actionbox(&["run", "actions/add-connection.js", "--event", &file]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("scopes.json: the post-login event does not have the shape Auth0 sends"),
        "{message}"
    );
    assert!(
        message.contains(
            "transaction.requested_scopes: Auth0 sends an array of strings, not a string (\"openid profile\")"
        ),
        "{message}"
    );
    assert!(
        message.contains("stats.logins_count: Auth0 sends a number, not a string"),
        "{message}"
    );
}

#[test]
fn rules_names_in_an_event_are_warned_about_with_the_action_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "rules-shaped.json",
        r#"{"clientID": "abc", "user": {"logins_count": 4, "last_ip": "1.2.3.4"}}"#,
    );
    let output = actionbox(&["run", "actions/add-connection.js", "--event", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("rules-shaped.json: `clientID` is not a field of the post-login event")
            && message.contains("event.client.client_id"),
        "{message}"
    );
    assert!(
        message.contains("`user.logins_count`") && message.contains("event.stats.logins_count"),
        "{message}"
    );
    assert!(
        message.contains("`user.last_ip`") && message.contains("Actions have no equivalent"),
        "{message}"
    );
}

#[test]
fn endless_inputs_are_refused_at_their_size_limit() {
    refused(
        &["run", "actions/add-connection.js", "--event", "/dev/zero"],
        "/dev/zero: too large for an event: over 1 MiB",
    );
    refused(
        &["run", "/dev/zero"],
        "/dev/zero: too large for a script: over 100 KiB",
    );
    refused(
        &[
            "run",
            "actions/add-connection.js",
            "--settings",
            "/dev/zero",
        ],
        "/dev/zero: too large for a settings file",
    );
    refused(
        &[
            "run",
            "actions/add-connection.js",
            "--http-mock",
            "/dev/zero",
        ],
        "/dev/zero: too large for a mock file",
    );
    refused(
        &[
            "compare",
            "actions/rules/add-roles-claim.js",
            "actions/add-roles-claim.js",
            "--event",
            "/dev/zero",
        ],
        "too large for an event",
    );
}

#[test]
fn an_action_over_auth0s_100_kb_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let padding = "// padding\n".repeat(10_000);
    let file = write(
        dir.path(),
        "big.js",
        &format!("exports.onExecutePostLogin = async () => {{}};\n{padding}"),
    );
    refused(&["run", &file], "big.js: too large for a script");
}

#[test]
fn the_event_can_come_from_standard_input() {
    let text = serde_json::to_string(&event("post-login-database.json")).expect("json");
    let mut child = crate::common::actionbox_command()
        .args(["run", "--format", "json", "--event", "-"])
        .arg(example("add-connection.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcome = crate::common::json(&output);
    assert_eq!(outcome["status"], "allowed");
    assert_eq!(outcome["commands"][0]["call"], "idToken.setCustomClaim");
}

#[test]
fn durations_and_sizes_out_of_bounds_are_usage_errors() {
    let script = "actions/add-connection.js";
    for command in [
        vec!["run", script],
        vec![
            "compare",
            "actions/rules/add-roles-claim.js",
            "actions/add-roles-claim.js",
        ],
        vec!["bench", script, "--iterations", "1"],
    ] {
        let with = |extra: &[&'static str]| -> Vec<&'static str> {
            command.iter().chain(extra).copied().collect()
        };
        refused(
            &with(&["--timeout", "10000000000000000000s"]),
            "is more than the most actionbox allows, 5m",
        );
        refused(
            &with(&["--timeout", "0s"]),
            "the timeout must be above zero",
        );
        refused(
            &with(&["--memory", "3GiB"]),
            "more than actionbox can honour, 1GiB per execution",
        );
    }
    refused(
        &["bench", script, "--iterations", "0"],
        "'0' for '--iterations <N>'",
    );
    refused(
        &["bench", script, "--duration", "0s"],
        "a duration of 0 measures nothing",
    );
    refused(
        &["bench", script, "--concurrency", "10000"],
        "10000 is not in 1..=256",
    );
}

#[test]
fn the_library_refuses_limits_it_cannot_honour() {
    let program = env!("CARGO_BIN_EXE_actionbox");
    let action = Script::from_file(example("add-connection.js")).expect("script");
    for runner in [Runner::with_threads(1), Runner::with_workers(program, 1)] {
        for (limits, expected) in [
            (
                actionbox::Limits {
                    timeout: std::time::Duration::MAX,
                    ..test_limits()
                },
                "more than the most actionbox allows",
            ),
            (
                actionbox::Limits {
                    timeout: std::time::Duration::ZERO,
                    ..test_limits()
                },
                "above zero",
            ),
            (
                actionbox::Limits {
                    memory_bytes: 3 << 30,
                    ..test_limits()
                },
                "more than actionbox can honour",
            ),
        ] {
            let flow = Flow::post_login(vec![action.clone()]).with_limits(limits);
            let error = runner.run(&flow).expect_err("refused");
            assert!(error.to_string().contains(expected), "{error}");
        }
    }
}

#[test]
fn bench_counts_the_wait_for_a_worker_apart_from_the_latency() {
    use actionbox::bench::{BenchConfig, bench};
    let action = Script::from_file(example("add-connection.js")).expect("script");
    let flow = Flow::post_login(vec![action]).with_limits(test_limits());
    let runner = Runner::with_threads(1);
    for concurrency in [0, 257] {
        let config = BenchConfig {
            concurrency,
            ..BenchConfig::default()
        };
        let error = bench(&runner, &flow, &config, &|_, _| {}).expect_err("refused");
        assert!(
            error.to_string().contains("not between 1 and 256"),
            "{error}"
        );
    }
    // Eight executions in flight on one thread: seven wait for it each
    // time, and that wait is not execution latency.
    let config = BenchConfig {
        iterations: Some(24),
        warmup: 0,
        concurrency: 8,
        ..BenchConfig::default()
    };
    let report = bench(&runner, &flow, &config, &|_, _| {}).expect("bench");
    assert_eq!(report.executions, 24);
    assert_eq!(report.failed, 0, "{:?}", report.first_error);
    assert!(report.queued_us.max > 0, "{report:?}");
    assert!(!report.interrupted);
}

#[test]
fn ctrl_c_stops_bench_and_prints_what_was_measured() {
    let child = crate::common::actionbox_command()
        .args([
            "bench",
            "--duration",
            "50m",
            "--warmup",
            "0",
            "--format",
            "json",
        ])
        .arg(example("add-connection.js"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Its worker processes exist once it is measuring (the handler is
    // installed before anything runs).
    let pid = child.id();
    while actionbox::bench::children(pid).is_empty() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill only sends a signal to the child this test started.
    let sent = unsafe { libc::kill(pid as i32, libc::SIGINT) };
    assert_eq!(sent, 0);
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let report = crate::common::json(&output);
    assert_eq!(report["report"]["interrupted"], true);
    assert!(report["report"]["executions"].is_u64(), "{report}");
}

#[test]
fn the_library_refuses_an_event_over_the_size_limit_as_an_input_error() {
    let action = Script::from_file(example("add-connection.js")).expect("script");
    let blob = "x".repeat(2 << 20);
    let flow = Flow::post_login(vec![action])
        .with_limits(test_limits())
        .with_event(json!({ "user": { "app_metadata": { "blob": blob } } }));
    let error = Runner::with_threads(1).run(&flow).expect_err("refused");
    let message = error.to_string();
    assert!(
        message.contains("more than the 1 MiB actionbox accepts"),
        "{message}"
    );
    assert!(!message.contains("add-connection.js"), "{message}");
}

#[test]
fn settings_must_have_the_documented_shape_and_bounds() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, expected) in [
        (
            r#"["evil.example", "legacy"]"#,
            "the file must be a JSON object, not an array",
        ),
        (
            r#"{"domain": "https://x.example/"}"#,
            "domain: \"https://x.example/\" is a URL",
        ),
        (r#"{"domain": ""}"#, "domain: \"\" is empty"),
        (
            r#"{"clients": [{"client_id": "a", "id_token_lifetime": 18446744073709551615}]}"#,
            "clients[0].id_token_lifetime: 18446744073709551615 is not a token lifetime Auth0 accepts: from 1 to 2592000 seconds",
        ),
        (
            r#"{"apis": [{"identifier": "https://api", "token_lifetime": 2592001}]}"#,
            "apis[0].token_lifetime: 2592001 is not a token lifetime",
        ),
        (
            r#"{"clients": [["a"]]}"#,
            "`clients[0]` must be a JSON object",
        ),
        (
            r#"{"signing": ["RS256"]}"#,
            "`signing` must be a JSON object",
        ),
        (
            r#"{"clients": [{"client_id": "a", "id_token_lifetime": -1}]}"#,
            "clients[0].id_token_lifetime: invalid value: integer `-1`, expected a whole number of 0 or more",
        ),
        (r#"{"domian": "x.example"}"#, "unknown field `domian`"),
    ] {
        let file = write(dir.path(), "settings.json", text);
        let output = actionbox(&["run", "actions/add-connection.js", "--settings", &file]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}\n{message}");
        assert!(message.contains(expected), "{text}\n{message}");
        assert!(!message.contains("invalid JSON"), "{text}\n{message}");
        for rust in ["u64", "struct ", "sequence", "ClientSettings"] {
            assert!(!message.contains(rust), "{text}\n{message}");
        }
    }
}

#[test]
fn a_mock_file_is_an_array_of_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (text, expected) in [
        (
            r#"{"url": "https://x"}"#,
            "a mock file is a JSON array of mocks",
        ),
        (
            r#"[["GET", "https://x"]]"#,
            "`[0]` must be a JSON object, not an array",
        ),
        (
            r#"[{"url": "https://x", "response": [200]}]"#,
            "`[0].response` must be a JSON object",
        ),
        (
            r#"[{"url": "https://x", "respons": {}}]"#,
            "unknown field `respons`",
        ),
    ] {
        let file = write(dir.path(), "mocks.json", text);
        refused(
            &["run", "actions/add-connection.js", "--http-mock", &file],
            expected,
        );
    }
}

#[test]
fn now_accepts_rfc_3339_with_offsets_and_lowercase_and_refuses_bare_numbers() {
    for (now, iat) in [
        ("2026-11-26T09:15:00Z", 1_795_684_500),
        ("2026-11-26t09:15:00z", 1_795_684_500),
        ("2026-11-26T09:15:00+14:00", 1_795_634_100),
        ("2026-11-26T04:15:00-05:00", 1_795_684_500),
    ] {
        let output = actionbox(&[
            "run",
            "actions/add-connection.js",
            "--now",
            now,
            "--format",
            "json",
        ]);
        assert_eq!(output.status.code(), Some(0), "{now}: {}", stderr(&output));
        let outcome = crate::common::json(&output);
        assert_eq!(outcome["id_token"]["payload"]["iat"], iat, "{now}");
    }
    refused(
        &["run", "actions/add-connection.js", "--now", "1795684500"],
        "is a number; give an RFC 3339 time",
    );
    refused(
        &["run", "actions/add-connection.js", "--now", "2026-11-26"],
        "is not an RFC 3339 time",
    );
}

#[test]
fn tenant_options_that_would_be_ignored_are_refused_or_warned_about() {
    refused(
        &[
            "compare",
            "actions/rules/add-roles-claim.js",
            "actions/add-roles-claim.js",
            "--tenant",
            "actions/tenant-example",
        ],
        "compares the tenant's own Rules and Actions: give no script files with it",
    );
    refused(
        &[
            "tenant",
            "actions/tenant-example",
            "--tenant",
            "tests/fixtures/tenants/yaml",
        ],
        "two tenant folders",
    );
    let no_trigger = actionbox(&["run", "--tenant", "actions/tenant-example"]);
    assert!(
        stderr(&no_trigger).contains("no --trigger: running the tenant's post-login flow"),
        "{}",
        stderr(&no_trigger)
    );
    let nothing_bound = actionbox(&[
        "run",
        "--tenant",
        "actions/tenant-example",
        "--trigger",
        "send-phone-message",
    ]);
    assert!(
        stderr(&nothing_bound)
            .contains("the tenant binds nothing to send-phone-message: no script runs"),
        "{}",
        stderr(&nothing_bound)
    );
}

#[test]
fn compare_suggests_only_fields_an_action_event_has() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = write(
        dir.path(),
        "rule.js",
        r#"function (user, context, callback) {
  context.idToken['https://x.example/logins'] = user.logins_count;
  context.idToken['https://x.example/client'] = user.clientID;
  context.idToken['https://x.example/last_login'] = user.last_login;
  callback(null, user, context);
}"#,
    );
    let action = write(
        dir.path(),
        "action.js",
        r#"exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://x.example/logins', event.user.logins_count);
  api.idToken.setCustomClaim('https://x.example/client', event.user.clientID);
  api.idToken.setCustomClaim('https://x.example/last_login', event.user.last_login);
};"#,
    );
    let fixture = json!({ "user": { "user_id": "auth0|1" }, "stats": { "logins_count": 7 } });
    let event_file = write(dir.path(), "event.json", &fixture.to_string());
    let output = actionbox(&[
        "compare",
        &rule,
        &action,
        "--event",
        &event_file,
        "--format",
        "json",
    ]);
    let comparison = crate::common::json(&output);
    let event = actionbox::event::build(Trigger::PostLogin, Some(&fixture));
    let explanations = comparison["explanations"].as_array().expect("explanations");
    assert_eq!(explanations.len(), 3, "{comparison}");
    for explanation in explanations {
        let fix = explanation["fix"].as_str().expect("fix");
        match fix.strip_prefix("Read event.") {
            Some(rest) => {
                let field = rest.split([' ', ',']).next().expect("field");
                let pointer = format!("/{}", field.trim_end_matches('.').replace('.', "/"));
                assert!(
                    event.pointer(&pointer).is_some(),
                    "{fix} names a field the event lacks"
                );
                assert!(!field.starts_with("user.logins_count"), "{fix}");
            }
            None => {
                assert!(
                    fix.starts_with("There is no field to read in the Action"),
                    "{fix}"
                );
            }
        }
    }
}

/// A copy of the example tenant to break one file of.
fn tenant_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = crate::common::repo().join("actions/tenant-example");
    copy_tree(&from, dir.path());
    dir
}

/// Rewrites one JSON file of a tenant copy.
fn edit_json(root: &Path, file: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = root.join(file);
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    edit(&mut value);
    std::fs::write(&path, value.to_string()).expect("write");
}

#[test]
fn every_file_of_a_tenant_folder_is_checked_against_its_shape() {
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, Vec<&str>)> = vec![
        (
            "rules/Add roles to tokens.json",
            Box::new(|v| {
                let enabled = v["enabled"].take();
                v.as_object_mut().expect("object").remove("enabled");
                v["enbled"] = enabled;
            }),
            vec![
                "Add roles to tokens.json",
                "`enbled` is not a field of a Rule",
                "did you mean `enabled`?",
            ],
        ),
        (
            "rules/Deny blocked email domain.json",
            Box::new(|v| v["order"] = json!("2")),
            vec![
                "Deny blocked email domain.json",
                "`order` must be a number, not \"2\"",
            ],
        ),
        (
            "rules-configs/SUPPORT_URL.json",
            Box::new(|v| v["value"] = json!(5)),
            vec![
                "SUPPORT_URL.json",
                "the value of rules config \"SUPPORT_URL\" must be a string, not a number",
            ],
        ),
        (
            "actions/add-login-source.json",
            Box::new(|v| v["supported_triggers"][0]["vesrion"] = json!("v3")),
            vec![
                "add-login-source.json",
                "`supported_triggers[0].vesrion` is not a field of a supported trigger",
            ],
        ),
        (
            "actions/partner-session-token.json",
            Box::new(|v| v["dependencies"][0]["version"] = json!("banana")),
            vec![
                "partner-session-token.json",
                "`dependencies[0]`",
                "'banana' is not a version of jsonwebtoken",
            ],
        ),
        (
            "actions/deny-disabled-clients.json",
            Box::new(|v| v["deployed"] = json!("yes")),
            vec![
                "deny-disabled-clients.json",
                "`deployed` must be true or false, not \"yes\"",
            ],
        ),
        (
            "action-modules/claims-helper.json",
            Box::new(|v| v["secret"] = json!([])),
            vec![
                "claims-helper.json",
                "`secret` is not a field of an Action Module",
                "did you mean `secrets`?",
            ],
        ),
        (
            "triggers/triggers.json",
            Box::new(|v| v["post-login"][0] = json!("add-login-source")),
            vec![
                "triggers.json",
                "`post-login[0]` must be an object {action_name, display_name}, not a string",
            ],
        ),
        (
            "triggers/triggers.json",
            Box::new(|v| v["post-login"][1]["action"] = json!("x")),
            vec![
                "triggers.json",
                "`post-login[1].action` is not a field of a trigger binding",
            ],
        ),
        (
            "keywords.json",
            Box::new(|v| *v = json!(["ENVIRONMENT"])),
            vec!["keywords.json", "keyword mappings must be a JSON object"],
        ),
        (
            "actionbox.json",
            Box::new(|v| v["apis"][0]["token_lifetime"] = json!("1 day")),
            vec!["actionbox.json", "apis[0].token_lifetime"],
        ),
    ];
    for (file, edit, needles) in cases {
        let dir = tenant_copy();
        edit_json(dir.path(), file, edit);
        let root = dir.path().to_str().expect("utf-8");
        let output = actionbox(&["tenant", root]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{file}: {message}");
        for needle in needles {
            assert!(message.contains(needle), "{file}: {needle}\n{message}");
        }
        assert!(!message.contains("panicked"), "{message}");
    }
    // tenant.yaml: a key spelt the directory format's way is not read as nothing.
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "tenant.yaml",
        "rules-configs:\n  - key: A\n    value: b\n",
    );
    refused(
        &["tenant", dir.path().to_str().expect("utf-8")],
        "`rules-configs` is not a key of tenant.yaml: the Deploy CLI calls it `rulesConfigs`",
    );
}

#[test]
fn secrets_and_users_files_are_checked_against_their_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tenant = "actions/tenant-example";
    for (text, needle) in [
        (
            r#"["PARTNER_SIGNING_KEY"]"#,
            "secrets.json: secrets are a JSON object",
        ),
        (
            r#"{"partner-session-token": "key"}"#,
            "secrets.json: `partner-session-token` must be an object of the Action's secrets",
        ),
        (
            r#"{"partner-session-token": {"PARTNER_SIGNING_KEY": 5}}"#,
            "secrets.json: `partner-session-token.PARTNER_SIGNING_KEY`: a secret's value is a string",
        ),
    ] {
        let file = write(dir.path(), "secrets.json", text);
        refused(&["tenant", tenant, "--secrets", &file], needle);
        refused(
            &[
                "run",
                "--tenant",
                tenant,
                "--trigger",
                "post-login",
                "--secrets",
                &file,
            ],
            needle,
        );
    }
    for (text, needle) in [
        (
            r#"{"user_id": "a"}"#,
            "users.json: a users file is a JSON array of user objects, not an object",
        ),
        (
            r#"["a"]"#,
            "users.json: user 0: a user must be an object, not a string",
        ),
        (
            r#"[{"email": "jo@example.com"}]"#,
            "users.json: user 0 (jo@example.com): user_id: missing",
        ),
        (
            r#"[{"user_id": "auth0|1"}, {"user_id": "auth0|2", "email_verified": "yes"}]"#,
            "users.json: user 1 (auth0|2): email_verified: Auth0 sends a boolean, not a string (\"yes\")",
        ),
        (
            r#"[{"user_id": "auth0|1", "app_metadata": []}]"#,
            "user 0 (auth0|1): app_metadata: Auth0 sends an object, not an array",
        ),
    ] {
        let file = write(dir.path(), "users.json", text);
        refused(
            &["run", "actions/add-connection.js", "--users", &file],
            needle,
        );
    }
    // serve reads its users (with passwords, no ids needed) before it listens.
    let file = write(
        dir.path(),
        "users.json",
        r#"[{"email": "jo@example.com", "password": "pw", "email_verified": "yes"}]"#,
    );
    refused(
        &[
            "serve",
            "--tenant",
            tenant,
            "--users",
            &file,
            "--listen",
            "127.0.0.1:0",
        ],
        "users.json: user 0 (jo@example.com): email_verified: Auth0 sends a boolean",
    );
}

#[test]
fn a_syntax_error_at_the_end_points_inside_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let action = write(
        dir.path(),
        "open.js",
        "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('a', 1);\n",
    );
    refused(&["run", &action], "open.js:2:");
    let output = actionbox(&["run", &action]);
    let message = stderr(&output);
    assert!(message.contains("at the end of the file"), "{message}");
    assert!(!message.contains("open.js:3:"), "{message}");
    let rule = write(
        dir.path(),
        "open-rule.js",
        "function (user, context, callback) {\n  callback(null, user, context);\n",
    );
    let output = actionbox(&["run", &rule]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("open-rule.js:2:") && message.contains("at the end of the file"),
        "{message}"
    );
}

#[test]
fn a_shebang_line_is_a_comment_and_links_that_lead_nowhere_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let action = write(
        dir.path(),
        "tool.js",
        "#!/usr/bin/env node\nexports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('a', 1);\n};\n",
    );
    let output = actionbox(&["run", &action, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(crate::common::json(&output)["status"], "allowed");

    let looped = dir.path().join("self.js");
    std::os::unix::fs::symlink(&looped, &looped).expect("symlink");
    refused(
        &["run", looped.to_str().expect("utf-8")],
        "self.js: a symbolic link that loops",
    );
    let dangling = dir.path().join("gone.json");
    std::os::unix::fs::symlink(dir.path().join("nowhere.json"), &dangling).expect("symlink");
    refused(
        &[
            "run",
            "actions/add-connection.js",
            "--event",
            dangling.to_str().expect("utf-8"),
        ],
        "nowhere.json, which does not exist",
    );
}

#[test]
fn dependency_versions_and_names_are_checked() {
    for (dependency, needle) in [
        ("auth0@banana", "'banana' is not a version of auth0"),
        ("Auth0@4.37.0", "'Auth0' is not an npm package name"),
        ("@scope@1.0.0", "'@scope' is not an npm package name"),
        ("auth0", "expected NAME@VERSION"),
    ] {
        refused(
            &[
                "run",
                "actions/add-connection.js",
                "--dependency",
                dependency,
            ],
            needle,
        );
    }
    for dependency in ["auth0@4.37.0", "@scope/pkg@^1.2.0", "lodash@latest"] {
        let output = actionbox(&[
            "run",
            "actions/add-connection.js",
            "--dependency",
            dependency,
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{dependency}: {}",
            stderr(&output)
        );
    }
}

/// A run's JSON output (tokens and JWKS) with the clock fixed in the past.
fn old_run(dir: &Path) -> (String, String) {
    let output = actionbox(&[
        "run",
        "actions/add-connection.js",
        "--format",
        "json",
        "--now",
        "2020-01-01T00:00:00Z",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcome = crate::common::json(&output);
    let token = outcome["id_token"]["jwt"]
        .as_str()
        .expect("an id token")
        .to_string();
    let jwks = write(dir, "run.json", &outcome.to_string());
    (token, jwks)
}

#[test]
fn verify_says_what_is_wrong_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    refused(
        &["verify", "abc"],
        "not a JWT: a JWT is three base64url parts",
    );
    let output = actionbox(&["verify", "ab.c$d.ef"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("is not base64url"), "{message}");
    assert!(!message.contains("Invalid symbol"), "{message}");
    assert!(!message.contains("Base64 error"), "{message}");

    let (token, jwks) = old_run(dir.path());
    let output = actionbox(&["verify", &token, "--jwks", &jwks]);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("✖ expired at 20"), "{out}");
    assert!(!out.contains('✔'), "{out}");

    // One character of the signature changed (not the last, whose spare
    // bits would make it invalid base64url instead).
    let mut tampered: Vec<char> = token.chars().collect();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let output = actionbox(&["verify", &tampered, "--jwks", &jwks]);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("the signature does not match"), "{out}");
    assert!(!out.contains("InvalidSignature"), "{out}");
}

#[test]
fn a_failing_rule_is_one_difference_in_compare() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = write(
        dir.path(),
        "broken-rule.js",
        "function (user, context, callback) { null.roles; }",
    );
    let output = actionbox(&["compare", &rule, "actions/add-roles-claim.js"]);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{out}{}", stderr(&output));
    assert!(out.contains("(1 difference)"), "{out}");
    assert!(out.contains("\"failed: broken-rule.js"), "{out}");
    assert!(out.contains("broken-rule.js: TypeError: "), "{out}");
    assert!(out.contains("Fix the Rule's failure first"), "{out}");
    assert!(!out.contains("was failed"), "{out}");
    assert!(!out.contains("ID token"), "no claim table: {out}");
}

#[test]
fn compare_never_cuts_two_different_values_into_the_same_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = "x".repeat(60);
    let rule = write(
        dir.path(),
        "rule.js",
        &format!(
            "function (user, context, callback) {{ context.idToken['https://a.example/c'] = '{long}1'; callback(null, user, context); }}"
        ),
    );
    let action = write(
        dir.path(),
        "action.js",
        &format!(
            "exports.onExecutePostLogin = async (event, api) => {{ api.idToken.setCustomClaim('https://a.example/c', '{long}2'); }};"
        ),
    );
    let output = actionbox(&["compare", &rule, &action]);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let row = out
        .lines()
        .find(|l| l.contains("https://a.example/c") && l.contains('≠'))
        .unwrap_or_else(|| panic!("no row for the claim: {out}"));
    assert!(row.contains("x1\"") && row.contains("x2\""), "{row}");
}

#[test]
fn pretty_output_wraps_to_the_width_it_is_given() {
    let output = crate::common::actionbox_command()
        .args([
            "run",
            "actions/deny-blocked-domain.js",
            "--settings",
            "actions/actionbox.json",
        ])
        .args([
            "--event",
            "actions/events/migration/blocked-domain-login.json",
        ])
        .current_dir(crate::common::repo())
        .env("COLUMNS", "50")
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let long_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.chars().count() > 50 && l.trim().contains(' '))
        .collect();
    assert!(long_lines.is_empty(), "{long_lines:?}\n{out}");
    let whole = actionbox(&[
        "run",
        "actions/deny-blocked-domain.js",
        "--settings",
        "actions/actionbox.json",
        "--event",
        "actions/events/migration/blocked-domain-login.json",
    ]);
    let whole = String::from_utf8_lossy(&whole.stdout).into_owned();
    assert!(
        whole.lines().any(|l| l.chars().count() > 50),
        "without a width, lines stay whole: {whole}"
    );
}

#[test]
fn logs_carry_no_colour_codes_when_not_on_a_terminal() {
    for no_color in [false, true] {
        let mut command = crate::common::actionbox_command();
        command
            .args(["run", "actions/add-connection.js"])
            .current_dir(crate::common::repo())
            .env("RUST_LOG", "actionbox=debug");
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let output = command.output().expect("runs");
        let log = stderr(&output);
        assert!(log.contains("DEBUG") || log.contains("INFO"), "{log}");
        assert!(!log.contains('\u{1b}'), "{log}");
    }
}

#[test]
fn jwks_new_key_is_private_new_and_never_through_a_link() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("tenant.pem");
    let key_arg = key.to_str().expect("utf-8");
    let output = actionbox(&["jwks", "--new-key", key_arg]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mode = std::fs::metadata(&key)
        .expect("written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    assert!(
        std::fs::read_to_string(&key)
            .expect("pem")
            .contains("PRIVATE KEY")
    );
    refused(&["jwks", "--new-key", key_arg], "already exists");

    let link = dir.path().join("link.pem");
    let target = dir.path().join("elsewhere.pem");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    refused(
        &["jwks", "--new-key", link.to_str().expect("utf-8")],
        "is a symbolic link",
    );
    assert!(!target.exists(), "the link was followed");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".actionbox-key-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn tenant_help_lists_only_what_the_preflight_reads() {
    let output = actionbox(&["tenant", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    for present in [
        "--keywords",
        "--settings",
        "--secrets",
        "--node-modules",
        "--format",
    ] {
        assert!(help.contains(present), "{present}: {help}");
    }
    for absent in [
        "--timeout",
        "--memory",
        "--http-mock",
        "--allow-net",
        "--now",
        "--trigger",
        "--isolation",
    ] {
        assert!(!help.contains(absent), "{absent}: {help}");
    }
    // The old spelling still works.
    let output = actionbox(&["tenant", "--tenant", "actions/tenant-example"]);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn serve_neither_lists_nor_takes_the_options_it_would_ignore() {
    let output = actionbox(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    for present in ["--listen", "--store", "--users", "--settings", "--tenant"] {
        assert!(help.contains(present), "{present}: {help}");
    }
    // Listed as options, not mentioned in another's text.
    let listed = |option: &str| help.lines().any(|l| l.trim_start().starts_with(option));
    assert!(listed("--listen"), "{help}");
    for absent in ["--trigger", "--now"] {
        assert!(!listed(absent), "{absent}: {help}");
    }
    refused(
        &[
            "serve",
            "--trigger",
            "post-login",
            "--listen",
            "127.0.0.1:0",
        ],
        "--trigger post-login: serve runs each Action on the trigger its handler names",
    );
    refused(
        &[
            "serve",
            "--now",
            "2026-11-26T09:15:00Z",
            "--listen",
            "127.0.0.1:0",
        ],
        "--now 2026-11-26T09:15:00Z: serve issues tokens on the real clock",
    );
}

#[test]
fn no_error_repeats_its_own_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_json = write(dir.path(), "bad.json", "{");
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().expect("utf-8");
    let module = format!("m={missing}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "/nonexistent/a.js"],
        vec!["run", "actions/add-connection.js", "--event", missing],
        vec!["run", "actions/add-connection.js", "--event", &bad_json],
        vec!["run", "actions/add-connection.js", "--settings", missing],
        vec!["run", "actions/add-connection.js", "--settings", &bad_json],
        vec!["run", "actions/add-connection.js", "--http-mock", &bad_json],
        vec!["run", "actions/add-connection.js", "--users", missing],
        vec!["run", "actions/add-connection.js", "--module", &module],
        vec!["tenant", "actions/tenant-example", "--secrets", &bad_json],
        vec!["tenant", "actions/tenant-example", "--keywords", missing],
        vec!["verify", "a.b.c", "--jwks", missing],
        vec!["jwks", "--settings", &bad_json],
        vec![
            "compare",
            "actions/rules/add-roles-claim.js",
            "actions/add-roles-claim.js",
            "--event",
            missing,
        ],
    ];
    for args in cases {
        let output = actionbox(&args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        let parts: Vec<&str> = message
            .trim()
            .split(": ")
            .map(str::trim)
            .filter(|p| p.len() > 12)
            .collect();
        for (i, part) in parts.iter().enumerate() {
            assert!(
                !parts[i + 1..].contains(part),
                "{args:?} repeats \"{part}\": {message}"
            );
        }
    }
}

#[test]
fn the_redirect_round_trip_in_the_docs_works() {
    if crate::common::skip_without(crate::common::on_path("openssl"), "openssl", "openssl") {
        return;
    }
    let docs =
        std::fs::read_to_string(crate::common::repo().join("docs/behaviour.md")).expect("docs");
    let start = docs
        .find("<!-- redirect-round-trip -->")
        .expect("marked snippet");
    let end = docs
        .find("<!-- /redirect-round-trip -->")
        .expect("marked snippet end");
    let snippet = &docs[start..end];
    let script = snippet
        .split("```sh\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a sh block");
    let binary = Path::new(env!("CARGO_BIN_EXE_actionbox"));
    let path = format!(
        "{}:{}",
        binary.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(crate::common::repo())
        .env("PATH", path)
        .env_remove("RUST_LOG")
        .env_remove("COLUMNS")
        .output()
        .expect("bash runs");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    assert!(out.contains("✔ allowed"), "{out}");
    assert!(out.contains("https://app.acme.example/terms"), "{out}");
    assert!(out.contains("resumed at /continue"), "{out}");
}

/// docs/inputs.md, "What a large event costs": the most heap the main
/// process holds at once for a 1 MiB event, beyond what the same run holds
/// for the example event, in multiples of the event file's size.
const LARGE_EVENT_MULTIPLE: usize = 10;

#[test]
fn a_large_event_costs_the_main_process_a_documented_multiple_of_its_size() {
    if !crate::common::alone_in_a_process(
        "inputs::a_large_event_costs_the_main_process_a_documented_multiple_of_its_size",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let small = event("post-login-database.json");
    // The example event with app_metadata filled with 100-byte strings to
    // just under the 1 MiB an event may be.
    let mut large = small.clone();
    let mut size = serde_json::to_vec(&large).expect("json").len();
    let mut i = 0;
    while size + 130 < actionbox::input::MAX_EVENT_BYTES as usize {
        let key = format!("k{i:06}");
        size += key.len() + 100 + 6;
        large["user"]["app_metadata"][key] = json!("x".repeat(100));
        i += 1;
    }
    let small_file = write(dir.path(), "small.json", &small.to_string());
    let large_file = write(dir.path(), "large.json", &large.to_string());
    let large_bytes = std::fs::metadata(&large_file).expect("size").len() as usize;
    assert!(large_bytes > 1_000_000, "{large_bytes}");
    drop((small, large));

    let runner = Runner::with_worker_processes(env!("CARGO_BIN_EXE_actionbox"));
    let script = Script::from_file(example("add-connection.js")).expect("script");
    // As `actionbox run --event FILE` does: read the file, then run.
    let run = |file: &str| {
        let (event, _) = actionbox::event::read_event(Path::new(file), Trigger::PostLogin)
            .expect("the event is read");
        let mut flow = Flow::post_login(vec![script.clone()]).with_limits(test_limits());
        flow.event = Some(event);
        let outcome = runner.run(&flow).expect("runs");
        assert_eq!(
            outcome.status,
            actionbox::Status::Allowed,
            "{:?}",
            outcome.error
        );
        outcome.commands.len()
    };
    run(&small_file); // the first run starts the worker and fills caches
    let (baseline, _) = crate::common::heap_peak_of(|| run(&small_file));
    let (peak, _) = crate::common::heap_peak_of(|| run(&large_file));
    let cost = peak.saturating_sub(baseline);
    println!(
        "a {large_bytes}-byte event: peak {peak} bytes, baseline {baseline}, cost {cost} ({:.2}x)",
        cost as f64 / large_bytes as f64
    );
    assert!(
        cost <= LARGE_EVENT_MULTIPLE * large_bytes,
        "a {large_bytes}-byte event cost the main process {cost} bytes of heap at once, more than the {LARGE_EVENT_MULTIPLE}x docs/inputs.md states"
    );
}

/// docs/inputs.md, "What a large file costs": the most heap the main
/// process holds at once for a `--users` or `--http-mock` file near its
/// 16 MiB limit, beyond a run without one, in multiples of its size.
const LARGE_USERS_MULTIPLE: usize = 5;
const LARGE_MOCKS_MULTIPLE: usize = 6;

#[test]
fn large_users_and_mock_files_cost_the_main_process_a_documented_multiple_of_their_size() {
    if !crate::common::alone_in_a_process(
        "inputs::large_users_and_mock_files_cost_the_main_process_a_documented_multiple_of_their_size",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = actionbox::input::InputKind::Users.limit() as usize;
    // Entries of about 1 kB each, to just under the limit.
    let fill = |entry: &dyn Fn(usize) -> serde_json::Value| {
        let (mut list, mut size) = (Vec::new(), 2);
        while size + 1300 < limit {
            let item = entry(list.len());
            size += item.to_string().len() + 1;
            list.push(item);
        }
        serde_json::Value::Array(list).to_string()
    };
    let users_file = write(
        dir.path(),
        "users.json",
        &fill(
            &|i| json!({ "user_id": format!("auth0|{i:08}"), "email": format!("u{i}@example.com"), "app_metadata": { "notes": "x".repeat(1000) } }),
        ),
    );
    let mocks_file = write(
        dir.path(),
        "mocks.json",
        &fill(
            &|i| json!({ "url": format!("https://api.example/{i}"), "response": { "status": 200, "body": { "notes": "x".repeat(1000) } } }),
        ),
    );
    let size = |file: &str| std::fs::metadata(file).expect("size").len() as usize;

    let runner = Runner::with_worker_processes(env!("CARGO_BIN_EXE_actionbox"));
    let script = Script::from_file(example("add-connection.js")).expect("script");
    let run = |node: actionbox::NodeConfig| {
        let flow = Flow::post_login(vec![script.clone()])
            .with_limits(test_limits())
            .with_node(node);
        let outcome = runner.run(&flow).expect("runs");
        assert_eq!(
            outcome.status,
            actionbox::Status::Allowed,
            "{:?}",
            outcome.error
        );
    };
    run(actionbox::NodeConfig::default()); // starts the worker, fills caches
    let (baseline, _) = crate::common::heap_peak_of(|| run(actionbox::NodeConfig::default()));
    // As `run --users FILE` and `run --http-mock FILE` read them.
    let (users_peak, _) = crate::common::heap_peak_of(|| {
        let users = actionbox::event::read_users(Path::new(&users_file)).expect("users");
        run(actionbox::NodeConfig {
            users: users.into(),
            ..actionbox::NodeConfig::default()
        })
    });
    let (mocks_peak, _) = crate::common::heap_peak_of(|| {
        let mut node = actionbox::NodeConfig::default();
        node.net.mocks =
            actionbox::net::NetPolicy::read_mocks(Path::new(&mocks_file)).expect("mocks");
        run(node)
    });
    for (what, file, peak, multiple) in [
        ("users", &users_file, users_peak, LARGE_USERS_MULTIPLE),
        ("mocks", &mocks_file, mocks_peak, LARGE_MOCKS_MULTIPLE),
    ] {
        let bytes = size(file);
        assert!(bytes > limit - 2000, "{what}: {bytes}");
        let cost = peak.saturating_sub(baseline);
        println!(
            "a {bytes}-byte {what} file: cost {cost} bytes ({:.2}x)",
            cost as f64 / bytes as f64
        );
        assert!(
            cost <= multiple * bytes,
            "a {bytes}-byte {what} file cost the main process {cost} bytes of heap at once, more than the {multiple}x docs/inputs.md states"
        );
    }
}

#[test]
fn a_bad_event_among_several_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events");
    std::fs::create_dir_all(&events).expect("dir");
    std::fs::copy(
        crate::common::repo().join("actions/events/post-login-database.json"),
        events.join("1-good.json"),
    )
    .expect("copy");
    write(&events, "2-bad.json", r#"{"user": "jane"}"#);
    let folder = events.to_str().expect("utf-8");
    for command in [
        vec![
            "compare",
            "actions/rules/add-roles-claim.js",
            "actions/add-roles-claim.js",
            "--event",
            folder,
        ],
        vec![
            "migrate",
            "actions/rules/add-roles-claim.js",
            "--event",
            folder,
        ],
    ] {
        refused(
            &command,
            "2-bad.json: the post-login event does not have the shape Auth0 sends",
        );
    }
}
