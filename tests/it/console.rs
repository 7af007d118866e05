//! console output is formatted the way Node formats it. The expected lines
//! were produced by Node itself (tests/fixtures/console/generate.js); when
//! `node` is on PATH the test also checks they are still Node's output.

use crate::common::*;

fn cases() -> Vec<String> {
    let text = std::fs::read_to_string(fixture("console/cases.json")).expect("cases");
    serde_json::from_str(&text).expect("cases are JSON")
}

fn expected() -> Vec<String> {
    std::fs::read_to_string(fixture("console/expected.txt"))
        .expect("expected output")
        .lines()
        .map(|line| serde_json::from_str::<String>(line).expect("each line is a JSON string"))
        .collect()
}

#[test]
fn console_log_formats_values_like_node() {
    let cases = cases();
    let calls: String = cases
        .iter()
        .map(|args| format!("  console.log({args});\n"))
        .collect();
    let source = format!("exports.onExecutePostLogin = async () => {{\n{calls}}};\n");
    let outcome = run(vec![action("console.js", &source)], None);
    assert_eq!(outcome.error, None, "{:?}", outcome.error);
    let got = logs(&outcome);
    let expected = expected();
    assert_eq!(got.len(), expected.len(), "one line per case");
    let mismatches: Vec<String> = cases
        .iter()
        .zip(got.iter().zip(&expected))
        .filter(|(_, (got, want))| got != want)
        .map(|(case, (got, want))| {
            format!("console.log({case})\n  actionbox: {got:?}\n  node:      {want:?}")
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

#[test]
fn the_expected_lines_are_nodes_own_output() {
    let Ok(output) = std::process::Command::new("node")
        .arg(fixture("console/generate.js"))
        .output()
    else {
        eprintln!("node is not on PATH; the stored expectations stand");
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fresh: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str::<String>(line).expect("JSON line"))
        .collect();
    assert_eq!(fresh, expected());
}

#[test]
fn console_levels_are_kept() {
    let outcome = run_action(
        "exports.onExecutePostLogin = async () => {
           console.log('l'); console.info('i'); console.warn('w'); console.error('e'); console.debug('d');
         };",
    );
    let levels: Vec<&str> = outcome.logs.iter().map(|l| l.level.as_str()).collect();
    assert_eq!(levels, ["log", "info", "warn", "error", "debug"]);
}
