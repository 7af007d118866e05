//! Proving a migration: the Rule and its new Action run as two logins over
//! each event and `compare` judges them. A difference is accepted only when
//! the migration announced it (a claim moved to a namespace, `unauthorized`
//! becoming `access_denied`) or when it is the client's, not the script's:
//! the same difference between a Rule and an Action that do nothing.

use serde::Serialize;
use serde_json::Value;

use super::{ExpectedDifference, Migration};
use crate::compare::{ClaimStatus, CompareInput, Comparison, ContinueRequest, compare};
use crate::error::Error;
use crate::runner::Runner;
use crate::script::{Script, ScriptKind, Trigger};
use crate::tenant::Settings;

/// One login to prove the migration on.
#[derive(Debug, Clone)]
pub struct ProofEvent {
    pub name: String,
    pub event: Value,
    /// The Rule's client was not OIDC-conformant (the Action's is).
    pub rule_legacy_client: bool,
    /// A login that redirects comes back through `/continue` with this
    /// request, so the Rule's redirect-callback run is compared with the
    /// Action's onContinuePostLogin.
    pub continue_request: ContinueRequest,
}

/// The logins `migrate` always proves on: a database login, a social login
/// and a social login through a client that is not OIDC-conformant and
/// asks for a legacy scope word.
pub fn bundled_events() -> Vec<ProofEvent> {
    let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
    vec![
        ProofEvent {
            name: "database login".into(),
            event: parse(include_str!("events/database.json")),
            rule_legacy_client: false,
            continue_request: ContinueRequest::default(),
        },
        ProofEvent {
            name: "social login".into(),
            event: parse(include_str!("events/social.json")),
            rule_legacy_client: false,
            continue_request: ContinueRequest::default(),
        },
        ProofEvent {
            name: "legacy scope login".into(),
            event: parse(include_str!("events/legacy-scope.json")),
            rule_legacy_client: true,
            continue_request: ContinueRequest::default(),
        },
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Same tokens, same decisions.
    Equivalent,
    /// Differs only where the migration said it would, or where the client
    /// change does whatever the scripts do.
    ExpectedDifferences,
    NotEquivalent,
}

impl Verdict {
    pub fn accepted(self) -> bool {
        self != Verdict::NotEquivalent
    }
}

/// The verdict on one event.
#[derive(Debug, Clone, Serialize)]
pub struct EventProof {
    pub event: String,
    pub verdict: Verdict,
    /// Differences accepted, each with why.
    pub accepted: Vec<String>,
    pub comparison: Comparison,
}

const NOTHING_RULE: &str = "function (user, context, callback) { callback(null, user, context); }";
const NOTHING_ACTION: &str = "exports.onExecutePostLogin = async () => {};";

/// Runs the Rule and the Action over each event and judges them.
#[allow(clippy::too_many_arguments)]
pub fn prove(
    runner: &Runner,
    rules: &[Script],
    actions: &[Script],
    expected: &[ExpectedDifference],
    events: &[ProofEvent],
    settings: &Settings,
    limits: &crate::Limits,
    node: &crate::NodeConfig,
) -> Result<Vec<EventProof>, Error> {
    let nothing_rule = Script::with_kind("nothing-rule.js", NOTHING_RULE, ScriptKind::Rule);
    let nothing_action = Script::with_kind(
        "nothing-action.js",
        NOTHING_ACTION,
        ScriptKind::Action(Trigger::PostLogin),
    );
    // Both sides read one clock, so a Rule that stores the time of the
    // login is compared with an Action that stores the same time.
    let mut settings = settings.clone();
    if settings.now.is_none() {
        settings.now =
            Some(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string());
    }
    let settings = &settings;
    let mut proofs = Vec::new();
    for event in events {
        let input = |rules: Vec<Script>, actions: Vec<Script>| CompareInput {
            rules,
            actions,
            event: Some(event.event.clone()),
            settings: settings.clone(),
            rule_legacy_client: event.rule_legacy_client,
            limits: limits.clone(),
            node: node.clone(),
            follow_redirect: Some(event.continue_request.clone()),
        };
        // With several events, an error must say which one it is about.
        let on_event = |e: Error| Error::invalid(format!("on the event {}: {e}", event.name));
        let comparison =
            compare(runner, &input(rules.to_vec(), actions.to_vec())).map_err(on_event)?;
        let baseline = if comparison.equivalent {
            None
        } else {
            Some(
                compare(
                    runner,
                    &input(vec![nothing_rule.clone()], vec![nothing_action.clone()]),
                )
                .map_err(on_event)?,
            )
        };
        let (verdict, accepted) = verdict_of(&comparison, baseline.as_ref(), expected);
        proofs.push(EventProof {
            event: event.name.clone(),
            verdict,
            accepted,
            comparison,
        });
    }
    Ok(proofs)
}

/// Judges a comparison: what differs, less what the migration announced
/// and what the baseline (scripts that do nothing) differs in too.
pub fn verdict_of(
    comparison: &Comparison,
    baseline: Option<&Comparison>,
    expected: &[ExpectedDifference],
) -> (Verdict, Vec<String>) {
    if comparison.equivalent {
        return (Verdict::Equivalent, Vec::new());
    }
    let mut accepted = Vec::new();
    let mut unexplained = 0;
    for diff in comparison
        .claims
        .iter()
        .filter(|d| d.status != ClaimStatus::Same)
    {
        let announced = expected.iter().find(|e| match e {
            ExpectedDifference::Claim {
                token,
                rule_claim,
                action_claim,
            } => {
                token == &diff.token
                    && ((diff.status == ClaimStatus::OnlyRule
                        && rule_claim.as_deref() == Some(diff.claim.as_str()))
                        || (diff.status == ClaimStatus::OnlyAction && action_claim == &diff.claim))
            }
            ExpectedDifference::DenialCode => false,
        });
        if let Some(ExpectedDifference::Claim {
            rule_claim,
            action_claim,
            ..
        }) = announced
        {
            let rule_claim = rule_claim.as_deref().unwrap_or("nothing");
            accepted.push(if diff.status == ClaimStatus::OnlyRule {
                format!(
                    "{}:{}: only in the Rule's token; the Action sets '{action_claim}' instead, as the migration said",
                    diff.token, diff.claim
                )
            } else {
                format!(
                    "{}:{}: only in the Action's token, in place of the Rule's '{rule_claim}', as the migration said",
                    diff.token, diff.claim
                )
            });
            continue;
        }
        let inherent = baseline.is_some_and(|b| {
            b.claims.iter().any(|d| {
                d.token == diff.token
                    && d.claim == diff.claim
                    && d.status == diff.status
                    && d.rule == diff.rule
                    && d.action == diff.action
            })
        });
        if inherent {
            accepted.push(format!(
                "{}:{}: differs the same way between a Rule and an Action that do nothing: the clients differ, not the scripts",
                diff.token, diff.claim
            ));
            continue;
        }
        unexplained += 1;
    }
    for difference in &comparison.differences {
        let denial_code = difference.aspect == "denial"
            && expected.contains(&ExpectedDifference::DenialCode)
            && difference.rule.get("code") == Some(&Value::from("unauthorized"))
            && difference.action.get("code") == Some(&Value::from("access_denied"))
            && difference.rule.get("reason") == difference.action.get("reason");
        if denial_code {
            accepted.push(
                "denial: access_denied instead of unauthorized, with the same description (Actions cannot return unauthorized)".into(),
            );
            continue;
        }
        let inherent = baseline.is_some_and(|b| b.differences.iter().any(|d| d == difference));
        if inherent {
            accepted.push(format!(
                "{}: differs the same way between a Rule and an Action that do nothing: the clients differ, not the scripts",
                difference.aspect
            ));
            continue;
        }
        unexplained += 1;
    }
    if unexplained == 0 {
        (Verdict::ExpectedDifferences, accepted)
    } else {
        (Verdict::NotEquivalent, accepted)
    }
}

/// The Action's settings: the Rule's `configuration` values it reads,
/// as its secrets.
pub fn with_action_secrets(
    settings: &Settings,
    action_name: &str,
    migration: &Migration,
) -> Settings {
    let mut settings = settings.clone();
    let stem = action_name.trim_end_matches(".js").to_string();
    if settings.secrets.contains_key(&stem) || settings.secrets.contains_key(action_name) {
        return settings;
    }
    let secrets = settings
        .configuration
        .iter()
        .filter(|(key, _)| migration.secrets.is_empty() || migration.secrets.contains(key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    settings.secrets.insert(stem, secrets);
    settings
}

/// The Action's modules: the dependencies the migration lists, declared as
/// Auth0 declares an Action's dependencies (a `require` without a version
/// gets the registry's latest).
pub fn with_action_dependencies(
    node: &crate::NodeConfig,
    migration: &Migration,
) -> crate::NodeConfig {
    let mut node = node.clone();
    for dependency in &migration.dependencies {
        node.dependencies
            .entry(dependency.name.clone())
            .or_insert_with(|| {
                dependency
                    .version
                    .clone()
                    .unwrap_or_else(|| "latest".into())
            });
    }
    node
}
