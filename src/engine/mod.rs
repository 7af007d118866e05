//! QuickJS: isolates with hard limits, the runtime's JavaScript, the host
//! functions, and the runners for Actions and Rules.

pub(crate) mod action;
pub(crate) mod bytecode;
mod esm;
pub(crate) mod guards;
pub(crate) mod host;
pub(crate) mod isolate;
mod limits;
pub mod modules;
pub(crate) mod pool;
pub(crate) mod rule;
pub(crate) mod runtime_js;
mod script_error;
pub(crate) mod services;

pub use crate::runtime::{NodeConfig, NodeRuntime};
pub use limits::{Limits, MAX_MEMORY_BYTES, MAX_TIMEOUT, MIN_MEMORY_BYTES};

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::record::ScriptError;
use crate::record::{Command, LogEntry, PhaseTimings, Warning};

/// What every isolate of a flow shares: its limits and deadline, its clock,
/// and its access to the outside world.
#[derive(Clone)]
pub(crate) struct ExecEnv {
    pub limits: Limits,
    pub deadline: Instant,
    pub clock: Clock,
    pub node: Arc<NodeConfig>,
    pub services: Arc<dyn services::Services>,
}

/// The source of one of the runtime's own files (`primordials.js`,
/// `post-login-api.js`), for running the same facade elsewhere (bench's
/// Node comparison).
pub fn runtime_source(file: &str) -> Option<&'static str> {
    runtime_js::source_of(file)
}

/// Compiles the runtime's own JavaScript now rather than in the first
/// execution (workers do it before they close their sandbox).
pub fn warm_up() {
    for file in runtime_js::all() {
        let _ = runtime_js::bytecode(file);
    }
    for files in runtime_js::bundles() {
        let _ = runtime_js::bundle(&files);
    }
}

/// How many QuickJS runtimes this process let go with their thread's slab
/// instead of freeing them object by object (docs/performance.md, "Sixth
/// round"): every one whose memory was all in the slab when it ended, when
/// built with the patched QuickJS in vendor/rquickjs-sys.
pub fn runtimes_let_go() -> u64 {
    guards::runtimes_let_go()
}

/// How many isolates this process put back as they were built ahead,
/// from an image of their memory, instead of freeing them and building
/// the next (docs/performance.md, "Seventh round").
pub fn isolates_rewound() -> u64 {
    isolate::rewound()
}

/// What one script execution produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ScriptRun {
    pub script: String,
    pub error: Option<ScriptError>,
    pub commands: Vec<Command>,
    pub logs: Vec<LogEntry>,
    pub warnings: Vec<Warning>,
    pub timings: PhaseTimings,
    pub peak_memory_bytes: usize,
    /// Every outbound request the script made.
    pub requests: Vec<crate::record::RequestRecord>,
    /// The npm packages the script loaded.
    #[serde(default)]
    pub packages: Vec<crate::record::PackageUse>,
}

impl ScriptRun {
    pub(crate) fn new(script: &str) -> ScriptRun {
        ScriptRun {
            script: script.to_string(),
            error: None,
            commands: Vec::new(),
            logs: Vec::new(),
            warnings: Vec::new(),
            timings: PhaseTimings::default(),
            peak_memory_bytes: 0,
            requests: Vec::new(),
            packages: Vec::new(),
        }
    }

    /// Takes everything the isolate recorded, and notes what was left
    /// pending when the script finished.
    pub(crate) fn collect(&mut self, scope: &isolate::Scope<'_>) {
        {
            let mut state = scope.state.borrow_mut();
            let pending = state.timers.referenced();
            if pending > 0 && self.error.is_none() {
                state.warn(format!(
                    "{pending} timer{} still pending when the script finished; cancelled (Auth0 does not wait for them either)",
                    if pending == 1 { " was" } else { "s were" }
                ));
            }
            state.timers.clear_all();
            let in_flight = state.fetches.drop_in_flight();
            if in_flight > 0 && self.error.is_none() {
                state.warn(format!(
                    "{in_flight} request{} still in flight when the script finished; dropped",
                    if in_flight == 1 { " was" } else { "s were" }
                ));
            }
            let unhandled = std::mem::take(&mut state.unhandled_rejections);
            for (_, reason) in unhandled {
                state.warn(format!("unhandled promise rejection: {reason}"));
            }
        }
        self.take_records(scope);
        self.peak_memory_bytes = scope.guards.peak_memory();
    }

    /// Takes what the isolate recorded so far (several scripts can share an
    /// isolate: the Rules of one login).
    pub(crate) fn take_records(&mut self, scope: &isolate::Scope<'_>) {
        let mut state = scope.state.borrow_mut();
        self.commands.append(&mut state.commands);
        self.logs.append(&mut state.logs);
        self.warnings.append(&mut state.warnings);
        self.requests.extend(state.fetches.take_finished());
        for used in state.packages.drain(..) {
            if !self.packages.contains(&used) {
                self.packages.push(used);
            }
        }
    }
}
