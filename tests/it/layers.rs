//! The layers of docs/architecture.md, checked against the code: every
//! top-level module of `src/` is in the table, uses only its own layer and
//! the ones below, and no modules (top-level, or siblings in one folder)
//! import each other in a cycle. The library never declares the CLI.
//!
//! A reference is any `crate::…`, `super::…` or `self::…` path outside a
//! comment, in `use` or in code, tests included: a test module that reached
//! upwards would tie the layers together as surely as the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::repo;

type ModulePath = Vec<String>;

/// Every `.rs` file under `src/` as (module path, text without comments).
fn sources() -> Vec<(ModulePath, String, String)> {
    let src = repo().join("src");
    let mut found = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src).expect("under src/");
                let text = std::fs::read_to_string(&path).expect("a source file is UTF-8");
                found.push((
                    module_path(rel),
                    rel.display().to_string(),
                    without_comments(&text),
                ));
            }
        }
    }
    found.sort();
    found
}

/// `engine/host/fetch.rs` → `[engine, host, fetch]`; `engine/mod.rs` →
/// `[engine]`; `lib.rs` and `main.rs` are the root, `[]`.
fn module_path(rel: &Path) -> ModulePath {
    let mut parts: ModulePath = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// Each line up to its `//` comment. A `//` right after `:` is a URL in a
/// string (`https://`), not a comment.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| {
            let bytes = line.as_bytes();
            let cut = (0..bytes.len().saturating_sub(1)).find(|&i| {
                bytes[i] == b'/' && bytes[i + 1] == b'/' && (i == 0 || bytes[i - 1] != b':')
            });
            &line[..cut.unwrap_or(line.len())]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths `text` names from `crate`, `super` or `self`, made absolute
/// for the file at `module` (which is a folder's `mod.rs` when `is_dir`).
fn references(module: &[String], text: &str) -> BTreeSet<ModulePath> {
    let mut found = BTreeSet::new();
    for anchor in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(anchor).map(|i| i + from) {
            from = at + anchor.len();
            // `a::super::` was read with the anchor before it.
            if text[..at].chars().next_back().is_some_and(is_ident) || text[..at].ends_with("::") {
                continue;
            }
            let mut base: ModulePath = match anchor {
                "crate::" => Vec::new(),
                "super::" => match module.split_last() {
                    Some((_, parent)) => parent.to_vec(),
                    None => continue,
                },
                _ => module.to_vec(),
            };
            let mut rest = &text[from..];
            while let Some(more) = rest.strip_prefix("super::") {
                base.pop();
                rest = more;
            }
            for path in paths_at(rest) {
                let mut full = base.clone();
                full.extend(path);
                found.insert(full);
            }
        }
    }
    found
}

/// The paths at the start of `text`: `a::b::C` gives one, a group
/// `{a::{b, c}, d}` gives each of its members.
fn paths_at(text: &str) -> Vec<ModulePath> {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        let mut members = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    members.push(&group[start..i]);
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    members.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return members
            .into_iter()
            .filter(|m| !m.trim().is_empty())
            .flat_map(paths_at)
            .collect();
    }
    let end = text
        .find(|c: char| !(is_ident(c) || c == ':'))
        .unwrap_or(text.len());
    let (head, tail) = text.split_at(end);
    let path: ModulePath = head
        .split("::")
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if head.ends_with("::") && tail.starts_with('{') {
        return paths_at(tail)
            .into_iter()
            .map(|inner| path.iter().cloned().chain(inner).collect())
            .collect();
    }
    if path.is_empty() {
        return Vec::new();
    }
    vec![path]
}

/// Who uses whom: an edge per pair of modules, with one file that shows it.
struct Graph {
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

impl Graph {
    /// The modules of one folder (`prefix`), joined where one's files
    /// name another.
    fn of(prefix: &[String], files: &[(ModulePath, String, String)]) -> Graph {
        let modules: BTreeSet<ModulePath> = files
            .iter()
            .flat_map(|(m, _, _)| (1..=m.len()).map(|k| m[..k].to_vec()))
            .collect();
        let depth = prefix.len();
        let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (module, file, text) in files {
            if module.len() <= depth || !module.starts_with(prefix) {
                continue;
            }
            for reference in references(module, text) {
                let Some(target) = (1..=reference.len())
                    .rev()
                    .map(|k| reference[..k].to_vec())
                    .find(|p| modules.contains(p))
                else {
                    continue;
                };
                if target.len() <= depth || !target.starts_with(prefix) {
                    continue;
                }
                let (from, to) = (&module[depth], &target[depth]);
                if from != to {
                    edges
                        .entry(from.clone())
                        .or_default()
                        .entry(to.clone())
                        .or_insert_with(|| format!("src/{file} names {}", reference.join("::")));
                }
            }
        }
        Graph { edges }
    }

    /// A cycle, as the modules in order with the file behind each step.
    fn cycle(&self) -> Option<Vec<String>> {
        fn visit(
            graph: &Graph,
            node: &str,
            trail: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = trail.iter().position(|n| n == node) {
                let mut cycle = trail[at..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            if done.contains(node) {
                return None;
            }
            trail.push(node.to_string());
            for next in graph.edges.get(node).into_iter().flat_map(|e| e.keys()) {
                if let Some(cycle) = visit(graph, next, trail, done) {
                    return Some(cycle);
                }
            }
            trail.pop();
            done.insert(node.to_string());
            None
        }
        let mut done = BTreeSet::new();
        self.edges
            .keys()
            .find_map(|start| visit(self, start, &mut Vec::new(), &mut done))
            .map(|cycle| {
                cycle
                    .windows(2)
                    .map(|step| {
                        format!(
                            "{} → {} ({})",
                            step[0], step[1], self.edges[&step[0]][&step[1]]
                        )
                    })
                    .collect()
            })
    }
}

/// The rows of docs/architecture.md's "Layers" table, top first, each with
/// the top-level modules its folder column names.
fn documented_layers() -> Vec<(String, Vec<String>)> {
    let doc =
        std::fs::read_to_string(repo().join("docs/architecture.md")).expect("docs/architecture.md");
    let table = doc
        .split("\n## Layers\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/architecture.md has a \"Layers\" section");
    table
        .lines()
        .filter(|line| {
            line.starts_with("| ") && !line.starts_with("| layer") && !line.starts_with("|--")
        })
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (name, folders) = (cells.get(1)?, cells.get(2)?);
            let modules = folders
                .split('`')
                .skip(1)
                .step_by(2)
                .filter_map(|path| path.strip_prefix("src/"))
                .filter_map(|path| {
                    let path = path.trim_end_matches('/');
                    let top = path.strip_suffix(".rs").unwrap_or(path);
                    (!top.contains('/') && top != "lib" && top != "main").then(|| top.to_string())
                })
                .chain(folders.contains("`src/main.rs`").then(|| "cli".to_string()))
                .collect();
            Some((name.to_string(), modules))
        })
        .collect()
}

#[test]
fn no_two_top_level_modules_import_each_other_in_a_cycle() {
    let files = sources();
    let graph = Graph::of(&[], &files);
    assert!(
        !graph.edges.is_empty(),
        "the reader found no references at all"
    );
    if let Some(cycle) = graph.cycle() {
        panic!("an import cycle:\n  {}", cycle.join("\n  "));
    }
}

#[test]
fn no_sibling_modules_import_each_other_in_a_cycle() {
    let files = sources();
    let folders: BTreeSet<ModulePath> = files
        .iter()
        .flat_map(|(m, _, _)| (0..m.len()).map(|k| m[..k].to_vec()))
        .collect();
    for folder in folders {
        if let Some(cycle) = Graph::of(&folder, &files).cycle() {
            panic!(
                "an import cycle in src/{}:\n  {}",
                folder.join("/"),
                cycle.join("\n  ")
            );
        }
    }
}

#[test]
fn every_module_uses_only_its_layer_and_the_ones_below() {
    let files = sources();
    let layers = documented_layers();
    assert!(
        layers.len() >= 5,
        "the Layers table has too few rows: {layers:?}"
    );
    let layer_of: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, (_, modules))| modules.iter().map(move |m| (m.as_str(), i)))
        .collect();
    let top_level: BTreeSet<&str> = files
        .iter()
        .filter_map(|(m, _, _)| m.first().map(String::as_str))
        .collect();
    let missing: Vec<&&str> = top_level
        .iter()
        .filter(|m| !layer_of.contains_key(**m))
        .collect();
    assert!(
        missing.is_empty(),
        "src/ modules missing from docs/architecture.md's Layers table: {missing:?}"
    );
    let graph = Graph::of(&[], &files);
    let mut upward = Vec::new();
    for (from, uses) in &graph.edges {
        for (to, why) in uses {
            let (low, high) = (layer_of[from.as_str()], layer_of[to.as_str()]);
            if high < low {
                upward.push(format!(
                    "{from} ({}) uses {to} ({}): {why}",
                    layers[low].0, layers[high].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "uses of a higher layer:\n  {}",
        upward.join("\n  ")
    );
}

#[test]
fn the_engine_knows_no_flow_token_or_outcome_and_the_tenant_no_engine() {
    let graph = Graph::of(&[], &sources());
    let uses = |module: &str| -> BTreeSet<String> {
        graph
            .edges
            .get(module)
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    };
    for above in [
        "pipeline", "token", "outcome", "runner", "worker", "services", "packages",
    ] {
        assert!(
            !uses("engine").contains(above),
            "the engine uses {above}: {}",
            graph.edges["engine"][above]
        );
    }
    for module in ["tenant", "event", "runtime", "token"] {
        assert!(
            !uses(module).contains("engine"),
            "{module} uses the engine: {}",
            graph.edges[module]["engine"]
        );
    }
    // The checks above read real references: the engine does use the vocabulary.
    assert!(uses("engine").contains("record"), "{:?}", uses("engine"));
}

#[test]
fn the_library_declares_no_command_line() {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).expect("src/lib.rs");
    let main = std::fs::read_to_string(repo().join("src/main.rs")).expect("src/main.rs");
    assert!(
        !without_comments(&lib).contains("mod cli"),
        "src/lib.rs declares the CLI"
    );
    assert!(
        without_comments(&main).contains("mod cli;"),
        "src/main.rs holds the CLI"
    );
}

#[test]
fn the_reader_sees_groups_nested_paths_and_super() {
    let text = "use crate::{a::{b, c::D}, e};\nuse super::super::f::G;\nlet x = crate::h::i(); // crate::comment\nlet u = \"https://x\"; self::j::k();";
    let found = references(
        &["m".into(), "n".into(), "o".into()],
        &without_comments(text),
    );
    let names: BTreeSet<String> = found.iter().map(|p| p.join("::")).collect();
    let expected: BTreeSet<String> = ["a::b", "a::c::D", "e", "m::f::G", "h::i", "m::n::o::j::k"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, expected);
}
