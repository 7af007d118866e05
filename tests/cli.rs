//! The `actionbox` binary: the JSON contract, exit codes and error messages.

mod common;

use std::process::{Command, Output};

use common::*;
use serde_json::Value;

fn actionbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actionbox"))
        .args(args)
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

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
    assert!(
        stderr(&missing).contains("actions/no-such-action.js: No such file"),
        "{}",
        stderr(&missing)
    );

    let bad_event = actionbox(&[
        "run",
        "actions/add-connection.js",
        "--event",
        "tests/fixtures/actions/throws.js",
    ]);
    assert_eq!(bad_event.status.code(), Some(2));
    assert!(
        stderr(&bad_event).contains("throws.js: invalid JSON"),
        "{}",
        stderr(&bad_event)
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
