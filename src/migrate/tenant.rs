//! A whole tenant: every enabled Rule of a Deploy CLI export migrated to a
//! post-login Action, written back as an export `a0deploy import` takes, and
//! the tenant's login before and after the switch compared.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Migration;
use crate::error::Error;
use crate::input::{self, InputKind};
use crate::script::{Script, ScriptKind};
use crate::tenant::{RuleDef, TenantFolder};

/// The name of the Action that replaces a Rule: the Rule's name in lower
/// case, words joined by `-` (`Add roles to tokens` → `add-roles-to-tokens`).
pub fn action_name_for(rule: &str) -> String {
    let mut name = String::new();
    for c in rule.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_string();
    if name.is_empty() {
        "migrated-rule".into()
    } else {
        name
    }
}

/// The two logins of a tenant in migration: as it runs today (the enabled
/// Rules, then the bound Actions that are not the Rules' replacements) and
/// as it runs once the Rules are off (the bound Actions).
pub fn before_and_after(folder: &TenantFolder, scripts: &[Script]) -> (Vec<Script>, Vec<Script>) {
    let replacements: Vec<String> = folder
        .enabled_rules()
        .iter()
        .map(|r| action_name_for(&r.name))
        .collect();
    let before = scripts
        .iter()
        .filter(|s| s.kind == ScriptKind::Rule || !replacements.contains(&s.name))
        .cloned()
        .collect();
    let after = scripts
        .iter()
        .filter(|s| s.kind != ScriptKind::Rule)
        .cloned()
        .collect();
    (before, after)
}

/// One migrated Rule, ready to write.
pub struct MigratedRule<'f> {
    pub rule: &'f RuleDef,
    pub action: String,
    pub migration: Migration,
}

/// Writes `out` as a copy of the export at `input` with each migrated
/// Rule's Action (`actions/<name>/code.js`, `actions/<name>.json`) and its
/// post-login binding after the Actions already bound, in Rule order. The
/// Rules stay as they were: turn them off once the Actions are live.
pub fn write_export(input: &Path, out: &Path, migrated: &[MigratedRule<'_>]) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| Error::Io { path, cause }
    };
    if input.canonicalize().ok() != out.canonicalize().ok() {
        copy_dir(input, out)?;
    }
    let raw_configs = raw_rules_configs(input)?;
    let actions_dir = out.join("actions");
    std::fs::create_dir_all(&actions_dir).map_err(io(&actions_dir))?;
    for item in migrated {
        let code_dir = actions_dir.join(&item.action);
        std::fs::create_dir_all(&code_dir).map_err(io(&code_dir))?;
        let code_file = code_dir.join("code.js");
        std::fs::write(&code_file, &item.migration.code).map_err(io(&code_file))?;
        let secrets: Vec<Value> = item
            .migration
            .secrets
            .iter()
            .map(|key| {
                json!({
                    "name": key,
                    "value": raw_configs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or(Value::Null),
                })
            })
            .collect();
        let dependencies: Vec<Value> = item
            .migration
            .dependencies
            .iter()
            .map(|d| json!({ "name": d.name, "version": d.version.clone().unwrap_or_else(|| "latest".into()) }))
            .collect();
        let definition = json!({
            "name": item.action,
            "code": format!("./actions/{}/code.js", item.action),
            "runtime": "node22",
            "status": "built",
            "dependencies": dependencies,
            "secrets": secrets,
            "supported_triggers": [{ "id": "post-login", "version": "v3" }],
            "deployed": true,
        });
        let json_file = actions_dir.join(format!("{}.json", item.action));
        write_json(&json_file, &definition)?;
    }
    // The bindings: the Actions already bound first, then the Rules'
    // replacements in Rule order.
    let triggers_dir = out.join("triggers");
    std::fs::create_dir_all(&triggers_dir).map_err(io(&triggers_dir))?;
    let triggers_file = triggers_dir.join("triggers.json");
    // The copy's bindings, refused (never replaced) when they are not the
    // shape the Deploy CLI writes: replacing them would drop bindings.
    let mut triggers = if std::fs::symlink_metadata(&triggers_file).is_ok() {
        input::read_json(&triggers_file, InputKind::TenantFile)?
    } else {
        json!({})
    };
    let shown = triggers_file.display();
    let Some(bindings) = triggers.as_object_mut() else {
        return Err(Error::invalid(format!(
            "{shown}: the trigger bindings must be a JSON object of trigger ids, not {}",
            input::json_type(&triggers)
        )));
    };
    let post_login = bindings.entry("post-login").or_insert_with(|| json!([]));
    let Some(bound) = post_login.as_array_mut() else {
        return Err(Error::invalid(format!(
            "{shown}: `post-login` must be an array of bindings, not {}",
            input::json_type(post_login)
        )));
    };
    for item in migrated {
        let already = bound
            .iter()
            .any(|b| b["action_name"].as_str() == Some(item.action.as_str()));
        if !already {
            bound.push(json!({ "action_name": item.action, "display_name": item.action }));
        }
    }
    write_json(&triggers_file, &triggers)
}

fn write_json(path: &Path, value: &Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).unwrap_or_default() + "\n";
    std::fs::write(path, text).map_err(|cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    })
}

/// The export's `rules-configs/*.json` as written (placeholders such as
/// `##KEY##` kept, so the import replaces them as it did for the Rules).
fn raw_rules_configs(folder: &Path) -> Result<Vec<(String, Value)>, Error> {
    let Ok(entries) = std::fs::read_dir(folder.join("rules-configs")) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut configs = Vec::new();
    for file in &files {
        let config = input::read_json(file, InputKind::TenantFile)?;
        if let (Some(key), Some(value)) = (
            config.get("key").and_then(Value::as_str),
            config.get("value"),
        ) {
            configs.push((key.to_string(), value.clone()));
        }
    }
    Ok(configs)
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| Error::Io { path, cause }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io(&source))?;
        if kind.is_dir() {
            copy_dir(&source, &target)?;
        } else if kind.is_file() {
            std::fs::copy(&source, &target).map_err(io(&source))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_the_rule_names_in_kebab_case() {
        assert_eq!(
            action_name_for("Add roles to tokens"),
            "add-roles-to-tokens"
        );
        assert_eq!(
            action_name_for("  Deny: blocked (email)  "),
            "deny-blocked-email"
        );
        assert_eq!(action_name_for("***"), "migrated-rule");
    }

    #[test]
    fn bindings_of_the_wrong_shape_are_refused_not_replaced() {
        let input = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(input.path().join("triggers")).expect("dir");
        let triggers = input.path().join("triggers/triggers.json");
        for (text, needle) in [
            ("[]", "must be a JSON object of trigger ids, not an array"),
            (
                r#"{"post-login": {"action_name": "a"}}"#,
                "`post-login` must be an array of bindings, not an object",
            ),
        ] {
            std::fs::write(&triggers, text).expect("write");
            let out = tempfile::tempdir().expect("tempdir");
            let error = write_export(input.path(), out.path(), &[])
                .expect_err(text)
                .to_string();
            assert!(
                error.contains("triggers.json") && error.contains(needle),
                "{text}: {error}"
            );
            // The copy keeps the bindings as they were.
            let kept =
                std::fs::read_to_string(out.path().join("triggers/triggers.json")).expect("copied");
            assert_eq!(kept, text);
        }
    }
}
