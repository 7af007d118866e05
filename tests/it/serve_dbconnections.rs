//! `serve`'s database connection endpoints: a signup through
//! `/dbconnections/signup` runs the pre- and post-user-registration
//! Actions; `/dbconnections/change_password` "emails" a reset link whose
//! page changes the password and runs the post-change-password Actions.

use serde_json::{Value, json};

use crate::common::*;

const DATABASE: &str = "Username-Password-Authentication";

fn logs_of(entries: &[Value], kind: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e["kind"] == kind)
        .flat_map(|e| e["outcome"]["logs"].as_array().cloned().unwrap_or_default())
        .filter_map(|log| log["message"].as_str().map(str::to_string))
        .collect()
}

fn password_login(server: &TestServer, email: &str, password: &str) -> (u16, Value) {
    token_request(
        server,
        &[
            ("grant_type", "password"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("username", email),
            ("password", password),
            ("scope", "openid email"),
            ("audience", API),
        ],
    )
}

#[test]
fn a_signup_runs_the_registration_actions_and_the_new_user_logs_in() {
    let server = start_default();
    let (status, created) = post_json(
        &server,
        "dbconnections/signup",
        &json!({
            "client_id": WEB,
            "email": "nia@acme.example",
            "password": "fresh password",
            "connection": DATABASE,
            "given_name": "Nia",
            "user_metadata": { "color": "teal" },
        }),
    );
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["email"], "nia@acme.example");
    assert_eq!(created["email_verified"], false);
    assert_eq!(created["given_name"], "Nia");
    assert_eq!(
        created["user_metadata"],
        json!({ "color": "teal", "signup_client": "Acme Web" }),
        "the request's metadata and what the pre-user-registration Action added"
    );
    let id = created["_id"].as_str().expect("_id");
    assert!(!id.is_empty() && !id.contains('|'), "{id}");

    // The post-user-registration Action ran once the user existed.
    let welcomed = logs_of(&logins(&server), "post-user-registration");
    assert_eq!(
        welcomed,
        vec![format!(
            "welcome nia@acme.example (auth0|{id}) on {DATABASE}"
        )]
    );

    // The same email again; a blocked domain; a missing password.
    let (status, again) = post_json(
        &server,
        "dbconnections/signup",
        &json!({ "client_id": WEB, "email": "NIA@acme.example", "password": "x", "connection": DATABASE }),
    );
    assert_eq!((status, again["code"].as_str()), (400, Some("user_exists")));
    assert_eq!(again["description"], "The user already exists.");
    let (status, denied) = post_json(
        &server,
        "dbconnections/signup",
        &json!({ "client_id": WEB, "email": "bot@spam.example", "password": "x", "connection": DATABASE }),
    );
    assert_eq!(status, 400, "{denied}");
    assert_eq!(denied["error"], "extensibility_error");
    assert_eq!(
        denied["error_description"],
        "Signups from this domain are not allowed."
    );
    let (status, missing) = post_json(
        &server,
        "dbconnections/signup",
        &json!({ "client_id": WEB, "email": "x@acme.example", "connection": DATABASE }),
    );
    assert_eq!(
        (status, missing["code"].as_str()),
        (400, Some("invalid_body"))
    );
    assert_eq!(
        missing["description"],
        "Missing required parameter: password"
    );
    let (status, _) = password_login(&server, "bot@spam.example", "x");
    assert_eq!(status, 403, "a refused signup creates nobody");

    // The new user logs in; the metadata the Action set reaches the tokens.
    let (status, tokens) = password_login(&server, "nia@acme.example", "fresh password");
    assert_eq!(status, 200, "{tokens}");
    let access = payload(tokens["access_token"].as_str().expect("access token"));
    assert_eq!(access["https://acme.example/plan"], "trial");
    assert_eq!(access["sub"], format!("auth0|{id}"));
}

#[test]
fn a_password_reset_link_changes_the_password_once_and_runs_post_change_password() {
    let server = start_default();
    let request = json!({ "client_id": WEB, "email": "ana@acme.example", "connection": DATABASE });
    let (status, answer) = post_json(&server, "dbconnections/change_password", &request);
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!("We've just sent you an email to reset your password.")
    );
    // Nobody with that email: the same answer, and no email.
    let (status, same) = post_json(
        &server,
        "dbconnections/change_password",
        &json!({ "client_id": WEB, "email": "nobody@acme.example", "connection": DATABASE }),
    );
    assert_eq!((status, &same), (200, &answer));
    let emails: Vec<Value> = logins(&server)
        .into_iter()
        .filter(|e| e["kind"] == "change-password-email")
        .collect();
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(emails[0]["email"]["to"], "ana@acme.example");
    let link = emails[0]["email"]["url"]
        .as_str()
        .expect("link")
        .to_string();
    assert!(link.starts_with(&format!("{}u/reset-password?ticket=", server.base)));

    let mut browser = Browser::new();
    let page = browser.get(&link);
    assert_eq!(page.status(), 200);
    let page = page.text().expect("page");
    assert!(page.contains("ana@acme.example"), "{page}");
    let ticket = hidden(&page, "ticket");
    let reset_url = format!("{}u/reset-password", server.base);
    let mismatch = browser.post_form(
        &reset_url,
        &[
            ("ticket", ticket.as_str()),
            ("password", "new secret words"),
            ("password_confirm", "other words"),
        ],
    );
    assert!(
        mismatch
            .text()
            .expect("page")
            .contains("The passwords do not match.")
    );
    let done = browser.post_form(
        &reset_url,
        &[
            ("ticket", ticket.as_str()),
            ("password", "new secret words"),
            ("password_confirm", "new secret words"),
        ],
    );
    assert_eq!(done.status(), 200);
    assert!(done.text().expect("page").contains("Password changed"));
    let reused = browser.post_form(
        &reset_url,
        &[
            ("ticket", ticket.as_str()),
            ("password", "third"),
            ("password_confirm", "third"),
        ],
    );
    assert_eq!(reused.status(), 400, "a reset link works once");

    let changed = logs_of(&logins(&server), "post-change-password");
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].starts_with("password changed for ana@acme.example at 20"),
        "{changed:?}"
    );
    let (status, _) = password_login(&server, "ana@acme.example", "correct horse battery");
    assert_eq!(status, 403, "the old password no longer works");
    let (status, tokens) = password_login(&server, "ana@acme.example", "new secret words");
    assert_eq!(status, 200, "{tokens}");
}
