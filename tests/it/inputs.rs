//! Bad input on the command line and through the library: every input read
//! with a size limit, event fixtures checked against the shape Auth0 sends,
//! never a panic (docs/inputs.md).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use actionbox::{Flow, Runner, Script, Trigger};
use serde_json::json;

use crate::common::{actionbox, event, example, stderr, test_limits};

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_actionbox"))
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
    let child = Command::new(env!("CARGO_BIN_EXE_actionbox"))
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
