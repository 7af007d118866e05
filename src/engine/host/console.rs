//! `console`: what a script prints, kept per execution up to the log cap.

use std::rc::Rc;

use rquickjs::{Ctx, Object, Value};

use super::binding::{add, arg_string};
use super::state::Shared;
use crate::engine::guards::Guards;
use crate::record::{LogLevel, Warning};

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    let st = state.clone();
    add(ctx, host, guards, "log", move |ctx, args| {
        let level = arg_string(ctx, args, 0)?;
        let text = arg_string(ctx, args, 1)?;
        let mut state = st.borrow_mut();
        state.push_log(LogLevel::parse(&level), text);
        // Whether more output is still wanted.
        Ok(Value::new_bool(ctx.clone(), !state.logs_truncated))
    })?;

    let st = state.clone();
    add(ctx, host, guards, "warn", move |ctx, args| {
        let text = arg_string(ctx, args, 0)?;
        let script = match args.get(1) {
            Some(v) if v.is_string() => Some(arg_string(ctx, args, 1)?),
            _ => None,
        };
        let mut state = st.borrow_mut();
        match script {
            Some(script) => state.warnings.push(Warning::new(script, text)),
            None => state.warn(text),
        }
        Ok(Value::new_undefined(ctx.clone()))
    })?;
    Ok(())
}
