//! The library's entry point: run a [`Flow`] and get an [`Outcome`]. What a
//! run does, step by step, is in [`crate::pipeline`]; the runner only owns
//! where the scripts execute (script threads or worker processes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::Limits;
use crate::engine::pool::Pool;
use crate::error::Error;
use crate::outcome::Outcome;
use crate::pipeline::{self, Flow, Resume};
use crate::redact::Redactor;
use crate::worker::pool::{PoolStats, WorkerPool};
use serde_json::{Map, Value};

/// A flow's outcome as the application receives it, secrets and all,
/// with what masks it for logs and pages.
#[derive(Debug, Clone)]
pub struct AsSent {
    pub outcome: Outcome,
    redactor: Redactor,
}

impl AsSent {
    /// The outcome as `run` shows it: secrets masked, a secret in a token
    /// reported as a warning.
    pub fn masked(&self) -> Outcome {
        pipeline::mask(self.outcome.clone(), &self.redactor)
    }

    pub fn into_masked(self) -> Outcome {
        pipeline::mask(self.outcome, &self.redactor)
    }
}

/// Where flows run.
enum Executor {
    /// Script threads of this process. Fast, but a script stuck inside a
    /// builtin that never polls the interrupt handler (e.g. a giant
    /// `Array.prototype.join`) holds its thread until it finishes.
    Threads(Pool),
    /// Worker processes, killed and replaced when they outlive a flow's
    /// deadline: every limit is hard.
    Processes(WorkerPool),
}

/// Runs flows, in-process on script threads ([`Runner::new`]) or in
/// sandboxed worker processes ([`Runner::with_worker_processes`]). Cheap to
/// clone; one per process is enough.
#[derive(Clone)]
pub struct Runner {
    executor: Arc<Executor>,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Runner {
    /// A runner with one script thread per core, in this process. The
    /// caller accepts that a hostile script can hold a thread past its
    /// deadline (see [`Runner::with_worker_processes`]).
    pub fn new() -> Runner {
        Runner::with_threads(cores())
    }

    pub fn with_threads(threads: usize) -> Runner {
        Runner {
            executor: Arc::new(Executor::Threads(Pool::new(
                threads,
                Limits::default().thread_stack_bytes(),
            ))),
        }
    }

    /// A runner with one worker process per core. `program` is the
    /// actionbox binary (it runs as `program __worker`).
    pub fn with_worker_processes(program: impl Into<std::path::PathBuf>) -> Runner {
        Runner::with_workers(program, cores())
    }

    pub fn with_workers(program: impl Into<std::path::PathBuf>, workers: usize) -> Runner {
        Runner {
            executor: Arc::new(Executor::Processes(WorkerPool::new(
                program.into(),
                workers,
            ))),
        }
    }

    /// How many flows can run at once.
    pub fn threads(&self) -> usize {
        match self.executor.as_ref() {
            Executor::Threads(pool) => pool.size(),
            Executor::Processes(pool) => pool.size(),
        }
    }

    /// Whether flows run in worker processes.
    pub fn isolates_processes(&self) -> bool {
        matches!(self.executor.as_ref(), Executor::Processes(_))
    }

    /// What the worker processes have done (zero for in-process runners).
    pub fn worker_stats(&self) -> PoolStats {
        match self.executor.as_ref() {
            Executor::Threads(_) => PoolStats::default(),
            Executor::Processes(pool) => pool.stats(),
        }
    }

    /// Runs a flow. Input problems (a script that does not parse, a script
    /// of the wrong trigger, a bad clock) are an `Err`; everything the
    /// scripts do — including throwing or timing out — is in the `Outcome`,
    /// with secrets masked for display (docs/behaviour.md, "Secrets").
    pub fn run(&self, flow: &Flow) -> Result<Outcome, Error> {
        let sent = self.run_as_sent(flow)?;
        let masking = Instant::now();
        let mut outcome = sent.into_masked();
        let masked_us = masking.elapsed().as_micros() as u64;
        outcome.timings_us.outcome += masked_us;
        outcome.timings_us.total += masked_us;
        Ok(outcome)
    }

    /// Runs a flow for a host that answers the application itself, as
    /// `serve` does: the outcome keeps every secret value the scripts put
    /// in what Auth0 would send (tokens, the redirect URL, error
    /// descriptions, metadata written to the user); [`AsSent::masked`] is
    /// the version to log or show.
    pub fn run_as_sent(&self, flow: &Flow) -> Result<AsSent, Error> {
        let mut queued = Duration::ZERO;
        let (mut outcome, redactor) = pipeline::run(flow, |job| match self.executor.as_ref() {
            Executor::Threads(pool) => {
                let job = std::sync::Arc::clone(job);
                let submitted = Instant::now();
                let (waited, report) = pool.run(flow.limits.thread_stack_bytes(), move || {
                    (submitted.elapsed(), pipeline::execute(&job))
                })?;
                queued = waited;
                Ok(report)
            }
            Executor::Processes(pool) => {
                let (waited, report) = pool.run(job)?;
                queued = waited;
                Ok(report)
            }
        })?;
        let timings = &mut outcome.timings_us;
        timings.queued = queued.as_micros() as u64;
        timings.handoff = timings.handoff.saturating_sub(timings.queued);
        Ok(AsSent { outcome, redactor })
    }

    /// Resumes a redirected login at `/continue`, as the browser does after
    /// the site sends the user back: `first` is the login that redirected
    /// (unmasked, so what its scripts did before the redirect is replayed
    /// as they did it), `query` and `body` the `/continue` request's (the
    /// redirect's `state` is added to the query when neither carries one).
    /// The outcome, masked like [`Runner::run`]'s, says which redirect it
    /// resumed.
    pub fn resume(
        &self,
        flow: &Flow,
        first: AsSent,
        mut query: Map<String, Value>,
        body: Map<String, Value>,
    ) -> Result<Outcome, Error> {
        let first = first.outcome;
        let Some(redirect) = first.redirect else {
            return Err(Error::invalid(format!(
                "the login did not redirect (it ended {}), so there is no /continue to resume",
                first.status.as_str()
            )));
        };
        if !query.contains_key("state") && !body.contains_key("state") {
            query.insert("state".into(), Value::String(redirect.state.clone()));
        }
        let resumed = flow.clone().resuming(Resume {
            script: redirect.script.clone(),
            prior_commands: first.commands,
            query,
            body,
        });
        let mut outcome = self.run_as_sent(&resumed)?;
        outcome.outcome.resumed_from = Some(redirect);
        Ok(outcome.into_masked())
    }
}
