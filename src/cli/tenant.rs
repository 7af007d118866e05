//! `actionbox tenant DIR`: prints the library's preflight of a tenant folder
//! (`actionbox::preflight`) — what was loaded, in which order, and what is
//! missing.

use super::render::Lines as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use actionbox::packages::PackageOptions;
use actionbox::preflight::{Preflight, preflight};
use actionbox::tenant::Provided;

use super::options::{ExecOptions, Format};
use super::render::{self, BOLD, DIM, GREEN, RED, YELLOW, heading, paint};

/// Only the options the preflight reads: a tenant folder's scripts are not
/// run here, so the options that shape a run (clock, limits, network,
/// mocks, ...) would do nothing.
#[derive(Args, Debug)]
pub struct TenantArgs {
    /// The tenant folder (or its tenant.yaml), as `a0deploy export` wrote it
    #[arg(value_name = "DIR", required_unless_present = "tenant")]
    pub dir: Option<PathBuf>,

    /// The tenant folder, as the other commands take it (same as DIR)
    #[arg(long, value_name = "DIR", hide = true)]
    pub tenant: Option<PathBuf>,

    /// Keyword replacement mappings for the tenant folder (a JSON object,
    /// or a Deploy CLI config.json with AUTH0_KEYWORD_REPLACE_MAPPINGS;
    /// default: DIR/keywords.json when present)
    #[arg(long, value_name = "FILE")]
    pub keywords: Option<PathBuf>,

    /// Secret values the export hides, as {"<action>": {"NAME": "value"}}
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,

    /// Tenant settings (default: DIR/actionbox.json when present)
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,

    /// A node_modules folder that has the Actions' dependencies installed
    /// (npm install); repeatable
    #[arg(long = "node-modules", value_name = "DIR")]
    pub node_modules: Vec<PathBuf>,

    /// Use only the package cache to check the Actions' dependencies
    #[arg(long)]
    pub offline: bool,

    /// The package cache (default: ACTIONBOX_CACHE_DIR, else the user's
    /// cache directory)
    #[arg(long = "cache-dir", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
}

pub fn execute(args: TenantArgs) -> Result<i32> {
    let tenant = match (args.dir, args.tenant) {
        (Some(dir), Some(other)) if dir != other => anyhow::bail!(
            "tenant {} --tenant {}: two tenant folders; give one (tenant DIR)",
            dir.display(),
            other.display()
        ),
        (Some(dir), _) | (None, Some(dir)) => dir,
        (None, None) => anyhow::bail!("give the tenant folder: tenant DIR"),
    };
    let packages = PackageOptions {
        cache_dir: args.cache_dir,
        offline: args.offline,
        // A project .npmrc next to the tenant, or in the current folder.
        npmrc_dirs: std::iter::once(tenant.clone())
            .chain(std::env::current_dir().ok())
            .collect(),
        ..PackageOptions::default()
    };
    let exec = ExecOptions::for_tenant(
        tenant,
        args.keywords,
        args.secrets,
        args.settings,
        args.node_modules,
    );
    let Some(folder) = exec.tenant_folder()? else {
        anyhow::bail!("give the tenant folder: tenant DIR");
    };
    let settings = exec.settings()?;
    let report = preflight(&folder, &settings, &exec.node_modules, &packages);
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        Format::Pretty => pretty(&report),
    };
    render::emit(&text)?;
    Ok(if report.problems == 0 { 0 } else { 1 })
}

fn pretty(report: &Preflight) -> String {
    let mut out = String::new();
    out.line(format_args!(
        "{} {} ({} format)",
        paint(BOLD, "Tenant"),
        report.root.display(),
        report.format
    ));

    heading(&mut out, "Rules (post-login, in order)");
    if report.rules.is_empty() {
        out.line(format_args!("  {}", paint(DIM, "none")));
    }
    let mut position = 0;
    for rule in &report.rules {
        let order = rule
            .order
            .map_or_else(|| "no order".to_string(), |o| format!("order {o}"));
        if rule.enabled {
            position += 1;
            out.line(format_args!(
                "  {position}. {}  {}",
                rule.name,
                paint(DIM, &order)
            ));
        } else {
            out.line(format_args!(
                "  -  {}  {}",
                paint(DIM, &rule.name),
                paint(YELLOW, "disabled, not run")
            ));
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
        out.line(format_args!("  {trigger}{note}"));
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
            out.line(format_args!(
                "    {}. {name}  {}",
                i + 1,
                paint(DIM, &detail)
            ));
        }
    }
    let unbound: Vec<&str> = report
        .actions
        .iter()
        .filter(|a| a.triggers.is_empty())
        .map(|a| a.name.as_str())
        .collect();
    if !unbound.is_empty() {
        out.line(format_args!(
            "  {}  {}",
            paint(DIM, "not bound:"),
            unbound.join(", ")
        ));
    }
    if !report.action_modules.is_empty() {
        out.line(format_args!(
            "\n{} {}",
            paint(BOLD, "Actions Modules:"),
            report.action_modules.join(", ")
        ));
    }
    if !report.rules_configuration.is_empty() {
        out.line(format_args!(
            "{} {} {}",
            paint(BOLD, "Rules configuration:"),
            report.rules_configuration.join(", "),
            paint(DIM, "(values not shown)")
        ));
    }

    heading(&mut out, "Dependencies");
    if report.dependencies.is_empty() {
        out.line(format_args!("  {}", paint(DIM, "none declared")));
    }
    for (name, dependency) in &report.dependencies {
        let how = match &dependency.provided {
            Provided::Registry { version, cached } => paint(
                GREEN,
                format!(
                    "{version} from the npm registry{}",
                    if *cached { " (cached)" } else { "" }
                ),
            ),
            Provided::Emulated { because } => {
                paint(YELLOW, format!("emulated by actionbox: {because}"))
            }
            Provided::Installed { folder, version } => paint(
                GREEN,
                format!("installed in {} ({version})", folder.display()),
            ),
            Provided::Missing { because } => paint(RED, format!("missing: {because}")),
        };
        out.line(format_args!("  {name}@{}  {how}", dependency.version));
    }

    heading(&mut out, "Secrets");
    let declared: usize = report.actions.iter().map(|a| a.secrets.len()).sum();
    if declared == 0 {
        out.line(format_args!("  {}", paint(DIM, "none declared")));
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
            out.line(format_args!("  {}: {name}  {shown}", action.name));
        }
    }

    if !report.unresolved_placeholders.is_empty() {
        heading(
            &mut out,
            "Unresolved placeholders (give them with --keywords FILE)",
        );
        for placeholder in &report.unresolved_placeholders {
            out.line(format_args!("  {placeholder}"));
        }
    }
    if !report.syntax_errors.is_empty() {
        heading(&mut out, "Scripts that do not compile");
        for error in &report.syntax_errors {
            out.line(format_args!("  {}", paint(RED, error)));
        }
    }
    if !report.warnings.is_empty() {
        heading(&mut out, "Warnings");
        for warning in &report.warnings {
            out.line(format_args!("  {warning}"));
        }
    }
    out.line("");
    if report.problems == 0 {
        out.line(format_args!(
            "{}",
            paint(
                GREEN,
                "✔ ready: every script compiles, every secret, placeholder and dependency is accounted for"
            )
        ));
    } else {
        out.line(format_args!(
            "{}",
            paint(
                RED,
                format!(
                    "✖ {} problem{} (listed above)",
                    report.problems,
                    if report.problems == 1 { "" } else { "s" }
                )
            )
        ));
    }
    out
}
