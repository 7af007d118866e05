//! Every Action trigger: its event, its `api`, its handler, and what the
//! flow produces — with the example Actions in actions/.

use crate::common::*;
use actionbox::net::NetPolicy;
use actionbox::{Flow, NodeConfig, Outcome, Resume, Runner, Script, Settings, Status, Trigger};
use serde_json::{Value, json};

fn run_trigger(trigger: Trigger, scripts: Vec<Script>, event: Option<Value>) -> Outcome {
    let mut flow = Flow::new(trigger, scripts).with_limits(test_limits());
    flow.event = event;
    flow.node.net.mocks = NetPolicy::read_mocks(&example("mocks/services.json")).expect("mocks");
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

fn run_example(trigger: Trigger, name: &str, event_name: &str) -> Outcome {
    run_trigger(
        trigger,
        vec![script(&example(name))],
        Some(event(event_name)),
    )
}

fn inline(trigger: Trigger, source: &str) -> Outcome {
    let script = Script::from_source("test.js", source).expect("script");
    run_trigger(trigger, vec![script], None)
}

#[test]
fn every_trigger_has_a_complete_default_event_and_its_own_api() {
    let cases = [
        (
            Trigger::CredentialsExchange,
            "onExecuteCredentialsExchange",
            "access,accessToken,cache,transaction",
        ),
        (
            Trigger::PreUserRegistration,
            "onExecutePreUserRegistration",
            "access,user,validation,cache",
        ),
        (
            Trigger::PostUserRegistration,
            "onExecutePostUserRegistration",
            "cache",
        ),
        (
            Trigger::PostChangePassword,
            "onExecutePostChangePassword",
            "cache",
        ),
        (
            Trigger::SendPhoneMessage,
            "onExecuteSendPhoneMessage",
            "cache",
        ),
        (
            Trigger::PasswordResetPostChallenge,
            "onExecutePostChallenge",
            "access,authentication,prompt,redirect,cache,transaction",
        ),
        (
            Trigger::CustomTokenExchange,
            "onExecuteCustomTokenExchange",
            "access,authentication,user,cache",
        ),
    ];
    for (trigger, handler, api_keys) in cases {
        let source = format!(
            "exports.{handler} = async (event, api) => {{ console.log(Object.keys(api).join(',')); console.log(Object.keys(event).sort().join(',')); }};"
        );
        let outcome = inline(trigger, &source);
        assert_eq!(outcome.trigger, trigger);
        // A custom token exchange must also pick a user; this one does not.
        let expected_error = (trigger == Trigger::CustomTokenExchange).then_some(
            "Exactly one of api.authentication.setUserByConnection and api.authentication.setUserById must be called by the Custom Token Exchange action; none was.",
        );
        assert_eq!(
            outcome.error.as_ref().map(|e| e.message.as_str()),
            expected_error,
            "{trigger}"
        );
        let lines = logs(&outcome);
        assert_eq!(lines[0], api_keys, "{trigger}: api");
        for field in ["configuration", "request", "secrets", "tenant"] {
            assert!(
                lines[1].split(',').any(|k| k == field),
                "{trigger}: event lacks {field}: {}",
                lines[1]
            );
        }
    }
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

#[test]
fn credentials_exchange_issues_the_m2m_access_token() {
    let outcome = run_example(
        Trigger::CredentialsExchange,
        "m2m-tenant-claim.js",
        "credentials-exchange.json",
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert!(outcome.id_token.is_none());
    let token = outcome.access_token.expect("access token");
    let payload = &token.payload;
    assert_eq!(payload["sub"], "m2mZ8x7C6v5B4n3M2q1W0e9R8t7Y6u5I@clients");
    assert_eq!(payload["gty"], "client-credentials");
    assert_eq!(payload["azp"], "m2mZ8x7C6v5B4n3M2q1W0e9R8t7Y6u5I");
    assert_eq!(payload["aud"], "https://api.acme.example");
    assert_eq!(payload["scope"], "read:invoices write:invoices");
    assert_eq!(payload["https://api.acme.example/team"], "billing");
    assert!(token.jwt.is_some());
}

#[test]
fn credentials_exchange_follows_the_apis_rfc9068_profile() {
    let settings: Settings = serde_json::from_value(json!({
        "apis": [{ "identifier": "https://api.acme.example", "profile": "rfc9068" }]
    }))
    .expect("settings");
    let flow = Flow::new(
        Trigger::CredentialsExchange,
        vec![script(&example("m2m-tenant-claim.js"))],
    )
    .with_event(event("credentials-exchange.json"))
    .with_settings(settings)
    .with_limits(test_limits());
    let outcome = Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"));
    let token = outcome.access_token.expect("access token");
    assert_eq!(token.header["typ"], "at+jwt");
    let payload = &token.payload;
    assert_eq!(payload["client_id"], "m2mZ8x7C6v5B4n3M2q1W0e9R8t7Y6u5I");
    assert_eq!(payload["sub"], "m2mZ8x7C6v5B4n3M2q1W0e9R8t7Y6u5I@clients");
    assert!(payload["jti"].is_string());
    assert!(payload.get("azp").is_none() && payload.get("gty").is_none());
    assert_eq!(payload["https://api.acme.example/team"], "billing");
}

#[test]
fn credentials_exchange_denies_with_the_code_and_target_scopes_stay_within_the_grant() {
    let mut retired = event("credentials-exchange.json");
    retired["client"]["metadata"]["retired"] = json!("true");
    let outcome = run_trigger(
        Trigger::CredentialsExchange,
        vec![script(&example("m2m-tenant-claim.js"))],
        Some(retired),
    );
    assert_eq!(outcome.status, Status::Denied);
    assert!(outcome.access_token.is_none());
    let oauth = outcome.oauth_error.expect("oauth error");
    assert_eq!(oauth.error, "invalid_request");
    assert_eq!(
        oauth.error_description,
        "Acme Billing Worker is retired; use the new billing worker"
    );

    let outcome = run_trigger(
        Trigger::CredentialsExchange,
        vec![action(
            "scopes.js",
            "exports.onExecuteCredentialsExchange = async (event, api) => {
               api.transaction.setTargetScopes(['read:invoices', 'admin:everything']);
               console.log(JSON.stringify(event.transaction.target_scopes));
               try { api.transaction.addTargetScope('two words'); } catch (e) { console.log(e.message); }
             };",
        )],
        Some(event("credentials-exchange.json")),
    );
    assert_eq!(
        logs(&outcome),
        [
            r#"["read:invoices","admin:everything"]"#,
            "The value for the scope must not have whitespace."
        ]
    );
    // admin:everything is not in the client grant: silently dropped.
    assert_eq!(
        outcome.access_token.expect("token").payload["scope"],
        "read:invoices"
    );
}

#[test]
fn pre_user_registration_creates_the_user_with_metadata_or_denies_with_a_message() {
    let outcome = run_example(
        Trigger::PreUserRegistration,
        "deny-disposable-signups.js",
        "pre-user-registration.json",
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(outcome.user["app_metadata"]["referral_code"], "FRIEND2026");
    assert_eq!(outcome.user["user_metadata"]["signup_locale"], "en");
    assert_eq!(
        outcome.result["created_user"]["email"],
        "sam.lee@acme.example"
    );
    assert!(outcome.access_token.is_none() && outcome.id_token.is_none());

    let mut disposable = event("pre-user-registration.json");
    disposable["user"]["email"] = json!("throwaway@mailinator.com");
    let outcome = run_trigger(
        Trigger::PreUserRegistration,
        vec![script(&example("deny-disposable-signups.js"))],
        Some(disposable),
    );
    assert_eq!(outcome.status, Status::Denied);
    let denial = outcome.denial.expect("denial");
    assert_eq!(denial.reason, "disposable_email_domain");
    assert_eq!(
        denial.user_message.as_deref(),
        Some("Please sign up with a permanent email address.")
    );
    assert_eq!(
        outcome.oauth_error.expect("oauth").error,
        "extensibility_error"
    );
}

#[test]
fn pre_user_registration_validates_set_user_id_and_validation_errors() {
    let outcome = inline(
        Trigger::PreUserRegistration,
        "exports.onExecutePreUserRegistration = async (event, api) => {
           try { api.user.setUserId('bad id!'); } catch (e) { console.log(e.message); }
           try { api.validation.error('x'.repeat(101), 'm'); } catch (e) { console.log(e.message); }
           api.user.setUserId('legacy.42');
         };",
    );
    assert_eq!(
        logs(&outcome),
        [
            r#"Invalid setUserId arguments: user_id must match pattern "^[a-zA-Z0-9@._+-]{1,255}$""#,
            "Failed to add validation error: errorCode must NOT have more than 100 characters"
        ]
    );
    assert_eq!(outcome.user["user_id"], "legacy.42");
}

#[test]
fn post_user_registration_and_post_change_password_do_not_block() {
    let outcome = run_example(
        Trigger::PostUserRegistration,
        "notify-crm-on-signup.js",
        "post-user-registration.json",
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(outcome.result["blocking"], false);
    assert_eq!(outcome.requests[0].status, Some(201));
    // The API key travels in a header that is never shown.
    assert!(
        !serde_json::to_string(&outcome)
            .expect("json")
            .contains("sk_test_do_not_print_me")
    );

    let mut no_mocks = Flow::new(
        Trigger::PostChangePassword,
        vec![script(&example("revoke-sessions-on-password-change.js"))],
    )
    .with_event(event("post-change-password.json"))
    .with_limits(test_limits());
    no_mocks.node = NodeConfig::default();
    let outcome = Runner::new().run(&no_mocks).expect("runs");
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome.oauth_error.is_none(),
        "nothing waits for it: {:?}",
        outcome.oauth_error
    );
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.message.contains("do not block Auth0"))
    );

    let outcome = run_example(
        Trigger::PostChangePassword,
        "revoke-sessions-on-password-change.js",
        "post-change-password.json",
    );
    assert_eq!(
        logs(&outcome),
        ["revoked sessions of auth0|6551f0c2a9b3e4d5f6a7b8c9"]
    );
}

#[test]
fn send_phone_message_reports_the_message_and_the_delivery() {
    let outcome = run_example(
        Trigger::SendPhoneMessage,
        "send-sms-with-twilio.js",
        "send-phone-message.json",
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(outcome.result["message"]["recipient"], "+64211234567");
    assert_eq!(outcome.result["message"]["code"], "482913");
    let request = &outcome.requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.status, Some(201));
    assert!(
        request
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "[redacted]")
    );
    // The account SID is a secret: it is masked even inside the URL.
    assert!(
        request.url.contains("/Accounts/[redacted]/Messages.json"),
        "{}",
        request.url
    );
}

#[test]
fn password_reset_challenges_redirects_and_resumes() {
    let outcome = run_example(
        Trigger::PasswordResetPostChallenge,
        "password-reset-mfa.js",
        "password-reset-post-challenge.json",
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(outcome.mfa.len(), 1);
    assert_eq!(
        outcome.mfa[0].args[0],
        json!([{ "type": "otp" }, { "type": "phone" }])
    );
    assert_eq!(
        outcome.result["result_url"],
        "https://app.acme.example/password-changed?user=auth0%7C6551f0c2a9b3e4d5f6a7b8c9"
    );

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

#[test]
fn custom_token_exchange_selects_exactly_one_user() {
    let outcome = run_example(
        Trigger::CustomTokenExchange,
        "exchange-legacy-token.js",
        "custom-token-exchange.json",
    );
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(outcome.result["user"]["by"], "connection");
    assert_eq!(outcome.result["user"]["attributes"]["user_id"], "legacy-42");
    assert_eq!(
        outcome.result["metadata_updates"]["app_metadata"]["migrated_from"],
        "legacy-idp"
    );

    let mut forged = event("custom-token-exchange.json");
    forged["transaction"]["subject_token"] = json!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm9wZQ");
    let outcome = run_trigger(
        Trigger::CustomTokenExchange,
        vec![script(&example("exchange-legacy-token.js"))],
        Some(forged),
    );
    assert_eq!(outcome.status, Status::Denied);
    let oauth = outcome.oauth_error.expect("oauth");
    assert_eq!(oauth.error, "invalid_request");
    assert_eq!(
        oauth.error_description,
        "invalid subject token: invalid signature"
    );

    let outcome = inline(
        Trigger::CustomTokenExchange,
        "exports.onExecuteCustomTokenExchange = async () => {};",
    );
    assert_eq!(outcome.status, Status::Failed);
    assert!(error_message(&outcome).starts_with(
        "Exactly one of api.authentication.setUserByConnection and api.authentication.setUserById"
    ));

    let outcome = inline(
        Trigger::CustomTokenExchange,
        "exports.onExecuteCustomTokenExchange = async (event, api) => {
           try { api.authentication.setActor({ sub: 'svc', act: { sub: 'a', one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 } }); } catch (e) { console.log(e.message); }
           try { api.authentication.setUserByConnection('db', { email: 'x' }, { creationBehavior: 'sometimes', updateBehavior: 'none' }); } catch (e) { console.log(e.message); }
           api.authentication.setUserById('auth0|1');
           api.authentication.setUserById('auth0|2');
         };",
    );
    assert_eq!(
        logs(&outcome),
        [
            "No more than 5 custom properties are allowed in the actor object.",
            "Invalid setUserByConnection arguments: user_attributes must have required property 'user_id'; creationBehavior must be equal to one of the allowed values"
        ]
    );
    assert!(
        error_message(&outcome).contains("called 2 times"),
        "{}",
        error_message(&outcome)
    );
}
