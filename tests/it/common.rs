//! Every helper the integration tests share (one copy of each).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use actionbox::{ErrorKind, Flow, Limits, Outcome, Runner, Script, Settings};
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

/// The test tenant: domain, clients, an API, a signing key, the clock
/// fixed at 2026-11-26T09:15:00Z.
pub fn tenant_settings() -> Settings {
    Settings::from_file(fixture("tenant/actionbox.json")).unwrap_or_else(|e| panic!("{e}"))
}

/// Limits for scripts that end by themselves. The deadline only stops one
/// that hangs by mistake, so it is far beyond what any test needs even on a
/// busy machine: no test may depend on how fast it runs. The memory limit
/// is small so memory bombs end quickly (allocation is not timing).
pub fn test_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(60),
        memory_bytes: 16 << 20,
        ..Limits::default()
    }
}

/// Limits for scripts that never end: here the deadline is what ends them,
/// so it is short enough to keep the suite quick yet long enough that even
/// a loaded machine reaches the script before it passes. Tests using it
/// assert only that the outcome is a timeout, never how long it took.
pub fn endless_limits() -> Limits {
    Limits {
        timeout: ENDLESS_DEADLINE,
        ..test_limits()
    }
}

pub const ENDLESS_DEADLINE: Duration = Duration::from_secs(2);

pub fn run(scripts: Vec<Script>, event: Option<Value>) -> Outcome {
    let mut flow = Flow::post_login(scripts).with_limits(test_limits());
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

/// The outcome's log messages, in order.
pub fn logs(outcome: &Outcome) -> Vec<&str> {
    outcome.logs.iter().map(|l| l.message.as_str()).collect()
}

/// The outcome's warning messages, in order.
pub fn warnings(outcome: &Outcome) -> Vec<&str> {
    outcome
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect()
}

/// The kind of the outcome's error, if it failed.
pub fn kind(outcome: &Outcome) -> Option<ErrorKind> {
    outcome.error.as_ref().map(|e| e.kind)
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
