//! Soak test (not part of the test suite): runs a mix of the example and the
//! hostile scripts through worker processes at full concurrency for a while
//! and reports, at intervals, the memory and file descriptors of the parent
//! and its workers, and how many workers were killed or replaced. Anything
//! that accumulates shows as growth across the rows.
//!
//!     cargo build --release
//!     cargo run --release --example soak -- --minutes 10

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actionbox::bench::{children, rss_kib};
use actionbox::net::NetPolicy;
use actionbox::{Flow, Limits, Runner, Script, ScriptKind, Settings, Trigger};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn scripts(dir: &Path) -> Vec<Script> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .filter_map(|p| Script::from_file(&p).ok())
        .collect()
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

fn main() {
    let minutes: f64 = arg("--minutes")
        .and_then(|m| m.parse().ok())
        .unwrap_or(10.0);
    let interval =
        Duration::from_secs(arg("--interval").and_then(|s| s.parse().ok()).unwrap_or(30));
    let binary = arg("--binary").unwrap_or_else(|| "target/release/actionbox".into());
    let concurrency: usize = arg("--concurrency")
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let mut mix = scripts(Path::new("actions"));
    mix.extend(scripts(Path::new("actions/rules")));
    mix.extend(scripts(Path::new("tests/hostile")));
    let settings = Settings::from_file("actions/actionbox.json").unwrap_or_default();
    // Each trigger's example event (post-login's database login for Rules).
    let event_for = |trigger: Trigger| -> serde_json::Value {
        let name = match trigger {
            Trigger::PostLogin => "post-login-database".to_string(),
            other => other.id().to_string(),
        };
        std::fs::read_to_string(format!("actions/events/{name}.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    };
    let events: std::collections::HashMap<Trigger, serde_json::Value> = Trigger::ALL
        .into_iter()
        .map(|t| (t, event_for(t)))
        .collect();
    let mocks = NetPolicy::read_mocks(Path::new("actions/mocks/services.json")).unwrap_or_default();
    let limits = Limits {
        timeout: Duration::from_secs(1),
        memory_bytes: 32 << 20,
        ..Limits::default()
    };
    let runner = Runner::with_workers(&binary, concurrency);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    println!(
        "soak: {} scripts ({} hostile) through {concurrency} worker processes for {minutes} min",
        mix.len(),
        scripts(Path::new("tests/hostile")).len()
    );
    let workers: Vec<_> = (0..concurrency)
        .map(|thread| {
            let (runner, mix, settings, events, limits, mocks) = (
                runner.clone(),
                mix.clone(),
                settings.clone(),
                events.clone(),
                limits.clone(),
                mocks.clone(),
            );
            let (done, failed, stop) = (done.clone(), failed.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = thread;
                while !stop.load(Ordering::Relaxed) {
                    let script = mix[i % mix.len()].clone();
                    i += concurrency;
                    let trigger = match script.kind {
                        ScriptKind::Action(trigger) => trigger,
                        ScriptKind::Rule => Trigger::PostLogin,
                    };
                    let mut flow = Flow::new(trigger, vec![script])
                        .with_event(events[&trigger].clone())
                        .with_settings(settings.clone())
                        .with_limits(limits.clone());
                    flow.node.net.mocks = mocks.clone();
                    match runner.run(&flow) {
                        Ok(outcome) if outcome.error.is_none() => {}
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(minutes * 60.0);
    println!(
        "{:>7} {:>10} {:>9} {:>11} {:>12} {:>9} {:>8} {:>8} {:>8}",
        "minute",
        "runs",
        "failed",
        "parent KiB",
        "workers KiB",
        "parent fd",
        "started",
        "killed",
        "crashed"
    );
    let me = std::process::id();
    loop {
        let now = Instant::now();
        let stats = runner.worker_stats();
        let workers_rss: u64 = children(me).into_iter().map(rss_kib).sum();
        println!(
            "{:>7.1} {:>10} {:>9} {:>11} {:>12} {:>9} {:>8} {:>8} {:>8}",
            started.elapsed().as_secs_f64() / 60.0,
            done.load(Ordering::Relaxed),
            failed.load(Ordering::Relaxed),
            rss_kib(me),
            workers_rss,
            fds(me),
            stats.started,
            stats.killed,
            stats.crashed
        );
        if now >= end {
            break;
        }
        std::thread::sleep(interval.min(end - now));
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.join();
    }
}
