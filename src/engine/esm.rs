//! `require` of an ES module, as Node 22 allows it (packages such as
//! `jose` 6 and `openid-client` 6 ship only ES modules). QuickJS loads the
//! module graph; each `import` resolves as `require` would from the
//! importing file (its own package's files, then its dependencies), so an
//! ES module reaches no more than a CommonJS one. An import of anything that
//! is not an ES module file (Node's built-ins, CommonJS packages, the
//! emulated packages) is answered by `require` itself, through a generated
//! module that re-exports what `require` returned (`default` and each
//! named property), as Node's CommonJS interop does.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Function, Module, Value};

use super::host::Shared;

/// The global `require` hook generated modules call while an ES module
/// graph loads (js-runtime/modules.js sets it for that time only).
pub(crate) const REQUIRE_HOOK: &str = "__actionbox_require_for_import";

/// Names of generated modules: `PREFIX` + importing file + `\n` + request.
const VIA_REQUIRE: &str = "actionbox:require\n";

/// Sources of the ES module files resolved and not yet loaded.
type Pending = Rc<RefCell<HashMap<String, String>>>;

pub(crate) struct EsmResolver {
    state: Shared,
    pending: Pending,
}

pub(crate) struct EsmLoader {
    state: Shared,
    pending: Pending,
}

/// The resolver and loader of one isolate's runtime.
pub(crate) fn loader(state: &Shared) -> (EsmResolver, EsmLoader) {
    let pending = Pending::default();
    (
        EsmResolver {
            state: state.clone(),
            pending: pending.clone(),
        },
        EsmLoader {
            state: state.clone(),
            pending,
        },
    )
}

impl Resolver for EsmResolver {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        // A generated module's own imports cannot happen (it has none).
        if base.starts_with(VIA_REQUIRE) {
            return Err(rquickjs::Error::new_resolving(base, name));
        }
        let services = self.state.borrow().env.services.clone();
        match services.resolve_module(base, name) {
            Ok(found) if found.esm && found.refused.is_none() => {
                if let Some(used) = found.package {
                    let mut state = self.state.borrow_mut();
                    if !state.packages.contains(&used) {
                        state.packages.push(used);
                    }
                }
                let path = found.path.display().to_string();
                self.pending.borrow_mut().insert(path.clone(), found.source);
                Ok(path)
            }
            // Everything else (and every failure, with its message) is
            // `require`'s to answer.
            _ => Ok(format!("{VIA_REQUIRE}{base}\n{name}")),
        }
    }
}

impl Loader for EsmLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        if let Some(rest) = name.strip_prefix(VIA_REQUIRE) {
            let (from, request) = rest
                .split_once('\n')
                .ok_or_else(|| rquickjs::Error::new_loading(name))?;
            return Module::declare(ctx.clone(), name, via_require(ctx, from, request)?);
        }
        let source = self
            .pending
            .borrow_mut()
            .remove(name)
            .ok_or_else(|| rquickjs::Error::new_loading(name))?;
        self.state
            .borrow_mut()
            .add_source(name, source.as_str().into(), 0);
        Module::declare(ctx.clone(), name, source)
    }
}

/// The source of a module re-exporting `require(request)` made from
/// `from`: `default` is the whole value, and each own property whose name
/// can be bound is a named export.
fn via_require(ctx: &Ctx<'_>, from: &str, request: &str) -> rquickjs::Result<String> {
    let hook: Function = ctx.globals().get(REQUIRE_HOOK)?;
    let exports: Value = hook.call((from, request))?;
    let mut names: Vec<String> = Vec::new();
    if let Some(object) = exports.as_object() {
        for key in object.keys::<String>() {
            let key = key?;
            if bindable(&key) && !names.contains(&key) {
                names.push(key);
            }
        }
    }
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let mut source = format!(
        "const required = globalThis[{}]({}, {});\nexport default required;\n",
        quote(REQUIRE_HOOK),
        quote(from),
        quote(request)
    );
    if !names.is_empty() {
        source.push_str(&format!(
            "export const {{ {} }} = required;\n",
            names.join(", ")
        ));
    }
    Ok(source)
}

/// Whether `name` can be a `const` binding (an identifier, not a reserved
/// word).
fn bindable(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "arguments",
        "eval",
        "required",
    ];
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !RESERVED.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_identifiers_that_are_not_reserved_become_named_exports() {
        assert!(bindable("createHash"));
        assert!(bindable("$x_1"));
        assert!(!bindable("default"));
        assert!(!bindable("1abc"));
        assert!(!bindable("a-b"));
        assert!(!bindable(""));
        assert!(!bindable("required"));
    }
}
