//! compare: a Rule and its Action replacement run as two logins on the same
//! event and settings; their tokens are compared claim by claim, and every
//! difference gets a cause and a fix drawn from what actionbox knows (the
//! claim policy's reasons, the Rule's changes to `user`, the Rules-to-Actions
//! field mapping, the decisions each side took).

use crate::event::shape::is_action_user_field;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::Error;
use crate::event;
use crate::event::rules::{
    self as rules_event, CONTEXT_FIELDS, ContextField, GEOIP_KEYS, RuleStart, Source,
    USER_ONLY_FIELDS,
};
use crate::outcome::{Outcome, Status};
use crate::pipeline::Flow;
use crate::record::Call;
use crate::runner::Runner;
use crate::script::{Script, Trigger};
use crate::tenant::Settings;
use crate::token::policy;
use crate::token::{IssuedToken, Reason, TokenKind};

/// Claims that differ between any two logins: times and unique ids.
const IGNORED_CLAIMS: &[&str] = &["iat", "exp", "nbf", "jti", "at_hash"];

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareInput {
    pub rules: Vec<Script>,
    pub actions: Vec<Script>,
    pub event: Option<Value>,
    pub settings: Settings,
    /// The Rules ran for a client that was not OIDC-conformant, while the
    /// Actions run for the same client made OIDC-conformant (the usual
    /// migration). `settings.legacy_client` applies to both sides.
    pub rule_legacy_client: bool,
    pub limits: crate::Limits,
    /// Modules, network access and mocks, for both sides.
    pub node: crate::NodeConfig,
    /// Follow a side's redirect back through `/continue` with this request,
    /// as the browser does once the site sends the user back, and compare
    /// how the logins end; `None` compares where they redirect, and stops.
    pub follow_redirect: Option<ContinueRequest>,
}

/// The `/continue` request that brings a redirected login back: its query
/// and form body (the redirect's `state` is added when neither has one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContinueRequest {
    pub query: serde_json::Map<String, Value>,
    pub body: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    Same,
    Differs,
    OnlyRule,
    OnlyAction,
}

/// One claim of one token, on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimDiff {
    pub token: TokenKind,
    pub claim: String,
    pub rule: Option<Value>,
    pub action: Option<Value>,
    pub status: ClaimStatus,
}

/// Anything else the two logins decided: status, metadata, MFA, redirect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub aspect: String,
    pub rule: Value,
    pub action: Value,
}

/// Why the two sides differ on one point, and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// `id_token:connection`, `status`, `metadata`, ...
    pub subject: String,
    pub cause: String,
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub equivalent: bool,
    pub claims: Vec<ClaimDiff>,
    pub differences: Vec<Difference>,
    pub explanations: Vec<Explanation>,
    pub rule: Outcome,
    pub action: Outcome,
}

impl Comparison {
    pub fn exit_code(&self) -> i32 {
        if self.equivalent { 0 } else { 1 }
    }
}

/// Runs both sides and compares them.
pub fn compare(runner: &Runner, input: &CompareInput) -> Result<Comparison, Error> {
    if input.rules.is_empty() {
        return Err(Error::invalid(
            "compare needs at least one Rule (function (user, context, callback))",
        ));
    }
    if input.actions.is_empty() {
        return Err(Error::invalid(
            "compare needs at least one post-login Action (exports.onExecutePostLogin)",
        ));
    }
    // Both sides read one clock, so a token's `iat` or a stored login time
    // differs only when the scripts differ, never because the two runs
    // straddle a second.
    let mut settings = input.settings.clone();
    if settings.now.is_none() {
        settings.now =
            Some(humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string());
    }
    let mut rule_settings = settings.clone();
    rule_settings.legacy_client |= input.rule_legacy_client;
    let side = |scripts: &[Script], settings: Settings| {
        let mut flow = Flow::post_login(scripts.to_vec())
            .with_settings(settings)
            .with_limits(input.limits.clone())
            .with_node(input.node.clone());
        flow.event = input.event.clone();
        flow
    };
    let run_side = |flow: Flow| -> Result<Outcome, Error> {
        let sent = runner.run_as_sent(&flow)?;
        match &input.follow_redirect {
            Some(request) if sent.outcome.status == Status::Redirected => {
                runner.resume(&flow, sent, request.query.clone(), request.body.clone())
            }
            _ => Ok(sent.into_masked()),
        }
    };
    let rule = run_side(side(&input.rules, rule_settings))?;
    let action = run_side(side(&input.actions, settings))?;
    let event = event::build(Trigger::PostLogin, input.event.as_ref());
    let rule_legacy = input.rule_legacy_client || input.settings.legacy_client;
    Ok(diff(rule, action, &event, rule_legacy))
}

fn payload_of(token: &Option<IssuedToken>) -> Option<&serde_json::Map<String, Value>> {
    token.as_ref().and_then(|t| t.payload.as_object())
}

/// Scopes compare as sets: the order Auth0 lists them in carries no meaning.
fn same_value(claim: &str, a: &Value, b: &Value) -> bool {
    if claim == "scope"
        && let (Some(a), Some(b)) = (a.as_str(), b.as_str())
    {
        let mut a: Vec<&str> = a.split_whitespace().collect();
        let mut b: Vec<&str> = b.split_whitespace().collect();
        a.sort_unstable();
        b.sort_unstable();
        return a == b;
    }
    a == b
}

fn claim_diffs(
    token: TokenKind,
    rule: Option<&serde_json::Map<String, Value>>,
    action: Option<&serde_json::Map<String, Value>>,
) -> Vec<ClaimDiff> {
    let empty = serde_json::Map::new();
    let rule = rule.unwrap_or(&empty);
    let action = action.unwrap_or(&empty);
    let mut names: Vec<&String> = rule.keys().collect();
    names.extend(action.keys().filter(|k| !rule.contains_key(*k)));
    names
        .into_iter()
        .filter(|name| !IGNORED_CLAIMS.contains(&name.as_str()))
        .map(|name| {
            let r = rule.get(name).cloned();
            let a = action.get(name).cloned();
            let status = match (&r, &a) {
                (Some(r), Some(a)) if same_value(name, r, a) => ClaimStatus::Same,
                (Some(_), Some(_)) => ClaimStatus::Differs,
                (Some(_), None) => ClaimStatus::OnlyRule,
                _ => ClaimStatus::OnlyAction,
            };
            ClaimDiff {
                token,
                claim: name.clone(),
                rule: r,
                action: a,
                status,
            }
        })
        .collect()
}

/// Compares two outcomes of the same event; `rule_legacy` says the Rules'
/// client was not OIDC-conformant.
pub fn diff(rule: Outcome, action: Outcome, event: &Value, rule_legacy: bool) -> Comparison {
    if rule.status == Status::Failed || action.status == Status::Failed {
        return failed_side(rule, action);
    }
    let mut claims = claim_diffs(
        TokenKind::Id,
        payload_of(&rule.id_token),
        payload_of(&action.id_token),
    );
    claims.extend(claim_diffs(
        TokenKind::Access,
        payload_of(&rule.access_token),
        payload_of(&action.access_token),
    ));

    let mut differences = Vec::new();
    let mut aspect = |name: &str, r: Value, a: Value| {
        if r != a {
            differences.push(Difference {
                aspect: name.to_string(),
                rule: r,
                action: a,
            });
        }
    };
    aspect("status", json!(rule.status), json!(action.status));
    aspect(
        "denial",
        json!(
            rule.denial
                .as_ref()
                .map(|d| json!({ "code": d.code, "reason": d.reason }))
        ),
        json!(
            action
                .denial
                .as_ref()
                .map(|d| json!({ "code": d.code, "reason": d.reason }))
        ),
    );
    aspect("redirect", redirects(&rule), redirects(&action));
    aspect(
        "metadata_updates",
        effective_updates(&rule.metadata_updates, event),
        effective_updates(&action.metadata_updates, event),
    );
    aspect("mfa", mfa_summary(&rule), mfa_summary(&action));
    aspect(
        "access_token_format",
        json!(token_format(&rule.access_token)),
        json!(token_format(&action.access_token)),
    );

    let inputs = RuleInputs::new(event, rule_legacy);
    let mut explanations = Vec::new();
    for diff in claims.iter().filter(|d| d.status != ClaimStatus::Same) {
        explanations.push(explain_claim(diff, &rule, &action, &inputs, &claims));
    }
    for difference in &differences {
        if let Some(explanation) = explain_difference(difference, &rule, &action) {
            explanations.push(explanation);
        }
    }
    let equivalent = differences.is_empty() && claims.iter().all(|d| d.status == ClaimStatus::Same);
    Comparison {
        equivalent,
        claims,
        differences,
        explanations,
        rule,
        action,
    }
}

/// A side that failed issued no tokens and decided nothing, so claim by
/// claim every difference would only repeat that: the comparison is the
/// one difference, the failure, and how to fix it.
fn failed_side(rule: Outcome, action: Outcome) -> Comparison {
    let summary = |o: &Outcome| match (o.status, &o.error) {
        (Status::Failed, Some(error)) => json!(format!("failed: {error}")),
        (status, _) => json!(status),
    };
    let difference = Difference {
        aspect: "status".to_string(),
        rule: summary(&rule),
        action: summary(&action),
    };
    let mut explanations: Vec<Explanation> = explain_difference(&difference, &rule, &action)
        .into_iter()
        .collect();
    if let Some(first) = explanations.first_mut() {
        first.fix = match (rule.status, action.status) {
            (Status::Failed, Status::Failed) => {
                "Fix both failures first (see their errors): a login that fails issues no tokens, so nothing else can be compared."
            }
            (Status::Failed, _) => {
                "Fix the Rule's failure first (see its error): a login that fails issues no tokens, so nothing else can be compared."
            }
            _ => {
                "Fix the Action's failure first (see its error): a login that fails issues no tokens, so nothing else can be compared."
            }
        }
        .to_string();
    }
    Comparison {
        equivalent: false,
        claims: Vec::new(),
        differences: vec![difference],
        explanations,
        rule,
        action,
    }
}

/// The metadata updates that change the stored profile: writing a key's
/// stored value again changes nothing (a Rule's
/// `auth0.users.updateAppMetadata(id, user.app_metadata)` writes every key,
/// an Action's `api.user.setAppMetadata` only the keys it sets).
fn effective_updates(updates: &crate::outcome::MetadataUpdates, event: &Value) -> Value {
    let changed = |field: &str, map: &serde_json::Map<String, Value>| {
        let stored = event.pointer(&format!("/user/{field}"));
        let kept: serde_json::Map<String, Value> = map
            .iter()
            .filter(|(key, value)| stored.and_then(|s| s.get(key.as_str())) != Some(*value))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(kept)
    };
    json!({
        "app_metadata": changed("app_metadata", &updates.app_metadata),
        "user_metadata": changed("user_metadata", &updates.user_metadata),
    })
}

/// Where a login sent the user: the redirect it was resumed from and the
/// one it ended with, one URL (or none) when there is only one. The
/// `state` Auth0 adds is left out: it names the script, not where it sent
/// the user.
fn redirects(outcome: &Outcome) -> Value {
    let urls: Vec<String> = [&outcome.resumed_from, &outcome.redirect]
        .into_iter()
        .flatten()
        .map(without_state)
        .collect();
    match urls.as_slice() {
        [] => Value::Null,
        [one] => json!(one),
        more => json!(more),
    }
}

fn without_state(redirect: &crate::outcome::Redirect) -> String {
    let Ok(mut url) = url::Url::parse(&redirect.url) else {
        return redirect.url.clone();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, v)| !(k == "state" && *v == redirect.state))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.to_string()
}

fn token_format(token: &Option<IssuedToken>) -> &'static str {
    match token {
        None => "none",
        Some(t) if t.opaque.is_some() => "opaque",
        Some(_) => "jwt",
    }
}

/// MFA requirements, without who asked for them.
fn mfa_summary(outcome: &Outcome) -> Value {
    Value::Array(
        outcome
            .mfa
            .iter()
            .map(|c| json!({ "call": c.call, "args": c.args }))
            .collect(),
    )
}

/// The short name of a claim: the last segment of a namespaced name.
fn short(claim: &str) -> &str {
    claim
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(claim)
}

/// The Rules' inputs and the event, to trace a value back to its field.
struct RuleInputs {
    rule_fields: Vec<(String, Value)>,
    event: Value,
    rule_legacy: bool,
}

impl RuleInputs {
    fn new(event: &Value, rule_legacy: bool) -> RuleInputs {
        let mut rule_fields = Vec::new();
        flatten(
            "context",
            &rules_event::context(event, &RuleStart::default()),
            &mut rule_fields,
        );
        flatten("user", &rules_event::user(event), &mut rule_fields);
        RuleInputs {
            rule_fields,
            event: event.clone(),
            rule_legacy,
        }
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    out.push((prefix.to_string(), value.clone()));
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        _ => {}
    }
}

/// The row of the Rules-to-Actions table a `context.…` path falls under.
fn context_field(path: &str) -> Option<(&'static ContextField, &str)> {
    let inner = path.strip_prefix("context.")?;
    CONTEXT_FIELDS.iter().find_map(|field| {
        let rest = inner.strip_prefix(field.context)?;
        (rest.is_empty() || rest.starts_with(['.', '['])).then_some((field, rest))
    })
}

/// Where an Action finds what a Rule reads at `path` (the Rules-to-Actions
/// table, `event::rules::CONTEXT_FIELDS`, read the way a migration reads
/// it), with what changed, if anything.
pub(crate) fn action_counterpart(path: &str) -> Option<(String, &'static str)> {
    if let Some((field, rest)) = context_field(path) {
        let event = field.counterpart()?;
        return Some(match field.source {
            Source::Geoip => {
                let key = rest.trim_start_matches('.');
                let camel = GEOIP_KEYS
                    .iter()
                    .find(|(_, snake)| *snake == key)
                    .map_or(key, |(camel, _)| camel);
                let tail = if camel.is_empty() {
                    String::new()
                } else {
                    format!(".{camel}")
                };
                (format!("event.{event}{tail}"), field.note)
            }
            // Only the timestamps changed form.
            Source::Methods if !rest.ends_with(".timestamp") => {
                (format!("event.{event}{rest}"), "")
            }
            _ => (format!("event.{event}{rest}"), field.note),
        });
    }
    if let Some(rest) = path.strip_prefix("context.request.") {
        return Some((format!("event.request.{rest}"), ""));
    }
    if let Some(rest) = path.strip_prefix("user.") {
        let name = rest.split(['.', '[']).next().unwrap_or(rest);
        if let Some((_, Some(field))) = USER_ONLY_FIELDS.iter().find(|(n, _)| *n == name) {
            return Some((format!("{field}{}", &rest[name.len()..]), ""));
        }
        return Some((format!("event.user.{rest}"), ""));
    }
    None
}

/// A Rules field an Action's event has nothing like (`user.last_ip`,
/// `user.persistent`, `context.sso.with_auth0`, ...).
fn without_equivalent(path: &str) -> bool {
    if let Some((field, _)) = context_field(path) {
        return field.counterpart().is_none();
    }
    let first = |rest: &str| rest.split(['.', '[']).next().unwrap_or(rest).to_string();
    if let Some(rest) = path.strip_prefix("user.") {
        let name = first(rest);
        return USER_ONLY_FIELDS
            .iter()
            .any(|(n, field)| *n == name && field.is_none());
    }
    path.strip_prefix("context.")
        .is_some_and(|rest| rules_event::rules_name(&first(rest)) == Some(None))
}

fn lookup<'v>(event: &'v Value, path: &str) -> Option<&'v Value> {
    let path = path.strip_prefix("event.")?;
    let mut cursor = event;
    for part in path.split('.') {
        let (key, index) = match part.find('[') {
            Some(at) => (
                &part[..at],
                part[at + 1..part.len() - 1].parse::<usize>().ok(),
            ),
            None => (part, None),
        };
        cursor = cursor.get(key)?;
        if let Some(index) = index {
            cursor = cursor.get(index)?;
        }
    }
    Some(cursor)
}

fn no_equivalent(path: &str, rule_value: &Value) -> Explanation {
    Explanation {
        subject: String::new(),
        cause: format!(
            "The Rule's value comes from {path} ({rule_value}); an Action's event has no equivalent of it."
        ),
        fix: "There is no field to read in the Action: keep the value in app_metadata (event.user.app_metadata, written with api.user.setAppMetadata) or leave the claim out.".to_string(),
    }
}

/// For a claim whose values differ: the Rule field its value came from and
/// what the Action's counterpart holds.
fn trace_value(
    inputs: &RuleInputs,
    rule_value: &Value,
    action_value: Option<&Value>,
) -> Option<Explanation> {
    if matches!(rule_value, Value::Object(m) if m.is_empty())
        || matches!(rule_value, Value::Array(a) if a.is_empty())
    {
        return None;
    }
    let mut candidates: Vec<&(String, Value)> = inputs
        .rule_fields
        .iter()
        .filter(|(_, v)| v == rule_value)
        .collect();
    // The most specific field first.
    candidates.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
    for (path, _) in candidates {
        if without_equivalent(path) {
            return Some(no_equivalent(path, rule_value));
        }
        let Some((counterpart, note)) = action_counterpart(path) else {
            continue;
        };
        // `user.<key>` of an app_metadata key merged into the root.
        let (counterpart, note) = match (
            lookup(&inputs.event, &counterpart),
            path.strip_prefix("user."),
        ) {
            (None, Some(key))
                if lookup(&inputs.event, &format!("event.user.app_metadata.{key}")).is_some() =>
            {
                (
                    format!("event.user.app_metadata.{key}"),
                    "Rules merge app_metadata into the root of user; Actions keep it in event.user.app_metadata",
                )
            }
            _ => (counterpart, note),
        };
        let event_value = lookup(&inputs.event, &counterpart);
        if event_value == Some(rule_value) && action_value == Some(rule_value) {
            continue;
        }
        // A profile attribute the Rule's user had but an Action's
        // event.user never has (and not app_metadata merged in).
        if event_value.is_none()
            && let Some(key) = counterpart.strip_prefix("event.user.")
            && !is_action_user_field(key.split(['.', '[']).next().unwrap_or(key))
        {
            return Some(no_equivalent(path, rule_value));
        }
        let shown = event_value.map_or("undefined".to_string(), Value::to_string);
        let cause = format!(
            "The Rule's value comes from {path} ({rule_value}); the Action's counterpart is {counterpart}, which holds {shown}{}.",
            if note.is_empty() {
                String::new()
            } else {
                format!(": {note}")
            }
        );
        let fix = if note.is_empty() {
            format!("Read {counterpart} in the Action.")
        } else {
            format!("Read {counterpart} in the Action, converted as the Rule saw it ({note}).")
        };
        return Some(Explanation {
            subject: String::new(),
            cause,
            fix,
        });
    }
    None
}

fn explain_claim(
    diff: &ClaimDiff,
    rule: &Outcome,
    action: &Outcome,
    inputs: &RuleInputs,
    all: &[ClaimDiff],
) -> Explanation {
    let subject = format!("{}:{}", diff.token, diff.claim);
    let token_name = diff.token.title();
    let call = diff.token.api();
    let app = format!(
        "https://{}",
        crate::token::builder::app_domain(&inputs.event)
            .unwrap_or_else(|| "<your-app-domain>".into())
    );
    let with_subject = |mut e: Explanation| {
        e.subject = subject.clone();
        e
    };

    // 1. The Action set this claim (or one of the same short name) but the
    //    policy dropped it.
    let dropped = action
        .dropped_claims
        .iter()
        .find(|d| d.token == diff.token && d.claim == diff.claim)
        .or_else(|| {
            (diff.status == ClaimStatus::OnlyRule)
                .then(|| {
                    action
                        .dropped_claims
                        .iter()
                        .find(|d| d.token == diff.token && short(&d.claim) == short(&diff.claim))
                })
                .flatten()
        });
    if let Some(dropped) = dropped {
        // An undefined value usually means the Action reads a field that
        // has another name in Actions: say which.
        if dropped.reason == Reason::InvalidValue
            && let Some(mut traced) = diff
                .rule
                .as_ref()
                .and_then(|r| trace_value(inputs, r, None))
        {
            traced.cause = format!(
                "The Action's value is undefined, so Auth0 leaves the claim out. {}",
                traced.cause
            );
            return with_subject(traced);
        }
        let replacement = if dropped.claim == diff.claim {
            format!(
                "The Action sets '{}' too, but Auth0 drops it ({})",
                dropped.claim, dropped.reason
            )
        } else {
            format!(
                "The Action's replacement for '{}' is '{}' (set by {}), which Auth0 drops ({})",
                diff.claim, dropped.claim, dropped.script, dropped.reason
            )
        };
        return with_subject(Explanation {
            subject: String::new(),
            cause: format!("{replacement}: {}", dropped.detail),
            fix: match dropped.reason {
                Reason::ReservedNamespace | Reason::RestrictedClaim | Reason::NotNamespaced => {
                    format!(
                        "In the Action, use api.{call}.setCustomClaim('{app}/{}', …) — a namespace of your own domain.",
                        short(&diff.claim)
                    )
                }
                Reason::ScopeNotRequested => {
                    "Request the scope that releases the claim, or use a namespaced name.".into()
                }
                Reason::OpaqueAccessToken => {
                    "Request an API audience so the access token is a JWT.".into()
                }
                Reason::LegacyEndpoint => {
                    "No script can add an ID-token claim on this legacy endpoint: the Rule's value only arrived through a legacy scope word copying a user attribute. Move the application to /oauth/token (OIDC-conformant) before switching to the Action, or keep the value in a user attribute the scope word names.".into()
                }
                Reason::PasswordGrantEmail => format!(
                    "In the Action, use api.accessToken.setCustomClaim('{app}/email', …): a namespaced name is kept in password grants."
                ),
                _ => "See the reason code in docs/claims.md.".into(),
            },
        });
    }

    // 2. The claim came from the Rule's change to `user` through the legacy
    //    scope words (or the legacy copy of a profile attribute).
    if diff.status == ClaimStatus::OnlyRule && diff.token == TokenKind::Id {
        let changed_by = rule
            .commands
            .iter()
            .rev()
            .find(|c| c.call == Call::UserSet && c.str_arg(0) == Some(diff.claim.as_str()));
        let profile_claim = policy::profile_scope(&diff.claim).is_some();
        if let Some(change) = changed_by {
            let namespaced_twin = all.iter().find(|d| {
                d.token == diff.token
                    && d.status == ClaimStatus::OnlyAction
                    && short(&d.claim) == diff.claim
            });
            let twin = namespaced_twin
                .map(|d| format!(" The Action puts the value in '{}' instead, so clients must read that claim.", d.claim))
                .unwrap_or_default();
            return with_subject(Explanation {
                subject: String::new(),
                cause: format!(
                    "'{}' is in the Rule's ID token because the Rule set user.{} ({}) and the legacy scope word '{}' copied that user attribute into the ID token; an Action cannot change the user, and OIDC-conformant clients never copy user attributes.{twin}",
                    diff.claim, diff.claim, change.script, diff.claim
                ),
                fix: format!(
                    "In the Action, use api.idToken.setCustomClaim('{app}/{}', …) (or a non-namespaced '{}' claim on tenants with current custom-claim rules) and read that claim in the application.",
                    diff.claim, diff.claim
                ),
            });
        }
        if !profile_claim
            && !policy::RESTRICTED_CLAIMS.contains(&diff.claim.as_str())
            && !diff.claim.contains("://")
            && let Some(value) = &diff.rule
            && inputs
                .rule_fields
                .iter()
                .any(|(p, v)| p == &format!("user.{}", diff.claim) && v == value)
        {
            return with_subject(Explanation {
                subject: String::new(),
                cause: format!(
                    "'{}' is the user attribute of the same name, which the legacy scope word '{}' copies into the ID token of clients that are not OIDC-conformant.",
                    diff.claim, diff.claim
                ),
                fix: format!(
                    "In the Action, use api.idToken.setCustomClaim('{app}/{}', event.user.{}).",
                    diff.claim, diff.claim
                ),
            });
        }
        if profile_claim {
            return with_subject(Explanation {
                subject: String::new(),
                cause: format!(
                    "'{}' is a profile claim the Rule's login released and the Action's did not: check the requested scopes and the client's OIDC conformance on both sides.",
                    diff.claim
                ),
                fix: "Compare the clients' settings; profile claims depend on the scopes, not on the script.".into(),
            });
        }
    }

    // 3. Both set it, with different values: trace the Rule's value to its
    //    context field and the Action's counterpart.
    if let (ClaimStatus::Differs | ClaimStatus::OnlyRule, Some(rule_value)) =
        (diff.status, &diff.rule)
    {
        if let Some(traced) = trace_value(inputs, rule_value, diff.action.as_ref()) {
            return with_subject(traced);
        }
        // A profile claim a Rule changed through `user`.
        if let Some(change) = rule
            .commands
            .iter()
            .rev()
            .find(|c| c.call == Call::UserSet && c.str_arg(0) == Some(diff.claim.as_str()))
        {
            return with_subject(Explanation {
                subject: String::new(),
                cause: format!(
                    "The Rule changed user.{} ({}), and the {token_name} carries the profile as the Rules left it; an Action cannot change the user profile.",
                    diff.claim, change.script
                ),
                fix: format!(
                    "Set the value with api.{call}.setCustomClaim('{}', …) in the Action, or store it in the profile through the Management API.",
                    diff.claim
                ),
            });
        }
    }

    if diff.status == ClaimStatus::OnlyAction
        && inputs.rule_legacy
        && let Some(scope) = policy::profile_scope(&diff.claim)
    {
        return with_subject(Explanation {
                subject: String::new(),
                cause: format!(
                    "The Rule's client was not OIDC-conformant: its scope words copied only the user attributes they name. The OIDC-conformant client of the Action gets '{}' with the '{scope}' scope.",
                    diff.claim
                ),
                fix: "Nothing to change in the Action: this is the OIDC-conformant pipeline's standard claim set.".into(),
            });
    }

    if diff.status == ClaimStatus::OnlyAction {
        let setter = action
            .commands
            .iter()
            .rev()
            .find(|c| {
                c.call == diff.token.set_custom_claim() && c.str_arg(0) == Some(diff.claim.as_str())
            })
            .map(|c| c.script.clone());
        return with_subject(Explanation {
            subject: String::new(),
            cause: match setter {
                Some(script) => format!("Only the Action sets '{}' ({script}).", diff.claim),
                None => format!("Only the Action's {token_name} has '{}'.", diff.claim),
            },
            fix: "If clients relied on the Rule's token, check they accept the new claim; otherwise nothing to do.".into(),
        });
    }

    with_subject(Explanation {
        subject: String::new(),
        cause: format!(
            "The Rule's {token_name} has {}, the Action's {}.",
            diff.rule.as_ref().map_or("no such claim".to_string(), |v| v.to_string()),
            diff.action.as_ref().map_or("none".to_string(), |v| v.to_string())
        ),
        fix: "Compare how each script computes the value (their commands are listed under each side).".into(),
    })
}

fn explain_difference(
    difference: &Difference,
    rule: &Outcome,
    action: &Outcome,
) -> Option<Explanation> {
    let subject = difference.aspect.clone();
    let explanation = match difference.aspect.as_str() {
        "status" => {
            // What happened to the login, as a verb phrase ("failed", "was denied").
            let describe = |o: &Outcome| match o.status {
                Status::Denied => o
                    .denial
                    .as_ref()
                    .map(|d| format!("was denied ({}: {}, {} in {})", d.code, d.reason, d.via, d.script))
                    .unwrap_or_else(|| "was denied".into()),
                Status::Failed => match &o.error {
                    Some(error) => format!("failed ({error})"),
                    None => "failed".into(),
                },
                Status::Redirected => format!("was redirected to {}", o.redirect.as_ref().map(|r| r.url.as_str()).unwrap_or("?")),
                Status::Allowed => "was allowed".into(),
            };
            Explanation {
                subject,
                cause: format!("With the Rule, the login {}; with the Action, it {}.", describe(rule), describe(action)),
                fix: if rule.status == Status::Denied && action.status == Status::Allowed {
                    "Port the Rule's condition and call api.access.deny(reason) where the Rule called callback(error).".into()
                } else if action.status == Status::Failed {
                    "Fix the Action's failure first (see its error).".into()
                } else {
                    "Make the Action take the same decision under the same condition.".into()
                },
            }
        }
        "denial" => {
            let (Some(r), Some(a)) = (&rule.denial, &action.denial) else {
                return None;
            };
            if r.code == "unauthorized" && a.code == "access_denied" {
                Explanation {
                    subject,
                    cause: "The Rule denies with UnauthorizedError, so the application receives error=unauthorized; Actions can only deny with access_denied.".into(),
                    fix: "Make the application treat access_denied as the Rule's unauthorized (the description is kept), or put a code in the description.".into(),
                }
            } else {
                Explanation {
                    subject,
                    cause: format!("Both deny, but with different errors: the Rule '{}: {}', the Action '{}: {}'.", r.code, r.reason, a.code, a.reason),
                    fix: "Use the Rule's message in api.access.deny(…).".into(),
                }
            }
        }
        "redirect" => Explanation {
            subject,
            cause: format!("The Rule redirects to {}, the Action to {}.", difference.rule, difference.action),
            fix: "Use api.redirect.sendUserTo(url) where the Rule set context.redirect, and move the code that ran on redirect-callback to exports.onContinuePostLogin.".into(),
        },
        "metadata_updates" => Explanation {
            subject,
            cause: format!("The metadata written to the profile differs: the Rule writes {}, the Action {}.", difference.rule, difference.action),
            fix: "For each top-level key the Rule's auth0.users.update*Metadata call changes, call api.user.setAppMetadata(key, value) / setUserMetadata(key, value).".into(),
        },
        "mfa" => Explanation {
            subject,
            cause: format!("Multi-factor requirements differ: the Rule asks {}, the Action {}.", difference.rule, difference.action),
            fix: "Where the Rule set context.multifactor = { provider, allowRememberBrowser }, call api.multifactor.enable(provider, { allowRememberBrowser }).".into(),
        },
        "access_token_format" => Explanation {
            subject,
            cause: format!("The Rule's login issues a {} access token, the Action's a {} one.", difference.rule, difference.action),
            fix: "Both sides must request the same API audience.".into(),
        },
        _ => return None,
    };
    Some(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_reads_the_context_table_backwards() {
        for field in CONTEXT_FIELDS {
            let path = format!("context.{}", field.context);
            match field.counterpart() {
                Some(event) => {
                    let (found, _) = action_counterpart(&path).unwrap_or_else(|| panic!("{path}"));
                    assert_eq!(found, format!("event.{event}"), "{path}");
                    assert!(!without_equivalent(&path), "{path}");
                }
                None => {
                    assert_eq!(action_counterpart(&path), None, "{path}");
                    assert!(without_equivalent(&path), "{path}");
                }
            }
        }
        assert_eq!(
            action_counterpart("context.request.geoip.country_code"),
            Some((
                "event.request.geoip.countryCode".to_string(),
                "geoip keys are camelCase in Actions"
            ))
        );
        let (_, note) =
            action_counterpart("context.authentication.methods[0].timestamp").expect("mapped");
        assert!(note.contains("epoch milliseconds"), "{note}");
        assert_eq!(
            action_counterpart("context.authentication.methods[0].name"),
            Some(("event.authentication.methods[0].name".to_string(), ""))
        );
        assert!(without_equivalent("context.idToken.x"));
    }

    #[test]
    fn rules_user_fields_map_to_what_an_action_event_has() {
        assert_eq!(
            action_counterpart("user.logins_count").map(|c| c.0),
            Some("event.stats.logins_count".to_string())
        );
        assert_eq!(
            action_counterpart("user.clientID").map(|c| c.0),
            Some("event.client.client_id".to_string())
        );
        for path in [
            "user.last_login",
            "user.last_ip",
            "user.blocked",
            "user.persistent.x",
        ] {
            assert!(without_equivalent(path), "{path}");
        }
        assert!(!without_equivalent("user.email"));
        let explanation = no_equivalent("user.last_ip", &serde_json::json!("1.2.3.4"));
        assert!(
            explanation
                .fix
                .starts_with("There is no field to read in the Action")
        );
    }
}
