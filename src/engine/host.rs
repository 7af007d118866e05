//! The host side of the boundary: the few native functions the runtime's
//! JavaScript is built on, and the per-isolate state they write to.
//!
//! Rules every function here follows (SECURITY.md, findings 3–5):
//! - it validates its own arguments and never trusts its JS caller (a script
//!   can reach these functions through `Error.prepareStackTrace`);
//! - it never holds a `RefCell` borrow while anything can run JavaScript
//!   (argument conversion, getters, error construction): arguments are read
//!   first, the state is borrowed last and briefly;
//! - a panic is caught, recorded as a sticky failure, and never swallowed.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::function::Rest;
use rquickjs::{Ctx, Exception, Function, Object, Value, qjs};

use super::guards::Guards;
use crate::record::{Command, LogEntry, LogLevel, Warning};

/// Everything one isolate records. Shared by the host functions.
pub(crate) struct HostState {
    /// The script now running; every record is attributed to it.
    pub script: String,
    pub commands: Vec<Command>,
    pub command_bytes: usize,
    pub logs: Vec<LogEntry>,
    pub log_bytes: usize,
    pub logs_truncated: bool,
    pub warnings: Vec<Warning>,
    pub timers: Timers,
    /// Calls the running script may make (`idToken.setCustomClaim`, ...).
    pub allowed_calls: &'static [&'static str],
    /// The flow's limits, clock and access to the outside world.
    pub env: super::ExecEnv,
    /// Requests in flight, and the record of every request made.
    pub fetches: super::fetch::Fetches,
    pub started: Instant,
    /// Promises rejected with nobody handling them (yet): key is the
    /// promise's address while it lives.
    pub unhandled_rejections: Vec<(usize, String)>,
}

/// Timers one isolate may have at once.
const MAX_TIMERS: usize = 10_000;

impl HostState {
    pub(crate) fn new(env: super::ExecEnv) -> HostState {
        HostState {
            script: String::new(),
            commands: Vec::new(),
            command_bytes: 0,
            logs: Vec::new(),
            log_bytes: 0,
            logs_truncated: false,
            warnings: Vec::new(),
            timers: Timers::default(),
            allowed_calls: &[],
            env,
            fetches: Default::default(),
            started: Instant::now(),
            unhandled_rejections: Vec::new(),
        }
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(Warning {
            script: self.script.clone(),
            message: message.into(),
        });
    }

    fn push_log(&mut self, level: LogLevel, message: String) {
        if self.logs_truncated {
            return;
        }
        let size = message.len() + 1;
        if self.log_bytes + size > self.env.limits.log_bytes {
            self.logs_truncated = true;
            let cap = self.env.limits.log_bytes;
            self.warn(format!(
                "console output passed the {} KiB cap; later lines were dropped (Auth0 keeps 256 KiB per execution)",
                cap / 1024
            ));
            return;
        }
        self.log_bytes += size;
        self.logs.push(LogEntry {
            script: self.script.clone(),
            level,
            message,
        });
    }
}

/// Timers of one isolate, ordered by when they are due.
#[derive(Default)]
pub(crate) struct Timers {
    next_id: u32,
    sequence: u64,
    due: BTreeMap<(Instant, u64), u32>,
    active: HashMap<u32, TimerSpec>,
}

struct TimerSpec {
    key: (Instant, u64),
    interval: Option<Duration>,
    /// `unref()`ed timers (such as `AbortSignal.timeout`'s) are not
    /// reported as left pending.
    referenced: bool,
}

impl Timers {
    fn start(&mut self, delay: Duration, repeat: bool) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        let key = self.schedule(id, delay);
        self.active.insert(
            id,
            TimerSpec {
                key,
                interval: repeat.then_some(delay),
                referenced: true,
            },
        );
        id
    }

    fn schedule(&mut self, id: u32, delay: Duration) -> (Instant, u64) {
        self.sequence += 1;
        let key = (Instant::now() + delay, self.sequence);
        self.due.insert(key, id);
        key
    }

    fn clear(&mut self, id: u32) {
        if let Some(spec) = self.active.remove(&id) {
            self.due.remove(&spec.key);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.active.len()
    }

    /// Timers still pending that the script did not `unref()`.
    pub(crate) fn referenced(&self) -> usize {
        self.active.values().filter(|spec| spec.referenced).count()
    }

    fn set_referenced(&mut self, id: u32, referenced: bool) {
        if let Some(spec) = self.active.get_mut(&id) {
            spec.referenced = referenced;
        }
    }

    /// The earliest timer and when it is due.
    pub(crate) fn next(&self) -> Option<(Instant, u32)> {
        self.due.first_key_value().map(|(key, id)| (key.0, *id))
    }

    /// Takes a due timer off the queue (re-arming an interval) and says
    /// whether it was a one-shot timer that is now gone.
    pub(crate) fn fire(&mut self, id: u32) -> bool {
        let Some(spec) = self.active.get(&id) else {
            return true;
        };
        let key = spec.key;
        let interval = spec.interval;
        self.due.remove(&key);
        match interval {
            Some(delay) => {
                let key = self.schedule(id, delay);
                if let Some(spec) = self.active.get_mut(&id) {
                    spec.key = key;
                }
                false
            }
            None => {
                self.active.remove(&id);
                true
            }
        }
    }

    pub(crate) fn clear_all(&mut self) {
        self.due.clear();
        self.active.clear();
    }
}

pub(crate) type Shared = Rc<RefCell<HostState>>;

/// Wraps a host function so a panic becomes a sticky failure and a JS error,
/// never an unwinding through QuickJS or a silently swallowed exception.
fn guarded<'js, F>(
    ctx: &Ctx<'js>,
    guards: &Rc<Guards>,
    name: &'static str,
    body: F,
) -> rquickjs::Result<Function<'js>>
where
    F: Fn(&Ctx<'js>, &[Value<'js>]) -> rquickjs::Result<Value<'js>> + 'js,
{
    let guards = guards.clone();
    let function =
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, args: Rest<Value<'js>>| match catch_unwind(AssertUnwindSafe(
                || body(&ctx, &args.0),
            )) {
                Ok(result) => result,
                Err(panic) => {
                    let text = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".into());
                    guards.trip_host(format!("internal error in host function {name}: {text}"));
                    Err(Exception::throw_internal(&ctx, "actionbox internal error"))
                }
            },
        )?;
    function.set_name(name)?;
    Ok(function)
}

/// The argument at `index` as a string, without coercion (coercion would run
/// the script's `toString`).
pub(crate) fn arg_string(
    ctx: &Ctx<'_>,
    args: &[Value<'_>],
    index: usize,
) -> rquickjs::Result<String> {
    match args.get(index).and_then(|v| v.as_string()) {
        Some(s) => s.to_string(),
        None => Err(Exception::throw_type(
            ctx,
            "actionbox host: expected a string argument",
        )),
    }
}

fn arg_number(args: &[Value<'_>], index: usize) -> Option<f64> {
    args.get(index).and_then(|v| v.as_number())
}

/// Builds the `host` object handed to the runtime's bootstrap files.
/// The most the `auth0` SDK emulation may keep between a flow's scripts.
const TENANT_STATE_MAX_BYTES: usize = 8 << 20;

pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;

    let st = state.clone();
    host.set(
        "log",
        guarded(ctx, guards, "log", move |ctx, args| {
            let level = arg_string(ctx, args, 0)?;
            let text = arg_string(ctx, args, 1)?;
            let mut state = st.borrow_mut();
            state.push_log(LogLevel::parse(&level), text);
            // Whether more output is still wanted.
            Ok(Value::new_bool(ctx.clone(), !state.logs_truncated))
        })?,
    )?;

    let st = state.clone();
    let gd = guards.clone();
    host.set(
        "record",
        guarded(ctx, guards, "record", move |ctx, args| {
            let call = arg_string(ctx, args, 0)?;
            let json = arg_string(ctx, args, 1)?;
            let parsed: Vec<serde_json::Value> = parse_args(&json).map_err(|e| Exception::throw_type(ctx, &e))?;
            let origin = match args.get(2) {
                Some(v) if v.is_string() => Some(arg_string(ctx, args, 2)?),
                _ => None,
            };
            let mut state = st.borrow_mut();
            let allowed = state.allowed_calls.iter().any(|a| match a.strip_suffix('*') {
                Some(prefix) => call.starts_with(prefix),
                None => *a == call,
            });
            if !allowed {
                drop(state);
                return Err(Exception::throw_type(ctx, &format!("actionbox host: '{call}' is not available here")));
            }
            state.command_bytes += json.len();
            let limits = &state.env.limits;
            if state.commands.len() >= limits.commands || state.command_bytes > limits.command_bytes {
                let message = format!(
                    "the script made more api calls than the limit allows ({} calls, {} MiB of arguments)",
                    limits.commands,
                    limits.command_bytes >> 20
                );
                drop(state);
                gd.trip_host(message);
                return Err(Exception::throw_range(ctx, "api call limit exceeded"));
            }
            let script = state.script.clone();
            let mut command = Command::new(script, call, parsed);
            command.origin = origin;
            state.commands.push(command);
            Ok(Value::new_undefined(ctx.clone()))
        })?,
    )?;

    let st = state.clone();
    host.set(
        "warn",
        guarded(ctx, guards, "warn", move |ctx, args| {
            let text = arg_string(ctx, args, 0)?;
            let script = match args.get(1) {
                Some(v) if v.is_string() => Some(arg_string(ctx, args, 1)?),
                _ => None,
            };
            let mut state = st.borrow_mut();
            match script {
                Some(script) => state.warnings.push(Warning {
                    script,
                    message: text,
                }),
                None => state.warn(text),
            }
            Ok(Value::new_undefined(ctx.clone()))
        })?,
    )?;

    let st = state.clone();
    let gd = guards.clone();
    host.set(
        "timerStart",
        guarded(ctx, guards, "timerStart", move |ctx, args| {
            let ms = arg_number(args, 0)
                .unwrap_or(1.0)
                .clamp(0.0, 2_147_483_647.0);
            let repeat = args.get(1).and_then(|v| v.as_bool()).unwrap_or(false);
            let mut state = st.borrow_mut();
            if state.timers.len() >= MAX_TIMERS {
                drop(state);
                gd.trip_host(format!(
                    "the script started more than {MAX_TIMERS} timers at once"
                ));
                return Err(Exception::throw_range(ctx, "timer limit exceeded"));
            }
            let id = state
                .timers
                .start(Duration::from_secs_f64(ms / 1000.0), repeat);
            Ok(Value::new_int(ctx.clone(), id as i32))
        })?,
    )?;

    let st = state.clone();
    host.set(
        "timerClear",
        guarded(ctx, guards, "timerClear", move |ctx, args| {
            if let Some(id) = arg_number(args, 0) {
                st.borrow_mut().timers.clear(id as u32);
            }
            Ok(Value::new_undefined(ctx.clone()))
        })?,
    )?;

    let st = state.clone();
    host.set(
        "timerRef",
        guarded(ctx, guards, "timerRef", move |ctx, args| {
            if let Some(id) = arg_number(args, 0) {
                let referenced = args.get(1).and_then(|v| v.as_bool()).unwrap_or(true);
                st.borrow_mut().timers.set_referenced(id as u32, referenced);
            }
            Ok(Value::new_undefined(ctx.clone()))
        })?,
    )?;

    let st = state.clone();
    host.set(
        "monotonicMs",
        guarded(ctx, guards, "monotonicMs", move |ctx, _| {
            // Millisecond resolution only: no fine clock for timing attacks.
            let elapsed = st.borrow().started.elapsed().as_millis() as f64;
            Ok(Value::new_float(ctx.clone(), elapsed))
        })?,
    )?;

    let st = state.clone();
    host.set(
        "fixedNow",
        guarded(ctx, guards, "fixedNow", move |ctx, _| {
            Ok(match st.borrow().env.fixed_now_ms {
                Some(ms) => Value::new_float(ctx.clone(), ms),
                None => Value::new_undefined(ctx.clone()),
            })
        })?,
    )?;

    host.set(
        "brand",
        guarded(ctx, guards, "brand", |ctx, args| {
            let kind = args.first().map(brand_of).unwrap_or("Object");
            rquickjs::String::from_str(ctx.clone(), kind).map(|s| s.into_value())
        })?,
    )?;

    host.set(
        "isProxy",
        guarded(ctx, guards, "isProxy", |ctx, args| {
            // SAFETY: reading the tag of a live value of this context.
            let is_proxy = args
                .first()
                .is_some_and(|v| unsafe { qjs::JS_IsProxy(v.as_raw()) });
            Ok(Value::new_bool(ctx.clone(), is_proxy))
        })?,
    )?;

    host.set(
        "proxyTarget",
        guarded(ctx, guards, "proxyTarget", |ctx, args| {
            let Some(value) = args.first() else {
                return Ok(Value::new_undefined(ctx.clone()));
            };
            // SAFETY: JS_GetProxyTarget returns a new reference (or null for
            // a revoked Proxy) that `from_raw` takes ownership of.
            unsafe {
                if !qjs::JS_IsProxy(value.as_raw()) {
                    return Ok(value.clone());
                }
                let mut target = qjs::JS_GetProxyTarget(ctx.as_raw().as_ptr(), value.as_raw());
                // Unwrap nested Proxies, bounded.
                for _ in 0..64 {
                    if !qjs::JS_IsProxy(target) {
                        break;
                    }
                    let inner = qjs::JS_GetProxyTarget(ctx.as_raw().as_ptr(), target);
                    qjs::JS_FreeValue(ctx.as_raw().as_ptr(), target);
                    target = inner;
                }
                if qjs::JS_IsException(target) {
                    ctx.catch();
                    return Ok(Value::new_null(ctx.clone()));
                }
                Ok(Value::from_raw(ctx.clone(), target))
            }
        })?,
    )?;

    host.set(
        "promiseState",
        guarded(ctx, guards, "promiseState", |ctx, args| {
            let state = match args.first().and_then(|v| v.as_promise()) {
                Some(p) => match p.state() {
                    rquickjs::promise::PromiseState::Pending => "pending",
                    rquickjs::promise::PromiseState::Resolved => "fulfilled",
                    rquickjs::promise::PromiseState::Rejected => "rejected",
                },
                None => "pending",
            };
            rquickjs::String::from_str(ctx.clone(), state).map(|s| s.into_value())
        })?,
    )?;

    host.set(
        "promiseResult",
        guarded(ctx, guards, "promiseResult", |ctx, args| {
            let Some(promise) = args.first().filter(|v| v.as_promise().is_some()) else {
                return Ok(Value::new_undefined(ctx.clone()));
            };
            // SAFETY: JS_PromiseResult returns a new reference.
            unsafe {
                let raw = qjs::JS_PromiseResult(ctx.as_raw().as_ptr(), promise.as_raw());
                Ok(Value::from_raw(ctx.clone(), raw))
            }
        })?,
    )?;

    let st = state.clone();
    host.set(
        "fetchStart",
        guarded(ctx, guards, "fetchStart", move |ctx, args| {
            super::fetch::start(ctx, &st, args)
        })?,
    )?;
    let st = state.clone();
    host.set(
        "fetchCancel",
        guarded(ctx, guards, "fetchCancel", move |ctx, args| {
            super::fetch::cancel(ctx, &st, args)
        })?,
    )?;

    // requireResolve(from, request) -> [path, source] or [null, null, why]
    let st = state.clone();
    host.set(
        "requireResolve",
        guarded(ctx, guards, "requireResolve", move |ctx, args| {
            let from = arg_string(ctx, args, 0)?;
            let request = arg_string(ctx, args, 1)?;
            let services = st.borrow().env.services.clone();
            let result = services.resolve_module(&from, &request);
            let out = rquickjs::Array::new(ctx.clone())?;
            match result {
                Ok(resolved) if resolved.path.extension().is_some_and(|e| e == "node") => {
                    out.set(2, format!(
                        "Cannot find module '{request}': {} is a native addon (compiled code), which actionbox cannot load — Auth0 does not run native modules either",
                        resolved.path.display()
                    ))?;
                }
                Ok(resolved) => {
                    out.set(0, resolved.path.display().to_string())?;
                    out.set(1, resolved.source)?;
                }
                Err(why) => out.set(2, why)?,
            }
            Ok(out.into_value())
        })?,
    )?;

    // dependencyVersion(name) -> the declared version, or undefined
    let st = state.clone();
    host.set(
        "dependencyVersion",
        guarded(ctx, guards, "dependencyVersion", move |ctx, args| {
            let name = arg_string(ctx, args, 0)?;
            let version = st.borrow().env.node.dependencies.get(&name).cloned();
            match version {
                Some(version) => {
                    rquickjs::String::from_str(ctx.clone(), &version).map(|s| s.into_value())
                }
                None => Ok(Value::new_undefined(ctx.clone())),
            }
        })?,
    )?;

    // nodeVersion() -> what process.version reports
    let st = state.clone();
    host.set(
        "nodeVersion",
        guarded(ctx, guards, "nodeVersion", move |ctx, _| {
            let version = st.borrow().env.node.runtime.version();
            rquickjs::String::from_str(ctx.clone(), version).map(|s| s.into_value())
        })?,
    )?;

    // tenantUsers() -> the emulated tenant's users as JSON: as an earlier
    // script of the flow left them, else the configured ones.
    let st = state.clone();
    host.set(
        "tenantUsers",
        guarded(ctx, guards, "tenantUsers", move |ctx, _| {
            let st = st.borrow();
            let saved = st
                .env
                .tenant_users
                .lock()
                .map(|s| s.clone())
                .unwrap_or_default();
            let json = match saved {
                Some(json) => json,
                None => {
                    let configured =
                        serde_json::to_string(&st.env.node.users).unwrap_or_else(|_| "[]".into());
                    format!("{{\"fresh\":true,\"users\":{configured}}}")
                }
            };
            rquickjs::String::from_str(ctx.clone(), &json).map(|s| s.into_value())
        })?,
    )?;

    // tenantSave(json): keeps the users for the flow's next scripts.
    let st = state.clone();
    host.set(
        "tenantSave",
        guarded(ctx, guards, "tenantSave", move |ctx, args| {
            let json = arg_string(ctx, args, 0)?;
            if json.len() > TENANT_STATE_MAX_BYTES {
                return Err(Exception::throw_range(
                    ctx,
                    "the emulated tenant's users exceed 8 MiB",
                ));
            }
            let st = st.borrow();
            if let Ok(mut saved) = st.env.tenant_users.lock() {
                *saved = Some(json);
            }
            Ok(Value::new_undefined(ctx.clone()))
        })?,
    )?;

    // actionModule(name) -> source, or undefined
    let st = state.clone();
    host.set(
        "actionModule",
        guarded(ctx, guards, "actionModule", move |ctx, args| {
            let name = arg_string(ctx, args, 0)?;
            let source = st.borrow().env.node.action_modules.get(&name).cloned();
            match source {
                Some(source) => {
                    rquickjs::String::from_str(ctx.clone(), &source).map(|s| s.into_value())
                }
                None => Ok(Value::new_undefined(ctx.clone())),
            }
        })?,
    )?;

    // compileModule(fileName, source, params) -> function(params...)
    host.set(
        "compileModule",
        guarded(ctx, guards, "compileModule", |ctx, args| {
            let file = arg_string(ctx, args, 0)?;
            let source = arg_string(ctx, args, 1)?;
            let params = arg_string(ctx, args, 2)?;
            let wrapped = format!("(function ({params}) {{{source}\n}})");
            let bytes = super::bytecode::compile(&file, &wrapped).map_err(|e| {
                let hint = if source.contains("export ") || source.contains("import ") {
                    " (it looks like an ES module; actionbox loads CommonJS packages only)"
                } else {
                    ""
                };
                Exception::throw_syntax(
                    ctx,
                    &format!("{file}:{}:{}: {}{hint}", e.line, e.column, e.message),
                )
            })?;
            super::bytecode::run(ctx, &bytes)
        })?,
    )?;

    // loadRuntime(name) -> the init function of a lazily loaded runtime file
    host.set(
        "loadRuntime",
        guarded(ctx, guards, "loadRuntime", |ctx, args| {
            let name = arg_string(ctx, args, 0)?;
            let Some(file) = super::runtime_js::RuntimeFile::lazy(&name) else {
                return Err(Exception::throw_type(
                    ctx,
                    "actionbox host: unknown runtime file",
                ));
            };
            let bytes = super::runtime_js::bytecode(file)
                .map_err(|e| Exception::throw_internal(ctx, &e))?;
            super::bytecode::run(ctx, &bytes)
        })?,
    )?;

    super::natives::install(ctx, &host, guards)?;
    super::node_natives::install(ctx, &host, guards)?;
    Ok(host)
}

/// Registers one more guarded host function on `host`.
pub(crate) fn add<'js, F>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    guards: &Rc<Guards>,
    name: &'static str,
    body: F,
) -> rquickjs::Result<()>
where
    F: Fn(&Ctx<'js>, &[Value<'js>]) -> rquickjs::Result<Value<'js>> + 'js,
{
    host.set(name, guarded(ctx, guards, name, body)?)
}

/// The engine's own idea of what kind of builtin a value is, immune to a
/// script's changes to prototypes and `Symbol.toStringTag`.
fn brand_of(value: &Value<'_>) -> &'static str {
    if value.is_function() {
        return "Function";
    }
    if !value.is_object() {
        return "";
    }
    let raw = value.as_raw();
    // SAFETY: these predicates only read the tag and class id of a live value.
    unsafe {
        let ctx = value.ctx().as_raw().as_ptr();
        if qjs::JS_IsProxy(raw) {
            return "Proxy";
        }
        if qjs::JS_IsArray(raw) {
            return "Array";
        }
        if qjs::JS_GetTypedArrayType(raw) >= 0 {
            return "TypedArray";
        }
        if qjs::JS_IsError(raw) {
            return "Error";
        }
        if qjs::JS_IsDate(raw) {
            return "Date";
        }
        if qjs::JS_IsRegExp(raw) {
            return "RegExp";
        }
        if qjs::JS_IsMap(raw) {
            return "Map";
        }
        if qjs::JS_IsSet(raw) {
            return "Set";
        }
        if qjs::JS_IsWeakMap(raw) {
            return "WeakMap";
        }
        if qjs::JS_IsWeakSet(raw) {
            return "WeakSet";
        }
        if qjs::JS_IsArrayBuffer(raw) {
            return "ArrayBuffer";
        }
        if qjs::JS_IsPromise(raw) {
            return "Promise";
        }
        let _ = ctx;
    }
    "Object"
}

/// Parses the JSON a script's arguments were serialised to. JavaScript
/// strings may hold lone surrogates, which `JSON.stringify` escapes and
/// strict JSON parsers refuse: they become U+FFFD, as in a UTF-8 encoder.
pub(crate) fn parse_args(json: &str) -> Result<Vec<serde_json::Value>, String> {
    let describe = |e: serde_json::Error| {
        if e.to_string().contains("recursion limit") {
            "the value is nested more than 128 levels deep, which actionbox does not record"
                .to_string()
        } else {
            format!("the arguments cannot be recorded: {e}")
        }
    };
    match serde_json::from_str(json) {
        Ok(args) => Ok(args),
        Err(_) if json.contains("\\ud") => {
            serde_json::from_str(&replace_lone_surrogates(json)).map_err(describe)
        }
        Err(e) => Err(describe(e)),
    }
}

fn replace_lone_surrogates(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut i = 0;
    let unit = |at: usize| -> Option<u16> {
        if bytes.get(at) == Some(&b'\\') && bytes.get(at + 1) == Some(&b'u') {
            u16::from_str_radix(json.get(at + 2..at + 6)?, 16).ok()
        } else {
            None
        }
    };
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if let Some(code) = unit(i) {
                let high = (0xd800..0xdc00).contains(&code);
                let low = (0xdc00..0xe000).contains(&code);
                if high && unit(i + 6).is_some_and(|next| (0xdc00..0xe000).contains(&next)) {
                    out.push_str(&json[i..i + 12]);
                    i += 12;
                    continue;
                }
                if high || low {
                    out.push_str("\\ufffd");
                    i += 6;
                    continue;
                }
            }
            // Any other escape: copy the backslash and the escaped character.
            out.push_str(&json[i..i + 2]);
            i += 2;
            continue;
        }
        let ch = json[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_host_function_is_never_swallowed() {
        let guards = Guards::new(Instant::now() + Duration::from_secs(5), 16 << 20);
        let runtime = rquickjs::Runtime::new().expect("runtime");
        let context = rquickjs::Context::full(&runtime).expect("context");
        context.with(|ctx| {
            let boom = guarded(&ctx, &guards, "boom", |_, _| panic!("a bug")).expect("function");
            ctx.globals().set("boom", boom).expect("set");
            // The script catches the error the panic became...
            let result: String = ctx
                .eval("try { boom(); } catch (e) {} 'went on'")
                .expect("evaluates");
            assert_eq!(result, "went on");
        });
        // ...but the failure is recorded where the script cannot reach it,
        // and the interrupt handler stops the script at its next poll.
        match guards.tripped() {
            Some(super::super::guards::Tripped::Host(message)) => {
                assert!(
                    message.contains("internal error in host function boom: a bug"),
                    "{message}"
                )
            }
            other => panic!("not recorded: {other:?}"),
        }
        assert!(guards.should_interrupt());
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let parsed = parse_args(r#"["\ud800x","\ud83d\ude00","\\ud800"]"#).expect("parses");
        assert_eq!(
            parsed,
            vec![
                serde_json::json!("\u{fffd}x"),
                serde_json::json!("😀"),
                serde_json::json!("\\ud800")
            ]
        );
    }
}
