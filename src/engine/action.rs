//! Running one Action the way Auth0's runner does: the CommonJS source is
//! wrapped in a function, its module-level code runs once per execution,
//! the exported handler must be an `async` function, and it is awaited with
//! `(event, api)`. Every call into script code is made from Rust, so no
//! runtime JavaScript is on the stack while the script runs.

use std::time::Instant;

use rquickjs::promise::PromiseState;
use rquickjs::{Function, Object, Promise, Value, qjs};
use tracing::{debug_span, info_span};

use super::ExecEnv;
use super::ScriptRun;
use super::bytecode;
use super::isolate::{Isolate, IsolateConfig, Scope, Settled, drive, object_key};
use super::limits::Limits;
use super::runtime_js;
use crate::record::{ErrorKind, ScriptError};
use crate::script::{Script, Trigger};

/// Which export of the Action to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    Execute,
    /// `onContinuePostLogin`, after a redirect.
    Continue,
}

pub(crate) struct ActionInput<'a> {
    pub script: &'a Script,
    pub trigger: Trigger,
    pub entry: Entry,
    /// The `event` object as JSON.
    pub event_json: String,
    /// What the api facade needs to know about the transaction so far.
    pub api_info_json: String,
    pub env: &'a ExecEnv,
}

/// The source as a function of the CommonJS module variables. It starts on
/// the script's first line, so line numbers in errors are the file's own.
fn wrap(source: &str) -> String {
    format!("(function (exports, require, module) {{{source}\n}})")
}

/// Columns on the first line are shifted by the wrapper's prefix.
const WRAP_PREFIX_LEN: u32 = "(function (exports, require, module) {".len() as u32;

pub(crate) fn compile(script: &Script) -> Result<std::sync::Arc<[u8]>, ScriptError> {
    bytecode::compile(&script.name, &wrap(&script.source)).map_err(|e| {
        let column = if e.line == 1 {
            e.column.saturating_sub(WRAP_PREFIX_LEN).max(1)
        } else {
            e.column
        };
        let (line, column, at_end) = bytecode::position_in(&script.source, e.line, column);
        let at_end = if at_end {
            " at the end of the file (is a brace, bracket, parenthesis or string left open?)"
        } else {
            ""
        };
        ScriptError {
            kind: ErrorKind::Syntax,
            script: script.name.clone(),
            name: Some("SyntaxError".into()),
            message: format!("{}{at_end} (line {line}, column {column})", e.message),
            stack: Some(format!("    at {}:{line}:{column}", script.location())),
        }
    })
}

pub(crate) fn run(input: ActionInput<'_>) -> ScriptRun {
    let name = input.script.name.clone();
    let _action = info_span!("action", script = %name).entered();
    let mut run = ScriptRun::new(&name);

    let bytes = match compile(input.script) {
        Ok(bytes) => bytes,
        Err(error) => {
            run.error = Some(error);
            return run;
        }
    };

    let started = Instant::now();
    let isolate_span = debug_span!("isolate").entered();
    let isolate = match Isolate::new(&IsolateConfig {
        env: input.env,
        extra: if input.trigger == Trigger::PostLogin {
            runtime_js::POST_LOGIN
        } else {
            runtime_js::OTHER_TRIGGERS
        },
    }) {
        Ok(isolate) => isolate,
        Err(e) => {
            run.error = Some(ScriptError::new(ErrorKind::Internal, &name, e.0));
            return run;
        }
    };
    let entered = isolate.enter(|scope| {
        // The runtime's own JavaScript is loaded: the isolate is ready.
        drop(isolate_span);
        run.timings.isolate_us = started.elapsed().as_micros() as u64;
        {
            let mut state = scope.state.borrow_mut();
            state.script = name.clone();
            state.add_source(&name, input.script.source.clone(), WRAP_PREFIX_LEN as usize);
            state.allowed_calls = input.trigger.spec().allowed_calls;
        }
        if let Err(error) = execute(scope, &input, &bytes, &mut run) {
            run.error = Some(error);
        }
        run.collect(scope);
    });
    if let Err(e) = entered {
        run.error = Some(ScriptError::new(ErrorKind::Internal, &name, e.0));
    }
    run
}

fn execute<'js>(
    scope: &Scope<'js>,
    input: &ActionInput<'_>,
    bytes: &[u8],
    run: &mut ScriptRun,
) -> Result<(), ScriptError> {
    let ctx = &scope.ctx;
    let name = input.script.name.as_str();
    let caught = |_| ScriptError::from_caught(ctx, name);
    let stopped_or = |error: ScriptError| match scope.guards.tripped() {
        Some(tripped) => ScriptError::from_tripped(&tripped, name, &input.env.limits),
        None => error,
    };
    // The event comes in and the api is built before any script code runs.
    let event_started = Instant::now();
    let event_span = debug_span!("event").entered();
    let event = ctx.json_parse(input.event_json.as_str()).map_err(caught)?;
    let info = ctx
        .json_parse(input.api_info_json.as_str())
        .map_err(caught)?;
    let factory: Function = scope
        .rt
        .get(input.trigger.spec().api_factory)
        .map_err(caught)?;
    let api: Value = factory.call((event.clone(), info)).map_err(caught)?;
    run.timings.event_us = event_started.elapsed().as_micros() as u64;
    drop(event_span);

    let load_started = Instant::now();
    let load_span = debug_span!("load").entered();

    // Module-level code.
    scope.begin_task();
    let wrapper: Function = bytecode::run(ctx, bytes)
        .and_then(|v| v.get())
        .map_err(|e| stopped_or(caught(e)))?;
    let module = Object::new(ctx.clone()).map_err(caught)?;
    let exports = Object::new(ctx.clone()).map_err(caught)?;
    module.set("exports", exports.clone()).map_err(caught)?;
    let make_require: Function = scope.rt.get("makeRequire").map_err(caught)?;
    let require: Function = make_require
        .call((input.script.location(),))
        .map_err(caught)?;
    wrapper
        .call::<_, Value>((
            rquickjs::function::This(exports.clone()),
            exports,
            require,
            module.clone(),
        ))
        .map_err(|e| stopped_or(with_kind(caught(e), ErrorKind::ModuleInit)))?;
    run.timings.load_us = load_started.elapsed().as_micros() as u64;
    drop(load_span);

    // The handler check, with Auth0's messages.
    let handler_name = match input.entry {
        Entry::Execute => input.trigger.handler(),
        Entry::Continue => input
            .trigger
            .continue_handler()
            .unwrap_or("onContinuePostLogin"),
    };
    let exports: Value = module.get("exports").map_err(caught)?;
    let Some(exports) = exports.as_object().filter(|_| !exports.is_function()) else {
        return Err(ScriptError::new(
            ErrorKind::InvalidHandler,
            name,
            "The Action must export an object.",
        ));
    };
    let handler: Value = exports.get(handler_name).map_err(caught)?;
    let async_proto: Object = scope
        .rt
        .get::<_, Object>("p")
        .and_then(|p| p.get("AsyncFunctionPrototype"))
        .map_err(caught)?;
    let handler = handler
        .as_function()
        .filter(|f| f.as_object().and_then(|o| o.get_prototype()).is_some_and(|proto| proto == async_proto))
        .cloned()
        .ok_or_else(|| {
            ScriptError::new(
                ErrorKind::InvalidHandler,
                name,
                format!(
                    "Invalid function signature for the \"{handler_name}\" handler. Use \"exports.{handler_name} = async function(event, api) {{ }}\" as the signature."
                ),
            )
        })?;

    let handler_started = Instant::now();
    let _handler_span = debug_span!("handler").entered();
    scope.begin_task();
    let returned = handler.call::<_, Value>((event, api));
    let result = match returned {
        Err(e) => Err(stopped_or(caught(e))),
        Ok(value) => match value.as_promise().cloned() {
            None => Ok(()),
            Some(promise) => {
                let settled = drive(scope, || match promise.state() {
                    PromiseState::Pending => None,
                    PromiseState::Resolved => Some(Settled::Done),
                    PromiseState::Rejected => Some(Settled::Thrown(promise_reason(&promise))),
                });
                // The handler's own rejection is its error, not an unhandled one.
                let key = object_key(promise.as_value());
                scope
                    .state
                    .borrow_mut()
                    .unhandled_rejections
                    .retain(|(k, _)| *k != key);
                settle(scope, settled, name, &input.env.limits)
            }
        },
    };
    run.timings.handler_us = handler_started.elapsed().as_micros() as u64;
    result
}

fn with_kind(mut error: ScriptError, kind: ErrorKind) -> ScriptError {
    if error.kind == ErrorKind::Exception {
        error.kind = kind;
    }
    error
}

/// Turns how a wait ended into the execution's result.
pub(crate) fn settle(
    scope: &Scope<'_>,
    settled: Settled<'_>,
    name: &str,
    limits: &Limits,
) -> Result<(), ScriptError> {
    match settled {
        Settled::Done => Ok(()),
        Settled::Thrown(value) => match scope.guards.tripped() {
            Some(tripped) => Err(ScriptError::from_tripped(&tripped, name, limits)),
            None => Err(ScriptError::from_thrown(&value, name)),
        },
        Settled::Stopped(tripped) => Err(ScriptError::from_tripped(&tripped, name, limits)),
        Settled::Stuck => {
            let mut error =
                ScriptError::from_tripped(&super::guards::Tripped::Timeout, name, limits);
            error.message = format!(
                "Request to Webtask exceeded allowed execution time: the handler's promise can never settle \
                 (it waits for something that nothing pending will ever resolve), so Auth0 would time out \
                 after {}",
                humantime::format_duration(limits.timeout)
            );
            Err(error)
        }
    }
}

/// The value a rejected promise was rejected with.
pub(crate) fn promise_reason<'js>(promise: &Promise<'js>) -> Value<'js> {
    let ctx = promise.ctx();
    // SAFETY: JS_PromiseResult returns a new reference to the settled value.
    unsafe {
        Value::from_raw(
            ctx.clone(),
            qjs::JS_PromiseResult(ctx.as_raw().as_ptr(), promise.as_raw()),
        )
    }
}
