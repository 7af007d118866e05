//! One isolate: a QuickJS runtime and context no execution has touched,
//! with its limits, the runtime's JavaScript loaded from cached bytecode,
//! and the event loop that drives promises, jobs and timers until a script
//! settles.
//!
//! The runtime, not the context, is the isolation unit (docs/security.md,
//! hazard 6): its job queue, memory limit, interrupt handler and GC are per
//! runtime. Every Action execution (and every login's Rules) gets one as
//! it was built, before any execution: built for it, or built ahead by its
//! thread and rewound to an image of its memory after each execution
//! ([`Rewind`]), so nothing a script leaves pending can run in another
//! execution.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rquickjs::context::intrinsic;
use rquickjs::{Context, Ctx, Function, Object, Persistent, Runtime, Value};

use super::ExecEnv;
use super::bytecode;
use super::guards::{CountingAllocator, Guards, SlabImage, SlabRelease, Tripped};
use super::host::{self, HostState, Shared};
use super::runtime_js::{self, RuntimeFile};
use crate::clock::Clock;
use crate::record::ScriptError;

/// QuickJS's standard intrinsics (`JS_NewContext`'s list) except `atob`
/// and `btoa` (with their `DOMException` class) and `performance`: the
/// runtime defines Node's versions of those globals lazily
/// (`js-runtime/core.js`), replacing QuickJS's before any script runs, so
/// creating QuickJS's own was wasted work in every isolate.
type Intrinsics = (
    intrinsic::Date,
    intrinsic::Eval,
    intrinsic::RegExp,
    intrinsic::Json,
    intrinsic::Proxy,
    intrinsic::MapSet,
    intrinsic::TypedArrays,
    intrinsic::Promise,
    intrinsic::WeakRef,
);

/// What a finished wait produced.
pub(crate) enum Settled<'js> {
    Done,
    Thrown(Value<'js>),
    /// The host stopped the script: a limit, a timeout, a host failure.
    Stopped(Tripped),
    /// Nothing is left that could ever settle it (no jobs, no timers, no
    /// requests in flight).
    Stuck,
}

/// The parts of an isolate a runner works with inside `Isolate::enter`.
pub(crate) struct Scope<'js> {
    pub ctx: Ctx<'js>,
    /// The runtime's private registry (`rt` in `js-runtime/`), never
    /// reachable from scripts.
    pub rt: Object<'js>,
    pub state: Shared,
    pub guards: Rc<Guards>,
}

impl Scope<'_> {
    /// Marks the start of a task: script code entered from the host, not
    /// from a promise job. The timers the task sets count from here (see
    /// `Timers` in engine/host/state.rs).
    pub(crate) fn begin_task(&self) {
        self.state.borrow_mut().timers.begin_task();
    }
}

pub(crate) struct Isolate {
    /// How far the isolate was built ahead (see [`prepare_next`]), when it
    /// was; taken by `run`. Declared before the context: dropped before its
    /// runtime.
    ready: RefCell<Option<Ready>>,
    /// How to put the isolate back as it was built ahead, when it was and
    /// all of it fit in the slab. Declared before the context, as `ready`.
    rewind: Option<Rewind>,
    // The context holds its runtime; both are dropped with the isolate.
    context: Context,
    state: Shared,
    guards: Rc<Guards>,
    extra: Vec<RuntimeFile>,
}

/// How far an isolate built ahead got before an execution took it.
enum Ready {
    /// The runtime files' bytecode read and evaluated: their init
    /// functions, not yet run.
    Evaluated(Vec<Persistent<Function<'static>>>),
    /// The host functions installed and the init functions run: the
    /// registry (`rt`) they filled. Kept only when that JavaScript called
    /// no host function, so nothing of the placeholder environment it was
    /// built with reached it.
    Initialised(Persistent<Object<'static>>),
}

/// An isolate built ahead of the execution that will use it: a runtime and
/// context with the runtime's own JavaScript loaded (no settings, no event,
/// no script has seen it).
struct Prepared {
    ready: Ready,
    rewind: Option<Rewind>,
    context: Context,
    guards: Rc<Guards>,
    state: Shared,
    extra: Vec<RuntimeFile>,
    /// The clock the runtime's JavaScript saw (`--now` is read by
    /// `primordials.js` as it starts).
    clock: Clock,
}

/// What puts an isolate back as it was built ahead, instead of freeing it
/// and building the next one (docs/performance.md, "Seventh round"): an
/// image of its memory, taken once its runtime's JavaScript had run and
/// before any execution touched it, and the registry that JavaScript
/// filled. Copied back after each execution, the image leaves nothing of
/// that execution in the runtime (docs/security.md, hazard 6).
struct Rewind {
    /// The image's own reference to the registry; each execution gets a
    /// copy.
    registry: Persistent<Object<'static>>,
    image: SlabImage,
    release: Rc<SlabRelease>,
    /// The clock the runtime's JavaScript saw as it ran.
    clock: Clock,
    /// Executions rewound to this image so far, and when it was taken.
    rewinds: u32,
    taken: Instant,
}

/// How many executions, or how long, one image serves before the thread
/// builds a new one: the image fixes the hash seed of QuickJS's tables,
/// which timing could reveal to a script that hashes many keys, so it is
/// never kept for long (docs/security.md, hazard 6).
const IMAGE_MAX_REWINDS: u32 = 1_000;
const IMAGE_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(10);

/// Isolates put back as they were built ahead, instead of being freed and
/// built again.
static REWOUND: AtomicU64 = AtomicU64::new(0);

/// How many isolates this process rewound to their image.
pub(crate) fn rewound() -> u64 {
    REWOUND.load(Ordering::Relaxed)
}

/// Settings an isolate is created with.
pub(crate) struct IsolateConfig<'a> {
    pub env: &'a ExecEnv,
    /// Runtime files to load on top of the core (e.g. the post-login api).
    pub extra: &'a [RuntimeFile],
}

#[derive(Debug)]
pub(crate) struct IsolateError(pub String);

thread_local! {
    // The last isolate whose execution is over, waiting to be freed.
    // Freeing a runtime takes about as long as creating one; doing it after
    // the result has been handed back takes it off the flow's latency
    // (`bury` runs once the caller has its result, or when the next
    // isolate is created).
    static GRAVEYARD: std::cell::RefCell<Option<Isolate>> = const { std::cell::RefCell::new(None) };
    // The isolate `prepare_next` built for this thread's next execution.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
    // A prepared isolate the execution could not use (another trigger's
    // files, or limits it is already over), freed by `bury` like the
    // graveyard's: off the latency.
    static DISCARDED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
    // The runtime files and clock of the first isolate since the last
    // `prepare_next`: a flow's next execution most likely starts with the
    // same trigger and clock.
    static NEXT: RefCell<Option<(Vec<RuntimeFile>, Clock)>> = const { RefCell::new(None) };
}

/// Isolates built ahead by `prepare_next`, and the microseconds it took
/// (the bench's `ahead` phase: off the latency, not off the executor).
static PREPARED_COUNT: AtomicU64 = AtomicU64::new(0);
static PREPARED_US: AtomicU64 = AtomicU64::new(0);
/// Set when the runtime's JavaScript, run ahead, called a host function:
/// from then on isolates are built ahead only as far as their bytecode.
static INIT_AHEAD_REFUSED: AtomicBool = AtomicBool::new(false);

/// How many isolates this process built ahead, and the microseconds that
/// took in all.
pub(crate) fn prepared() -> (u64, u64) {
    (
        PREPARED_COUNT.load(Ordering::Relaxed),
        PREPARED_US.load(Ordering::Relaxed),
    )
}

/// Builds the isolate this thread's next execution will most likely need
/// (the same runtime files as the first isolate of the last one), once the
/// caller has its result: creating the runtime and context, reading the
/// runtime's bytecode and running its init functions then happen while the
/// caller handles the result and sends the next job, not in that job's
/// latency. What is prepared is what `Isolate::new` would build first,
/// before anything of the execution (settings, event, scripts) touches it:
/// the host state gets the execution's environment when it is taken.
pub(crate) fn prepare_next() {
    let Some((extra, clock)) = NEXT.with(|next| next.borrow_mut().take()) else {
        return;
    };
    if PREPARED.with(|p| p.borrow().is_some()) {
        return;
    }
    let started = Instant::now();
    let env = placeholder_env(clock);
    let guards = Guards::new(env.deadline, env.limits.memory_bytes);
    let Ok((context, release)) = bare_context(&guards) else {
        return;
    };
    let state: Shared = Rc::new(RefCell::new(HostState::new(env)));
    track_rejections(&context, &state);
    let init_ahead = !INIT_AHEAD_REFUSED.load(Ordering::Relaxed);
    let ready = context.with(|ctx| {
        let files = bundle_files(&extra);
        let bytes = runtime_js::bundle(&files).ok()?;
        let inits = bytecode::run_all(&ctx, &bytes)
            .ok()?
            .into_iter()
            .map(|value| value.get::<Function>().ok())
            .collect::<Option<Vec<_>>>()?;
        if !init_ahead {
            return Some(Ready::Evaluated(
                inits
                    .into_iter()
                    .map(|init| Persistent::save(&ctx, init))
                    .collect(),
            ));
        }
        let rt = initialise(&ctx, &state, &guards, &inits).ok()?;
        if guards.host_calls() != 0 {
            // A host call reads the environment, which is not the
            // execution's yet: never again run the runtime ahead.
            INIT_AHEAD_REFUSED.store(true, Ordering::Relaxed);
            return None;
        }
        if guards.tripped().is_some() || !state.borrow().unhandled_rejections.is_empty() {
            return None;
        }
        Some(Ready::Initialised(Persistent::save(&ctx, rt)))
    });
    let Some(ready) = ready else {
        return;
    };
    let (ready, rewind) = match ready {
        Ready::Initialised(registry) if !context.runtime().is_job_pending() => {
            // Taken while the registry's one reference from Rust is the
            // image's own; the execution gets another.
            match release.image(&guards) {
                Some(image) => (
                    Ready::Initialised(registry.clone()),
                    Some(Rewind {
                        registry,
                        image,
                        release,
                        clock,
                        rewinds: 0,
                        taken: Instant::now(),
                    }),
                ),
                None => (Ready::Initialised(registry), None),
            }
        }
        ready => (ready, None),
    };
    PREPARED.with(|p| {
        *p.borrow_mut() = Some(Prepared {
            ready,
            rewind,
            context,
            guards,
            state,
            extra,
            clock,
        })
    });
    PREPARED_US.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    PREPARED_COUNT.fetch_add(1, Ordering::Relaxed);
}

/// The environment of an isolate built ahead until an execution takes it
/// and gives it its own.
fn placeholder_env(clock: Clock) -> ExecEnv {
    let limits = super::Limits::default();
    ExecEnv {
        limits,
        // Armed for real (the flow's deadline and memory limit) by the
        // execution that takes it.
        deadline: Instant::now() + std::time::Duration::from_secs(60),
        clock,
        node: Default::default(),
        services: Arc::new(crate::engine::services::Unowned),
    }
}

/// Installs the host functions and runs the runtime files' init functions
/// with them: the registry they fill. On failure, the file whose init
/// failed (the exception is pending in `ctx`).
fn initialise<'js>(
    ctx: &Ctx<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
    inits: &[Function<'js>],
) -> Result<Object<'js>, Option<usize>> {
    let host = host::install(ctx, state, guards).map_err(|_| None)?;
    let rt = Object::new(ctx.clone()).map_err(|_| None)?;
    for (index, init) in inits.iter().enumerate() {
        init.call::<_, ()>((host.clone(), rt.clone()))
            .map_err(|_| Some(index))?;
    }
    Ok(rt)
}

/// Records the promises rejected with no handler into `state`.
fn track_rejections(context: &Context, state: &Shared) {
    let tracker_state = state.clone();
    context
        .runtime()
        .set_host_promise_rejection_tracker(Some(Box::new(
            move |_ctx: Ctx<'_>, promise: Value<'_>, reason: Value<'_>, is_handled: bool| {
                // A panic here would be kept by rquickjs, outside the
                // runtime, and raised at the next exception, which may be
                // in the next execution of a rewound isolate: it is
                // caught and the rejection not recorded.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    track_rejection(&tracker_state, &promise, &reason, is_handled)
                }));
            },
        )));
}

/// The core files and then `extra`, in load order.
fn bundle_files(extra: &[RuntimeFile]) -> Vec<RuntimeFile> {
    runtime_js::CORE.iter().chain(extra).copied().collect()
}

/// A runtime counting its memory against `guards`, stopped by them, with
/// one context of the intrinsics scripts get.
fn bare_context(guards: &Rc<Guards>) -> Result<(Context, Rc<SlabRelease>), IsolateError> {
    let allocator = CountingAllocator::new(guards.clone());
    let release = allocator.release();
    let runtime = Runtime::new_with_alloc(allocator)
        .map_err(|e| IsolateError(format!("cannot create a QuickJS runtime: {e}")))?;
    let interrupt_guards = guards.clone();
    runtime.set_interrupt_handler(Some(Box::new(move || interrupt_guards.should_interrupt())));
    let context = Context::custom::<Intrinsics>(&runtime).map_err(|e| {
        IsolateError(format!(
            "cannot create a QuickJS context (memory limit too low?): {e}"
        ))
    })?;
    // SAFETY: a live context; `JS_GetRuntime` reads its runtime pointer.
    release.attach(unsafe { rquickjs::qjs::JS_GetRuntime(context.as_raw().as_ptr()) });
    Ok((context, release))
}

/// Isolates freed or rewound by `bury` in this process, and the
/// microseconds it took (the bench's `free` phase: off the latency, not off
/// the executor).
static BURIED: AtomicU64 = AtomicU64::new(0);
static BURIED_US: AtomicU64 = AtomicU64::new(0);

/// Frees this thread's finished isolate, if one is waiting, or puts it
/// back as it was built ahead for the next execution.
pub(crate) fn bury() {
    drop(DISCARDED.with(|d| d.borrow_mut().take()));
    let Some(dead) = GRAVEYARD.with(|g| g.borrow_mut().take()) else {
        return;
    };
    let started = Instant::now();
    if let Some(prepared) = dead.rewind() {
        // Kept over one built meanwhile (after a task that panicked),
        // which then has no slab.
        let unused = PREPARED.with(|p| p.borrow_mut().replace(prepared));
        drop(unused);
    }
    BURIED_US.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    BURIED.fetch_add(1, Ordering::Relaxed);
}

/// How many isolates this process freed or rewound after their results
/// were handed back, and the microseconds that took in all.
pub(crate) fn buried() -> (u64, u64) {
    (
        BURIED.load(Ordering::Relaxed),
        BURIED_US.load(Ordering::Relaxed),
    )
}

/// Keeps a finished isolate until `bury` (or the next isolate) frees it.
fn defer_drop(isolate: Isolate) {
    let previous = GRAVEYARD.with(|g| g.borrow_mut().replace(isolate));
    drop(previous);
}

impl Isolate {
    pub(crate) fn new(config: &IsolateConfig<'_>) -> Result<Isolate, IsolateError> {
        // At most one finished isolate waits: the previous script's is freed
        // before this one grows (a flow's peak memory stays at two heaps).
        bury();
        let limits = &config.env.limits;
        NEXT.with(|next| {
            next.borrow_mut()
                .get_or_insert_with(|| (config.extra.to_vec(), config.env.clock));
        });
        if let Some(prepared) = PREPARED.with(|p| p.borrow_mut().take()) {
            // Used only when built with the same files and within this
            // flow's limits; otherwise freed after the result, and this
            // one built afresh.
            let clock_fits = match prepared.ready {
                Ready::Evaluated(_) => true,
                Ready::Initialised(_) => prepared.clock == config.env.clock,
            };
            if prepared.extra == config.extra
                && clock_fits
                && prepared
                    .guards
                    .arm(config.env.deadline, limits.memory_bytes)
            {
                {
                    let mut state = prepared.state.borrow_mut();
                    state.env = config.env.clone();
                    state.started = Instant::now();
                }
                return Ok(Isolate::finish(
                    prepared.context,
                    prepared.guards,
                    prepared.state,
                    Some((prepared.ready, prepared.rewind)),
                    config,
                ));
            }
            DISCARDED.with(|d| *d.borrow_mut() = Some(prepared));
        }
        let guards = Guards::new(config.env.deadline, limits.memory_bytes);
        let (context, _) = bare_context(&guards)?;
        let state: Shared = Rc::new(RefCell::new(HostState::new(config.env.clone())));
        track_rejections(&context, &state);
        Ok(Isolate::finish(context, guards, state, None, config))
    }

    fn finish(
        context: Context,
        guards: Rc<Guards>,
        state: Shared,
        prepared: Option<(Ready, Option<Rewind>)>,
        config: &IsolateConfig<'_>,
    ) -> Isolate {
        let (ready, rewind) = match prepared {
            Some((ready, rewind)) => (Some(ready), rewind),
            None => (None, None),
        };
        let limits = &config.env.limits;
        let runtime = context.runtime();
        runtime.set_max_stack_size(limits.stack_bytes);
        // The runtime is dropped (and all its memory freed) when the
        // execution ends, so collecting garbage along the way is wasted work
        // for the executions that stay small; bigger ones still collect
        // before they approach the memory limit.
        runtime.set_gc_threshold((limits.memory_bytes / 4).clamp(256 << 10, 8 << 20));
        // Set here, never in `prepare_next`: the loader reads the
        // environment's services, which are the execution's only now.
        let (resolver, loader) = super::esm::loader(&state);
        runtime.set_loader(resolver, loader);
        Isolate {
            ready: RefCell::new(ready),
            rewind,
            context,
            state,
            guards,
            extra: config.extra.to_vec(),
        }
    }

    /// Loads the runtime's JavaScript, then runs `f` inside the isolate. The
    /// registry only ever lives in Rust and in the runtime's closures, so no
    /// script can reach it.
    pub(crate) fn enter<R>(
        self,
        f: impl for<'js> FnOnce(&Scope<'js>) -> R,
    ) -> Result<R, IsolateError> {
        let result = self.run(f);
        defer_drop(self);
        result
    }

    fn run<R>(&self, f: impl for<'js> FnOnce(&Scope<'js>) -> R) -> Result<R, IsolateError> {
        self.context.with(|ctx| {
            let fail = |what: &str, ctx: &Ctx<'_>| {
                let detail = ScriptError::from_caught(ctx, "actionbox runtime");
                IsolateError(format!(
                    "cannot load the runtime ({what}): {}",
                    detail.message
                ))
            };
            let files = bundle_files(&self.extra);
            let inits: Vec<Function> = match self.ready.borrow_mut().take() {
                Some(Ready::Initialised(rt)) => {
                    let rt = rt.restore(&ctx).map_err(|_| fail("prepared", &ctx))?;
                    return Ok(f(&self.scope(&ctx, rt)));
                }
                Some(Ready::Evaluated(prepared)) => prepared
                    .into_iter()
                    .map(|init| init.restore(&ctx))
                    .collect::<rquickjs::Result<_>>()
                    .map_err(|_| fail("prepared", &ctx))?,
                None => {
                    let bytes = runtime_js::bundle(&files).map_err(IsolateError)?;
                    bytecode::run_all(&ctx, &bytes)
                        .map_err(|_| fail("bytecode", &ctx))?
                        .into_iter()
                        .map(|value| value.get())
                        .collect::<rquickjs::Result<_>>()
                        .map_err(|_| fail("bytecode", &ctx))?
                }
            };
            let rt =
                initialise(&ctx, &self.state, &self.guards, &inits).map_err(
                    |failed| match failed.and_then(|index| files.get(index)) {
                        Some(file) => fail(file.name(), &ctx),
                        None => fail("host", &ctx),
                    },
                )?;
            Ok(f(&self.scope(&ctx, rt)))
        })
    }

    /// Puts a finished isolate back as it was built ahead, ready for the
    /// next execution with its files and clock; `None` (and the isolate
    /// freed) when it was not built with an image.
    fn rewind(self) -> Option<Prepared> {
        let mut rewind = self.rewind?;
        if rewind.rewinds >= IMAGE_MAX_REWINDS || rewind.taken.elapsed() >= IMAGE_MAX_AGE {
            return None;
        }
        rewind.rewinds += 1;
        // Nothing made by the execution may outlive the rewind: its
        // leftover prepared registry, if it never ran, and the host state.
        drop(self.ready.into_inner());
        let clock = rewind.clock;
        *self.state.borrow_mut() = HostState::new(placeholder_env(clock));
        // SAFETY: no JS value of this runtime is held outside it but the
        // image's registry (the execution's scope ended, its prepared
        // registry and host state were just dropped), and no JavaScript
        // is running: `bury` runs between executions.
        unsafe {
            rewind
                .release
                .rewind(&rewind.image, &self.guards, self.context.as_raw().as_ptr())
        };
        REWOUND.fetch_add(1, Ordering::Relaxed);
        Some(Prepared {
            ready: Ready::Initialised(rewind.registry.clone()),
            rewind: Some(rewind),
            context: self.context,
            guards: self.guards,
            state: self.state,
            extra: self.extra,
            clock,
        })
    }

    fn scope<'js>(&self, ctx: &Ctx<'js>, rt: Object<'js>) -> Scope<'js> {
        Scope {
            ctx: ctx.clone(),
            rt,
            state: self.state.clone(),
            guards: self.guards.clone(),
        }
    }
}

fn track_rejection(state: &Shared, promise: &Value<'_>, reason: &Value<'_>, is_handled: bool) {
    let key = object_key(promise);
    if is_handled {
        if let Ok(mut st) = state.try_borrow_mut() {
            st.unhandled_rejections.retain(|(k, _)| *k != key);
        }
        return;
    }
    let text = describe_plain(reason);
    if let Ok(mut st) = state.try_borrow_mut()
        && st.unhandled_rejections.len() < 100
    {
        st.unhandled_rejections.push((key, text));
    }
}

/// A string property of a script's object, or `None`. A getter or Proxy
/// trap may throw: that exception is caught and dropped, never left
/// pending.
pub(crate) fn string_prop(obj: &Object<'_>, key: &str) -> Option<String> {
    match obj.get::<_, Value>(key) {
        Ok(v) => v.as_string()?.to_string().ok(),
        Err(_) => {
            obj.ctx().catch();
            None
        }
    }
}

/// A short description of a thrown or rejected value (its name and message
/// when it is an object, never its `toString`).
pub(crate) fn describe_plain(value: &Value<'_>) -> String {
    if let Some(s) = value.as_string() {
        return s.to_string().unwrap_or_default();
    }
    if let Some(obj) = value.as_object() {
        let text = |key: &str| string_prop(obj, key);
        let name = text("name").unwrap_or_else(|| "Error".into());
        return match text("message") {
            Some(m) if !m.is_empty() => format!("{name}: {m}"),
            _ => name,
        };
    }
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if let Some(n) = value.as_number() {
        return format!("{n}");
    }
    if let Some(b) = value.as_bool() {
        return b.to_string();
    }
    "a non-Error value".into()
}

/// Runs jobs and timers until `settled` reports a result, the deadline
/// passes, a limit trips, or nothing is left that could settle it.
pub(crate) fn drive<'js>(
    scope: &Scope<'js>,
    mut settled: impl FnMut() -> Option<Settled<'js>>,
) -> Settled<'js> {
    let ctx = &scope.ctx;
    loop {
        if let Some(tripped) = scope.guards.tripped() {
            return Settled::Stopped(tripped);
        }
        if let Some(result) = settled() {
            return result;
        }
        if ctx.execute_pending_job() {
            continue;
        }
        let now = Instant::now();
        if now >= scope.guards.deadline() {
            scope.guards.trip_timeout();
            continue;
        }
        let (next_timer, next_fetch) = {
            let state = scope.state.borrow();
            (state.timers.next(), state.fetches.next())
        };
        let next = match (next_timer, next_fetch) {
            (Some(t), Some(f)) if f.0 < t.0 => Some((f.0, Event::Fetch(f.1))),
            (Some(t), _) => Some((t.0, Event::Timer(t.1))),
            (None, Some(f)) => Some((f.0, Event::Fetch(f.1))),
            (None, None) => None,
        };
        match next {
            Some((due, event)) => {
                if due > now {
                    std::thread::sleep(due.min(scope.guards.deadline()) - now);
                    continue;
                }
                let thrown = match event {
                    Event::Timer(id) => fire_timer(scope, id),
                    Event::Fetch(id) => deliver_fetch(scope, id),
                };
                if let Some(thrown) = thrown {
                    return Settled::Thrown(thrown);
                }
            }
            None => return Settled::Stuck,
        }
    }
}

enum Event {
    Timer(u32),
    Fetch(u32),
}

/// Hands a finished request to the promise waiting for it.
fn deliver_fetch<'js>(scope: &Scope<'js>, id: u32) -> Option<Value<'js>> {
    scope.begin_task();
    let result = host::fetch::complete(&scope.state, id)?;
    let callbacks: Object = scope.rt.get("fetchCallbacks").ok()?;
    let key = id.to_string();
    let entry: Object = callbacks.get(&key).ok()?;
    let _ = callbacks.remove(&key);
    let outcome = match result {
        Ok(response) => {
            let resolve: Function = entry.get("resolve").ok()?;
            let init = host::fetch::response_object(&scope.ctx, &response).ok()?;
            resolve.call::<_, Value>((init,))
        }
        Err(message) => {
            let reject: Function = entry.get("reject").ok()?;
            reject.call::<_, Value>((message,))
        }
    };
    match outcome {
        Ok(_) => None,
        Err(rquickjs::Error::Exception) => Some(scope.ctx.catch()),
        Err(_) => None,
    }
}

/// Calls a due timer's callback straight from Rust. An exception thrown by
/// it is uncaught in the Node sense and fails the execution.
fn fire_timer<'js>(scope: &Scope<'js>, id: u32) -> Option<Value<'js>> {
    scope.begin_task();
    let finished = scope.state.borrow_mut().timers.fire(id);
    let callbacks: Object = scope.rt.get("timerCallbacks").ok()?;
    let key = id.to_string();
    let entry: Object = callbacks.get(&key).ok()?;
    if finished {
        let _ = callbacks.remove(&key);
    }
    let callback: Function = entry.get("callback").ok()?;
    let args: rquickjs::Array = entry.get("args").ok()?;
    let mut call_args = rquickjs::function::Args::new(scope.ctx.clone(), args.len());
    for value in args.iter::<Value>().flatten() {
        let _ = call_args.push_arg(value);
    }
    match callback.call_arg::<Value>(call_args) {
        Ok(_) => None,
        Err(rquickjs::Error::Exception) => Some(scope.ctx.catch()),
        Err(_) => None,
    }
}

/// An identity for a live object, for as long as it lives.
pub(crate) fn object_key(value: &Value<'_>) -> usize {
    // SAFETY: reads the pointer half of the value; never dereferenced.
    unsafe { value.as_raw().u.ptr as usize }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn env(clock: Clock) -> ExecEnv {
        let limits = super::super::Limits::default();
        ExecEnv {
            limits,
            deadline: Instant::now() + Duration::from_secs(10),
            clock,
            node: Default::default(),
            services: Arc::new(crate::engine::services::Unowned),
        }
    }

    /// `Date.now()` in a post-login isolate with `clock`.
    fn now_in(clock: Clock) -> f64 {
        let env = env(clock);
        let isolate = Isolate::new(&IsolateConfig {
            env: &env,
            extra: runtime_js::POST_LOGIN,
        })
        .expect("isolate");
        isolate
            .enter(|scope| scope.ctx.eval::<f64, _>("Date.now()").expect("evaluates"))
            .expect("enters")
    }

    fn prepared_is_initialised() -> Option<bool> {
        PREPARED.with(|p| {
            p.borrow()
                .as_ref()
                .map(|p| matches!(p.ready, Ready::Initialised(_)))
        })
    }

    /// The runtime's JavaScript runs ahead (it calls no host function but
    /// the clock's), and an isolate built ahead is used only by an
    /// execution with the clock it was built with.
    #[test]
    fn an_isolate_built_ahead_has_run_the_runtime_and_keeps_to_its_clock() {
        let fixed = Clock::Fixed(1_000.0);
        assert_eq!(now_in(fixed), 1_000.0);
        prepare_next();
        assert_eq!(
            prepared_is_initialised(),
            Some(true),
            "the runtime's JavaScript called a host function while built ahead"
        );
        // The same clock: taken, nothing discarded.
        assert_eq!(now_in(fixed), 1_000.0);
        assert!(PREPARED.with(|p| p.borrow().is_none()));
        assert!(DISCARDED.with(|d| d.borrow().is_none()));

        prepare_next();
        assert_eq!(prepared_is_initialised(), Some(true));
        // Another clock: discarded, and the execution sees its own clock.
        assert_eq!(now_in(Clock::Fixed(2_000.0)), 2_000.0);
        assert!(DISCARDED.with(|d| d.borrow().is_some()));

        // Built with the machine's clock: taken by an execution on it, not
        // by one with a fixed clock.
        prepare_next();
        bury();
        let before = Clock::System.now_ms();
        let seen = now_in(Clock::System);
        assert!(seen >= before.floor(), "{seen} < {before}");
        prepare_next();
        assert_eq!(prepared_is_initialised(), Some(true));
        assert_eq!(now_in(Clock::Fixed(3_000.0)), 3_000.0);
        assert!(DISCARDED.with(|d| d.borrow().is_some()));
        bury();
        assert!(!INIT_AHEAD_REFUSED.load(Ordering::Relaxed));
    }

    /// An isolate built ahead with an image of its memory is put back
    /// after an execution instead of freed, and the next execution finds
    /// nothing of the last one: not its globals or prototypes, not its
    /// blocks from the global allocator, not `Math.random`'s sequence.
    #[test]
    fn a_rewound_isolate_keeps_nothing_of_the_execution_before() {
        if !cfg!(quickjs_discard_on_free) {
            return;
        }
        NEXT.with(|next| next.borrow_mut().take());
        PREPARED.with(|p| p.borrow_mut().take());
        let env = env(Clock::Fixed(1_000.0));
        let run = |source: &str| {
            Isolate::new(&IsolateConfig {
                env: &env,
                extra: runtime_js::POST_LOGIN,
            })
            .expect("isolate")
            .enter(|scope| scope.ctx.eval::<String, _>(source).expect("evaluates"))
            .expect("enters")
        };
        run("''");
        bury();
        prepare_next();
        let (context, built_peak) = PREPARED.with(|p| {
            let p = p.borrow();
            let p = p.as_ref().expect("built ahead");
            assert!(p.rewind.is_some(), "built ahead without an image");
            (p.context.as_raw(), p.guards.peak_memory())
        });
        let first = run(
            "globalThis.leak = new Uint8Array(300000);              globalThis.text = 'x'.repeat(300000);              Object.prototype.polluted = 1; String(Math.random())",
        );
        bury();
        let (same_context, rewound_peak) = PREPARED.with(|p| {
            let p = p.borrow();
            let p = p.as_ref().expect("rewound");
            (p.context.as_raw() == context, p.guards.peak_memory())
        });
        assert!(same_context, "the isolate was built again, not rewound");
        // The image's bytes (the building's own transient peak aside).
        assert!(
            rewound_peak <= built_peak,
            "{rewound_peak} bytes counted after the rewind, {built_peak} when built"
        );
        let second = run(
            "[typeof globalThis.leak, typeof globalThis.text,              typeof ({}).polluted, String(Math.random())].join(' ')",
        );
        let (seen, random) = second.rsplit_once(' ').expect("four words");
        assert_eq!(seen, "undefined undefined undefined");
        assert_ne!(random, first, "Math.random repeated the last execution's");
        bury();
    }

    /// Every trigger's runtime runs ahead: none of its files calls a host
    /// function as it starts (the clock's read aside).
    #[test]
    fn every_trigger_s_runtime_is_built_ahead_whole() {
        for extra in [
            runtime_js::POST_LOGIN,
            runtime_js::OTHER_TRIGGERS,
            runtime_js::RULES,
        ] {
            // What the last round left for the next one on this thread.
            NEXT.with(|next| next.borrow_mut().take());
            PREPARED.with(|p| p.borrow_mut().take());
            let env = env(Clock::Fixed(1_000.0));
            let isolate = Isolate::new(&IsolateConfig { env: &env, extra }).expect("isolate");
            isolate.enter(|_| ()).expect("enters");
            prepare_next();
            assert_eq!(prepared_is_initialised(), Some(true), "{extra:?}");
            // Taken by the next one of the same files.
            Isolate::new(&IsolateConfig { env: &env, extra })
                .expect("isolate")
                .enter(|_| ())
                .expect("enters");
            assert!(DISCARDED.with(|d| d.borrow().is_none()), "{extra:?}");
            bury();
        }
        assert!(!INIT_AHEAD_REFUSED.load(Ordering::Relaxed));
    }

    /// The host functions of an isolate built ahead answer from the
    /// environment of the execution that took it, not the placeholder.
    #[test]
    fn an_isolate_built_ahead_answers_from_the_execution_s_environment() {
        let version_in = |runtime: crate::runtime::NodeRuntime| {
            let mut env = env(Clock::Fixed(1_000.0));
            env.node = Arc::new(crate::runtime::NodeConfig {
                runtime,
                ..Default::default()
            });
            let isolate = Isolate::new(&IsolateConfig {
                env: &env,
                extra: runtime_js::POST_LOGIN,
            })
            .expect("isolate");
            isolate
                .enter(|scope| {
                    scope
                        .ctx
                        .eval::<String, _>("process.version")
                        .expect("evaluates")
                })
                .expect("enters")
        };
        use crate::runtime::NodeRuntime;
        assert_eq!(version_in(NodeRuntime::Node18), "v18.20.8");
        prepare_next();
        assert_eq!(prepared_is_initialised(), Some(true));
        assert_eq!(version_in(NodeRuntime::Node12), "v12.22.12");
        // It was taken (same clock), so the answer came through it.
        assert!(DISCARDED.with(|d| d.borrow().is_none()));
        prepare_next();
        assert_eq!(version_in(NodeRuntime::Node22), "v22.12.0");
        bury();
    }
}
