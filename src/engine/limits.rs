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

/// The longest deadline a flow may have: Auth0 allows 20 s; more than five
/// minutes is a mistake (docs/inputs.md).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(300);

/// The most memory one execution may have: worker processes reserve address
/// space for it, and Auth0's own isolates get far less (docs/inputs.md).
pub const MAX_MEMORY_BYTES: usize = 1 << 30;

/// The least memory an isolate can start with.
pub const MIN_MEMORY_BYTES: usize = 1 << 20;

impl Limits {
    /// Whether these limits can be honoured: a deadline above zero and at
    /// most [`MAX_TIMEOUT`], memory between [`MIN_MEMORY_BYTES`] and
    /// [`MAX_MEMORY_BYTES`].
    pub fn check(&self) -> Result<(), String> {
        if self.timeout.is_zero() {
            return Err("the timeout must be above zero (Auth0 allows 20s)".into());
        }
        if self.timeout > MAX_TIMEOUT {
            return Err(format!(
                "a timeout of {}s is more than the most actionbox allows, {} (Auth0 allows 20s)",
                self.timeout.as_secs(),
                humantime::format_duration(MAX_TIMEOUT)
            ));
        }
        if self.memory_bytes < MIN_MEMORY_BYTES {
            return Err(format!(
                "a memory limit of {} bytes is too small: an isolate needs at least 1MiB",
                self.memory_bytes
            ));
        }
        if self.memory_bytes > MAX_MEMORY_BYTES {
            return Err(format!(
                "a memory limit of {} MiB is more than actionbox can honour, 1GiB per execution",
                self.memory_bytes >> 20
            ));
        }
        Ok(())
    }

    /// Stack size for the threads that run scripts.
    pub(crate) fn thread_stack_bytes(&self) -> usize {
        (self.stack_bytes * 4).max(8 << 20)
    }
}
