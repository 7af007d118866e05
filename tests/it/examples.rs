//! Every example in actions/ does what its comment says.

use std::collections::BTreeMap;

use crate::common::*;
use actionbox::{Flow, Resume, Runner, Settings, Status};
use serde_json::json;

fn settings_with_secrets(action: &str, secrets: &[(&str, &str)]) -> Settings {
    let mut settings = Settings::default();
    let values: BTreeMap<String, String> = secrets
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    settings.secrets.insert(action.to_string(), values);
    settings.now = Some("2026-11-26T09:15:00Z".into());
    settings
}

#[test]
fn add_connection_sets_the_connection_claim() {
    let outcome = run(
        vec![script(&example("add-connection.js"))],
        Some(event("post-login-social-legacy-scope.json")),
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(
        calls(&outcome),
        [r#"idToken.setCustomClaim("https://app.acme.example/connection","google-oauth2")"#]
    );
}

#[test]
fn the_auth0_namespace_attempt_records_the_tenant_domain_claim() {
    let outcome = run(
        vec![script(&example("add-connection-auth0-namespace.js"))],
        Some(event("post-login-social-legacy-scope.json")),
    );
    assert_eq!(
        calls(&outcome),
        [r#"idToken.setCustomClaim("https://acme-dev.us.auth0.com/connection","google-oauth2")"#]
    );
}

#[test]
fn deny_unverified_email_lets_verified_users_through() {
    let outcome = run(
        vec![script(&example("deny-unverified-email.js"))],
        Some(event("post-login-database.json")),
    );
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(
        outcome.logs[0].message,
        "allowed auth0|6551f0c2a9b3e4d5f6a7b8c9"
    );
}

#[test]
fn redirect_to_terms_redirects_then_records_the_answer_on_continue() {
    let secret = "terms-secret-123";
    let settings = settings_with_secrets("redirect-to-terms", &[("TERMS_SESSION_SECRET", secret)]);
    let flow = Flow::post_login(vec![script(&example("redirect-to-terms.js"))])
        .with_event(event("post-login-database.json"))
        .with_settings(settings.clone());
    let runner = Runner::new();
    let first = runner.run(&flow).expect("runs");
    assert_eq!(first.status, Status::Redirected, "{:?}", first.error);
    let url = first.redirect.as_ref().expect("redirect").url.clone();
    assert!(
        url.starts_with("https://terms.acme.example/accept?session_token="),
        "{url}"
    );
    // Auth0 appends its state, which /continue must carry back.
    let state = first.redirect.as_ref().expect("redirect").state.clone();
    assert!(
        url.ends_with(&format!("&version=2026-11&state={state}")),
        "{url}"
    );

    // The terms page answers /continue with a token of its own, signed with
    // the shared secret and carrying Auth0's state.
    let now = 1_795_684_500;
    let claims = json!({
        "sub": "auth0|6551f0c2a9b3e4d5f6a7b8c9",
        "iss": "acme-dev.us.auth0.com",
        "state": state,
        "terms_version": "2026-11",
        "iat": now,
        "exp": now + 300,
    });
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("signs");
    let answer = |accepted: &str, state: &str| {
        let mut query = serde_json::Map::new();
        query.insert("state".into(), json!(state));
        query.insert("session_token".into(), json!(token));
        query.insert("accepted".into(), json!(accepted));
        let resume = Resume {
            script: "redirect-to-terms.js".into(),
            prior_commands: Vec::new(),
            query,
            body: serde_json::Map::new(),
        };
        runner.run(&flow.clone().resuming(resume)).expect("runs")
    };
    let accepted = answer("yes", &state);
    assert_eq!(accepted.status, Status::Allowed, "{:?}", accepted.error);
    assert_eq!(
        calls(&accepted),
        [
            r#"redirect.validateToken({"tokenParameterName":"session_token"})"#,
            r#"user.setAppMetadata("terms_accepted","2026-11")"#,
            r#"idToken.setCustomClaim("https://app.acme.example/terms","2026-11")"#,
        ]
    );
    let declined = answer("no", &state);
    assert_eq!(declined.status, Status::Denied);
    assert_eq!(
        declined.denial.expect("denied").reason,
        "The terms of service were not accepted."
    );
    // A /continue with another state is refused before any script runs.
    let forged = answer("yes", "not-the-state");
    assert_eq!(forged.status, Status::Denied);
    let denial = forged.denial.expect("denied");
    assert_eq!(
        (denial.code.as_str(), denial.via.as_str()),
        ("invalid_request", "/continue")
    );
    assert!(forged.commands.is_empty());
}

#[test]
fn redirect_to_terms_denies_where_a_redirect_is_impossible() {
    let mut fixture = event("post-login-database.json");
    fixture["transaction"]["protocol"] = json!("oauth2-password");
    let outcome = run(
        vec![script(&example("redirect-to-terms.js"))],
        Some(fixture),
    );
    assert_eq!(outcome.status, Status::Denied);
}

#[test]
fn track_logins_writes_metadata_once_per_client() {
    let flow = Flow::post_login(vec![script(&example("track-logins-in-metadata.js"))])
        .with_event(event("post-login-database.json"))
        .with_settings(settings_with_secrets("unused", &[]));
    let outcome = Runner::new().run(&flow).expect("runs");
    assert_eq!(outcome.status, Status::Allowed);
    assert_eq!(
        outcome.metadata_updates.app_metadata["first_login_by_client"],
        json!({ "k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j": "2026-11-26T09:15:00.000Z" })
    );
    assert_eq!(outcome.metadata_updates.user_metadata["locale"], "en-GB");
    assert_eq!(
        outcome.user["app_metadata"]["plan"], "pro",
        "existing metadata is kept"
    );
}

#[test]
fn cache_crm_tier_caches_the_lookup_for_later_actions() {
    let tier = script(&example("cache-crm-tier.js"));
    let flow = Flow::post_login(vec![tier.clone(), tier])
        .with_event(event("post-login-database.json"))
        .with_settings(settings_with_secrets(
            "cache-crm-tier",
            &[("CRM_API_KEY", "sk_live_example")],
        ));
    let outcome = Runner::new().run(&flow).expect("runs");
    assert_eq!(outcome.status, Status::Allowed);
    let sets = outcome
        .commands
        .iter()
        .filter(|c| c.call == "cache.set")
        .count();
    assert_eq!(sets, 1, "the second run reads the cached tier");
    let claims: Vec<_> = outcome
        .commands
        .iter()
        .filter(|c| c.call == "accessToken.setCustomClaim")
        .collect();
    assert_eq!(claims.len(), 2);
    assert!(claims.iter().all(|c| c.args[1] == "gold"));
}

#[test]
fn enrich_from_crm_adds_the_tier_and_fails_open() {
    let mocks = actionbox::net::NetPolicy::read_mocks(&example("mocks/crm.json")).expect("mocks");
    let mut node = actionbox::NodeConfig::default();
    node.net.mocks = mocks;
    let flow = Flow::post_login(vec![script(&example("enrich-from-crm.js"))])
        .with_event(event("post-login-database.json"))
        .with_settings(settings_with_secrets(
            "enrich-from-crm.js",
            &[("CRM_API_KEY", "crm-key-123")],
        ))
        .with_node(node);
    let outcome = Runner::new().run(&flow).expect("runs");
    assert_eq!(
        calls(&outcome),
        [
            r#"idToken.setCustomClaim("https://acme.example/tier","gold")"#,
            r#"accessToken.setCustomClaim("https://acme.example/segment","enterprise")"#
        ]
    );
    assert_eq!(
        outcome.id_token.as_ref().expect("id token").payload["https://acme.example/tier"],
        "gold"
    );
    let request = &outcome.requests[0];
    assert_eq!(
        request.url,
        "https://crm.acme.example/v1/customers/auth0%7C6551f0c2a9b3e4d5f6a7b8c9?fields=tier%2Csegment"
    );
    assert!(
        !serde_json::to_string(&outcome)
            .expect("json")
            .contains("crm-key-123")
    );
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);

    // Without the mock the CRM is unreachable: the login still succeeds.
    let flow = Flow::post_login(vec![script(&example("enrich-from-crm.js"))])
        .with_event(event("post-login-database.json"));
    let outcome = Runner::new().run(&flow).expect("runs");
    assert_eq!(outcome.status, Status::Allowed);
    assert!(outcome.commands.is_empty());
    assert!(outcome.logs[0].message.starts_with("CRM unavailable (TypeError): fetch failed: network access to crm.acme.example is not allowed"), "{:?}", outcome.logs);
}
