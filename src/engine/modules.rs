//! Finding a real npm package in the `node_modules` folders the user named,
//! the way Node resolves `require` (package.json `main` and `exports`,
//! `.js`/`.json`/`index.js`, nested `node_modules`), without ever leaving
//! those folders. CommonJS, ES modules (marked, for src/engine/esm.rs) and
//! JSON load; native addons fail with a message saying so.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::error::Error;
use crate::input::InputKind;

/// A module file found for a `require`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resolved {
    pub path: PathBuf,
    pub source: String,
    /// The package this file belongs to, when it is a package's entry.
    #[serde(default)]
    pub package: Option<crate::record::PackageUse>,
    /// The file's bytecode (wrapped as [`PACKAGE_PARAMS`]), when the host
    /// had it compiled or cached: the isolate then compiles nothing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "base64_bytes"
    )]
    pub bytecode: Option<std::sync::Arc<[u8]>>,
    /// Why the file was found but not read (a native addon, a file past
    /// the size limit): `require` fails with this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// An ES module (`.mjs`, or `"type": "module"`): `require` loads it as
    /// Node 22 does, through QuickJS's module loader (src/engine/esm.rs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub esm: bool,
}

/// Bytecode crosses the worker pipe as base64, not a JSON array of numbers.
mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(bytes: &Option<Arc<[u8]>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => {
                s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<[u8]>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| {
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .map(Arc::from)
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

/// The parameters of the function a package file runs in (js-runtime/core.js
/// passes the same list to `compileModule`).
pub(crate) const PACKAGE_PARAMS: &str = "exports, require, module, __filename, __dirname";

/// A CommonJS file's source as the function it is compiled to.
pub(crate) fn wrap_module(params: &str, source: &str) -> String {
    format!("(function ({params}) {{{source}\n}})")
}

/// Whether `require(request)` names a file rather than a package.
pub(crate) fn is_path_request(request: &str) -> bool {
    request.starts_with('/') || is_relative(request)
}

fn is_relative(request: &str) -> bool {
    request.starts_with("./") || request.starts_with("../") || request == "." || request == ".."
}

/// `@scope/name/sub/path` → (`@scope/name`, `sub/path`).
pub(crate) fn split_package(request: &str) -> (&str, &str) {
    let mut parts = request.splitn(if request.starts_with('@') { 3 } else { 2 }, '/');
    let first = parts.next().unwrap_or("");
    if request.starts_with('@') {
        let second = parts.next().unwrap_or("");
        let name_len = first.len() + 1 + second.len();
        let name = &request[..name_len.min(request.len())];
        let rest = request.get(name_len + 1..).unwrap_or("");
        (name, rest)
    } else {
        (first, parts.next().unwrap_or(""))
    }
}

/// Resolves `request`, made from the file `from` (a module path inside one
/// of `roots`, or a script name), to a file inside `roots`.
pub fn resolve(roots: &[PathBuf], from: &str, request: &str) -> Result<Resolved, String> {
    find(roots, from, request)
}

/// Why the file is an ES module, if it is: a `.mjs` file, or a `.js` file
/// whose nearest package.json says `"type": "module"`.
fn es_module(roots: &[PathBuf], path: &Path) -> Option<&'static str> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("mjs") => return Some("a .mjs file"),
        Some("js") => {}
        _ => return None,
    }
    let roots: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    let mut dir = path.parent()?.to_path_buf();
    while inside(&roots, &dir) {
        if let Ok(text) = read_capped(&dir.join("package.json"), InputKind::PackageFile) {
            let manifest: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            return (manifest.get("type").and_then(Value::as_str) == Some("module"))
                .then_some("its package.json has \"type\": \"module\"");
        }
        if !dir.pop() {
            break;
        }
    }
    None
}

fn find(roots: &[PathBuf], from: &str, request: &str) -> Result<Resolved, String> {
    let roots: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    if roots.is_empty() {
        return Err(not_found(
            request,
            "no node_modules folder was given (--node-modules DIR)",
        ));
    }
    let from_path = Path::new(from);
    let from_dir = from_path
        .parent()
        .filter(|_| from_path.is_absolute())
        .map(Path::to_path_buf);

    if request.starts_with('/') || is_relative(request) {
        let Some(base) = from_dir.filter(|d| inside(&roots, d)) else {
            return Err(not_found(
                request,
                "Actions and Rules cannot require files by path; only modules of the named node_modules folders can",
            ));
        };
        let target = if request.starts_with('/') {
            PathBuf::from(request)
        } else {
            base.join(request)
        };
        return load_file_or_dir(&roots, &target)
            .ok_or_else(|| not_found(request, "no such file in the package"));
    }

    let (name, subpath) = split_package(request);
    if name.is_empty() || name.contains("..") || name.contains('\\') {
        return Err(not_found(request, "not a package name"));
    }
    // node_modules folders from the requiring file upwards, then the roots.
    let mut candidates = Vec::new();
    if let Some(mut dir) = from_dir {
        while inside(&roots, &dir) {
            candidates.push(dir.join("node_modules"));
            if !dir.pop() {
                break;
            }
        }
    }
    candidates.extend(roots.iter().cloned());
    for base in candidates {
        let package_dir = base.join(name);
        if !package_dir.is_dir() {
            continue;
        }
        return load_package(&roots, &package_dir, subpath)
            .ok_or_else(|| not_found(request, "the package has no such entry"));
    }
    Err(not_found(
        request,
        "not installed in the node_modules folders given",
    ))
}

fn not_found(request: &str, why: &str) -> String {
    format!("Cannot find module '{request}': {why}")
}

/// Whether `path` (after resolving symlinks) is inside one of the roots.
fn inside(roots: &[PathBuf], path: &Path) -> bool {
    let path = path.canonicalize().unwrap_or_else(|_| normalise(path));
    roots.iter().any(|root| path.starts_with(root))
}

pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn read(roots: &[PathBuf], path: &Path) -> Option<Resolved> {
    if !path.is_file() || !inside(roots, path) {
        return None;
    }
    let path = path.canonicalize().ok()?;
    // A native addon, or a file past the limit, is found (so the error can
    // say what it is) but not read.
    let (source, refused) = if path.extension().is_some_and(|e| e == "node") {
        (
            String::new(),
            Some(format!(
                "{} is a native addon (compiled code), which actionbox cannot load — Auth0 does not run native modules either",
                path.display()
            )),
        )
    } else {
        match read_capped(&path, InputKind::Module) {
            Ok(source) => (source, None),
            Err(Error::TooLarge { path, limit, .. }) => (
                String::new(),
                Some(format!(
                    "{} is larger than {limit}, the most actionbox loads of a module file",
                    path.display()
                )),
            ),
            Err(_) => return None,
        }
    };
    let esm = refused.is_none() && es_module(roots, &path).is_some();
    Some(Resolved {
        path,
        source,
        package: None,
        bytecode: None,
        refused,
        esm,
    })
}

/// A package's file read with `kind`'s size limit (docs/inputs.md).
fn read_capped(path: &Path, kind: InputKind) -> Result<String, Error> {
    crate::input::read_text(path, kind)
}

pub(crate) fn load_file_or_dir(roots: &[PathBuf], target: &Path) -> Option<Resolved> {
    let candidates = [
        target.to_path_buf(),
        target.with_extension(ext_plus(target, "js")),
        target.with_extension(ext_plus(target, "json")),
        target.with_extension(ext_plus(target, "cjs")),
        target.with_extension(ext_plus(target, "node")),
    ];
    if let Some(file) = candidates.iter().find(|c| c.is_file()) {
        return read(roots, file);
    }
    if target.is_dir() {
        return load_package(roots, target, "");
    }
    None
}

/// `file.ext` + `.js` keeps `.ext` (`with_extension` would replace it).
fn ext_plus(path: &Path, ext: &str) -> String {
    match path.extension() {
        Some(existing) => format!("{}.{ext}", existing.to_string_lossy()),
        None => ext.to_string(),
    }
}

pub(crate) fn load_package(roots: &[PathBuf], dir: &Path, subpath: &str) -> Option<Resolved> {
    let manifest: Option<Value> = read_capped(&dir.join("package.json"), InputKind::PackageFile)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    let key = if subpath.is_empty() {
        ".".to_string()
    } else {
        format!("./{subpath}")
    };
    if let Some(target) = manifest
        .as_ref()
        .and_then(|m| m.get("exports"))
        .and_then(|e| export_target(e, &key))
    {
        return load_file_or_dir(roots, &dir.join(target.trim_start_matches("./")));
    }
    if !subpath.is_empty() {
        return load_file_or_dir(roots, &dir.join(subpath));
    }
    let main = manifest
        .as_ref()
        .and_then(|m| m.get("main"))
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .unwrap_or("index.js");
    load_file_or_dir(roots, &dir.join(main))
        .or_else(|| load_file_or_dir(roots, &dir.join("index.js")))
}

/// The file `exports` maps `key` to, for `require` (conditions `require`,
/// `node`, `default`).
fn export_target(exports: &Value, key: &str) -> Option<String> {
    match exports {
        Value::String(s) if key == "." => Some(s.clone()),
        Value::Object(map) if map.keys().all(|k| k.starts_with('.')) => {
            if let Some(exact) = map.get(key) {
                return export_target_value(exact);
            }
            // A subpath pattern (`"./jwe/*": "./dist/jwe/*.js"`): the
            // longest prefix that matches wins, and what `*` matched
            // replaces each `*` of the target.
            map.iter()
                .filter_map(|(pattern, value)| {
                    let (prefix, suffix) = pattern.split_once('*')?;
                    let matched = key.strip_prefix(prefix)?.strip_suffix(suffix)?;
                    Some((prefix.len(), matched, value))
                })
                .max_by_key(|(length, _, _)| *length)
                .and_then(|(_, matched, value)| {
                    export_target_value(value).map(|target| target.replace('*', matched))
                })
        }
        Value::Object(_) | Value::Array(_) if key == "." => export_target_value(exports),
        _ => None,
    }
}

/// A target, a set of conditions, or a list of fallbacks (the first usable).
fn export_target_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(conditions) => ["require", "node", "default"]
            .iter()
            .find_map(|c| conditions.get(*c))
            .and_then(export_target_value),
        Value::Array(list) => list.iter().find_map(export_target_value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_scoped_and_plain_names() {
        assert_eq!(split_package("lodash"), ("lodash", ""));
        assert_eq!(split_package("lodash/fp/get"), ("lodash", "fp/get"));
        assert_eq!(
            split_package("@auth0/rule-utilities"),
            ("@auth0/rule-utilities", "")
        );
        assert_eq!(
            split_package("@auth0/rule-utilities/lib/x"),
            ("@auth0/rule-utilities", "lib/x")
        );
    }

    #[test]
    fn exports_maps_pick_the_require_condition() {
        let exports = serde_json::json!({ ".": { "import": "./esm.mjs", "require": "./cjs.js" }, "./sub": "./sub.js" });
        assert_eq!(export_target(&exports, "."), Some("./cjs.js".into()));
        assert_eq!(export_target(&exports, "./sub"), Some("./sub.js".into()));
        assert_eq!(
            export_target(&serde_json::json!("./main.js"), "."),
            Some("./main.js".into())
        );
    }

    #[test]
    fn exports_patterns_substitute_what_the_star_matched() {
        let exports = serde_json::json!({
            ".": "./index.js",
            "./jwe/*": { "types": "./types/jwe/*.d.ts", "default": "./dist/jwe/*.js" },
            "./jwe/compact/*": "./dist/compact/*.js",
            "./internal/*.js": null
        });
        assert_eq!(
            export_target(&exports, "./jwe/flattened/decrypt"),
            Some("./dist/jwe/flattened/decrypt.js".into())
        );
        assert_eq!(
            export_target(&exports, "./jwe/compact/decrypt"),
            Some("./dist/compact/decrypt.js".into())
        );
        assert_eq!(export_target(&exports, "./internal/x.js"), None);
        assert_eq!(export_target(&exports, "./other"), None);
    }
}
