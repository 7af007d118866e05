//! Action triggers: what a scenario folder cannot say — an Action refused
//! for the trigger it runs on, and a redirect resumed at /continue. Every
//! trigger's event, `api` and result, with the example Actions, are
//! scenarios: tests/scenarios/triggers/.

use crate::common::*;
use actionbox::net::NetPolicy;
use actionbox::{Flow, Outcome, Resume, Runner, Script, Status, Trigger};
use serde_json::{Value, json};

fn run_trigger(trigger: Trigger, scripts: Vec<Script>, event: Option<Value>) -> Outcome {
    let mut flow = Flow::new(trigger, scripts).with_limits(test_limits());
    flow.event = event;
    flow.node.net.mocks = NetPolicy::read_mocks(&example("mocks/services.json")).expect("mocks");
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_action_is_checked_against_the_trigger_it_runs_on() {
    let script = script(&example("m2m-tenant-claim.js"));
    let error = Runner::new()
        .run(&Flow::new(Trigger::PreUserRegistration, vec![script]))
        .expect_err("wrong trigger");
    let message = error.to_string();
    assert!(
        message.contains("exports the credentials-exchange handler `onExecuteCredentialsExchange`"),
        "{message}"
    );
    assert!(
        message.contains("the flow is pre-user-registration"),
        "{message}"
    );
}

/// The example's challenge is a scenario
/// (tests/scenarios/triggers/password-reset-challenges-with-mfa); the
/// redirect and its resumption at /continue take two runs.
#[test]
fn password_reset_redirects_and_resumes() {
    let verify = action(
        "verify-identity.js",
        "exports.onExecutePostChallenge = async (event, api) => {
           console.log(typeof api.redirect.canRedirect, api.redirect.sendUserTo('https://verify.acme.example/start'));
         };
         exports.onContinuePostChallenge = async (event, api) => {
           if (event.request.query.result !== 'ok') api.access.deny('identity not verified');
         };",
    );
    let ev = event("password-reset-post-challenge.json");
    let first = run_trigger(
        Trigger::PasswordResetPostChallenge,
        vec![verify.clone()],
        Some(ev.clone()),
    );
    assert_eq!(first.status, Status::Redirected);
    assert_eq!(logs(&first), ["undefined undefined"]);
    let mut query = serde_json::Map::new();
    query.insert("result".into(), json!("failed"));
    query.insert(
        "state".into(),
        json!(first.redirect.as_ref().expect("redirect").state),
    );
    let resumed = Flow::new(Trigger::PasswordResetPostChallenge, vec![verify])
        .with_event(ev)
        .resuming(Resume {
            script: "verify-identity.js".into(),
            prior_commands: first.commands.clone(),
            query,
            body: Default::default(),
        });
    let outcome = Runner::new().run(&resumed).expect("resumes");
    assert_eq!(outcome.status, Status::Denied);
    assert_eq!(
        outcome.denial.expect("denial").reason,
        "identity not verified"
    );
}

/// `event.configuration` exists for every trigger (Marketplace integration
/// Actions read it and crash without it): `{}` by default, the settings'
/// `action_configuration` for that Action otherwise.
#[test]
fn every_trigger_gives_actions_their_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = dir.path().join("actionbox.json");
    std::fs::write(
        &settings,
        json!({ "action_configuration": { "show-configuration": { "REGION": "eu", "PLAN": "pro" } } })
            .to_string(),
    )
    .expect("write");
    for trigger in Trigger::ALL {
        let script = dir.path().join("show-configuration.js");
        std::fs::write(
            &script,
            format!(
                "exports.{} = async (event) => {{ console.log(JSON.stringify(event.configuration)); }};",
                trigger.handler()
            ),
        )
        .expect("write");
        let script = script.to_str().expect("path");
        let trigger_name = trigger.to_string();
        let bare = json(&actionbox(&[
            "run",
            script,
            "--trigger",
            &trigger_name,
            "--format",
            "json",
        ]));
        assert_eq!(bare["logs"][0]["message"], "{}", "{trigger}: {bare}");
        let configured = json(&actionbox(&[
            "run",
            script,
            "--trigger",
            &trigger_name,
            "--settings",
            settings.to_str().expect("path"),
            "--format",
            "json",
        ]));
        assert_eq!(
            configured["logs"][0]["message"], r#"{"PLAN":"pro","REGION":"eu"}"#,
            "{trigger}: {configured}"
        );
    }
}
