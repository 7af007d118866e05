//! One login (or one trigger execution): Rules in order in one shared
//! isolate, then each Action in order in a fresh isolate, folding what they
//! recorded into one transaction. Runs on an executor thread; everything it
//! takes and returns is plain data, so it can run in another process.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing::info_span;

use crate::engine::action::{self, ActionInput, Entry};
use crate::engine::{Limits, ScriptRun};
use crate::outcome::{ErrorKind, ScriptError};
use crate::script::{Script, Trigger};
use crate::transaction::Transaction;

/// Everything a flow needs, as data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowJob {
    pub trigger: Trigger,
    /// Rules first, then Actions, each group in execution order.
    pub scripts: Vec<Script>,
    /// The complete event (defaults merged).
    pub event: Value,
    /// Secrets per Action (by script name), merged over `event.secrets`.
    pub action_secrets: Vec<Value>,
    pub limits: Limits,
    pub fixed_now_ms: Option<f64>,
    /// When resuming after a redirect: the index of the Action that
    /// redirected. Actions before it do not run again.
    pub resume_at: Option<usize>,
}

/// What the scripts of a flow did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowReport {
    pub runs: Vec<ScriptRun>,
    pub transaction: Transaction,
    /// The failure that stopped the flow, if any.
    pub error: Option<ScriptError>,
}

pub(crate) fn execute(job: &FlowJob) -> FlowReport {
    let span = info_span!("flow", trigger = %job.trigger, scripts = job.scripts.len());
    let _entered = span.enter();
    let deadline = Instant::now() + job.limits.timeout;
    let mut transaction = Transaction::new(&job.event);
    let mut runs = Vec::new();
    let mut error = None;

    for (index, script) in job.scripts.iter().enumerate() {
        if script.is_rule() {
            let run = rule_not_available(script);
            error = run.error.clone();
            runs.push(run);
            break;
        }
        let entry = match job.resume_at {
            Some(at) if index < at && !script.is_rule() => continue,
            Some(at) if index == at => Entry::Continue,
            _ => Entry::Execute,
        };
        let mut event = transaction.event_for_next(&job.event);
        if let Some(secrets) = job.action_secrets.get(index).filter(|s| s.is_object()) {
            event["secrets"] = secrets.clone();
        }
        let run = action::run(ActionInput {
            script,
            trigger: job.trigger,
            entry,
            event_json: event.to_string(),
            api_info_json: transaction.api_info().to_string(),
            limits: &job.limits,
            deadline,
            fixed_now_ms: job.fixed_now_ms,
        });
        for command in &run.commands {
            transaction.apply(command);
        }
        if let Some(failure) = &run.error {
            error = Some(failure.clone());
        } else if let Some((script, message)) = &transaction.aborted {
            error = Some(ScriptError::new(
                ErrorKind::Aborted,
                script,
                message.clone(),
            ));
        }
        let stop = error.is_some() || transaction.stops_flow();
        runs.push(run);
        if stop {
            break;
        }
    }
    FlowReport {
        runs,
        transaction,
        error,
    }
}

fn rule_not_available(script: &Script) -> ScriptRun {
    let mut run = ScriptRun::new(&script.name);
    run.error = Some(ScriptError::new(
        ErrorKind::Internal,
        &script.name,
        "running Rules is not available in this build",
    ));
    run
}

/// `event.secrets` for one Action: the event's own, then the settings'.
pub(crate) fn secrets_for(
    event: &Value,
    settings_secrets: Option<&std::collections::BTreeMap<String, String>>,
) -> Value {
    let mut secrets = event
        .get("secrets")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(extra) = settings_secrets {
        for (key, value) in extra {
            secrets[key] = json!(value);
        }
    }
    secrets
}
