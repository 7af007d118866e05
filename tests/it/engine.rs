//! Loading and running Actions: Auth0's module semantics, failures, limits,
//! and isolation between executions.

use std::time::Instant;

use crate::common::*;
use actionbox::{ErrorKind, Flow, Limits, Runner, Script, Status};

fn failure(outcome: &actionbox::Outcome) -> (ErrorKind, String) {
    let error = outcome
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("expected a failure, got {:?}", outcome.status));
    (error.kind, error.message.clone())
}

#[test]
fn code_after_deny_still_runs() {
    let mut fixture = event("post-login-database.json");
    fixture["user"]["email_verified"] = false.into();
    let outcome = run(
        vec![script(&example("deny-unverified-email.js"))],
        Some(fixture),
    );
    assert_eq!(outcome.status, Status::Denied);
    let denial = outcome.denial.as_ref().expect("a denial");
    assert_eq!(denial.code, "access_denied");
    assert_eq!(
        denial.reason,
        "Please verify your email address before logging in."
    );
    assert_eq!(
        outcome.logs[0].message,
        "denied auth0|6551f0c2a9b3e4d5f6a7b8c9: email not verified"
    );
    let oauth = outcome.oauth_error.expect("the app gets an error");
    assert_eq!(oauth.error, "access_denied");
}

#[test]
fn a_deny_stops_the_later_actions() {
    let deny = action(
        "deny.js",
        "exports.onExecutePostLogin = async (e, api) => { api.access.deny('no'); };",
    );
    let later = action(
        "later.js",
        "exports.onExecutePostLogin = async (e, api) => { console.log('ran'); };",
    );
    let outcome = run(vec![deny, later], None);
    assert_eq!(outcome.status, Status::Denied);
    assert_eq!(outcome.scripts, ["deny.js"]);
    assert!(outcome.logs.is_empty());
}

#[test]
fn a_thrown_error_fails_the_login_and_keeps_its_message() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async (event, api) => {
           console.log('before');
           throw new TypeError('crm unreachable');
         };",
    );
    assert_eq!(outcome.status, Status::Failed);
    let error = outcome.error.as_ref().expect("error");
    assert_eq!(error.kind, ErrorKind::Exception);
    assert_eq!(error.name.as_deref(), Some("TypeError"));
    assert_eq!(error.message, "crm unreachable");
    assert!(
        error
            .stack
            .as_deref()
            .is_some_and(|s| s.contains("test.js:3")),
        "{:?}",
        error.stack
    );
    assert_eq!(
        outcome.oauth_error.expect("oauth").error_description,
        "crm unreachable"
    );
    assert_eq!(outcome.logs[0].message, "before");
}

#[test]
fn non_error_throws_become_messages_like_auth0s_runner() {
    let (_, message) = failure(&run_action(
        "exports.onExecutePostLogin = async () => { throw 'plain text'; };",
    ));
    assert_eq!(message, "plain text");
    let (_, message) = failure(&run_action(
        "exports.onExecutePostLogin = async () => { throw undefined; };",
    ));
    assert_eq!(message, "Unknown error");
}

#[test]
fn a_syntax_error_names_the_file_line_and_column() {
    let script = Script::from_file(fixture("actions/syntax-error.js")).expect("loads");
    let err = Runner::new()
        .run(&Flow::post_login(vec![script]))
        .expect_err("does not parse");
    match err {
        actionbox::Error::Syntax {
            script,
            line,
            column,
            message,
        } => {
            assert!(
                script.ends_with("tests/fixtures/actions/syntax-error.js"),
                "{script}"
            );
            assert_eq!((line, column), (4, 30));
            assert!(message.contains("unexpected token"), "{message}");
        }
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn a_handler_that_is_not_async_gets_auth0s_message() {
    for source in [
        "exports.onExecutePostLogin = function (event, api) { return Promise.resolve(); };",
        "exports.onExecutePostLogin = async function* (event, api) {};",
        "exports.somethingElse = 1; exports.onExecutePostLogin = 5;",
    ] {
        let (kind, message) = failure(&run_action(source));
        assert_eq!(kind, ErrorKind::InvalidHandler, "{source}");
        assert_eq!(
            message,
            r#"Invalid function signature for the "onExecutePostLogin" handler. Use "exports.onExecutePostLogin = async function(event, api) { }" as the signature."#
        );
    }
    let (_, message) = failure(&run_action(
        "module.exports = async function onExecutePostLogin() {};",
    ));
    assert_eq!(message, "The Action must export an object.");
}

#[test]
fn module_level_code_runs_before_the_handler_and_its_throw_fails() {
    let outcome = run_action(
        "console.log('module');
         const started = 'at load';
         exports.onExecutePostLogin = async () => { console.log('handler', started); };",
    );
    let lines = logs(&outcome);
    assert_eq!(lines, ["module", "handler at load"]);

    let (kind, message) = failure(&run_action(
        "const config = JSON.parse('{oops');\nexports.onExecutePostLogin = async () => {};",
    ));
    assert_eq!(kind, ErrorKind::ModuleInit);
    assert!(
        message.contains("JSON") || message.contains("unexpected"),
        "{message}"
    );
}

/// The runner, used for several executions in a row, like a long-lived process.
fn shared_runner() -> Runner {
    Runner::with_threads(1)
}

fn run_on(runner: &Runner, source: &str, limits: Limits) -> actionbox::Outcome {
    let flow = Flow::post_login(vec![action("test.js", source)])
        .with_event(event("post-login-database.json"))
        .with_limits(limits);
    runner.run(&flow).expect("runs")
}

const PROBE: &str = "exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://a.example/ok', ({}).polluted === undefined && typeof globalThis.leak === 'undefined');
};";

fn probe_is_clean(runner: &Runner) {
    let outcome = run_on(runner, PROBE, test_limits());
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        calls(&outcome),
        [r#"idToken.setCustomClaim("https://a.example/ok",true)"#]
    );
}

#[test]
fn an_endless_loop_ends_at_the_deadline_and_the_next_execution_runs() {
    let runner = shared_runner();
    let outcome = run_on(
        &runner,
        "exports.onExecutePostLogin = async () => { while (true) {} };",
        endless_limits(),
    );
    let (kind, message) = failure(&outcome);
    assert_eq!(kind, ErrorKind::Timeout);
    assert!(
        message.starts_with("Request to Webtask exceeded allowed execution time"),
        "{message}"
    );
    probe_is_clean(&runner);
}

#[test]
fn a_caught_interrupt_is_still_a_timeout() {
    let outcome = run_on(
        &shared_runner(),
        "exports.onExecutePostLogin = async (e, api) => {
           for (;;) { try { while (true) {} } catch (err) { api.idToken.setCustomClaim('x', 1); } }
         };",
        endless_limits(),
    );
    assert_eq!(failure(&outcome).0, ErrorKind::Timeout);
}

/// The engine sees that nothing is left that could settle the promise and
/// ends at once, with its own message. The deadline is ample: had the
/// engine waited for it instead, the message would name the deadline.
#[test]
fn a_promise_that_never_settles_times_out_without_waiting() {
    let runner = shared_runner();
    let outcome = run_on(
        &runner,
        "exports.onExecutePostLogin = async () => { await new Promise(() => {}); };",
        test_limits(),
    );
    let (kind, message) = failure(&outcome);
    assert_eq!(kind, ErrorKind::Timeout);
    assert!(message.contains("can never settle"), "{message}");
    probe_is_clean(&runner);
}

/// A timer keeps the promise alive, so the deadline ends it: not sooner
/// (time only ever runs late on a busy machine, never early).
#[test]
fn a_promise_waiting_on_a_long_timer_times_out_at_the_deadline() {
    let started = Instant::now();
    let outcome = run_on(
        &shared_runner(),
        "exports.onExecutePostLogin = async () => { await new Promise((r) => setTimeout(r, 600000)); };",
        endless_limits(),
    );
    let (kind, message) = failure(&outcome);
    assert_eq!(kind, ErrorKind::Timeout);
    let deadline = humantime::format_duration(ENDLESS_DEADLINE);
    assert!(
        message.contains(&format!("the flow's deadline of {deadline} passed")),
        "{message}"
    );
    assert!(
        started.elapsed() >= ENDLESS_DEADLINE,
        "ended before the deadline"
    );
}

#[test]
fn a_memory_bomb_hits_the_limit_even_when_caught_and_the_next_execution_runs() {
    let runner = shared_runner();
    let outcome = run_on(
        &runner,
        "exports.onExecutePostLogin = async (e, api) => {
           const hoard = [];
           for (let i = 0; i < 1e7; i++) {
             try { hoard.push('x'.repeat(1 << 16) + i); } catch (err) { hoard.length = 0; }
           }
           api.idToken.setCustomClaim('survived', true);
         };",
        test_limits(),
    );
    let (kind, message) = failure(&outcome);
    assert_eq!(kind, ErrorKind::MemoryLimit);
    assert!(message.contains("16 MiB"), "{message}");
    probe_is_clean(&runner);
}

#[test]
fn deep_recursion_is_a_catchable_range_error_not_a_crash() {
    let outcome = run_action(
        "function down(n) { return down(n + 1) + 1; }
         exports.onExecutePostLogin = async () => {
           try { down(0); } catch (e) { console.log(e.name); }
           down(0);
         };",
    );
    assert_eq!(outcome.logs[0].message, "RangeError");
    let (kind, _) = failure(&outcome);
    assert_eq!(kind, ErrorKind::Exception);
}

#[test]
fn polluting_builtins_does_not_reach_the_next_execution() {
    let runner = shared_runner();
    let outcome = run_on(
        &runner,
        "Object.prototype.polluted = 'yes';
         globalThis.leak = 1;
         Array.prototype.push = () => { throw new Error('poisoned'); };
         JSON.stringify = () => 'poisoned';
         Function.prototype.call = () => 'poisoned';
         Promise.prototype.then = function () { throw new Error('poisoned'); };
         exports.onExecutePostLogin = async (event, api) => {
           api.idToken.setCustomClaim('https://a.example/still-works', { list: [1, 2] });
           console.log({ a: [1, 2] });
         };",
        test_limits(),
    );
    // The runtime's own code keeps working in the poisoned realm...
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        calls(&outcome),
        [r#"idToken.setCustomClaim("https://a.example/still-works",{"list":[1,2]})"#]
    );
    assert_eq!(outcome.logs[0].message, "{ a: [ 1, 2 ] }");
    // ...and nothing of it survives into the next execution.
    probe_is_clean(&runner);
}

#[test]
fn pending_timers_and_unhandled_rejections_are_reported() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async () => {
           setTimeout(() => {}, 10000);
           Promise.reject(new Error('nobody listens'));
         };",
    );
    assert_eq!(outcome.status, Status::Allowed);
    let warnings = warnings(&outcome);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("1 timer was still pending")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("unhandled promise rejection: Error: nobody listens")),
        "{warnings:?}"
    );
}

/// Timers fire in the order they are due, whenever the engine gets to them.
/// An interval re-arms from when it fired, so how its ticks interleave with
/// other timers depends on the machine's load (in Node too): its ticks are
/// counted on their own.
/// The timers one task sets fire in the order of their delays, however
/// slowly the task's own code runs (on a busy machine, say): the
/// busy-wait below takes longer than the 5 ms timer, which must still wait
/// for the immediate set after it.
#[test]
fn timers_fire_in_order_and_can_be_cleared() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async () => {
           const seen = [];
           await new Promise((resolve) => {
             setTimeout(() => seen.push('b'), 20);
             setTimeout(() => seen.push('a'), 5);
             const never = setTimeout(() => seen.push('never'), 10);
             clearTimeout(never);
             const slow = performance.now() + 30;
             while (performance.now() < slow) {}
             setImmediate(() => seen.push('now'));
             setTimeout(resolve, 40);
           });
           let ticks = 0;
           await new Promise((resolve) => {
             const every = setInterval(() => { if (++ticks === 2) { clearInterval(every); setTimeout(resolve, 20); } }, 1);
           });
           console.log(seen.join(','), 'ticks', ticks);
         };",
    );
    assert_eq!(outcome.logs[0].message, "now,a,b ticks 2");
}

#[test]
fn an_exception_in_a_timer_callback_fails_the_execution() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async () => {
           await new Promise((resolve) => { setTimeout(() => { throw new Error('late'); }, 1); setTimeout(resolve, 50); });
         };",
    );
    assert_eq!(
        failure(&outcome),
        (ErrorKind::Exception, "late".to_string())
    );
}

#[test]
fn console_output_is_capped() {
    let mut flow = Flow::post_login(vec![action(
        "chatty.js",
        "exports.onExecutePostLogin = async () => { for (let i = 0; i < 10000; i++) console.log('x'.repeat(100)); };",
    )]);
    flow.limits = Limits {
        log_bytes: 10_000,
        ..test_limits()
    };
    let outcome = Runner::new().run(&flow).expect("runs");
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(outcome.logs.len(), 99);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.message.contains("console output passed"))
    );
}

#[test]
fn a_fixed_clock_applies_to_scripts() {
    let mut flow = Flow::post_login(vec![action(
        "clock.js",
        "exports.onExecutePostLogin = async () => {
           console.log(Date.now(), new Date().toISOString(), new Date(0).toISOString(), new Date() instanceof Date);
         };",
    )]);
    flow.settings.now = Some("2026-11-26T09:15:00Z".into());
    let outcome = Runner::new().run(&flow).expect("runs");
    assert_eq!(
        outcome.logs[0].message,
        "1795684500000 2026-11-26T09:15:00.000Z 1970-01-01T00:00:00.000Z true"
    );
}

#[test]
fn no_host_authority_reaches_the_script() {
    // `process` and `fetch` exist, as in Node, but hold no authority: the
    // environment is empty, process control throws, the network is off.
    let outcome = run_action(
        "exports.onExecutePostLogin = async () => {
           const names = ['std', 'os', 'scriptArgs', 'print', 'load'];
           console.log(names.filter((n) => typeof globalThis[n] !== 'undefined').join(',') || 'none');
           try { require('fs').readFileSync('/etc/hostname'); } catch (e) { console.log(e.code); }
           try { require('child_process'); } catch (e) { console.log(e.code); }
           console.log(Object.keys(process.env).length);
           try { process.binding('fs'); } catch (e) { console.log(e.message); }
           try { await fetch('https://example.com/'); } catch (e) { console.log(e.message); }
         };",
    );
    let lines = logs(&outcome);
    assert_eq!(
        lines,
        [
            "none",
            "ENOENT",
            "MODULE_NOT_FOUND",
            "0",
            "process.binding() is not available to scripts",
            "fetch failed: network access to example.com is not allowed: scripts get no network by default. \
             Allow it with --allow-net example.com (or answer it from a file with --http-mock FILE)"
        ]
    );
}

/// A script that changes everything it can reach in its realm: builtins
/// and their prototypes, globals (plain, lazily defined, replaced), the
/// symbol registry, Node modules' objects, error hooks, timers, pending
/// promises and finalizers.
const WRITER: &str = "
Object.prototype.polluted = 'yes';
Array.prototype.map = function () { return ['poisoned']; };
String.prototype.trim = function () { return 'poisoned'; };
JSON.parse = () => 'poisoned';
Math.random = () => 4;
Date.prototype.getTime = () => 0;
Promise.prototype.then = function () { throw new Error('poisoned'); };
globalThis.leak = 1;
var leakedVar = 1;
Buffer = 'poisoned';
console.log = () => {};
Error.prepareStackTrace = () => 'poisoned';
globalThis[Symbol.for('actionbox.test')] = true;
require('crypto').leaked = true;
require('util').inspect = () => 'poisoned';
setTimeout(() => { globalThis.late = 1; }, 5);
new FinalizationRegistry(() => { globalThis.finalized = 1; }).register({}, 1);
globalThis.kept = new WeakRef({});
new Promise(() => {});
for (let i = 0; i < 200; i++) globalThis['atom' + i + Math.random()] = Symbol('atom' + i);
exports.onExecutePostLogin = async (event, api) => {
  api.cache.set('written', 'by the writer');
  api.idToken.setCustomClaim('https://a.example/writer', true);
};";

/// Reports every trace of a writer it finds.
const ISOLATION_PROBE: &str = "
const found = [];
const check = (what, clean) => { if (!clean) found.push(what); };
check('Object.prototype', ({}).polluted === undefined);
check('Array.prototype.map', [1].map((x) => x + 1)[0] === 2);
check('String.prototype.trim', ' a '.trim() === 'a');
check('JSON.parse', JSON.parse('1') === 1);
check('Math.random', Math.random() < 1);
check('Date.prototype.getTime', new Date(5).getTime() === 5);
check('Promise.prototype.then', typeof Promise.resolve(1).then(() => {}) === 'object');
check('globalThis.leak', typeof globalThis.leak === 'undefined');
check('var', typeof leakedVar === 'undefined');
check('Buffer', typeof Buffer === 'function' && Buffer.from('a').length === 1);
check('console.log', console.log.toString().indexOf('=>') === -1);
check('Error.prepareStackTrace', Error.prepareStackTrace === undefined);
check('Symbol registry', globalThis[Symbol.for('actionbox.test')] === undefined);
check('crypto module', require('crypto').leaked === undefined);
check('util module', require('util').inspect({ a: 1 }) === '{ a: 1 }');
check('timers', typeof globalThis.late === 'undefined');
check('finalizers', typeof globalThis.finalized === 'undefined' && typeof globalThis.kept === 'undefined');
check('new property names', !Object.getOwnPropertyNames(globalThis).some((name) => name.startsWith('atom')));
exports.onExecutePostLogin = async (event, api) => {
  check('api.cache', api.cache.get('written') === undefined);
  api.idToken.setCustomClaim('https://a.example/found', found);
};";

/// 10,000 executions on one script thread, where each isolate is the same
/// runtime rewound to the image it was built with (docs/security.md,
/// hazard 6): a probe after each writer finds nothing it did.
#[test]
fn alternating_writers_and_probes_find_nothing_of_each_other() {
    // One executor thread: every execution runs where the previous one
    // ran (and where its isolate was rewound or freed).
    let runner = shared_runner();
    for round in 0..5_000 {
        let written = run_on(&runner, WRITER, test_limits());
        assert_eq!(written.status, Status::Allowed, "{:?}", written.error);
        let probed = run_on(&runner, ISOLATION_PROBE, test_limits());
        assert_eq!(probed.status, Status::Allowed, "{:?}", probed.error);
        assert_eq!(
            calls(&probed),
            [r#"idToken.setCustomClaim("https://a.example/found",[])"#],
            "round {round}"
        );
    }
}

/// Each script thread builds the next execution's isolate ahead of it
/// (docs/performance.md, "Isolates built ahead"). What it built must take
/// the limits of the flow that uses it, whatever the last flow's were, and
/// must be as fresh as one built for it: nothing of the previous execution
/// (its globals, prototypes, timers, pending jobs) is in it.
#[test]
fn an_isolate_built_ahead_takes_the_next_flows_limits_and_nothing_else() {
    let runner = shared_runner();
    const POLLUTER: &str = "exports.onExecutePostLogin = async () => {
  Object.prototype.polluted = true;
  globalThis.leak = 1;
  setTimeout(() => { globalThis.leak = 2; }, 0);
  Promise.resolve().then(() => { Object.prototype.polluted = 'late'; });
  new Promise(() => {});
};";
    for _ in 0..50 {
        let outcome = run_on(&runner, POLLUTER, test_limits());
        assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
        probe_is_clean(&runner);
    }
    // A smaller memory limit than the one the isolate was built under.
    let outcome = run_on(
        &runner,
        "exports.onExecutePostLogin = async () => { const a = []; for (;;) a.push('x'.repeat(1000) + a.length); };",
        Limits {
            // The smallest limit a flow may set.
            memory_bytes: 1 << 20,
            ..test_limits()
        },
    );
    assert_eq!(failure(&outcome).0, ErrorKind::MemoryLimit);
    let peak = outcome.timings_us.scripts[0].peak_memory_bytes;
    assert!(peak <= 1 << 20, "held {peak} bytes under a 1 MiB limit");
    // A deadline that starts with this flow, not when the isolate was built.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let started = Instant::now();
    let outcome = run_on(
        &runner,
        "exports.onExecutePostLogin = async () => { while (true) {} };",
        endless_limits(),
    );
    assert_eq!(failure(&outcome).0, ErrorKind::Timeout);
    assert!(
        started.elapsed() >= ENDLESS_DEADLINE,
        "ran the whole deadline"
    );
    // A flow of another kind (a Rule's runtime files) after Actions, and
    // an Action after it.
    let rule_flow = Flow::post_login(vec![rule(
        "rule.js",
        "function (user, context, callback) { console.log(typeof Object.prototype.polluted, typeof global.leak); callback(null, user, context); }",
    )])
    .with_limits(test_limits());
    let outcome = runner.run(&rule_flow).expect("runs");
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(logs(&outcome), ["undefined undefined"]);
    probe_is_clean(&runner);
}

/// Flows of different triggers in turn on one script thread: the isolate
/// built ahead for one kind is not used by the other (each gets the
/// runtime files of its own trigger), and both keep working.
#[test]
fn flows_of_different_triggers_in_turn_each_get_their_own_runtime() {
    let runner = shared_runner();
    let rule_flow = Flow::post_login(vec![rule(
        "rule.js",
        "function (user, context, callback) { console.log(typeof api, typeof configuration); callback(null, user, context); }",
    )])
    .with_limits(test_limits());
    for _ in 0..5 {
        let outcome = runner.run(&rule_flow).expect("runs");
        assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
        assert_eq!(logs(&outcome), ["undefined object"]);
        probe_is_clean(&runner);
    }
}

/// A flow run again and again keeps its built event (docs/performance.md),
/// but one whose event changed between runs sees the new one, down to the
/// order of its keys.
#[test]
fn a_flow_run_again_sees_its_event_as_it_is_at_each_run() {
    let runner = shared_runner();
    let source = "exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://a.example/seen', event.user.email + ' ' + Object.keys(event.user.app_metadata).join());
};";
    let mut fixture = event("post-login-database.json");
    fixture["user"]["app_metadata"] = serde_json::json!({ "a": 1, "b": 2 });
    let mut flow = Flow::post_login(vec![action("seen.js", source)]).with_event(fixture.clone());
    let seen = |flow: &Flow| calls(&runner.run(flow).expect("runs"));
    let first = seen(&flow);
    assert_eq!(seen(&flow), first);
    assert_eq!(seen(&flow), first);
    fixture["user"]["email"] = "changed@example.com".into();
    flow.event = Some(fixture.clone());
    for _ in 0..2 {
        assert_eq!(
            seen(&flow),
            [r#"idToken.setCustomClaim("https://a.example/seen","changed@example.com a,b")"#]
        );
    }
    // Equal as JSON values, but the script sees another key order.
    fixture["user"]["app_metadata"] = serde_json::json!({ "b": 2, "a": 1 });
    flow.event = Some(fixture);
    assert_eq!(
        seen(&flow),
        [r#"idToken.setCustomClaim("https://a.example/seen","changed@example.com b,a")"#]
    );
}
