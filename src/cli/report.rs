//! `--format html`: the report of `compare` and `migrate` as one
//! self-contained page — no script, no font, no request: its own
//! Content-Security-Policy forbids them all but its one stylesheet. Every
//! value a script or an event controls goes through maud's escaping, so a
//! claim named `<script>` is shown, never run. Each mark carries a word or
//! a sign as well as a colour, so the page reads in black and white and on
//! paper.

use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;
use sha2::Digest as _;

use actionbox::compare::{ClaimStatus, Comparison};
use actionbox::migrate::{EventProof, Migration, Verdict};
use actionbox::token::IssuedToken;
use actionbox::token::policy::TokenKind;
use actionbox::{Outcome, Status};

const STYLE: &str = r#"
:root { color-scheme: light; --ok: #0a6b2d; --bad: #a4161a; --warn: #8a5a00; --line: #d0d4da; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #fff; margin: 0; padding: 24px 32px 48px; max-width: 1280px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
.sub { color: #4a525c; margin: 0 0 16px; }
code, pre, .mono { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; }
td.value { width: 38%; word-break: break-word; }
td.mark { width: 2.2em; text-align: center; font-weight: 700; }
.verdict { display: inline-block; font-weight: 700; padding: 2px 10px; border-radius: 4px; border: 2px solid currentColor; white-space: nowrap; }
.verdict.equivalent { color: var(--ok); }
.verdict.expected { color: var(--warn); }
.verdict.not-equivalent { color: var(--bad); }
.banner { margin: 12px 0 20px; font-size: 18px; }
tr.same td { color: #5b636d; }
tr.differs td { background: #fff4d6; }
tr.only-rule td { background: #fde4e4; }
tr.only-action td { background: #e2f5e8; }
tr.differs td.mark { color: var(--warn); }
tr.only-rule td.mark { color: var(--bad); }
tr.only-action td.mark { color: var(--ok); }
.legend { color: #4a525c; font-size: 13px; }
.decisions { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.side { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.side h4 { margin: 0 0 4px; font-size: 14px; }
.why { border-left: 4px solid var(--warn); background: var(--soft); padding: 8px 12px; margin: 8px 0; }
.why .subject { font-weight: 700; }
.why .fix { margin-top: 4px; }
.why .fix strong { color: var(--ok); }
ul.accepted { color: #4a525c; }
pre.code { border: 1px solid var(--line); border-radius: 6px; background: var(--soft); padding: 8px 0; overflow-x: auto; line-height: 1.4; }
pre.code .line { display: block; padding: 0 12px 0 0; white-space: pre; }
pre.code .no { display: inline-block; width: 4em; padding-right: 1em; text-align: right; color: #7a828c; user-select: none; }
pre.code .line.todo { background: #fde4e4; font-weight: 600; }
pre.code .line.todo .no::before { content: "TODO "; color: var(--bad); }
.todo-list li, .notes li { margin: 2px 0; }
details { margin: 8px 0; }
details summary { cursor: pointer; color: #2b4f7a; }
.tokens { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.tokens pre { border: 1px solid var(--line); border-radius: 6px; background: var(--soft); padding: 8px 12px; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
.event { break-inside: auto; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  h2 { break-before: auto; break-after: avoid; }
  tr, .why, .side { break-inside: avoid; }
  details { display: none; }
  pre.code { overflow: visible; }
  pre.code .line { white-space: pre-wrap; }
}
"#;

/// The names of the two sides in headings and table columns.
#[derive(Debug, Clone, Copy)]
pub struct Sides {
    pub rule: &'static str,
    pub action: &'static str,
}

impl Sides {
    pub const SCRIPTS: Sides = Sides {
        rule: "Rule",
        action: "Action",
    };
    pub const TENANT: Sides = Sides {
        rule: "With the Rules",
        action: "Actions only",
    };
}

/// One compared event, with migrate's verdict when there is one.
pub struct EventReport<'a> {
    pub event: &'a str,
    pub verdict: Verdict,
    /// Differences migrate accepted, each with why.
    pub accepted: &'a [String],
    pub comparison: &'a Comparison,
}

impl<'a> EventReport<'a> {
    pub fn compared(event: &'a str, comparison: &'a Comparison) -> Self {
        EventReport {
            event,
            verdict: if comparison.equivalent {
                Verdict::Equivalent
            } else {
                Verdict::NotEquivalent
            },
            accepted: &[],
            comparison,
        }
    }

    pub fn proven(proof: &'a EventProof) -> Self {
        EventReport {
            event: &proof.event,
            verdict: proof.verdict,
            accepted: &proof.accepted,
            comparison: &proof.comparison,
        }
    }
}

/// One migrated Rule: its Action and the proof.
pub struct RuleReport<'a> {
    pub rule: &'a str,
    pub action: &'a str,
    pub migration: &'a Migration,
    pub proofs: &'a [EventProof],
    /// Why the Action could not be proven (its logins could not run).
    pub not_proven: Option<&'a str>,
}

/// The whole page around `body`.
fn page(title: &str, body: Markup) -> String {
    let hash = sha2::Sha256::digest(STYLE.as_bytes());
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(policy);
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(concat!("actionbox ", env!("CARGO_PKG_VERSION")));
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

fn not_proven_badge() -> Markup {
    html! { span class="verdict not-equivalent" { "✖ not proven" } }
}

fn verdict_badge(verdict: Verdict) -> Markup {
    let (class, text) = match verdict {
        Verdict::Equivalent => ("verdict equivalent", "✔ equivalent"),
        Verdict::ExpectedDifferences => (
            "verdict expected",
            "≈ equivalent apart from expected differences",
        ),
        Verdict::NotEquivalent => ("verdict not-equivalent", "✖ not equivalent"),
    };
    html! { span class=(class) { (text) } }
}

/// The overall verdict over several: the worst one.
fn overall(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
    let mut worst = Verdict::Equivalent;
    for verdict in verdicts {
        worst = match (worst, verdict) {
            (_, Verdict::NotEquivalent) | (Verdict::NotEquivalent, _) => Verdict::NotEquivalent,
            (_, Verdict::ExpectedDifferences) | (Verdict::ExpectedDifferences, _) => {
                Verdict::ExpectedDifferences
            }
            _ => Verdict::Equivalent,
        };
    }
    worst
}

fn anchor(prefix: &str, index: usize) -> String {
    format!("{prefix}event-{index}")
}

/// What differs on one event, in a few words: the claims, then the other
/// aspects.
fn differing(comparison: &Comparison) -> Vec<String> {
    let mut out: Vec<String> = comparison
        .claims
        .iter()
        .filter(|c| c.status != ClaimStatus::Same)
        .map(|c| format!("{}:{}", c.token.name(), c.claim))
        .collect();
    out.extend(comparison.differences.iter().map(|d| d.aspect.clone()));
    out
}

/// The summary table: events × verdict, and what differs on each.
fn summary(events: &[EventReport<'_>], prefix: &str) -> Markup {
    html! {
        table.summary {
            thead { tr { th { "Event" } th { "Verdict" } th { "What differs" } } }
            tbody {
                @for (i, event) in events.iter().enumerate() {
                    @let differs = differing(event.comparison);
                    tr {
                        td { a href=(format!("#{}", anchor(prefix, i))) { (event.event) } }
                        td { (verdict_badge(event.verdict)) }
                        td {
                            @if differs.is_empty() {
                                "nothing"
                            } @else {
                                @for (n, what) in differs.iter().enumerate() {
                                    @if n > 0 { ", " }
                                    code { (what) }
                                }
                                @if event.verdict == Verdict::ExpectedDifferences {
                                    " (all expected)"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn json_text(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn decision(outcome: &Outcome) -> Markup {
    html! {
        @match outcome.status {
            Status::Allowed => { strong { "✔ allowed" } }
            Status::Redirected => {
                strong { "↪ redirected" }
                @if let Some(redirect) = &outcome.redirect {
                    " to " code { (redirect.url) } " by " (redirect.script)
                }
            }
            Status::Denied => {
                strong { "✖ denied" }
                @if let Some(denial) = &outcome.denial {
                    " " code { (denial.code) } ": " (denial.reason) " (" (denial.via) " in " (denial.script) ")"
                }
            }
            Status::Failed => {
                strong { "✖ failed" }
                @if let Some(error) = &outcome.error {
                    " " (error.to_string())
                }
            }
        }
    }
}

fn claim_cell(value: &Option<Value>) -> Markup {
    html! {
        @match value {
            None => span.legend { "— not in the token" },
            Some(value) => code { (serde_json::to_string(value).unwrap_or_default()) },
        }
    }
}

fn token_table(comparison: &Comparison, token: TokenKind, sides: Sides) -> Markup {
    let rows: Vec<_> = comparison
        .claims
        .iter()
        .filter(|c| c.token == token)
        .collect();
    let title = match token {
        TokenKind::Id => "ID token",
        TokenKind::Access => "Access token",
    };
    html! {
        @if !rows.is_empty() {
            h3 { (title) }
            table.claims {
                thead { tr { th.mark title="= same, ≠ differs, − only in the first, + only in the second" {} th { "Claim" } th { (sides.rule) } th { (sides.action) } } }
                tbody {
                    @for row in rows {
                        @let (class, mark, label) = match row.status {
                            ClaimStatus::Same => ("same", "=", "same"),
                            ClaimStatus::Differs => ("differs", "≠", "differs"),
                            ClaimStatus::OnlyRule => ("only-rule", "−", "only in the first"),
                            ClaimStatus::OnlyAction => ("only-action", "+", "only in the second"),
                        };
                        tr class=(class) data-claim=(row.claim) {
                            td.mark title=(label) { (mark) }
                            td { code { (row.claim) } }
                            td.value { (claim_cell(&row.rule)) }
                            td.value { (claim_cell(&row.action)) }
                        }
                    }
                }
            }
        }
    }
}

fn decoded(token: &Option<IssuedToken>) -> Markup {
    html! {
        @match token {
            None => p.legend { "no token" },
            Some(token) => {
                @if let Some(opaque) = &token.opaque {
                    p.legend { "opaque (no API audience was requested)" }
                    pre { (opaque) }
                } @else {
                    pre { (json_text(&token.header)) "\n.\n" (json_text(&token.payload)) }
                    @if let Some(jwt) = &token.jwt {
                        pre.mono { (jwt) }
                    }
                }
            }
        }
    }
}

fn event_section(index: usize, prefix: &str, event: &EventReport<'_>, sides: Sides) -> Markup {
    let comparison = event.comparison;
    html! {
        section.event id=(anchor(prefix, index)) {
            h3 { "On " (event.event) ": " (verdict_badge(event.verdict)) }
            div.decisions {
                div.side { h4 { (sides.rule) } (decision(&comparison.rule)) }
                div.side { h4 { (sides.action) } (decision(&comparison.action)) }
            }
            @for token in TokenKind::ALL {
                (token_table(comparison, token, sides))
            }
            @if !comparison.claims.is_empty() {
                p.legend { "= same · ≠ differs · − only in the " (sides.rule) "'s token · + only in the " (sides.action) "'s token. iat, exp, nbf, jti and at_hash differ between any two logins and are not compared." }
            }
            @if !comparison.differences.is_empty() {
                h3 { "Other differences" }
                table.differences {
                    thead { tr { th { "Aspect" } th { (sides.rule) } th { (sides.action) } } }
                    tbody {
                        @for difference in &comparison.differences {
                            tr.differs data-aspect=(difference.aspect) {
                                td { "≠ " code { (difference.aspect) } }
                                td.value { code { (serde_json::to_string(&difference.rule).unwrap_or_default()) } }
                                td.value { code { (serde_json::to_string(&difference.action).unwrap_or_default()) } }
                            }
                        }
                    }
                }
            }
            @if !comparison.explanations.is_empty() {
                h3 { "Why, and the fix" }
                @for explanation in &comparison.explanations {
                    div.why {
                        div.subject { code { (explanation.subject) } }
                        div.cause { (explanation.cause) }
                        div.fix { strong { "Suggested fix: " } (explanation.fix) }
                    }
                }
            }
            @if !event.accepted.is_empty() {
                h3 { "Differences accepted" }
                ul.accepted { @for accepted in event.accepted { li { (accepted) } } }
            }
            details {
                summary { "Both logins' tokens, decoded" }
                @for (title, rule, action) in [("ID token", &comparison.rule.id_token, &comparison.action.id_token), ("Access token", &comparison.rule.access_token, &comparison.action.access_token)] {
                    h4 { (title) }
                    div.tokens {
                        div { h4 { (sides.rule) } (decoded(rule)) }
                        div { h4 { (sides.action) } (decoded(action)) }
                    }
                }
            }
        }
    }
}

/// The Action's code, numbered, with its TODO lines marked.
fn code_block(code: &str, migration: &Migration) -> Markup {
    let todo_lines: Vec<usize> = migration.todos.iter().map(|t| t.action_line).collect();
    html! {
        pre.code {
            @for (i, line) in code.lines().enumerate() {
                @let number = i + 1;
                span.line.todo[todo_lines.contains(&number)] {
                    span.no { (number) } (line)
                }
            }
        }
    }
}

fn migration_section(migration: &Migration) -> Markup {
    html! {
        @if !migration.todos.is_empty() {
            h3 { (migration.todos.len()) " left to do by hand" }
            ul.todo-list {
                @for todo in &migration.todos {
                    li { "Action line " (todo.action_line) " (Rule line " (todo.rule_line) "): " (todo.message) }
                }
            }
        }
        @if !migration.notes.is_empty() {
            h3 { "What changes" }
            ul.notes {
                @for note in &migration.notes {
                    li { "Rule line " (note.rule_line) ": " (note.message) }
                }
            }
        }
        @if !migration.secrets.is_empty() {
            p { strong { "Secrets to create for the Action: " }
                @for (i, secret) in migration.secrets.iter().enumerate() {
                    @if i > 0 { ", " } code { (secret) }
                }
            }
        }
        @if !migration.dependencies.is_empty() {
            p { strong { "Dependencies of the Action: " }
                @for (i, dependency) in migration.dependencies.iter().enumerate() {
                    @if i > 0 { ", " }
                    code { (dependency.name) @if let Some(version) = &dependency.version { "@" (version) } }
                }
            }
        }
        h3 { "The Action" }
        (code_block(&migration.code, migration))
    }
}

/// `compare --format html`.
pub fn compare(title: &str, subtitle: &str, sides: Sides, events: &[EventReport<'_>]) -> String {
    let verdict = overall(events.iter().map(|e| e.verdict));
    page(
        title,
        html! {
            h1 { (title) }
            p.sub { (subtitle) }
            p.banner { (verdict_badge(verdict)) " on " (events.len()) " event" @if events.len() != 1 { "s" } }
            (summary(events, ""))
            @for (i, event) in events.iter().enumerate() {
                (event_section(i, "", event, sides))
            }
        },
    )
}

/// `migrate RULE --format html`.
pub fn migrate(
    rule: &str,
    migration: &Migration,
    proofs: &[EventProof],
    not_proven: Option<&str>,
) -> String {
    let events: Vec<EventReport<'_>> = proofs.iter().map(EventReport::proven).collect();
    let verdict = overall(events.iter().map(|e| e.verdict));
    let title = format!("Migration of {rule}");
    page(
        &title,
        html! {
            h1 { (title) }
            p.sub { "The Rule and the post-login Action written for it, run as two logins on each event and compared by actionbox." }
            p.banner {
                @if let Some(why) = not_proven {
                    (not_proven_badge()) ": " (why)
                } @else {
                    (verdict_badge(verdict)) " on " (events.len()) " events"
                }
                @if !migration.todos.is_empty() { " · " strong { (migration.todos.len()) " TODO" @if migration.todos.len() != 1 { "s" } } }
            }
            (summary(&events, ""))
            (migration_section(migration))
            h2 { "Rule vs Action, event by event" }
            @for (i, event) in events.iter().enumerate() {
                (event_section(i, "", event, Sides::SCRIPTS))
            }
        },
    )
}

/// `migrate --tenant DIR --format html`.
pub fn migrate_tenant(
    tenant: &str,
    rules: &[RuleReport<'_>],
    written: Option<&str>,
    whole: &[EventProof],
    whole_not_proven: Option<&str>,
) -> String {
    let all = rules
        .iter()
        .flat_map(|r| r.proofs.iter().map(|p| p.verdict))
        .chain(whole.iter().map(|p| p.verdict));
    let verdict = overall(all);
    let proven = whole_not_proven.is_none() && rules.iter().all(|r| r.not_proven.is_none());
    let title = format!("Migration of the Rules of {tenant}");
    let whole_events: Vec<EventReport<'_>> = whole.iter().map(EventReport::proven).collect();
    page(
        &title,
        html! {
            h1 { (title) }
            p.sub { "Every enabled Rule, the post-login Action written for it, and the proof: the Rule and its Action run as two logins on each event." }
            p.banner { @if proven { (verdict_badge(verdict)) } @else { (not_proven_badge()) } }
            table.rules {
                thead { tr { th { "Rule" } th { "Action" } th { "Equivalent on" } th { "TODOs" } } }
                tbody {
                    @for (r, report) in rules.iter().enumerate() {
                        @let accepted = report.proofs.iter().filter(|p| p.verdict.accepted()).count();
                        tr {
                            td { a href=(format!("#rule-{r}")) { (report.rule) } }
                            td { code { (report.action) } }
                            @if report.not_proven.is_some() {
                                td { (not_proven_badge()) }
                            } @else {
                                td { (verdict_badge(overall(report.proofs.iter().map(|p| p.verdict)))) " " (accepted) "/" (report.proofs.len()) " events" }
                            }
                            td { (report.migration.todos.len()) }
                        }
                    }
                }
            }
            @if let Some(written) = written {
                p { "Written to " code { (written) } ": " code { "actions/<name>/code.js" } ", " code { "actions/<name>.json" } " and the post-login bindings in " code { "triggers/triggers.json" } ". The Rules are unchanged: disable them once the Actions are live." }
            }
            @if let Some(why) = whole_not_proven {
                h2 { "The tenant with its Rules vs with only its Actions" }
                p.banner { (not_proven_badge()) ": " (why) }
            }
            @if !whole_events.is_empty() {
                h2 { "The tenant with its Rules vs with only its Actions" }
                (summary(&whole_events, "tenant-"))
                @for (i, event) in whole_events.iter().enumerate() {
                    (event_section(i, "tenant-", event, Sides::TENANT))
                }
            }
            @for (r, report) in rules.iter().enumerate() {
                @let events: Vec<EventReport<'_>> = report.proofs.iter().map(EventReport::proven).collect();
                @let prefix = format!("rule-{r}-");
                h2 id=(format!("rule-{r}")) { (report.rule) " → " code { (report.action) } }
                @if let Some(why) = report.not_proven {
                    p.banner { (not_proven_badge()) ": " (why) }
                }
                (summary(&events, &prefix))
                (migration_section(report.migration))
                @for (i, event) in events.iter().enumerate() {
                    (event_section(i, &prefix, event, Sides::SCRIPTS))
                }
            }
        },
    )
}
