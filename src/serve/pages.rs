//! The HTML `serve` renders: the login page (usable without JavaScript),
//! error pages, the `form_post` response, and the logins page.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use serde_json::{Map, Value, json};

use crate::tenant::ConnectionSettings;

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f0f2f5;margin:0;color:#1e212a}\
main{max-width:400px;margin:8vh auto;background:#fff;padding:40px;border-radius:6px;box-shadow:0 2px 12px #0002}\
h1{font-size:24px;margin:0 0 8px}p{color:#65676e}label{display:block;margin:16px 0 4px;font-size:14px}\
input{width:100%;box-sizing:border-box;padding:12px;border:1px solid #c9cace;border-radius:3px;font-size:16px}\
button{width:100%;padding:12px;margin-top:20px;border:0;border-radius:3px;font-size:16px;cursor:pointer;background:#635dff;color:#fff}\
button.social{background:#fff;color:#1e212a;border:1px solid #c9cace;margin-top:10px}\
.error{background:#fde8e8;color:#b91c1c;padding:10px;border-radius:3px}\
.or{text-align:center;margin:20px 0 0;color:#65676e}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top;font-size:13px}\
pre{white-space:pre-wrap;word-break:break-all;margin:0}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        text(title)
    )
}

/// What the login page needs.
pub struct LoginPage<'a> {
    pub tenant: &'a str,
    pub client_name: &'a str,
    pub state: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// Whether the form asks for a password (a database connection).
    pub database: Option<&'a str>,
    pub social: &'a [ConnectionSettings],
}

/// The login page: a form posting `username` and `password`, and one
/// button per social connection; no script.
pub fn login(page_data: &LoginPage<'_>) -> String {
    let mut body = String::new();
    body.push_str("<main>");
    body.push_str(&format!(
        "<h1>Welcome</h1><p>Log in to {} to continue to {}.</p>",
        text(page_data.tenant),
        text(page_data.client_name)
    ));
    if let Some(error) = page_data.error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            text(error)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/u/login\">\
<input type=\"hidden\" name=\"state\" value=\"{}\">\
<input type=\"hidden\" name=\"_csrf\" value=\"{}\">",
        attr(page_data.state),
        attr(page_data.csrf)
    ));
    body.push_str(&format!(
        "<label for=\"username\">Email address</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" value=\"{}\" autofocus>",
        attr(page_data.username)
    ));
    if page_data.database.is_some() {
        body.push_str(
            "<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\">\
<button type=\"submit\" name=\"action\" value=\"default\" id=\"continue\">Continue</button>",
        );
    }
    if !page_data.social.is_empty() {
        if page_data.database.is_some() {
            body.push_str("<p class=\"or\">OR</p>");
        }
        for connection in page_data.social {
            let label = connection
                .display_name
                .clone()
                .unwrap_or_else(|| connection.name.clone());
            body.push_str(&format!(
                "<button type=\"submit\" class=\"social\" name=\"connection\" value=\"{}\" id=\"connection-{}\">Continue with {}</button>",
                attr(&connection.name),
                attr(&connection.name),
                text(&label)
            ));
        }
    }
    body.push_str("</form></main>");
    page(&format!("Log in | {}", page_data.tenant), &body)
}

/// The page a password reset email links to: the new password, twice.
pub fn reset_password(ticket: &str, email: &str, error: Option<&str>) -> String {
    let mut body = String::from("<main><h1>Change your password</h1>");
    body.push_str(&format!("<p>Enter a new password for {}.</p>", text(email)));
    if let Some(error) = error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            text(error)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"/u/reset-password\">\
<input type=\"hidden\" name=\"ticket\" value=\"{}\">\
<label for=\"password\">New password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" autofocus>\
<label for=\"password_confirm\">Confirm new password</label>\
<input id=\"password_confirm\" name=\"password_confirm\" type=\"password\" autocomplete=\"new-password\">\
<button type=\"submit\" id=\"reset\">Reset password</button></form></main>",
        attr(ticket)
    ));
    page("Change your password", &body)
}

/// An error the browser stops at (no application to send it back to).
pub fn error(code: &str, description: &str) -> String {
    page(
        "Error",
        &format!(
            "<main><h1>Oops!, something went wrong</h1><p class=\"error\" id=\"error\"><b>{}</b>: {}</p></main>",
            text(code),
            text(description)
        ),
    )
}

/// A plain message page (e.g. after logout without `returnTo`).
pub fn message(title: &str, message: &str) -> String {
    page(
        title,
        &format!(
            "<main><h1>{}</h1><p>{}</p></main>",
            text(title),
            text(message)
        ),
    )
}

/// `response_mode=form_post`: a form that posts the response to the
/// application, submitted by script, or by hand without one.
pub fn form_post(redirect_uri: &str, params: &[(String, String)]) -> String {
    let mut body = format!(
        "<form method=\"post\" name=\"hiddenform\" action=\"{}\">",
        attr(redirect_uri)
    );
    for (name, value) in params {
        body.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            attr(name),
            attr(value)
        ));
    }
    body.push_str(
        "<noscript><p>Script is disabled. Click Submit to continue.</p>\
<input type=\"submit\" value=\"Submit\"></noscript></form>\
<script>window.setTimeout(function(){document.forms[0].submit()},0);</script>",
    );
    page("Submit This Form", &body)
}

/// `response_mode=web_message`: a page that posts the response to the
/// window holding it (silent authentication's iframe) or that opened it
/// (a popup), for the application's origin only.
pub fn web_message(origin: &str, params: &[(String, String)]) -> String {
    let response: Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let message = json!({ "type": "authorization_response", "response": response });
    // JSON in a script: `<` only occurs inside strings, where `\u003c` is
    // the same character and cannot close the script element.
    let script_value = |value: &Value| value.to_string().replace('<', "\\u003c");
    let body = format!(
        "<script>(function(){{var target=window.opener||window.parent;\
target.postMessage({},{});}})();</script>",
        script_value(&message),
        script_value(&json!(origin))
    );
    page("Authorization Response", &body)
}

/// The page of a Form an Action rendered (`api.prompt.render`): one input
/// per field it rendered with, prefilled, posting to `/continue` with the
/// login's `state`. No script.
pub fn prompt_form(id: &str, state: &str, fields: &Map<String, Value>) -> String {
    let mut body = format!(
        "<main><h1>One more step</h1><p>Form {}</p>\
<form method=\"post\" action=\"/continue\">\
<input type=\"hidden\" name=\"state\" value=\"{}\">",
        text(id),
        attr(state)
    );
    for (name, value) in fields {
        let id = format!("field-{name}");
        body.push_str(&format!(
            "<label for=\"{}\">{}</label>",
            attr(&id),
            text(name)
        ));
        let input = match value {
            Value::Bool(on) => {
                let (yes, no) = if *on {
                    (" selected", "")
                } else {
                    ("", " selected")
                };
                format!(
                    "<select id=\"{id}\" name=\"{name}\"><option value=\"true\"{yes}>Yes</option>\
<option value=\"false\"{no}>No</option></select>",
                    id = attr(&id),
                    name = attr(name)
                )
            }
            Value::Number(number) => format!(
                "<input id=\"{}\" name=\"{}\" type=\"number\" step=\"any\" value=\"{}\">",
                attr(&id),
                attr(name),
                number
            ),
            Value::String(value) => format!(
                "<input id=\"{}\" name=\"{}\" type=\"text\" value=\"{}\">",
                attr(&id),
                attr(name),
                attr(value)
            ),
            Value::Null => format!(
                "<input id=\"{}\" name=\"{}\" type=\"text\" value=\"\">",
                attr(&id),
                attr(name)
            ),
            other => format!(
                "<textarea id=\"{}\" name=\"{}\">{}</textarea>",
                attr(&id),
                attr(name),
                text(&other.to_string())
            ),
        };
        body.push_str(&input);
    }
    body.push_str("<button type=\"submit\" id=\"submit\">Continue</button></form></main>");
    page("One more step", &body)
}

/// The last logins: status, decoded tokens, dropped claims, commands, logs.
pub fn logins(records: &[Value]) -> String {
    let mut body = String::from(
        "<main style=\"max-width:1100px\"><h1>Last logins</h1>\
<p>Newest first. The same as JSON: <a href=\"/__actionbox/logins?format=json\">?format=json</a>.</p><table>\
<tr><th>when</th><th>what</th><th>client / user</th><th>status</th><th>details</th></tr>",
    );
    for record in records {
        let get = |pointer: &str| {
            record
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let outcome = record.get("outcome").cloned().unwrap_or(Value::Null);
        let mut details = String::new();
        for (label, key) in [
            ("ID token", "/outcome/id_token/payload"),
            ("access token", "/outcome/access_token/payload"),
            ("dropped claims", "/outcome/dropped_claims"),
            ("commands", "/outcome/commands"),
            ("logs", "/outcome/logs"),
            ("error", "/outcome/error"),
            ("warnings", "/outcome/warnings"),
            ("email", "/email"),
        ] {
            let value = record.pointer(key).unwrap_or(&Value::Null);
            let empty = value.is_null() || value.as_array().is_some_and(|a| a.is_empty());
            if !empty {
                let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
                details.push_str(&format!(
                    "<details><summary>{}</summary><pre>{}</pre></details>",
                    text(label),
                    text(&pretty)
                ));
            }
        }
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}<br>{}</td><td>{}</td><td>{}</td></tr>",
            text(&get("/at")),
            text(&get("/kind")),
            text(&get("/client_id")),
            text(&get("/user_id")),
            text(outcome.get("status").and_then(Value::as_str).unwrap_or("")),
            details
        ));
    }
    body.push_str("</table></main>");
    page("actionbox: last logins", &body)
}
