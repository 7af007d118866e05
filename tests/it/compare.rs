//! compare: a Rule and its Action replacement, claim by claim, with the
//! reason for every difference.

use crate::common::*;
use actionbox::compare::{ClaimStatus, CompareInput, Comparison, compare};
use actionbox::{Runner, Script, Settings};
use serde_json::{Value, json};

fn input(rules: Vec<Script>, actions: Vec<Script>, event: Value) -> CompareInput {
    CompareInput {
        rules,
        actions,
        event: Some(event),
        settings: Settings::default(),
        rule_legacy_client: false,
        limits: test_limits(),
        node: Default::default(),
    }
}

fn run_compare(input: &CompareInput) -> Comparison {
    compare(&Runner::new(), input).unwrap_or_else(|e| panic!("{e}"))
}

fn status_of(comparison: &Comparison, token: &str, claim: &str) -> ClaimStatus {
    comparison
        .claims
        .iter()
        .find(|c| c.token == token && c.claim == claim)
        .unwrap_or_else(|| panic!("no row for {token}:{claim}: {:?}", comparison.claims))
        .status
}

fn explanation<'c>(
    comparison: &'c Comparison,
    subject: &str,
) -> &'c actionbox::compare::Explanation {
    comparison
        .explanations
        .iter()
        .find(|e| e.subject == subject)
        .unwrap_or_else(|| {
            panic!(
                "no explanation for {subject}: {:?}",
                comparison.explanations
            )
        })
}

fn social() -> Value {
    event("post-login-social-legacy-scope.json")
}

#[test]
fn the_motivating_rule_against_the_auth0_namespaced_action() {
    let mut input = input(
        vec![example_rule("add-connection-to-user.js")],
        vec![script(&example("add-connection-auth0-namespace.js"))],
        social(),
    );
    input.rule_legacy_client = true;
    let comparison = run_compare(&input);
    assert!(!comparison.equivalent);
    let row = comparison
        .claims
        .iter()
        .find(|c| c.claim == "connection")
        .expect("a connection row");
    assert_eq!(
        (row.status, row.rule.clone(), row.action.clone()),
        (ClaimStatus::OnlyRule, Some(json!("google-oauth2")), None)
    );
    let why = explanation(&comparison, "id_token:connection");
    assert!(why.cause.contains("reserved_namespace"), "{}", why.cause);
    assert!(
        why.cause
            .contains("https://acme-dev.us.auth0.com/connection"),
        "{}",
        why.cause
    );
    assert!(
        why.fix
            .contains("setCustomClaim('https://app.example.com/connection'"),
        "{}",
        why.fix
    );
    // The JSON contract.
    let value = serde_json::to_value(&comparison).expect("json");
    assert_eq!(value["equivalent"], false);
    assert_eq!(
        value["claims"][1],
        json!({ "token": "id_token", "claim": "connection", "rule": "google-oauth2", "action": null, "status": "only_rule" })
    );
    assert_eq!(value["rule"]["status"], "allowed");
    assert_eq!(
        value["action"]["dropped_claims"][0]["reason"],
        "reserved_namespace"
    );
}

#[test]
fn the_motivating_rule_against_the_correct_action_reports_what_remains() {
    let mut input = input(
        vec![example_rule("add-connection-to-user.js")],
        vec![script(&example("add-connection.js"))],
        social(),
    );
    input.rule_legacy_client = true;
    let comparison = run_compare(&input);
    assert!(!comparison.equivalent);
    assert_eq!(
        status_of(&comparison, "id_token", "connection"),
        ClaimStatus::OnlyRule
    );
    assert_eq!(
        status_of(
            &comparison,
            "id_token",
            "https://app.acme.example/connection"
        ),
        ClaimStatus::OnlyAction
    );
    assert_eq!(
        status_of(&comparison, "id_token", "email_verified"),
        ClaimStatus::OnlyAction
    );
    assert_eq!(
        status_of(&comparison, "id_token", "email"),
        ClaimStatus::Same
    );
    let why = explanation(&comparison, "id_token:connection");
    assert!(
        why.cause.contains("the Rule set user.connection"),
        "{}",
        why.cause
    );
    assert!(
        why.cause
            .contains("'https://app.acme.example/connection' instead"),
        "{}",
        why.cause
    );
    assert!(
        explanation(&comparison, "id_token:email_verified")
            .cause
            .contains("not OIDC-conformant")
    );
}

#[test]
fn a_plain_claim_under_current_rules_is_equivalent() {
    let mut input = input(
        vec![example_rule("add-connection-to-user.js")],
        vec![script(&example("add-connection-plain-claim.js"))],
        social(),
    );
    input.settings.legacy_client = true;
    let comparison = run_compare(&input);
    assert!(comparison.equivalent, "{:#?}", comparison.explanations);
    assert_eq!(
        status_of(&comparison, "id_token", "connection"),
        ClaimStatus::Same
    );
    assert!(comparison.explanations.is_empty());
}

#[test]
fn every_claim_status_and_the_ignored_claims() {
    let rule = Script::from_source(
        "r.js",
        "function (user, context, callback) {
           context.idToken['https://a.example/same'] = 1;
           context.idToken['https://a.example/differs'] = 'rule';
           context.idToken['https://a.example/only-rule'] = true;
           callback(null, user, context);
         }",
    )
    .expect("rule");
    let action = action(
        "a.js",
        "exports.onExecutePostLogin = async (event, api) => {
           api.idToken.setCustomClaim('https://a.example/same', 1)
             .idToken.setCustomClaim('https://a.example/differs', 'action')
             .idToken.setCustomClaim('https://a.example/only-action', true);
         };",
    );
    let comparison = run_compare(&input(
        vec![rule],
        vec![action],
        event("post-login-database.json"),
    ));
    assert_eq!(
        status_of(&comparison, "id_token", "https://a.example/same"),
        ClaimStatus::Same
    );
    assert_eq!(
        status_of(&comparison, "id_token", "https://a.example/differs"),
        ClaimStatus::Differs
    );
    assert_eq!(
        status_of(&comparison, "id_token", "https://a.example/only-rule"),
        ClaimStatus::OnlyRule
    );
    assert_eq!(
        status_of(&comparison, "id_token", "https://a.example/only-action"),
        ClaimStatus::OnlyAction
    );
    for ignored in ["iat", "exp", "jti"] {
        assert!(
            comparison.claims.iter().all(|c| c.claim != ignored),
            "{ignored} is compared"
        );
    }
    assert_eq!(
        comparison.explanations.len(),
        3,
        "{:#?}",
        comparison.explanations
    );
}

#[test]
fn a_value_from_a_context_field_is_traced_to_its_action_counterpart() {
    let rule = Script::from_source(
        "r.js",
        "function (user, context, callback) {
           context.idToken['https://a.example/login_at'] = context.authentication.methods[0].timestamp;
           context.idToken['https://a.example/country'] = context.request.geoip.country_code;
           callback(null, user, context);
         }",
    )
    .expect("rule");
    let action = action(
        "a.js",
        "exports.onExecutePostLogin = async (event, api) => {
           api.idToken.setCustomClaim('https://a.example/login_at', event.authentication.methods[0].timestamp);
           api.idToken.setCustomClaim('https://a.example/country', event.request.geoip.country_code);
         };",
    );
    let comparison = run_compare(&input(
        vec![rule],
        vec![action],
        event("post-login-database.json"),
    ));
    let time = explanation(&comparison, "id_token:https://a.example/login_at");
    assert!(
        time.cause
            .contains("context.authentication.methods[0].timestamp"),
        "{}",
        time.cause
    );
    assert!(
        time.cause
            .contains("event.authentication.methods[0].timestamp"),
        "{}",
        time.cause
    );
    assert!(time.cause.contains("epoch milliseconds"), "{}", time.cause);
    // The Action read a field that does not exist in Actions (snake_case).
    let country = explanation(&comparison, "id_token:https://a.example/country");
    assert!(
        country.cause.contains("event.request.geoip.countryCode"),
        "{}",
        country.cause
    );
    assert!(
        country.fix.contains("event.request.geoip.countryCode"),
        "{}",
        country.fix
    );
}

#[test]
fn a_deny_in_one_and_not_the_other() {
    let rule = Script::from_source(
        "r.js",
        "function (user, context, callback) { callback(new UnauthorizedError('admins only')); }",
    )
    .expect("rule");
    let allows = action("a.js", "exports.onExecutePostLogin = async () => {};");
    let comparison = run_compare(&input(
        vec![rule.clone()],
        vec![allows],
        event("post-login-database.json"),
    ));
    assert!(!comparison.equivalent);
    let why = explanation(&comparison, "status");
    assert!(
        why.cause.contains("denied (unauthorized: admins only"),
        "{}",
        why.cause
    );
    assert!(why.fix.contains("api.access.deny"), "{}", why.fix);
    assert!(
        comparison
            .claims
            .iter()
            .all(|c| c.status == ClaimStatus::OnlyAction)
    );

    let denies = action(
        "a.js",
        "exports.onExecutePostLogin = async (e, api) => { api.access.deny('admins only'); };",
    );
    let comparison = run_compare(&input(
        vec![rule],
        vec![denies],
        event("post-login-database.json"),
    ));
    assert!(
        !comparison.equivalent,
        "unauthorized and access_denied differ for the application"
    );
    assert!(
        explanation(&comparison, "denial")
            .cause
            .contains("Actions can only deny with access_denied")
    );
}

#[test]
fn metadata_mfa_and_redirect_differences_are_explained() {
    let rule = Script::from_source(
        "r.js",
        "function (user, context, callback) {
           context.multifactor = { provider: 'any', allowRememberBrowser: false };
           auth0.users.updateAppMetadata(user.user_id, { plan: 'gold' }).then(() => callback(null, user, context));
         }",
    )
    .expect("rule");
    let silver = action(
        "a.js",
        "exports.onExecutePostLogin = async (e, api) => { api.user.setAppMetadata('plan', 'silver'); };",
    );
    let comparison = run_compare(&input(
        vec![rule],
        vec![silver],
        event("post-login-database.json"),
    ));
    let subjects: Vec<&str> = comparison
        .differences
        .iter()
        .map(|d| d.aspect.as_str())
        .collect();
    assert_eq!(subjects, ["metadata_updates", "mfa"]);
    assert!(
        explanation(&comparison, "mfa")
            .fix
            .contains("api.multifactor.enable")
    );
    assert!(
        explanation(&comparison, "metadata_updates")
            .fix
            .contains("api.user.setAppMetadata")
    );

    let redirect_rule = Script::from_source(
        "r.js",
        "function (user, context, callback) { context.redirect = { url: 'https://a.example/x' }; callback(null, user, context); }",
    )
    .expect("rule");
    let plain = action("a.js", "exports.onExecutePostLogin = async () => {};");
    let comparison = run_compare(&input(
        vec![redirect_rule],
        vec![plain],
        event("post-login-database.json"),
    ));
    assert!(
        explanation(&comparison, "redirect")
            .fix
            .contains("onContinuePostLogin")
    );
}

#[test]
fn the_example_migration_pairs() {
    let settings = Settings::from_file(repo().join("actions/actionbox.json")).expect("settings");
    let pair = |rule: &str, action: &str, event: &str| {
        let mut input = input(
            vec![example_rule(rule)],
            vec![script(&example(action))],
            serde_json::from_str(
                &std::fs::read_to_string(repo().join("actions/events/migration").join(event))
                    .expect("event"),
            )
            .expect("json"),
        );
        input.settings = settings.clone();
        run_compare(&input)
    };
    assert!(
        pair(
            "add-roles-claim.js",
            "add-roles-claim.js",
            "customer-login.json"
        )
        .equivalent
    );
    assert!(
        pair(
            "require-mfa-for-admin-app.js",
            "require-mfa-for-admin-app.js",
            "admin-login.json"
        )
        .equivalent
    );
    assert!(
        pair(
            "deny-blocked-domain.js",
            "deny-blocked-domain.js",
            "customer-login.json"
        )
        .equivalent
    );
    let blocked = pair(
        "deny-blocked-domain.js",
        "deny-blocked-domain.js",
        "blocked-domain-login.json",
    );
    assert!(!blocked.equivalent);
    assert_eq!(blocked.differences[0].aspect, "denial");
}

#[test]
fn exit_codes_follow_equivalence() {
    let equivalent = actionbox(&[
        "compare",
        "actions/rules/add-roles-claim.js",
        "actions/add-roles-claim.js",
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    assert_eq!(
        equivalent.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&equivalent.stderr)
    );
    let value: Value = serde_json::from_slice(&equivalent.stdout).expect("json");
    assert_eq!(value["equivalent"], true);

    let different = actionbox(&[
        "compare",
        "actions/rules/add-connection-to-user.js",
        "--action",
        "actions/add-connection-auth0-namespace.js",
        "--rule-legacy-client",
        "--event",
        "actions/events/post-login-social-legacy-scope.json",
    ]);
    assert_eq!(different.status.code(), Some(1));

    let no_rule = actionbox(&["compare", "actions/add-connection.js"]);
    assert_eq!(no_rule.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_rule.stderr).contains("compare needs at least one Rule"));
}

#[test]
fn many_events_print_a_summary_first() {
    let output = actionbox(&[
        "compare",
        "actions/rules/deny-blocked-domain.js",
        "actions/deny-blocked-domain.js",
        "--event",
        "actions/events/migration",
        "--settings",
        "actions/actionbox.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = text.lines().skip(3).take(4).map(str::trim).collect();
    assert_eq!(
        summary,
        [
            "admin-login.json           ✔ equivalent",
            "blocked-domain-login.json  ✖ not equivalent (1 difference)",
            "customer-login.json        ✔ equivalent",
            "google-login.json          ✔ equivalent",
        ],
        "{text}"
    );
    assert!(text.contains("On blocked-domain-login.json"));
    assert!(
        !text.contains("On customer-login.json"),
        "equivalent events are summarised only"
    );
    assert!(text.contains("3 equivalent events not shown in detail"));

    let json_output = actionbox(&[
        "compare",
        "actions/rules/deny-blocked-domain.js",
        "actions/deny-blocked-domain.js",
        "--event",
        "actions/events/migration",
        "--settings",
        "actions/actionbox.json",
        "--format",
        "json",
    ]);
    let value: Value = serde_json::from_slice(&json_output.stdout).expect("json");
    assert_eq!(value["equivalent"], false);
    assert_eq!(value["events"].as_array().map(Vec::len), Some(4));
    assert!(
        value["events"][1]["event"]
            .as_str()
            .is_some_and(|e| e.ends_with("blocked-domain-login.json"))
    );
}

#[test]
fn pretty_output_reads_without_colour() {
    let output = actionbox(&[
        "compare",
        "actions/rules/add-connection-to-user.js",
        "actions/add-connection.js",
        "--rule-legacy-client",
        "--event",
        "actions/events/post-login-social-legacy-scope.json",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no '{prefix}' line in:\n{text}"))
    };
    assert!(line("− connection").contains("\"google-oauth2\""));
    assert!(line("+ https://app.acme.example/connection").contains("—"));
    assert!(line("= email ").contains("\"dmytro@example.org\""));
    assert!(text.contains("Why"));
    assert!(text.contains("fix:"));
}
