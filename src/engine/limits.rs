//! Every limit an execution runs under, in one place.

use std::time::Duration;

/// Limits for one flow (a login, or one trigger execution).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Wall-clock deadline for the whole flow (Auth0 allows 20 s).
    pub timeout: Duration,
    /// Memory one isolate may allocate (QuickJS heap).
    pub memory_bytes: usize,
    /// Native stack JavaScript may use. Executor threads get at least four
    /// times as much, so a stack overflow is always an error, never a crash.
    pub stack_bytes: usize,
    /// Console output kept per flow; the rest is dropped and the log says so.
    pub log_bytes: usize,
    /// Commands (api calls) one flow may record.
    pub commands: usize,
    /// Total size of the commands' arguments, as JSON.
    pub command_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(20),
            memory_bytes: 64 << 20,
            stack_bytes: 1 << 20,
            log_bytes: 256 << 10,
            commands: 10_000,
            command_bytes: 8 << 20,
        }
    }
}

impl Limits {
    /// Stack size for the threads that run scripts.
    pub(crate) fn thread_stack_bytes(&self) -> usize {
        (self.stack_bytes * 4).max(8 << 20)
    }
}
