//! Loading an Auth0 Deploy CLI (`a0deploy export`) tenant export — the
//! directory format (`-f directory`) or the YAML format (`-f yaml`) — into
//! plain data: Rules with their order, rules configs, Actions, Action
//! Modules and trigger bindings. Nothing here runs a script.
//!
//! What follows the Deploy CLI exactly:
//! * keyword replacement on the raw text of every metadata file, of
//!   `tenant.yaml` and of every code file, before parsing ([`Keywords`]);
//! * where each path is resolved from: a Rule's `script` from `rules/`, an
//!   Action's or Module's `code` from the tenant folder, every YAML path from
//!   the YAML file's folder;
//! * which files are metadata (`*.json` directly in the resource folder, in
//!   name order; only the first `.json` in `triggers/`);
//! * defaults (`enabled` true, `stage` `login_success`) and the checks the
//!   Deploy CLI or the Management API would make (Rule names, duplicate
//!   names, duplicate Rule `order`).
//!
//! Where actionbox is stricter: a path that resolves outside the tenant
//! folder (the Deploy CLI only warns) is refused, and a trigger id no Auth0
//! tenant has is an error.
//!
//! Unresolved placeholders (a `@@KEY@@` or `##KEY##` whose KEY has no
//! mapping) never make a file fail to parse: where one stands alone as a
//! value outside a string (`"order": @@ORDER@@` in JSON, `value: ##SECRET##`
//! in YAML) it is quoted, so the value is the placeholder text itself, the
//! same as a placeholder written inside quotes. Each one is reported in
//! [`TenantFolder::unresolved`] with its file and 1-based line (of the file as
//! written). A secret whose value is a placeholder counts as not given.

mod keywords;
mod markers;
mod paths;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

pub use keywords::Keywords;
pub use paths::sanitize_file_name;

use crate::Error;
use crate::input::InputKind;
use paths::{Jail, Resolved};

/// The API's Rule-name pattern (`POST /api/v2/rules`).
pub const RULE_NAME_PATTERN: &str = r"^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$";

/// What `a0deploy export` writes for a value it may not show.
pub const HIDDEN_VALUE: &str = "_VALUE_NOT_SHOWN_";

/// The trigger ids an Auth0 tenant can report that actionbox does not run
/// (the rest of the Deploy CLI's `ACTIONS_TRIGGERS` and of the Management
/// API's trigger enum).
pub const OTHER_TRIGGERS: &[&str] = &[
    "login-post-identifier",
    "signup-post-identifier",
    "post-credential-validation",
    "custom-phone-provider",
    "custom-email-provider",
    "event-stream",
    "password-hash-migration",
    "iga-approval",
    "iga-certification",
    "iga-fulfillment-assignment",
    "iga-fulfillment-execution",
];

/// Every trigger id an Auth0 tenant can report: those actionbox runs, then
/// the others.
pub fn known_triggers() -> impl Iterator<Item = &'static str> {
    crate::script::Trigger::ALL
        .iter()
        .map(|t| t.id())
        .chain(OTHER_TRIGGERS.iter().copied())
}

/// Whether actionbox can run the Actions of this trigger.
pub fn is_runnable_trigger(id: &str) -> bool {
    crate::script::Trigger::ALL.iter().any(|t| t.id() == id)
}

/// Which export format a tenant folder is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderFormat {
    /// `a0deploy export -f directory`: `rules/`, `actions/`, `triggers/`, …
    Directory,
    /// `a0deploy export -f yaml`: `tenant.yaml` plus code files beside it.
    Yaml,
}

/// A loaded tenant export.
#[derive(Debug, Clone, Serialize)]
pub struct TenantFolder {
    /// The tenant folder (for YAML, the folder holding the YAML file).
    pub root: PathBuf,
    pub format: FolderFormat,
    /// All Rules in execution order: ascending `order`, Rules without one
    /// last, then by name. Disabled Rules are included (`enabled: false`).
    pub rules: Vec<RuleDef>,
    /// Rules configs (`configuration` of Rules): key → value.
    pub rules_configs: BTreeMap<String, String>,
    /// Actions by name.
    pub actions: BTreeMap<String, ActionDef>,
    /// Action Modules by name.
    pub action_modules: BTreeMap<String, ModuleDef>,
    /// Trigger id → the names of the Actions bound to it, in execution order.
    pub triggers: BTreeMap<String, Vec<String>>,
    /// The file the trigger bindings came from (`triggers/triggers.json` or the YAML file).
    pub triggers_file: Option<PathBuf>,
    /// The tenant's roles (`roles/*.json`, or `roles:` in the YAML file).
    pub roles: Vec<super::RoleSettings>,
    /// Keyword placeholders no mapping resolved (they load as their own
    /// text; see the module documentation).
    pub unresolved: Vec<Placeholder>,
    /// Things that load but deserve a word: bound triggers actionbox does not
    /// run, bindings to Actions missing from the export, undeployed Actions,
    /// Actions bound to triggers they do not support, unknown Modules.
    pub warnings: Vec<String>,
}

/// A Rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleDef {
    /// The Rule's name as Auth0 has it (not the sanitised file name).
    pub name: String,
    pub order: Option<i64>,
    pub enabled: bool,
    /// `login_success` (the only stage Rules run at), `login_failure` or `pre_authorize`.
    pub stage: String,
    /// The script file.
    pub file: PathBuf,
    /// The script, keywords replaced.
    pub source: String,
}

/// An Action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionDef {
    pub name: String,
    /// The code file.
    pub file: PathBuf,
    /// The code, keywords replaced (the Action's current draft).
    pub source: String,
    /// `node18`, `node22`, …
    pub runtime: Option<String>,
    /// npm dependencies: (name, version).
    pub dependencies: Vec<(String, String)>,
    pub secrets: Vec<SecretDef>,
    /// (trigger id, version such as `v3`).
    pub supported_triggers: Vec<(String, Option<String>)>,
    /// `deployed` as exported (missing when never deployed, in directory exports).
    pub deployed: Option<bool>,
    /// Action Modules it pins: (module name, version number).
    pub modules: Vec<(String, Option<String>)>,
}

/// A secret of an Action or Module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretDef {
    pub name: String,
    /// `None` when the export does not hold the value: absent, empty,
    /// `_VALUE_NOT_SHOWN_`, masked `****`, or an unresolved placeholder.
    pub value: Option<String>,
}

/// An Action Module (`require('actions:<name>')`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleDef {
    pub name: String,
    pub file: PathBuf,
    pub source: String,
    pub dependencies: Vec<(String, String)>,
    pub secrets: Vec<SecretDef>,
}

/// A keyword placeholder left unresolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placeholder {
    pub file: PathBuf,
    /// 1-based line in the file as written.
    pub line: usize,
    /// The KEY of `@@KEY@@` / `##KEY##`.
    pub key: String,
}

impl TenantFolder {
    /// Loads an export. `path` is a folder (directory format, or a folder
    /// holding `tenant.yaml` / `tenant.yml`) or a `.yaml` / `.yml` file.
    pub fn load(path: &Path, keywords: &Keywords) -> Result<TenantFolder, Error> {
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            cause: source,
        })?;
        if meta.is_dir() {
            for name in ["tenant.yaml", "tenant.yml"] {
                let file = path.join(name);
                if file.is_file() {
                    return Loader::new(path, keywords)?.load_yaml(&file);
                }
            }
            let looks_like_export = [
                "rules",
                "rules-configs",
                "actions",
                "action-modules",
                "triggers",
            ]
            .iter()
            .chain(&["tenant.json", "clients", "hooks"])
            .any(|p| path.join(p).exists());
            if !looks_like_export {
                return Err(Error::invalid(format!(
                    "{}: not an Auth0 Deploy CLI export: no rules/, actions/ or triggers/ folder and no tenant.yaml",
                    path.display()
                )));
            }
            return Loader::new(path, keywords)?.load_directory();
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "yaml" || ext == "yml" {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            return Loader::new(parent, keywords)?.load_yaml(path);
        }
        Err(Error::invalid(format!(
            "{}: not a tenant export: give the export folder (a0deploy -f directory) or its .yaml/.yml file",
            path.display()
        )))
    }

    /// The Rules that run (enabled, `login_success` stage), in order.
    pub fn enabled_rules(&self) -> Vec<&RuleDef> {
        self.rules
            .iter()
            .filter(|r| r.enabled && r.stage == "login_success")
            .collect()
    }

    /// The Actions bound to `trigger_id`, in order. A binding to an Action the
    /// export does not hold (a Marketplace Action, or one left out of the
    /// export) is an error naming the triggers file.
    pub fn bound_actions(&self, trigger_id: &str) -> Result<Vec<&ActionDef>, Error> {
        let Some(names) = self.triggers.get(trigger_id) else {
            return Ok(Vec::new());
        };
        names
            .iter()
            .map(|name| {
                self.actions.get(name).ok_or_else(|| {
                    let file = self
                        .triggers_file
                        .as_deref()
                        .map(|f| f.display().to_string())
                        .unwrap_or_else(|| "triggers".to_string());
                    Error::invalid(format!(
                        "{file}: trigger `{trigger_id}` binds the Action `{name}`, which is not in the export \
                         (a Marketplace Action, or one excluded from the export?)"
                    ))
                })
            })
            .collect()
    }
}

/// Where a value came from, for messages: a file, and for YAML the item.
struct Origin {
    file: PathBuf,
    item: Option<String>,
}

impl Origin {
    fn file(file: &Path) -> Origin {
        Origin {
            file: file.to_path_buf(),
            item: None,
        }
    }

    fn item(file: &Path, item: String) -> Origin {
        Origin {
            file: file.to_path_buf(),
            item: Some(item),
        }
    }

    fn at(&self) -> String {
        match &self.item {
            Some(item) => format!("{}: {item}", self.file.display()),
            None => self.file.display().to_string(),
        }
    }

    fn err(&self, message: impl std::fmt::Display) -> Error {
        Error::invalid(format!("{}: {message}", self.at()))
    }
}

struct Loader<'k> {
    jail: Jail,
    keywords: &'k Keywords,
    unresolved: Vec<Placeholder>,
}

/// One Rule before sorting, with the file that defined it.
struct RuleEntry {
    def: RuleDef,
    origin: String,
}

impl<'k> Loader<'k> {
    fn new(root: &Path, keywords: &'k Keywords) -> Result<Loader<'k>, Error> {
        Ok(Loader {
            jail: Jail::new(root)?,
            keywords,
            unresolved: Vec::new(),
        })
    }

    /// Reads a file (path as shown), replaces keywords, records placeholders left.
    fn read_replaced(&mut self, shown: &Path, real: &Path) -> Result<String, Error> {
        let kind = if real.extension().is_some_and(|e| e == "js") {
            InputKind::Script
        } else {
            InputKind::TenantFile
        };
        let text = crate::input::read_text_as(real, shown, kind)?;
        for m in markers::find(&text) {
            if !self.keywords.contains(&m.key) {
                self.unresolved.push(Placeholder {
                    file: shown.to_path_buf(),
                    line: markers::line_of(&text, m.start),
                    key: m.key,
                });
            }
        }
        Ok(self.keywords.replace(&text))
    }

    fn read_json(&mut self, file: &Path) -> Result<Value, Error> {
        let text = self.read_replaced(file, file)?;
        let text = markers::quote_bare_in_json(&text, |k| self.keywords.contains(k));
        serde_json::from_str(&text).map_err(|source| Error::Json {
            path: file.to_path_buf(),
            cause: source,
        })
    }

    /// Reads a code file named by `stated` (field `field` of `origin`) from
    /// `bases` in turn, then from `conventional` (relative to the root).
    fn read_code(
        &mut self,
        origin: &Origin,
        field: &str,
        stated: Option<&str>,
        bases: &[PathBuf],
        conventional: &[String],
    ) -> Result<(PathBuf, String), Error> {
        let root = self.jail.canon.clone();
        let conventional_stated = conventional.join("/");
        let mut tried = Vec::new();
        if let Some(stated) = stated.filter(|s| !s.trim().is_empty()) {
            // An old export wrote the code path with the `-o` folder as typed:
            // when the stated path ends with the conventional one, that is it.
            let parts = paths::normalized_parts(stated);
            let names_conventional = !conventional.is_empty() && parts.ends_with(conventional);
            for (i, base) in bases.iter().enumerate() {
                if i > 0 && self.jail.escapes(base, stated) {
                    continue;
                }
                match self.jail.resolve(base, stated, &origin.at(), field) {
                    Ok(Resolved::File(shown, real)) => {
                        let source = self.read_replaced(&shown, &real)?;
                        return Ok((shown, source));
                    }
                    Ok(Resolved::Missing(shown)) => tried.push(shown),
                    Err(e) if names_conventional => {
                        if let Some(found) =
                            self.try_conventional(origin, field, &conventional_stated)?
                        {
                            return Ok(found);
                        }
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if !conventional.is_empty() {
            if let Some(found) = self.try_conventional(origin, field, &conventional_stated)? {
                return Ok(found);
            }
            tried.push(self.jail.show(&root.join(&conventional_stated)));
        }
        let mut seen = std::collections::BTreeSet::new();
        tried.retain(|p| seen.insert(p.clone()));
        Err(match stated {
            Some(stated) if !stated.trim().is_empty() => origin.err(format_args!(
                "the {field} file \"{stated}\" does not exist (looked for {})",
                tried
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => origin.err(format_args!(
                "no `{field}` given, and {} does not exist",
                tried
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        })
    }

    fn try_conventional(
        &mut self,
        origin: &Origin,
        field: &str,
        rel: &str,
    ) -> Result<Option<(PathBuf, String)>, Error> {
        let root = self.jail.canon.clone();
        match self.jail.resolve(&root, rel, &origin.at(), field)? {
            Resolved::File(shown, real) => {
                let source = self.read_replaced(&shown, &real)?;
                Ok(Some((shown, source)))
            }
            Resolved::Missing(_) => Ok(None),
        }
    }

    /// The `.json` files directly in `<root>/<folder>`, name-sorted; `None`
    /// when the folder does not exist.
    fn json_files(&self, folder: &str) -> Result<Option<Vec<PathBuf>>, Error> {
        let dir = self.jail.shown.join(folder);
        if !dir.exists() {
            return Ok(None);
        }
        if !dir.is_dir() {
            return Err(Error::invalid(format!(
                "Expected {} to be a folder but got a file?",
                dir.display()
            )));
        }
        let io = |source| Error::Io {
            path: dir.clone(),
            cause: source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("json") && path.is_file() {
                // A metadata file is itself read, so it must not lead outside either.
                let real = path.canonicalize().map_err(|source| Error::Io {
                    path: path.clone(),
                    cause: source,
                })?;
                if !real.starts_with(&self.jail.canon) {
                    return Err(Error::invalid(format!(
                        "{}: resolves to {}, outside the tenant folder {}; refusing to read it",
                        path.display(),
                        real.display(),
                        self.jail.canon.display()
                    )));
                }
                files.push(path);
            }
        }
        files.sort();
        Ok(Some(files))
    }

    fn load_directory(mut self) -> Result<TenantFolder, Error> {
        let root = self.jail.canon.clone();
        let rules_base = root.join("rules");

        let mut rules = Vec::new();
        for file in self.json_files("rules")?.unwrap_or_default() {
            let value = self.read_json(&file)?;
            let origin = Origin::file(&file);
            let object = expect_object(&value, &origin)?;
            check_fields(object, &origin, "", Resource::Rule)?;
            let entry = self.rule(object, &origin, FolderFormat::Directory, &rules_base)?;
            rules.push(entry);
        }

        let mut configs = Vec::new();
        for file in self.json_files("rules-configs")?.unwrap_or_default() {
            let value = self.read_json(&file)?;
            let origin = Origin::file(&file);
            let object = expect_object(&value, &origin)?;
            check_fields(object, &origin, "", Resource::RulesConfig)?;
            if let Some(pair) = rules_config(object, &origin)? {
                configs.push((pair, origin.at()));
            }
        }

        let mut actions = Vec::new();
        for file in self.json_files("actions")?.unwrap_or_default() {
            let value = self.read_json(&file)?;
            let origin = Origin::file(&file);
            let object = expect_object(&value, &origin)?;
            check_fields(object, &origin, "", Resource::Action)?;
            actions.push((
                self.action(object, &origin, FolderFormat::Directory)?,
                origin.at(),
            ));
        }

        let mut modules = Vec::new();
        for file in self.json_files("action-modules")?.unwrap_or_default() {
            let value = self.read_json(&file)?;
            let origin = Origin::file(&file);
            let object = expect_object(&value, &origin)?;
            check_fields(object, &origin, "", Resource::Module)?;
            modules.push((self.module(object, &origin)?, origin.at()));
        }

        let mut triggers = BTreeMap::new();
        let mut triggers_file = None;
        if let Some(file) = self
            .json_files("triggers")?
            .unwrap_or_default()
            .into_iter()
            .next()
        {
            let value = self.read_json(&file)?;
            let origin = Origin::file(&file);
            triggers = parse_triggers(&value, &origin)?;
            triggers_file = Some(file);
        }

        let mut roles = Vec::new();
        for file in self.json_files("roles")?.unwrap_or_default() {
            let value = self.read_json(&file)?;
            roles.push(role(value, &Origin::file(&file))?);
        }

        let mut folder = self.finish(
            FolderFormat::Directory,
            rules,
            configs,
            actions,
            modules,
            triggers,
            triggers_file,
        )?;
        folder.roles = roles;
        Ok(folder)
    }

    fn load_yaml(mut self, file: &Path) -> Result<TenantFolder, Error> {
        let file = file.to_path_buf();
        let text = self.read_replaced(&file, &file)?;
        let text = markers::quote_bare_in_yaml(&text, |k| self.keywords.contains(k));
        let value: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_saphyr::from_str(&text).map_err(|e| {
                // The first line says what and where; the rest is a snippet naming `<input>`.
                let text = e.to_string();
                let first = text.lines().next().unwrap_or("");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                Error::invalid(format!("{}: invalid YAML: {first}", file.display()))
            })?
        };
        let empty = Map::new();
        let top = match &value {
            Value::Object(map) => map,
            Value::Null => &empty,
            _ => {
                return Err(Error::invalid(format!(
                    "{}: invalid tenant YAML: the top level must be a mapping",
                    file.display()
                )));
            }
        };
        for (wrong, right) in YAML_MISSPELLINGS {
            if top.contains_key(*wrong) {
                return Err(Error::invalid(format!(
                    "{}: `{wrong}` is not a key of tenant.yaml: the Deploy CLI calls it `{right}`",
                    file.display()
                )));
            }
        }
        let base = self.jail.canon.clone();
        let list = |key: &str| -> Result<&[Value], Error> {
            match top.get(key) {
                None | Some(Value::Null) => Ok(&[]),
                Some(Value::Array(items)) => Ok(items.as_slice()),
                Some(_) => Err(Error::invalid(format!(
                    "{}: `{key}` must be a list",
                    file.display()
                ))),
            }
        };

        let mut rules = Vec::new();
        for (i, item) in list("rules")?.iter().enumerate() {
            let origin = Origin::item(&file, item_label("rules", i, item));
            let object = expect_object(item, &origin)?;
            check_fields(object, &origin, "", Resource::Rule)?;
            rules.push(self.rule(object, &origin, FolderFormat::Yaml, &base)?);
        }
        let mut configs = Vec::new();
        for (i, item) in list("rulesConfigs")?.iter().enumerate() {
            let origin = Origin::item(&file, format!("rulesConfigs[{i}]"));
            let object = expect_object(item, &origin)?;
            check_fields(object, &origin, "", Resource::RulesConfig)?;
            if let Some(pair) = rules_config(object, &origin)? {
                configs.push((pair, origin.at()));
            }
        }
        let mut actions = Vec::new();
        for (i, item) in list("actions")?.iter().enumerate() {
            let origin = Origin::item(&file, item_label("actions", i, item));
            let object = expect_object(item, &origin)?;
            check_fields(object, &origin, "", Resource::Action)?;
            actions.push((
                self.action(object, &origin, FolderFormat::Yaml)?,
                origin.at(),
            ));
        }
        let mut modules = Vec::new();
        for (i, item) in list("actionModules")?.iter().enumerate() {
            let origin = Origin::item(&file, item_label("actionModules", i, item));
            let object = expect_object(item, &origin)?;
            check_fields(object, &origin, "", Resource::Module)?;
            modules.push((self.module(object, &origin)?, origin.at()));
        }
        let (triggers, triggers_file) = match top.get("triggers") {
            None | Some(Value::Null) => (BTreeMap::new(), None),
            Some(value) => {
                let origin = Origin::item(&file, "triggers".to_string());
                (parse_triggers(value, &origin)?, Some(file.clone()))
            }
        };
        let mut roles = Vec::new();
        for (i, item) in list("roles")?.iter().enumerate() {
            roles.push(role(
                item.clone(),
                &Origin::item(&file, item_label("roles", i, item)),
            )?);
        }
        let mut folder = self.finish(
            FolderFormat::Yaml,
            rules,
            configs,
            actions,
            modules,
            triggers,
            triggers_file,
        )?;
        folder.roles = roles;
        Ok(folder)
    }

    fn rule(
        &mut self,
        object: &Map<String, Value>,
        origin: &Origin,
        format: FolderFormat,
        script_base: &Path,
    ) -> Result<RuleEntry, Error> {
        let name = required_string(object, "name", origin)?;
        if !is_valid_rule_name(&name) {
            return Err(origin.err(format_args!(
                "the Rule name \"{name}\" is one Auth0 rejects: it must match {RULE_NAME_PATTERN} \
                 (letters, digits, spaces and '-', starting and ending with a letter or digit)"
            )));
        }
        let order = match object.get("order") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Some(i),
                None => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
                    _ => {
                        return Err(origin.err(format_args!("`order` must be an integer, not {n}")));
                    }
                },
            },
            Some(other) => return Err(wrong_type(origin, "order", "a number", other)),
        };
        let enabled = match object.get("enabled") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(wrong_type(origin, "enabled", "true or false", other)),
        };
        let stage = optional_string(object, "stage", origin)?
            .unwrap_or_else(|| "login_success".to_string());
        if !matches!(
            stage.as_str(),
            "login_success" | "login_failure" | "pre_authorize"
        ) {
            return Err(origin.err(format_args!(
                "`stage` \"{stage}\" is not one of login_success, login_failure, pre_authorize"
            )));
        }
        let script = optional_string(object, "script", origin)?;
        let conventional = match format {
            FolderFormat::Directory => {
                vec![
                    "rules".to_string(),
                    format!("{}.js", sanitize_file_name(&name)),
                ]
            }
            FolderFormat::Yaml => vec![
                "rules".to_string(),
                sanitize_file_name(&format!("{name}.js")),
            ],
        };
        // YAML requires `script` (the Deploy CLI loads it unconditionally).
        if format == FolderFormat::Yaml && script.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(origin.err("the Rule has no `script`"));
        }
        let (file, source) = self.read_code(
            origin,
            "script",
            script.as_deref(),
            &[script_base.to_path_buf()],
            &conventional,
        )?;
        Ok(RuleEntry {
            def: RuleDef {
                name,
                order,
                enabled,
                stage,
                file,
                source,
            },
            origin: origin.at(),
        })
    }

    fn action(
        &mut self,
        object: &Map<String, Value>,
        origin: &Origin,
        format: FolderFormat,
    ) -> Result<ActionDef, Error> {
        let name = required_string(object, "name", origin)?;
        let root = self.jail.canon.clone();
        let mut bases = vec![root.clone()];
        if format == FolderFormat::Directory {
            // Older loaders looked in `actions/<name>/` first.
            bases.push(root.join("actions").join(&name));
        }
        let code = optional_string(object, "code", origin)?;
        let conventional = vec![
            "actions".to_string(),
            sanitize_file_name(&name),
            "code.js".to_string(),
        ];
        let (file, source) =
            self.read_code(origin, "code", code.as_deref(), &bases, &conventional)?;
        let runtime = optional_string(object, "runtime", origin)?;
        let dependencies = dependencies(object.get("dependencies"), origin)?;
        let secrets = secrets(object.get("secrets"), origin)?;
        let mut supported_triggers = Vec::new();
        for (i, t) in list_of(
            object.get("supported_triggers"),
            "supported_triggers",
            origin,
        )?
        .iter()
        .enumerate()
        {
            let field = format!("supported_triggers[{i}]");
            let t = t.as_object().ok_or_else(|| {
                origin.err(format_args!("`{field}` must be an object {{id, version}}"))
            })?;
            check_fields(t, origin, &field, Resource::SupportedTrigger)?;
            let id = match t.get("id") {
                Some(Value::String(id)) => id.clone(),
                _ => return Err(origin.err(format_args!("`{field}.id` must be a trigger id"))),
            };
            check_trigger_id(&id, origin)?;
            let version = scalar_string(t.get("version"));
            supported_triggers.push((id, version));
        }
        let deployed = match object.get("deployed") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => return Err(wrong_type(origin, "deployed", "true or false", other)),
        };
        let mut modules = Vec::new();
        for (i, m) in list_of(object.get("modules"), "modules", origin)?
            .iter()
            .enumerate()
        {
            let m = m.as_object().ok_or_else(|| {
                origin.err(format_args!(
                    "`modules[{i}]` must be an object {{module_name, module_version_number}}"
                ))
            })?;
            check_fields(m, origin, &format!("modules[{i}]"), Resource::ModuleUse)?;
            let module = match m.get("module_name") {
                Some(Value::String(n)) => n.clone(),
                _ => {
                    return Err(
                        origin.err(format_args!("`modules[{i}].module_name` must be a string"))
                    );
                }
            };
            modules.push((module, scalar_string(m.get("module_version_number"))));
        }
        Ok(ActionDef {
            name,
            file,
            source,
            runtime,
            dependencies,
            secrets,
            supported_triggers,
            deployed,
            modules,
        })
    }

    fn module(&mut self, object: &Map<String, Value>, origin: &Origin) -> Result<ModuleDef, Error> {
        let name = required_string(object, "name", origin)?;
        let root = self.jail.canon.clone();
        let code = optional_string(object, "code", origin)?;
        let conventional = vec![
            "action-modules".to_string(),
            sanitize_file_name(&name),
            "code.js".to_string(),
        ];
        let (file, source) =
            self.read_code(origin, "code", code.as_deref(), &[root], &conventional)?;
        Ok(ModuleDef {
            name,
            file,
            source,
            dependencies: dependencies(object.get("dependencies"), origin)?,
            secrets: secrets(object.get("secrets"), origin)?,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        self,
        format: FolderFormat,
        rules: Vec<RuleEntry>,
        configs: Vec<((String, String), String)>,
        actions: Vec<(ActionDef, String)>,
        modules: Vec<(ModuleDef, String)>,
        triggers: BTreeMap<String, Vec<String>>,
        triggers_file: Option<PathBuf>,
    ) -> Result<TenantFolder, Error> {
        // Duplicate names (the Deploy CLI refuses them per resource type).
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for entry in &rules {
            if let Some(first) = seen.insert(&entry.def.name, &entry.origin) {
                return Err(Error::invalid(format!(
                    "{} and {first}: two Rules are named \"{}\"; Rule names must be unique",
                    entry.origin, entry.def.name
                )));
            }
        }
        // Duplicate `order` (the Deploy CLI checks every non-zero order, across stages).
        let mut orders: BTreeMap<i64, &RuleEntry> = BTreeMap::new();
        for entry in &rules {
            if let Some(order) = entry.def.order.filter(|o| *o != 0)
                && let Some(first) = orders.insert(order, entry)
            {
                return Err(Error::invalid(format!(
                    "{} and {}: Rules \"{}\" and \"{}\" both have order {order}; \
                     Auth0 allows only one Rule per order number",
                    first.origin, entry.origin, first.def.name, entry.def.name
                )));
            }
        }
        let mut rules: Vec<RuleDef> = rules.into_iter().map(|e| e.def).collect();
        rules.sort_by(|a, b| {
            let key = |r: &RuleDef| (r.order.is_none(), r.order.unwrap_or(0));
            key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });

        let rules_configs = unique(
            configs
                .into_iter()
                .map(|((key, value), origin)| (key, value, origin)),
            |key| format!("the rules config key \"{key}\" is defined twice"),
        )?;
        let action_map = unique(
            actions
                .into_iter()
                .map(|(action, origin)| (action.name.clone(), action, origin)),
            |name| format!("two Actions are named \"{name}\""),
        )?;
        let module_map = unique(
            modules
                .into_iter()
                .map(|(module, origin)| (module.name.clone(), module, origin)),
            |name| format!("two Action Modules are named \"{name}\""),
        )?;

        let warnings = warnings(
            &action_map,
            &module_map,
            &triggers,
            triggers_file.as_deref(),
        );
        Ok(TenantFolder {
            root: self.jail.shown,
            format,
            rules,
            rules_configs,
            actions: action_map,
            action_modules: module_map,
            triggers,
            triggers_file,
            roles: Vec::new(),
            unresolved: self.unresolved,
            warnings,
        })
    }
}

/// `(key, item, origin)` by key; a key given twice is an error naming both
/// origins and saying, with `twice`, what is duplicated.
fn unique<T>(
    items: impl IntoIterator<Item = (String, T, String)>,
    twice: impl Fn(&str) -> String,
) -> Result<BTreeMap<String, T>, Error> {
    let mut by_key: BTreeMap<String, (T, String)> = BTreeMap::new();
    for (key, item, origin) in items {
        if let Some((_, first)) = by_key.get(&key) {
            return Err(Error::invalid(format!(
                "{origin} and {first}: {}",
                twice(&key)
            )));
        }
        by_key.insert(key, (item, origin));
    }
    Ok(by_key
        .into_iter()
        .map(|(key, (item, _))| (key, item))
        .collect())
}
fn warnings(
    actions: &BTreeMap<String, ActionDef>,
    modules: &BTreeMap<String, ModuleDef>,
    triggers: &BTreeMap<String, Vec<String>>,
    triggers_file: Option<&Path>,
) -> Vec<String> {
    let file = triggers_file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "triggers".to_string());
    let mut out = Vec::new();
    for (id, names) in triggers {
        if !names.is_empty() && !is_runnable_trigger(id) {
            out.push(format!(
                "{file}: trigger `{id}` has Actions bound, but actionbox does not run that trigger"
            ));
        }
        for name in names {
            let Some(action) = actions.get(name) else {
                out.push(format!(
                    "{file}: trigger `{id}` binds the Action `{name}`, which is not in the export"
                ));
                continue;
            };
            if !action.supported_triggers.is_empty()
                && !action.supported_triggers.iter().any(|(t, _)| t == id)
            {
                out.push(format!(
                    "{file}: the Action `{name}` is bound to `{id}` but does not list it in supported_triggers"
                ));
            }
            if action.deployed != Some(true) {
                out.push(format!(
                    "the Action `{name}` is bound to `{id}` but is not deployed: Auth0 runs its deployed version, \
                     actionbox runs the exported draft"
                ));
            }
        }
    }
    for action in actions.values() {
        for (module, _) in &action.modules {
            if !modules.contains_key(module) {
                out.push(format!(
                    "the Action `{}` uses the Action Module `{module}`, which is not in the export",
                    action.name
                ));
            }
        }
    }
    out
}

/// The kinds of object a tenant export holds, for [`check_fields`].
#[derive(Debug, Clone, Copy)]
enum Resource {
    Rule,
    RulesConfig,
    Action,
    Module,
    SupportedTrigger,
    Dependency,
    Secret,
    ModuleUse,
    Binding,
}

impl Resource {
    fn noun(self) -> &'static str {
        match self {
            Resource::Rule => "a Rule",
            Resource::RulesConfig => "a rules config",
            Resource::Action => "an Action",
            Resource::Module => "an Action Module",
            Resource::SupportedTrigger => "a supported trigger",
            Resource::Dependency => "a dependency",
            Resource::Secret => "a secret",
            Resource::ModuleUse => "a module an Action uses",
            Resource::Binding => "a trigger binding",
        }
    }

    /// The fields the Deploy CLI writes (docs/tenant.md).
    fn fields(self) -> &'static [&'static str] {
        match self {
            Resource::Rule => &["name", "order", "enabled", "stage", "script"],
            Resource::RulesConfig => &["key", "value"],
            Resource::Action => &[
                "name",
                "code",
                "runtime",
                "status",
                "dependencies",
                "secrets",
                "supported_triggers",
                "deployed",
                "modules",
            ],
            Resource::Module => &["name", "code", "dependencies", "secrets"],
            Resource::SupportedTrigger => &["id", "version"],
            Resource::Dependency => &["name", "version"],
            Resource::Secret => &["name", "value"],
            Resource::ModuleUse => &["module_name", "module_version_number"],
            Resource::Binding => &["action_name", "display_name"],
        }
    }

    /// Fields the Management API returns that change nothing actionbox
    /// runs: an export made with AUTH0_EXPORT_IDENTIFIERS, or a file
    /// written from the API's own answer, carries them.
    fn tolerated(self) -> &'static [&'static str] {
        match self {
            Resource::Rule => &["id"],
            Resource::RulesConfig => &[],
            Resource::Action => &[
                "id",
                "created_at",
                "updated_at",
                "all_changes_deployed",
                "built_at",
                "deployed_version",
                "installed_integration_id",
                "integration",
            ],
            Resource::Module => &[
                "id",
                "created_at",
                "updated_at",
                "all_changes_published",
                "latest_version_number",
                "latest_version",
                "actions_using_module_total",
            ],
            Resource::SupportedTrigger => &[
                "status",
                "runtimes",
                "default_runtime",
                "compatible_triggers",
                "binding_policy",
            ],
            Resource::Dependency => &["registry_url"],
            Resource::Secret => &["updated_at"],
            Resource::ModuleUse => &["module_id", "module_version_id"],
            Resource::Binding => &["id", "ref"],
        }
    }
}

/// Refuses a field the Deploy CLI never writes for this kind of object: it
/// is most likely a misspelling (`enbled`, `supportedTriggers`), and read
/// as absent it would silently change what runs. `place` is the object's
/// path in the file (`supported_triggers[0]`), empty at the top.
fn check_fields(
    object: &Map<String, Value>,
    origin: &Origin,
    place: &str,
    resource: Resource,
) -> Result<(), Error> {
    let known = resource.fields();
    for key in object.keys() {
        if known.contains(&key.as_str()) || resource.tolerated().contains(&key.as_str()) {
            continue;
        }
        let field = if place.is_empty() {
            key.clone()
        } else {
            format!("{place}.{key}")
        };
        let closest = known
            .iter()
            .map(|k| (strsim::jaro_winkler(&key.to_lowercase(), k), *k))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        return Err(origin.err(format_args!(
            "`{field}` is not a field of {}{closest}; the Deploy CLI writes {}",
            resource.noun(),
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Top-level keys of tenant.yaml that name a resource actionbox reads,
/// written the way the directory format or the API spells it.
const YAML_MISSPELLINGS: &[(&str, &str)] = &[
    ("rules_configs", "rulesConfigs"),
    ("rules-configs", "rulesConfigs"),
    ("rulesconfigs", "rulesConfigs"),
    ("action_modules", "actionModules"),
    ("action-modules", "actionModules"),
    ("actionmodules", "actionModules"),
    ("Rules", "rules"),
    ("Actions", "actions"),
    ("Triggers", "triggers"),
    ("bindings", "triggers"),
];

/// Whether Auth0's API accepts `name` as a Rule name ([`RULE_NAME_PATTERN`]).
pub fn is_valid_rule_name(name: &str) -> bool {
    let b = name.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b' ' || *c == b'-')
        }
        _ => false,
    }
}

fn check_trigger_id(id: &str, origin: &Origin) -> Result<(), Error> {
    if known_triggers().any(|known| known == id) {
        Ok(())
    } else {
        Err(origin.err(format_args!(
            "unknown trigger id `{id}` (Auth0's trigger ids: {})",
            known_triggers().collect::<Vec<_>>().join(", ")
        )))
    }
}

fn parse_triggers(value: &Value, origin: &Origin) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let object = expect_object(value, origin)?;
    let mut triggers = BTreeMap::new();
    for (id, bindings) in object {
        check_trigger_id(id, origin)?;
        let mut names = Vec::new();
        for (i, binding) in list_of(Some(bindings), id, origin)?.iter().enumerate() {
            let field = format!("{id}[{i}]");
            let Some(binding) = binding.as_object() else {
                return Err(origin.err(format_args!(
                    "`{field}` must be an object {{action_name, display_name}}, not {}",
                    json_type(binding)
                )));
            };
            check_fields(binding, origin, &field, Resource::Binding)?;
            match binding.get("action_name") {
                Some(Value::String(name)) if !name.is_empty() => names.push(name.clone()),
                Some(other) if !other.is_string() => {
                    return Err(wrong_type(
                        origin,
                        &format!("{field}.action_name"),
                        "a string",
                        other,
                    ));
                }
                _ => {
                    return Err(origin.err(format_args!(
                        "`{field}` has no `action_name`: which Action is bound?"
                    )));
                }
            }
            if let Some(other) = binding
                .get("display_name")
                .filter(|v| !v.is_string() && !v.is_null())
            {
                return Err(wrong_type(
                    origin,
                    &format!("{field}.display_name"),
                    "a string",
                    other,
                ));
            }
        }
        triggers.insert(id.clone(), names);
    }
    Ok(triggers)
}

fn rules_config(
    object: &Map<String, Value>,
    origin: &Origin,
) -> Result<Option<(String, String)>, Error> {
    if object.is_empty() {
        return Ok(None);
    }
    let key = required_string(object, "key", origin)?;
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(origin.err(format_args!(
            "the rules config key \"{key}\" must match ^[A-Za-z0-9_-]*$"
        )));
    }
    let value = match object.get("value") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => {
            return Err(origin.err(format_args!(
                "the value of rules config \"{key}\" must be a string, not {}",
                json_type(other)
            )));
        }
        None => return Err(origin.err(format_args!("the rules config \"{key}\" has no `value`"))),
    };
    Ok(Some((key, value)))
}

fn dependencies(value: Option<&Value>, origin: &Origin) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for (i, dep) in list_of(value, "dependencies", origin)?.iter().enumerate() {
        let dep = dep.as_object().ok_or_else(|| {
            origin.err(format_args!(
                "`dependencies[{i}]` must be an object {{name, version}}"
            ))
        })?;
        check_fields(
            dep,
            origin,
            &format!("dependencies[{i}]"),
            Resource::Dependency,
        )?;
        let name = match dep.get("name") {
            Some(Value::String(n)) => n.clone(),
            _ => return Err(origin.err(format_args!("`dependencies[{i}].name` must be a string"))),
        };
        // A hand-written YAML `version: 1.10` arrives as a number; keep its text.
        let Some(version) = scalar_string(dep.get("version")) else {
            return Err(origin.err(format_args!("the dependency `{name}` has no version")));
        };
        crate::input::check_dependency(&name, &version)
            .map_err(|e| origin.err(format_args!("`dependencies[{i}]`: {e}")))?;
        out.push((name, version));
    }
    Ok(out)
}

/// Secrets: a list of `{name, value?}`, a single such object (after a
/// `@@SECRETS@@` replacement), or nothing (absent, null, or an unresolved
/// placeholder string).
fn secrets(value: Option<&Value>, origin: &Origin) -> Result<Vec<SecretDef>, Error> {
    let items: Vec<&Value> = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) if is_placeholder(s) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(object @ Value::Object(_)) => vec![object],
        Some(other) => {
            return Err(origin.err(format_args!(
                "`secrets` must be a list, not {}",
                json_type(other)
            )));
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let item = item.as_object().ok_or_else(|| {
            origin.err(format_args!(
                "`secrets[{i}]` must be an object {{name, value}}"
            ))
        })?;
        check_fields(item, origin, &format!("secrets[{i}]"), Resource::Secret)?;
        let name = match item.get("name") {
            Some(Value::String(n)) => n.clone(),
            _ => return Err(origin.err(format_args!("`secrets[{i}].name` must be a string"))),
        };
        let value = scalar_string(item.get("value")).filter(|v| !is_hidden(v));
        out.push(SecretDef { name, value });
    }
    Ok(out)
}

/// A secret value the export does not really hold.
fn is_hidden(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || v == HIDDEN_VALUE || v.bytes().all(|b| b == b'*') || is_placeholder(v)
}

/// The whole string is one `@@KEY@@` or `##KEY##`.
fn is_placeholder(s: &str) -> bool {
    let found = markers::find(s);
    found.len() == 1 && found[0].start == 0 && found[0].end == s.len()
}

fn expect_object<'v>(value: &'v Value, origin: &Origin) -> Result<&'v Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| {
        origin.err(format_args!(
            "expected an object, found {}",
            json_type(value)
        ))
    })
}

fn list_of<'v>(
    value: Option<&'v Value>,
    field: &str,
    origin: &Origin,
) -> Result<&'v [Value], Error> {
    match value {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(origin.err(format_args!(
            "`{field}` must be a list, not {}",
            json_type(other)
        ))),
    }
}

fn required_string(
    object: &Map<String, Value>,
    field: &str,
    origin: &Origin,
) -> Result<String, Error> {
    match object.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(origin.err(format_args!("`{field}` is missing")))
        }
        Some(other) => Err(origin.err(format_args!(
            "`{field}` must be a string, not {}",
            json_type(other)
        ))),
    }
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
    origin: &Origin,
) -> Result<Option<String>, Error> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(origin.err(format_args!(
            "`{field}` must be a string, not {}",
            json_type(other)
        ))),
    }
}

/// A string, number or boolean as text; `None` for absent or null.
fn scalar_string(value: Option<&Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(keywords::js_number(n)),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// `field` holds the wrong kind of value; an unresolved placeholder is named as such.
fn wrong_type(origin: &Origin, field: &str, expected: &str, found: &Value) -> Error {
    match found {
        Value::String(s) if is_placeholder(s) => origin.err(format_args!(
            "`{field}` is the unresolved placeholder {s}: give its value in the keyword mappings"
        )),
        _ => origin.err(format_args!("`{field}` must be {expected}, not {found}")),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `rules[2] (name)` for messages about a YAML list item.
fn item_label(list: &str, i: usize, item: &Value) -> String {
    match item.get("name").and_then(Value::as_str) {
        Some(name) => format!("{list}[{i}] ({name})"),
        None => format!("{list}[{i}]"),
    }
}

#[cfg(test)]
mod tests;

/// A role of the export, as the Deploy CLI writes it: `name`,
/// `description`, `permissions` (`permission_name`,
/// `resource_server_identifier`); other fields (`id`) are ignored.
fn role(value: Value, origin: &Origin) -> Result<super::RoleSettings, Error> {
    serde_json::from_value(value).map_err(|e| {
        Error::invalid(format!(
            "{}: a role is {{\"name\", \"description\", \"permissions\": [{{\"permission_name\", \"resource_server_identifier\"}}]}}: {e}",
            origin.at()
        ))
    })
}
