//! A real single-page application logs in to `serve`: the npm package
//! `@auth0/auth0-spa-js` (vendored in tests/fixtures/auth0-spa-js/) on a
//! page of another origin, in headless Chromium. `loginWithRedirect` goes
//! through the login form, `handleRedirectCallback` exchanges the code with
//! a cross-origin `fetch` (CORS), and `getTokenSilently` runs silent
//! authentication in a hidden iframe answered by `response_mode=web_message`.
//! A page of an origin the client does not list cannot read the token
//! endpoint's answers.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actionbox::serve::MemoryStore;
use axum::response::{Html, IntoResponse};
use headless_chrome::Tab;
use serde_json::Value;

use crate::common::*;

const SPA: &str = "spaClientId000000000000000000001";

/// The application: its page, the SDK, and a page that calls the token
/// endpoint itself; served on two loopback ports (two origins). The pages
/// name the tenant, which starts after the application (its client lists
/// the application's origin).
struct App {
    allowed: String,
    refused: String,
    _runtime: tokio::runtime::Runtime,
}

fn index_page(tenant: &str) -> String {
    format!(
        r#"<!doctype html><html><body style="background:#fff"><h1>SPA</h1>
<script src="/auth0-spa-js.production.js"></script>
<script>
const show = (id, value) => {{
  const p = document.createElement('p');
  p.id = id;
  p.textContent = typeof value === 'string' ? value : JSON.stringify(value);
  document.body.appendChild(p);
}};
(async () => {{
  try {{
    const client = await auth0.createAuth0Client({{
      domain: '{tenant}',
      clientId: '{SPA}',
      authorizationParams: {{ redirect_uri: location.origin + '/', scope: 'openid profile email' }},
    }});
    if (location.search.includes('code=')) {{
      await client.handleRedirectCallback();
      show('user', (await client.getUser()).email);
      show('claims', await client.getIdTokenClaims());
      await client.getTokenSilently({{ cacheMode: 'off' }});
      show('silent', await client.getIdTokenClaims());
    }} else if (location.hash === '#login') {{
      await client.loginWithRedirect();
    }}
  }} catch (e) {{
    show('error', String((e && (e.error_description || e.message)) || e));
  }}
}})();
</script></body></html>"#
    )
}

/// The token endpoint called by hand, the way the SDK calls it (a header
/// that needs a preflight): the answer is readable only where the client
/// allows the origin.
fn direct_page(tenant: &str) -> String {
    format!(
        r#"<!doctype html><html><body><script>
const show = text => {{ const p = document.createElement('p'); p.id = 'answer'; p.textContent = text; document.body.appendChild(p); }};
fetch('{tenant}/oauth/token', {{
  method: 'POST',
  headers: {{ 'Content-Type': 'application/x-www-form-urlencoded', 'Auth0-Client': 'dGVzdA==' }},
  body: 'grant_type=authorization_code&client_id={SPA}&code=unknown&code_verifier=x',
}}).then(r => r.json()).then(body => show(body.error), e => show('refused: ' + e.name));
</script></body></html>"#
    )
}

fn app(tenant_base: Arc<OnceLock<String>>) -> App {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sdk = std::fs::read_to_string(fixture("auth0-spa-js/auth0-spa-js.production.js"))
        .expect("the vendored auth0-spa-js");
    let tenant = move || {
        tenant_base
            .get()
            .map(|b| b.trim_end_matches('/').to_string())
            .unwrap_or_default()
    };
    let index_tenant = tenant.clone();
    let router = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || {
                let page = index_page(&index_tenant());
                async move { Html(page) }
            }),
        )
        .route(
            "/direct",
            axum::routing::get(move || {
                let page = direct_page(&tenant());
                async move { Html(page) }
            }),
        )
        .route(
            "/auth0-spa-js.production.js",
            axum::routing::get(move || {
                let sdk = sdk.clone();
                async move { ([("content-type", "text/javascript")], sdk).into_response() }
            }),
        );
    let mut bases = Vec::new();
    for _ in 0..2 {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        bases.push(format!(
            "http://{}",
            listener.local_addr().expect("address")
        ));
        let router = router.clone();
        runtime.spawn(async move { axum::serve(listener, router).await });
    }
    App {
        refused: bases.pop().expect("two origins"),
        allowed: bases.pop().expect("two origins"),
        _runtime: runtime,
    }
}

fn text_of(tab: &Tab, selector: &str) -> String {
    let found = tab.wait_for_element(selector).unwrap_or_else(|e| {
        let error = tab
            .find_element("#error")
            .and_then(|e| e.get_inner_text())
            .unwrap_or_default();
        panic!("{selector} on {}: {e} {error}", tab.get_url())
    });
    found.get_inner_text().expect("text")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn auth0_spa_js_logs_in_exchanges_the_code_cross_origin_and_renews_silently() {
    let tenant_base = Arc::new(OnceLock::new());
    let app = app(tenant_base.clone());
    // The SPA client lists the application's first origin (its callback
    // and web origin); the second origin is nobody's.
    let mut tenant = test_tenant();
    for client in tenant
        .settings
        .clients
        .iter_mut()
        .filter(|c| c.client_id == SPA)
    {
        client.callbacks.push(format!("{}/", app.allowed));
        client.web_origins.push(app.allowed.clone());
    }
    let server = start(tenant, Arc::new(MemoryStore::new()));
    tenant_base.set(server.base.clone()).expect("set once");

    let Some(browser) = chromium() else {
        return;
    };
    let tab = browser.new_tab().expect("tab");
    tab.set_default_timeout(Duration::from_secs(60));

    // loginWithRedirect: to /authorize, on to the login form.
    tab.navigate_to(&format!("{}/#login", app.allowed))
        .expect("navigate");
    tab.wait_for_element("#username")
        .unwrap_or_else(|e| panic!("the login page: {e} at {}", tab.get_url()));
    assert!(tab.get_url().starts_with(&server.base), "{}", tab.get_url());
    for (selector, text) in [
        ("#username", "ana@acme.example"),
        ("#password", "correct horse battery"),
    ] {
        tab.wait_for_element(selector)
            .expect(selector)
            .click()
            .expect("click");
        tab.type_str(text).expect("typing");
    }
    tab.wait_for_element("#continue")
        .expect("the Continue button")
        .click()
        .expect("click");

    // handleRedirectCallback: the code exchanged by fetch from the
    // application's origin; the SDK checked the ID token (issuer,
    // audience, nonce, RS256).
    assert_eq!(text_of(&tab, "#user"), "ana@acme.example");
    let claims = json(&text_of(&tab, "#claims"));
    assert_eq!(claims["iss"], server.base.as_str());
    assert_eq!(claims["aud"], SPA);
    assert_eq!(claims["https://acme.example/logins_seen"], 1);
    assert_eq!(
        claims["https://acme.example/roles"],
        serde_json::json!(["admin", "editor"])
    );

    // getTokenSilently: a hidden iframe, prompt=none with the SSO cookie,
    // answered by web_message; a new login ran the Actions again.
    let silent = json(&text_of(&tab, "#silent"));
    assert_eq!(silent["https://acme.example/logins_seen"], 2, "{silent}");
    assert_eq!(silent["email"], "ana@acme.example");

    // The token endpoint from the listed origin: readable (the error of an
    // unknown code); from another origin: the browser refuses it.
    tab.navigate_to(&format!("{}/direct", app.allowed))
        .expect("navigate");
    assert_eq!(text_of(&tab, "#answer"), "invalid_grant");
    tab.navigate_to(&format!("{}/direct", app.refused))
        .expect("navigate");
    assert_eq!(text_of(&tab, "#answer"), "refused: TypeError");
}
