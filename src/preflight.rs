//! The preflight a team runs in CI before trusting a tenant folder
//! (`actionbox tenant DIR`): what was loaded, in which order, and what is
//! missing or would make a run differ from the tenant's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::packages::PackageOptions;
use crate::packages::{DeclaredStatus, PackageSource, declared_status};
use crate::pipeline::check_script;
use crate::script::{Script, ScriptKind, Trigger};
use crate::tenant::{Provided, Settings, TenantFolder};

/// What `actionbox tenant` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Preflight {
    pub root: PathBuf,
    pub format: String,
    pub rules: Vec<RuleLine>,
    pub triggers: BTreeMap<String, Vec<String>>,
    pub actions: Vec<ActionLine>,
    pub action_modules: Vec<String>,
    /// Names only: the values are secret.
    pub rules_configuration: Vec<String>,
    pub dependencies: BTreeMap<String, DependencyLine>,
    pub missing_secrets: Vec<String>,
    pub unresolved_placeholders: Vec<String>,
    pub syntax_errors: Vec<String>,
    /// Trigger bindings to Actions the export does not have.
    pub missing_actions: Vec<String>,
    pub warnings: Vec<String>,
    /// Everything that would make a run differ from the tenant's.
    pub problems: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleLine {
    pub name: String,
    pub order: Option<i64>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionLine {
    pub name: String,
    pub runtime: Option<String>,
    pub triggers: Vec<String>,
    pub secrets: BTreeMap<String, String>,
    pub modules: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DependencyLine {
    pub version: String,
    pub provided: Provided,
}

/// `packages` is where the Actions' declared dependencies come from: they
/// are installed into its cache (as `deps fetch` does) to tell which the
/// real package, the emulation or nothing would answer.
pub fn preflight(
    folder: &TenantFolder,
    settings: &Settings,
    node_modules: &[PathBuf],
    packages: &PackageOptions,
) -> Preflight {
    let mut syntax_errors = Vec::new();
    let mut check = |script: Script| {
        if let Err(e) = check_script(&script) {
            syntax_errors.push(e.to_string());
        }
    };
    for rule in &folder.rules {
        check(rule.script());
    }
    let mut missing_secrets = Vec::new();
    let mut dependencies = BTreeMap::new();
    let mut actions = Vec::new();
    for action in folder.actions.values() {
        let triggers: Vec<String> = folder
            .triggers
            .iter()
            .filter(|(_, bound)| bound.contains(&action.name))
            .map(|(id, _)| id.clone())
            .collect();
        // Checked as an Action of the trigger it is bound to (or declares).
        let trigger = triggers
            .iter()
            .chain(action.supported_triggers.iter().map(|(id, _)| id))
            .find_map(|id| id.parse::<Trigger>().ok());
        if let Some(trigger) = trigger {
            check(action.script(trigger));
        }
        let configured = settings.secrets.get(&action.name);
        let mut secrets = BTreeMap::new();
        for secret in &action.secrets {
            let source = if configured.is_some_and(|c| c.contains_key(&secret.name)) {
                "from the settings"
            } else if secret.value.is_some() {
                "from the export"
            } else {
                missing_secrets.push(format!("{}: {}", action.name, secret.name));
                "missing"
            };
            secrets.insert(secret.name.clone(), source.to_string());
        }
        for (name, version) in &action.dependencies {
            dependencies
                .entry(name.clone())
                .or_insert_with(|| version.clone());
        }
        actions.push(ActionLine {
            name: action.name.clone(),
            runtime: action.runtime.clone(),
            triggers,
            secrets,
            modules: action
                .modules
                .iter()
                .map(|(name, _)| name.clone())
                .collect(),
        });
    }
    for module in folder.action_modules.values() {
        let mut script = Script::with_kind(
            module.name.clone(),
            module.source.clone(),
            ScriptKind::Action(Trigger::PostLogin),
        );
        script.path = Some(module.file.clone());
        // A module exports no handler; only its syntax is checked.
        check(script);
    }
    let status = dependency_status(&dependencies, node_modules, packages);
    let dependencies: BTreeMap<String, DependencyLine> = dependencies
        .into_iter()
        .map(|(name, version)| {
            let provided = status.get(&name).cloned().unwrap_or(Provided::Missing {
                because: "not resolved".into(),
            });
            (name, DependencyLine { version, provided })
        })
        .collect();
    let unresolved_placeholders: Vec<String> = folder
        .unresolved
        .iter()
        .map(|p| format!("{}:{}: {}", p.file.display(), p.line, p.key))
        .collect();
    let missing_dependencies = dependencies
        .values()
        .filter(|d| d.provided.is_missing())
        .count();
    let missing_actions: Vec<String> = folder
        .triggers
        .iter()
        .flat_map(|(trigger, bound)| bound.iter().map(move |name| (trigger, name)))
        .filter(|(_, name)| !folder.actions.contains_key(*name))
        .map(|(trigger, name)| format!("{trigger}: {name}"))
        .collect();
    let problems = missing_secrets.len()
        + unresolved_placeholders.len()
        + syntax_errors.len()
        + missing_dependencies
        + missing_actions.len();
    Preflight {
        root: folder.root.clone(),
        format: format!("{:?}", folder.format).to_lowercase(),
        rules: folder
            .rules
            .iter()
            .map(|r| RuleLine {
                name: r.name.clone(),
                order: r.order,
                enabled: r.enabled,
            })
            .collect(),
        triggers: folder.triggers.clone(),
        actions,
        action_modules: folder.action_modules.keys().cloned().collect(),
        rules_configuration: folder.rules_configs.keys().cloned().collect(),
        dependencies,
        missing_secrets,
        unresolved_placeholders,
        syntax_errors,
        missing_actions,
        warnings: folder.warnings.clone(),
        problems,
    }
}

/// How each dependency the Actions declare is provided: installed in one
/// of `node_modules` (looked in first, as a run does), else the real
/// package from the registry or the package cache (installed here, as a
/// run would), else the emulation where actionbox has one, else missing.
pub fn dependency_status(
    dependencies: &BTreeMap<String, String>,
    node_modules: &[PathBuf],
    packages: &PackageOptions,
) -> BTreeMap<String, Provided> {
    let mut status = BTreeMap::new();
    let mut remaining = BTreeMap::new();
    for (name, version) in dependencies {
        let local = node_modules.iter().find_map(|folder| {
            installed_version(folder, name).map(|version| (folder.clone(), version))
        });
        match local {
            Some((folder, version)) => {
                status.insert(name.clone(), Provided::Installed { folder, version });
            }
            None => {
                remaining.insert(name.clone(), version.clone());
            }
        }
    }
    if remaining.is_empty() {
        return status;
    }
    for (name, found) in declared_status(packages, &remaining) {
        let provided = match found {
            DeclaredStatus::Installed { version, source } => Provided::Registry {
                version,
                cached: source == PackageSource::Cache,
            },
            DeclaredStatus::Emulated { because } => Provided::Emulated { because },
            DeclaredStatus::Missing { because } => Provided::Missing { because },
        };
        status.insert(name, provided);
    }
    status
}

fn installed_version(folder: &Path, name: &str) -> Option<String> {
    let manifest = crate::input::read_json(
        &folder.join(name).join("package.json"),
        crate::input::InputKind::PackageFile,
    )
    .ok()?;
    Some(
        manifest
            .get("version")
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_string(),
    )
}
