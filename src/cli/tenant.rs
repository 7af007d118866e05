//! `actionbox tenant DIR`: the preflight a team runs in CI before trusting a
//! tenant folder — what was loaded, in which order, and what is missing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use actionbox::tenant::{Provided, TenantFolder, dependency_status};
use actionbox::{Script, ScriptKind, Trigger, check_script};

use super::options::{ExecOptions, Format};
use super::render::{self, BOLD, DIM, GREEN, RED, YELLOW, heading, paint};

#[derive(Args, Debug)]
pub struct TenantArgs {
    /// The tenant folder (or its tenant.yaml), as `a0deploy export` wrote it
    #[arg(value_name = "DIR", required_unless_present = "tenant")]
    pub dir: Option<PathBuf>,

    #[command(flatten)]
    pub exec: ExecOptions,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
}

#[derive(Serialize)]
struct Report {
    root: PathBuf,
    format: String,
    rules: Vec<RuleLine>,
    triggers: BTreeMap<String, Vec<String>>,
    actions: Vec<ActionLine>,
    action_modules: Vec<String>,
    /// Names only: the values are secret.
    rules_configuration: Vec<String>,
    dependencies: BTreeMap<String, DependencyLine>,
    missing_secrets: Vec<String>,
    unresolved_placeholders: Vec<String>,
    syntax_errors: Vec<String>,
    /// Trigger bindings to Actions the export does not have.
    missing_actions: Vec<String>,
    warnings: Vec<String>,
    /// Everything that would make a run differ from the tenant's.
    problems: usize,
}

#[derive(Serialize)]
struct RuleLine {
    name: String,
    order: Option<i64>,
    enabled: bool,
}

#[derive(Serialize)]
struct ActionLine {
    name: String,
    runtime: Option<String>,
    triggers: Vec<String>,
    secrets: BTreeMap<String, String>,
    modules: Vec<String>,
}

#[derive(Serialize)]
struct DependencyLine {
    version: String,
    provided: Provided,
}

pub fn execute(mut args: TenantArgs) -> Result<i32> {
    if let Some(dir) = args.dir.take() {
        args.exec.tenant = Some(dir);
    }
    let Some(folder) = args.exec.tenant_folder()? else {
        anyhow::bail!("give the tenant folder with --tenant DIR");
    };
    let settings = args.exec.settings()?;
    let report = report(&folder, &settings, &args.exec.node_modules);
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        Format::Pretty => pretty(&report),
    };
    render::emit(&text)?;
    Ok(if report.problems == 0 { 0 } else { 1 })
}

fn report(
    folder: &TenantFolder,
    settings: &actionbox::Settings,
    node_modules: &[PathBuf],
) -> Report {
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
    let status = dependency_status(&dependencies, node_modules);
    let dependencies: BTreeMap<String, DependencyLine> = dependencies
        .into_iter()
        .map(|(name, version)| {
            let provided = status.get(&name).cloned().unwrap_or(Provided::Missing);
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
        .filter(|d| d.provided == Provided::Missing)
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
    Report {
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

fn pretty(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({} format)",
        paint(BOLD, "Tenant"),
        report.root.display(),
        report.format
    );

    heading(&mut out, "Rules (post-login, in order)");
    if report.rules.is_empty() {
        let _ = writeln!(out, "  {}", paint(DIM, "none"));
    }
    let mut position = 0;
    for rule in &report.rules {
        let order = rule
            .order
            .map_or_else(|| "no order".to_string(), |o| format!("order {o}"));
        if rule.enabled {
            position += 1;
            let _ = writeln!(out, "  {position}. {}  {}", rule.name, paint(DIM, &order));
        } else {
            let _ = writeln!(
                out,
                "  -  {}  {}",
                paint(DIM, &rule.name),
                paint(YELLOW, "disabled, not run")
            );
        }
    }

    heading(&mut out, "Actions by trigger (in order)");
    for (trigger, bound) in &report.triggers {
        let runnable = actionbox::tenant::is_runnable_trigger(trigger);
        let note = if runnable {
            String::new()
        } else {
            format!(
                "  {}",
                paint(YELLOW, "(actionbox does not run this trigger)")
            )
        };
        let _ = writeln!(out, "  {trigger}{note}");
        for (i, name) in bound.iter().enumerate() {
            let line = report.actions.iter().find(|a| &a.name == name);
            let detail = line
                .map(|a| {
                    let mut parts = Vec::new();
                    if let Some(runtime) = &a.runtime {
                        parts.push(runtime.clone());
                    }
                    if !a.modules.is_empty() {
                        parts.push(format!("modules {}", a.modules.join(", ")));
                    }
                    parts.join(", ")
                })
                .unwrap_or_else(|| "not in the export".into());
            let _ = writeln!(out, "    {}. {name}  {}", i + 1, paint(DIM, &detail));
        }
    }
    let unbound: Vec<&str> = report
        .actions
        .iter()
        .filter(|a| a.triggers.is_empty())
        .map(|a| a.name.as_str())
        .collect();
    if !unbound.is_empty() {
        let _ = writeln!(
            out,
            "  {}  {}",
            paint(DIM, "not bound:"),
            unbound.join(", ")
        );
    }
    if !report.action_modules.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, "Actions Modules:"),
            report.action_modules.join(", ")
        );
    }
    if !report.rules_configuration.is_empty() {
        let _ = writeln!(
            out,
            "{} {} {}",
            paint(BOLD, "Rules configuration:"),
            report.rules_configuration.join(", "),
            paint(DIM, "(values not shown)")
        );
    }

    heading(&mut out, "Dependencies");
    if report.dependencies.is_empty() {
        let _ = writeln!(out, "  {}", paint(DIM, "none declared"));
    }
    for (name, dependency) in &report.dependencies {
        let how = match &dependency.provided {
            Provided::Emulated => paint(GREEN, "emulated by actionbox"),
            Provided::Installed { folder, version } => paint(
                GREEN,
                format!("installed in {} ({version})", folder.display()),
            ),
            Provided::Missing => paint(
                RED,
                "missing: install it with npm into a folder and pass --node-modules DIR",
            ),
        };
        let _ = writeln!(out, "  {name}@{}  {how}", dependency.version);
    }

    heading(&mut out, "Secrets");
    let declared: usize = report.actions.iter().map(|a| a.secrets.len()).sum();
    if declared == 0 {
        let _ = writeln!(out, "  {}", paint(DIM, "none declared"));
    }
    for action in &report.actions {
        for (name, source) in &action.secrets {
            let shown = if source == "missing" {
                paint(
                    RED,
                    "missing: give it in actionbox.json \"secrets\" or with --secrets FILE",
                )
            } else {
                paint(GREEN, source)
            };
            let _ = writeln!(out, "  {}: {name}  {shown}", action.name);
        }
    }

    if !report.unresolved_placeholders.is_empty() {
        heading(
            &mut out,
            "Unresolved placeholders (give them with --keywords FILE)",
        );
        for placeholder in &report.unresolved_placeholders {
            let _ = writeln!(out, "  {placeholder}");
        }
    }
    if !report.syntax_errors.is_empty() {
        heading(&mut out, "Scripts that do not compile");
        for error in &report.syntax_errors {
            let _ = writeln!(out, "  {}", paint(RED, error));
        }
    }
    if !report.warnings.is_empty() {
        heading(&mut out, "Warnings");
        for warning in &report.warnings {
            let _ = writeln!(out, "  {warning}");
        }
    }
    let _ = writeln!(out);
    if report.problems == 0 {
        let _ = writeln!(
            out,
            "{}",
            paint(
                GREEN,
                "✔ ready: every script compiles, every secret, placeholder and dependency is accounted for"
            )
        );
    } else {
        let _ = writeln!(
            out,
            "{}",
            paint(
                RED,
                format!(
                    "✖ {} problem{} (listed above)",
                    report.problems,
                    if report.problems == 1 { "" } else { "s" }
                )
            )
        );
    }
    out
}
