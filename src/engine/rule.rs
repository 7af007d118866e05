//! Running a login's legacy Rules: each Rule is one function expression
//! called from Rust with `(user, context, callback)`, all Rules of the login
//! in one isolate (they share `global`), in order. What a Rule leaves on
//! `context` (claims, scopes, MFA, redirect, primary user, SAML settings) is
//! read when the Rules finish and becomes the same commands Actions record;
//! its changes to `user` become `user.set` commands.

use std::time::Instant;

use rquickjs::promise::PromiseState;
use rquickjs::{Ctx, Function, Object, Value};
use serde_json::{Map, Value as Json, json};
use tracing::{debug_span, info_span};

use super::ExecEnv;
use super::ScriptRun;
use super::action::{promise_reason, settle};
use super::bytecode;
use super::isolate::{Isolate, IsolateConfig, Scope, Settled, drive};
use super::runtime_js;
use crate::event::rules::{OUTPUTS, Setters, output_commands, record_setters, user_changes};
use crate::record::{Call, Command};
use crate::record::{ErrorKind, ScriptError};
use crate::script::Script;
use crate::trigger::RULE_CALLS;

pub(crate) struct RulesInput<'a> {
    pub rules: &'a [Script],
    pub user: Json,
    pub context: Json,
    /// `configuration`, the user's id and metadata, the tenant domain, the
    /// Management API token placeholder.
    pub globals: Json,
    /// Resuming after a Rule's redirect: `context.redirect` is ignored.
    pub resumed: bool,
    pub env: &'a ExecEnv,
}

pub(crate) struct RulesRun {
    /// One per Rule that ran.
    pub runs: Vec<ScriptRun>,
    /// The failure that stopped the Rules, if any.
    pub error: Option<ScriptError>,
    /// The user as the Rules left it.
    pub user: Option<Json>,
    /// The Rules that ran, in order (for `api.rules.wasExecuted`).
    pub executed: Vec<String>,
}

/// The function expression in parentheses, as Auth0 inlined it; it starts
/// on the file's first line so line numbers are the file's own.
fn wrap(source: &str) -> String {
    format!("({source}\n)")
}

pub(crate) fn compile(script: &Script) -> Result<std::sync::Arc<[u8]>, ScriptError> {
    bytecode::compile(&script.name, &wrap(&script.source)).map_err(|e| {
        let column = if e.line == 1 { e.column.saturating_sub(1).max(1) } else { e.column };
        let (line, column, at_end) = bytecode::position_in(&script.source, e.line, column);
        let at_end = if at_end {
            " at the end of the file (is a brace, bracket, parenthesis or string left open?)"
        } else {
            ""
        };
        let hint = if script.source.trim_end().ends_with(';') {
            " (Auth0 runs a Rule as one function expression: remove the semicolon after its closing brace)"
        } else {
            ""
        };
        ScriptError {
            kind: ErrorKind::Syntax,
            script: script.name.clone(),
            name: Some("SyntaxError".into()),
            message: format!("{}{at_end}{hint} (line {line}, column {column})", e.message),
            stack: Some(format!("    at {}:{line}:{column}", script.location())),
        }
    })
}

pub(crate) fn run(input: RulesInput<'_>) -> RulesRun {
    let _span = info_span!("rules", count = input.rules.len()).entered();
    let mut result = RulesRun {
        runs: Vec::new(),
        error: None,
        user: None,
        executed: Vec::new(),
    };
    let mut compiled = Vec::new();
    for rule in input.rules {
        match compile(rule) {
            Ok(bytes) => compiled.push(bytes),
            Err(error) => {
                let mut run = ScriptRun::new(&rule.name);
                run.error = Some(error.clone());
                result.runs.push(run);
                result.error = Some(error);
                return result;
            }
        }
    }
    let started = Instant::now();
    let isolate_span = debug_span!("isolate").entered();
    let isolate = match Isolate::new(&IsolateConfig {
        env: input.env,
        extra: runtime_js::RULES,
    }) {
        Ok(isolate) => isolate,
        Err(e) => {
            result.error = Some(ScriptError::new(ErrorKind::Internal, "rules", e.0));
            return result;
        }
    };
    let entered = isolate.enter(|scope| {
        drop(isolate_span);
        let isolate_us = started.elapsed().as_micros() as u64;
        scope.state.borrow_mut().allowed_calls = RULE_CALLS;
        if let Err(error) = run_all(scope, &input, &compiled, isolate_us, &mut result) {
            result.error.get_or_insert(error);
        }
        if let Some(last) = result.runs.last_mut() {
            let error = last.error.take();
            last.collect(scope);
            last.error = error;
        }
    });
    if let Err(e) = entered {
        result.error = Some(ScriptError::new(ErrorKind::Internal, "rules", e.0));
    }
    result
}

fn run_all<'js>(
    scope: &Scope<'js>,
    input: &RulesInput<'_>,
    compiled: &[std::sync::Arc<[u8]>],
    isolate_us: u64,
    result: &mut RulesRun,
) -> Result<(), ScriptError> {
    let ctx = &scope.ctx;
    let caught = |_| ScriptError::from_caught(ctx, "rules");
    let event_started = Instant::now();
    let install: Function = scope.rt.get("installRuleGlobals").map_err(caught)?;
    let globals = ctx.json_parse(input.globals.to_string()).map_err(caught)?;
    install.call::<_, ()>((globals,)).map_err(caught)?;
    let mut user: Value = ctx.json_parse(input.user.to_string()).map_err(caught)?;
    let mut context: Value = ctx.json_parse(input.context.to_string()).map_err(caught)?;
    let results: Object = scope.rt.get("ruleResults").map_err(caught)?;
    let make_callback: Function = scope.rt.get("ruleCallback").map_err(caught)?;

    let mut setters = Setters::new();
    let mut outputs = snapshot_outputs(ctx, &context);
    let mut user_snapshot = snapshot(ctx, &user).unwrap_or(Json::Null);
    let event_us = event_started.elapsed().as_micros() as u64;

    for (index, (rule, bytes)) in input.rules.iter().zip(compiled).enumerate() {
        let name = rule.name.as_str();
        let mut run = ScriptRun::new(name);
        if index == 0 {
            run.timings.isolate_us = isolate_us;
            run.timings.event_us = event_us;
        }
        {
            let mut state = scope.state.borrow_mut();
            state.script = name.to_string();
            // The Rule is compiled as `(SOURCE\n)`.
            state.add_source(name, rule.source.clone(), 1);
        }
        result.executed.push(name.to_string());
        let load_started = Instant::now();
        let outcome = call_rule(
            scope,
            input,
            rule,
            bytes,
            index,
            &make_callback,
            &user,
            &context,
            &mut run,
            load_started,
        );
        let outcome = outcome.and_then(|()| {
            let entry: Object = results
                .get(index as u32)
                .map_err(|_| ScriptError::from_caught(ctx, name))?;
            take_callback(scope, &entry, name, &mut user, &mut context)
        });
        match outcome {
            Err(error) => {
                run.error = Some(error.clone());
                run.take_records(scope);
                result.runs.push(run);
                result.error = Some(error);
                return Ok(());
            }
            Ok(Some(deny)) => {
                scope.state.borrow_mut().commands.push(deny);
                run.take_records(scope);
                result.runs.push(run);
                return Ok(());
            }
            Ok(None) => {}
        }
        // What this Rule changed.
        if let Some(new_user) = snapshot(ctx, &user) {
            let changes = user_changes(&user_snapshot, &new_user, name);
            scope.state.borrow_mut().commands.extend(changes);
            user_snapshot = new_user;
        }
        let new_outputs = snapshot_outputs(ctx, &context);
        record_setters(&outputs, &new_outputs, name, &mut setters);
        outputs = new_outputs;
        run.take_records(scope);
        result.runs.push(run);
    }

    // The Rules are done: their outputs on `context` take effect now.
    let mut unmapped = Vec::new();
    let commands = output_commands(
        &outputs,
        &setters,
        input.resumed,
        &user_snapshot,
        &mut unmapped,
    );
    if let Some(last) = result.runs.last_mut() {
        last.commands.extend(commands);
        last.warnings.extend(unmapped);
    }
    result.user = Some(user_snapshot);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn call_rule<'js>(
    scope: &Scope<'js>,
    input: &RulesInput<'_>,
    rule: &Script,
    bytes: &[u8],
    index: usize,
    make_callback: &Function<'js>,
    user: &Value<'js>,
    context: &Value<'js>,
    run: &mut ScriptRun,
    load_started: Instant,
) -> Result<(), ScriptError> {
    let ctx = &scope.ctx;
    let name = rule.name.as_str();
    let caught = |_| ScriptError::from_caught(ctx, name);
    let function: Value = bytecode::run(ctx, bytes).map_err(caught)?;
    let Some(function) = function.as_function().cloned() else {
        return Err(ScriptError::new(
            ErrorKind::InvalidHandler,
            name,
            "A Rule must be a function: function (user, context, callback) { … }",
        ));
    };
    let callback: Function = make_callback.call((index as u32, name)).map_err(caught)?;
    run.timings.load_us = load_started.elapsed().as_micros() as u64;

    let started = Instant::now();
    let _span = debug_span!("handler", script = %name).entered();
    scope.begin_task();
    let returned = function.call::<_, Value>((user.clone(), context.clone(), callback));
    let results: Object = scope.rt.get("ruleResults").map_err(caught)?;
    let outcome = match returned {
        Err(e) => Err(match scope.guards.tripped() {
            Some(tripped) => ScriptError::from_tripped(&tripped, name, &input.env.limits),
            None => caught(e),
        }),
        Ok(returned) => {
            let promise = returned.as_promise().cloned();
            let settled = drive(scope, || {
                if results.contains_key(index as u32).unwrap_or(false) {
                    return Some(Settled::Done);
                }
                match &promise {
                    Some(p) if p.state() == PromiseState::Rejected => {
                        Some(Settled::Thrown(promise_reason(p)))
                    }
                    _ => None,
                }
            });
            settle(scope, settled, name, &input.env.limits)
        }
    };
    run.timings.handler_us = started.elapsed().as_micros() as u64;
    outcome
}

/// Reads what a Rule passed to its callback: the user and context to go on
/// with, or the error that denies the login (as a `rules.deny` command).
fn take_callback<'js>(
    scope: &Scope<'js>,
    entry: &Object<'js>,
    name: &str,
    user: &mut Value<'js>,
    context: &mut Value<'js>,
) -> Result<Option<Command>, ScriptError> {
    let ctx = &scope.ctx;
    let error: Value = entry
        .get("error")
        .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
    if error.is_null() || error.is_undefined() {
        let arity: u32 = entry.get("arity").unwrap_or(0);
        let next_user: Value = entry
            .get("user")
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
        let next_context: Value = entry
            .get("context")
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
        if arity >= 2 && next_user.is_object() {
            *user = next_user;
        }
        if arity >= 3 && next_context.is_object() {
            *context = next_context;
        }
        return Ok(None);
    }
    let description = ScriptError::from_thrown(&error, name);
    let unauthorized = error.as_object().is_some_and(|obj| {
        use super::isolate::string_prop;
        string_prop(obj, "code").is_some_and(|c| c == "unauthorized")
            || string_prop(obj, "name").is_some_and(|n| n == "UnauthorizedError")
    });
    let (code, origin) = if unauthorized {
        ("unauthorized", "callback(new UnauthorizedError(…))")
    } else if error.is_string() {
        ("access_denied", "callback('…')")
    } else {
        ("access_denied", "callback(new Error(…))")
    };
    let mut command = Command::new(
        name,
        Call::RulesDeny,
        vec![json!(code), json!(description.message)],
    );
    command.origin = Some(origin.to_string());
    Ok(Some(command))
}

/// A JSON copy of a value (what Auth0's serialiser would see), or `None`
/// when it has no JSON form (a cycle, a BigInt).
fn snapshot<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Option<Json> {
    match ctx.json_stringify(value.clone()) {
        Ok(Some(text)) => text
            .to_string()
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok()),
        Ok(None) => None,
        Err(_) => {
            ctx.catch();
            None
        }
    }
}

/// The outputs of `context`, as JSON.
fn snapshot_outputs<'js>(ctx: &Ctx<'js>, context: &Value<'js>) -> Map<String, Json> {
    let mut out = Map::new();
    let Some(obj) = context.as_object() else {
        return out;
    };
    for key in OUTPUTS {
        if let Ok(value) = obj.get::<_, Value>(*key)
            && let Some(json) = snapshot(ctx, &value)
        {
            out.insert((*key).to_string(), json);
        }
    }
    out
}
