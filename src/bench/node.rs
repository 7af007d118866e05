//! The same-run comparison with Node (`bench --compare-node`): one Action
//! run in Node's `vm` module, a fresh context per execution (node.js beside
//! this file), and in actionbox on the same work, one at a time. Node is a
//! reference for measuring only: nothing else in actionbox needs it.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{BenchConfig, BenchReport, Latency, bench};
use crate::error::Error;
use crate::pipeline::Flow;
use crate::runner::Runner;
use crate::script::{Script, ScriptKind, Trigger};

/// What Node measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeReport {
    /// Node's version (`v20.11.1`).
    pub node: String,
    pub executions: u64,
    pub elapsed_ms: u64,
    pub executions_per_second: f64,
    pub latency_us: Latency,
    pub peak_rss_kib: u64,
    /// CPU time (user and system, every thread of Node) per execution.
    #[serde(default)]
    pub cpu_us_per_execution: f64,
}

/// The comparison: both sides run the script alone (event in → handler →
/// commands out, no tokens), one at a time.
#[derive(Debug, Clone, Serialize)]
pub struct NodeComparison {
    pub node: NodeReport,
    pub actionbox: BenchReport,
    /// actionbox executions per second ÷ Node's.
    pub throughput_ratio: f64,
    /// Node's p99 ÷ actionbox's.
    pub p99_ratio: f64,
    /// Node's CPU time per execution ÷ actionbox's (above 1: actionbox
    /// costs the machine less per execution).
    pub cpu_ratio: Option<f64>,
}

/// The Node side's harness.
const HARNESS: &str = include_str!("node.js");

/// The runtime files Node loads to run a post-login Action with
/// actionbox's own `api` facade (the same work on both sides).
const POST_LOGIN_FACADE: [&str; 3] = [
    "primordials.js",
    "post-login-api.js",
    "post-login-extras.js",
];

/// Runs the flow's one Action in `node` (found on `PATH`) and in actionbox
/// (tokens off, concurrency 1), for as long or as many times as `config`
/// says. `progress` follows actionbox's side, as in [`bench`].
pub fn compare_with_node(
    runner: &Runner,
    flow: &Flow,
    config: &BenchConfig,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> Result<NodeComparison, Error> {
    let action = only_action(flow)?;
    let node = run_node(flow, action, config)?;
    let mut same_work = flow.clone();
    same_work.issue_tokens = false;
    let single = BenchConfig {
        concurrency: 1,
        ..config.clone()
    };
    let actionbox = bench(runner, &same_work, &single, progress)?;
    let throughput_ratio = actionbox.executions_per_second / node.executions_per_second.max(1e-9);
    let p99_ratio = node.latency_us.p99 as f64 / (actionbox.latency_us.p99.max(1)) as f64;
    let cpu_ratio = actionbox
        .cpu_us_per_execution
        .filter(|&ours| ours > 0.0 && node.cpu_us_per_execution > 0.0)
        .map(|ours| node.cpu_us_per_execution / ours);
    Ok(NodeComparison {
        node,
        actionbox,
        throughput_ratio,
        p99_ratio,
        cpu_ratio,
    })
}

/// Node has no Rules runtime: the comparison measures one Action alone.
fn only_action(flow: &Flow) -> Result<&Script, Error> {
    let actions: Vec<&Script> = flow
        .scripts
        .iter()
        .filter(|s| matches!(s.kind, ScriptKind::Action(_)))
        .collect();
    let [action] = actions.as_slice() else {
        return Err(Error::invalid(
            "--compare-node measures one Action (Node has no Rules runtime); give exactly one Action",
        ));
    };
    if flow.scripts.len() != 1 {
        return Err(Error::invalid(
            "--compare-node measures one Action alone; leave out the Rules",
        ));
    }
    Ok(action)
}

fn run_node(flow: &Flow, action: &Script, config: &BenchConfig) -> Result<NodeReport, Error> {
    let dir = tempfile::tempdir().map_err(|e| {
        Error::Internal(format!(
            "cannot create a temporary folder for the Node harness: {e}"
        ))
    })?;
    let write = |name: &str, contents: &[u8]| -> Result<std::path::PathBuf, Error> {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).map_err(|cause| Error::Io {
            path: path.clone(),
            cause,
        })?;
        Ok(path)
    };
    let harness = write("bench-node.js", HARNESS.as_bytes())?;
    let script_path = match &action.path {
        Some(path) => path.canonicalize().unwrap_or_else(|_| path.clone()),
        None => write(&action.name, action.source.as_bytes())?,
    };
    // Node gets the same complete event actionbox's scripts see.
    let event = crate::event::build(flow.trigger, flow.event.as_ref());
    let event_path = write("event.json", event.to_string().as_bytes())?;
    let duration_ms = config
        .duration
        .unwrap_or(Duration::from_secs(5))
        .as_millis()
        .to_string();
    let mut runtime_dir: Option<&Path> = None;
    if flow.trigger == Trigger::PostLogin {
        for file in POST_LOGIN_FACADE {
            let source = crate::engine::runtime_source(file).ok_or_else(|| {
                Error::Internal(format!("the runtime file {file} is not embedded"))
            })?;
            write(file, source.as_bytes())?;
        }
        runtime_dir = Some(dir.path());
    }
    let output = std::process::Command::new("node")
        .arg(&harness)
        .arg(&script_path)
        .arg(&event_path)
        .arg(flow.trigger.handler())
        .arg(config.iterations.unwrap_or(0).to_string())
        .arg(&duration_ms)
        .arg(config.warmup.to_string())
        .args(runtime_dir)
        .output()
        .map_err(|e| Error::invalid(format!("--compare-node needs node on PATH: {e}")))?;
    if !output.status.success() {
        return Err(Error::invalid(format!(
            "node failed on {}: {}",
            action.name,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        Error::Internal(format!(
            "the Node harness printed no report ({e}): {}",
            String::from_utf8_lossy(&output.stdout).trim()
        ))
    })
}
