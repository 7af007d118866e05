//! Legacy Rules, unmodified: their globals, callback semantics, outputs, and
//! the login pipeline of Rules then Actions.

use crate::common::*;
use actionbox::{ErrorKind, Flow, Outcome, Resume, Runner, Script, Settings, Status};
use serde_json::{Value, json};

fn rule(name: &str, source: &str) -> Script {
    let script = Script::from_source(name, source).unwrap_or_else(|e| panic!("{e}"));
    assert!(script.is_rule(), "{name} is recognised as a Rule");
    script
}

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
fn the_motivating_rule_needs_a_legacy_client() {
    let social = event("post-login-social-legacy-scope.json");
    // The legacy client (as in the tenant settings): the scope word copies
    // the Rule's user.connection into the ID token.
    let legacy = run_flow(
        vec![example_rule("add-connection-to-user.js")],
        social.clone(),
        tenant_settings(),
    );
    assert_eq!(legacy.status, Status::Allowed, "{:?}", legacy.error);
    let payload = &legacy.id_token.as_ref().expect("id token").payload;
    assert_eq!(payload["connection"], "google-oauth2");
    assert_eq!(
        calls(&legacy),
        [r#"user.set("connection","google-oauth2")"#]
    );
    assert_eq!(
        legacy.commands[0].origin.as_deref(),
        Some("user.connection")
    );

    // OIDC-conformant: the attribute is not in the token, and the output says why.
    let conformant = run_flow(
        vec![example_rule("add-connection-to-user.js")],
        social,
        Settings::default(),
    );
    let payload = &conformant.id_token.as_ref().expect("id token").payload;
    assert!(payload.get("connection").is_none());
    let dropped = &conformant.dropped_claims[0];
    assert_eq!(
        (dropped.claim.as_str(), dropped.reason.as_str()),
        ("connection", "legacy_scope_ignored")
    );
    assert_eq!(dropped.script, "add-connection-to-user.js");
    assert!(
        dropped.detail.contains("OIDC-conformant"),
        "{}",
        dropped.detail
    );
}

#[test]
fn rules_see_the_context_and_user_auth0_built() {
    let outcome = run_rules(vec![rule(
        "inspect.js",
        "function (user, context, callback) {
           console.log(context.clientID, context.connection, context.connectionStrategy, context.protocol);
           console.log(context.stats.loginsCount, context.request.geoip.country_code, context.request.userAgent);
           console.log(typeof context.authentication.methods[0].timestamp, JSON.stringify(context.idToken));
           console.log(user.user_id, user.plan, user.app_metadata.plan, typeof user.user_metadata);
           callback(null, user, context);
         }",
    )]);
    assert_eq!(
        logs(&outcome),
        [
            "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j Username-Password-Authentication auth0 oidc-basic-profile",
            "17 NZ Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/132.0",
            "number {}",
            "auth0|6551f0c2a9b3e4d5f6a7b8c9 pro pro object",
        ]
    );
}

#[test]
fn a_rule_may_replace_user_and_context_through_the_callback() {
    let first = rule(
        "replace.js",
        "function (user, context, callback) {
           const next = Object.assign({}, user, { replaced: true });
           const ctx = Object.assign({}, context, { marker: 'kept' });
           callback(null, next, ctx);
         }",
    );
    let second = rule(
        "read.js",
        "function (user, context, callback) { console.log(String(user.replaced), context.marker); callback(null, user, context); }",
    );
    let third = rule(
        "omit.js",
        "function (user, context, callback) { user.also = 1; callback(null); }",
    );
    let fourth = rule(
        "read-again.js",
        "function (user, context, callback) { console.log(String(user.also), context.marker); callback(null, user, context); }",
    );
    let outcome = run_rules(vec![first, second, third, fourth]);
    assert_eq!(logs(&outcome), ["true kept", "1 kept"]);
}

#[test]
fn callback_errors_deny_with_auth0s_error_codes() {
    let deny = |body: &str| {
        run_rules(vec![
            rule(
                "deny.js",
                &format!("function (user, context, callback) {{ {body} }}"),
            ),
            rule(
                "later.js",
                "function (user, context, callback) { console.log('ran'); callback(null, user, context); }",
            ),
        ])
    };
    for (body, code, reason) in [
        (
            "callback(new UnauthorizedError('Only admins'));",
            "unauthorized",
            "Only admins",
        ),
        (
            "callback(new Error('Not today'));",
            "access_denied",
            "Not today",
        ),
        (
            "callback('You can not log in');",
            "access_denied",
            "You can not log in",
        ),
    ] {
        let outcome = deny(body);
        assert_eq!(outcome.status, Status::Denied, "{body}");
        let denial = outcome.denial.as_ref().expect("denied");
        assert_eq!(
            (denial.code.as_str(), denial.reason.as_str()),
            (code, reason),
            "{body}"
        );
        assert_eq!(denial.script, "deny.js");
        let oauth = outcome.oauth_error.as_ref().expect("oauth");
        assert_eq!(
            (oauth.error.as_str(), oauth.error_description.as_str()),
            (code, reason)
        );
        assert!(
            outcome.logs.is_empty(),
            "later Rules do not run after a deny"
        );
        assert_eq!(outcome.scripts, ["deny.js"]);
    }
}

#[test]
fn unauthorized_error_looks_like_auth0s() {
    let outcome = run_rules(vec![rule(
        "shape.js",
        "function (user, context, callback) {
           const e = new UnauthorizedError('nope');
           console.log(e instanceof Error, e instanceof UnauthorizedError, e.name, e.code, e.description, e.statusCode, e.message);
           callback(null, user, context);
         }",
    )]);
    assert_eq!(
        logs(&outcome),
        ["true true UnauthorizedError unauthorized nope 401 nope"]
    );
}

#[test]
fn a_throw_fails_the_login_with_access_denied() {
    for source in [
        "function (user, context, callback) { throw new Error('boom'); }",
        "async function (user, context, callback) { await null; throw new Error('boom'); }",
    ] {
        let outcome = run_rules(vec![rule("throws.js", source)]);
        assert_eq!(outcome.status, Status::Failed, "{source}");
        let error = outcome.error.as_ref().expect("error");
        assert_eq!(
            (error.kind, error.message.as_str()),
            (ErrorKind::Exception, "boom")
        );
        assert_eq!(
            outcome.oauth_error.as_ref().expect("oauth").error,
            "access_denied"
        );
    }
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
fn an_async_rule_can_call_back_later() {
    let outcome = run_rules(vec![rule(
        "later.js",
        "async function (user, context, callback) {
           await new Promise((r) => setTimeout(r, 5));
           context.idToken['https://app.acme.example/late'] = true;
           setTimeout(() => callback(null, user, context), 5);
         }",
    )]);
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        calls(&outcome),
        [r#"idToken.setCustomClaim("https://app.acme.example/late",true)"#]
    );
}

#[test]
fn a_second_callback_is_ignored_with_a_warning() {
    let outcome = run_rules(vec![
        rule(
            "twice.js",
            "function (user, context, callback) {
               callback(null, user, context);
               callback(new Error('too late'));
             }",
        ),
        rule(
            "next.js",
            "function (user, context, callback) { console.log('next ran'); callback(null, user, context); }",
        ),
    ]);
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(logs(&outcome), ["next ran"]);
    let warning = &outcome.warnings[0];
    assert_eq!(warning.script, "twice.js");
    assert!(
        warning
            .message
            .contains("callback was called more than once"),
        "{}",
        warning.message
    );
}

#[test]
fn context_outputs_become_the_commands_actions_would_record() {
    let outcome = run_flow(
        vec![
            rule(
                "outputs.js",
                "function (user, context, callback) {
                   context.idToken['https://app.acme.example/a'] = 1;
                   context.accessToken['https://app.acme.example/b'] = 2;
                   context.accessToken.scope = ['openid', 'read:orders', 'read:reports'];
                   context.multifactor = { provider: 'any', allowRememberBrowser: false };
                   context.samlConfiguration.audience = 'urn:acme';
                   context.samlConfiguration.mappings = { 'http://schemas.acme/plan': 'app_metadata.plan' };
                   context.primaryUser = 'auth0|primary';
                   callback(null, user, context);
                 }",
            ),
            rule(
                "overrides.js",
                "function (user, context, callback) {
                   context.idToken['https://app.acme.example/a'] = 'second';
                   callback(null, user, context);
                 }",
            ),
        ],
        event("post-login-database.json"),
        tenant_settings(),
    );
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    let described: Vec<String> = outcome
        .commands
        .iter()
        .map(|c| {
            format!(
                "{} {} {} ← {}",
                c.script,
                c.call,
                Value::Array(c.args.clone()),
                c.origin.clone().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            r#"overrides.js idToken.setCustomClaim ["https://app.acme.example/a","second"] ← context.idToken['https://app.acme.example/a']"#,
            r#"outputs.js accessToken.setCustomClaim ["https://app.acme.example/b",2] ← context.accessToken['https://app.acme.example/b']"#,
            r#"outputs.js accessToken.setScopes [["openid","read:orders","read:reports"]] ← context.accessToken.scope"#,
            r#"outputs.js multifactor.enable ["any",{"allowRememberBrowser":false}] ← context.multifactor"#,
            r#"outputs.js authentication.setPrimaryUser ["auth0|primary"] ← context.primaryUser"#,
            r#"outputs.js samlResponse.setAudience ["urn:acme"] ← context.samlConfiguration.audience"#,
            r#"outputs.js samlResponse.setAttribute ["http://schemas.acme/plan","pro"] ← context.samlConfiguration.mappings['http://schemas.acme/plan']"#,
        ]
    );
    let id = &outcome.id_token.as_ref().expect("id token").payload;
    assert_eq!(id["https://app.acme.example/a"], "second");
    assert_eq!(id["sub"], "auth0|primary");
    assert_eq!(id["amr"], json!(["mfa"]));
    let access = &outcome.access_token.as_ref().expect("access token").payload;
    assert_eq!(
        access["scope"], "openid read:orders read:reports",
        "the Rule's scope replaces the granted ones"
    );
    assert_eq!(access["https://app.acme.example/b"], 2);
}

#[test]
fn a_space_separated_scope_string_is_accepted_too() {
    let outcome = run_flow(
        vec![rule(
            "scope.js",
            "function (user, context, callback) { context.accessToken.scope = 'openid read:reports'; callback(null, user, context); }",
        )],
        event("post-login-database.json"),
        tenant_settings(),
    );
    assert_eq!(
        outcome.access_token.as_ref().expect("token").payload["scope"],
        "openid read:reports"
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

#[test]
fn configuration_is_available_and_never_printed() {
    let mut settings = Settings::default();
    settings.configuration.insert(
        "BLOCKED_DOMAINS".into(),
        "acme.example, spam.example".into(),
    );
    settings
        .configuration
        .insert("API_KEY".into(), "cfg-secret-value-123".into());
    let outcome = run_flow(
        vec![
            rule(
                "leak.js",
                "function (user, context, callback) {
                   console.log('key', configuration.API_KEY);
                   context.idToken['https://app.acme.example/k'] = configuration.API_KEY;
                   callback(null, user, context);
                 }",
            ),
            example_rule("deny-blocked-domain.js"),
        ],
        event("post-login-database.json"),
        settings,
    );
    assert_eq!(outcome.status, Status::Denied);
    assert_eq!(
        outcome.denial.as_ref().expect("denied").code,
        "unauthorized"
    );
    assert_eq!(
        outcome.denial.as_ref().expect("denied").reason,
        "Logins from acme.example are not allowed."
    );
    let printed = serde_json::to_string(&outcome).expect("json");
    assert!(!printed.contains("cfg-secret-value-123"), "{printed}");
    assert_eq!(logs(&outcome), ["key [redacted]"]);
}

#[test]
fn versioned_requires_resolve_like_unversioned_ones() {
    let outcome = run_rules(vec![rule(
        "require.js",
        "function (user, context, callback) {
           const util = require('util@0.10.3');
           const { URL } = require('url@0.11.0');
           console.log(util.format('%s-%d', 'a', 1), new URL('https://a.example/x').pathname, require('util') === util);
           try { require('not-a-module@1.0.0'); } catch (e) { console.log(e.code); }
           callback(null, user, context);
         }",
    )]);
    assert_eq!(logs(&outcome), ["a-1 /x true", "MODULE_NOT_FOUND"]);
}

#[test]
fn auth0_users_updates_metadata_in_promise_and_callback_styles() {
    let outcome = run_flow(
        vec![
            example_rule("record-first-login.js"),
            rule(
                "callback-style.js",
                "function (user, context, callback) {
                   user.user_metadata = user.user_metadata || {};
                   user.user_metadata.theme = 'light';
                   auth0.users.updateUserMetadata(user.user_id, user.user_metadata, function (err, updated) {
                     console.log(String(err), updated.user_metadata.theme, auth0.domain, auth0.baseUrl);
                     callback(err, user, context);
                   });
                 }",
            ),
        ],
        event("post-login-database.json"),
        Settings {
            now: Some("2026-11-26T09:15:00Z".into()),
            ..Settings::default()
        },
    );
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    assert_eq!(
        logs(&outcome),
        ["null light acme-dev.us.auth0.com https://acme-dev.us.auth0.com/api/v2"]
    );
    let updates = &outcome.metadata_updates;
    assert_eq!(
        updates.app_metadata["first_login"],
        json!({ "at": "2026-11-26T09:15:00.000Z", "client": "Acme Web" })
    );
    assert_eq!(updates.user_metadata["theme"], "light");
    assert_eq!(outcome.user["app_metadata"]["plan"], "pro");
    assert_eq!(
        outcome.user["app_metadata"]["first_login"]["client"],
        "Acme Web"
    );
    let origins: Vec<_> = outcome
        .commands
        .iter()
        .filter_map(|c| c.origin.as_deref())
        .collect();
    assert!(
        origins.contains(&"auth0.users.updateAppMetadata")
            && origins.contains(&"auth0.users.updateUserMetadata")
    );
}

#[test]
fn rules_run_before_actions_whatever_the_order_given() {
    let action = action(
        "action.js",
        "exports.onExecutePostLogin = async (event, api) => {
           console.log('action', api.rules.wasExecuted('first-rule.js'), api.rules.wasExecuted('first-rule'), api.rules.wasExecuted('other'));
           console.log('plan', event.user.app_metadata.plan, String(event.user.connection));
         };",
    );
    let first = rule(
        "first-rule.js",
        "function (user, context, callback) {
           console.log('rule');
           user.connection = context.connection;
           auth0.users.updateAppMetadata(user.user_id, { plan: 'enterprise' }).then(() => callback(null, user, context));
         }",
    );
    let outcome = run_rules(vec![action, first]);
    assert_eq!(outcome.scripts, ["first-rule.js", "action.js"]);
    assert_eq!(
        logs(&outcome),
        [
            "rule",
            "action true true false",
            "plan enterprise undefined"
        ],
        "Actions see persisted metadata, not the Rule's unsaved user changes"
    );
}

#[test]
fn a_rule_deny_stops_the_actions() {
    let action = action(
        "action.js",
        "exports.onExecutePostLogin = async () => { console.log('action ran'); };",
    );
    let deny = rule(
        "deny.js",
        "function (user, context, callback) { callback(new Error('stop')); }",
    );
    let outcome = run_rules(vec![deny, action]);
    assert_eq!(outcome.status, Status::Denied);
    assert!(outcome.logs.is_empty());
    assert_eq!(outcome.scripts, ["deny.js"]);
}

#[test]
fn a_rule_claim_is_overwritten_by_an_action_setting_the_same_claim() {
    let rule_claim = rule(
        "rule.js",
        "function (user, context, callback) { context.idToken['https://app.acme.example/tier'] = 'rule'; callback(null, user, context); }",
    );
    let action_claim = action(
        "action.js",
        "exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim('https://app.acme.example/tier', 'action'); };",
    );
    let outcome = run_rules(vec![rule_claim, action_claim]);
    assert_eq!(
        outcome.id_token.as_ref().expect("id token").payload["https://app.acme.example/tier"],
        "action"
    );
}

#[test]
fn rule_sources_load_like_auth0_loads_them() {
    for source in [
        "/** JSDoc */\nfunction named(user, context, callback) { callback(null, user, context); }",
        "// comment\nasync function (user, context, callback) { callback(null, user, context); }\n// trailing comment",
        "function (user, context, callback) {\n  callback(null, user, context);\n}\n",
    ] {
        let outcome = run_rules(vec![rule("shape.js", source)]);
        assert_eq!(
            outcome.status,
            Status::Allowed,
            "{source}: {:?}",
            outcome.error
        );
    }
    let err = Runner::new()
        .run(&Flow::post_login(vec![rule(
            "semicolon.js",
            "function (user, context, callback) { callback(null, user, context); };",
        )]))
        .expect_err("a trailing semicolon breaks a Rule on Auth0");
    assert!(err.to_string().contains("remove the semicolon"), "{err}");
}

#[test]
fn a_profile_change_by_a_rule_reaches_the_id_token() {
    let outcome = run_rules(vec![rule(
        "picture.js",
        "function (user, context, callback) { user.picture = 'https://cdn.acme.example/default.png'; callback(null, user, context); }",
    )]);
    assert_eq!(
        outcome.id_token.as_ref().expect("id token").payload["picture"],
        "https://cdn.acme.example/default.png"
    );
}
