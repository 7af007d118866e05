//! `require`: resolving a module (in the configured `node_modules`, the
//! package cache or the emulated packages), the declared dependency
//! versions, Actions Modules, compiling a module's source, and the
//! runtime files loaded on first use.

use std::rc::Rc;

use rquickjs::{Ctx, Exception, Object, Value};

use super::binding::{add, arg_string};
use super::state::Shared;
use crate::engine::guards::Guards;
use crate::engine::{bytecode, runtime_js};

pub(super) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    state: &Shared,
    guards: &Rc<Guards>,
) -> rquickjs::Result<()> {
    // requireResolve(from, request) -> [path, source] (with `true` after
    // them for an ES module) or [null, null, why]
    let st = state.clone();
    add(ctx, host, guards, "requireResolve", move |ctx, args| {
        let from = arg_string(ctx, args, 0)?;
        let request = arg_string(ctx, args, 1)?;
        let services = st.borrow().env.services.clone();
        let result = services.resolve_module(&from, &request);
        let out = rquickjs::Array::new(ctx.clone())?;
        match result {
            Ok(crate::engine::modules::Resolved {
                refused: Some(why), ..
            }) => {
                out.set(2, format!("Cannot find module '{request}': {why}"))?;
            }
            Ok(resolved) => {
                if let Some(used) = resolved.package {
                    let mut state = st.borrow_mut();
                    if !state.packages.contains(&used) {
                        state.packages.push(used);
                    }
                }
                let path = resolved.path.display().to_string();
                if let Some(bytes) = resolved.bytecode {
                    let wrapped = crate::engine::modules::wrap_module(
                        crate::engine::modules::PACKAGE_PARAMS,
                        &resolved.source,
                    );
                    bytecode::insert(&path, &wrapped, bytes);
                }
                out.set(0, path)?;
                out.set(1, resolved.source)?;
                if resolved.esm {
                    out.set(3, true)?;
                }
            }
            Err(why) => out.set(2, why)?,
        }
        Ok(out.into_value())
    })?;

    // packageEmulated(name, version): an emulated package was loaded.
    let st = state.clone();
    add(ctx, host, guards, "packageEmulated", move |ctx, args| {
        let name = arg_string(ctx, args, 0)?;
        let version = arg_string(ctx, args, 1)?;
        let used = crate::record::PackageUse {
            name,
            version: if version.is_empty() {
                "emulated".into()
            } else {
                version
            },
            source: crate::record::PackageSource::Emulated,
        };
        let mut state = st.borrow_mut();
        if !state.packages.contains(&used) {
            state.packages.push(used);
        }
        Ok(Value::new_undefined(ctx.clone()))
    })?;

    // dependencyVersion(name) -> the declared version, or undefined
    let st = state.clone();
    add(ctx, host, guards, "dependencyVersion", move |ctx, args| {
        let name = arg_string(ctx, args, 0)?;
        let version = st.borrow().env.node.dependencies.get(&name).cloned();
        match version {
            Some(version) => {
                rquickjs::String::from_str(ctx.clone(), &version).map(|s| s.into_value())
            }
            None => Ok(Value::new_undefined(ctx.clone())),
        }
    })?;

    // nodeVersion() -> what process.version reports
    let st = state.clone();
    add(ctx, host, guards, "nodeVersion", move |ctx, _| {
        let version = st.borrow().env.node.runtime.version();
        rquickjs::String::from_str(ctx.clone(), version).map(|s| s.into_value())
    })?;

    // actionModule(name) -> source, or undefined
    let st = state.clone();
    add(ctx, host, guards, "actionModule", move |ctx, args| {
        let name = arg_string(ctx, args, 0)?;
        let source = st.borrow().env.node.action_modules.get(&name).cloned();
        match source {
            Some(source) => {
                rquickjs::String::from_str(ctx.clone(), &source).map(|s| s.into_value())
            }
            None => Ok(Value::new_undefined(ctx.clone())),
        }
    })?;

    // compileModule(fileName, source, params) -> function(params...)
    let st = state.clone();
    add(ctx, host, guards, "compileModule", move |ctx, args| {
        let file = arg_string(ctx, args, 0)?;
        let source = arg_string(ctx, args, 1)?;
        let params = arg_string(ctx, args, 2)?;
        let wrapped = crate::engine::modules::wrap_module(&params, &source);
        let prefix = wrapped.find('{').map_or(0, |i| i + 1);
        st.borrow_mut()
            .add_source(&file, source.as_str().into(), prefix);
        let bytes = bytecode::compile(&file, &wrapped).map_err(|e| {
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
        bytecode::run(ctx, &bytes)
    })?;

    // importModule(path, source) -> the namespace of the ES module at
    // `path` (resolved by requireResolve), its imports loaded through
    // src/engine/esm.rs, evaluated to the end.
    let st = state.clone();
    add(ctx, host, guards, "importModule", move |ctx, args| {
        let path = arg_string(ctx, args, 0)?;
        let source = arg_string(ctx, args, 1)?;
        st.borrow_mut().add_source(&path, source.as_str().into(), 0);
        let (module, promise) = rquickjs::Module::declare(ctx.clone(), path, source)?.eval()?;
        promise.finish::<()>()?;
        Ok(module.namespace()?.into_value())
    })?;

    // loadRuntime(name, host) -> the init function of a lazily loaded
    // runtime file; the first call adds the rest of the host functions to
    // `host` (a script that reaches this function can only make its own
    // execution's runtime miss them).
    let st = state.clone();
    let rest_guards = guards.clone();
    add(ctx, host, guards, "loadRuntime", move |ctx, args| {
        let name = arg_string(ctx, args, 0)?;
        let Some(file) = runtime_js::RuntimeFile::lazy(&name) else {
            return Err(Exception::throw_type(
                ctx,
                "actionbox host: unknown runtime file",
            ));
        };
        if let Some(target) = args.get(1).and_then(Value::as_object) {
            let first = !std::mem::replace(&mut st.borrow_mut().host_complete, true);
            if first {
                super::install_rest(ctx, target, &st, &rest_guards)?;
            }
        }
        let bytes = runtime_js::bytecode(file).map_err(|e| Exception::throw_internal(ctx, &e))?;
        bytecode::run(ctx, &bytes)
    })?;
    Ok(())
}
