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
