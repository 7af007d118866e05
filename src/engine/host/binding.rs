//! How a Rust closure becomes a host function: a panic is caught and kept,
//! arguments are read without running the script's code.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::{Ctx, Exception, Function, Object, TypedArray, Value};

use crate::engine::guards::Guards;

/// Wraps a host function so a panic becomes a sticky failure and a JS error,
/// never an unwinding through QuickJS or a silently swallowed exception.
/// `counted`: whether a call counts as a host call (see `Guards`).
pub(super) fn guarded<'js, F>(
    ctx: &Ctx<'js>,
    guards: &Rc<Guards>,
    name: &'static str,
    counted: bool,
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
                || {
                    if counted {
                        guards.count_host_call();
                    }
                    body(&ctx, &args.0)
                },
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
pub(super) fn arg_string(
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

pub(super) fn arg_number(args: &[Value<'_>], index: usize) -> Option<f64> {
    args.get(index).and_then(|v| v.as_number())
}

/// Registers one more guarded host function on `host`.
pub(super) fn add<'js, F>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    guards: &Rc<Guards>,
    name: &'static str,
    body: F,
) -> rquickjs::Result<()>
where
    F: Fn(&Ctx<'js>, &[Value<'js>]) -> rquickjs::Result<Value<'js>> + 'js,
{
    host.set(name, guarded(ctx, guards, name, true, body)?)
}

/// Bytes copied out of a `Uint8Array` (or `Buffer`) argument.
pub(super) fn arg_bytes(
    ctx: &Ctx<'_>,
    args: &[Value<'_>],
    index: usize,
) -> rquickjs::Result<Vec<u8>> {
    let array = args
        .get(index)
        .and_then(|v| TypedArray::<u8>::from_value(v.clone()).ok())
        .ok_or_else(|| Exception::throw_type(ctx, "actionbox host: expected a Uint8Array"))?;
    // SAFETY: the bytes are copied before any JavaScript runs again.
    let bytes = unsafe { array.as_bytes() }.map(<[u8]>::to_vec);
    bytes.ok_or_else(|| Exception::throw_type(ctx, "the buffer is detached"))
}

/// An array of strings.
pub(super) fn to_array<'js>(ctx: &Ctx<'js>, items: Vec<String>) -> rquickjs::Result<Value<'js>> {
    let array = rquickjs::Array::new(ctx.clone())?;
    for (i, item) in items.into_iter().enumerate() {
        array.set(i, item)?;
    }
    Ok(array.into_value())
}

/// A `Uint8Array` holding `bytes`.
pub(super) fn bytes_value<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> rquickjs::Result<Value<'js>> {
    TypedArray::<u8>::new(ctx.clone(), bytes).map(|a| a.into_value())
}

pub(super) fn string_value<'js>(ctx: &Ctx<'js>, text: &str) -> rquickjs::Result<Value<'js>> {
    rquickjs::String::from_str(ctx.clone(), text).map(|s| s.into_value())
}

/// A plain `Error` with `message`, as Node throws.
pub(super) fn error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_message(ctx, message)
}

/// The most a single zlib call may produce, and the most random bytes one
/// call may ask for: both are allocated by the host before the isolate's
/// memory limit sees them.
pub(super) const MAX_HOST_BUFFER_BYTES: usize = 64 << 20;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_panic_in_a_host_function_is_never_swallowed() {
        let guards = Guards::new(Instant::now() + Duration::from_secs(5), 16 << 20);
        let runtime = rquickjs::Runtime::new().expect("runtime");
        let context = rquickjs::Context::full(&runtime).expect("context");
        context.with(|ctx| {
            let boom =
                guarded(&ctx, &guards, "boom", true, |_, _| panic!("a bug")).expect("function");
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
            Some(crate::engine::guards::Tripped::Host(message)) => {
                assert!(
                    message.contains("internal error in host function boom: a bug"),
                    "{message}"
                )
            }
            other => panic!("not recorded: {other:?}"),
        }
        assert!(guards.should_interrupt());
    }
}
