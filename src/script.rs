//! A customer script as given: a legacy Rule or an Action bound to a trigger,
//! recognised by its shape.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;
pub use crate::trigger::Trigger;

/// What a script is: a legacy Rule, or an Action for one trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "trigger")]
pub enum ScriptKind {
    Rule,
    Action(Trigger),
}

/// One script, its source and where it came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Script {
    /// The name outputs attribute commands and logs to (the file name, or the
    /// Rule/Action name from a tenant export).
    pub name: String,
    /// The file it was read from, when it came from one.
    pub path: Option<PathBuf>,
    pub source: Arc<str>,
    pub kind: ScriptKind,
}

impl Script {
    /// Reads a script and recognises its kind from its shape.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Script, Error> {
        let path = path.as_ref();
        let source = crate::input::read_text(path, crate::input::InputKind::Script)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let mut script = Script::from_source(name, source)?;
        script.path = Some(path.to_path_buf());
        Ok(script)
    }

    /// A script from text; `name` is what outputs call it.
    pub fn from_source(
        name: impl Into<String>,
        source: impl Into<String>,
    ) -> Result<Script, Error> {
        let name = name.into();
        let source = without_hashbang(source.into());
        let kind = detect_kind(&source).ok_or_else(|| Error::UnknownScriptKind {
            script: name.clone(),
        })?;
        Ok(Script {
            name,
            path: None,
            source: source.into(),
            kind,
        })
    }

    /// A script of a kind the caller already knows (e.g. from `--trigger`).
    pub fn with_kind(
        name: impl Into<String>,
        source: impl Into<String>,
        kind: ScriptKind,
    ) -> Script {
        let source = without_hashbang(source.into());
        Script {
            name: name.into(),
            path: None,
            source: source.into(),
            kind,
        }
    }

    /// Where to point a reader: the path when known, else the name.
    pub fn location(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => self.name.clone(),
        }
    }

    pub fn is_rule(&self) -> bool {
        self.kind == ScriptKind::Rule
    }
}

/// A `#!` first line (a script also run as `node script.js`) made a
/// comment, as Node reads it, keeping the line numbers.
fn without_hashbang(source: String) -> String {
    match source.strip_prefix("#!") {
        Some(rest) => format!("//{rest}"),
        None => source,
    }
}

/// A Rule is one function expression (`function (user, context, callback)`),
/// possibly after comments; an Action is a CommonJS module that exports the
/// handler of its trigger.
pub fn detect_kind(source: &str) -> Option<ScriptKind> {
    let code = skip_comments(source);
    let code = code
        .strip_prefix("async")
        .map(str::trim_start)
        .unwrap_or(code);
    let rule_shaped = code
        .strip_prefix("function")
        .is_some_and(|rest| rest.starts_with(|c: char| c == '(' || c == '*' || c.is_whitespace()));
    // A module that assigns to `exports` is an Action even when it starts
    // with a helper function; a Rule never touches `exports`.
    let exports_something = mentions_identifier(source, "exports");
    if rule_shaped && !exports_something {
        return Some(ScriptKind::Rule);
    }
    // The trigger whose handler the module names. `onContinuePostLogin` alone
    // still means post-login.
    let mut found = Trigger::ALL
        .into_iter()
        .filter(|t| mentions_identifier(source, t.handler()));
    match (found.next(), found.next()) {
        (Some(trigger), None) => Some(ScriptKind::Action(trigger)),
        (None, _) => Trigger::ALL
            .into_iter()
            .find(|t| {
                t.continue_handler()
                    .is_some_and(|h| mentions_identifier(source, h))
            })
            .map(ScriptKind::Action)
            .or(rule_shaped.then_some(ScriptKind::Rule)),
        _ => None,
    }
}

fn mentions_identifier(source: &str, ident: &str) -> bool {
    source.match_indices(ident).any(|(at, _)| {
        let before = source[..at].chars().next_back();
        let after = source[at + ident.len()..].chars().next();
        let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// The source after leading whitespace, comments and a `#!` line.
fn skip_comments(source: &str) -> &str {
    let mut rest = source.trim_start_matches('\u{feff}');
    if rest.starts_with("#!") {
        rest = rest.find('\n').map_or("", |i| &rest[i..]);
    }
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else {
            return rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_rules_with_leading_comments_and_async() {
        for src in [
            "function (user, context, callback) { callback(null, user, context); }",
            "/** JSDoc */\n// more\nfunction addRoles(user, context, callback) {}",
            "async function (user, context, callback) {}",
            "\u{feff}  function(user, context, cb) {}",
        ] {
            assert_eq!(detect_kind(src), Some(ScriptKind::Rule), "{src}");
        }
    }

    #[test]
    fn recognises_the_trigger_of_an_action() {
        let src = "exports.onExecutePostLogin = async (event, api) => {};";
        assert_eq!(
            detect_kind(src),
            Some(ScriptKind::Action(Trigger::PostLogin))
        );
        let src = "module.exports = { onExecuteCredentialsExchange: async () => {} };";
        assert_eq!(
            detect_kind(src),
            Some(ScriptKind::Action(Trigger::CredentialsExchange))
        );
        assert_eq!(detect_kind("const x = 1;"), None);
        let helper_first = "function helper() {}\nexports.onExecutePostLogin = async () => {};";
        assert_eq!(
            detect_kind(helper_first),
            Some(ScriptKind::Action(Trigger::PostLogin))
        );
        assert_eq!(detect_kind("exports.onExecutePostLoginX = 1"), None);
    }
}
