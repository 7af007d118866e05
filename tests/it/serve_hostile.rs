//! `serve` under hostile input: malformed and duplicated parameters, huge
//! headers and bodies, code reuse, PKCE mismatch, open-redirect attempts,
//! CSRF on the login form. Each gets Auth0's error, and the server keeps
//! answering.

use serde_json::Value;

use crate::common::*;

fn still_up(server: &TestServer) {
    let response = http()
        .get(format!("{}.well-known/openid-configuration", server.base))
        .send()
        .expect("the server still answers");
    assert_eq!(response.status(), 200);
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn authorize_never_redirects_to_a_uri_the_client_did_not_register() {
    let server = start_default();
    for redirect in [
        "https://evil.example/callback",
        "http://app.test/callback/../evil",
        "http://app.test/callback?x=1",
        "http://app.test/CALLBACK",
        "//evil.example",
        "javascript:alert(1)",
    ] {
        let response = http()
            .get(format!(
                "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&state=s",
                server.base,
                encoded(redirect)
            ))
            .send()
            .expect("authorize");
        assert_eq!(response.status(), 400, "{redirect}");
        assert!(response.headers().get("location").is_none(), "{redirect}");
        let page = response.text().expect("page");
        assert!(page.contains("Callback URL mismatch"), "{page}");
        // The page shows the URI as text, never as markup.
        assert!(!page.contains("<script>alert"), "{page}");
    }
    let unknown = http()
        .get(format!(
            "{}authorize?client_id=nobody&response_type=code&redirect_uri={}",
            server.base,
            encoded(WEB_CALLBACK)
        ))
        .send()
        .expect("authorize");
    assert_eq!(unknown.status(), 400);
    assert!(unknown.headers().get("location").is_none());
    still_up(&server);
}

#[test]
fn malformed_authorize_parameters_get_auth0s_errors() {
    let server = start_default();
    let callback = encoded(WEB_CALLBACK);
    let error_of = |query: &str| -> (u16, Option<String>, Option<String>) {
        let response = http()
            .get(format!("{}authorize?{query}", server.base))
            .send()
            .expect("authorize");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let error = location.as_deref().and_then(|l| url_param(l, "error"));
        let state = location.as_deref().and_then(|l| url_param(l, "state"));
        (status, error, state)
    };
    for (query, expected) in [
        (
            format!("client_id={WEB}&redirect_uri={callback}&state=s"),
            "invalid_request",
        ),
        (
            format!("client_id={WEB}&redirect_uri={callback}&response_type=magic&state=s"),
            "unsupported_response_type",
        ),
        (
            format!("client_id={WEB}&redirect_uri={callback}&response_type=id_token&state=s"),
            "invalid_request",
        ),
        (
            format!(
                "client_id={WEB}&redirect_uri={callback}&response_type=token&response_mode=query&state=s"
            ),
            "invalid_request",
        ),
        (
            format!(
                "client_id={WEB}&redirect_uri={callback}&response_type=code&code_challenge=short&state=s"
            ),
            "invalid_request",
        ),
        (
            format!(
                "client_id={WEB}&redirect_uri={callback}&response_type=code&audience=https%3A%2F%2Fnowhere.example&state=s"
            ),
            "access_denied",
        ),
        (
            format!(
                "client_id={WEB}&redirect_uri={callback}&response_type=code&max_age=soon&state=s"
            ),
            "invalid_request",
        ),
    ] {
        let (status, error, state) = error_of(&query);
        assert_eq!(status, 302, "{query}");
        assert_eq!(error.as_deref(), Some(expected), "{query}");
        assert_eq!(state.as_deref(), Some("s"), "{query}");
    }
    // A public client must use PKCE.
    let spa = error_of(&format!(
        "client_id=spaClientId000000000000000000001&redirect_uri={}&response_type=code&state=s",
        encoded("http://spa.test/")
    ));
    assert_eq!(spa.1.as_deref(), Some("invalid_request"));
    // Broken encoding and a parameter given twice stop at an error page.
    for query in [
        format!("client_id={WEB}&client_id=other&redirect_uri={callback}&response_type=code"),
        format!("client_id={WEB}%ZZ%&redirect_uri={callback}&response_type=code"),
        "client_id=%00%ff%fe".to_string(),
    ] {
        let (status, error, _) = error_of(&query);
        assert_eq!(status, 400, "{query}");
        assert_eq!(error, None, "{query}");
    }
    still_up(&server);
}

#[test]
fn huge_headers_and_bodies_are_refused_and_the_server_stays_up() {
    let server = start_default();
    let huge = "a".repeat(1 << 20);
    let response = http()
        .get(format!("{}.well-known/openid-configuration", server.base))
        .header("cookie", format!("auth0={huge}"))
        .send();
    // hyper refuses the header (431) or closes the connection.
    if let Ok(response) = response {
        assert_eq!(response.status(), 431);
    }
    still_up(&server);

    let body = format!("grant_type=password&username={}", "u".repeat(200 * 1024));
    let response = http()
        .post(format!("{}oauth/token", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .expect("token request");
    assert_eq!(response.status(), 413);
    still_up(&server);

    for (content_type, body) in [
        ("application/json", "{not json"),
        ("application/json", "[1,2]"),
        (
            "application/x-www-form-urlencoded",
            "grant_type=a&grant_type=b",
        ),
    ] {
        let response = http()
            .post(format!("{}oauth/token", server.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .expect("token request");
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = serde_json::from_str(&response.text().expect("body")).expect("JSON");
        assert_eq!(answer["error"], "invalid_request", "{body}");
    }
    let (status, answer) = token_request(&server, &[("grant_type", "urn:magic")]);
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    still_up(&server);
}

/// A code from a real login of the web client with PKCE (`S256`).
fn pkce_code(server: &TestServer, challenge: &str) -> String {
    let mut browser = Browser::new();
    let url = format!(
        "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&scope=openid&state=s&code_challenge={challenge}&code_challenge_method=S256",
        server.base,
        encoded(WEB_CALLBACK)
    );
    let answer = log_in(
        &mut browser,
        &url,
        "ana@acme.example",
        "correct horse battery",
    );
    url_param(&location(&answer), "code").expect("code")
}

#[test]
fn a_wrong_code_verifier_or_a_reused_code_is_invalid_grant() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let server = start_default();
    let verifier = "a-verifier-of-enough-length-for-rfc-7636-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let exchange = |code: &str, verifier: &str| {
        token_request(
            &server,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", WEB),
                ("client_secret", WEB_SECRET),
                ("code", code),
                ("redirect_uri", WEB_CALLBACK),
                ("code_verifier", verifier),
            ],
        )
    };
    let code = pkce_code(&server, &challenge);
    let (status, answer) = exchange(&code, "not-the-verifier-but-long-enough-to-look-real-0000");
    assert_eq!(status, 403);
    assert_eq!(answer["error"], "invalid_grant");
    assert_eq!(
        answer["error_description"],
        "Failed to verify code verifier"
    );
    // A failed exchange used the code up, as Auth0 does.
    let (status, answer) = exchange(&code, verifier);
    assert_eq!(
        (status, answer["error"].as_str()),
        (403, Some("invalid_grant"))
    );

    let code = pkce_code(&server, &challenge);
    let (status, answer) = exchange(&code, verifier);
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = exchange(&code, verifier);
    assert_eq!(status, 403);
    assert_eq!(answer["error_description"], "Invalid authorization code");
    // Another client cannot redeem a code.
    let code = pkce_code(&server, &challenge);
    let (status, _) = token_request(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", M2M),
            ("client_secret", M2M_SECRET),
            ("code", &code),
            ("code_verifier", verifier),
        ],
    );
    assert_eq!(status, 403);
    still_up(&server);
}

#[test]
fn the_login_form_refuses_a_post_without_the_browsers_csrf_token() {
    let server = start_default();
    let mut browser = Browser::new();
    let url = format!(
        "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&scope=openid&state=s",
        server.base,
        encoded(WEB_CALLBACK)
    );
    let to_login = browser.get(&url);
    let login_url = format!(
        "{}{}",
        server.base,
        location(&to_login).trim_start_matches('/')
    );
    let page = browser.get(&login_url).text().expect("page");
    let state = hidden(&page, "state");
    let csrf = hidden(&page, "_csrf");
    let form = |token: &str| {
        vec![
            ("state", state.clone()),
            ("_csrf", token.to_string()),
            ("username", "ana@acme.example".to_string()),
            ("password", "correct horse battery".to_string()),
        ]
    };
    // A cross-site form: the attacker's page posts without the cookie.
    let forged = http()
        .post(format!("{}u/login", server.base))
        .form(&form(&csrf))
        .send()
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert!(
        forged.headers().get("set-cookie").is_none(),
        "no session for a forged post"
    );
    // The browser's cookie with a token that is not the page's.
    let wrong = browser.post_form(
        &format!("{}u/login", server.base),
        &[
            ("state", state.as_str()),
            ("_csrf", "forged-token"),
            ("username", "ana@acme.example"),
            ("password", "correct horse battery"),
        ],
    );
    assert_eq!(wrong.status(), 403);
    // A wrong password shows the form again, with Auth0's message.
    let bad = browser.post_form(
        &format!("{}u/login", server.base),
        &[
            ("state", state.as_str()),
            ("_csrf", csrf.as_str()),
            ("username", "ana@acme.example"),
            ("password", "nope"),
        ],
    );
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .expect("page")
            .contains("Wrong email or password.")
    );
    // The page is not framable (clickjacking).
    let framed = browser.get(&login_url);
    assert_eq!(
        framed
            .headers()
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    // The real form still works, once.
    let good = browser.post_form(
        &format!("{}u/login", server.base),
        &[
            ("state", state.as_str()),
            ("_csrf", csrf.as_str()),
            ("username", "ana@acme.example"),
            ("password", "correct horse battery"),
        ],
    );
    assert!(location(&good).starts_with(WEB_CALLBACK));
    let again = browser.post_form(
        &format!("{}u/login", server.base),
        &[
            ("state", state.as_str()),
            ("_csrf", csrf.as_str()),
            ("username", "ana@acme.example"),
            ("password", "correct horse battery"),
        ],
    );
    assert_eq!(again.status(), 400, "a login transaction is used once");
    still_up(&server);
}

#[test]
fn continue_and_logout_refuse_what_they_did_not_issue() {
    let server = start_default();
    let continued = http()
        .get(format!("{}continue?state=made-up", server.base))
        .send()
        .expect("continue");
    assert_eq!(continued.status(), 400);
    assert!(continued.headers().get("location").is_none());
    let logout = http()
        .get(format!(
            "{}v2/logout?client_id={WEB}&returnTo={}",
            server.base,
            encoded("https://evil.example/")
        ))
        .send()
        .expect("logout");
    assert_eq!(logout.status(), 400);
    assert!(logout.headers().get("location").is_none());
    let userinfo = http()
        .get(format!("{}userinfo", server.base))
        .bearer_auth("made-up-token")
        .send()
        .expect("userinfo");
    assert_eq!(userinfo.status(), 401);
    assert!(userinfo.headers().get("www-authenticate").is_some());
    still_up(&server);
}

#[test]
fn a_client_without_a_secret_never_gets_client_credentials() {
    // A client described without app_type or secret (as `run` settings
    // often are) and one listing the grant outright: neither
    // authenticates, so knowing the id must not yield an M2M token.
    let server = start(
        test_tenant_with(|settings| {
            for (id, grants) in [
                ("bareClientId", None),
                (
                    "listsItClientId",
                    Some(vec!["client_credentials".to_string()]),
                ),
            ] {
                let mut client: actionbox::tenant::ClientSettings =
                    serde_json::from_value(serde_json::json!({ "client_id": id })).expect("client");
                client.grant_types = grants;
                settings.clients.push(client);
            }
        }),
        std::sync::Arc::new(actionbox::serve::MemoryStore::new()),
    );
    for client_id in [
        "bareClientId",
        "listsItClientId",
        "spaClientId000000000000000000001",
    ] {
        let (status, body) = token_request(
            &server,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("audience", API),
            ],
        );
        assert_eq!(status, 403, "{client_id}: {body}");
        assert_eq!(body["error"], "unauthorized_client", "{client_id}: {body}");
        assert!(body.get("access_token").is_none(), "{body}");
    }
    // The machine-to-machine client with its secret still gets one.
    let (status, body) = token_request(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", M2M),
            ("client_secret", M2M_SECRET),
            ("audience", API),
        ],
    );
    assert_eq!(status, 200, "{body}");
    still_up(&server);
}
