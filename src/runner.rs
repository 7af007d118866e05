//! The library's entry point: run a [`Flow`] and get an [`Outcome`].

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use crate::engine::pool::Pool;
use crate::engine::{Limits, action, rule};
use crate::error::Error;
use crate::event;
use crate::outcome::{ErrorKind, OAuthError, Outcome, ScriptError, ScriptTiming, Status, Timings};
use crate::pipeline::{self, FlowJob, FlowReport, ResumeJob};
use crate::record::Warning;
use crate::redact::Redactor;
use crate::runtime::NodeConfig;
use crate::script::{Script, ScriptKind, Trigger};
use crate::tenant::Settings;
use crate::token::builder::Tenant;
use crate::token::{self, Issued, Keys, TokenInput};
use crate::triggers;
use crate::worker::pool::{PoolStats, WorkerPool};

/// What to run: scripts, the event they see, and the tenant around them.
#[derive(Debug, Clone)]
pub struct Flow {
    pub trigger: Trigger,
    /// In any order: Rules run first (in the order given), then Actions.
    pub scripts: Vec<Script>,
    /// The event fixture; `None` runs on the defaults alone.
    pub event: Option<Value>,
    pub settings: Settings,
    pub limits: Limits,
    /// Resume a redirected login at `/continue` instead of starting one.
    pub resume: Option<Resume>,
    /// `node_modules` folders, network access and mocks, Actions Modules.
    pub node: NodeConfig,
    /// Build and sign the tokens (on by default; `bench` turns it off to
    /// measure script execution alone).
    pub issue_tokens: bool,
}

/// The `/continue` request that resumes a login after a redirect. When an
/// Action redirected, it runs its `onContinuePostLogin`, the scripts before
/// it do not run again (what they recorded before the redirect is passed in
/// `prior_commands`), the Actions after it run as usual. When a Rule
/// redirected, every Rule runs again with `context.protocol` set to
/// `redirect-callback`, then every Action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resume {
    /// The name of the script that redirected.
    pub script: String,
    /// What the scripts recorded before the redirect (the first run's
    /// `commands`), when an Action redirected.
    pub prior_commands: Vec<crate::record::Command>,
    /// The query string of the `/continue` request.
    pub query: serde_json::Map<String, Value>,
    /// The form body of the `/continue` request (POST).
    pub body: serde_json::Map<String, Value>,
}

impl Flow {
    /// A post-login flow of `scripts` on the default event.
    pub fn post_login(scripts: Vec<Script>) -> Flow {
        Flow::new(Trigger::PostLogin, scripts)
    }

    /// A flow of Actions for any trigger (Rules only run at post-login).
    pub fn new(trigger: Trigger, scripts: Vec<Script>) -> Flow {
        Flow {
            trigger,
            scripts,
            event: None,
            settings: Settings::default(),
            limits: Limits::default(),
            resume: None,
            node: NodeConfig::default(),
            issue_tokens: true,
        }
    }

    pub fn with_event(mut self, event: Value) -> Flow {
        self.event = Some(event);
        self
    }

    pub fn with_settings(mut self, settings: Settings) -> Flow {
        self.settings = settings;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Flow {
        self.limits = limits;
        self
    }

    /// Modules, network access, mocks, Actions Modules, declared
    /// dependencies and tenant users.
    pub fn with_node(mut self, node: NodeConfig) -> Flow {
        self.node = node;
        self
    }

    pub fn resuming(mut self, resume: Resume) -> Flow {
        self.resume = Some(resume);
        self
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
    /// scripts do — including throwing or timing out — is in the `Outcome`.
    pub fn run(&self, flow: &Flow) -> Result<Outcome, Error> {
        let started = Instant::now();
        let job = prepare(flow)?;
        let mut keys = Keys::from_settings(&flow.settings)?;
        let redactor = redactor(flow, &job.event);
        let report = match self.executor.as_ref() {
            Executor::Threads(pool) => {
                let job = job.clone();
                pool.run(flow.limits.thread_stack_bytes(), move || {
                    pipeline::execute(&job)
                })
            }
            Executor::Processes(pool) => pool.run(&job),
        }
        .map_err(Error::Internal)?;
        let mut outcome = assemble(&job, report, &flow.settings, &mut keys, flow.issue_tokens)?;
        outcome.timings_us.total = started.elapsed().as_micros() as u64;
        Ok(redact(outcome, &redactor))
    }
}

/// Checks the scripts and builds the job: Rules first, each script parsed
/// once (so a syntax error is an input error, reported before anything runs).
fn prepare(flow: &Flow) -> Result<FlowJob, Error> {
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
    if let Some(fixture) = flow.event.as_ref().filter(|e| !e.is_object()) {
        let kind = match fixture {
            Value::Array(_) => "an array",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err(Error::invalid(format!(
            "the event must be a JSON object like the one the Dashboard's test panel shows, not {kind}"
        )));
    }
    let mut event = event::build(flow.trigger, flow.event.as_ref());
    // Tokens answer the original authorization request (its nonce, scope,
    // audience), even when the scripts resume at /continue.
    let authorize_event = event.clone();
    let mut state_problem = None;
    let fixed_now_ms = flow.settings.now_ms()?;
    let resume = match &flow.resume {
        None => None,
        Some(resume) => {
            if !matches!(
                flow.trigger,
                Trigger::PostLogin | Trigger::PasswordResetPostChallenge
            ) {
                return Err(Error::invalid(format!(
                    "a {} flow cannot redirect, so it cannot resume (post-login and password-reset-post-challenge can)",
                    flow.trigger
                )));
            }
            // A new request arrives at /continue.
            event["request"]["query"] = Value::Object(resume.query.clone());
            event["request"]["body"] = Value::Object(resume.body.clone());
            event["request"]["method"] = json!(if resume.body.is_empty() {
                "GET"
            } else {
                "POST"
            });
            // Auth0 answers a /continue without the redirect's state with
            // invalid_request.
            let expected = redirect_state(&resume.script, &authorize_event);
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
                Some(ResumeJob::Rules)
            } else if let Some(index) = actions.iter().position(|a| a.name == resume.script) {
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
    let action_secrets = actions
        .iter()
        .map(|s| {
            let stem = s.name.trim_end_matches(".js");
            let configured = flow
                .settings
                .secrets
                .get(&s.name)
                .or_else(|| flow.settings.secrets.get(stem));
            pipeline::secrets_for(&event, configured)
        })
        .collect();
    let domain = Tenant::domain(&event, &flow.settings);
    let rule_globals = json!({
        "configuration": flow.settings.configuration,
        "domain": domain,
        "accessToken": management_token(&domain, fixed_now_ms),
    });
    Ok(FlowJob {
        trigger: flow.trigger,
        rules,
        actions,
        event,
        authorize_event,
        state_problem,
        action_secrets,
        rule_globals,
        limits: flow.limits.clone(),
        fixed_now_ms,
        resume,
        node: flow.node.clone(),
    })
}

/// The stand-in for the Management API token Rules get as `auth0.accessToken`
/// (scopes `read:users update:users`, 5400 s, unsigned: actionbox's
/// Management API emulation accepts it; a real tenant would not).
/// Seconds since the epoch: the fixed clock's (`--now`), else the real one.
fn now_secs(fixed_now_ms: Option<f64>) -> u64 {
    match fixed_now_ms {
        Some(ms) => (ms / 1000.0) as u64,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

fn management_token(domain: &str, fixed_now_ms: Option<f64>) -> String {
    use base64::Engine as _;
    let now = now_secs(fixed_now_ms);
    let encode = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let header = json!({ "alg": "none", "typ": "JWT" });
    let payload = json!({
        "iss": format!("https://{domain}/"),
        "sub": "actionbox-rules@clients",
        "aud": format!("https://{domain}/api/v2/"),
        "iat": now,
        "exp": now + 5400,
        "scope": "read:users update:users",
        "gty": "client-credentials",
    });
    format!("{}.{}.", encode(&header), encode(&payload))
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

fn syntax(script: &Script, error: &crate::outcome::ScriptError) -> Error {
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

fn redactor(flow: &Flow, event: &Value) -> Redactor {
    let mut values = flow.settings.secret_values();
    if let Some(secrets) = event.get("secrets").and_then(Value::as_object) {
        values.extend(
            secrets
                .values()
                .filter_map(|v| v.as_str().map(str::to_string)),
        );
    }
    Redactor::new(values)
}

/// Turns what the scripts did into the outcome Auth0's decision would be,
/// with the tokens when the login succeeds.
fn assemble(
    job: &FlowJob,
    report: FlowReport,
    settings: &Settings,
    keys: &mut Keys,
    issue_tokens: bool,
) -> Result<Outcome, Error> {
    let FlowReport {
        runs,
        transaction,
        error,
    } = report;
    // A login resumed at /continue includes what its scripts recorded
    // before the redirect (the redirect itself is over).
    let mut commands: Vec<crate::record::Command> = job
        .resume
        .iter()
        .flat_map(ResumeJob::carried_over)
        .cloned()
        .collect();
    let mut logs = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    let mut scripts = Vec::new();
    let mut requests = Vec::new();
    let mut timings = Timings::default();
    for run in runs {
        requests.extend(run.requests);
        scripts.push(run.script.clone());
        timings.scripts.push(ScriptTiming {
            script: run.script.clone(),
            phases: run.timings.clone(),
            peak_memory_bytes: run.peak_memory_bytes,
        });
        commands.extend(run.commands);
        logs.extend(run.logs);
        warnings.extend(run.warnings);
    }
    warnings.extend(transaction.warnings.iter().cloned());

    let mut error = error;
    let mut tokens = Issued::default();
    let mut token_us = 0;
    let trigger = job.trigger;
    let issues_tokens =
        issue_tokens && matches!(trigger, Trigger::PostLogin | Trigger::CredentialsExchange);
    if issues_tokens
        && error.is_none()
        && transaction.denial.is_none()
        && transaction.redirect.is_none()
    {
        let started = Instant::now();
        let now = now_secs(job.fixed_now_ms);
        let mfa_required = transaction
            .mfa
            .iter()
            .any(|c| !(c.call == "multifactor.enable" && c.str_arg(0) == Some("none")));
        let input = TokenInput {
            event: &job.authorize_event,
            user: &transaction.user,
            rules_user: transaction.rules_user.as_ref(),
            commands: &commands,
            settings,
            now,
            primary_user: transaction.primary_user.as_deref(),
            mfa_required,
        };
        tokens = if trigger == Trigger::CredentialsExchange {
            token::issue_client_credentials(&input, transaction.target_scopes.as_deref(), keys)?
        } else {
            token::issue(&input, keys)?
        };
        token_us = started.elapsed().as_micros() as u64;
        if let Some(failure) = tokens.failure.take() {
            error = Some(ScriptError::new(
                ErrorKind::LoginFailed,
                "actionbox",
                failure,
            ));
        }
    }
    timings.tokens = token_us;
    let mut result = Value::Null;
    if error.is_none() && transaction.denial.is_none() && transaction.redirect.is_none() {
        match triggers::result(trigger, &job.event, &transaction) {
            Ok(value) => result = value,
            Err(failure) => {
                error = Some(ScriptError::new(
                    ErrorKind::LoginFailed,
                    "actionbox",
                    failure,
                ))
            }
        }
    }
    if !triggers::blocking(trigger) && error.is_some() {
        warnings.push(Warning {
            script: "actionbox".into(),
            message: format!("{trigger} Actions do not block Auth0: the failure is logged, the user's operation is not affected"),
        });
    }

    let status = if error.is_some() {
        Status::Failed
    } else if transaction.denial.is_some() {
        Status::Denied
    } else if transaction.redirect.is_some() {
        Status::Redirected
    } else {
        Status::Allowed
    };
    let oauth_error = match (&error, &transaction.denial) {
        // Nothing waits for a non-blocking trigger's Actions.
        _ if !triggers::blocking(trigger) => None,
        (Some(error), _) => Some(OAuthError {
            error: triggers::failure_code(trigger).into(),
            error_description: error.message.clone(),
        }),
        (None, Some(denial)) => Some(OAuthError {
            error: denial.code.clone(),
            error_description: denial.reason.clone(),
        }),
        _ => None,
    };
    let signed_with_rsa = [&tokens.id_token, &tokens.access_token]
        .iter()
        .filter_map(|t| t.as_ref())
        .any(|t| t.header.get("kid").is_some());
    let jwks = if signed_with_rsa {
        keys.loaded_rsa().map(|k| k.jwks())
    } else {
        None
    };
    let redirect = transaction
        .redirect
        .clone()
        .map(|r| with_state(r, &job.authorize_event));
    let user = match (trigger, &result) {
        (Trigger::PreUserRegistration, Value::Object(r)) => r
            .get("created_user")
            .cloned()
            .unwrap_or_else(|| transaction.user.clone()),
        _ => transaction.user.clone(),
    };
    Ok(Outcome {
        trigger,
        status,
        id_token: tokens.id_token,
        access_token: tokens.access_token,
        dropped_claims: tokens.dropped,
        mfa: transaction.mfa.clone(),
        commands,
        logs,
        user,
        error,
        oauth_error,
        denial: transaction.denial.clone(),
        redirect,
        resumed_from: None,
        metadata_updates: transaction.metadata_updates.clone(),
        warnings,
        requests,
        result,
        scripts,
        jwks,
        timings_us: timings,
    })
}

/// Auth0 appends a `state` to the redirect URL, which the site sends back
/// to `/continue`. actionbox derives it from the event and the script, so a
/// rerun of the same login redirects with the same state.
fn with_state(mut redirect: crate::outcome::Redirect, event: &Value) -> crate::outcome::Redirect {
    let state = redirect_state(&redirect.script, event);
    redirect.state = state.clone();
    if let Ok(mut url) = url::Url::parse(&redirect.url) {
        url.query_pairs_mut().append_pair("state", &state);
        redirect.url = url.to_string();
    }
    redirect
}

fn redirect_state(script: &str, event: &Value) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{script}|{event}").as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Scrubs secrets from every string of the outcome. A token whose payload
/// holds a secret keeps its (scrubbed) payload but loses its compact form,
/// which would carry the secret in base64.
fn redact(outcome: Outcome, redactor: &Redactor) -> Outcome {
    if redactor.is_empty() {
        return outcome;
    }
    let mut value = match serde_json::to_value(&outcome) {
        Ok(value) => value,
        Err(_) => return outcome,
    };
    for token in ["id_token", "access_token"] {
        let holds_secret = value
            .get(token)
            .and_then(|t| t.get("payload"))
            .is_some_and(|payload| redactor.finds_in(payload));
        if holds_secret {
            value[token]["jwt"] = Value::Null;
            if let Some(warnings) = value.get_mut("warnings").and_then(Value::as_array_mut) {
                warnings.push(json!({
                    "script": "actionbox",
                    "message": format!("the {} holds a secret value; its payload is shown redacted and its JWT is withheld", token.replace('_', " ")),
                }));
            }
        }
    }
    redactor.value(&mut value);
    serde_json::from_value(value).unwrap_or(outcome)
}
