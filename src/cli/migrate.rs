//! `actionbox migrate`: writes the post-login Action for a Rule and proves
//! it with compare over the bundled logins and the user's events.

use super::render::Lines as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use actionbox::migrate::{
    self, EventProof, Migration, ProofEvent, RewriteOptions, Verdict, bundled_events,
};
use actionbox::{Script, ScriptKind, Trigger};

use super::compare::{event_files, table};
use super::options::{ExecOptions, ReportFormat, read_event};
use super::render::{self, BOLD, DIM, GREEN, RED, YELLOW, paint};

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The Rule to migrate (or give --tenant DIR to migrate every enabled
    /// Rule of a Deploy CLI export)
    #[arg(value_name = "RULE")]
    pub rule: Option<PathBuf>,

    /// Where to write the Action (a file; with --tenant, a folder). Written
    /// only when the Action is equivalent on every event, unless --force.
    /// Without it, the Action is printed on stdout and the report on stderr.
    #[arg(short = 'o', long = "output", value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,

    /// More events to prove the Action on (repeat, or give a folder of
    /// *.json events), besides the bundled database, social and legacy-scope
    /// logins
    #[arg(long = "event", value_name = "FILE|DIR")]
    pub events: Vec<PathBuf>,

    /// Write the Action even when it is not equivalent
    #[arg(long)]
    pub force: bool,

    /// The namespace of claims that need one, e.g. https://app.example.com/
    /// (default: the one the Rule uses)
    #[arg(long, value_name = "URL")]
    pub namespace: Option<String>,

    /// On the --event logins, the Rule's client was not OIDC-conformant
    /// (the Action's is)
    #[arg(long)]
    pub rule_legacy_client: bool,

    /// A login that redirects comes back through /continue with this query
    /// (e.g. 'result=accepted'; the redirect's state is added), so the
    /// Rule's redirect-callback run is compared with the Action's
    /// onContinuePostLogin
    #[arg(long = "continue", value_name = "QUERY")]
    pub continue_query: Option<String>,

    /// The form body of that /continue request (a POST)
    #[arg(long = "continue-body", value_name = "BODY")]
    pub continue_body: Option<String>,

    #[command(flatten)]
    pub exec: ExecOptions,

    /// Output format on standard output (html: one page with the Action,
    /// its TODOs and every event's comparison)
    #[arg(long, value_enum, default_value_t = ReportFormat::Pretty)]
    pub format: ReportFormat,
}

/// `migrate RULE.js` (`migrate --tenant DIR` is `migrate_tenant::execute`).
pub fn execute(args: MigrateArgs) -> Result<i32> {
    let Some(rule_path) = args.rule.clone() else {
        bail!(
            "give the Rule to migrate (migrate RULE.js) or a tenant folder (migrate --tenant DIR)"
        );
    };
    let rule = Script::from_file(&rule_path)?;
    if rule.kind != ScriptKind::Rule {
        bail!(
            "{}: not a Rule: migrate takes a Rule (function (user, context, callback) {{ … }})",
            rule_path.display()
        );
    }
    let options = RewriteOptions {
        namespace: args.namespace.clone(),
    };
    let migration = migrate::migrate_rule(&rule.location(), &rule.source, &options)?;
    let action_name = action_name(&rule_path);
    let action = Script::with_kind(
        format!("{action_name}.js"),
        migration.code.clone(),
        ScriptKind::Action(Trigger::PostLogin),
    );
    let settings = migrate::with_action_secrets(&args.exec.settings()?, &action_name, &migration);
    let events = proof_events(&args)?;
    // A proof that cannot run (a package that cannot be installed, say)
    // is reported with the Action, not instead of it.
    let (proofs, not_proven) = match migrate::prove(
        &args.exec.runner(),
        std::slice::from_ref(&rule),
        std::slice::from_ref(&action),
        &migration.expected,
        &events,
        &settings,
        &args.exec.limits(),
        &migrate::with_action_dependencies(&args.exec.node()?, &migration),
    ) {
        Ok(proofs) => (proofs, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let accepted = not_proven.is_none() && proofs.iter().all(|p| p.verdict.accepted());
    let written = match &args.output {
        Some(path) if accepted || args.force => {
            std::fs::write(path, &migration.code)
                .with_context(|| format!("{}: cannot write the Action", path.display()))?;
            true
        }
        _ => false,
    };
    let code = if accepted && migration.todos.is_empty() && (written || args.output.is_none()) {
        0
    } else {
        1
    };
    match args.format {
        ReportFormat::Html => {
            render::emit(&super::report::migrate(
                &rule.location(),
                &migration,
                &proofs,
                not_proven.as_deref(),
            ))?;
        }
        ReportFormat::Json => {
            let value = json!({
                "rule": rule.location(),
                "action": migration.code,
                "written": args.output.as_ref().filter(|_| written).map(|p| p.display().to_string()),
                "equivalent": accepted,
                "not_proven": not_proven,
                "secrets": migration.secrets,
                "dependencies": migration.dependencies,
                "todos": migration.todos,
                "notes": migration.notes,
                "namespace": migration.namespace,
                "events": proofs,
            });
            render::emit(&format!("{}\n", serde_json::to_string_pretty(&value)?))?;
        }
        ReportFormat::Pretty => {
            let report = report(
                &rule,
                &migration,
                &proofs,
                not_proven.as_deref(),
                args.output.as_deref(),
                written,
            );
            if args.output.is_none() {
                render::emit(&migration.code)?;
                anstream::eprint!("{report}");
            } else {
                render::emit(&report)?;
            }
        }
    }
    Ok(code)
}

/// The Action's name: the Rule's file name without `.js`.
pub fn action_name(rule: &Path) -> String {
    rule.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "migrated-rule".into())
}

/// The bundled logins, then the user's, each followed through `/continue`
/// with the request given.
pub fn proof_events(args: &MigrateArgs) -> Result<Vec<ProofEvent>> {
    let continue_request = super::compare::continue_request(
        args.continue_query.as_deref(),
        args.continue_body.as_deref(),
    );
    let rule_legacy_client = args.rule_legacy_client;
    let mut events = bundled_events();
    for event in &mut events {
        event.continue_request = continue_request.clone();
    }
    for file in event_files(&args.events)? {
        let event: Value = read_event(&file, Trigger::PostLogin)?;
        events.push(ProofEvent {
            name: file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            event,
            rule_legacy_client,
            continue_request: continue_request.clone(),
        });
    }
    Ok(events)
}

pub fn verdict_text(verdict: Verdict) -> String {
    match verdict {
        Verdict::Equivalent => paint(GREEN, "✔ equivalent"),
        Verdict::ExpectedDifferences => {
            paint(YELLOW, "≈ equivalent apart from expected differences")
        }
        Verdict::NotEquivalent => paint(RED, "✖ not equivalent"),
    }
}

fn report(
    rule: &Script,
    migration: &Migration,
    proofs: &[EventProof],
    not_proven: Option<&str>,
    output: Option<&Path>,
    written: bool,
) -> String {
    let mut out = String::new();
    out.line(format_args!(
        "{} {}",
        paint(BOLD, "Migrated Rule:"),
        rule.location()
    ));
    migration_details(&mut out, migration);
    proof_table(&mut out, proofs);
    if let Some(why) = not_proven {
        out.line(format_args!("\n{} {why}", paint(RED, "Not proven:")));
    }
    match output {
        Some(path) if written => {
            out.line(format_args!(
                "\n{} {}",
                paint(GREEN, "Action written to"),
                path.display()
            ));
        }
        Some(path) => {
            out.line(format_args!(
                "\n{} {}: the Action is not {} (--force writes it anyway)",
                paint(RED, "Not written:"),
                path.display(),
                if not_proven.is_some() {
                    "proven"
                } else {
                    "equivalent on every event"
                }
            ));
        }
        None => {}
    }
    out
}

pub fn migration_details(out: &mut String, migration: &Migration) {
    if !migration.notes.is_empty() {
        out.line(format_args!("\n{}", paint(BOLD, "What changes")));
        for note in &migration.notes {
            out.line(format_args!(
                "  Rule line {}: {}",
                note.rule_line, note.message
            ));
        }
    }
    if !migration.secrets.is_empty() {
        out.line(format_args!(
            "\n{} {}",
            paint(BOLD, "Secrets to create for the Action:"),
            migration.secrets.join(", ")
        ));
    }
    if !migration.dependencies.is_empty() {
        let list: Vec<String> = migration
            .dependencies
            .iter()
            .map(|d| match &d.version {
                Some(v) => format!("{}@{v}", d.name),
                None => format!("{} (latest)", d.name),
            })
            .collect();
        out.line(format_args!(
            "\n{} {}",
            paint(BOLD, "Dependencies of the Action:"),
            list.join(", ")
        ));
    }
    if !migration.todos.is_empty() {
        out.line(format_args!(
            "\n{}",
            paint(
                RED,
                format!(
                    "{} left to do by hand ({})",
                    migration.todos.len(),
                    migrate::TODO
                )
            )
        ));
        for todo in &migration.todos {
            out.line(format_args!(
                "  Action line {} (Rule line {}): {}",
                todo.action_line, todo.rule_line, todo.message
            ));
        }
    }
}

pub fn proof_table(out: &mut String, proofs: &[EventProof]) {
    // No proof ran (see "not proven"): no table to head.
    if proofs.is_empty() {
        return;
    }
    let width = proofs
        .iter()
        .map(|p| p.event.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.line(format_args!(
        "\n  {}  {}",
        paint(BOLD, format!("{:<width$}", "Event")),
        paint(BOLD, "Rule vs Action")
    ));
    for proof in proofs {
        out.line(format_args!(
            "  {:<width$}  {}",
            proof.event,
            verdict_text(proof.verdict)
        ));
        for accepted in &proof.accepted {
            out.line(format_args!(
                "  {:<width$}    {}",
                "",
                paint(DIM, format!("· {accepted}"))
            ));
        }
    }
    for proof in proofs
        .iter()
        .filter(|p| p.verdict == Verdict::NotEquivalent)
    {
        out.line(format_args!(
            "\n{}",
            paint(BOLD, format!("On the {}:", proof.event))
        ));
        table(out, &proof.comparison);
    }
}
