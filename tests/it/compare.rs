//! `actionbox compare` on the command line: exit codes, the summary of many
//! events, the table for people. Comparisons themselves — claim by claim,
//! with the reason for every difference — are scenarios:
//! tests/scenarios/compare/.

use crate::common::*;
use serde_json::Value;

#[test]
fn exit_codes_follow_equivalence() {
    let equivalent = actionbox(&[
        "compare",
        "actions/rules/add-roles-claim.js",
        "actions/add-roles-claim.js",
        "--event",
        "actions/events/post-login-database.json",
        "--format",
        "json",
    ]);
    assert_eq!(
        equivalent.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&equivalent.stderr)
    );
    let value: Value = serde_json::from_slice(&equivalent.stdout).expect("json");
    assert_eq!(value["equivalent"], true);

    let different = actionbox(&[
        "compare",
        "actions/rules/add-connection-to-user.js",
        "--action",
        "actions/add-connection-auth0-namespace.js",
        "--rule-legacy-client",
        "--event",
        "actions/events/post-login-social-legacy-scope.json",
    ]);
    assert_eq!(different.status.code(), Some(1));

    let no_rule = actionbox(&["compare", "actions/add-connection.js"]);
    assert_eq!(no_rule.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_rule.stderr).contains("compare needs at least one Rule"));
}

#[test]
fn many_events_print_a_summary_first() {
    let output = actionbox(&[
        "compare",
        "actions/rules/deny-blocked-domain.js",
        "actions/deny-blocked-domain.js",
        "--event",
        "actions/events/migration",
        "--settings",
        "actions/actionbox.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = text.lines().skip(3).take(4).map(str::trim).collect();
    assert_eq!(
        summary,
        [
            "admin-login.json           ✔ equivalent",
            "blocked-domain-login.json  ✖ not equivalent (1 difference)",
            "customer-login.json        ✔ equivalent",
            "google-login.json          ✔ equivalent",
        ],
        "{text}"
    );
    assert!(text.contains("On blocked-domain-login.json"));
    assert!(
        !text.contains("On customer-login.json"),
        "equivalent events are summarised only"
    );
    assert!(text.contains("3 equivalent events not shown in detail"));

    let json_output = actionbox(&[
        "compare",
        "actions/rules/deny-blocked-domain.js",
        "actions/deny-blocked-domain.js",
        "--event",
        "actions/events/migration",
        "--settings",
        "actions/actionbox.json",
        "--format",
        "json",
    ]);
    let value: Value = serde_json::from_slice(&json_output.stdout).expect("json");
    assert_eq!(value["equivalent"], false);
    assert_eq!(value["events"].as_array().map(Vec::len), Some(4));
    assert!(
        value["events"][1]["event"]
            .as_str()
            .is_some_and(|e| e.ends_with("blocked-domain-login.json"))
    );
}

#[test]
fn pretty_output_reads_without_colour() {
    let output = actionbox(&[
        "compare",
        "actions/rules/add-connection-to-user.js",
        "actions/add-connection.js",
        "--rule-legacy-client",
        "--event",
        "actions/events/post-login-social-legacy-scope.json",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no '{prefix}' line in:\n{text}"))
    };
    assert!(line("− connection").contains("\"google-oauth2\""));
    assert!(line("+ https://app.acme.example/connection").contains("—"));
    assert!(line("= email ").contains("\"dmytro@example.org\""));
    assert!(text.contains("Why"));
    assert!(text.contains("fix:"));
}
