//! One login, or one trigger execution, read top-down:
//!
//! 1. [`prepare`]: check the scripts, build the event, check a `/continue`
//!    request; the result is a [`FlowJob`], plain data;
//! 2. [`scripts`]: run the Rules, then the Actions, on an executor thread
//!    or in a worker process, and
//! 3. [`transaction`]: fold each command they record into the login
//!    transaction, as Auth0's server applies it;
//! 4. [`tokens`]: build the ID and access tokens from the transaction;
//! 5. [`assemble`]: decide the outcome (with [`triggers`]' results for the
//!    triggers that produce something besides tokens); [`assemble::redact`]
//!    masks its secrets for display, while a host that answers
//!    applications (`serve`) sends the unmasked outcome on.
//!
//! [`run`] is that sequence; [`crate::Runner`] only chooses where step 2
//! runs.

pub(crate) mod assemble;
pub(crate) mod flow;
pub(crate) mod prepare;
pub(crate) mod scripts;
pub(crate) mod tokens;
pub(crate) mod transaction;
pub(crate) mod triggers;

use std::sync::Arc;
use std::time::Instant;

use crate::error::Error;
use crate::outcome::Outcome;
use crate::redact::Redactor;
use crate::token::Keys;

pub use flow::{CacheRecord, Flow, Resume};
pub(crate) use prepare::FlowJob;
pub use prepare::check_script;
pub(crate) use scripts::{FlowReport, execute, execute_with};

/// Runs `flow` from start to outcome; `execute` runs the scripts of the
/// prepared job wherever the runner keeps its isolates. The outcome is as
/// the application would receive it; the redactor masks it for display.
pub(crate) fn run(
    flow: &Flow,
    execute: impl FnOnce(&Arc<FlowJob>) -> Result<FlowReport, String>,
) -> Result<(Outcome, Redactor), Error> {
    let started = Instant::now();
    // Shared, not copied, with the executor thread that runs the scripts.
    let job = Arc::new(prepare::prepare(flow)?);
    prefetch_packages(&job)?;
    let mut keys = Keys::from_settings(&flow.settings)?;
    let redactor = prepare::redactor(flow, &job.event);
    let prepared = Instant::now();
    let report = execute(&job).map_err(Error::Internal)?;
    let executed = Instant::now();
    let executor_us = report.executor_us;
    let mut outcome =
        assemble::assemble(&job, report, &flow.settings, &mut keys, flow.issue_tokens)?;
    // Every microsecond of the flow in one phase (the bench's phases add up
    // to its latency): the caller takes the executor's queue out of
    // `handoff`, and adds the masking to `outcome`.
    let timings = &mut outcome.timings_us;
    let micros = |from: Instant, to: Instant| to.duration_since(from).as_micros() as u64;
    timings.prepare = micros(started, prepared);
    timings.handoff = micros(prepared, executed).saturating_sub(executor_us);
    let phases: u64 = timings
        .scripts
        .iter()
        .map(|s| s.phases.isolate_us + s.phases.event_us + s.phases.load_us + s.phases.handler_us)
        .sum();
    timings.host = executor_us.saturating_sub(phases);
    timings.outcome = micros(executed, Instant::now()).saturating_sub(timings.tokens);
    timings.total = started.elapsed().as_micros() as u64;
    Ok((outcome, redactor))
}

/// Installs the npm packages the scripts need before the flow's clock
/// starts (docs/packages.md): download time is not script time.
fn prefetch_packages(job: &FlowJob) -> Result<(), Error> {
    let rules: Vec<&str> = job.rules.iter().map(|s| &*s.source).collect();
    let actions: Vec<&str> = job.actions.iter().map(|s| &*s.source).collect();
    crate::packages::prefetch(&job.node.packages, &job.node.dependencies, &rules, &actions)
        .map(|_| ())
        .map_err(Error::invalid)
}

/// Masks the secrets of an outcome for display (see [`assemble::redact`]).
pub(crate) fn mask(outcome: Outcome, redactor: &Redactor) -> Outcome {
    assemble::redact(outcome, redactor)
}
