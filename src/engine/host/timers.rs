//! Timers and the clock: `setTimeout`/`setInterval` (at most
//! `MAX_TIMERS` at once), a millisecond monotonic clock and the fixed
//! clock of `--now`.

use std::rc::Rc;
use std::time::Duration;

use rquickjs::{Ctx, Exception, Object, Value};

use super::binding::{add, arg_number, guarded};
use super::state::{MAX_TIMERS, Shared};
use crate::engine::guards::Guards;

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    let st = state.clone();
    let gd = guards.clone();
    add(ctx, host, guards, "timerStart", move |ctx, args| {
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
    })?;

    let st = state.clone();
    add(ctx, host, guards, "timerClear", move |ctx, args| {
        if let Some(id) = arg_number(args, 0) {
            st.borrow_mut().timers.clear(id as u32);
        }
        Ok(Value::new_undefined(ctx.clone()))
    })?;

    let st = state.clone();
    add(ctx, host, guards, "timerRef", move |ctx, args| {
        if let Some(id) = arg_number(args, 0) {
            let referenced = args.get(1).and_then(|v| v.as_bool()).unwrap_or(true);
            st.borrow_mut().timers.set_referenced(id as u32, referenced);
        }
        Ok(Value::new_undefined(ctx.clone()))
    })?;

    let st = state.clone();
    add(ctx, host, guards, "monotonicMs", move |ctx, _| {
        // Millisecond resolution only: no fine clock for timing attacks.
        let elapsed = st.borrow().started.elapsed().as_millis() as f64;
        Ok(Value::new_float(ctx.clone(), elapsed))
    })?;

    let st = state.clone();
    // Not counted as a host call: it reads only the flow's clock, and an
    // isolate built ahead is keyed by the clock it was built with
    // (engine/isolate.rs, `prepare_next`), so reading it there gives what
    // the execution would have read.
    let fixed_now = guarded(ctx, guards, "fixedNow", false, move |ctx, _| {
        Ok(match st.borrow().env.clock.fixed_ms() {
            Some(ms) => Value::new_float(ctx.clone(), ms),
            None => Value::new_undefined(ctx.clone()),
        })
    })?;
    host.set("fixedNow", fixed_now)
}
