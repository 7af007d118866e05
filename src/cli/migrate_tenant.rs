//! `actionbox migrate --tenant DIR [-o OUT_DIR]` and the tenant side of
//! `compare --tenant DIR`: every enabled Rule of a Deploy CLI export
//! migrated and proven, the export written back with the Actions bound.

use super::render::Lines as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::json;

use actionbox::migrate::tenant::{MigratedRule, action_name_for, write_export};
use actionbox::migrate::{self, EventProof, Migration, RewriteOptions, Verdict};
use actionbox::{Script, ScriptKind, Trigger};

use super::migrate::{MigrateArgs, migration_details, proof_events, proof_table, verdict_text};
use super::options::{ReportFormat, compare_sides, load_tenant};
use super::render::{self, BOLD, DIM, GREEN, RED, paint};

struct RuleReport {
    rule: String,
    action: String,
    migration: Migration,
    proofs: Vec<EventProof>,
    /// Why its proof could not run (one Rule's package that cannot be
    /// installed does not stop the others).
    not_proven: Option<String>,
}

pub fn execute(args: MigrateArgs) -> Result<i32> {
    let tenant = load_tenant(&args.exec)?;
    let dir = args
        .exec
        .tenant_dir()
        .context("--tenant DIR: the Deploy CLI export to read")?;
    let rules = tenant.folder.enabled_rules();
    if rules.is_empty() {
        bail!("{}: no enabled Rule to migrate", dir.display());
    }
    let events = proof_events(&args)?;
    let runner = args.exec.runner();
    let limits = args.exec.limits();
    let options = RewriteOptions {
        namespace: args.namespace.clone(),
    };
    let mut reports = Vec::new();
    for rule in &rules {
        let action = action_name_for(&rule.name);
        let migration =
            migrate::migrate_rule(&rule.file.display().to_string(), &rule.source, &options)?;
        let action_script = Script::with_kind(
            action.clone(),
            migration.code.clone(),
            ScriptKind::Action(Trigger::PostLogin),
        );
        let settings = migrate::with_action_secrets(&tenant.settings, &action, &migration);
        let (proofs, not_proven) = match migrate::prove(
            &runner,
            &[rule.script()],
            &[action_script],
            &migration.expected,
            &events,
            &settings,
            &limits,
            &migrate::with_action_dependencies(&tenant.node, &migration),
        ) {
            Ok(proofs) => (proofs, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        reports.push(RuleReport {
            rule: rule.name.clone(),
            action,
            migration,
            proofs,
            not_proven,
        });
    }
    let all_accepted = reports
        .iter()
        .all(|r| r.not_proven.is_none() && r.proofs.iter().all(|p| p.verdict.accepted()));
    let no_todos = reports.iter().all(|r| r.migration.todos.is_empty());

    // The export, then the whole tenant checked on what was written.
    let mut written = None;
    let mut whole = Vec::new();
    let mut whole_not_proven = None;
    if let Some(out) = &args.output
        && (all_accepted || args.force)
    {
        let migrated: Vec<MigratedRule<'_>> = rules
            .iter()
            .zip(&reports)
            .map(|(rule, report)| MigratedRule {
                rule,
                action: report.action.clone(),
                migration: report.migration.clone(),
            })
            .collect();
        write_export(&dir, out, &migrated)?;
        written = Some(out.clone());
        match check_written(&args, out, &reports, &events) {
            Ok(proofs) => whole = proofs,
            Err(e) => whole_not_proven = Some(format!("{e:#}")),
        }
    }
    let whole_accepted = whole_not_proven.is_none() && whole.iter().all(|p| p.verdict.accepted());
    let code = if all_accepted
        && no_todos
        && whole_accepted
        && (written.is_some() || args.output.is_none())
    {
        0
    } else {
        1
    };
    let text = match args.format {
        ReportFormat::Json => {
            let rules: Vec<_> = reports
                .iter()
                .map(|r| {
                    json!({
                        "rule": r.rule,
                        "action": r.action,
                        "code": r.migration.code,
                        "secrets": r.migration.secrets,
                        "dependencies": r.migration.dependencies,
                        "todos": r.migration.todos,
                        "notes": r.migration.notes,
                        "equivalent_events": r.proofs.iter().filter(|p| p.verdict.accepted()).count(),
                        "not_proven": r.not_proven,
                        "events": r.proofs,
                    })
                })
                .collect();
            let value = json!({
                "tenant": dir.display().to_string(),
                "written": written.as_ref().map(|p| p.display().to_string()),
                "equivalent": all_accepted && whole_accepted,
                "rules": rules,
                "tenant_check": whole,
                "tenant_check_not_proven": whole_not_proven,
            });
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        ReportFormat::Html => {
            let rules: Vec<super::report::RuleReport<'_>> = reports
                .iter()
                .map(|r| super::report::RuleReport {
                    rule: &r.rule,
                    action: &r.action,
                    migration: &r.migration,
                    proofs: &r.proofs,
                    not_proven: r.not_proven.as_deref(),
                })
                .collect();
            let written = written.as_ref().map(|p| p.display().to_string());
            super::report::migrate_tenant(
                &dir.display().to_string(),
                &rules,
                written.as_deref(),
                &whole,
                whole_not_proven.as_deref(),
            )
        }
        ReportFormat::Pretty => pretty(
            &dir,
            &reports,
            &events.len(),
            written.as_deref(),
            args.output.as_deref(),
            &whole,
            whole_not_proven.as_deref(),
        ),
    };
    render::emit(&text)?;
    Ok(code)
}

/// `compare --tenant` on the export just written: the login with the Rules
/// against the login with only the Actions.
fn check_written(
    args: &MigrateArgs,
    out: &Path,
    reports: &[RuleReport],
    events: &[migrate::ProofEvent],
) -> Result<Vec<EventProof>> {
    let mut exec = args.exec.clone();
    exec.tenant = Some(out.to_path_buf());
    exec.keywords = exec.keywords.clone().or_else(|| {
        args.exec
            .tenant_dir()
            .map(|d| d.join("keywords.json"))
            .filter(|p| p.is_file())
    });
    let (before, after, settings, node) = compare_sides(&exec)?;
    let expected: Vec<_> = reports
        .iter()
        .flat_map(|r| r.migration.expected.iter().cloned())
        .collect();
    Ok(migrate::prove(
        &exec.runner(),
        &before,
        &after,
        &expected,
        events,
        &settings,
        &exec.limits(),
        &node,
    )?)
}

fn pretty(
    dir: &Path,
    reports: &[RuleReport],
    event_count: &usize,
    written: Option<&Path>,
    output: Option<&Path>,
    whole: &[EventProof],
    whole_not_proven: Option<&str>,
) -> String {
    let mut out = String::new();
    out.line(format_args!(
        "{} {}",
        paint(BOLD, "Migrating the Rules of"),
        dir.display()
    ));
    let rule_width = reports
        .iter()
        .map(|r| r.rule.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let action_width = reports
        .iter()
        .map(|r| r.action.len())
        .max()
        .unwrap_or(6)
        .max(6);
    out.line(format_args!(
        "\n  {}  {}  {}  {}",
        paint(BOLD, format!("{:<rule_width$}", "Rule")),
        paint(BOLD, format!("{:<action_width$}", "Action")),
        paint(BOLD, format!("{:<11}", "Equivalent")),
        paint(BOLD, "TODOs")
    ));
    for report in reports {
        let accepted = report
            .proofs
            .iter()
            .filter(|p| p.verdict.accepted())
            .count();
        let equivalent = format!("{accepted}/{event_count} events");
        let equivalent = if report.not_proven.is_some() {
            paint(RED, format!("{:<11}", "not proven"))
        } else if accepted == *event_count {
            paint(GREEN, format!("{equivalent:<11}"))
        } else {
            paint(RED, format!("{equivalent:<11}"))
        };
        let todos = report.migration.todos.len();
        let todos = if todos == 0 {
            paint(DIM, "0")
        } else {
            paint(RED, todos.to_string())
        };
        out.line(format_args!(
            "  {:<rule_width$}  {:<action_width$}  {equivalent}  {todos}",
            report.rule, report.action
        ));
    }
    for report in reports {
        let interesting = !report.migration.notes.is_empty()
            || !report.migration.todos.is_empty()
            || !report.migration.secrets.is_empty()
            || !report.migration.dependencies.is_empty()
            || report.not_proven.is_some()
            || report
                .proofs
                .iter()
                .any(|p| p.verdict != Verdict::Equivalent);
        if !interesting {
            continue;
        }
        out.line(format_args!(
            "\n{}",
            paint(BOLD, format!("── {} → {}", report.rule, report.action))
        ));
        migration_details(&mut out, &report.migration);
        proof_table(&mut out, &report.proofs);
        if let Some(why) = &report.not_proven {
            out.line(format_args!("\n{} {why}", paint(RED, "Not proven:")));
        }
    }
    match (written, output) {
        (Some(path), _) => {
            out.line(format_args!(
                "\n{} {}: actions/<name>/code.js, actions/<name>.json and the post-login bindings in triggers/triggers.json, after the Actions already bound. The Rules are unchanged: disable them once the Actions are live.",
                paint(GREEN, "Written to"),
                path.display()
            ));
            out.line(format_args!(
                "\n{}",
                paint(
                    BOLD,
                    "The tenant with its Rules vs with only its Actions (compare --tenant):"
                )
            ));
            for proof in whole {
                out.line(format_args!(
                    "  {:<20}  {}",
                    proof.event,
                    verdict_text(proof.verdict)
                ));
            }
            if let Some(why) = whole_not_proven {
                out.line(format_args!("  {} {why}", paint(RED, "Not proven:")));
            }
        }
        (None, Some(path)) => {
            out.line(format_args!(
                "\n{} {}: not every Rule's Action is proven equivalent (--force writes anyway)",
                paint(RED, "Not written:"),
                path.display()
            ));
        }
        (None, None) => {}
    }
    out
}
