//! Tokens: what a scenario folder cannot say — signatures that verify with
//! the run's JWKS or the client secret, keys generated or re-read, and the
//! 100 KB cap (whose claims would make an unreadable expected.json). The
//! claims themselves and the reason for every dropped one are scenarios:
//! tests/scenarios/tokens/.

use crate::common::*;
use actionbox::{ErrorKind, Flow, Outcome, Runner, Settings, Status};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::Value;

fn run_with(settings: Settings, event: Value, source: &str) -> Outcome {
    let flow = Flow::post_login(vec![action("claims.js", source)])
        .with_event(event)
        .with_settings(settings)
        .with_limits(test_limits());
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

fn handler(body: &str) -> String {
    format!("exports.onExecutePostLogin = async (event, api) => {{ {body} }};")
}

fn db_event() -> Value {
    event("post-login-database.json")
}

/// Claims of exactly `total` bytes (names plus values, as JSON).
fn claims_of_size(total: usize) -> String {
    let key = "https://app.acme.example/big";
    let overhead = key.len() + 2 + 2; // both JSON strings' quotes
    handler(&format!(
        "api.idToken.setCustomClaim('{key}', 'x'.repeat({}));",
        total - overhead
    ))
}

#[test]
fn custom_claims_over_100_kb_fail_the_login() {
    let at_limit = run_with(tenant_settings(), db_event(), &claims_of_size(102_400));
    assert_eq!(at_limit.status, Status::Allowed, "{:?}", at_limit.error);
    let over = run_with(tenant_settings(), db_event(), &claims_of_size(102_401));
    assert_eq!(over.status, Status::Failed);
    let error = over.error.expect("login failed");
    assert_eq!(error.kind, ErrorKind::LoginFailed);
    assert!(error.message.contains("100 KB"), "{}", error.message);
    assert!(over.id_token.is_none() && over.access_token.is_none());
}

fn jwks(outcome: &Outcome) -> JwkSet {
    serde_json::from_value(outcome.jwks.clone().expect("the run's JWKS")).expect("a JWKS")
}

/// Verifies `jwt` with the key its `kid` names in the run's JWKS, which must
/// say the algorithm the token was signed with.
fn verify_with_the_runs_jwks(outcome: &Outcome, jwt: &str, alg: jsonwebtoken::Algorithm) {
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.alg, alg);
    let set = jwks(outcome);
    let jwk = set
        .find(header.kid.as_deref().expect("kid"))
        .expect("key in the JWKS");
    assert_eq!(
        jwk.common.key_algorithm.map(|a| format!("{a:?}")),
        Some(format!("{alg:?}")),
        "the JWK names the token's algorithm"
    );
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk).expect("key"), &validation)
        .expect("verifies");
}

fn id_jwt(outcome: &Outcome) -> &str {
    outcome
        .id_token
        .as_ref()
        .and_then(|t| t.jwt.as_deref())
        .expect("jwt")
}

#[test]
fn rs256_tokens_verify_with_the_runs_jwks() {
    let outcome = run_with(tenant_settings(), db_event(), &handler(""));
    for token in [&outcome.id_token, &outcome.access_token] {
        let jwt = token.as_ref().and_then(|t| t.jwt.as_deref()).expect("jwt");
        verify_with_the_runs_jwks(&outcome, jwt, jsonwebtoken::Algorithm::RS256);
    }
}

#[test]
fn a_generated_key_is_used_when_none_is_configured() {
    let outcome = run(
        vec![script(&example("add-connection.js"))],
        Some(db_event()),
    );
    verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::RS256);
}

#[test]
fn a_generated_key_for_ps256_names_ps256() {
    let mut settings = Settings::default();
    settings.signing.alg = actionbox::tenant::SigningAlg::PS256;
    let outcome = run_with(settings, db_event(), &handler(""));
    verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::PS256);
}

#[test]
fn a_configured_key_is_read_again_when_its_file_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pem = dir.path().join("signing.pem");
    let mut settings = Settings::default();
    settings.signing.private_key_pem = Some(pem.clone());
    let kid_with = |key: String| {
        std::fs::write(&pem, key).expect("write the key");
        let outcome = run_with(settings.clone(), db_event(), &handler(""));
        verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::decode_header(id_jwt(&outcome))
            .expect("header")
            .kid
            .expect("kid")
    };
    let first = actionbox::token::sign::generate_pem().expect("a key");
    let second = actionbox::token::sign::generate_pem().expect("a key");
    let first_kid = kid_with(first.clone());
    assert_ne!(kid_with(second), first_kid, "the new key signs");
    assert_eq!(kid_with(first), first_kid);
}

#[test]
fn hs256_id_tokens_verify_with_the_client_secret() {
    let mut settings = tenant_settings();
    settings.clients[0].id_token_alg = Some(actionbox::tenant::SigningAlg::HS256);
    let outcome = run_with(settings, db_event(), &handler(""));
    let token = outcome.id_token.as_ref().expect("id token");
    assert_eq!(token.header["alg"], "HS256");
    let jwt = token.jwt.as_deref().expect("jwt");
    let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_audience(&["k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j"]);
    let key = DecodingKey::from_secret(b"acme-web-client-secret-for-tests");
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).expect("verifies with the client secret");
    // The secret itself never appears in the output.
    assert!(
        !serde_json::to_string(&outcome)
            .expect("json")
            .contains("acme-web-client-secret-for-tests")
    );
}

#[test]
fn ps256_is_supported() {
    let mut settings = tenant_settings();
    settings.signing.alg = actionbox::tenant::SigningAlg::PS256;
    let outcome = run_with(settings, db_event(), &handler(""));
    assert_eq!(
        jsonwebtoken::decode_header(id_jwt(&outcome))
            .expect("header")
            .kid
            .as_deref(),
        Some("acme-test-1")
    );
    verify_with_the_runs_jwks(&outcome, id_jwt(&outcome), jsonwebtoken::Algorithm::PS256);
}

/// A hybrid flow's ID token carries `c_hash`, the left half of the SHA-256
/// of the code it comes with (OIDC Core 3.3.2.11), and `at_hash` of its
/// access token; that access token lives the API's `token_lifetime_for_web`.
#[test]
fn a_hybrid_flow_hashes_its_code_and_access_token_into_the_id_token() {
    use base64::Engine as _;
    let dir = "tests/scenarios/tokens/hybrid-code-id-token-token";
    let outcome = json(&actionbox(&[
        "run",
        &format!("{dir}/claims.js"),
        "--event",
        &format!("{dir}/event.json"),
        "--settings",
        &format!("{dir}/actionbox.json"),
        "--format",
        "json",
    ]));
    let half_hash = |text: &str| {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(text.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    };
    let code = outcome["authorization_code"].as_str().expect("a code");
    let id = &outcome["id_token"]["payload"];
    assert_eq!(id["c_hash"], half_hash(code));
    let access_jwt = outcome["access_token"]["jwt"].as_str().expect("access JWT");
    assert_eq!(id["at_hash"], half_hash(access_jwt));
    let access = &outcome["access_token"]["payload"];
    assert_eq!(
        access["exp"].as_u64().expect("exp") - access["iat"].as_u64().expect("iat"),
        7200
    );
}

/// An HS256 API: its access token names the API alone (Auth0's two-audience
/// token "requires that your custom API's signing algorithm is set to
/// RS256"), and with no `signing_secret` in the settings actionbox
/// generates one, as Auth0 does when the API is created, and says it: the
/// token verifies with that secret through the jsonwebtoken crate and
/// `actionbox verify`. Library and binary.
#[test]
fn an_hs256_api_gets_its_own_audience_and_a_generated_secret() {
    let mut settings = tenant_settings();
    settings.apis[0].signing_alg = Some(actionbox::tenant::SigningAlg::HS256);
    settings.apis[0].signing_secret = None;
    let api = settings.apis[0].identifier.clone();
    let check = |payload_aud: &Value, jwt: &str, secret: &str| {
        assert_eq!(payload_aud, &Value::String(api.clone()), "the API alone");
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_audience(&[api.as_str()]);
        jsonwebtoken::decode::<Value>(
            jwt,
            &DecodingKey::from_secret(secret.as_bytes()),
            &validation,
        )
        .expect("verifies with the generated secret");
    };

    // The library.
    let outcome = run_with(settings.clone(), db_event(), &handler(""));
    assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
    let access = outcome.access_token.as_ref().expect("access token");
    assert_eq!(access.header["alg"], "HS256");
    let generated = outcome
        .api_signing_secret
        .as_ref()
        .expect("a generated secret");
    assert_eq!(generated.api, api);
    assert!(generated.secret.len() >= 32, "{}", generated.secret);
    check(
        &access.payload["aud"],
        access.jwt.as_deref().expect("jwt"),
        &generated.secret,
    );
    // The ID token is still RS256 with its usual audience.
    assert_eq!(
        outcome.id_token.as_ref().expect("id token").header["alg"],
        "RS256"
    );

    // The binary, JSON and pretty.
    let dir = tempfile::tempdir().expect("tempdir");
    let settings_path = dir.path().join("actionbox.json");
    let mut written = serde_json::to_value(&settings).expect("settings serialise");
    written["signing"]["private_key_pem"] =
        Value::String(fixture("tenant/signing-key.pem").display().to_string());
    std::fs::write(&settings_path, written.to_string()).expect("write");
    let script_path = dir.path().join("claims.js");
    std::fs::write(&script_path, handler("")).expect("write");
    let args = |format: &'static str| {
        vec![
            "run".to_string(),
            script_path.display().to_string(),
            "--event".into(),
            repo()
                .join("actions/events/post-login-database.json")
                .display()
                .to_string(),
            "--settings".into(),
            settings_path.display().to_string(),
            "--format".into(),
            format.into(),
        ]
    };
    let run_binary = |format: &'static str| {
        let args = args(format);
        actionbox(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let output = json(&run_binary("json"));
    let secret = output["api_signing_secret"]["secret"]
        .as_str()
        .expect("secret shown");
    let jwt = output["access_token"]["jwt"].as_str().expect("jwt");
    check(&output["access_token"]["payload"]["aud"], jwt, secret);
    let verified = actionbox(&[
        "verify",
        jwt,
        "--secret",
        secret,
        "--now",
        "2026-11-26T09:15:00Z",
    ]);
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        stderr(&verified)
    );
    let pretty = run_binary("pretty");
    let text = String::from_utf8_lossy(&pretty.stdout).into_owned();
    assert!(
        text.contains("secret generated for API https://api.acme.example")
            && text.contains("actionbox verify --secret"),
        "{text}{}",
        stderr(&pretty)
    );
}

/// `sid` names the login's session; the legacy `/oauth/ro` and
/// `/delegation` endpoints start none (docs/claims.md).
#[test]
fn the_legacy_resource_owner_and_delegation_endpoints_issue_no_sid() {
    for (protocol, has_sid) in [
        ("oidc-basic-profile", true),
        ("oauth2-password", true),
        ("oauth2-resource-owner", false),
        ("delegation", false),
    ] {
        let mut event = db_event();
        event["transaction"]["protocol"] = Value::String(protocol.into());
        let outcome = run_with(tenant_settings(), event, &handler(""));
        assert_eq!(outcome.status, Status::Allowed, "{:?}", outcome.error);
        let payload = &outcome.id_token.as_ref().expect("id token").payload;
        assert_eq!(
            payload.get("sid").is_some(),
            has_sid,
            "{protocol}: {payload}"
        );
    }
}
