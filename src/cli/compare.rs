//! `actionbox compare`: a Rule and its Action replacement side by side.

use super::render::Lines as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use actionbox::compare::{ClaimStatus, CompareInput, Comparison, compare};
use actionbox::token::TokenKind;
use actionbox::{Script, ScriptKind};

use super::options::{ExecOptions, ReportFormat, read_event};
use super::render::{self, BOLD, DIM, GREEN, RED, YELLOW, paint};
use super::report;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Rules (and, in the short form `compare RULE ACTION`, Actions):
    /// each is recognised by its shape
    #[arg(value_name = "SCRIPT")]
    pub scripts: Vec<PathBuf>,

    /// An Action of the replacement (repeat for several, in order)
    #[arg(long = "action", value_name = "ACTION")]
    pub actions: Vec<PathBuf>,

    /// An event to compare on (repeat, or give a folder of *.json events;
    /// - for standard input)
    #[arg(long = "event", value_name = "FILE|DIR")]
    pub events: Vec<PathBuf>,

    /// The Rules ran for a client that was not OIDC-conformant and the
    /// Actions run for it made OIDC-conformant (the usual migration)
    #[arg(long)]
    pub rule_legacy_client: bool,

    /// With several events, also show the claim tables of the equivalent ones
    #[arg(long)]
    pub all_details: bool,

    #[command(flatten)]
    pub exec: ExecOptions,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Pretty)]
    pub format: ReportFormat,

    /// When a login redirects, come back through /continue with this query
    /// (e.g. 'result=accepted'; the redirect's state is added) and compare
    /// how both logins end: the Rule's redirect-callback run against the
    /// Action's onContinuePostLogin
    #[arg(long = "continue", value_name = "QUERY")]
    pub continue_query: Option<String>,

    /// The form body of that /continue request (a POST)
    #[arg(long = "continue-body", value_name = "BODY")]
    pub continue_body: Option<String>,

    /// Compare where the logins redirect, and stop there
    #[arg(long, conflicts_with_all = ["continue_query", "continue_body"])]
    pub stop_at_redirect: bool,

    /// Write the output (the HTML report, with --format html) to FILE
    /// instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The events to compare on: files as given, folders expanded to their
/// `*.json` files in name order.
pub(super) fn event_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("{}: cannot read the folder", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            found.sort();
            if found.is_empty() {
                bail!("{}: no *.json events in this folder", path.display());
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

pub fn execute(args: CompareArgs) -> Result<i32> {
    // `compare --tenant DIR` alone: the tenant's login with its Rules
    // against its login with only its Actions.
    let whole_tenant = args.scripts.is_empty() && args.actions.is_empty();
    if let Some(tenant) = args.exec.tenant.as_ref().filter(|_| !whole_tenant) {
        bail!(
            "compare --tenant {} compares the tenant's own Rules and Actions: give no script files with it",
            tenant.display()
        );
    }
    let tenant_node_given = whole_tenant && args.exec.tenant.is_some();
    let (rules, actions, tenant_settings, tenant_node) =
        if whole_tenant && args.exec.tenant.is_some() {
            let (before, after, settings, node) = super::options::compare_sides(&args.exec)?;
            (before, after, Some(settings), Some(node))
        } else {
            let mut paths = args.scripts.clone();
            paths.extend(args.actions.iter().cloned());
            let (_, scripts) = args.exec.scripts(&paths)?;
            let (rules, actions): (Vec<Script>, Vec<Script>) = scripts
                .into_iter()
                .partition(|s| s.kind == ScriptKind::Rule);
            (rules, actions, None, None)
        };
    if let Some(other) = actions
        .iter()
        .find(|s| s.kind != ScriptKind::Action(actionbox::Trigger::PostLogin))
    {
        bail!(
            "{}: compare takes post-login Actions; this one is for another trigger",
            other.location()
        );
    }
    let settings = match tenant_settings {
        Some(settings) => settings,
        None => args.exec.settings()?,
    };
    let limits = args.exec.limits();
    let node = match tenant_node {
        Some(node) => node,
        None => args.exec.node()?,
    };
    let runner = args.exec.runner();
    let files = event_files(&args.events)?;
    let events: Vec<(Option<PathBuf>, Option<Value>)> = if files.is_empty() {
        vec![(None, None)]
    } else {
        files
            .into_iter()
            .map(|f| read_event(&f, actionbox::Trigger::PostLogin).map(|v| (Some(f), Some(v))))
            .collect::<Result<_>>()?
    };
    let mut results = Vec::new();
    for (path, event) in events {
        let input = CompareInput {
            rules: rules.clone(),
            actions: actions.clone(),
            event,
            settings: settings.clone(),
            rule_legacy_client: args.rule_legacy_client,
            limits: limits.clone(),
            node: node.clone(),
            follow_redirect: (!args.stop_at_redirect).then(|| {
                continue_request(
                    args.continue_query.as_deref(),
                    args.continue_body.as_deref(),
                )
            }),
        };
        let comparison = compare(&runner, &input).with_context(|| match &path {
            Some(path) => format!("on the event {}", path.display()),
            None => "on the default event".to_string(),
        })?;
        results.push((path, comparison));
    }
    let equivalent = results.iter().all(|(_, c)| c.equivalent);
    let header = if tenant_node_given {
        Header::Tenant
    } else {
        Header::Scripts
    };
    let text = match args.format {
        ReportFormat::Json => {
            let value = if results.len() == 1 {
                serde_json::to_value(&results[0].1)?
            } else {
                let events: Vec<Value> = results
                    .iter()
                    .map(|(path, comparison)| {
                        let mut value = serde_json::to_value(comparison).unwrap_or(Value::Null);
                        value["event"] = json!(path.as_ref().map(|p| p.display().to_string()));
                        value
                    })
                    .collect();
                json!({ "equivalent": equivalent, "events": events })
            };
            format!("{}\n", serde_json::to_string_pretty(&value)?)
        }
        ReportFormat::Pretty => pretty(header, &rules, &actions, &results, args.all_details),
        ReportFormat::Html => html(
            header,
            &rules,
            &actions,
            &results,
            args.exec.tenant.as_deref(),
        ),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("{}: cannot write the report", path.display()))?,
        None => render::emit(&text)?,
    }
    Ok(if equivalent { 0 } else { 1 })
}

/// The `/continue` request from `a=1&b=2` texts.
pub(super) fn continue_request(
    query: Option<&str>,
    body: Option<&str>,
) -> actionbox::compare::ContinueRequest {
    let form = |text: Option<&str>| -> serde_json::Map<String, Value> {
        url::form_urlencoded::parse(text.unwrap_or_default().trim_start_matches('?').as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    };
    actionbox::compare::ContinueRequest {
        query: form(query),
        body: form(body),
    }
}

fn names(scripts: &[Script]) -> String {
    scripts
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn event_name(path: &Option<PathBuf>) -> String {
    path.as_deref().and_then(Path::file_name).map_or_else(
        || "the default event".to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn verdict(comparison: &Comparison) -> String {
    if comparison.equivalent {
        paint(GREEN, "✔ equivalent")
    } else {
        let count = comparison
            .claims
            .iter()
            .filter(|c| c.status != ClaimStatus::Same)
            .count()
            + comparison.differences.len();
        paint(
            RED,
            format!(
                "✖ not equivalent ({count} difference{})",
                if count == 1 { "" } else { "s" }
            ),
        )
    }
}

/// What the two sides are: scripts given, or a tenant before and after
/// its Rules are turned off.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Header {
    Scripts,
    Tenant,
}

impl Header {
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Header::Scripts => ("Rule:", "Action:"),
            Header::Tenant => ("The tenant with its Rules:", "with only its Actions:"),
        }
    }

    fn columns(self) -> (&'static str, &'static str) {
        let sides = match self {
            Header::Scripts => report::Sides::SCRIPTS,
            Header::Tenant => report::Sides::TENANT,
        };
        (sides.rule, sides.action)
    }
}

fn html(
    header: Header,
    rules: &[Script],
    actions: &[Script],
    results: &[(Option<PathBuf>, Comparison)],
    tenant: Option<&Path>,
) -> String {
    let event_names: Vec<String> = results.iter().map(|(p, _)| event_name(p)).collect();
    let events: Vec<report::EventReport<'_>> = results
        .iter()
        .zip(&event_names)
        .map(|((_, comparison), name)| report::EventReport::compared(name, comparison))
        .collect();
    let (before, after) = header.labels();
    let subtitle = format!(
        "{before} {}  vs  {after} {}",
        names_or_none(rules),
        names_or_none(actions)
    );
    match (header, tenant) {
        (Header::Tenant, Some(tenant)) => report::compare(
            &format!("compare --tenant {}", tenant.display()),
            &subtitle,
            report::Sides::TENANT,
            &events,
        ),
        _ => report::compare(
            &format!("compare {} vs {}", names(rules), names(actions)),
            &subtitle,
            report::Sides::SCRIPTS,
            &events,
        ),
    }
}

fn names_or_none(scripts: &[Script]) -> String {
    if scripts.is_empty() {
        "none".into()
    } else {
        names(scripts)
    }
}

fn pretty(
    header: Header,
    rules: &[Script],
    actions: &[Script],
    results: &[(Option<PathBuf>, Comparison)],
    all_details: bool,
) -> String {
    let mut out = String::new();
    let (before, after) = header.labels();
    out.line(format_args!(
        "{} {}  vs  {} {}",
        paint(BOLD, before),
        names_or_none(rules),
        paint(BOLD, after),
        names_or_none(actions)
    ));
    if results.len() > 1 {
        let width = results
            .iter()
            .map(|(p, _)| event_name(p).len())
            .max()
            .unwrap_or(5)
            .max(5);
        out.line(format_args!(
            "\n  {}  {}",
            paint(BOLD, format!("{:<width$}", "Event")),
            paint(BOLD, "Equivalent")
        ));
        for (path, comparison) in results {
            out.line(format_args!(
                "  {:<width$}  {}",
                event_name(path),
                verdict(comparison)
            ));
        }
    }
    let many = results.len() > 1;
    let mut hidden = 0;
    for (path, comparison) in results {
        if many && comparison.equivalent && !all_details {
            hidden += 1;
            continue;
        }
        out.line(format_args!(
            "\n{} {}",
            paint(BOLD, format!("On {}:", event_name(path))),
            verdict(comparison)
        ));
        table_with(&mut out, comparison, header.columns());
    }
    if hidden > 0 {
        out.line(format_args!(
            "\n{}",
            paint(
                DIM,
                format!(
                    "{hidden} equivalent event{} not shown in detail (--all-details shows them)",
                    if hidden == 1 { "" } else { "s" }
                )
            )
        ));
    }
    out
}

const CLAIM_WIDTH: usize = 38;
/// The width of a value column when the output's width is unknown.
const VALUE_WIDTH: usize = 34;

/// The width of each value column: half of what the terminal leaves after
/// the claim names, never less than the default.
fn value_width() -> usize {
    render::output_width()
        .map(|width| (width.saturating_sub(CLAIM_WIDTH + 8) / 2).max(VALUE_WIDTH))
        .unwrap_or(VALUE_WIDTH)
}

/// The two cells of a row, cut so that different values look different.
fn cells(rule: &Option<Value>, action: &Option<Value>, width: usize) -> (String, String) {
    match (rule, action) {
        (Some(r), Some(a)) => render::shorten_pair(&render::compact(r), &render::compact(a), width),
        _ => (cell(rule, width), cell(action, width)),
    }
}

fn cell(value: &Option<Value>, width: usize) -> String {
    match value {
        None => "—".to_string(),
        Some(v) => render::shorten(&render::compact(v), width),
    }
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len >= width {
        return format!("{text} ");
    }
    format!("{text}{}", " ".repeat(width - len))
}

pub(super) fn table(out: &mut String, comparison: &Comparison) {
    table_with(out, comparison, ("Rule", "Action"));
}

/// The claim table, with the sides' column titles.
pub(super) fn table_with(out: &mut String, comparison: &Comparison, sides: (&str, &str)) {
    let value_width = value_width();
    for token in TokenKind::ALL {
        let rows: Vec<_> = comparison
            .claims
            .iter()
            .filter(|c| c.token == token)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let title = match token {
            TokenKind::Id => "ID token",
            TokenKind::Access => "Access token",
        };
        out.line(format_args!(
            "\n  {}{}{}",
            paint(BOLD, pad(title, CLAIM_WIDTH + 2)),
            paint(BOLD, pad(sides.0, value_width + 2)),
            paint(BOLD, sides.1)
        ));
        for row in rows {
            // A marker keeps the table readable without colour.
            let (mark, style) = match row.status {
                ClaimStatus::Same => ("=", DIM),
                ClaimStatus::Differs => ("≠", YELLOW),
                ClaimStatus::OnlyRule => ("−", RED),
                ClaimStatus::OnlyAction => ("+", GREEN),
            };
            let name = render::shorten(&row.claim, CLAIM_WIDTH);
            let (rule, action) = cells(&row.rule, &row.action, value_width);
            let line = format!(
                "{mark} {}{}{action}",
                pad(&name, CLAIM_WIDTH),
                pad(&rule, value_width + 2),
            );
            out.line(format_args!("  {}", paint(style, line)));
        }
    }
    if !comparison.differences.is_empty() {
        out.line(format_args!("\n  {}", paint(BOLD, "Other differences")));
        for difference in &comparison.differences {
            let (rule, action) = cells(
                &Some(difference.rule.clone()),
                &Some(difference.action.clone()),
                value_width,
            );
            let line = format!(
                "≠ {}{}{action}",
                pad(&difference.aspect, CLAIM_WIDTH),
                pad(&rule, value_width + 2),
            );
            out.line(format_args!("  {}", paint(YELLOW, line)));
        }
    }
    if !comparison.explanations.is_empty() {
        out.line(format_args!("\n  {}", paint(BOLD, "Why")));
        for explanation in &comparison.explanations {
            out.line(format_args!(
                "  {} {}",
                paint(BOLD, format!("{}:", explanation.subject)),
                explanation.cause
            ));
            out.line(format_args!(
                "      {} {}",
                paint(GREEN, "fix:"),
                explanation.fix
            ));
        }
    }
}
