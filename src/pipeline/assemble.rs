//! Step 5, assemble the outcome: Auth0's decision (allowed, denied,
//! redirected, failed) from what the scripts did, with the tokens when the
//! login succeeds, the trigger's result, and every secret masked.

use std::time::Instant;

use serde_json::Value;

use crate::error::Error;
use crate::outcome::{
    ErrorKind, OAuthError, Outcome, Redirect, ScriptError, ScriptTiming, Status, Timings,
};
use crate::record::{Command, Warning};
use crate::redact::Redactor;
use crate::script::Trigger;
use crate::tenant::Settings;
use crate::token::{Issued, Keys};

use super::prepare::{FlowJob, ResumeJob, redirect_state};
use super::scripts::FlowReport;
use super::{tokens, triggers};

/// Turns what the scripts did into the outcome Auth0's decision would be,
/// with the tokens when the login succeeds.
pub(crate) fn assemble(
    job: &FlowJob,
    report: FlowReport,
    settings: &Settings,
    keys: &mut Keys,
    issue_tokens: bool,
) -> Result<Outcome, Error> {
    let FlowReport {
        runs,
        mut transaction,
        error,
        executor_us: _,
    } = report;
    // A login resumed at /continue includes what its scripts recorded
    // before the redirect (the redirect itself is over).
    let mut commands: Vec<Command> = job
        .resume
        .iter()
        .flat_map(ResumeJob::carried_over)
        .cloned()
        .collect();
    let mut logs = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    let mut scripts = Vec::new();
    let mut requests = Vec::new();
    let mut packages: Vec<crate::packages::PackageUse> = Vec::new();
    let mut timings = Timings::default();
    for run in runs {
        requests.extend(run.requests);
        for used in run.packages {
            if !packages.contains(&used) {
                packages.push(used);
            }
        }
        scripts.push(run.script.clone());
        timings.scripts.push(ScriptTiming {
            script: run.script.clone(),
            phases: run.timings.clone(),
            peak_memory_bytes: run.peak_memory_bytes,
        });
        commands.extend(run.commands);
        logs.extend(run.logs);
        warnings.extend(run.warnings);
    }
    warnings.extend(transaction.warnings.iter().cloned());

    let mut error = error;
    let mut tokens = Issued::default();
    let mut token_us = 0;
    let trigger = job.trigger;
    let issues_tokens = issue_tokens && trigger.spec().issues_tokens;
    if issues_tokens
        && error.is_none()
        && transaction.denial.is_none()
        && transaction.redirect.is_none()
    {
        let started = Instant::now();
        tokens = tokens::build(job, &transaction, settings, keys)?;
        token_us = started.elapsed().as_micros() as u64;
        warnings.append(&mut tokens.warnings);
        if let Some(failure) = tokens.failure.take() {
            error = Some(ScriptError::new(
                ErrorKind::LoginFailed,
                "actionbox",
                failure,
            ));
        }
    }
    timings.tokens = token_us;
    let mut result = Value::Null;
    if error.is_none() && transaction.denial.is_none() && transaction.redirect.is_none() {
        match triggers::result(trigger, &job.event, &transaction) {
            Ok(value) => result = value,
            Err(failure) => {
                error = Some(ScriptError::new(
                    ErrorKind::LoginFailed,
                    "actionbox",
                    failure,
                ))
            }
        }
    }
    let spec = trigger.spec();
    if !spec.blocking && error.is_some() {
        warnings.push(Warning::new(
            "actionbox",
            format!("{trigger} Actions do not block Auth0: the failure is logged, the user's operation is not affected"),
        ));
    }

    let status = if error.is_some() {
        Status::Failed
    } else if transaction.denial.is_some() {
        Status::Denied
    } else if transaction.redirect.is_some() {
        Status::Redirected
    } else {
        Status::Allowed
    };
    let oauth_error = match (&error, &transaction.denial) {
        // Nothing waits for a non-blocking trigger's Actions.
        _ if !spec.blocking => None,
        (Some(error), _) => Some(OAuthError {
            error: spec.failure_code.into(),
            error_description: error.message.clone(),
        }),
        (None, Some(denial)) => Some(OAuthError {
            error: denial.code.clone(),
            error_description: denial.reason.clone(),
        }),
        _ => None,
    };
    let signed_with_rsa = [&tokens.id_token, &tokens.access_token]
        .iter()
        .filter_map(|t| t.as_ref())
        .any(|t| t.header.get("kid").is_some());
    let rsa_key = keys.loaded_rsa().filter(|_| signed_with_rsa);
    let jwks = rsa_key.map(|k| k.jwks());
    // Named only when it is not the tenant's configured key: tokens signed
    // with a development key must not be mistaken for a tenant's.
    let signing_key = rsa_key.and_then(|k| {
        use crate::token::sign::KeyOrigin;
        let (origin, path) = match &k.origin {
            KeyOrigin::Configured => return None,
            KeyOrigin::Development(path) => ("development", Some(path.display().to_string())),
            KeyOrigin::Generated => ("generated", None),
        };
        Some(crate::outcome::SigningKeyUse {
            kid: k.kid.clone(),
            origin: origin.into(),
            path,
        })
    });
    let redirect = transaction
        .redirect
        .clone()
        .map(|r| with_state(r, job.authorize_event()));
    // The user can be as large as the event: moved, not copied.
    let user = match (trigger, &result) {
        (Trigger::PreUserRegistration, Value::Object(r)) => r
            .get("created_user")
            .cloned()
            .unwrap_or_else(|| std::mem::take(&mut transaction.user)),
        _ => std::mem::take(&mut transaction.user),
    };
    Ok(Outcome {
        trigger,
        status,
        id_token: tokens.id_token,
        access_token: tokens.access_token,
        authorization_code: tokens.authorization_code,
        dropped_claims: tokens.dropped,
        mfa: transaction.mfa.clone(),
        commands,
        logs,
        user,
        error,
        oauth_error,
        denial: transaction.denial.clone(),
        redirect,
        resumed_from: None,
        metadata_updates: transaction.metadata_updates.clone(),
        warnings,
        requests,
        packages,
        result,
        scripts,
        jwks,
        signing_key,
        api_signing_secret: tokens.generated_api_secret,
        timings_us: timings,
    })
}

/// Auth0 appends a `state` to the redirect URL, which the site sends back
/// to `/continue`. actionbox derives it from the event and the script, so a
/// rerun of the same login redirects with the same state.
fn with_state(mut redirect: Redirect, event: &Value) -> Redirect {
    if let Some(id) = redirect.prompt.as_ref().and_then(|p| p["id"].as_str()) {
        // Auth0 shows the form on its Universal Login pages; this address
        // is actionbox's stand-in for that page (docs/behaviour.md).
        let host = event
            .pointer("/request/hostname")
            .and_then(Value::as_str)
            .unwrap_or("tenant.auth0.com");
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        redirect.url = format!("https://{host}/u/forms/{id}");
    }
    let state = redirect_state(&redirect.script, event);
    redirect.state = state.clone();
    if let Ok(mut url) = url::Url::parse(&redirect.url) {
        url.query_pairs_mut().append_pair("state", &state);
        redirect.url = url.to_string();
    }
    redirect
}

/// Masks secret values in the outcome, except where the output is what
/// Auth0 itself would send. Tokens are left exactly as issued; a secret in
/// one becomes a `secret_in_token` warning naming the claim and the secret.
/// What the application receives (denial reasons, the redirect URL) keeps
/// Rules configuration values as they are, as Auth0 does.
pub(crate) fn redact(mut outcome: Outcome, redactor: &Redactor) -> Outcome {
    if redactor.is_empty() {
        return outcome;
    }
    for (name, token) in [
        ("id_token", &outcome.id_token),
        ("access_token", &outcome.access_token),
    ] {
        let Some(token) = token else { continue };
        for found in redactor.secrets_in_token(&token.payload) {
            outcome.warnings.push(Warning::coded(
                "actionbox",
                "secret_in_token",
                format!(
                    "the {} claim '{}' holds {}: Auth0 would issue it to the application as it is",
                    name.replace('_', " "),
                    found.claim,
                    found.source.describe()
                ),
            ));
        }
    }
    let id_token = outcome.id_token.take();
    let access_token = outcome.access_token.take();
    // The user (as large as the event) is masked where it is, not copied
    // through the JSON round trip the rest of the outcome takes.
    let mut user = std::mem::take(&mut outcome.user);
    redactor.value(&mut user);
    let secrets_only = redactor.secrets_only();
    let mut as_sent = (
        outcome.denial.take(),
        outcome.oauth_error.take(),
        outcome.redirect.take(),
        outcome.resumed_from.take(),
        std::mem::take(&mut outcome.dropped_claims),
    );
    // Most outcomes hold no secret: their JSON text, written in one buffer,
    // tells so without building a JSON value to walk, and a value is built,
    // masked and read back only where a secret may be.
    fn may_hold(redactor: &Redactor, part: &impl serde::Serialize) -> bool {
        serde_json::to_string(part).map_or(true, |json| redactor.may_find_in_json(&json))
    }
    if may_hold(&secrets_only, &as_sent)
        && let Ok(mut value) = serde_json::to_value(&as_sent)
        && secrets_only.finds_in(&value)
    {
        secrets_only.value(&mut value);
        if let Ok(scrubbed) = serde_json::from_value(value) {
            as_sent = scrubbed;
        }
    }
    if may_hold(redactor, &outcome)
        && let Ok(mut masked) = serde_json::to_value(&outcome)
        && redactor.finds_in(&masked)
    {
        redactor.value(&mut masked);
        if let Ok(scrubbed) = serde_json::from_value(masked) {
            outcome = scrubbed;
        }
    }
    (
        outcome.denial,
        outcome.oauth_error,
        outcome.redirect,
        outcome.resumed_from,
        outcome.dropped_claims,
    ) = as_sent;
    outcome.id_token = id_token;
    outcome.access_token = access_token;
    outcome.user = user;
    outcome
}
