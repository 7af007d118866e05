//! The `bench` command: what it measures and reports. (Speed itself is
//! measured in benches/, never asserted in tests.)

use std::process::Command;

use crate::common::*;
use actionbox::bench::{BenchConfig, bench};
use actionbox::{Flow, Runner};
use serde_json::Value;

#[test]
fn bench_reports_every_figure_as_json() {
    let output = actionbox(&[
        "bench",
        "benches/fixtures/bench-action.js",
        "--event",
        "actions/events/post-login-database.json",
        "--iterations",
        "40",
        "--warmup",
        "5",
        "--concurrency",
        "2",
        "--format",
        "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("json");
    let report = &out["report"];
    assert_eq!(report["executions"], 40);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["concurrency"], 2);
    assert_eq!(report["isolation"], "process");
    // The workers' CPU time is read from /proc and added to this
    // process's (it was left out before: `null`).
    let cpu = report["cpu_us_per_execution"].as_f64();
    assert!(
        cpu.is_some_and(|cpu| cpu > 0.0),
        "{}",
        report["cpu_us_per_execution"]
    );
    let latency = &report["latency_us"];
    let (p50, p99, max) = (
        latency["p50"].as_u64().expect("p50"),
        latency["p99"].as_u64().expect("p99"),
        latency["max"].as_u64().expect("max"),
    );
    assert!(p50 > 0 && p50 <= p99 && p99 <= max, "{latency}");
    for phase in [
        "prepare", "handoff", "isolate", "event", "load", "handler", "tokens",
    ] {
        assert!(
            report["phases_us"][phase].as_u64().expect(phase) > 0,
            "{phase}: {}",
            report["phases_us"]
        );
    }
    // The phases add up to the latency: each execution's time is in one
    // of them (`other` is what the clock reads between them leave), and
    // each mean is rounded down (a clock read on another thread or in a
    // worker process can overlap by a microsecond).
    let phases = &report["phases_us"];
    let summed: u64 = [
        "prepare", "handoff", "isolate", "event", "load", "handler", "host", "tokens", "outcome",
        "other",
    ]
    .iter()
    .map(|phase| phases[*phase].as_u64().expect(phase))
    .sum();
    let mean = latency["mean"].as_u64().expect("mean");
    assert!(
        summed.abs_diff(mean) <= 10 + mean / 100,
        "phases {phases} add up to {summed}, the mean latency is {mean}"
    );
    assert!(report["cold_us"].as_u64().expect("cold") > 0);
    assert!(report["peak_isolate_bytes"].as_u64().expect("memory") > 100_000);
    assert!(report["peak_workers_rss_kib"].as_u64().expect("workers") > 0);
    let counted: u64 = report["histogram"]
        .as_array()
        .expect("histogram")
        .iter()
        .map(|b| b["count"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(counted, 40, "every execution is in the histogram");
    // JSON output is for machines: no progress bar.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn bench_counts_failures_with_the_first_error() {
    let report = bench(
        &Runner::new(),
        &Flow::post_login(vec![action(
            "boom.js",
            "exports.onExecutePostLogin = async () => { throw new Error('kaput'); };",
        )]),
        &BenchConfig {
            iterations: Some(10),
            duration: None,
            warmup: 0,
            concurrency: 1,
            stop: None,
        },
        &|_, _| {},
    )
    .expect("bench");
    assert_eq!(report.executions, 10);
    assert_eq!(report.failed, 10);
    assert_eq!(report.first_error.as_deref(), Some("kaput"));
}

#[test]
fn bench_vs_measures_two_flows_side_by_side() {
    let output = actionbox(&[
        "bench",
        "actions/rules/add-connection-to-user.js",
        "--vs",
        "actions/add-connection.js",
        "--event",
        "actions/events/post-login-database.json",
        "--iterations",
        "20",
        "--warmup",
        "2",
        "--isolation",
        "thread",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("bench add-connection-to-user.js (post-login"),
        "{text}"
    );
    assert!(text.contains("vs add-connection.js"), "{text}");
    assert!(
        text.contains("× the throughput of add-connection.js"),
        "{text}"
    );
    assert!(text.contains("Latency histogram"), "{text}");
}

#[test]
fn bench_compares_with_node_in_the_same_run_when_node_is_there() {
    if Command::new("node").arg("--version").output().is_err() {
        // Without node the flag is an input error that says what is missing.
        let output = actionbox(&[
            "bench",
            "benches/fixtures/bench-action.js",
            "--iterations",
            "3",
            "--compare-node",
        ]);
        assert_eq!(output.status.code(), Some(2));
        assert!(
            stderr(&output).contains("--compare-node needs node on PATH"),
            "{}",
            stderr(&output)
        );
        eprintln!("node is not installed: the comparison itself was not checked");
        return;
    }
    let output = actionbox(&[
        "bench",
        "benches/fixtures/bench-action.js",
        "--event",
        "actions/events/post-login-database.json",
        "--iterations",
        "30",
        "--warmup",
        "5",
        "--compare-node",
        "--format",
        "json",
        "--isolation",
        "thread",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("json");
    let node = &out["node"];
    assert_eq!(node["node"]["executions"], 30);
    assert!(
        node["node"]["node"]
            .as_str()
            .expect("version")
            .starts_with('v')
    );
    assert_eq!(node["actionbox"]["executions"], 30);
    assert_eq!(
        node["actionbox"]["phases_us"]["tokens"], 0,
        "the same work on both sides: no tokens"
    );
    assert!(node["throughput_ratio"].as_f64().expect("ratio") > 0.0);
    // CPU time per execution, on both sides (a measure, not a speed).
    assert!(
        node["node"]["cpu_us_per_execution"]
            .as_f64()
            .is_some_and(|cpu| cpu > 0.0),
        "{node}"
    );
    assert!(
        node["actionbox"]["cpu_us_per_execution"]
            .as_f64()
            .is_some_and(|cpu| cpu > 0.0),
        "{node}"
    );
    assert!(
        node["cpu_ratio"].as_f64().is_some_and(|r| r > 0.0),
        "{node}"
    );
}

#[test]
fn bench_runs_a_tenant_folder_flow() {
    let output = actionbox(&[
        "bench",
        "--tenant",
        "actions/tenant-example",
        "--event",
        "actions/events/post-login-database.json",
        "--iterations",
        "10",
        "--warmup",
        "1",
        "--isolation",
        "thread",
        "--format",
        "json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        out["scripts"],
        serde_json::json!([
            "Add roles to tokens",
            "Deny blocked email domain",
            "add-login-source",
            "partner-session-token"
        ])
    );
    assert_eq!(out["report"]["executions"], 10);
    assert_eq!(out["report"]["failed"], 0);
}
