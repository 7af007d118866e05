//! The post-login `api`: what each method records, returns and throws,
//! against the behaviour of Auth0's published facade.

use crate::common::*;
use actionbox::{ErrorKind, Status};
use serde_json::json;

#[test]
fn every_method_records_one_command_in_order() {
    let outcome = run(
        vec![script(&fixture("actions/every-api-call.js"))],
        Some(event("post-login-database.json")),
    );
    assert_eq!(outcome.error, None, "{:?}", outcome.error);
    assert_eq!(
        calls(&outcome),
        [
            r#"idToken.setCustomClaim("https://acme.example/id",{"plan":"pro"})"#,
            r#"accessToken.setCustomClaim("https://acme.example/at",[1,2])"#,
            r#"accessToken.addScope("read:reports")"#,
            r#"accessToken.removeScope("write:orders")"#,
            r#"user.setAppMetadata("plan","enterprise")"#,
            r#"user.setUserMetadata("theme",null)"#,
            r#"multifactor.enable("any",{"allowRememberBrowser":true})"#,
            r#"authentication.challengeWith({"type":"otp"},{"additionalFactors":[{"type":"email"}]})"#,
            r#"authentication.challengeWithAny([{"type":"otp"},{"type":"phone"}])"#,
            r#"authentication.enrollWith({"type":"webauthn-platform"},null)"#,
            r#"authentication.enrollWithAny([{"type":"otp"}])"#,
            r#"authentication.recordMethod("https://acme.example/methods/kiosk")"#,
            r#"authentication.setPrimaryUser("auth0|primary")"#,
            r#"cache.set("greeting","hello",1798059300000)"#.replace("1798059300000", &cache_expiry(&outcome)).as_str(),
            r#"cache.delete("greeting")"#,
            r#"samlResponse.setAttribute("department","sales")"#,
            r#"samlResponse.setAudience("urn:acme")"#,
            r#"samlResponse.setLifetimeInSeconds(3600)"#,
            r#"samlResponse.setSignatureAlgorithm("rsa-sha256")"#,
            r#"samlResponse.setRelayState("relay")"#,
            r#"session.setExpiresAt(1798000000000)"#,
            r#"session.setIdleExpiresAt(1797000000000)"#,
            r#"session.setCookieMode("persistent")"#,
            r#"session.setMetadata({"device":"kiosk-7"})"#,
            r#"session.revoke("suspicious",{"preserveRefreshTokens":true})"#,
            r#"refreshToken.setExpiresAt(1798000000000)"#,
            r#"refreshToken.setIdleExpiresAt(1797000000000)"#,
            r#"refreshToken.setMetadata({"device":"kiosk-7"})"#,
            r#"refreshToken.revoke("rotated")"#,
            r#"transaction.setMetadata("risk",3)"#,
            r#"roles.getUserEffectiveRoles("auth0|6551f0c2a9b3e4d5f6a7b8c9",null,{})"#,
            r#"groups.getUserGroups("auth0|6551f0c2a9b3e4d5f6a7b8c9",{"take":10})"#,
            r#"validation.error("invalid_tier","Tier not allowed")"#,
            r#"access.deny("no access")"#,
        ]
    );
    // Every command names its script.
    assert!(
        outcome
            .commands
            .iter()
            .all(|c| c.script == "every-api-call.js")
    );
    // The first deny-like decision wins: validation.error came first.
    assert_eq!(outcome.status, Status::Denied);
    let denial = outcome.denial.expect("denied");
    assert_eq!(
        (denial.code.as_str(), denial.reason.as_str()),
        ("invalid_tier", "Tier not allowed")
    );
}

fn cache_expiry(outcome: &actionbox::Outcome) -> String {
    outcome
        .commands
        .iter()
        .find(|c| c.call == "cache.set")
        .map(|c| c.args[2].to_string())
        .unwrap_or_default()
}

/// Each documented synchronous throw, with Auth0's exact message.
#[test]
fn argument_checks_throw_where_auth0_throws() {
    let cases: &[(&str, &str)] = &[
        (
            "api.idToken.setCustomClaim('scope', 'x')",
            r#"The "scope" claim cannot be set."#,
        ),
        (
            "api.accessToken.setCustomClaim('scope', 'x')",
            r#"The "scope" claim cannot be set."#,
        ),
        (
            "api.accessToken.addScope(42)",
            "The value for the scope must be a string.",
        ),
        (
            "api.accessToken.addScope('   ')",
            "The value for the scope is required.",
        ),
        (
            "api.accessToken.removeScope('a b')",
            "The value for the scope must not have whitespace.",
        ),
        (
            "api.accessToken.addScope('x'.repeat(281))",
            "The value for the scope exceeds the allowed maximum of 280 characters.",
        ),
        ("api.redirect.sendUserTo('not a url')", "Invalid URL"),
        (
            "api.authentication.setPrimaryUser('')",
            "The provided primary_user_id must be a non-empty string",
        ),
        (
            "api.authentication.setPrimaryUser('x'.repeat(129))",
            "The provided primary_user_id exceeds the maximum length.",
        ),
        (
            "api.authentication.setPrimaryUser('a'); api.authentication.setPrimaryUser('b')",
            "The primary user can only be altered once per transaction",
        ),
        (
            "event.user.app_metadata = []; api.user.setAppMetadata('a', 1)",
            "Unexpected app_metadata format. Must be a valid JSON object",
        ),
        (
            "event.user.user_metadata = null; api.user.setUserMetadata('a', 1)",
            "Unexpected user_metadata format. Must be a valid JSON object.",
        ),
        (
            "api.validation.error()",
            " must have required property 'errorCode', must have required property 'errorMessage'",
        ),
        (
            "api.validation.error(1, 2)",
            "errorCode must be string; errorMessage must be string",
        ),
        (
            "api.validation.error('x'.repeat(101), 'm')",
            "errorCode must NOT have more than 100 characters",
        ),
        (
            "api.samlResponse.setAudience(null)",
            "audience must be string",
        ),
        (
            "api.samlResponse.setSignatureAlgorithm('md5')",
            "signatureAlgorithm must be equal to one of the allowed values",
        ),
        (
            "api.samlResponse.setNameIdentifierProbes([1,'a','b','c','d','e','f','g','h','i','j'])",
            "nameIdentifierProbes must NOT have more than 10 items; 0 must be string",
        ),
        (
            "api.samlResponse.setAttribute(5, 'x')",
            "attribute must be string",
        ),
        ("api.prompt.render(1)", "promptId must be string"),
        (
            "api.prompt.render('p', { other: 1 })",
            "promptOptions must NOT have additional properties",
        ),
        (
            "api.session.setExpiresAt(0)",
            "Either inactivity or absolute expiration time must be provided",
        ),
        (
            "api.session.setIdleExpiresAt('soon')",
            "inactivity must be number",
        ),
        (
            "api.session.setCookieMode()",
            "Cookie mode must be provided",
        ),
        (
            "api.session.setCookieMode('forever')",
            "Invalid cookie mode: forever. Valid values are 'persistent' and 'non-persistent'.",
        ),
        (
            "api.session.setMetadata('bad key', 'v')",
            "Failed to set session metadata: Invalid metadata: Metadata keys may only include letters, numbers, underscores, or hyphens",
        ),
        (
            "delete event.session; api.session.setMetadata('k', 'v')",
            "Failed to set session metadata: Cannot set metadata on a session that does not exist.",
        ),
        (
            "api.refreshToken.setMetadata('k', 5)",
            "Failed to set refresh token metadata: Invalid metadata: Metadata value must be a string",
        ),
        (
            "api.refreshToken.revoke('x'.repeat(1025))",
            "message must NOT have more than 1024 characters",
        ),
        (
            "api.transaction.addTargetScope('x')",
            "Method not implemented.",
        ),
        (
            "api.redirect.validateToken({ secret: 's' })",
            "There is no parameter called 'session_token' available in either the POST body or query string.",
        ),
    ];
    for (code, message) in cases {
        let outcome = run_action(&format!(
            "exports.onExecutePostLogin = async (event, api) => {{ {code}; }};"
        ));
        assert_eq!(outcome.status, Status::Failed, "{code}");
        assert_eq!(error_message(&outcome), *message, "{code}");
        assert_eq!(
            outcome.error.as_ref().map(|e| e.kind),
            Some(ErrorKind::Exception),
            "{code}"
        );
    }
}

#[test]
fn async_lookups_reject_instead_of_throwing() {
    let outcome = run_action(
        r#"exports.onExecutePostLogin = async (event, api) => {
             const pending = api.groups.getUserGroups({ take: -1 });
             console.log(typeof pending.then);
             try { await pending; } catch (e) { console.log(e.message); }
             try { await api.roles.getUserEffectiveRolesByNames([]); } catch (e) { console.log(e.message); }
           };"#,
    );
    let messages = logs(&outcome);
    assert_eq!(
        messages,
        [
            "function",
            r#"The "take" parameter must be a positive integer if provided."#,
            r#"The "names" parameter must be a non-empty array of strings."#,
        ]
    );
}

#[test]
fn the_cache_returns_error_codes_instead_of_throwing() {
    let outcome = run_action(
        r#"exports.onExecutePostLogin = async (event, api) => {
             const codes = [
               api.cache.set('k'.repeat(65), 'v').code,
               api.cache.set('k', 'v'.repeat(4097)).code,
               api.cache.set('k', 'v', { ttl: 0 }).code,
               api.cache.set('k', 'v', { ttl: 'soon' }).code,
               api.cache.set('k', 'v', { ttl: 1e300 }).code,
               api.cache.delete('missing').code,
             ];
             for (let i = 0; i < 4; i++) api.cache.set('k' + i, 'v'.repeat(4000));
             codes.push(api.cache.set('k5', 'v'.repeat(4000)).code);
             console.log(codes.join(' '));
           };"#,
    );
    assert_eq!(
        outcome.logs[0].message,
        "CacheKeySizeExceeded CacheValueSizeExceeded ItemAlreadyExpired InvalidExpiry InvalidExpiry CacheKeyDoesNotExist CacheSizeExceeded"
    );
}

#[test]
fn the_cache_carries_over_to_later_actions() {
    let writer = action(
        "writer.js",
        "exports.onExecutePostLogin = async (event, api) => { api.cache.set('k', 'from writer'); };",
    );
    let reader = action(
        "reader.js",
        "exports.onExecutePostLogin = async (event, api) => { console.log(api.cache.get('k').value); };",
    );
    let outcome = run(vec![writer, reader], None);
    assert_eq!(outcome.logs[0].message, "from writer");
}

#[test]
fn send_user_to_normalises_the_url_and_sets_the_query() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async (event, api) => {
           api.redirect.sendUserTo('https://Example.com?a=1', { query: { a: 2, b: 'x y' } });
         };",
    );
    assert_eq!(outcome.status, Status::Redirected);
    assert_eq!(
        calls(&outcome),
        [r#"redirect.sendUserTo("https://example.com/?a=2&b=x+y")"#]
    );
    // Auth0 appends its state for the /continue request.
    let redirect = outcome.redirect.expect("redirect");
    assert_eq!(
        redirect.url,
        format!("https://example.com/?a=2&b=x+y&state={}", redirect.state)
    );
    assert_eq!(redirect.state.len(), 24);
}

#[test]
fn can_redirect_is_false_for_prompt_none_and_password_grants() {
    let check = |event: serde_json::Value| {
        let script = action(
            "a.js",
            "exports.onExecutePostLogin = async (event, api) => { console.log(String(api.redirect.canRedirect())); };",
        );
        run(vec![script], Some(event)).logs[0].message.clone()
    };
    assert_eq!(
        check(json!({ "request": { "query": { "prompt": "none" } } })),
        "false"
    );
    assert_eq!(
        check(json!({ "transaction": { "protocol": "oauth2-password" } })),
        "false"
    );
    assert_eq!(
        check(json!({ "transaction": { "protocol": "oidc-basic-profile" } })),
        "true"
    );
}

/// Auth0: "if prompt=none was passed, then the authorization fails with
/// error=interaction_required", and redirects do not work in flows with no
/// browser. An Action's `sendUserTo` and a Rule's `context.redirect` deny
/// the login exactly when `api.redirect.canRedirect()` says false.
#[test]
fn a_redirect_that_cannot_happen_fails_with_interaction_required() {
    let dir = tempfile::tempdir().expect("tempdir");
    let action_path = dir.path().join("send-away.js");
    std::fs::write(
        &action_path,
        "exports.onExecutePostLogin = async (event, api) => {
           console.log(String(api.redirect.canRedirect()));
           api.redirect.sendUserTo('https://terms.acme.example/accept');
         };",
    )
    .expect("write");
    let rule_path = dir.path().join("send-away-rule.js");
    std::fs::write(
        &rule_path,
        "function (user, context, callback) {
           context.redirect = { url: 'https://terms.acme.example/accept' };
           callback(null, user, context);
         }",
    )
    .expect("write");
    let cases = [
        (
            json!({ "request": { "query": { "prompt": "none" } } }),
            false,
        ),
        (
            json!({ "transaction": { "protocol": "oauth2-password" } }),
            false,
        ),
        (
            json!({ "transaction": { "protocol": "oauth2-resource-owner" } }),
            false,
        ),
        (
            json!({ "transaction": { "protocol": "oauth2-refresh-token" } }),
            false,
        ),
        (
            json!({ "transaction": { "protocol": "oidc-basic-profile" } }),
            true,
        ),
    ];
    for (patch, can_redirect) in cases {
        let mut ev = event("post-login-database.json");
        json_patch(&mut ev, &patch);
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, ev.to_string()).expect("write");
        for script in [&action_path, &rule_path] {
            let output = actionbox(&[
                "run",
                script.to_str().expect("path"),
                "--event",
                event_path.to_str().expect("path"),
                "--format",
                "json",
            ]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            let outcome = json(&output);
            let context = format!("{patch} {}: {outcome}", script.display());
            if script == &action_path {
                assert_eq!(
                    outcome["logs"][0]["message"],
                    can_redirect.to_string(),
                    "{context}"
                );
            }
            if can_redirect {
                assert_eq!(outcome["status"], "redirected", "{context}");
                continue;
            }
            assert_eq!(outcome["status"], "denied", "{context}");
            assert_eq!(outcome["redirect"], serde_json::Value::Null, "{context}");
            assert_eq!(
                outcome["oauth_error"]["error"], "interaction_required",
                "{context}"
            );
            assert_eq!(outcome["id_token"], serde_json::Value::Null, "{context}");
            let via = if script == &action_path {
                "api.redirect.sendUserTo"
            } else {
                "context.redirect"
            };
            assert_eq!(outcome["denial"]["via"], via, "{context}");
        }
    }
}

fn json_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                json_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (t, p) => *t = p.clone(),
    }
}

#[test]
fn redirect_and_render_in_one_action_aborts_it() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async (event, api) => {
           api.prompt.render('consent');
           const r = api.redirect.sendUserTo('https://example.com');
           console.log(String(r === api));
         };",
    );
    assert_eq!(outcome.logs[0].message, "true", "the facade does not throw");
    assert_eq!(outcome.status, Status::Failed);
    let error = outcome.error.expect("aborted");
    assert_eq!(error.kind, ErrorKind::Aborted);
    assert_eq!(
        error.message,
        "Redirect and render commands cannot be used in the same action."
    );
}

#[test]
fn encode_token_and_validate_token_round_trip() {
    // The token a first execution hands out is accepted on /continue.
    let secret = "a-session-secret";
    let issue = action(
        "issue.js",
        &format!(
            "exports.onExecutePostLogin = async (event, api) => {{
               console.log(api.redirect.encodeToken({{ secret: '{secret}', payload: {{ state: 'st-1', answer: 42 }} }}));
             }};"
        ),
    );
    let token = run(vec![issue], Some(event("post-login-database.json"))).logs[0]
        .message
        .clone();
    assert_eq!(token.split('.').count(), 3);

    let check = |query: serde_json::Value| {
        let validate = action(
            "validate.js",
            &format!(
                "exports.onExecutePostLogin = async (event, api) => {{
                   const payload = api.redirect.validateToken({{ secret: '{secret}' }});
                   console.log(payload.answer, payload.sub, payload.iss);
                 }};"
            ),
        );
        let mut fixture = event("post-login-database.json");
        fixture["request"]["query"] = query;
        run(vec![validate], Some(fixture))
    };
    let ok = check(json!({ "session_token": token, "state": "st-1" }));
    assert_eq!(ok.error, None);
    assert_eq!(
        ok.logs[0].message,
        "42 auth0|6551f0c2a9b3e4d5f6a7b8c9 acme-dev.us.auth0.com"
    );

    let wrong_state = check(json!({ "session_token": token, "state": "other" }));
    assert_eq!(
        error_message(&wrong_state),
        "The session token is invalid: State in the token does not match the /continue state."
    );
    let tampered = check(json!({ "session_token": format!("{token}x"), "state": "st-1" }));
    assert_eq!(
        error_message(&tampered),
        "The session token is invalid: The token signature is invalid."
    );
}

#[test]
fn a_claim_value_is_captured_when_the_call_is_made() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async (event, api) => {
           const value = { n: 1 };
           api.idToken.setCustomClaim('https://a.example/v', value);
           value.n = 2;
           api.idToken.setCustomClaim('https://a.example/u', undefined);
         };",
    );
    assert_eq!(
        calls(&outcome),
        [
            r#"idToken.setCustomClaim("https://a.example/v",{"n":1})"#,
            r#"idToken.setCustomClaim("https://a.example/u")"#
        ]
    );
}

#[test]
fn metadata_set_by_one_action_is_visible_to_the_next() {
    let first = action(
        "first.js",
        "exports.onExecutePostLogin = async (event, api) => {
           api.user.setAppMetadata('plan', 'enterprise').user.setUserMetadata('theme', null);
           event.user.app_metadata.ignored = true; // event is read-only in effect
         };",
    );
    let second = action(
        "second.js",
        "exports.onExecutePostLogin = async (event, api) => {
           console.log(event.user.app_metadata.plan, String(event.user.user_metadata.theme), String(event.user.app_metadata.ignored));
         };",
    );
    let outcome = run(vec![first, second], Some(event("post-login-database.json")));
    assert_eq!(outcome.logs[0].message, "enterprise undefined undefined");
    assert_eq!(outcome.metadata_updates.app_metadata["plan"], "enterprise");
    assert_eq!(outcome.user["app_metadata"]["plan"], "enterprise");
    assert!(outcome.user["user_metadata"].get("theme").is_none());
}

#[test]
fn transaction_metadata_is_visible_to_later_actions() {
    let first = action(
        "first.js",
        "exports.onExecutePostLogin = async (event, api) => { api.transaction.setMetadata('risk', 'high'); };",
    );
    let second = action(
        "second.js",
        "exports.onExecutePostLogin = async (event, api) => { console.log(event.transaction.metadata.risk); };",
    );
    let outcome = run(vec![first, second], None);
    assert_eq!(outcome.logs[0].message, "high");
}

/// `api.redirect.validateToken` as Auth0 documents it: `sub`, `iss`, `exp`
/// and `iat` are required (else "Missing or invalid standard claims"), and
/// a token is refused from the second of its `exp` (RFC 7519 4.1.4). The
/// tokens are minted by the jsonwebtoken crate, not by actionbox; each is
/// checked through the library and through the binary.
#[test]
fn validate_token_needs_the_standard_claims_and_ends_at_exp() {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let secret = "a-session-secret";
    // The test tenant's clock: 2026-11-26T09:15:00Z.
    let now = 1_795_684_500u64;
    let claims = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut payload = json!({
            "sub": "auth0|6551f0c2a9b3e4d5f6a7b8c9",
            "iss": "acme-dev.us.auth0.com",
            "iat": now - 10,
            "exp": now + 60,
            "state": "st-1",
        });
        edit(payload.as_object_mut().expect("object"));
        encode(
            &Header::default(),
            &payload,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("signs")
    };
    let source = format!(
        "exports.onExecutePostLogin = async (event, api) => {{
           const payload = api.redirect.validateToken({{ secret: '{secret}' }});
           console.log('valid until', payload.exp);
         }};"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let script_path = dir.path().join("validate.js");
    std::fs::write(&script_path, &source).expect("write");
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        ("valid", claims(&|_| {}), None),
        (
            "expires this second",
            claims(&|c| {
                c.insert("exp".into(), json!(now));
            }),
            Some("The session token is invalid: The token has expired."),
        ),
        (
            "no iat",
            claims(&|c| {
                c.remove("iat");
            }),
            Some("The session token is invalid: Missing or invalid standard claims"),
        ),
        (
            "no exp",
            claims(&|c| {
                c.remove("exp");
            }),
            Some("The session token is invalid: Missing or invalid standard claims"),
        ),
        (
            "exp not a number",
            claims(&|c| {
                c.insert("exp".into(), json!("tomorrow"));
            }),
            Some("The session token is invalid: Missing or invalid standard claims"),
        ),
        (
            "no sub",
            claims(&|c| {
                c.remove("sub");
            }),
            Some("The session token is invalid: Missing or invalid standard claims"),
        ),
        (
            "no iss",
            claims(&|c| {
                c.remove("iss");
            }),
            Some("The session token is invalid: Missing or invalid standard claims"),
        ),
        (
            "another issuer",
            claims(&|c| {
                c.insert("iss".into(), json!("evil.example"));
            }),
            Some(
                "The session token is invalid: The token issuer does not match the /continue request.",
            ),
        ),
    ];
    for (name, token, expected) in cases {
        let mut fixture = event("post-login-database.json");
        fixture["request"]["query"] = json!({ "session_token": token, "state": "st-1" });
        // The library.
        let flow = actionbox::Flow::post_login(vec![action("validate.js", &source)])
            .with_event(fixture.clone())
            .with_settings(tenant_settings())
            .with_limits(test_limits());
        let outcome = actionbox::Runner::new().run(&flow).expect("runs");
        // The binary.
        let event_path = dir.path().join("event.json");
        std::fs::write(&event_path, fixture.to_string()).expect("write");
        let output = actionbox(&[
            "run",
            script_path.to_str().expect("utf-8"),
            "--event",
            event_path.to_str().expect("utf-8"),
            "--settings",
            "tests/fixtures/tenant/actionbox.json",
            "--format",
            "json",
        ]);
        let binary = json(&output);
        match expected {
            None => {
                assert_eq!(outcome.error, None, "{name}");
                let expected_log = format!("valid until {}", now + 60);
                assert_eq!(logs(&outcome), [expected_log.as_str()], "{name}");
                assert_eq!(
                    binary["logs"][0]["message"],
                    expected_log.as_str(),
                    "{name}"
                );
            }
            Some(message) => {
                assert_eq!(error_message(&outcome), message, "{name}");
                assert_eq!(binary["error"]["message"], message, "{name}");
                assert_eq!(
                    binary["oauth_error"]["error_description"], message,
                    "{name}"
                );
            }
        }
    }
}
