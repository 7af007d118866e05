//! Step 1, prepare: check the scripts (each parsed once, so a syntax error is
//! an input error reported before anything runs), build the event, check a
//! `/continue` request, and gather what the scripts will need as plain data
//! (a [`FlowJob`], which can cross into a worker process).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::engine::{Limits, action, rule};
use crate::error::Error;
use crate::event;
use crate::record::{Call, Command, ScriptError};
use crate::redact::{Redactor, SecretSource};
use crate::runtime::NodeConfig;
use crate::script::{Script, ScriptKind, Trigger};
use crate::token::builder::Tenant;
use crate::token::management::management_token;

use super::flow::Flow;

/// Everything a flow needs, as data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowJob {
    pub trigger: Trigger,
    /// Legacy Rules, in execution order (post-login only).
    pub rules: Vec<Script>,
    /// Actions, in execution order.
    pub actions: Vec<Script>,
    /// The complete event (defaults merged), as the scripts see it.
    pub event: std::sync::Arc<Value>,
    /// The event of the original request when resuming at `/continue`
    /// (tokens answer it); `None` when it is `event` itself.
    pub resumed_from: Option<Value>,
    /// Why the `/continue` request is refused (a missing or wrong state).
    pub state_problem: Option<String>,
    /// `event.secrets` of each Action (the event's, then the settings').
    pub action_secrets: Vec<Value>,
    /// `event.configuration` of each Action (the event's, then the
    /// settings' `action_configuration`).
    #[serde(default)]
    pub action_configuration: Vec<Value>,
    /// What the Rules' globals need: `configuration`, the tenant domain.
    pub rule_globals: Value,
    pub limits: Limits,
    pub clock: Clock,
    pub resume: Option<ResumeJob>,
    /// Modules, network policy and mocks.
    pub node: NodeConfig,
    /// `api.cache` when the flow starts.
    #[serde(default)]
    pub cache: std::collections::BTreeMap<String, super::transaction::CacheRecord>,
}

impl FlowJob {
    /// The event of the original authorization request, which tokens answer.
    pub(crate) fn authorize_event(&self) -> &Value {
        self.resumed_from.as_ref().unwrap_or(&self.event)
    }
}

/// Resuming a login at `/continue`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ResumeJob {
    /// A Rule redirected: every Rule runs again (`redirect-callback`), then
    /// every Action. `prior` is what the Rules recorded before the redirect:
    /// the `user` they changed starts the second run (docs/behaviour.md).
    Rules { prior: Vec<Command> },
    /// An Action redirected: it resumes at `onContinuePostLogin`; the
    /// scripts before it do not run again, and what they recorded before the
    /// redirect (`prior`) stays in the transaction.
    Action { index: usize, prior: Vec<Command> },
}

impl ResumeJob {
    /// What the scripts recorded before the redirect that still counts at
    /// `/continue` (the redirect, or the rendered form, is over). When a Rule redirected,
    /// the Rules run again and set their `context` outputs again; what
    /// persists is the `user` they changed and the metadata they stored.
    pub(crate) fn carried_over(&self) -> impl Iterator<Item = &Command> {
        let (prior, user_only): (&[Command], bool) = match self {
            ResumeJob::Action { prior, .. } => (prior, false),
            ResumeJob::Rules { prior } => (prior, true),
        };
        prior.iter().filter(move |c| {
            !matches!(c.call, Call::RedirectSendUserTo | Call::PromptRender)
                && (!user_only
                    || matches!(
                        c.call,
                        Call::UserSet
                            | Call::UserDelete
                            | Call::UserSetAppMetadata
                            | Call::UserSetUserMetadata
                    ))
        })
    }
}

/// Checks the scripts and builds the job: Rules first, each script parsed
/// once (so a syntax error is an input error, reported before anything runs).
pub(crate) fn prepare(flow: &Flow) -> Result<FlowJob, Error> {
    flow.limits.check().map_err(Error::Invalid)?;
    let mut rules = Vec::new();
    let mut actions = Vec::new();
    for script in &flow.scripts {
        match script.kind {
            ScriptKind::Rule => {
                if flow.trigger != Trigger::PostLogin {
                    return Err(Error::invalid(format!(
                        "{}: a Rule runs only at login (post-login), not for {}",
                        script.location(),
                        flow.trigger
                    )));
                }
                rule::compile(script).map_err(|e| syntax(script, &e))?;
                rules.push(script.clone());
            }
            ScriptKind::Action(trigger) => {
                if trigger != flow.trigger {
                    return Err(Error::invalid(format!(
                        "{}: this Action exports the {} handler `{}`, but the flow is {}",
                        script.location(),
                        trigger,
                        trigger.handler(),
                        flow.trigger
                    )));
                }
                action::compile(script).map_err(|e| syntax(script, &e))?;
                actions.push(script.clone());
            }
        }
    }
    let built = flow
        .built_event
        .get_or_build(flow.trigger, flow.event.as_ref(), || {
            if let Some(fixture) = &flow.event {
                // Warnings are for the caller that read the fixture to show
                // (`actionbox` names its file); a wrong type stops the flow
                // here.
                event::shape::check(flow.trigger, fixture)?;
            }
            Ok::<_, Error>(event::build(flow.trigger, flow.event.as_ref()))
        })?;
    // Only a resumed login changes its event (the /continue request), in
    // its own copy.
    let mut event = built;
    // Tokens answer the original authorization request (its nonce, scope,
    // audience), even when the scripts resume at /continue: kept apart
    // only then.
    let authorize_event = flow.resume.is_some().then(|| Value::clone(&event));
    let mut state_problem = None;
    let clock = flow.settings.clock()?;
    let resume = match &flow.resume {
        None => None,
        Some(resume) => {
            if flow.trigger.continue_handler().is_none() {
                let can: Vec<&str> = Trigger::ALL
                    .iter()
                    .filter(|t| t.continue_handler().is_some())
                    .map(|t| t.id())
                    .collect();
                return Err(Error::invalid(format!(
                    "a {} flow cannot redirect, so it cannot resume ({} can)",
                    flow.trigger,
                    can.join(" and ")
                )));
            }
            // A new request arrives at /continue.
            let request = &mut std::sync::Arc::make_mut(&mut event)["request"];
            request["query"] = Value::Object(resume.query.clone());
            request["body"] = Value::Object(resume.body.clone());
            request["method"] = json!(if resume.body.is_empty() {
                "GET"
            } else {
                "POST"
            });
            // Auth0 answers a /continue without the redirect's state with
            // invalid_request.
            let expected =
                redirect_state(&resume.script, authorize_event.as_ref().unwrap_or(&event));
            let given = resume
                .query
                .get("state")
                .or_else(|| resume.body.get("state"))
                .and_then(Value::as_str);
            state_problem = match given {
                Some(state) if state == expected => None,
                Some(state) => Some(format!(
                    "the /continue state '{state}' is not the one of the redirect ('{expected}')"
                )),
                None => Some(format!(
                    "the /continue request has no state (the redirect's is '{expected}')"
                )),
            };
            if rules.iter().any(|r| r.name == resume.script) {
                Some(ResumeJob::Rules {
                    prior: resume.prior_commands.clone(),
                })
            } else if let Some(index) = actions.iter().position(|a| a.name == resume.script) {
                if let Some(prompt) = submitted_prompt(resume) {
                    std::sync::Arc::make_mut(&mut event)["prompt"] = prompt;
                }
                Some(ResumeJob::Action {
                    index,
                    prior: resume.prior_commands.clone(),
                })
            } else {
                return Err(Error::invalid(format!(
                    "cannot resume at '{}': no Rule or Action of that name in the flow",
                    resume.script
                )));
            }
        }
    };
    // Settings name an Action by its name or its script's file name.
    let for_action = |map: &'_ std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, String>,
    >,
                      script: &Script| {
        map.get(&script.name)
            .or_else(|| map.get(script.name.trim_end_matches(".js")))
            .cloned()
    };
    let action_secrets = actions
        .iter()
        .map(|s| {
            per_action(
                &event,
                "secrets",
                for_action(&flow.settings.secrets, s).as_ref(),
            )
        })
        .collect();
    let action_configuration = actions
        .iter()
        .map(|s| {
            per_action(
                &event,
                "configuration",
                for_action(&flow.settings.action_configuration, s).as_ref(),
            )
        })
        .collect();
    let domain = Tenant::domain(&event, &flow.settings);
    let rule_globals = json!({
        "configuration": flow.settings.configuration,
        "domain": domain,
        "accessToken": if rules.is_empty() { String::new() } else { management_token(&domain, &flow.settings, clock.now_secs())? },
    });
    // Requests to the tenant's own domain are answered by the host: the
    // tenant `serve` gives, else one emulated for this flow.
    let mut node = flow.node.clone();
    node.tenant_domain = Some(domain.clone());
    if node.tenant.0.is_none() {
        node.tenant = crate::directory::management::TenantApi::emulated(
            &domain,
            flow.settings.clone(),
            event.clone(),
            node.users.clone(),
            clock,
        )
        .handle();
    }
    Ok(FlowJob {
        trigger: flow.trigger,
        rules,
        actions,
        event,
        resumed_from: authorize_event,
        state_problem,
        action_secrets,
        action_configuration,
        rule_globals,
        limits: flow.limits.clone(),
        clock,
        resume,
        node,
        cache: flow.cache.clone(),
    })
}

/// `event.prompt` at `/continue` after the Action rendered a Form: its id,
/// the fields it rendered with overlaid by the submitted ones (the form's
/// POST body, then the query; `state` aside), and its `vars`.
fn submitted_prompt(resume: &super::flow::Resume) -> Option<Value> {
    let render = resume
        .prior_commands
        .iter()
        .rev()
        .find(|c| c.call == Call::PromptRender && c.script == resume.script)?;
    let options = render.args.get(1).cloned().unwrap_or(Value::Null);
    let mut fields = options
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, value) in resume.query.iter().chain(resume.body.iter()) {
        if key != "state" {
            let value = typed_like(fields.get(key), value);
            fields.insert(key.clone(), value);
        }
    }
    let mut prompt = json!({ "id": render.str_arg(0).unwrap_or_default(), "fields": fields });
    if let Some(vars) = options.get("vars").filter(|v| v.is_object()) {
        prompt["vars"] = vars.clone();
    }
    Some(prompt)
}

/// A submitted form value (always text) with the type of the value the
/// field was rendered with: a boolean, number, object or array field
/// gets one back when the text reads as one.
fn typed_like(rendered: Option<&Value>, submitted: &Value) -> Value {
    let Some(text) = submitted.as_str() else {
        return submitted.clone();
    };
    let parsed = match rendered {
        Some(Value::Bool(_)) => match text {
            "true" | "on" => Some(Value::Bool(true)),
            "false" | "" => Some(Value::Bool(false)),
            _ => None,
        },
        Some(Value::Number(_)) | Some(Value::Object(_)) | Some(Value::Array(_)) => {
            serde_json::from_str::<Value>(text).ok().filter(|v| {
                std::mem::discriminant(v)
                    == std::mem::discriminant(rendered.unwrap_or(&Value::Null))
            })
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| submitted.clone())
}

/// Compiles a script without running it: a syntax error is an `Err`
/// naming the file, line and column.
pub fn check_script(script: &Script) -> Result<(), Error> {
    match script.kind {
        ScriptKind::Rule => rule::compile(script).map(|_| ()),
        ScriptKind::Action(_) => action::compile(script).map(|_| ()),
    }
    .map_err(|e| syntax(script, &e))
}

fn syntax(script: &Script, error: &ScriptError) -> Error {
    let (line, column) = error
        .stack
        .as_deref()
        .and_then(|s| {
            let mut parts = s.rsplit(':');
            let column = parts.next()?.trim().parse().ok()?;
            let line = parts.next()?.trim().parse().ok()?;
            Some((line, column))
        })
        .unwrap_or((1, 1));
    let message = error
        .message
        .split(" (line ")
        .next()
        .unwrap_or(&error.message)
        .to_string();
    Error::Syntax {
        script: script.location(),
        line,
        column,
        message,
    }
}

pub(crate) fn redactor(flow: &Flow, event: &Value) -> Redactor {
    let mut values = flow.settings.masked_values();
    if let Some(secrets) = event.get("secrets").and_then(Value::as_object) {
        values.extend(secrets.iter().filter_map(|(key, value)| {
            value.as_str().map(|value| {
                (
                    SecretSource::ActionSecret {
                        action: None,
                        key: key.clone(),
                    },
                    value.to_string(),
                )
            })
        }));
    }
    Redactor::new(values)
}

/// The `state` Auth0 appends to a redirect and expects back at `/continue`:
/// derived from the event and the script, so a rerun of the same login
/// redirects with the same state.
pub(crate) fn redirect_state(script: &str, event: &Value) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{script}|{event}").as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// `event.secrets` or `event.configuration` (`field`) for one Action: the
/// event's own, then the settings' for that Action.
fn per_action(
    event: &Value,
    field: &str,
    from_settings: Option<&std::collections::BTreeMap<String, String>>,
) -> Value {
    let mut values = event
        .get(field)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(extra) = from_settings {
        for (key, value) in extra {
            values[key] = json!(value);
        }
    }
    values
}
