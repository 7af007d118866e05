//! `--format html`: the report of `compare` and `migrate`, read as a page
//! in headless Chromium (the Debian `chromium`). Hostile claim names,
//! values and event names are shown as text, never run as markup.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::protocol::cdp::types::Event;

use crate::common::*;

const HOSTILE_CLAIM: &str = "https://evil.example/<img src=x onerror=\"window.pwned=1\">";
const HOSTILE_VALUE: &str = "</style></code><script>window.pwned=2</script>";
const HOSTILE_EVENT: &str = "<svg onload=window.pwned=3>.json";

/// A Rule that sets a claim named and valued to break out of the page, an
/// Action that does not, and an event whose file name is markup.
fn hostile_inputs(dir: &Path) -> (String, String, String) {
    let rule = dir.join("hostile-rule.js");
    std::fs::write(
        &rule,
        format!(
            "function hostile(user, context, callback) {{\n  context.idToken[{}] = {};\n  callback(null, user, context);\n}}\n",
            serde_json::to_string(HOSTILE_CLAIM).unwrap(),
            serde_json::to_string(HOSTILE_VALUE).unwrap()
        ),
    )
    .unwrap();
    let action = dir.join("quiet-action.js");
    std::fs::write(&action, "exports.onExecutePostLogin = async () => {};\n").unwrap();
    let event = dir.join(HOSTILE_EVENT);
    std::fs::copy(
        repo().join("actions/events/post-login-database.json"),
        &event,
    )
    .unwrap();
    (
        rule.display().to_string(),
        action.display().to_string(),
        event.display().to_string(),
    )
}

#[test]
fn the_html_report_is_one_page_that_asks_for_nothing_and_escapes_every_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (rule, action, event) = hostile_inputs(dir.path());
    let page = dir.path().join("report.html");
    let output = actionbox(&[
        "compare",
        &rule,
        &action,
        "--event",
        &event,
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "the report went to the file");
    let html = std::fs::read_to_string(&page).expect("the report is written");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    // Self-contained: no script, no external resource, a policy that
    // forbids any.
    // Every element is one the report itself writes, and every link stays
    // on the page.
    let allowed = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p",
        "span", "strong", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "a",
        "section", "div", "details", "summary", "ul", "li",
    ];
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect::<String>()
            .to_lowercase();
        assert!(allowed.contains(&name.as_str()), "<{name}> in\n{html}");
    }
    for link in html.split("href=\"").skip(1) {
        assert!(link.starts_with('#'), "a link off the page: {link}");
    }
    let lower = html.to_lowercase();
    assert!(
        !lower.contains("@import") && !lower.contains("url("),
        "{html}"
    );
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'sha256-"),
        "{html}"
    );
    // The hostile strings are there, escaped.
    assert!(html.contains("&lt;/style&gt;&lt;/code&gt;&lt;script&gt;window.pwned=2"));
    assert!(html.contains("&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;"));
    assert!(html.contains("&lt;svg onload=window.pwned=3&gt;.json"));
}

/// Errors the page logs or throws while it loads and renders.
fn collect_errors(tab: &Tab) -> Arc<Mutex<Vec<String>>> {
    let errors = Arc::new(Mutex::new(Vec::new()));
    let sink = errors.clone();
    tab.enable_log().expect("log domain");
    tab.enable_runtime().expect("runtime domain");
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let message = match event {
            Event::LogEntryAdded(entry) => {
                let entry = &entry.params.entry;
                (format!("{:?}", entry.level) == "Error").then(|| entry.text.clone())
            }
            Event::RuntimeExceptionThrown(thrown) => {
                Some(thrown.params.exception_details.text.clone())
            }
            Event::RuntimeConsoleAPICalled(call) => (format!("{:?}", call.params.Type) == "Error")
                .then(|| format!("console.error: {:?}", call.params.args)),
            _ => None,
        };
        if let Some(message) = message {
            sink.lock().unwrap().push(message);
        }
    }))
    .expect("listener");
    errors
}

/// The value of a page expression, through JSON (the protocol hands back
/// objects by reference).
fn evaluate(tab: &Tab, expression: &str) -> serde_json::Value {
    let text = tab
        .evaluate(&format!("JSON.stringify({expression})"), false)
        .unwrap_or_else(|e| panic!("{expression}: {e}"))
        .value;
    match text {
        Some(serde_json::Value::String(text)) => serde_json::from_str(&text).expect("JSON"),
        _ => serde_json::Value::Null,
    }
}

/// Opens `page` and checks what every report must be: rendered, free of
/// errors, not blank. Returns the tab and its screenshot.
fn open(browser: &headless_chrome::Browser, page: &Path) -> (Arc<Tab>, Vec<u8>) {
    let tab = browser.new_tab().expect("tab");
    tab.set_default_timeout(Duration::from_secs(60));
    let errors = collect_errors(&tab);
    tab.navigate_to(&format!("file://{}", page.display()))
        .expect("navigate")
        .wait_until_navigated()
        .expect("the report loads");
    tab.wait_for_element("h1").expect("a heading");
    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .expect("screenshot");
    assert_not_blank(&png);
    let errors = errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    (tab, png)
}

#[test]
fn chromium_shows_the_verdict_the_differences_and_the_fixes_and_runs_nothing_hostile() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (rule, action, event) = hostile_inputs(dir.path());
    let page = dir.path().join("hostile.html");
    let output = actionbox(&[
        "compare",
        &rule,
        &action,
        "--event",
        &event,
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let (tab, _) = open(&browser, &page);
    // Nothing hostile ran or became an element.
    assert_eq!(evaluate(&tab, "typeof window.pwned"), "undefined");
    assert_eq!(
        evaluate(&tab, "document.querySelectorAll('img, svg, script').length"),
        0
    );
    // The verdict, the differing claim with both sides, its explanation.
    let banner = evaluate(&tab, "document.querySelector('.banner').innerText");
    assert!(
        banner
            .as_str()
            .unwrap()
            .contains("✖ not equivalent on 2 events"),
        "{banner}"
    );
    let row = evaluate(
        &tab,
        "(() => { const row = [...document.querySelectorAll('tr.only-rule')].find((r) => r.dataset.claim.includes('evil.example')); \
         const box = row.getBoundingClientRect(); return { claim: row.dataset.claim, text: row.innerText, visible: box.height > 0 && box.width > 0 }; })()",
    );
    assert_eq!(row["claim"], HOSTILE_CLAIM, "{row}");
    assert_eq!(row["visible"], true, "{row}");
    assert!(
        row["text"].as_str().unwrap().contains(HOSTILE_VALUE),
        "{row}"
    );
    let why = evaluate(
        &tab,
        "[...document.querySelectorAll('.why')].map((w) => w.innerText).join('\\n')",
    );
    assert!(why.as_str().unwrap().contains("Suggested fix:"), "{why}");
    let summary = evaluate(
        &tab,
        "[...document.querySelectorAll('table.summary td:first-child')].map((c) => c.innerText)",
    );
    assert_eq!(
        summary,
        serde_json::json!([HOSTILE_EVENT, "post-login-database.json"])
    );
}

#[test]
fn chromium_renders_the_migration_report_of_a_tenant() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("tenant");
    let output = actionbox(&[
        "migrate",
        "--tenant",
        "actions/tenant-example",
        "-o",
        out.to_str().unwrap(),
        "--event",
        "actions/events/migration/blocked-domain-login.json",
        "--format",
        "html",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = dir.path().join("migration.html");
    std::fs::write(&page, &output.stdout).unwrap();
    let (tab, png) = open(&browser, &page);
    let rules = evaluate(
        &tab,
        "[...document.querySelectorAll('table.rules tbody tr')].map((r) => r.innerText.replace(/\\s+/g, ' ').trim())",
    );
    assert_eq!(
        rules,
        serde_json::json!([
            "Add roles to tokens add-roles-to-tokens ≈ equivalent apart from expected differences 4/4 events 0",
            "Deny blocked email domain deny-blocked-email-domain ≈ equivalent apart from expected differences 4/4 events 0"
        ]),
        "{rules}"
    );
    // The blocked login's one difference, with its fix, and the Action's
    // code.
    let denial = evaluate(
        &tab,
        "[...document.querySelectorAll('tr[data-aspect=denial]')].map((r) => r.innerText)[0]",
    );
    assert!(
        denial.as_str().unwrap().contains("unauthorized")
            && denial.as_str().unwrap().contains("access_denied"),
        "{denial}"
    );
    let code = evaluate(
        &tab,
        "[...document.querySelectorAll('pre.code')].map((c) => c.innerText).join('\\n')",
    );
    assert!(
        code.as_str()
            .unwrap()
            .contains("exports.onExecutePostLogin"),
        "{code}"
    );
    // Kept to look at after a run (docs/compare-report.png is made the same way).
    let _ = std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("migration-report.png"),
        png,
    );
}
