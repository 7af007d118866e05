//! `serve`: a local tenant that real clients log in to. The OIDC client is
//! the `openidconnect` crate (nobody here wrote it); the browser is a
//! cookie-keeping HTTP client that does not follow redirects, so each hop
//! is checked.

use std::sync::Arc;

use actionbox::Settings;
use actionbox::serve::tenant::read_users;
use actionbox::serve::{LocalTenant, MemoryStore};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;

use crate::common::*;

#[test]
fn an_oidc_client_logs_in_with_pkce_and_verifies_the_tokens_through_discovery() {
    let server = start_default();
    let http = http();
    let metadata = CoreProviderMetadata::discover(
        &IssuerUrl::new(server.base.clone()).expect("issuer"),
        &http,
    )
    .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(WEB.into()),
        Some(ClientSecret::new(WEB_SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(WEB_CALLBACK.into()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        authorize_url.as_str(),
        "ana@acme.example",
        "correct horse battery",
    );
    assert_eq!(answer.status(), 302);
    let callback = location(&answer);
    assert!(callback.starts_with(WEB_CALLBACK), "{callback}");
    assert_eq!(
        url_param(&callback, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = url_param(&callback, "code").expect("code");

    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request(&http)
        .expect("code exchange");
    let id_token = tokens.id_token().expect("ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("the ID token verifies through the JWKS, with the nonce");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ana@acme.example"));
    // The Rule's and the Actions' claims are in the token.
    let raw = payload(&id_token.to_string());
    assert_eq!(
        raw["https://acme.example/roles"],
        serde_json::json!(["admin", "editor"])
    );
    assert_eq!(raw["https://acme.example/tier"], "gold");
    assert_eq!(raw["https://acme.example/logins_seen"], 1);
    assert_eq!(raw["https://acme.example/protocol"], "oidc-basic-profile");
    assert_eq!(raw["iss"], server.base.as_str());

    // The code works once.
    let (status, reused) = token_request(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    assert_eq!(
        (status, reused["error"].as_str()),
        (403, Some("invalid_grant"))
    );

    // userinfo answers for the access token.
    let userinfo: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .expect("userinfo endpoint")
        .request(&http)
        .expect("userinfo");
    assert_eq!(
        userinfo.email().map(|e| e.as_str()),
        Some("ana@acme.example")
    );

    // Refresh: the Actions run again (the metadata they wrote persisted),
    // and the rotated token replaces the old one.
    let refresh = tokens
        .refresh_token()
        .expect("refresh token (offline_access)");
    let refreshed = client
        .exchange_refresh_token(refresh)
        .expect("token endpoint")
        .request(&http)
        .expect("refresh");
    let refreshed_id = refreshed.id_token().expect("refreshed ID token");
    let raw = payload(&refreshed_id.to_string());
    assert_eq!(raw["https://acme.example/logins_seen"], 2);
    assert_eq!(
        raw["https://acme.example/visits"], 2,
        "api.cache kept the first login's value"
    );
    assert_eq!(raw["https://acme.example/protocol"], "oauth2-refresh-token");
    assert!(
        refreshed.refresh_token().is_some(),
        "rotation issues a new refresh token"
    );
    assert!(
        client
            .exchange_refresh_token(refresh)
            .expect("token endpoint")
            .request(&http)
            .is_err(),
        "a rotated refresh token works once"
    );
    // That reuse looked like a stolen token: Auth0's reuse detection
    // revoked the whole family, so the newest token is refused too.
    assert!(
        client
            .exchange_refresh_token(refreshed.refresh_token().expect("rotated"))
            .expect("token endpoint")
            .request(&http)
            .is_err(),
        "reusing a rotated-out token revokes its family"
    );
}

/// A password-grant login with `offline_access`: its refresh token.
fn offline_login(server: &TestServer) -> String {
    let (status, tokens) = token_request(
        server,
        &[
            ("grant_type", "password"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("username", "ana@acme.example"),
            ("password", "correct horse battery"),
            ("scope", "openid offline_access"),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string()
}

fn refresh_with(server: &TestServer, token: &str) -> (u16, Value) {
    token_request(
        server,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("refresh_token", token),
        ],
    )
}

#[test]
fn rotating_refresh_tokens_detect_reuse_and_honour_the_leeway() {
    // No leeway: the rotated-out token's reuse revokes the family, and the
    // login's other family is untouched.
    let server = start_default();
    let first = offline_login(&server);
    let other_family = offline_login(&server);
    let (status, rotated) = refresh_with(&server, &first);
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    assert_ne!(second, first);
    let (status, third) = refresh_with(&server, &second);
    assert_eq!(status, 200, "{third}");
    let third = third["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    let (status, reuse) = refresh_with(&server, &first);
    assert_eq!(
        (status, reuse["error"].as_str()),
        (403, Some("invalid_grant"))
    );
    assert_eq!(
        reuse["error_description"],
        "Unknown or invalid refresh token."
    );
    let (status, after) = refresh_with(&server, &third);
    assert_eq!(
        (status, after["error"].as_str()),
        (403, Some("invalid_grant")),
        "the family is revoked"
    );
    let (status, untouched) = refresh_with(&server, &other_family);
    assert_eq!(status, 200, "another family still works: {untouched}");

    // A leeway of a minute: the previous generation works again within it
    // (a retry after a lost answer), an older one does not.
    let mut tenant = test_tenant();
    for client in tenant
        .settings
        .clients
        .iter_mut()
        .filter(|c| c.client_id == WEB)
    {
        if let Some(settings) = client.refresh_token.as_mut() {
            settings.leeway = Some(60);
        }
    }
    let server = start(tenant, Arc::new(MemoryStore::new()));
    let first = offline_login(&server);
    let (_, rotated) = refresh_with(&server, &first);
    let second = rotated["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    let (status, retried) = refresh_with(&server, &first);
    assert_eq!(
        status, 200,
        "the previous generation within the leeway: {retried}"
    );
    let sibling = retried["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    let (status, _) = refresh_with(&server, &second);
    assert_eq!(status, 200, "the newest token still works");
    let (status, _) = refresh_with(&server, &sibling);
    assert_eq!(status, 200, "so does the one the retry got");
    // `first` is now two generations back: reuse, the family is revoked.
    let (status, _) = refresh_with(&server, &first);
    assert_eq!(status, 403);
    let (status, _) = refresh_with(&server, &sibling);
    assert_eq!(status, 403, "the family is revoked");

    // Revoking a rotating token revokes its family.
    let first = offline_login(&server);
    let (_, rotated) = refresh_with(&server, &first);
    let second = rotated["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    let response = http()
        .post(format!("{}oauth/revoke", server.base))
        .form(&[
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("token", first.as_str()),
        ])
        .send()
        .expect("revoke");
    assert_eq!(response.status().as_u16(), 200);
    let (status, _) = refresh_with(&server, &second);
    assert_eq!(status, 403, "revoking one token of a family revokes it all");
}

fn authorize_url(server: &TestServer, extra: &str) -> String {
    format!(
        "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&scope=openid%20email&state=s1{extra}",
        server.base,
        url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>()
    )
}

#[test]
fn the_session_cookie_makes_the_next_authorize_silent_until_logout() {
    let server = start_default();
    let mut browser = Browser::new();
    // prompt=none without a session: login_required, sent back to the app.
    let none = browser.get(&authorize_url(&server, "&prompt=none"));
    assert_eq!(
        url_param(&location(&none), "error").as_deref(),
        Some("login_required")
    );

    let first = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "ana@acme.example",
        "correct horse battery",
    );
    assert!(url_param(&location(&first), "code").is_some());
    // Silent: straight back to the application with a code.
    let silent = browser.get(&authorize_url(&server, "&prompt=none"));
    assert_eq!(silent.status(), 302);
    assert!(
        url_param(&location(&silent), "code").is_some(),
        "{}",
        location(&silent)
    );
    // prompt=login shows the form again.
    let again = browser.get(&authorize_url(&server, "&prompt=login"));
    assert!(location(&again).starts_with("/u/login"));

    let logout = browser.get(&format!(
        "{}v2/logout?client_id={WEB}&returnTo=http%3A%2F%2Fapp.test%2F",
        server.base
    ));
    assert_eq!(location(&logout), "http://app.test/");
    let after = browser.get(&authorize_url(&server, "&prompt=none"));
    assert_eq!(
        url_param(&location(&after), "error").as_deref(),
        Some("login_required")
    );
}

#[test]
fn a_redirect_action_round_trips_through_continue() {
    let server = start_default();
    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "cy@acme.example",
        "terms first",
    );
    let away = location(&answer);
    assert!(away.starts_with("https://terms.test/accept?"), "{away}");
    let state = url_param(&away, "state").expect("Auth0 appends the state");
    // The terms site sends the browser back.
    let back = browser.get(&format!(
        "{}continue?state={state}&accepted=yes",
        server.base
    ));
    let callback = location(&back);
    assert_eq!(url_param(&callback, "state").as_deref(), Some("s1"));
    let code = url_param(&callback, "code").expect("code after /continue");
    let (status, tokens) = token_request(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    let id = payload(tokens["id_token"].as_str().expect("ID token"));
    assert_eq!(id["https://acme.example/terms"], "v1");
    assert_eq!(
        id["https://acme.example/tier"], "gold",
        "the Action before the redirect counts"
    );
    // The state works once.
    let replay = browser.get(&format!(
        "{}continue?state={state}&accepted=yes",
        server.base
    ));
    assert_eq!(replay.status(), 400);
    // The metadata the Action wrote persisted: no redirect next time.
    browser.forget_cookies();
    let next = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "cy@acme.example",
        "terms first",
    );
    assert!(
        location(&next).starts_with(WEB_CALLBACK),
        "{}",
        location(&next)
    );
}

#[test]
fn a_deny_becomes_auth0s_error_redirect() {
    let server = start_default();
    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "blocked@acme.example",
        "blocked password",
    );
    let callback = location(&answer);
    assert!(callback.starts_with(WEB_CALLBACK), "{callback}");
    assert_eq!(
        url_param(&callback, "error").as_deref(),
        Some("unauthorized")
    );
    assert_eq!(
        url_param(&callback, "error_description").as_deref(),
        Some("This account is blocked.")
    );
    assert_eq!(url_param(&callback, "state").as_deref(), Some("s1"));
}

#[test]
fn client_credentials_run_the_credentials_exchange_actions() {
    let server = start_default();
    let response = http()
        .post(format!("{}oauth/token", server.base))
        .basic_auth(M2M, Some(M2M_SECRET))
        .form(&[("grant_type", "client_credentials"), ("audience", API)])
        .send()
        .expect("token request");
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_str(&response.text().expect("body")).expect("JSON");
    let access = payload(body["access_token"].as_str().expect("access token"));
    assert_eq!(access["https://acme.example/customer"], "initech");
    assert_eq!(access["sub"], format!("{M2M}@clients"));
    assert_eq!(access["gty"], "client-credentials");
    assert_eq!(access["scope"], "read:reports write:reports");

    let (status, wrong) = token_request(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", M2M),
            ("client_secret", "wrong"),
            ("audience", API),
        ],
    );
    assert_eq!(
        (status, wrong["error"].as_str()),
        (401, Some("access_denied"))
    );
    // A grant the client does not list.
    let (status, refused) = token_request(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("audience", API),
        ],
    );
    assert_eq!(
        (status, refused["error"].as_str()),
        (403, Some("unauthorized_client"))
    );
}

#[test]
fn password_grants_run_the_login_flow_and_refuse_a_wrong_password() {
    let server = start_default();
    for (grant, realm) in [
        ("password", None),
        (
            "http://auth0.com/oauth/grant-type/password-realm",
            Some("Username-Password-Authentication"),
        ),
    ] {
        let mut form = vec![
            ("grant_type", grant),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("username", "ana@acme.example"),
            ("password", "correct horse battery"),
            ("scope", "openid email"),
            ("audience", API),
        ];
        if let Some(realm) = realm {
            form.push(("realm", realm));
        }
        let (status, body) = token_request(&server, &form);
        assert_eq!(status, 200, "{body}");
        let id = payload(body["id_token"].as_str().expect("ID token"));
        assert_eq!(id["https://acme.example/protocol"], "oauth2-password");
        let access = payload(body["access_token"].as_str().expect("access token"));
        assert_eq!(access["gty"], "password");
        assert_eq!(access["https://acme.example/plan"], "pro");

        let wrong: Vec<(&str, &str)> = form
            .iter()
            .map(|(k, v)| {
                if *k == "password" {
                    (*k, "wrong")
                } else {
                    (*k, *v)
                }
            })
            .collect();
        let (status, body) = token_request(&server, &wrong);
        assert_eq!(status, 403);
        assert_eq!(body["error"], "invalid_grant");
        assert_eq!(body["error_description"], "Wrong email or password.");
    }
}

/// A bounded load test: a few hundred code-flow logins at once, each as
/// its own user in its own browser. No login may fail or come back with
/// another user's identity, nonce or state. Logins per second and p99 are
/// printed (README, "Local tenant"), never asserted: the suite does not
/// depend on the machine's speed.
#[test]
fn hundreds_of_concurrent_code_flow_logins_never_cross_sessions() {
    // One browser per login, all started together: 300 at once.
    const LOGINS: usize = 300;
    const BROWSERS: usize = LOGINS;
    let now = 0;
    let mut tenant = test_tenant();
    for i in 0..LOGINS {
        let user = serde_json::json!({ "email": format!("user{i}@load.test"), "password": format!("pw-{i}") });
        tenant.users.push(
            actionbox::serve::tenant::user_record(&user, "Username-Password-Authentication", now)
                .expect("user"),
        );
    }
    let server = start(tenant, Arc::new(MemoryStore::new()));
    let start_together = std::sync::Barrier::new(BROWSERS + 1);
    let started = std::sync::OnceLock::new();
    let durations: Vec<std::time::Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..BROWSERS)
            .map(|worker| {
                let server = &server;
                let start_together = &start_together;
                scope.spawn(move || {
                    start_together.wait();
                    let mut durations = Vec::new();
                    for i in (worker..LOGINS).step_by(BROWSERS) {
                        let begun = std::time::Instant::now();
                        let mut browser = Browser::new();
                        let url = format!(
                            "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&scope=openid%20email&state=state-{i}&nonce=nonce-{i}",
                            server.base,
                            url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>()
                        );
                        let email = format!("user{i}@load.test");
                        let answer = log_in(&mut browser, &url, &email, &format!("pw-{i}"));
                        let callback = location(&answer);
                        assert_eq!(url_param(&callback, "state"), Some(format!("state-{i}")));
                        let code = url_param(&callback, "code").expect("code");
                        let (status, tokens) = token_request(
                            server,
                            &[
                                ("grant_type", "authorization_code"),
                                ("client_id", WEB),
                                ("client_secret", WEB_SECRET),
                                ("code", &code),
                                ("redirect_uri", WEB_CALLBACK),
                            ],
                        );
                        assert_eq!(status, 200, "{tokens}");
                        let id = payload(tokens["id_token"].as_str().expect("ID token"));
                        assert_eq!(id["email"], email.as_str());
                        assert_eq!(id["nonce"], format!("nonce-{i}"));
                        assert_eq!(id["https://acme.example/logins_seen"], 1);
                        assert_eq!(id["https://acme.example/visits"], 1, "each user's own api.cache key");
                        durations.push(begun.elapsed());
                    }
                    durations
                })
            })
            .collect();
        start_together.wait();
        started.get_or_init(std::time::Instant::now);
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a browser thread panicked"))
            .collect()
    });
    let elapsed = started.get().map(|s| s.elapsed()).unwrap_or_default();
    assert_eq!(durations.len(), LOGINS);
    let mut sorted = durations.clone();
    sorted.sort();
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    eprintln!(
        "serve load: {LOGINS} code-flow logins from {BROWSERS} browsers in {:.2} s: {:.0} logins/s, p50 {:.0} ms, p99 {:.0} ms",
        elapsed.as_secs_f64(),
        LOGINS as f64 / elapsed.as_secs_f64(),
        sorted[sorted.len() / 2].as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0
    );
}

const PARTNER_KEY: &str = "pk_live_5a9e31c7d2";

/// A tenant with one Action whose redirect URL, claim, metadata and denial
/// carry an Action secret.
fn partner_tenant() -> LocalTenant {
    let mut settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    settings.secrets.insert(
        "partner-link".into(),
        [("PARTNER_KEY".to_string(), PARTNER_KEY.to_string())].into(),
    );
    let users = read_users(
        &serve_fixture("users.json"),
        "Username-Password-Authentication",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (tenant, _) = LocalTenant::from_scripts(
        settings,
        vec![script(&serve_fixture("partner-link.js"))],
        actionbox::NodeConfig::default(),
        test_limits(),
        users,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    tenant
}

/// What Auth0 sends the application keeps the scripts' secret values (the
/// redirect URL, the tokens, the denial, the metadata written to the user);
/// only the logins page masks them.
#[test]
fn secrets_reach_the_application_as_the_scripts_wrote_them_and_only_the_logins_page_masks_them() {
    let server = start(partner_tenant(), Arc::new(MemoryStore::new()));
    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "ana@acme.example",
        "correct horse battery",
    );
    let away = location(&answer);
    assert_eq!(
        url_param(&away, "key").as_deref(),
        Some(PARTNER_KEY),
        "the redirect URL the Action built: {away}"
    );
    let state = url_param(&away, "state").expect("state");
    let back = browser.get(&format!("{}continue?state={state}&linked=yes", server.base));
    let code = url_param(&location(&back), "code").expect("code after /continue");
    let (status, tokens) = token_request(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    let id = payload(tokens["id_token"].as_str().expect("ID token"));
    assert_eq!(
        id["https://acme.example/partner_key"], PARTNER_KEY,
        "the claim set before the redirect is replayed as it was set"
    );

    // The metadata written before the redirect persisted as written.
    browser.forget_cookies();
    let next = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "ana@acme.example",
        "correct horse battery",
    );
    let code = url_param(&location(&next), "code").expect("no redirect the second time");
    let (_, tokens) = token_request(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    let id = payload(tokens["id_token"].as_str().expect("ID token"));
    assert_eq!(
        id["https://acme.example/partner_ref"],
        format!("ref-{PARTNER_KEY}")
    );

    // A denial's description reaches the application as the Action wrote it.
    let mut other = Browser::new();
    let answer = log_in(
        &mut other,
        &authorize_url(&server, ""),
        "cy@acme.example",
        "terms first",
    );
    let state = url_param(&location(&answer), "state").expect("state");
    let denied = other.get(&format!("{}continue?state={state}&linked=no", server.base));
    assert_eq!(
        url_param(&location(&denied), "error_description"),
        Some(format!("The partner {PARTNER_KEY} refused the link."))
    );

    // The logins page masks all of it but the tokens, shown as issued,
    // with a warning for each secret they hold (as `run` shows them).
    let mut entries = logins(&server);
    assert_eq!(entries.len(), 5);
    let warned = entries[2]["outcome"]["warnings"].to_string();
    assert!(
        warned.contains("secret_in_token") && warned.contains("partner_ref"),
        "{warned}"
    );
    for entry in &mut entries {
        let outcome = entry["outcome"].as_object_mut().expect("an outcome");
        outcome.remove("id_token");
        outcome.remove("access_token");
    }
    let masked = Value::Array(entries).to_string();
    assert!(!masked.contains(PARTNER_KEY), "{masked}");
    assert!(
        masked.contains("https://partner.test/link?key=[redacted]"),
        "{masked}"
    );
    assert!(masked.contains("The partner [redacted] refused the link."));
}

#[test]
fn web_message_and_cors_answer_only_the_origins_a_client_lists() {
    let mut tenant = test_tenant();
    for client in tenant
        .settings
        .clients
        .iter_mut()
        .filter(|c| c.client_id == WEB)
    {
        client.web_origins.push("http://app.test".into());
        client.allowed_origins.push("https://*.partner.test".into());
    }
    let server = start(tenant, Arc::new(MemoryStore::new()));
    let mut browser = Browser::new();
    // The client's web origin: after a login, silent authentication
    // answers with a page posting the code to that origin only; `state`
    // cannot close the script.
    log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "ana@acme.example",
        "correct horse battery",
    );
    let hostile_state = "%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let silent = browser.get(&format!(
        "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&scope=openid&state={hostile_state}&prompt=none&response_mode=web_message",
        server.base,
        url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>()
    ));
    assert_eq!(silent.status(), 200);
    let page = silent.text().expect("page");
    assert!(
        page.contains("\"type\":\"authorization_response\""),
        "{page}"
    );
    assert!(
        page.contains(",\"http://app.test\");"),
        "posted to the callback's origin: {page}"
    );
    assert!(page.contains("\"code\":\""), "{page}");
    assert_eq!(page.matches("</script>").count(), 1, "{page}");
    // Without a session the error goes the same way.
    let error = Browser::new().get(&format!(
        "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&state=s&prompt=none&response_mode=web_message",
        server.base,
        url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>()
    ));
    let page = error.text().expect("page");
    assert!(page.contains("\"error\":\"login_required\""), "{page}");
    // A callback whose origin is no web origin: an error page, nothing posted.
    let spa = Browser::new().get(&format!(
        "{}authorize?client_id=spaClientId000000000000000000001&response_type=code&redirect_uri=http%3A%2F%2Fspa.test%2F&state=s&prompt=none&response_mode=web_message&code_challenge={}",
        server.base,
        "a".repeat(43)
    ));
    assert_eq!(spa.status(), 400);
    let page = spa.text().expect("page");
    assert!(!page.contains("postMessage"), "{page}");
    assert!(page.contains("web_origins"), "{page}");

    // CORS: preflight and answer for a listed origin (web origin, callback
    // origin, wildcard), nothing for another; discovery is public.
    let preflight = |origin: &str| {
        http()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}oauth/token", server.base),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "auth0-client, content-type",
            )
            .send()
            .expect("preflight")
    };
    for origin in [
        "http://app.test",
        "https://a.partner.test",
        "http://spa.test",
    ] {
        let answer = preflight(origin);
        assert_eq!(answer.headers()["access-control-allow-origin"], origin);
        assert_eq!(
            answer.headers()["access-control-allow-headers"],
            "auth0-client, content-type"
        );
    }
    assert!(
        preflight("https://evil.test")
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let token_from = |origin: &str| {
        http()
            .post(format!("{}oauth/token", server.base))
            .header("Origin", origin)
            .form(&[
                ("grant_type", "password"),
                ("client_id", WEB),
                ("client_secret", WEB_SECRET),
                ("username", "ana@acme.example"),
                ("password", "correct horse battery"),
            ])
            .send()
            .expect("token request")
    };
    assert_eq!(
        token_from("https://b.partner.test").headers()["access-control-allow-origin"],
        "https://b.partner.test"
    );
    // The SPA's origin is the tenant's, but not this client's.
    assert!(
        token_from("http://spa.test")
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let discovery = http()
        .get(format!("{}.well-known/openid-configuration", server.base))
        .header("Origin", "https://anyone.test")
        .send()
        .expect("discovery");
    assert_eq!(discovery.headers()["access-control-allow-origin"], "*");
    let discovery: Value = serde_json::from_str(&discovery.text().expect("body")).expect("JSON");
    assert!(
        discovery["response_modes_supported"]
            .as_array()
            .expect("modes")
            .contains(&Value::from("web_message"))
    );
}

/// OIDC's `at_hash` / `c_hash`: the left half of the SHA-256, base64url.
fn half_hash(value: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[test]
fn implicit_hybrid_and_form_post_responses_carry_the_tokens_auth0_sends() {
    let server = start_default();
    let mut browser = Browser::new();
    let callback =
        url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>();

    // Implicit: `id_token token` answers in the fragment (its default mode).
    let implicit = log_in(
        &mut browser,
        &format!(
            "{}authorize?client_id={WEB}&response_type=id_token%20token&redirect_uri={callback}&scope=openid%20email&state=s1&nonce=n1",
            server.base
        ),
        "ana@acme.example",
        "correct horse battery",
    );
    let answer = url::Url::parse(&location(&implicit)).expect("URL");
    assert!(answer.query().is_none(), "{answer}");
    let fragment = answer.fragment().unwrap_or_default().to_string();
    let access = url_param(answer.as_str(), "access_token").expect("access_token");
    let id_token = url_param(answer.as_str(), "id_token").expect("id_token");
    assert_eq!(
        url_param(answer.as_str(), "token_type").as_deref(),
        Some("Bearer")
    );
    assert_eq!(
        url_param(answer.as_str(), "expires_in").as_deref(),
        Some("7200")
    );
    assert_eq!(url_param(answer.as_str(), "state").as_deref(), Some("s1"));
    assert!(url_param(answer.as_str(), "code").is_none(), "{fragment}");
    let id = payload(&id_token);
    assert_eq!(id["nonce"], "n1");
    assert_eq!(id["at_hash"], half_hash(&access), "{id}");
    assert!(id.get("c_hash").is_none(), "{id}");
    assert_eq!(id["https://acme.example/tier"], "gold", "{id}");

    // Hybrid with form_post, silently on the session: a page posting the
    // code, the ID token (with c_hash) and the state to the callback.
    let page = browser.get(&format!(
        "{}authorize?client_id={WEB}&response_type=code%20id_token&response_mode=form_post&redirect_uri={callback}&scope=openid%20email&state=s2&nonce=n2",
        server.base
    ));
    assert_eq!(page.status(), 200);
    let page = page.text().expect("page");
    assert!(
        page.contains(&format!("action=\"{WEB_CALLBACK}\"")),
        "{page}"
    );
    let code = hidden(&page, "code");
    let hybrid = payload(&hidden(&page, "id_token"));
    assert_eq!(hidden(&page, "state"), "s2");
    assert_eq!(hybrid["nonce"], "n2");
    assert_eq!(hybrid["c_hash"], half_hash(&code), "{hybrid}");
    assert!(!page.contains("name=\"access_token\""), "{page}");
    // The code from the front channel is redeemed as usual.
    let (status, tokens) = token_request(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        payload(tokens["id_token"].as_str().expect("ID token"))["nonce"],
        "n2"
    );
}

fn redeem(server: &TestServer, callback: &str) -> Value {
    let code = url_param(callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    let (status, tokens) = token_request(
        server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    payload(tokens["id_token"].as_str().expect("ID token"))
}

#[test]
fn connection_login_hint_organization_max_age_and_prompt_none_shape_the_login() {
    let server = start_default();
    let mut browser = Browser::new();

    // connection + login_hint: the page offers only Google, prefilled; its
    // button logs the social user in.
    let (url, page) = login_page(
        &mut browser,
        &authorize_url(
            &server,
            "&connection=google-oauth2&login_hint=bo%40gmail.example",
        ),
    );
    assert!(!page.contains("name=\"password\""), "{page}");
    assert!(page.contains("value=\"bo@gmail.example\""), "{page}");
    assert!(page.contains("Continue with Google"), "{page}");
    let social = browser.post_form(
        url.join("/u/login").expect("URL").as_str(),
        &[
            ("state", hidden(&page, "state").as_str()),
            ("_csrf", hidden(&page, "_csrf").as_str()),
            ("username", "bo@gmail.example"),
            ("connection", "google-oauth2"),
        ],
    );
    let id = redeem(&server, &location(&social));
    assert_eq!(id["email"], "bo@gmail.example", "{id}");
    assert!(
        id["sub"]
            .as_str()
            .is_some_and(|s| s.starts_with("google-oauth2|")),
        "{id}"
    );

    // organization: the tokens name it.
    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        &authorize_url(&server, "&organization=org_acme"),
        "ana@acme.example",
        "correct horse battery",
    );
    let id = redeem(&server, &location(&answer));
    assert_eq!(id["org_id"], "org_acme", "{id}");

    // max_age=0 with that session: the form again; the ID token says when
    // the user authenticated.
    let again = browser.get(&authorize_url(&server, "&max_age=0"));
    assert!(
        location(&again).starts_with("/u/login"),
        "{}",
        location(&again)
    );
    let fresh = log_in(
        &mut browser,
        &authorize_url(&server, "&max_age=0"),
        "ana@acme.example",
        "correct horse battery",
    );
    let id = redeem(&server, &location(&fresh));
    assert!(id["auth_time"].as_u64().is_some(), "{id}");

    // prompt=none on a session whose login a redirect Action would send
    // away: never the redirect. The fixture's Action asks
    // api.redirect.canRedirect(), which says no, and denies itself.
    let mut browser = Browser::new();
    let away = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "cy@acme.example",
        "terms first",
    );
    assert!(
        location(&away).starts_with("https://terms.test/"),
        "{}",
        location(&away)
    );
    let silent = browser.get(&authorize_url(&server, "&prompt=none"));
    let back = location(&silent);
    assert!(back.starts_with(WEB_CALLBACK), "{back}");
    assert_eq!(
        url_param(&back, "error").as_deref(),
        Some("access_denied"),
        "{back}"
    );
    assert_eq!(
        url_param(&back, "error_description").as_deref(),
        Some("The terms must be accepted in a browser.")
    );
    assert_eq!(url_param(&back, "state").as_deref(), Some("s1"));
}

#[test]
fn a_redirect_that_cannot_happen_under_prompt_none_is_interaction_required() {
    let settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    let users = read_users(
        &serve_fixture("users.json"),
        "Username-Password-Authentication",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Redirects every login, without asking canRedirect().
    let always = actionbox::Script::from_source(
        "always-redirect.js",
        "exports.onExecutePostLogin = async (event, api) => { api.redirect.sendUserTo('https://mfa.test/step'); };\n\
         exports.onContinuePostLogin = async () => {};",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (tenant, _) = LocalTenant::from_scripts(
        settings,
        vec![always],
        actionbox::NodeConfig::default(),
        test_limits(),
        users,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let server = start(tenant, Arc::new(MemoryStore::new()));
    let mut browser = Browser::new();
    let away = log_in(
        &mut browser,
        &authorize_url(&server, ""),
        "ana@acme.example",
        "correct horse battery",
    );
    assert!(
        location(&away).starts_with("https://mfa.test/step?"),
        "{}",
        location(&away)
    );
    let silent = browser.get(&authorize_url(&server, "&prompt=none"));
    let back = location(&silent);
    assert!(back.starts_with(WEB_CALLBACK), "{back}");
    assert_eq!(
        url_param(&back, "error").as_deref(),
        Some("interaction_required"),
        "{back}"
    );
    assert_eq!(url_param(&back, "state").as_deref(), Some("s1"));
}

/// POSTs a form to /oauth/token authenticating with HTTP Basic.
fn token_request_basic(server: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    json_answer(
        http()
            .post(format!("{}oauth/token", server.base))
            .basic_auth(WEB, Some(WEB_SECRET))
            .form(form)
            .send()
            .expect("token request"),
    )
}

#[test]
fn the_client_s_auth_method_non_rotating_refresh_tokens_and_plain_pkce_are_honoured() {
    let server = start(
        test_tenant_with(|settings| {
            let web = &mut settings.clients[0];
            web.token_endpoint_auth_method = Some("client_secret_basic".into());
            web.refresh_token = Some(
                serde_json::from_value(serde_json::json!({ "rotation_type": "non-rotating" }))
                    .expect("refresh token settings"),
            );
        }),
        Arc::new(MemoryStore::new()),
    );
    let password = [
        ("grant_type", "password"),
        ("username", "ana@acme.example"),
        ("password", "correct horse battery"),
        ("scope", "openid offline_access"),
    ];
    // client_secret_basic only: the secret in the body is refused.
    let mut in_body = password.to_vec();
    in_body.extend([("client_id", WEB), ("client_secret", WEB_SECRET)]);
    let (status, body) = token_request(&server, &in_body);
    assert_eq!(status, 401, "{body}");
    let (status, tokens) = token_request_basic(&server, &password);
    assert_eq!(status, 200, "{tokens}");
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();

    // Non-rotating: the same refresh token works again, and none is issued.
    for _ in 0..2 {
        let (status, renewed) = token_request_basic(
            &server,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
            ],
        );
        assert_eq!(status, 200, "{renewed}");
        assert!(renewed.get("refresh_token").is_none(), "{renewed}");
        assert!(renewed["access_token"].is_string(), "{renewed}");
    }

    // PKCE with the plain method, by the public SPA client.
    let verifier = "plain-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    let mut browser = Browser::new();
    let answer = log_in(
        &mut browser,
        &format!(
            "{}authorize?client_id=spaClientId000000000000000000001&response_type=code&redirect_uri=http%3A%2F%2Fspa.test%2F&scope=openid&state=p1&code_challenge={verifier}&code_challenge_method=plain",
            server.base
        ),
        "ana@acme.example",
        "correct horse battery",
    );
    let code = url_param(&location(&answer), "code").expect("code");
    let exchange = |verifier: &str, code: &str| {
        token_request(
            &server,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "spaClientId000000000000000000001"),
                ("code", code),
                ("code_verifier", verifier),
                ("redirect_uri", "http://spa.test/"),
            ],
        )
    };
    // A wrong verifier is refused (and uses the code up), so log in again.
    let (status, refused) = exchange("not-the-verifier-0123456789-abcdefghijklmnopqrstuvw", &code);
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"], "invalid_grant", "{refused}");
    let silent = browser.get(&format!(
        "{}authorize?client_id=spaClientId000000000000000000001&response_type=code&redirect_uri=http%3A%2F%2Fspa.test%2F&scope=openid&state=p2&code_challenge={verifier}&code_challenge_method=plain",
        server.base
    ));
    let code = url_param(&location(&silent), "code").expect("code");
    let (status, tokens) = exchange(verifier, &code);
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["id_token"].is_string(), "{tokens}");
}

#[test]
fn jwt_configuration_grant_types_and_a_user_s_rbac_permissions_reach_the_tokens() {
    let mut tenant = test_tenant_with(|settings| {
        let web = &mut settings.clients[0];
        web.jwt_configuration = Some(
            serde_json::from_value(serde_json::json!({ "lifetime_in_seconds": 600 }))
                .expect("jwt_configuration"),
        );
        // No implicit grant any more.
        web.grant_types = Some(vec!["authorization_code".into(), "password".into()]);
        let api = &mut settings.apis[0];
        api.rbac = true;
        api.permissions_in_token = true;
    });
    let user = serde_json::json!({
        "email": "perm@acme.example",
        "password": "permitted pw",
        "permissions": ["read:reports", { "permission_name": "write:reports", "resource_server_identifier": API }],
    });
    tenant.users.push(
        actionbox::serve::tenant::user_record(&user, "Username-Password-Authentication", 0)
            .expect("user"),
    );
    let server = start(tenant, Arc::new(MemoryStore::new()));

    let (status, tokens) = token_request(
        &server,
        &[
            ("grant_type", "password"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("username", "perm@acme.example"),
            ("password", "permitted pw"),
            ("scope", "openid"),
            ("audience", API),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    let id = payload(tokens["id_token"].as_str().expect("ID token"));
    assert_eq!(
        id["exp"]
            .as_u64()
            .zip(id["iat"].as_u64())
            .map(|(e, i)| e - i),
        Some(600),
        "{id}"
    );
    let access = payload(tokens["access_token"].as_str().expect("access token"));
    assert_eq!(
        access["permissions"],
        serde_json::json!(["read:reports", "write:reports"]),
        "{access}"
    );

    // A response type that needs the implicit grant the client lacks.
    let mut browser = Browser::new();
    let refused = browser.get(&format!(
        "{}authorize?client_id={WEB}&response_type=token&redirect_uri={}&scope=openid&state=i1",
        server.base,
        url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>()
    ));
    let back = location(&refused);
    assert_eq!(
        url_param(&back, "error").as_deref(),
        Some("unauthorized_client"),
        "{back}"
    );
    assert_eq!(
        url_param(&back, "error_description").as_deref(),
        Some("Grant type 'implicit' not allowed for the client.")
    );
    assert_eq!(url_param(&back, "state").as_deref(), Some("i1"));
}

#[test]
fn roles_the_settings_define_grant_their_permissions_and_can_be_assigned_when_nobody_holds_them() {
    let mut settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    settings.roles = serde_json::from_value(serde_json::json!([
        { "name": "editor", "description": "Edits reports",
          "permissions": [{ "permission_name": "write:reports", "resource_server_identifier": API }] },
        { "name": "auditor", "description": "Reads everything",
          "permissions": [{ "permission_name": "read:reports", "resource_server_identifier": API }] }
    ]))
    .expect("roles");
    let api = &mut settings.apis[0];
    api.rbac = true;
    api.permissions_in_token = true;
    settings.secrets.insert(
        "grant-auditor".into(),
        [("M2M_SECRET".to_string(), M2M_SECRET.to_string())].into(),
    );
    // Gives every user the auditor role (defined, held by nobody) through
    // the Management API, and names the roles the tenant lists.
    let grant = actionbox::Script::from_source(
        "grant-auditor.js",
        format!(
            r#"exports.onExecutePostLogin = async (event, api) => {{
  const base = `https://${{event.request.hostname}}`;
  const grant = await fetch(`${{base}}/oauth/token`, {{ method: 'POST', headers: {{ 'content-type': 'application/json' }},
    body: JSON.stringify({{ grant_type: 'client_credentials', client_id: '{M2M}', client_secret: event.secrets.M2M_SECRET, audience: `${{base}}/api/v2/` }}) }});
  const {{ access_token: token }} = await grant.json();
  const headers = {{ authorization: `Bearer ${{token}}`, 'content-type': 'application/json' }};
  const roles = await (await fetch(`${{base}}/api/v2/roles`, {{ headers }})).json();
  api.idToken.setCustomClaim('https://acme.example/tenant_roles', roles.map((r) => `${{r.name}}: ${{r.description}}`).sort());
  const assigned = await fetch(`${{base}}/api/v2/users/${{encodeURIComponent(event.user.user_id)}}/roles`,
    {{ method: 'POST', headers, body: JSON.stringify({{ roles: ['rol_auditor'] }}) }});
  api.idToken.setCustomClaim('https://acme.example/assigned', assigned.status);
}};"#
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let users = fixture_users_and(
        serde_json::json!({ "email": "new@acme.example", "password": "no roles yet" }),
    );
    let (tenant, _) = LocalTenant::from_scripts(
        settings,
        vec![grant],
        actionbox::NodeConfig::default(),
        test_limits(),
        users,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let server = start(tenant, Arc::new(MemoryStore::new()));
    let login = |user: &str, password: &str| {
        let (status, tokens) = token_request(
            &server,
            &[
                ("grant_type", "password"),
                ("client_id", WEB),
                ("client_secret", WEB_SECRET),
                ("username", user),
                ("password", password),
                ("scope", "openid"),
                ("audience", API),
            ],
        );
        assert_eq!(status, 200, "{tokens}");
        (
            payload(tokens["id_token"].as_str().expect("ID token")),
            payload(tokens["access_token"].as_str().expect("access token")),
        )
    };
    // ana holds admin and editor (users.json): editor's permission is hers.
    let (id, access) = login("ana@acme.example", "correct horse battery");
    assert_eq!(
        access["permissions"],
        serde_json::json!(["write:reports"]),
        "{access}"
    );
    assert_eq!(
        id["https://acme.example/tenant_roles"],
        serde_json::json!([
            "admin: ",
            "auditor: Reads everything",
            "editor: Edits reports"
        ]),
        "{id}"
    );
    assert_eq!(id["https://acme.example/assigned"], 204, "{id}");
    // A user with no role has no permission until the role the Action
    // assigned reaches the next login.
    let (_, first) = login("new@acme.example", "no roles yet");
    assert_eq!(first["permissions"], serde_json::json!([]), "{first}");
    let (_, second) = login("new@acme.example", "no roles yet");
    assert_eq!(
        second["permissions"],
        serde_json::json!(["read:reports"]),
        "{second}"
    );
}

/// A social login through the login page's button, as `email`: the ID
/// token's claims.
fn social_login(server: &TestServer, email: &str) -> Value {
    let mut browser = Browser::new();
    let (url, page) = login_page(
        &mut browser,
        &authorize_url(server, "&connection=google-oauth2"),
    );
    let social = browser.post_form(
        url.join("/u/login").expect("URL").as_str(),
        &[
            ("state", hidden(&page, "state").as_str()),
            ("_csrf", hidden(&page, "_csrf").as_str()),
            ("username", email),
            ("connection", "google-oauth2"),
        ],
    );
    redeem(server, &location(&social))
}

/// Account linking as Auth0 does it: once an Action links a social and a
/// database user into Ana's, both log in as Ana (the event names the
/// connection they used), each with its own credentials; once unlinked,
/// each is a user of its own again and its password works again.
#[test]
fn a_linked_identity_logs_in_to_its_primary_and_gets_its_login_back_when_unlinked() {
    let mut settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    settings.secrets.insert(
        "link-accounts".into(),
        [("M2M_SECRET".to_string(), M2M_SECRET.to_string())].into(),
    );
    let link = actionbox::Script::from_source(
        "link-accounts.js",
        format!(
            r#"exports.onExecutePostLogin = async (event, api) => {{
  api.idToken.setCustomClaim('https://acme.example/connection', event.connection.name);
  api.idToken.setCustomClaim('https://acme.example/identities', event.user.identities.map((i) => i.connection).sort());
  const base = `https://${{event.request.hostname}}`;
  const grant = await fetch(`${{base}}/oauth/token`, {{ method: 'POST', headers: {{ 'content-type': 'application/json' }},
    body: JSON.stringify({{ grant_type: 'client_credentials', client_id: '{M2M}', client_secret: event.secrets.M2M_SECRET, audience: `${{base}}/api/v2/` }}) }});
  const {{ access_token: token }} = await grant.json();
  const headers = {{ authorization: `Bearer ${{token}}`, 'content-type': 'application/json' }};
  const me = encodeURIComponent(event.user.user_id);
  if (event.user.email === 'ana@acme.example' && event.user.identities.length === 1) {{
    for (const email of ['bo@gmail.example', 'dee@acme.example']) {{
      const [other] = await (await fetch(`${{base}}/api/v2/users-by-email?email=${{encodeURIComponent(email)}}`, {{ headers }})).json();
      const [identity] = other.identities;
      const linked = await fetch(`${{base}}/api/v2/users/${{me}}/identities`, {{ method: 'POST', headers,
        body: JSON.stringify({{ provider: identity.provider, user_id: identity.user_id }}) }});
      if (linked.status !== 201) api.access.deny(`linking ${{email}}: ${{linked.status}}`);
    }}
    // What the Management API shows of Ana keeps the host's secrets, and
    // Dee's database login still exists, so she cannot be created again.
    const shown = await (await fetch(`${{base}}/api/v2/users/${{me}}`, {{ headers }})).text();
    api.idToken.setCustomClaim('https://acme.example/shown', shown);
    const again = await fetch(`${{base}}/api/v2/users`, {{ method: 'POST', headers,
      body: JSON.stringify({{ email: 'dee@acme.example', password: 'x', connection: 'Username-Password-Authentication' }}) }});
    api.idToken.setCustomClaim('https://acme.example/create_dee', again.status);
  }}
  if (event.connection.name === 'google-oauth2' && event.user.user_id.startsWith('auth0|')) {{
    for (const identity of event.user.identities.slice(1)) {{
      const unlinked = await fetch(`${{base}}/api/v2/users/${{me}}/identities/${{identity.provider}}/${{encodeURIComponent(identity.user_id)}}`,
        {{ method: 'DELETE', headers }});
      if (unlinked.status !== 200) api.access.deny(`unlinking ${{identity.user_id}}: ${{unlinked.status}}`);
    }}
  }}
}};"#
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let users = fixture_users_and(
        serde_json::json!({ "user_id": "dee-1", "email": "dee@acme.example", "password": "dee's own" }),
    );
    let tenant = || {
        LocalTenant::from_scripts(
            settings.clone(),
            vec![link.clone()],
            actionbox::NodeConfig::default(),
            test_limits(),
            users.clone(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .0
    };
    let store: Arc<dyn actionbox::serve::Store> = Arc::new(MemoryStore::new());
    let server = start(tenant(), store.clone());
    let password_login = |user: &str, password: &str| password_grant(&server, user, password);
    let id_of = |(status, tokens): (u16, Value)| {
        assert_eq!(status, 200, "{tokens}");
        payload(tokens["id_token"].as_str().expect("ID token"))
    };
    let connection = |id: &Value| id["https://acme.example/connection"].clone();
    let identities = |id: &Value| id["https://acme.example/identities"].clone();

    // Before: three users of their own.
    let bo_alone = social_login(&server, "bo@gmail.example");
    let bo_sub = bo_alone["sub"].as_str().expect("sub").to_string();
    assert!(bo_sub.starts_with("google-oauth2|"), "{bo_alone}");
    let dee_alone = id_of(password_login("dee@acme.example", "dee's own"));
    let dee_sub = dee_alone["sub"].as_str().expect("sub").to_string();

    // Ana's first login links both into her.
    let ana = id_of(password_login("ana@acme.example", "correct horse battery"));
    let ana_sub = ana["sub"].as_str().expect("sub").to_string();
    assert_ne!(ana_sub, dee_sub);
    assert_eq!(dee_sub, "dee-1");
    let shown = ana["https://acme.example/shown"].as_str().expect("shown");
    assert!(shown.contains("\"identities\""), "{shown}");
    assert!(
        !shown.contains("password") && !shown.contains("linked_logins"),
        "{shown}"
    );
    assert_eq!(ana["https://acme.example/create_dee"], 409, "{ana}");

    // Dee's password now logs in as Ana, through the database.
    let as_dee = id_of(password_login("dee@acme.example", "dee's own"));
    assert_eq!(as_dee["sub"], ana_sub.as_str(), "{as_dee}");
    assert_eq!(connection(&as_dee), "Username-Password-Authentication");
    assert_eq!(
        identities(&as_dee),
        serde_json::json!([
            "Username-Password-Authentication",
            "Username-Password-Authentication",
            "google-oauth2"
        ]),
        "{as_dee}"
    );
    // Ana's password is not Dee's, and Dee's is not Ana's.
    assert_eq!(
        password_login("dee@acme.example", "correct horse battery").0,
        403
    );
    assert_eq!(password_login("ana@acme.example", "dee's own").0, 403);

    // Dee resets her password: the reset link is for her login, and Ana's
    // password stays as it was.
    let (status, _) = post_json(
        &server,
        "dbconnections/change_password",
        &serde_json::json!({ "client_id": WEB, "email": "dee@acme.example",
                             "connection": "Username-Password-Authentication" }),
    );
    assert_eq!(status, 200);
    let link = logins(&server)
        .into_iter()
        .filter(|e| e["kind"] == "change-password-email" && e["email"]["to"] == "dee@acme.example")
        .find_map(|e| e["email"]["url"].as_str().map(str::to_string))
        .expect("a reset email to Dee");
    let mut browser = Browser::new();
    let page = browser.get(&link).text().expect("page");
    assert!(page.contains("dee@acme.example"), "{page}");
    let done = browser.post_form(
        &format!("{}u/reset-password", server.base),
        &[
            ("ticket", hidden(&page, "ticket").as_str()),
            ("password", "dee's new one"),
            ("password_confirm", "dee's new one"),
        ],
    );
    assert!(done.text().expect("page").contains("Password changed"));
    assert_eq!(password_login("dee@acme.example", "dee's own").0, 403);
    let as_dee = id_of(password_login("dee@acme.example", "dee's new one"));
    assert_eq!(as_dee["sub"], ana_sub.as_str(), "{as_dee}");
    id_of(password_login("ana@acme.example", "correct horse battery"));
    // A second reset email, used only after the unlink below.
    post_json(
        &server,
        "dbconnections/change_password",
        &serde_json::json!({ "client_id": WEB, "email": "dee@acme.example",
                             "connection": "Username-Password-Authentication" }),
    );
    let stale_link = logins(&server)
        .into_iter()
        .filter(|e| e["kind"] == "change-password-email" && e["email"]["to"] == "dee@acme.example")
        .filter_map(|e| e["email"]["url"].as_str().map(str::to_string))
        .find(|url| *url != link)
        .expect("a second reset email to Dee");

    // A server started again on the same store (and the same --users)
    // does not bring Dee back as a user of her own.
    let restarted = start(tenant(), store.clone());
    let as_dee = id_of(password_grant(
        &restarted,
        "dee@acme.example",
        "dee's new one",
    ));
    assert_eq!(as_dee["sub"], ana_sub.as_str(), "{as_dee}");

    // Bo's Google account reaches Ana, and the event names Google. That
    // login's Action unlinks both identities.
    let as_bo = social_login(&server, "bo@gmail.example");
    assert_eq!(as_bo["sub"], ana_sub.as_str(), "{as_bo}");
    assert_eq!(connection(&as_bo), "google-oauth2", "{as_bo}");

    // Unlinked: each is its own user again, with its own credentials.
    let bo_again = social_login(&server, "bo@gmail.example");
    assert_eq!(bo_again["sub"], bo_sub.as_str(), "{bo_again}");
    assert_eq!(identities(&bo_again), serde_json::json!(["google-oauth2"]));
    let dee_again = id_of(password_login("dee@acme.example", "dee's new one"));
    assert_eq!(dee_again["sub"], dee_sub.as_str(), "{dee_again}");
    // The reset link sent while Dee was linked into Ana is void now: it
    // neither shows nor changes anyone's password.
    let stale = Browser::new().get(&stale_link);
    assert_eq!(stale.status(), 400);
    let stale = stale.text().expect("page");
    assert!(!stale.contains("ana@acme.example"), "{stale}");
    assert_eq!(dee_again["email"], "dee@acme.example", "{dee_again}");
    let ana_again = id_of(password_login("ana@acme.example", "correct horse battery"));
    assert_eq!(
        identities(&ana_again),
        serde_json::json!(["Username-Password-Authentication"]),
        "{ana_again}"
    );
}

/// The fixture's users, and one more of the database connection.
fn fixture_users_and(extra: Value) -> Vec<Value> {
    let mut users = read_users(
        &serve_fixture("users.json"),
        "Username-Password-Authentication",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    users.push(
        actionbox::serve::tenant::user_record(&extra, "Username-Password-Authentication", 0)
            .expect("user"),
    );
    users
}
