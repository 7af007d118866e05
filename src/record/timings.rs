//! How long a script's phases took.

use serde::{Deserialize, Serialize};

/// Time spent in each phase of one script's execution, in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseTimings {
    /// Creating the runtime and context and loading actionbox's own JS.
    pub isolate_us: u64,
    /// Bringing the event in: parsing it and building the `api` (for
    /// Rules, `user`, `context` and the globals).
    #[serde(default)]
    pub event_us: u64,
    /// Reading the script's bytecode and running its module-level code.
    pub load_us: u64,
    /// The handler (or Rule), until it settled.
    pub handler_us: u64,
}
