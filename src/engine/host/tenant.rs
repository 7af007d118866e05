//! The emulated tenant's users, which the `auth0` SDK emulation reads and
//! writes: the configured ones, or as an earlier script of the flow left
//! them (at most `TENANT_STATE_MAX_BYTES`).

use std::rc::Rc;

use rquickjs::{Ctx, Exception, Object, Value};

use super::binding::{add, arg_string};
use super::state::Shared;
use crate::engine::guards::Guards;

/// The most the `auth0` SDK emulation may keep between a flow's scripts.
const TENANT_STATE_MAX_BYTES: usize = 8 << 20;

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    // tenantUsers() -> the emulated tenant's users as JSON: as an earlier
    // script of the flow left them, else the configured ones.
    let st = state.clone();
    add(ctx, host, guards, "tenantUsers", move |ctx, _| {
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
    })?;

    // tenantSave(json): keeps the users for the flow's next scripts.
    let st = state.clone();
    add(ctx, host, guards, "tenantSave", move |ctx, args| {
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
    })?;
    Ok(())
}
