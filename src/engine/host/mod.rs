//! The host side of the boundary: the few native functions the runtime's
//! JavaScript is built on, and the per-isolate state they write to.
//!
//! Rules every function here follows (docs/security.md, "Host functions"):
//! - it validates its own arguments and never trusts its JS caller (a script
//!   can reach these functions through `Error.prepareStackTrace`);
//! - it never holds a `RefCell` borrow while anything can run JavaScript
//!   (argument conversion, getters, error construction): arguments are read
//!   first, the state is borrowed last and briefly;
//! - a panic is caught, recorded as a sticky failure, and never swallowed.

//!
//! One file per surface; [`install`] lists them all. docs/security.md has a
//! table of every function: its arguments, its limits, what it can reach.

mod binding;
mod console;
mod crypto;
mod encoding;
pub(crate) mod fetch;
mod introspect;
mod jwt;
mod keys;
mod modules;
mod record;
mod state;
mod timers;
mod url;
mod zlib;

use std::rc::Rc;

use rquickjs::{Ctx, Object};

use super::guards::Guards;
pub(crate) use state::{HostState, Shared};

/// Builds the `host` object handed to the runtime's bootstrap files (and
/// never made global): every host function, surface by surface.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    console::install(ctx, &host, state, guards)?;
    record::install(ctx, &host, state, guards)?;
    timers::install(ctx, &host, state, guards)?;
    introspect::install(ctx, &host, state, guards)?;
    modules::install(ctx, &host, state, guards)?;
    jwt::install(ctx, &host, state, guards)?;
    Ok(host)
}

/// The surfaces only lazily loaded runtime files use (requests, the
/// emulated tenant, URLs, encodings, crypto, keys, zlib): added to the
/// `host` object by `loadRuntime` when the first such file is loaded, so
/// an execution that loads none never creates them.
pub(crate) fn install_rest<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    fetch::install(ctx, host, state, guards)?;
    url::install(ctx, host, state, guards)?;
    encoding::install(ctx, host, state, guards)?;
    crypto::install(ctx, host, state, guards)?;
    keys::install(ctx, host, state, guards)?;
    zlib::install(ctx, host, state, guards)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::engine::modules::Resolved;
    use crate::engine::services::Services;
    use crate::engine::{ExecEnv, Limits};
    use crate::net::{HttpRequest, HttpResponse};
    use crate::runtime::NodeConfig;

    /// Installing the host reaches for no module and no network.
    struct NoServices;

    impl Services for NoServices {
        fn resolve_module(&self, _: &str, request: &str) -> Result<Resolved, String> {
            Err(format!("Cannot find module '{request}'"))
        }
        fn fetch(&self, _: &HttpRequest, _: Duration) -> Result<HttpResponse, String> {
            Err("refused".into())
        }
    }

    /// The function names in the first column of docs/security.md's "Host
    /// functions" table.
    fn documented() -> BTreeSet<String> {
        let doc = include_str!("../../../docs/security.md");
        let section = doc
            .split("\n## Host functions\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("docs/security.md has a \"Host functions\" section");
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_host_function_is_in_the_security_table() {
        let node = NodeConfig::default();
        let env = ExecEnv {
            limits: Limits::default(),
            deadline: Instant::now() + Duration::from_secs(5),
            clock: crate::clock::Clock::System,
            services: Arc::new(NoServices),
            node: Arc::new(node),
        };
        let state: Shared = Rc::new(RefCell::new(HostState::new(env)));
        let guards = Guards::new(Instant::now() + Duration::from_secs(5), 16 << 20);
        let runtime = rquickjs::Runtime::new().expect("runtime");
        let context = rquickjs::Context::full(&runtime).expect("context");
        let installed: BTreeSet<String> = context.with(|ctx| {
            let host = install(&ctx, &state, &guards).expect("installs");
            install_rest(&ctx, &host, &state, &guards).expect("installs the rest");
            host.keys::<String>()
                .collect::<rquickjs::Result<_>>()
                .expect("names")
        });
        let documented = documented();
        let undocumented: Vec<_> = installed.difference(&documented).collect();
        let not_installed: Vec<_> = documented.difference(&installed).collect();
        assert!(
            undocumented.is_empty(),
            "host functions missing from docs/security.md's table: {undocumented:?}"
        );
        assert!(
            not_installed.is_empty(),
            "docs/security.md lists host functions that do not exist: {not_installed:?}"
        );
        assert!(installed.len() >= 40, "{installed:?}");
    }
}
