//! A loaded tenant folder turned into what a flow runs: the Rules (for
//! post-login) and the Actions bound to a trigger, in order, with their
//! secrets, the Rules' configuration, the Actions Modules, the declared
//! dependencies and runtime — and a preflight report of what is missing.

use std::path::PathBuf;

use serde::Serialize;

use super::folder::{ActionDef, RuleDef, TenantFolder};
use super::settings::Settings;
use crate::error::Error;
use crate::runtime::{NodeConfig, NodeRuntime};
use crate::script::{Script, ScriptKind, Trigger};

/// What running one trigger of a tenant folder takes.
#[derive(Debug, Clone)]
pub struct TenantFlow {
    pub trigger: Trigger,
    /// Rules (post-login only) then the bound Actions, in execution order.
    pub scripts: Vec<Script>,
    /// The settings with the folder's configuration and secrets merged in.
    pub settings: Settings,
    /// Actions Modules, declared dependencies and runtime.
    pub node: NodeConfig,
    /// Secrets an Action declares that have no value anywhere.
    pub missing_secrets: Vec<MissingSecret>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingSecret {
    pub action: String,
    pub secret: String,
}

/// How a declared dependency is provided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Provided {
    /// The real package from the npm registry: downloaded now (`cached`
    /// false) or already in the package cache.
    Registry { version: String, cached: bool },
    /// actionbox's emulation answers, and why the real package does not.
    Emulated { because: String },
    /// Installed in a node_modules folder (with the version found there).
    Installed { folder: PathBuf, version: String },
    /// Nothing answers: the Action's `require` fails, for this reason.
    Missing { because: String },
}

impl Provided {
    pub fn is_missing(&self) -> bool {
        matches!(self, Provided::Missing { .. })
    }
}

pub use crate::runtime::EMULATED_PACKAGES;

impl TenantFlow {
    /// The flow of `trigger`: for post-login the enabled Rules first, then
    /// the Actions `triggers.json` binds, in order. `settings` supply what
    /// the export cannot hold (secret values, keys, clients); the folder's
    /// Rules configuration is the base their `configuration` overrides.
    pub fn build(
        folder: &TenantFolder,
        trigger: Trigger,
        mut settings: Settings,
    ) -> Result<TenantFlow, Error> {
        let mut scripts = Vec::new();
        let mut warnings = folder.warnings.clone();
        merge_roles(&mut settings, &folder.roles);
        if trigger == Trigger::PostLogin {
            for rule in folder.enabled_rules() {
                scripts.push(rule.script());
            }
        }
        let actions = folder.bound_actions(trigger.id())?;
        let mut node = NodeConfig::default();
        let mut runtimes: Vec<(String, String)> = Vec::new();
        let mut missing_secrets = Vec::new();
        for action in &actions {
            scripts.push(action.script(trigger));
            for (name, version) in &action.dependencies {
                match node.dependencies.get(name) {
                    Some(existing) if existing != version => warnings.push(format!(
                        "{name} is declared as {existing} and {version} by different Actions; the flow uses {existing}"
                    )),
                    Some(_) => {}
                    None => {
                        node.dependencies.insert(name.clone(), version.clone());
                    }
                }
            }
            if let Some(runtime) = &action.runtime {
                runtimes.push((action.name.clone(), runtime.clone()));
            }
            missing_secrets.extend(merge_secrets(action, &mut settings));
        }
        if let Some((first_action, runtime)) = runtimes.first() {
            match NodeRuntime::parse(runtime) {
                Ok(parsed) => node.runtime = parsed,
                Err(e) => warnings.push(format!("{first_action}: {e}; using node22")),
            }
            if let Some((other, different)) = runtimes.iter().find(|(_, r)| r != runtime) {
                warnings.push(format!(
                    "{first_action} declares {runtime} and {other} {different}; the flow reports {runtime}"
                ));
            }
        }
        for module in folder.action_modules.values() {
            node.action_modules
                .insert(module.name.clone(), module.source.clone());
        }
        // The export's configuration, overridden by the settings' values.
        let mut configuration = folder.rules_configs.clone();
        configuration.extend(std::mem::take(&mut settings.configuration));
        settings.configuration = configuration;
        Ok(TenantFlow {
            trigger,
            scripts,
            settings,
            node,
            missing_secrets,
            warnings,
        })
    }
}

impl RuleDef {
    /// The Rule as a script of a flow, named and located as in the export.
    pub fn script(&self) -> Script {
        let mut script =
            Script::with_kind(self.name.clone(), self.source.clone(), ScriptKind::Rule);
        script.path = Some(self.file.clone());
        script
    }
}

impl ActionDef {
    /// The Action as a script of a `trigger` flow, named and located as in
    /// the export.
    pub fn script(&self, trigger: Trigger) -> Script {
        let mut script = Script::with_kind(
            self.name.clone(),
            self.source.clone(),
            ScriptKind::Action(trigger),
        );
        script.path = Some(self.file.clone());
        script
    }
}

/// The Action's secrets: the export's values, then the settings' (which
/// win); the ones with no value anywhere are returned.
fn merge_secrets(action: &ActionDef, settings: &mut Settings) -> Vec<MissingSecret> {
    let configured = settings.secrets.entry(action.name.clone()).or_default();
    let mut missing = Vec::new();
    for secret in &action.secrets {
        if configured.contains_key(&secret.name) {
            continue;
        }
        match &secret.value {
            Some(value) => {
                configured.insert(secret.name.clone(), value.clone());
            }
            None => missing.push(MissingSecret {
                action: action.name.clone(),
                secret: secret.name.clone(),
            }),
        }
    }
    missing
}

/// Adds the export's roles to the settings'; a role the settings define
/// (by name) wins.
pub fn merge_roles(settings: &mut Settings, roles: &[super::RoleSettings]) {
    for role in roles {
        if settings.role(&role.name).is_none() {
            settings.roles.push(role.clone());
        }
    }
}
