//! What the runtime's JavaScript needs to know about a value that a script
//! could otherwise lie about: its builtin kind, whether it is a Proxy (and
//! what it wraps), a promise's state and result, the source line an error
//! points at. Read-only.

use std::rc::Rc;

use rquickjs::{Ctx, Object, Value, qjs};

use super::binding::add;
use super::state::Shared;
use crate::engine::guards::Guards;

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    // sourceLine(fileName, line) -> the text of that line of a script this
    // isolate compiled, or undefined: engine errors are worded as V8 words
    // them from the expression they point at.
    let st = state.clone();
    add(ctx, host, guards, "sourceLine", move |ctx, args| {
        let file = super::binding::arg_string(ctx, args, 0)?;
        let line = args.get(1).and_then(|v| v.as_int()).unwrap_or(0);
        let text = usize::try_from(line)
            .ok()
            .and_then(|line| st.borrow().source_line(&file, line));
        match text {
            Some(text) => rquickjs::String::from_str(ctx.clone(), &text).map(|s| s.into_value()),
            None => Ok(Value::new_undefined(ctx.clone())),
        }
    })?;

    add(ctx, host, guards, "brand", |ctx, args| {
        let kind = args.first().map(brand_of).unwrap_or("Object");
        rquickjs::String::from_str(ctx.clone(), kind).map(|s| s.into_value())
    })?;

    add(ctx, host, guards, "isProxy", |ctx, args| {
        // SAFETY: reading the tag of a live value of this context.
        let is_proxy = args
            .first()
            .is_some_and(|v| unsafe { qjs::JS_IsProxy(v.as_raw()) });
        Ok(Value::new_bool(ctx.clone(), is_proxy))
    })?;

    add(ctx, host, guards, "proxyTarget", |ctx, args| {
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
    })?;

    add(ctx, host, guards, "promiseState", |ctx, args| {
        let state = match args.first().and_then(|v| v.as_promise()) {
            Some(p) => match p.state() {
                rquickjs::promise::PromiseState::Pending => "pending",
                rquickjs::promise::PromiseState::Resolved => "fulfilled",
                rquickjs::promise::PromiseState::Rejected => "rejected",
            },
            None => "pending",
        };
        rquickjs::String::from_str(ctx.clone(), state).map(|s| s.into_value())
    })?;

    add(ctx, host, guards, "promiseResult", |ctx, args| {
        let Some(promise) = args.first().filter(|v| v.as_promise().is_some()) else {
            return Ok(Value::new_undefined(ctx.clone()));
        };
        // SAFETY: JS_PromiseResult returns a new reference.
        unsafe {
            let raw = qjs::JS_PromiseResult(ctx.as_raw().as_ptr(), promise.as_raw());
            Ok(Value::from_raw(ctx.clone(), raw))
        }
    })?;
    Ok(())
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
