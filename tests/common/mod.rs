//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use actionbox::{Flow, Limits, Outcome, Runner, Script};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under tests/fixtures/.
pub fn fixture(path: &str) -> PathBuf {
    repo().join("tests/fixtures").join(path)
}

/// An example under actions/.
pub fn example(name: &str) -> PathBuf {
    repo().join("actions").join(name)
}

/// An example event from actions/events/.
pub fn event(name: &str) -> Value {
    let path = repo().join("actions/events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture event is JSON")
}

pub fn script(path: &Path) -> Script {
    Script::from_file(path).unwrap_or_else(|e| panic!("{e}"))
}

/// An Action from inline source.
pub fn action(name: &str, source: &str) -> Script {
    Script::from_source(name, source).unwrap_or_else(|e| panic!("{e}"))
}

/// Short limits so tests that hit them stay quick.
pub fn quick_limits() -> Limits {
    Limits {
        timeout: Duration::from_millis(500),
        memory_bytes: 16 << 20,
        ..Limits::default()
    }
}

pub fn run(scripts: Vec<Script>, event: Option<Value>) -> Outcome {
    let mut flow = Flow::post_login(scripts).with_limits(quick_limits());
    flow.event = event;
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs one inline Action on the database-login event.
pub fn run_action(source: &str) -> Outcome {
    run(
        vec![action("test.js", source)],
        Some(event("post-login-database.json")),
    )
}

/// The calls the outcome recorded, as "call(args)" strings.
pub fn calls(outcome: &Outcome) -> Vec<String> {
    outcome
        .commands
        .iter()
        .map(|c| {
            format!(
                "{}({})",
                c.call,
                c.args
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect()
}

pub fn error_message(outcome: &Outcome) -> String {
    outcome
        .error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// Runs the actionbox binary from the repository root.
pub fn actionbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actionbox"))
        .args(args)
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

/// The binary's stdout as JSON, failing the test with both streams if not.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
