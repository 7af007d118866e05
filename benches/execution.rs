//! Criterion benchmarks of each phase and of the whole execution, through
//! the public API. `cargo bench` runs them; `actionbox bench` measures
//! flows the way users do (percentiles, concurrency, worker processes, the
//! Node comparison: see benches/node-compare.sh).

use std::path::Path;

use actionbox::token::Keys;
use actionbox::{Flow, Runner, Script, Settings, Trigger, check_script, event};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

fn bench_action() -> Script {
    Script::from_file(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures/bench-action.js"),
    )
    .expect("bench action")
}

fn event_fixture() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("actions/events/post-login-database.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("event")).expect("json")
}

fn whole_execution(c: &mut Criterion) {
    let runner = Runner::new();
    let flow = Flow::post_login(vec![bench_action()]).with_event(event_fixture());
    let mut no_tokens = flow.clone();
    no_tokens.issue_tokens = false;
    let mut group = c.benchmark_group("execution");
    group.bench_function("post-login Action, tokens signed (RS256)", |b| {
        b.iter(|| runner.run(&flow).expect("runs"))
    });
    group.bench_function("post-login Action, script only", |b| {
        b.iter(|| runner.run(&no_tokens).expect("runs"))
    });
    group.finish();
}

fn phases(c: &mut Criterion) {
    let fixture = event_fixture();
    let script = bench_action();
    let mut group = c.benchmark_group("phases");
    group.bench_function("event built from a fixture", |b| {
        b.iter(|| event::build(Trigger::PostLogin, Some(&fixture)))
    });
    // The `prepare` phase of `bench` is mostly these two.
    group.bench_function("event checked against the trigger's shape", |b| {
        b.iter(|| event::shape::check(Trigger::PostLogin, &fixture).expect("valid"))
    });
    group.bench_function("script compiled (bytecode cache hit)", |b| {
        b.iter(|| check_script(&script).expect("compiles"))
    });
    let payload = json!({
        "iss": "https://acme-dev.us.auth0.com/", "sub": "auth0|6551f0c2a9b3e4d5f6a7b8c9", "aud": "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j",
        "iat": 1_795_684_500, "exp": 1_795_720_500, "https://app.acme.example/roles": ["customer"],
    });
    let settings = Settings::from_file(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant/actionbox.json"),
    )
    .expect("settings");
    let mut keys = Keys::from_settings(&settings).expect("keys");
    group.bench_function("token signed, RS256 (jsonwebtoken, aws-lc-rs)", |b| {
        b.iter(|| {
            keys.sign(actionbox::tenant::SigningAlg::RS256, "JWT", &payload, None)
                .expect("signs")
        })
    });
    group.bench_function("token signed, HS256", |b| {
        b.iter(|| {
            keys.sign(
                actionbox::tenant::SigningAlg::HS256,
                "JWT",
                &payload,
                Some("client-secret"),
            )
            .expect("signs")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = whole_execution, phases
}
criterion_main!(benches);
