//! The hostile regression suite: one script per attack class of
//! docs/security.md (tests/hostile/), run in worker processes. Each must end
//! with the named outcome, leave the process alive, and leave nothing
//! behind: the next execution's output is identical to a fresh process's.
//!
//! No assertion here is about time. A script that only a deadline can stop
//! gets a short one ([`endless_limits`]); every other script gets an ample
//! one, so on a busy machine it still ends by the limit it is meant to hit
//! (memory, call counts, output caps), not by running out of time.

use std::sync::OnceLock;

use actionbox::{ErrorKind, Flow, Limits, Outcome, Runner, Script, Status};
use serde_json::Value;

use crate::common::*;

/// How the attack is meant to end, which sets its deadline.
#[derive(Clone, Copy)]
enum Ends {
    /// Only the deadline stops it (or the engine sees it can never finish).
    AtTheDeadline,
    /// By itself, or by a limit that is not time.
    ByItself,
}

fn limits(ends: Ends) -> Limits {
    let limits = match ends {
        Ends::AtTheDeadline => endless_limits(),
        Ends::ByItself => test_limits(),
    };
    Limits {
        memory_bytes: 32 << 20,
        ..limits
    }
}

fn flow(script: Script, ends: Ends) -> Flow {
    Flow::post_login(vec![script])
        .with_event(event("post-login-database.json"))
        .with_settings(tenant_settings())
        .with_limits(limits(ends))
}

fn hostile(name: &str) -> Script {
    Script::from_file(repo().join("tests/hostile").join(name)).unwrap_or_else(|e| panic!("{e}"))
}

const PROBE: &str = r#"exports.onExecutePostLogin = async (event, api) => {
  const clean = ({}).polluted === undefined && typeof globalThis.leak === 'undefined' && typeof globalThis.waiting === 'undefined'
    && [1, 2].map((x) => x * 2).join() === '2,4' && JSON.stringify({ a: 1 }) === '{"a":1}';
  api.idToken.setCustomClaim('https://app.acme.example/clean', clean);
  api.user.setAppMetadata('probe', [1, 2]);
  console.log('probe', { clean }, [1, 2, 3]);
};"#;

/// The probe's output, without what changes from run to run (times).
fn probe_output(runner: &Runner) -> Value {
    let outcome = runner
        .run(&flow(action("probe.js", PROBE), Ends::ByItself))
        .expect("the probe runs");
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    let mut value = serde_json::to_value(&outcome).expect("json");
    value["timings_us"] = Value::Null;
    value
}

fn fresh_probe() -> &'static Value {
    static FRESH: OnceLock<Value> = OnceLock::new();
    FRESH.get_or_init(|| probe_output(&Runner::with_workers(env!("CARGO_BIN_EXE_actionbox"), 1)))
}

/// Runs a hostile script in a worker process of its own, then checks that
/// the next execution — in the same worker unless the attack cost it its
/// life — is exactly what a fresh process produces. The probe runs first
/// too, so the worker is known to be sound before the attack.
fn attack(name: &str, ends: Ends) -> Outcome {
    let runner = Runner::with_workers(env!("CARGO_BIN_EXE_actionbox"), 1);
    assert_eq!(&probe_output(&runner), fresh_probe(), "a fresh worker");
    let outcome = runner
        .run(&flow(hostile(name), ends))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        &probe_output(&runner),
        fresh_probe(),
        "{name} left something behind"
    );
    outcome
}

macro_rules! ends_with {
    ($($test:ident: $file:literal => $kind:expr, $ends:expr;)*) => {$(
        #[test]
        fn $test() {
            let outcome = attack($file, $ends);
            assert_eq!(kind(&outcome), Some($kind), "{}: {:?}", $file, outcome.error);
            assert_eq!(outcome.status, Status::Failed);
        }
    )*};
}

ends_with! {
    a_busy_loop_that_catches_the_interrupt: "busy-loop.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    an_endless_microtask_chain: "microtask-loop.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    a_promise_that_never_settles: "never-settles.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    an_interval_storm: "timer-storm.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    catastrophic_regex_backtracking: "regex-backtracking.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    an_uninterruptible_join: "uninterruptible-join.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    an_uninterruptible_reverse: "uninterruptible-reverse.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
    a_growing_array: "memory-array.js" => ErrorKind::MemoryLimit, Ends::ByItself;
    a_doubling_string: "memory-string.js" => ErrorKind::MemoryLimit, Ends::ByItself;
    a_json_bomb: "memory-json.js" => ErrorKind::MemoryLimit, Ends::ByItself;
    one_huge_allocation: "memory-typed-array.js" => ErrorKind::MemoryLimit, Ends::ByItself;
    a_flood_of_api_calls: "claim-flood.js" => ErrorKind::LimitExceeded, Ends::ByItself;
    recursion_inside_to_json: "recursion.js" => ErrorKind::Exception, Ends::ByItself;
    a_thrown_proxy_whose_traps_throw: "throw-non-error.js" => ErrorKind::Exception, Ends::ByItself;
    a_rule_that_never_calls_back: "rule-never-calls-back.js" => ErrorKind::Timeout, Ends::AtTheDeadline;
}

#[test]
fn the_killed_worker_names_the_stuck_script() {
    let outcome = attack("uninterruptible-join.js", Ends::AtTheDeadline);
    let error = outcome.error.expect("timeout");
    assert_eq!(error.script, "uninterruptible-join.js");
    assert!(
        error.message.contains("its worker process was killed"),
        "{}",
        error.message
    );
}

#[test]
fn poisoned_builtins_break_neither_this_execution_nor_the_next() {
    let outcome = attack("prototype-poisoning.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        calls(&outcome),
        [
            r#"idToken.setCustomClaim("https://a.example/list",[1,2,3])"#,
            r#"user.setAppMetadata("k",{"nested":true})"#
        ]
    );
    assert_eq!(outcome.logs[0].message, "still { logging: [ 1, 2 ] }");
    assert_eq!(outcome.logs[1].message, "010101 0101 [Number: 3]");
    // Bytes built without iterating arrays (the script replaced their
    // iterator) nor reading typed-array methods live.
    assert_eq!(outcome.logs[2].message, "aGk= hi hi");
    assert_eq!(outcome.logs[3].message, "key 4 function");
    // The runtime's descriptors inherit nothing the script put on
    // Object.prototype.
    assert_eq!(outcome.logs[4].message, "descriptors read 0");
    // Encoding a string makes its bytes with no species lookup.
    assert_eq!(outcome.logs[5].message, "species asked 0");
    // Headers keep their entries in a Map through the captured methods.
    assert_eq!(outcome.logs[6].message, "headers a b 1");
}

#[test]
fn walking_the_call_stack_and_the_api_finds_nothing_privileged() {
    let outcome = attack("callsite-walk.js", Ends::ByItself);
    assert_ne!(
        kind(&outcome),
        Some(ErrorKind::Internal),
        "{:?}",
        outcome.error
    );
    let messages = logs(&outcome);
    assert!(
        !messages.iter().any(|m| m.trim() == "FRESH API"),
        "a reachable function ran the handler with a fresh api"
    );
    // (The walk also called console.group: lines are indented.)
    let summary: Vec<&str> = messages
        .iter()
        .map(|m| m.trim_start())
        .filter(|m| m.starts_with("functions found"))
        .collect();
    assert_eq!(summary, ["functions found true"], "the walk ran to its end");
    assert!(
        outcome
            .commands
            .iter()
            .all(|c| c.script == "callsite-walk.js")
    );
}

#[test]
fn no_module_file_process_or_environment_is_reachable() {
    let outcome = attack("forbidden-modules.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        outcome.logs[0].message,
        "child_process:MODULE_NOT_FOUND \
         vm:MODULE_NOT_FOUND worker_threads:MODULE_NOT_FOUND module:MODULE_NOT_FOUND \
         ../../etc/passwd:MODULE_NOT_FOUND /etc/passwd:MODULE_NOT_FOUND \
         fs:ENOENT fs:ENOENT fs:ENOENT fs:EROFS fs.exists:false \
         net.connect:ERR_ACTIONBOX_NO_SOCKETS os:actionbox/node \
         import:failed process:object env:0 eval:2 Function:2"
    );
}

#[test]
fn secrets_do_not_leave_through_any_channel() {
    let outcome = attack("secret-exfiltration.js", Ends::ByItself);
    assert_eq!(kind(&outcome), Some(ErrorKind::Exception));
    let printed = serde_json::to_string(&outcome).expect("json");
    assert!(!printed.contains("sk_test_do_not_print_me"), "{printed}");
    assert!(printed.contains("[redacted]"));
}

#[test]
fn weird_claim_names_and_values_are_recorded_or_refused_cleanly() {
    let outcome = attack("weird-claims.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        outcome.logs[0].message,
        "bigint:TypeError cycle:TypeError getter:Error proxy:Error deep:RangeError"
    );
    let payload = &outcome.id_token.as_ref().expect("id token").payload;
    assert_eq!(payload["__proto__"], 9);
    assert_eq!(payload["\u{fffd}"], 1, "a lone surrogate becomes U+FFFD");
    assert_eq!(
        payload["https://a.example/v0"],
        Value::Null,
        "NaN is null in JSON"
    );
    assert_eq!(
        payload["https://a.example/v6"],
        serde_json::json!([null, null, null])
    );
}

#[test]
fn api_misuse_is_reported_not_fatal() {
    let outcome = attack("api-misuse.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Denied);
    assert_eq!(outcome.denial.as_ref().expect("denial").reason, "first");
    assert_eq!(
        calls(&outcome),
        [r#"access.deny("first")"#, r#"access.deny("second")"#]
    );
    let warnings = warnings(&outcome);
    assert!(
        warnings.iter().any(|w| w.contains("already denied")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("timer was still pending")),
        "{warnings:?}"
    );
}

#[test]
fn a_log_flood_is_capped() {
    let outcome = attack("log-flood.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed);
    let bytes: usize = outcome.logs.iter().map(|l| l.message.len()).sum();
    assert!(bytes <= 256 << 10, "{bytes} bytes of logs kept");
    assert!(
        warnings(&outcome)
            .iter()
            .any(|w| w.contains("console output passed"))
    );
}

#[test]
fn unhandled_rejections_are_warnings() {
    let outcome = attack("unhandled-rejections.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed);
    let unhandled = warnings(&outcome)
        .iter()
        .filter(|w| w.starts_with("unhandled promise rejection"))
        .count();
    assert_eq!(unhandled, 4);
}

#[test]
fn a_rule_calling_back_twice_is_warned_about() {
    let outcome = attack("rule-callback-twice.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    let warnings = warnings(&outcome);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("callback was called more than once")),
        "{warnings:?}"
    );
}

#[test]
fn the_worker_pool_replaces_killed_workers() {
    let runner = Runner::with_workers(env!("CARGO_BIN_EXE_actionbox"), 1);
    let outcome = runner
        .run(&flow(
            hostile("uninterruptible-reverse.js"),
            Ends::AtTheDeadline,
        ))
        .expect("runs");
    assert_eq!(kind(&outcome), Some(ErrorKind::Timeout));
    assert_eq!(&probe_output(&runner), fresh_probe());
    let stats = runner.worker_stats();
    assert_eq!((stats.killed, stats.started), (1, 2), "{stats:?}");
}

#[test]
fn values_that_call_back_into_the_api_during_conversion() {
    let outcome = attack("reentrant-values.js", Ends::ByItself);
    assert_ne!(
        kind(&outcome),
        Some(ErrorKind::Internal),
        "{:?}",
        outcome.error
    );
    assert_eq!(outcome.status, Status::Denied, "{:?}", outcome.error);
    // The inner calls are recorded before the outer ones they interrupt.
    let calls = calls(&outcome);
    let position = |needle: &str| {
        calls
            .iter()
            .position(|c| c.contains(needle))
            .unwrap_or_else(|| panic!("{needle} missing: {calls:?}"))
    };
    assert!(position("/inner") < position("/outer"));
    assert!(position("read:inner") < position("\"inner\""));
    assert!(position("/trap") < position("\"proxy\""));
    assert_eq!(
        outcome.logs.last().map(|l| l.message.as_str()),
        Some("done")
    );
}

#[test]
fn a_decompression_bomb_is_refused_by_the_host() {
    let outcome = attack("decompression-bomb.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        outcome.logs[0].message,
        "refused Cannot create a Buffer larger than 64 MiB: actionbox caps decompressed output"
    );
    assert_eq!(
        outcome.logs[1].message,
        "stream refused Cannot create a Buffer larger than 64 MiB: actionbox caps decompressed output"
    );
}

#[test]
fn a_request_flood_is_capped_and_every_request_recorded() {
    let outcome = attack("network-flood.js", Ends::ByItself);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(outcome.requests.len(), 100);
    assert_eq!(
        outcome.logs[0].message, "a script may make at most 100 requests per flow | fetch failed",
        "the first 100 are refused (no network), the rest exceed the cap"
    );
}
