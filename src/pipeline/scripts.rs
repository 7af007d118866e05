//! Steps 2 and 3, run the scripts and fold what they recorded into the
//! transaction: Rules in order in one shared isolate, then each Action in
//! order in a fresh isolate, each command applied as it arrives so the next
//! script sees its effect. Runs on an executor thread; everything it takes
//! and returns is plain data, so it can run in another process.

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tracing::info_span;

use crate::engine::action::{self, ActionInput, Entry};
use crate::engine::rule::{self, RulesInput};
use crate::engine::services::Services;
use crate::engine::{ExecEnv, ScriptRun};
use crate::event::rules::{self as rules_event, RuleStart};
use crate::outcome::Denial;
use crate::record::{Call, ErrorKind, ScriptError};
use crate::services::LocalServices;

use super::prepare::{FlowJob, ResumeJob};
use super::transaction::Transaction;

/// What the scripts of a flow did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowReport {
    pub runs: Vec<ScriptRun>,
    pub transaction: Transaction,
    /// The failure that stopped the flow, if any.
    pub error: Option<ScriptError>,
    /// How long the flow ran on its executor, in microseconds (the
    /// scripts' phases and the Rust work around them).
    #[serde(default)]
    pub executor_us: u64,
}

pub(crate) fn execute(job: &FlowJob) -> FlowReport {
    execute_with(job, LocalServices::for_config(&job.node), &mut |_| {})
}

/// Runs the flow with the given access to the outside world, telling
/// `progress` the name of each script as it starts.
pub(crate) fn execute_with(
    job: &FlowJob,
    services: Arc<dyn Services>,
    progress: &mut dyn FnMut(&str),
) -> FlowReport {
    let started = Instant::now();
    let mut report = run_scripts(job, services, progress);
    report.executor_us = started.elapsed().as_micros() as u64;
    report
}

fn run_scripts(
    job: &FlowJob,
    services: Arc<dyn Services>,
    progress: &mut dyn FnMut(&str),
) -> FlowReport {
    let span = info_span!("flow", trigger = %job.trigger, rules = job.rules.len(), actions = job.actions.len());
    let _entered = span.enter();
    let env = ExecEnv {
        limits: job.limits.clone(),
        deadline: Instant::now() + job.limits.timeout,
        clock: job.clock,
        node: Arc::new(job.node.clone()),
        services,
    };
    let mut transaction = Transaction::new(&job.event, job.trigger);
    transaction.cache = job.cache.clone();
    let mut runs = Vec::new();
    let mut error = None;
    if let Some(problem) = &job.state_problem {
        transaction.denial = Some(Denial {
            script: "actionbox".into(),
            code: "invalid_request".into(),
            reason: problem.clone(),
            via: "/continue".into(),
            user_message: None,
        });
        return FlowReport {
            runs,
            transaction,
            error,
            executor_us: 0,
        };
    }

    // The redirect itself is over: the login is back at /continue, with
    // what the scripts recorded before it.
    for command in job.resume.iter().flat_map(ResumeJob::carried_over) {
        transaction.apply(command);
    }
    let (run_rules, first_action) = match &job.resume {
        None | Some(ResumeJob::Rules { .. }) => (true, None),
        Some(ResumeJob::Action { index, .. }) => (false, Some(*index)),
    };

    if run_rules && !job.rules.is_empty() {
        progress(&job.rules[0].name);
        let resumed = matches!(job.resume, Some(ResumeJob::Rules { .. }));
        let rules = rule::run(RulesInput {
            rules: &job.rules,
            user: rules_user(job),
            context: rules_event::context(&job.event, &RuleStart { resumed }),
            globals: rule_globals(job, &transaction),
            resumed,
            env: &env,
        });
        for run in &rules.runs {
            for command in &run.commands {
                transaction.apply(command);
            }
        }
        transaction.rules_executed = rules.executed;
        transaction.rules_user = rules.user;
        runs.extend(rules.runs);
        if let Some(failure) = rules.error {
            error = Some(failure);
        }
        if error.is_some() || transaction.stops_flow() {
            return FlowReport {
                runs,
                transaction,
                error,
                executor_us: 0,
            };
        }
    }

    for (index, script) in job.actions.iter().enumerate() {
        let entry = match first_action {
            Some(at) if index < at => continue,
            Some(at) if index == at => Entry::Continue,
            _ => Entry::Execute,
        };
        progress(&script.name);
        let secrets = job.action_secrets.get(index).filter(|s| s.is_object());
        let configuration = job
            .action_configuration
            .get(index)
            .filter(|c| c.is_object());
        let event_json = transaction.event_json_for_next(&job.event, secrets, configuration);
        let run = action::run(ActionInput {
            script,
            trigger: job.trigger,
            entry,
            event_json,
            api_info_json: transaction.api_info().to_string(),
            env: &env,
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
        executor_us: 0,
    }
}

/// The `user` the Rules start with: the event's, and at `/continue` after a
/// Rule's redirect, with the changes the Rules made to it before the
/// redirect. Auth0 keeps the Rules' `user` for the whole login ("user.jti
/// will still be set when rules run again when /continue is called",
/// docs/behaviour.md).
fn rules_user(job: &FlowJob) -> Value {
    let mut user = rules_event::user(&job.event);
    let Some(ResumeJob::Rules { .. }) = &job.resume else {
        return user;
    };
    let Some(fields) = user.as_object_mut() else {
        return user;
    };
    for command in job.resume.iter().flat_map(ResumeJob::carried_over) {
        match (&command.call, command.str_arg(0)) {
            (Call::UserSet, Some(attribute)) => {
                let value = command.args.get(1).cloned().unwrap_or(Value::Null);
                fields.insert(attribute.to_string(), value);
            }
            (Call::UserDelete, Some(attribute)) => {
                fields.remove(attribute);
            }
            _ => {}
        }
    }
    user
}

/// The Rules' globals: the tenant's `configuration` and domain, and the
/// user whose metadata `auth0.users` updates.
fn rule_globals(job: &FlowJob, transaction: &Transaction) -> Value {
    let mut globals = job.rule_globals.clone();
    let user = &transaction.user;
    globals["user"] = user.clone();
    globals["userId"] = user.get("user_id").cloned().unwrap_or(Value::Null);
    globals["appMetadata"] = user
        .get("app_metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    globals["userMetadata"] = user
        .get("user_metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    globals
}
