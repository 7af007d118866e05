//! Legacy Rules: what a scenario folder cannot say — a redirect resumed at
//! /continue, `global` across logins of one process, a timeout, a source
//! Auth0 refuses. Their globals, callback semantics and outputs, and the
//! login of Rules then Actions, are scenarios: tests/scenarios/rules/.

use crate::common::*;
use actionbox::{ErrorKind, Flow, Outcome, Resume, Runner, Script, Settings, Status};
use serde_json::{Value, json};

fn run_flow(scripts: Vec<Script>, event: Value, settings: Settings) -> Outcome {
    let flow = Flow::post_login(scripts)
        .with_event(event)
        .with_settings(settings)
        .with_limits(test_limits());
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

fn run_rules(scripts: Vec<Script>) -> Outcome {
    run_flow(
        scripts,
        event("post-login-database.json"),
        Settings::default(),
    )
}

#[test]
fn never_calling_back_times_out_with_auth0s_text() {
    let outcome = run_rules(vec![rule(
        "silent.js",
        "function (user, context, callback) { setTimeout(() => {}, 10); }",
    )]);
    let error = outcome.error.expect("timeout");
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert!(
        error
            .message
            .starts_with("Request to Webtask exceeded allowed execution time"),
        "{}",
        error.message
    );
}

#[test]
fn a_redirect_rule_redirects_and_all_rules_run_again_on_continue() {
    let redirect = rule(
        "redirect.js",
        "function (user, context, callback) {
           if (context.protocol === 'redirect-callback') {
             context.idToken['https://app.acme.example/answer'] = context.request.query.answer;
             context.redirect = { url: 'https://ignored.example' };
             console.log('resumed from', context.original_protocol);
           } else {
             context.redirect = { url: 'https://survey.acme.example/start' };
           }
           callback(null, user, context);
         }",
    );
    let counter = rule(
        "counter.js",
        "function (user, context, callback) { console.log('counter ran'); callback(null, user, context); }",
    );
    let flow = Flow::post_login(vec![redirect, counter])
        .with_event(event("post-login-database.json"))
        .with_limits(test_limits());
    let runner = Runner::new();
    let first = runner.run(&flow).expect("runs");
    assert_eq!(first.status, Status::Redirected);
    let state = first.redirect.as_ref().expect("redirect").state.clone();
    assert_eq!(
        first.redirect.as_ref().expect("redirect").url,
        format!("https://survey.acme.example/start?state={state}")
    );
    assert_eq!(
        first.redirect.as_ref().expect("redirect").script,
        "redirect.js"
    );
    assert_eq!(
        logs(&first),
        ["counter ran"],
        "a Rule's redirect happens after all Rules ran"
    );

    let mut query = serde_json::Map::new();
    query.insert("state".into(), json!(state));
    query.insert("answer".into(), json!("42"));
    let resumed = runner
        .run(&flow.clone().resuming(Resume {
            script: "redirect.js".into(),
            query,
            ..Resume::default()
        }))
        .expect("runs");
    assert_eq!(
        resumed.status,
        Status::Allowed,
        "context.redirect is ignored on continue"
    );
    assert_eq!(
        logs(&resumed),
        ["resumed from oidc-basic-profile", "counter ran"]
    );
    assert_eq!(
        resumed.id_token.as_ref().expect("id token").payload["https://app.acme.example/answer"],
        "42"
    );
}

#[test]
fn global_is_shared_by_the_rules_of_one_login_only() {
    let writer = rule(
        "writer.js",
        "function (user, context, callback) {
           console.log('before', String(global.cached));
           global.cached = 'from writer';
           callback(null, user, context);
         }",
    );
    let reader = rule(
        "reader.js",
        "function (user, context, callback) { console.log('reader', global.cached); callback(null, user, context); }",
    );
    let runner = Runner::with_threads(1);
    for _ in 0..2 {
        let flow =
            Flow::post_login(vec![writer.clone(), reader.clone()]).with_limits(test_limits());
        let outcome = runner.run(&flow).expect("runs");
        assert_eq!(logs(&outcome), ["before undefined", "reader from writer"]);
    }
}

/// The sources Auth0 accepts are a scenario
/// (tests/scenarios/rules/rule-sources-load-like-auth0-loads-them); this
/// one it refuses, so there is no outcome to compare.
#[test]
fn a_trailing_semicolon_breaks_a_rule_as_on_auth0() {
    let err = Runner::new()
        .run(&Flow::post_login(vec![rule(
            "semicolon.js",
            "function (user, context, callback) { callback(null, user, context); };",
        )]))
        .expect_err("a trailing semicolon breaks a Rule on Auth0");
    assert!(err.to_string().contains("remove the semicolon"), "{err}");
}

#[test]
fn rule_changes_to_user_survive_the_redirect_through_the_binary() {
    // Auth0: "user.jti will still be set when rules run again when
    // /continue is called" (docs/behaviour.md, "Redirects and /continue").
    let script = fixture("rules/redirect-with-jti.js");
    let event = example("events/post-login-database.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            script.to_str().expect("path"),
            "--event",
            event.to_str().expect("path"),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let output = actionbox(&args);
        assert!(output.status.code() == Some(0), "{}", stderr(&output));
        json(&output)
    };
    let first = run(&[]);
    assert_eq!(first["status"], "redirected");

    let resumed = run(&["--continue", "jti=jti-7f3a91"]);
    assert_eq!(resumed["status"], "allowed", "{resumed:#}");
    let payload = &resumed["id_token"]["payload"];
    assert_eq!(
        payload["https://app.acme.example/verified_jti"],
        "jti-7f3a91"
    );
    assert_eq!(payload["https://app.acme.example/mfa_started"], true);
    // Where the attribute came from: the first run's Rule, before the redirect.
    let origin = resumed["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .find(|c| c["call"] == "user.set" && c["args"][0] == "jti")
        .expect("the user.set of jti carried over");
    assert_eq!(origin["script"], "redirect-with-jti.js");

    let other = run(&["--continue", "jti=jti-other"]);
    assert_eq!(other["status"], "denied");
    assert_eq!(other["oauth_error"]["error"], "unauthorized");
}
