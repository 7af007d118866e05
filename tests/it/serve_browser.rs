//! `serve`'s login page in a real browser: headless Chromium (the Debian
//! `chromium`) logs in through the form, and through a redirect Action's
//! round trip to another site and back to `/continue`. The application and
//! the terms site are small servers of the test, on loopback.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actionbox::serve::MemoryStore;
use axum::extract::RawQuery;
use axum::response::Html;
use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;

use crate::common::*;

/// The application (`/callback` shows the code it got) and the terms site
/// (`/terms` has an Accept button that goes back to the tenant's
/// `/continue` with the state), on one loopback port.
struct Sites {
    base: String,
    _runtime: tokio::runtime::Runtime,
}

fn sites(tenant_base: Arc<OnceLock<String>>) -> Sites {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}/", listener.local_addr().expect("address"));
    let params = |query: Option<String>| -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    };
    let app = axum::Router::new()
        .route(
            "/callback",
            axum::routing::get(move |RawQuery(query): RawQuery| async move {
                let rows: String = params(query)
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "<p id=\"{}\">{}</p>",
                            html_escape::encode_double_quoted_attribute(k),
                            html_escape::encode_text(v)
                        )
                    })
                    .collect();
                Html(format!(
                    "<!doctype html><html><body style=\"background:#fff\"><h1 style=\"color:#060\">Signed in to the application</h1>{rows}</body></html>"
                ))
            }),
        )
        .route(
            "/terms",
            axum::routing::get(move |RawQuery(query): RawQuery| {
                let tenant = tenant_base.get().cloned().unwrap_or_default();
                async move {
                    let state = params(query)
                        .into_iter()
                        .find(|(k, _)| k == "state")
                        .map(|(_, v)| v)
                        .unwrap_or_default();
                    Html(format!(
                        "<!doctype html><html><body><h1>Terms of service v1</h1>\
                         <form method=\"get\" action=\"{tenant}continue\">\
                         <input type=\"hidden\" name=\"state\" value=\"{}\">\
                         <input type=\"hidden\" name=\"accepted\" value=\"yes\">\
                         <button id=\"accept\" type=\"submit\">Accept</button></form></body></html>",
                        html_escape::encode_double_quoted_attribute(&state)
                    ))
                }
            }),
        );
    runtime.spawn(async move { axum::serve(listener, app).await });
    Sites {
        base,
        _runtime: runtime,
    }
}

fn type_into(tab: &Tab, selector: &str, text: &str) {
    tab.wait_for_element(selector)
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
    tab.type_str(text).expect("typing");
}

fn text_of(tab: &Tab, selector: &str) -> String {
    tab.wait_for_element(selector)
        .unwrap_or_else(|e| panic!("{selector} on {}: {e}", tab.get_url()))
        .get_inner_text()
        .expect("text")
}

#[test]
fn chromium_logs_in_through_the_form_and_round_trips_a_redirect_action() {
    let tenant_base = Arc::new(OnceLock::new());
    let sites = sites(tenant_base.clone());
    let callback = format!("{}callback", sites.base);
    let mut tenant = test_tenant();
    // The redirect Action sends users to the URL in the client's metadata.
    let terms_url = format!("{}terms", sites.base);
    for client in tenant
        .settings
        .clients
        .iter_mut()
        .filter(|c| c.client_id == WEB)
    {
        client.callbacks.push(callback.clone());
        client
            .client_metadata
            .insert("terms_url".into(), terms_url.clone());
    }
    // A Form: an Action renders it for users who need a profile.
    tenant
        .flows
        .get_mut(&actionbox::Trigger::PostLogin)
        .expect("the post-login flow")
        .scripts
        .push(script(&serve_fixture("profile-form.js")));
    let dee = serde_json::json!({
        "email": "dee@acme.example",
        "password": "dee's password",
        "app_metadata": { "needs_profile": true }
    });
    tenant.users.push(
        actionbox::serve::tenant::user_record(&dee, "Username-Password-Authentication", 0)
            .expect("user"),
    );
    let server = start(tenant, Arc::new(MemoryStore::new()));
    tenant_base.set(server.base.clone()).expect("set once");
    let encoded: String = url::form_urlencoded::byte_serialize(callback.as_bytes()).collect();
    let authorize = |state: &str| {
        format!(
            "{}authorize?client_id={WEB}&response_type=code&redirect_uri={encoded}&scope=openid%20email&state={state}&prompt=login",
            server.base
        )
    };
    let exchange = |code: &str| {
        let (status, tokens) = token_request(
            &server,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", WEB),
                ("client_secret", WEB_SECRET),
                ("code", code),
                ("redirect_uri", callback.as_str()),
            ],
        );
        assert_eq!(status, 200, "{tokens}");
        payload(tokens["id_token"].as_str().expect("ID token"))
    };

    let Some(browser) = chromium() else {
        return;
    };
    let tab = browser.new_tab().expect("tab");
    tab.set_default_timeout(Duration::from_secs(60));

    // The form, as a person fills it in.
    tab.navigate_to(&authorize("form"))
        .expect("navigate")
        .wait_until_navigated()
        .expect("the login page");
    type_into(&tab, "#username", "ana@acme.example");
    type_into(&tab, "#password", "correct horse battery");
    let login_page = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("screenshot");
    assert_not_blank(&login_page);
    tab.wait_for_element("#continue")
        .expect("the Continue button")
        .click()
        .expect("click");
    let code = text_of(&tab, "#code");
    assert_eq!(text_of(&tab, "#state"), "form");
    assert!(tab.get_url().starts_with(&callback), "{}", tab.get_url());
    let id = exchange(&code);
    assert_eq!(id["email"], "ana@acme.example");
    assert_eq!(id["https://acme.example/tier"], "gold");
    let app_page = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("screenshot");
    assert_not_blank(&app_page);

    // A redirect Action: off to the terms site, Accept, back to /continue,
    // on to the application.
    tab.navigate_to(&authorize("terms"))
        .expect("navigate")
        .wait_until_navigated()
        .expect("the login page");
    type_into(&tab, "#username", "cy@acme.example");
    type_into(&tab, "#password", "terms first");
    tab.wait_for_element("#continue")
        .expect("the Continue button")
        .click()
        .expect("click");
    assert_eq!(
        text_of(&tab, "h1"),
        "Terms of service v1",
        "{}: {}",
        tab.get_url(),
        tab.find_element("#error")
            .and_then(|e| e.get_inner_text())
            .unwrap_or_default()
    );
    assert!(tab.get_url().starts_with(&format!("{}terms", sites.base)));
    tab.wait_for_element("#accept")
        .expect("the Accept button")
        .click()
        .expect("click");
    let code = text_of(&tab, "#code");
    assert_eq!(text_of(&tab, "#state"), "terms");
    let id = exchange(&code);
    assert_eq!(id["email"], "cy@acme.example");
    assert_eq!(id["https://acme.example/terms"], "v1");

    // A Form (api.prompt.render): serve shows it, the answers go back to
    // /continue, and onContinuePostLogin gets them in event.prompt, typed
    // as the fields were rendered.
    tab.navigate_to(&authorize("form"))
        .expect("navigate")
        .wait_until_navigated()
        .expect("the login page");
    type_into(&tab, "#username", "dee@acme.example");
    type_into(&tab, "#password", "dee's password");
    tab.wait_for_element("#continue")
        .expect("the Continue button")
        .click()
        .expect("click");
    tab.wait_for_element("#field-favourite_colour")
        .unwrap_or_else(|e| panic!("the form: {e} at {}", tab.get_url()));
    assert!(
        tab.get_url()
            .starts_with(&format!("{}u/forms/ap_profile?state=", server.base)),
        "{}",
        tab.get_url()
    );
    let form_page = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("screenshot");
    assert_not_blank(&form_page);
    // Replace the prefilled colour, say yes to the newsletter, change the age.
    tab.evaluate(
        "document.getElementById('field-favourite_colour').value = '';\
         document.getElementById('field-newsletter').value = 'true';\
         document.getElementById('field-age').value = '';",
        false,
    )
    .expect("clear the fields");
    type_into(&tab, "#field-favourite_colour", "green");
    type_into(&tab, "#field-age", "41");
    tab.wait_for_element("#submit")
        .expect("the form's Continue button")
        .click()
        .expect("click");
    let code = text_of(&tab, "#code");
    assert_eq!(text_of(&tab, "#state"), "form");
    let id = exchange(&code);
    assert_eq!(id["email"], "dee@acme.example");
    assert_eq!(
        id["https://acme.example/profile"],
        serde_json::json!({
            "form": "ap_profile",
            "favourite_colour": "green",
            "newsletter": true,
            "age": 41,
            "greeting": "Hello"
        })
    );
}
