//! Compile once, load many times: scripts and the runtime's own JavaScript
//! are compiled to QuickJS bytecode once per process, keyed by their name
//! and source, and the bytes are read into each fresh context.
//!
//! rquickjs exposes bytecode only for ES modules, which are always strict;
//! CommonJS Actions and Rules are sloppy-mode scripts, so this goes through
//! the raw `JS_Eval(COMPILE_ONLY)` / `JS_WriteObject` / `JS_ReadObject` API.
//! A compiled function object is bound to the context that read it (its
//! realm), so only the bytes are shared, never function objects.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::ffi::CString;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock};

use rquickjs::{Context, Ctx, Runtime, Value, qjs};

/// Where a compile failed, with QuickJS's message.
#[derive(Debug, Clone)]
pub(crate) struct CompileError {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// One cached script: its name and source are kept to confirm a hit, so
/// two scripts whose hashes collide never share bytecode.
struct Entry {
    name: Box<str>,
    source: Box<str>,
    bytes: Arc<[u8]>,
}

/// Cached bytecode, bounded so a long-lived process that sees many script
/// versions does not grow without limit. Looked up for every execution: a
/// SipHash of name and source (keys random per process) and one comparison,
/// rather than a cryptographic digest of the whole source.
struct Cache {
    hasher: RandomState,
    entries: HashMap<u64, Vec<Entry>>,
    bytes: usize,
}

const CACHE_LIMIT_BYTES: usize = 64 << 20;

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(Cache {
            hasher: RandomState::new(),
            entries: HashMap::new(),
            bytes: 0,
        })
    })
}

impl Cache {
    fn key(&self, file_name: &str, source: &str) -> u64 {
        self.hasher.hash_one((file_name, source))
    }

    fn get(&self, key: u64, file_name: &str, source: &str) -> Option<Arc<[u8]>> {
        self.entries
            .get(&key)?
            .iter()
            .find(|e| &*e.name == file_name && &*e.source == source)
            .map(|e| e.bytes.clone())
    }
}

thread_local! {
    // A runtime only for compiling: it never runs code.
    static COMPILER: RefCell<Option<(Runtime, Context)>> = const { RefCell::new(None) };
}

/// Bytecode for `source` as a classic (non-module, sloppy) script named
/// `file_name`, from the cache or freshly compiled.
pub(crate) fn compile(file_name: &str, source: &str) -> Result<Arc<[u8]>, CompileError> {
    let key = {
        let cache = lock(cache());
        let key = cache.key(file_name, source);
        if let Some(hit) = cache.get(key, file_name, source) {
            return Ok(hit);
        }
        key
    };
    let bytes: Arc<[u8]> = compile_uncached(file_name, source, Keep::Source)?.into();
    insert_keyed(key, file_name, source, bytes.clone());
    Ok(bytes)
}

/// Compiles as [`compile`] does, without the process cache: for bytecode
/// made elsewhere (a worker's parent) and handed over with [`insert`].
pub(crate) fn compile_fresh(file_name: &str, source: &str) -> Result<Vec<u8>, CompileError> {
    compile_uncached(file_name, source, Keep::Source)
}

/// The process cache's bytecode for `source`, if it holds it.
pub(crate) fn cached(file_name: &str, source: &str) -> Option<Arc<[u8]>> {
    let cache = lock(cache());
    let key = cache.key(file_name, source);
    cache.get(key, file_name, source)
}

/// Puts bytecode compiled from `source` (by [`compile_fresh`], in this
/// process or its parent) in the process cache, so compiling it is a hit.
pub(crate) fn insert(file_name: &str, source: &str, bytes: Arc<[u8]>) {
    let key = lock(cache()).key(file_name, source);
    insert_keyed(key, file_name, source, bytes);
}

fn insert_keyed(key: u64, file_name: &str, source: &str, bytes: Arc<[u8]>) {
    let mut cache = lock(cache());
    let size = bytes.len() + source.len() + file_name.len();
    if cache.bytes + size > CACHE_LIMIT_BYTES {
        cache.entries.clear();
        cache.bytes = 0;
    }
    if cache.get(key, file_name, source).is_none() {
        cache.bytes += size;
        cache.entries.entry(key).or_default().push(Entry {
            name: file_name.into(),
            source: source.into(),
            bytes,
        });
    }
}

/// What compiled bytecode keeps besides the code itself. Positions (file
/// name, line and column tables) are always kept, so errors and stacks name
/// the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// The source text too: `Function.prototype.toString` of a script's
    /// function shows its source, as in Node.
    Source,
    /// Positions only (the runtime's own files): less to read into every
    /// isolate, and the runtime's functions print as native ones do.
    Positions,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The cache holds plain bytes: a panic elsewhere cannot leave it torn.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn compile_uncached(
    file_name: &str,
    source: &str,
    keep: Keep,
) -> Result<Vec<u8>, CompileError> {
    compile_all(&[(file_name, source)], keep, false)
}

/// Compiles several files (the runtime's own, loaded together into every
/// isolate) into one bytecode object: an array of their compiled scripts
/// with one atom table, so a name the files share is read and interned
/// once per isolate instead of once per file. Each keeps its own file name
/// and positions. [`run_all`] reads it.
pub(crate) fn compile_bundle(files: &[(&str, &str)], keep: Keep) -> Result<Vec<u8>, CompileError> {
    compile_all(files, keep, true)
}

fn compile_all(
    files: &[(&str, &str)],
    keep: Keep,
    as_array: bool,
) -> Result<Vec<u8>, CompileError> {
    let internal = |message: String| CompileError {
        message,
        line: 0,
        column: 0,
    };
    let mut inputs = Vec::with_capacity(files.len());
    for (file_name, source) in files {
        let source_c = CString::new(*source).map_err(|_| CompileError {
            message: "the script contains a NUL character".into(),
            line: 1 + source[..source.find('\0').unwrap_or(0)]
                .matches('\n')
                .count() as u32,
            column: 1,
        })?;
        let name_c =
            CString::new(file_name.replace('\0', "")).map_err(|e| internal(e.to_string()))?;
        inputs.push((*file_name, source.len(), source_c, name_c));
    }
    COMPILER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let runtime = Runtime::new().map_err(|e| internal(e.to_string()))?;
            let context = Context::full(&runtime).map_err(|e| internal(e.to_string()))?;
            *slot = Some((runtime, context));
        }
        let Some((_, context)) = slot.as_ref() else {
            return Err(internal("no compiler context".into()));
        };
        context.with(|ctx| {
            let raw = ctx.as_raw().as_ptr();
            let mut compiled = Vec::with_capacity(inputs.len());
            for (file_name, len, source_c, name_c) in &inputs {
                // SAFETY: `raw` is the live context of this `with` scope; the
                // source and name are NUL-terminated and outlive the call.
                let value = unsafe {
                    qjs::JS_Eval(
                        raw,
                        source_c.as_ptr(),
                        *len as _,
                        name_c.as_ptr(),
                        (qjs::JS_EVAL_TYPE_GLOBAL | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32,
                    )
                };
                if unsafe { qjs::JS_IsException(value) } {
                    let error = syntax_error(&ctx, file_name);
                    for done in compiled {
                        // SAFETY: owned values compiled above.
                        unsafe { qjs::JS_FreeValue(raw, done) };
                    }
                    return Err(error);
                }
                compiled.push(value);
            }
            // SAFETY: the values are owned function objects of this context:
            // the array takes them, and is freed after it is written.
            let object = unsafe {
                if as_array {
                    qjs::JS_NewArrayFrom(raw, compiled.len() as i32, compiled.as_ptr())
                } else {
                    compiled[0]
                }
            };
            if unsafe { qjs::JS_IsException(object) } {
                ctx.catch();
                return Err(internal("could not bundle the bytecode".into()));
            }
            let mut len: qjs::size_t = 0;
            // SAFETY: `object` is owned by this context; the buffer is copied
            // and freed with the context's allocator.
            unsafe {
                let flags = match keep {
                    Keep::Source => qjs::JS_WRITE_OBJ_BYTECODE,
                    Keep::Positions => qjs::JS_WRITE_OBJ_BYTECODE | qjs::JS_WRITE_OBJ_STRIP_SOURCE,
                };
                let buf = qjs::JS_WriteObject(raw, &mut len, object, flags as i32);
                qjs::JS_FreeValue(raw, object);
                if buf.is_null() {
                    ctx.catch();
                    return Err(internal("could not serialise bytecode".into()));
                }
                let mut bytes = std::slice::from_raw_parts(buf, len as usize).to_vec();
                qjs::js_free(raw, buf as _);
                skip_checksum(&mut bytes);
                Ok(bytes)
            }
        })
    })
}

/// QuickJS checks a checksum of the whole object every time it reads
/// bytecode (a few instructions per byte, in every isolate). These bytes
/// never leave this process unauthenticated (the package cache's carry an
/// HMAC, docs/packages.md), so they carry QuickJS's "not checked" value
/// (all ones) instead. Layout: a version byte, then the 32-bit checksum.
fn skip_checksum(bytes: &mut [u8]) {
    if let Some(sum) = bytes.get_mut(1..5) {
        sum.fill(0xff);
    }
}

fn syntax_error(ctx: &Ctx<'_>, file_name: &str) -> CompileError {
    let error = ctx.catch();
    let (message, stack) = match error.as_object() {
        Some(obj) => (
            obj.get::<_, String>("message").unwrap_or_default(),
            obj.get::<_, String>("stack").unwrap_or_default(),
        ),
        None => (format!("{error:?}"), String::new()),
    };
    // QuickJS reports the position as the first stack frame: "at name:line:col".
    let (line, column) = stack
        .lines()
        .find_map(|frame| {
            let at = frame.find(file_name)?;
            let mut parts = frame[at + file_name.len()..]
                .trim_start_matches(':')
                .trim_end_matches(')')
                .split(':');
            let line = parts.next()?.parse().ok()?;
            let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
            Some((line, column))
        })
        .unwrap_or((1, 1));
    CompileError {
        message,
        line,
        column,
    }
}

/// A syntax error's position inside `source`: QuickJS reports an error at
/// the end of the input (a brace never closed) one line past the end of
/// the file, or past the text a wrapper adds. The third value says the
/// position was at the end of the file.
pub(crate) fn position_in(source: &str, line: u32, column: u32) -> (u32, u32, bool) {
    let lines: Vec<&str> = source.lines().collect();
    let last = u32::try_from(lines.len().max(1)).unwrap_or(u32::MAX);
    let width = |line: u32| {
        lines
            .get(line.saturating_sub(1) as usize)
            .map_or(0, |l| u32::try_from(l.chars().count()).unwrap_or(u32::MAX))
    };
    if line > last || (line == last && column > width(last) + 1) {
        return (last, width(last) + 1, true);
    }
    (line.max(1), column.max(1), false)
}

/// Reads bytecode into `ctx` and runs it, returning the script's completion
/// value. The caller must hold the context's lock (be inside `with`).
pub(crate) fn run<'js>(ctx: &Ctx<'js>, bytes: &[u8]) -> rquickjs::Result<Value<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the bytes were produced by `JS_WriteObject` of this build,
    // in this process, its parent, or read back from the package cache
    // only after their HMAC checked (packages/bytecode.rs); `raw` is the
    // live context.
    unsafe {
        let function = qjs::JS_ReadObject(
            raw,
            bytes.as_ptr(),
            bytes.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        if qjs::JS_IsException(function) {
            return Err(rquickjs::Error::Exception);
        }
        let value = qjs::JS_EvalFunction(raw, function);
        if qjs::JS_IsException(value) {
            return Err(rquickjs::Error::Exception);
        }
        Ok(Value::from_raw(ctx.clone(), value))
    }
}

/// Reads a bundle made by [`compile_bundle`] into `ctx` and runs each of
/// its scripts in order, returning their completion values. The caller
/// must hold the context's lock.
pub(crate) fn run_all<'js>(ctx: &Ctx<'js>, bytes: &[u8]) -> rquickjs::Result<Vec<Value<'js>>> {
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: as in `run`: bytes of this build, made by `compile_bundle` in
    // this process; `raw` is the live context. Every value taken from the
    // array is owned and consumed once.
    unsafe {
        let array = qjs::JS_ReadObject(
            raw,
            bytes.as_ptr(),
            bytes.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        if qjs::JS_IsException(array) {
            return Err(rquickjs::Error::Exception);
        }
        let array = Value::from_raw(ctx.clone(), array);
        let count = array.as_array().map_or(0, rquickjs::Array::len);
        let mut values = Vec::with_capacity(count);
        for index in 0..count {
            let function = qjs::JS_GetPropertyUint32(raw, array.as_raw(), index as u32);
            if qjs::JS_IsException(function) {
                return Err(rquickjs::Error::Exception);
            }
            let value = qjs::JS_EvalFunction(raw, function);
            if qjs::JS_IsException(value) {
                return Err(rquickjs::Error::Exception);
            }
            values.push(Value::from_raw(ctx.clone(), value));
        }
        Ok(values)
    }
}
