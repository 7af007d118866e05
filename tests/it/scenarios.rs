//! Scenario folders: `tests/scenarios/<group>/<case>/`, each an Auth0
//! scenario written down as files — the scripts, `event.json`,
//! `actionbox.json` (tenant settings, the clock fixed) and `scenario.json`
//! (what the case shows and how to run it) — with the outcome Auth0 would
//! give in `expected.json`. One runner finds every folder, runs it through
//! the library (and, when the case asks, through the binary too), and
//! reports every difference by its JSON path. docs/testing.md describes the
//! format; `ACTIONBOX_BLESS=1 cargo test --test it scenarios` rewrites the
//! expected files.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use actionbox::compare::{CompareInput, compare};
use actionbox::net::NetPolicy;
use actionbox::{Flow, Limits, NodeConfig, Runner, Script, ScriptKind, Settings, Trigger};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::repo;

/// Where the scenario folders are, relative to the repository root.
const ROOT: &str = "tests/scenarios";

/// Rewrites the expected files instead of checking them.
const BLESS: &str = "ACTIONBOX_BLESS";

/// Runs only the scenarios whose name contains this text.
const ONLY: &str = "ACTIONBOX_SCENARIO";

const BLESS_HINT: &str = "If the new outcome is right, accept it with:\n  ACTIONBOX_BLESS=1 cargo test --test it scenarios";

/// `scenario.json`: what the case shows and how to run it. Every field but
/// `about` mirrors an option of `actionbox run` or `actionbox compare`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// One or two sentences: what Auth0 does here, and why it matters.
    about: String,
    /// The scripts in the order given to the flow, relative to the folder
    /// (they may name an example, e.g. `../../../../actions/add-connection.js`).
    /// Default: the folder's `*.js` files in name order.
    #[serde(default)]
    scripts: Vec<String>,
    /// `--trigger`: when the scripts do not say it by their handler.
    #[serde(default)]
    trigger: Option<Trigger>,
    /// `--legacy-client`: the event's client is not OIDC-conformant.
    #[serde(default)]
    legacy_client: bool,
    /// `--http-mock FILE`, relative to the folder.
    #[serde(default)]
    http_mock: Option<String>,
    /// Also run the case through the `actionbox` binary; its JSON output
    /// must be the same expected outcome.
    #[serde(default)]
    binary: bool,
    /// A comparison (`actionbox compare`) instead of a run: `expected.json`
    /// holds the comparison.
    #[serde(default)]
    compare: Option<CompareManifest>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareManifest {
    rules: Vec<String>,
    actions: Vec<String>,
    /// `--rule-legacy-client`.
    #[serde(default)]
    rule_legacy_client: bool,
}

/// One scenario folder.
#[derive(Debug)]
pub struct Scenario {
    /// The folder's path under tests/scenarios/, e.g. `tokens/standard-claims`.
    pub name: String,
    /// The folder, relative to the repository root (the working directory of
    /// the tests and of the binary they start), so paths in outputs are the
    /// same both ways.
    dir: PathBuf,
    manifest: Manifest,
}

impl Scenario {
    pub fn load(name: &str) -> Result<Scenario, String> {
        let dir = Path::new(ROOT).join(name);
        let manifest_path = dir.join("scenario.json");
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|e| format!("{}: {e}", manifest_path.display()))?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
        let scenario = Scenario {
            name: name.to_string(),
            dir,
            manifest,
        };
        scenario.check_clock()?;
        Ok(scenario)
    }

    fn file(&self, name: &str) -> PathBuf {
        lexically_normal(&self.dir.join(name))
    }

    fn expected_path(&self) -> PathBuf {
        self.dir.join("expected.json")
    }

    /// Every scenario fixes the clock, so its tokens are the same bytes on
    /// every run and every machine.
    fn check_clock(&self) -> Result<(), String> {
        let settings = read_json(&self.file("actionbox.json"))?;
        match settings.get("now") {
            Some(Value::String(_)) => Ok(()),
            _ => Err(format!(
                "{}: \"now\" must fix the clock (e.g. \"2026-11-26T09:15:00Z\")",
                self.file("actionbox.json").display()
            )),
        }
    }

    /// The scripts of a run, in order.
    fn script_paths(&self) -> Result<Vec<PathBuf>, String> {
        if !self.manifest.scripts.is_empty() {
            return Ok(self.manifest.scripts.iter().map(|s| self.file(s)).collect());
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "js"))
            .collect();
        found.sort();
        if found.is_empty() {
            return Err(format!("{}: no *.js scripts", self.dir.display()));
        }
        Ok(found)
    }

    fn settings(&self) -> Result<Settings, String> {
        let mut settings =
            Settings::from_file(self.file("actionbox.json")).map_err(|e| e.to_string())?;
        settings.legacy_client = self.manifest.legacy_client;
        Ok(settings)
    }

    fn event(&self) -> Result<Option<Value>, String> {
        let path = self.file("event.json");
        if path.is_file() {
            read_json(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    fn node(&self) -> Result<NodeConfig, String> {
        let mut node = NodeConfig::default();
        if let Some(mocks) = &self.manifest.http_mock {
            node.net.mocks = NetPolicy::read_mocks(&self.file(mocks)).map_err(|e| e.to_string())?;
        }
        Ok(node)
    }

    /// The outcome (or comparison) through the library, normalised.
    pub fn run_library(&self, runner: &Runner) -> Result<Value, String> {
        let value = match &self.manifest.compare {
            Some(pair) => {
                let load = |names: &[String]| -> Result<Vec<Script>, String> {
                    names.iter().map(|n| load_script(&self.file(n))).collect()
                };
                let input = CompareInput {
                    rules: load(&pair.rules)?,
                    actions: load(&pair.actions)?,
                    event: self.event()?,
                    settings: self.settings()?,
                    rule_legacy_client: pair.rule_legacy_client,
                    limits: Limits::default(),
                    node: self.node()?,
                    follow_redirect: None,
                };
                let comparison = compare(runner, &input).map_err(|e| e.to_string())?;
                serde_json::to_value(&comparison).map_err(|e| e.to_string())?
            }
            None => {
                let scripts = self
                    .script_paths()?
                    .iter()
                    .map(|p| load_script(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let trigger = self.manifest.trigger.unwrap_or_else(|| {
                    scripts
                        .iter()
                        .find_map(|s| match s.kind {
                            ScriptKind::Action(trigger) => Some(trigger),
                            ScriptKind::Rule => None,
                        })
                        .unwrap_or(Trigger::PostLogin)
                });
                let mut flow = Flow::new(trigger, scripts)
                    .with_settings(self.settings()?)
                    .with_limits(Limits::default())
                    .with_node(self.node()?);
                flow.event = self.event()?;
                let outcome = runner.run(&flow).map_err(|e| e.to_string())?;
                serde_json::to_value(&outcome).map_err(|e| e.to_string())?
            }
        };
        Ok(normalised(value))
    }

    /// The same through `actionbox run` (or `compare`) `--format json`.
    pub fn run_binary(&self) -> Result<Value, String> {
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        let mut args: Vec<String> = Vec::new();
        match &self.manifest.compare {
            Some(pair) => {
                args.push("compare".into());
                args.extend(pair.rules.iter().map(|r| path(self.file(r))));
                for action in &pair.actions {
                    args.push("--action".into());
                    args.push(path(self.file(action)));
                }
                if pair.rule_legacy_client {
                    args.push("--rule-legacy-client".into());
                }
            }
            None => {
                args.push("run".into());
                args.extend(self.script_paths()?.into_iter().map(path));
            }
        }
        if self.file("event.json").is_file() {
            args.extend(["--event".into(), path(self.file("event.json"))]);
        }
        args.extend(["--settings".into(), path(self.file("actionbox.json"))]);
        if let Some(trigger) = self.manifest.trigger {
            args.extend(["--trigger".into(), trigger.to_string()]);
        }
        if self.manifest.legacy_client {
            args.push("--legacy-client".into());
        }
        if let Some(mocks) = &self.manifest.http_mock {
            args.extend(["--http-mock".into(), path(self.file(mocks))]);
        }
        args.extend(["--format".into(), "json".into()]);
        let output = crate::common::actionbox_command()
            .args(&args)
            .current_dir(repo())
            .env_remove("RUST_LOG")
            .output()
            .map_err(|e| format!("the binary does not start: {e}"))?;
        let value: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
            format!(
                "actionbox {} printed no JSON ({e}, exit {:?}):\n{}{}",
                args.join(" "),
                output.status.code(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
        Ok(normalised(value))
    }

    /// Checks the scenario against `expected`: `Err` holds the readable
    /// report of every difference.
    pub fn check(&self, runner: &Runner, expected: &Value) -> Result<(), String> {
        let actual = self
            .run_library(runner)
            .map_err(|e| self.failed("library", &e))?;
        self.compare_with("the library", expected, &actual)?;
        if self.manifest.binary {
            let actual = self.run_binary().map_err(|e| self.failed("binary", &e))?;
            self.compare_with("the binary", expected, &actual)?;
        }
        Ok(())
    }

    fn compare_with(&self, through: &str, expected: &Value, actual: &Value) -> Result<(), String> {
        let differences = diff(expected, actual);
        if differences.is_empty() {
            return Ok(());
        }
        let mut report = format!(
            "scenario {}, run through {through}: the outcome differs from {} in {} place{}\n  ({})\n",
            self.name,
            self.expected_path().display(),
            differences.len(),
            if differences.len() == 1 { "" } else { "s" },
            self.manifest.about,
        );
        for difference in &differences {
            let _ = writeln!(report, "{difference}");
        }
        report.push_str(BLESS_HINT);
        Err(report)
    }

    fn failed(&self, through: &str, why: &str) -> String {
        format!(
            "scenario {}: running it through the {through} failed: {why}\n  ({})",
            self.name, self.manifest.about
        )
    }

    /// Runs the scenario and writes what it gave as its expected outcome
    /// (after checking the binary, when asked, gives the same).
    fn bless(&self, runner: &Runner) -> Result<(), String> {
        let actual = self
            .run_library(runner)
            .map_err(|e| self.failed("library", &e))?;
        let mut text = serde_json::to_string_pretty(&actual).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(self.expected_path(), text)
            .map_err(|e| format!("{}: {e}", self.expected_path().display()))?;
        if self.manifest.binary {
            let binary = self.run_binary().map_err(|e| self.failed("binary", &e))?;
            self.compare_with("the binary", &actual, &binary)?;
        }
        Ok(())
    }

    pub fn expected(&self) -> Result<Value, String> {
        let path = self.expected_path();
        if !path.is_file() {
            return Err(format!(
                "scenario {}: {} is missing. {BLESS_HINT}",
                self.name,
                path.display()
            ));
        }
        read_json(&path)
    }
}

fn load_script(path: &Path) -> Result<Script, String> {
    Script::from_file(path).map_err(|e| e.to_string())
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `a/b/../c` → `a/c`, without touching the file system, so a script named
/// from another folder appears under one path in every output.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The outcome without what changes from run to run: the timings of the
/// run and of each request (a fixed clock fixes everything else), and the
/// line numbers of stack frames in actionbox's own runtime files, which
/// move with every edit of them (a script's frames keep theirs).
pub fn normalised(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| key != "timings_us" && key != "duration_ms")
                .map(|(key, value)| match (key.as_str(), value) {
                    ("stack", Value::String(stack)) => {
                        (key, Value::String(runtime_frames_unnumbered(&stack)))
                    }
                    (_, value) => (key, normalised(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normalised).collect()),
        other => other,
    }
}

/// `    at f (node/fetch:428:52)` becomes `    at f (node/fetch)`: frames in
/// files that are not `.js`, `.mjs` or `.cjs` scripts (the runtime's are named `node/fetch`,
/// `actionbox:core.js` is not among a scenario's scripts either).
fn runtime_frames_unnumbered(stack: &str) -> String {
    stack
        .split_inclusive('\n')
        .map(|line| {
            let Some(open) = line.rfind('(') else {
                return line.to_string();
            };
            let Some(close) = line[open..].find(')').map(|at| open + at) else {
                return line.to_string();
            };
            let place = &line[open + 1..close];
            let mut parts = place.rsplitn(3, ':');
            let (Some(column), Some(row), Some(file)) = (parts.next(), parts.next(), parts.next())
            else {
                return line.to_string();
            };
            let numbered = column.chars().all(|c| c.is_ascii_digit())
                && row.chars().all(|c| c.is_ascii_digit());
            let a_script = [".js", ".mjs", ".cjs"]
                .iter()
                .any(|ext| file.ends_with(ext))
                && !file.starts_with("actionbox:");
            if numbered && !a_script {
                format!("{}({file}){}", &line[..open], &line[close + 1..])
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// Every scenario folder under tests/scenarios/: those holding a
/// `scenario.json`. A folder holding files but no `scenario.json` is an
/// error, so a case cannot be skipped by a missing or misspelt file.
fn discover() -> Result<Vec<String>, String> {
    fn walk(dir: &Path, root: &Path, found: &mut Vec<String>) -> Result<(), String> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let has_files = entries.iter().any(|p| p.is_file());
        if dir.join("scenario.json").is_file() {
            let name = dir
                .strip_prefix(root)
                .map_err(|e| e.to_string())?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            found.push(name);
        } else if has_files {
            return Err(format!(
                "{}: holds files but no scenario.json (see docs/testing.md)",
                dir.display()
            ));
        }
        for entry in entries.iter().filter(|p| p.is_dir()) {
            walk(entry, root, found)?;
        }
        Ok(())
    }
    let root = repo().join(ROOT);
    let mut found = Vec::new();
    walk(&root, &root, &mut found)?;
    Ok(found)
}

/// One difference between the expected and the actual JSON.
#[derive(Debug, PartialEq)]
pub struct Difference {
    /// jq-style: `.id_token.payload["https://a.example/x"]`, `.logs[2]`.
    pub path: String,
    pub expected: Option<Value>,
    pub actual: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |value: &Option<Value>| match value {
            None => "(absent)".to_string(),
            Some(value) => shorten(&value.to_string()),
        };
        let path = if self.path.is_empty() {
            "."
        } else {
            &self.path
        };
        write!(
            f,
            "  {path}\n      expected: {}\n      actual:   {}",
            show(&self.expected),
            show(&self.actual)
        )
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}… ({} characters in all)",
            &text[..end],
            text.chars().count()
        ),
    }
}

/// Every difference between `expected` and `actual`, by JSON path: objects
/// key by key (their order is not compared), arrays index by index.
pub fn diff(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(&mut String::new(), expected, actual, &mut out);
    out
}

fn walk(path: &mut String, expected: &Value, actual: &Value, out: &mut Vec<Difference>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, e_value) in e {
                let len = path.len();
                push_key(path, key);
                match a.get(key) {
                    Some(a_value) => walk(path, e_value, a_value, out),
                    None => out.push(Difference {
                        path: path.clone(),
                        expected: Some(e_value.clone()),
                        actual: None,
                    }),
                }
                path.truncate(len);
            }
            for (key, a_value) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                let len = path.len();
                push_key(path, key);
                out.push(Difference {
                    path: path.clone(),
                    expected: None,
                    actual: Some(a_value.clone()),
                });
                path.truncate(len);
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for index in 0..e.len().max(a.len()) {
                let len = path.len();
                let _ = write!(path, "[{index}]");
                match (e.get(index), a.get(index)) {
                    (Some(e_item), Some(a_item)) => walk(path, e_item, a_item, out),
                    (e_item, a_item) => out.push(Difference {
                        path: path.clone(),
                        expected: e_item.cloned(),
                        actual: a_item.cloned(),
                    }),
                }
                path.truncate(len);
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(Difference {
            path: path.clone(),
            expected: Some(e.clone()),
            actual: Some(a.clone()),
        }),
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        path.push('.');
        path.push_str(key);
    } else {
        let _ = write!(path, "[{}]", json!(key));
    }
}

#[test]
fn stack_frames_of_the_runtime_lose_their_line_numbers_and_a_script_s_keep_them() {
    assert_eq!(
        runtime_frames_unnumbered(
            "Error: x\n    at <anonymous> (node/fetch:428:52)\n    at run (revoke.js:12:3)\n    at f (actionbox:core.js:5:1)\n"
        ),
        "Error: x\n    at <anonymous> (node/fetch)\n    at run (revoke.js:12:3)\n    at f (actionbox:core.js)\n"
    );
}

#[test]
fn every_scenario_folder_gives_its_expected_outcome() {
    let bless = std::env::var_os(BLESS).is_some_and(|v| !v.is_empty() && v != "0");
    let only = std::env::var(ONLY).unwrap_or_default();
    let names: Vec<String> = discover()
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|name| name.contains(&only))
        .collect();
    assert!(!names.is_empty(), "no scenario matches {ONLY}={only:?}");
    let runner = Runner::new();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(name) = names.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result = Scenario::load(name).and_then(|scenario| {
                        if bless {
                            scenario.bless(&runner)
                        } else {
                            scenario.check(&runner, &scenario.expected()?)
                        }
                    });
                    if let Err(report) = result {
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((name.clone(), report));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    failures.sort();
    if bless {
        eprintln!("wrote expected.json for {} scenarios", names.len());
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failures.len(),
        names.len(),
        failures
            .iter()
            .map(|(_, report)| report.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// The runner itself: a wrong expectation fails, naming each difference by
/// its path with both values, and says how to accept a new outcome.
#[test]
fn a_wrong_expectation_fails_with_a_readable_difference() {
    let scenario = Scenario::load("tokens/standard-claims").unwrap_or_else(|e| panic!("{e}"));
    let runner = Runner::new();
    let right = scenario.expected().unwrap_or_else(|e| panic!("{e}"));
    scenario
        .check(&runner, &right)
        .unwrap_or_else(|report| panic!("{report}"));

    let mut wrong = right.clone();
    wrong["id_token"]["payload"]["aud"] = json!("someone-else");
    wrong["logs"] = json!(["a line the script never logged"]);
    wrong["scripts"]
        .as_array_mut()
        .expect("scripts")
        .push(json!("missing.js"));
    wrong
        .as_object_mut()
        .expect("object")
        .remove("jwks")
        .expect("jwks");
    let report = scenario
        .check(&runner, &wrong)
        .expect_err("a wrong expectation fails");
    let expected_lines = [
        "scenario tokens/standard-claims, run through the library: the outcome differs from tests/scenarios/tokens/standard-claims/expected.json in 4 places\n  (A database login",
        "  .id_token.payload.aud\n      expected: \"someone-else\"\n      actual:   \"k3L9mQ2vX7pR4tY8wZ1aB6cD0eF5gH2j\"",
        "  .logs[0]\n      expected: \"a line the script never logged\"\n      actual:   (absent)",
        "  .scripts[1]\n      expected: \"missing.js\"\n      actual:   (absent)",
        "  .jwks\n      expected: (absent)\n      actual:   {\"keys\":",
        "ACTIONBOX_BLESS=1 cargo test --test it scenarios",
    ];
    for line in expected_lines {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }
}

#[test]
fn the_diff_names_every_difference_by_its_path() {
    let expected = json!({
        "same": 1,
        "changed": "a",
        "gone": true,
        "nested": { "https://a.example/claim": [1, 2, 3], "type": "string" },
    });
    let actual = json!({
        "nested": { "https://a.example/claim": [1, 5], "type": 7 },
        "same": 1,
        "changed": "b",
        "new": null,
    });
    let paths: Vec<(String, Option<Value>, Option<Value>)> = diff(&expected, &actual)
        .into_iter()
        .map(|d| (d.path, d.expected, d.actual))
        .collect();
    assert_eq!(
        paths,
        [
            (".changed".into(), Some(json!("a")), Some(json!("b"))),
            (".gone".into(), Some(json!(true)), None),
            (
                ".nested[\"https://a.example/claim\"][1]".into(),
                Some(json!(2)),
                Some(json!(5))
            ),
            (
                ".nested[\"https://a.example/claim\"][2]".into(),
                Some(json!(3)),
                None
            ),
            (".nested.type".into(), Some(json!("string")), Some(json!(7))),
            (".new".into(), None, Some(Value::Null)),
        ]
    );
    assert!(diff(&expected, &expected).is_empty());
    assert_eq!(
        normalised(
            json!({ "a": 1, "timings_us": { "total": 5 }, "requests": [{ "duration_ms": 3, "url": "u" }] })
        ),
        json!({ "a": 1, "requests": [{ "url": "u" }] })
    );
}
