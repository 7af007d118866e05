//! Real npm packages, as Auth0 installs them, fetched by the host (never by
//! script code): the registry npm's configuration names, each tarball
//! verified against its `integrity`, dependencies laid out as npm lays them
//! out, everything unpacked into a content-addressed cache shared by all
//! runs and processes (docs/packages.md).
//!
//! Scripts see a package's files under a virtual path,
//! `/npm/<tree>/node_modules/<name>/<file>`: a tree is one install (a
//! Rule's `name@version`, or an Action's declared dependencies), so two
//! versions of one package can live side by side in one login.

pub mod bytecode;
mod defaults;
pub mod registry;
pub mod store;
pub mod tree;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

pub use crate::record::{PackageSource, PackageUse};
pub use crate::runtime::npm::{self as config, PackageOptions};
pub use crate::runtime::{EMULATED_PACKAGES, REAL_FIRST_PACKAGES};
pub use defaults::{rules_default_version, rules_defaults};

use crate::engine::modules::{self, Resolved};
use registry::{Registry, RegistryError};
use store::{Integrity, Store, StoreError};
use tree::Layout;

/// What `require` calls the Rules' shared requirer (js-runtime/rules.js).
pub const RULES_REQUIRER: &str = "rules";

/// Whether `name` (a package, or one of its subpaths) has an emulation
/// that answers when its real code cannot be installed.
fn real_first(name: &str) -> bool {
    let (root, _) = modules::split_package(name);
    REAL_FIRST_PACKAGES.contains(&root)
}

/// Whether `name` is only ever answered by the emulation.
fn emulation_only(name: &str) -> bool {
    EMULATED_PACKAGES.contains(&name) && !REAL_FIRST_PACKAGES.contains(&name)
}

/// Whether the real package is wanted for `name` at `version` (as asked
/// or declared): not for emulation-only packages, nor for `auth0` without
/// a version (actionbox's own client answers it, with a warning; every
/// version's real code reaches the tenant the host answers).
pub fn runs_real(name: &str, version: Option<&str>) -> bool {
    if emulation_only(name) {
        return false;
    }
    name != "auth0" || version.is_some_and(|v| !v.trim().is_empty())
}

/// Node's built-in modules: never fetched from the registry.
pub const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// Why an install failed.
#[derive(Debug, Clone)]
pub enum InstallError {
    /// Offline, and these (`name@version` or `name@range`) are not cached.
    Offline(Vec<String>),
    Failed(String),
}

impl InstallError {
    fn message(&self, cache: &Path) -> String {
        match self {
            InstallError::Offline(missing) => offline_message(missing, cache),
            InstallError::Failed(why) => why.clone(),
        }
    }
}

fn offline_message(missing: &[String], cache: &Path) -> String {
    format!(
        "offline, and the package cache ({}) lacks {}: fetch {} while online with `actionbox deps fetch SCRIPT...` (or `--tenant DIR`), or run without --offline",
        cache.display(),
        missing.join(", "),
        if missing.len() == 1 { "it" } else { "them" }
    )
}

/// One install: a layout whose packages are all in the store.
pub struct Tree {
    pub label: String,
    pub layout: Layout,
}

/// The packages of one configuration (registry, cache, offline), shared by
/// every flow of the process.
pub struct Packages {
    pub cache: PathBuf,
    registry: Registry,
    store: Store,
    offline: bool,
    trees: Mutex<HashMap<String, Result<Arc<Tree>, InstallError>>>,
    /// Store keys this process downloaded (their source is the registry).
    downloaded: Mutex<std::collections::HashSet<String>>,
    /// Opened on first use: a run that loads no package file writes nothing.
    bytecode: OnceLock<Option<bytecode::BytecodeCache>>,
}

impl Packages {
    /// The process's instance for `options`.
    pub fn for_options(options: &PackageOptions) -> Arc<Packages> {
        static ALL: OnceLock<Mutex<HashMap<PackageOptions, Arc<Packages>>>> = OnceLock::new();
        let all = ALL.get_or_init(Mutex::default);
        let mut all = all.lock().unwrap_or_else(|p| p.into_inner());
        all.entry(options.clone())
            .or_insert_with(|| {
                let cache = options.cache_root();
                let npm_root = cache.join("npm");
                Arc::new(Packages {
                    registry: Registry::new(
                        options.registry_url(),
                        &npm_root,
                        options.offline,
                        options.npmrc(),
                    ),
                    store: Store::new(&npm_root),
                    offline: options.offline,
                    trees: Mutex::default(),
                    downloaded: Mutex::default(),
                    bytecode: OnceLock::new(),
                    cache,
                })
            })
            .clone()
    }

    pub fn registry_url(&self) -> &str {
        &self.registry.url
    }

    /// Installs `roots` as the tree `label` (once per process).
    pub fn install(
        &self,
        label: &str,
        roots: &[(String, String)],
    ) -> Result<Arc<Tree>, InstallError> {
        if let Some(done) = self
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(label)
        {
            return done.clone();
        }
        // Downloads happen outside any async runtime the caller may be in
        // (the blocking HTTP client refuses to run inside one).
        let result = std::thread::scope(|scope| {
            scope
                .spawn(|| self.install_now(label, roots))
                .join()
                .unwrap_or_else(|_| {
                    Err(InstallError::Failed("the package installer crashed".into()))
                })
        });
        self.trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(label.to_string(), result.clone());
        result
    }

    fn install_now(
        &self,
        label: &str,
        roots: &[(String, String)],
    ) -> Result<Arc<Tree>, InstallError> {
        let _span = tracing::info_span!("npm install", tree = label).entered();
        let mut layout = tree::lay_out(roots, &mut |name, pinned| {
            self.registry.packument(name, pinned).map_err(|e| match e {
                RegistryError::Missing => tree::Unavailable {
                    message: "not in the package cache".to_string(),
                    offline_miss: Some(match pinned {
                        Some(version) => format!("{name}@{version}"),
                        None => name.to_string(),
                    }),
                },
                RegistryError::NoSuchPackage => tree::Unavailable {
                    message: format!(
                        "the registry {} has no package named '{name}'",
                        self.registry.url
                    ),
                    offline_miss: None,
                },
                RegistryError::Failed(why) => tree::Unavailable {
                    message: why,
                    offline_miss: None,
                },
            })
        })
        .map_err(|e| match e.offline_miss {
            Some(miss) => InstallError::Offline(vec![miss]),
            None => InstallError::Failed(e.message),
        })?;
        let mut missing = Vec::new();
        let mut dropped = Vec::new();
        for (location, node) in layout.nodes.iter_mut() {
            if dropped
                .iter()
                .any(|gone: &String| location.starts_with(&format!("{gone}/")))
            {
                continue;
            }
            let id = format!("{}@{}", node.name, node.version);
            let Some(integrity) = Integrity::from_dist(
                node.manifest.dist.integrity.as_deref(),
                node.manifest.dist.shasum.as_deref(),
            ) else {
                if node.optional {
                    tracing::info!("{id}: optional dependency skipped: no integrity hash");
                    dropped.push(location.clone());
                    continue;
                }
                return Err(InstallError::Failed(format!(
                    "{id}: the registry gives no integrity hash for its tarball, so it cannot be verified; not installed"
                )));
            };
            let url = node.manifest.dist.tarball.clone();
            let download = || {
                self.registry
                    .tarball(&url)
                    .map_err(|e| format!("cannot download {id}: {e}"))
            };
            let downloader: Option<&dyn Fn() -> Result<Vec<u8>, String>> =
                if self.offline { None } else { Some(&download) };
            match self.store.ensure(&integrity, downloader) {
                Ok((dir, downloaded_now)) => {
                    node.dir = dir.canonicalize().unwrap_or(dir);
                    let mut downloaded = self.downloaded.lock().unwrap_or_else(|p| p.into_inner());
                    if downloaded_now {
                        downloaded.insert(integrity.key());
                    }
                    node.downloaded = downloaded.contains(&integrity.key());
                }
                // An optional dependency that cannot be had is skipped, as
                // npm skips it; the package that wanted it copes.
                Err(why) if node.optional => {
                    let why = match why {
                        StoreError::Missing => "not in the package cache (offline)".to_string(),
                        StoreError::Failed(why) => why,
                    };
                    tracing::info!("{id}: optional dependency skipped: {why}");
                    dropped.push(location.clone());
                }
                Err(StoreError::Missing) => missing.push(id),
                Err(StoreError::Failed(why)) => {
                    return Err(InstallError::Failed(
                        if why.starts_with("cannot download") {
                            why
                        } else {
                            format!("{id}: {why}")
                        },
                    ));
                }
            }
        }
        for location in dropped {
            layout.remove(&location);
        }
        if !missing.is_empty() {
            return Err(InstallError::Offline(missing));
        }
        Ok(Arc::new(Tree {
            label: label.to_string(),
            layout,
        }))
    }

    /// What a script's bare `require` installs: (tree label, roots).
    fn wanted(
        name: &str,
        version: Option<&str>,
        rule: bool,
        declared: &BTreeMap<String, String>,
    ) -> Result<(String, Vec<(String, String)>), String> {
        if let Some(version) = version {
            return Ok((
                tree_label(name, version),
                vec![(name.to_string(), version.to_string())],
            ));
        }
        if declared.contains_key(name) {
            let roots = declared_roots(declared);
            return Ok((declared_label(&roots), roots));
        }
        if rule {
            let version = rules_default_version(name).unwrap_or("latest");
            return Ok((
                tree_label(name, version),
                vec![(name.to_string(), version.to_string())],
            ));
        }
        Err(format!(
            "'{name}' is not one of the Action's declared dependencies: declare it (--dependency {name}@VERSION, or the Action's `dependencies` in the tenant folder), as Auth0 requires"
        ))
    }

    /// Resolves a bare `require(request)` made by a script.
    pub fn resolve_from_script(
        &self,
        request: &str,
        rule: bool,
        declared: &BTreeMap<String, String>,
    ) -> Result<Resolved, String> {
        let (name_and_sub, version) = split_version(request);
        let (name, subpath) = modules::split_package(&name_and_sub);
        let (label, roots) = Self::wanted(name, version.as_deref(), rule, declared)?;
        let tree = self
            .install(&label, &roots)
            .map_err(|e| e.message(&self.cache))?;
        let location = format!("node_modules/{name}");
        resolve_in_package(&tree, &location, subpath)
            .map(|found| self.with_bytecode(found))
            .ok_or_else(|| {
                format!(
                    "{name} has no entry '{}'",
                    if subpath.is_empty() { "." } else { subpath }
                )
            })
    }

    /// Resolves `request` made by a package file (a virtual path).
    pub fn resolve_from_package(
        &self,
        from: &str,
        request: &str,
    ) -> Option<Result<Resolved, String>> {
        let rest = from.strip_prefix("/npm/")?;
        let (label, within) = rest.split_once('/')?;
        let tree = match self
            .trees
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(label)
        {
            Some(Ok(tree)) => tree.clone(),
            _ => return Some(Err(format!("the package tree '{label}' is not installed"))),
        };
        Some(resolve_in_tree(&tree, within, request).map(|found| self.with_bytecode(found)))
    }

    /// Adds the bytecode of a JavaScript file from the bytecode cache.
    fn with_bytecode(&self, mut found: Resolved) -> Resolved {
        let is_script = found
            .path
            .extension()
            .is_some_and(|e| e == "js" || e == "cjs")
            && found.refused.is_none()
            && !found.esm;
        let cache = || {
            self.bytecode
                .get_or_init(|| bytecode::BytecodeCache::open(&self.cache))
                .as_ref()
        };
        if is_script && let Some(cache) = cache() {
            let wrapped = modules::wrap_module(modules::PACKAGE_PARAMS, &found.source);
            found.bytecode = cache.get_or_compile(&found.path.display().to_string(), &wrapped);
        }
        found
    }
}

/// A Rule-style tree's label: `name@version` (`/` of a scope as `+`).
fn tree_label(name: &str, version: &str) -> String {
    format!("{}@{}", name.replace('/', "+"), version.replace('/', "+"))
}

fn declared_roots(declared: &BTreeMap<String, String>) -> Vec<(String, String)> {
    declared
        .iter()
        .filter(|(name, version)| runs_real(name, Some(version)))
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect()
}

fn declared_label(roots: &[(String, String)]) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for (name, version) in roots {
        hasher.update(format!("{name}@{version}\n"));
    }
    format!("dependencies-{}", &hex::encode(hasher.finalize())[..12])
}

/// `lodash@4.17.19/fp` → (`lodash/fp`, `4.17.19`); `@s/n@1.0.0` → (`@s/n`, `1.0.0`).
pub fn split_version(request: &str) -> (String, Option<String>) {
    let request = request.strip_prefix("node:").unwrap_or(request);
    if request.starts_with('.') || request.starts_with('/') {
        return (request.to_string(), None);
    }
    let from = usize::from(request.starts_with('@'));
    let Some(at) = request[from..].find('@').map(|i| i + from) else {
        return (request.to_string(), None);
    };
    // The version ends at the next slash (a subpath follows).
    let rest = &request[at + 1..];
    let (version, sub) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    // `@scope/name` has its '@' at 0, skipped above; an '@' after a slash
    // (`name/sub@x`) is part of a path, not a version.
    if request[..at].matches('/').count() > usize::from(request.starts_with('@')) {
        return (request.to_string(), None);
    }
    (
        format!("{}{sub}", &request[..at]),
        Some(version.to_string()),
    )
}

fn virtual_path(tree: &Tree, location: &str, file: &Path, dir: &Path) -> Option<PathBuf> {
    let relative = file.strip_prefix(dir).ok()?;
    Some(PathBuf::from(format!("/npm/{}/{location}", tree.label)).join(relative))
}

fn with_package(tree: &Tree, location: &str, resolved: Resolved, dir: &Path) -> Option<Resolved> {
    let node = tree.layout.nodes.get(location)?;
    Some(Resolved {
        path: virtual_path(tree, location, &resolved.path, dir)?,
        source: resolved.source,
        package: Some(PackageUse {
            name: node.name.clone(),
            version: node.version.clone(),
            source: if node.downloaded {
                PackageSource::Registry
            } else {
                PackageSource::Cache
            },
        }),
        bytecode: None,
        refused: resolved.refused,
        esm: resolved.esm,
    })
}

fn resolve_in_package(tree: &Tree, location: &str, subpath: &str) -> Option<Resolved> {
    let node = tree.layout.nodes.get(location)?;
    let roots = [node.dir.clone()];
    let found = modules::load_package(&roots, &node.dir, subpath)?;
    with_package(tree, location, found, &node.dir)
}

/// Resolves `request` from the file at `within` (`node_modules/a/lib/x.js`).
fn resolve_in_tree(tree: &Tree, within: &str, request: &str) -> Result<Resolved, String> {
    let Some(location) = tree
        .layout
        .nodes
        .keys()
        .filter(|loc| within.starts_with(&format!("{loc}/")))
        .max_by_key(|loc| loc.len())
        .cloned()
    else {
        return Err(format!("'{within}' is in no package of the tree"));
    };
    let node = &tree.layout.nodes[&location];
    if request.starts_with("./") || request.starts_with("../") || request == "." || request == ".."
    {
        let file_dir = Path::new(&within[location.len() + 1..])
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let target = modules::normalise(&node.dir.join(file_dir).join(request));
        if !target.starts_with(&node.dir) {
            return Err(format!(
                "'{request}' leaves the package {}; packages may require only their own files and their dependencies",
                node.name
            ));
        }
        let roots = [node.dir.clone()];
        return modules::load_file_or_dir(&roots, &target)
            .and_then(|found| with_package(tree, &location, found, &node.dir))
            .ok_or_else(|| format!("no such file in the package {}", node.name));
    }
    let (name_and_sub, _) = split_version(request);
    let (name, subpath) = modules::split_package(&name_and_sub);
    for base in tree::ancestors(&location) {
        let candidate = format!("{base}node_modules/{name}");
        if tree.layout.nodes.contains_key(&candidate) {
            return resolve_in_package(tree, &candidate, subpath)
                .ok_or_else(|| format!("the package {name} has no entry '{subpath}'"));
        }
    }
    Err(format!(
        "{}@{} does not depend on '{name}' (not in its package.json dependencies)",
        node.name, node.version
    ))
}

/// The bare package names a script's source requires by a string literal.
pub fn literal_requires(source: &str) -> Vec<String> {
    static PATTERN: OnceLock<regex_lite::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        regex_lite::Regex::new(r#"^require\s*\(\s*(?:'([^'\n]+)'|"([^"\n]+)"|`([^`$\n]+)`)\s*\)"#)
            .expect("the require pattern is valid")
    });
    // Runs for every flow: the pattern is tried only where the word
    // `require` starts (a scan of the whole source with the regex cost
    // more than the script's execution).
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names: Vec<String> = source
        .match_indices("require")
        .filter(|(at, _)| !source[..*at].chars().next_back().is_some_and(word_char))
        .filter_map(|(at, _)| pattern.captures(&source[at..]))
        .filter_map(|c| {
            c.get(1)
                .or(c.get(2))
                .or(c.get(3))
                .map(|m| m.as_str().to_string())
        })
        .filter(|id| is_registry_request(id))
        .filter(|id| {
            let (name_and_sub, version) = split_version(id);
            let (name, _) = modules::split_package(&name_and_sub);
            name != "auth0" || runs_real(name, version.as_deref())
        })
        .collect();
    names.dedup();
    names
}

/// The globals Auth0's Rules sandbox provided without `require`, and the
/// package each loads (js-runtime/rules.js): installed before a Rule that
/// uses one runs, as its literal `require`s are.
pub(crate) const RULES_SANDBOX_GLOBALS: &[(&str, &str)] = &[
    ("request", "request"),
    ("_", "lodash"),
    ("async", "async"),
    ("uuid", "uuid"),
    ("q", "q"),
    ("xtend", "xtend"),
    ("xmldom", "xmldom"),
    ("xml2js", "xml2js"),
    ("xpath", "xpath"),
    ("pg", "pg"),
    ("Knex", "knex"),
    ("cql", "node-cassandra-cql"),
    ("Pubnub", "pubnub"),
    ("couchbase", "couchbase"),
    ("azure_storage", "azure-storage"),
    ("bcrypt", "bcrypt"),
    ("ObjectID", "mongodb"),
    ("pbkdf2", "easy-pbkdf2"),
    ("jwt", "jsonwebtoken"),
    ("ip", "range_check@0.0.1"),
];

/// The packages of the Rules sandbox globals a Rule's source uses (as
/// `name.x` or `name(`, not as a property of something else).
pub fn rules_sandbox_requires(source: &str) -> Vec<String> {
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut found: Vec<String> = RULES_SANDBOX_GLOBALS
        .iter()
        .filter(|(global, _)| {
            source.match_indices(global).any(|(at, _)| {
                let before = source[..at].chars().next_back();
                let after = source[at + global.len()..].trim_start().chars().next();
                !before.is_some_and(|c| word_char(c) || c == '.' || c == '\'' || c == '"')
                    && matches!(after, Some('.' | '('))
            })
        })
        .map(|(_, package)| package.to_string())
        .filter(|id| is_registry_request(id))
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Whether `require(id)` could be a registry package (not a path, a Node
/// built-in, an Actions Module or an emulated package).
pub fn is_registry_request(id: &str) -> bool {
    if id.starts_with('.')
        || id.starts_with('/')
        || id.starts_with("node:")
        || id.starts_with("actions:")
    {
        return false;
    }
    let (name_and_sub, _) = split_version(id);
    let (name, _) = modules::split_package(&name_and_sub);
    let top = name.split('/').next().unwrap_or(name);
    !name.is_empty() && !NODE_BUILTINS.contains(&top) && !emulation_only(name)
}

/// Installs, before the clock of a run starts, every package the scripts
/// name by a literal `require` (Rules) or declare (Actions), so download
/// time never counts against the scripts' deadline. Offline misses fail
/// the run with one message naming each; other failures are left for the
/// `require` that meets them.
pub fn prefetch(
    options: &PackageOptions,
    declared: &BTreeMap<String, String>,
    rule_sources: &[&str],
    action_sources: &[&str],
) -> Result<Vec<PackageUse>, String> {
    let fetched = prefetch_all(options, declared, rule_sources, action_sources)?;
    for failure in &fetched.failures {
        tracing::warn!("{failure}");
    }
    Ok(fetched.used)
}

/// How a declared dependency is provided when its Action runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredStatus {
    /// The real package, installed from the registry (or already cached).
    Installed {
        version: String,
        source: PackageSource,
    },
    /// The real package cannot be installed; actionbox's emulation answers.
    Emulated { because: String },
    /// Neither: the Action's `require` will fail.
    Missing { because: String },
}

/// Installs the dependencies the Actions declare, as a run would, and says
/// for each whether the real package, the emulation or nothing answers
/// its `require` (the tenant preflight reports this, so it never says
/// `emulated` for a package whose real code would run).
pub fn declared_status(
    options: &PackageOptions,
    declared: &BTreeMap<String, String>,
) -> BTreeMap<String, DeclaredStatus> {
    let packages = Packages::for_options(options);
    let mut status = BTreeMap::new();
    for name in declared.keys().filter(|name| emulation_only(name)) {
        status.insert(
            name.clone(),
            DeclaredStatus::Emulated {
                because: format!("actionbox always emulates {name} (docs/node.md)"),
            },
        );
    }
    let roots = declared_roots(declared);
    let installed = |tree: &Tree, name: &str| {
        tree.layout
            .nodes
            .get(&format!("node_modules/{name}"))
            .map(|node| DeclaredStatus::Installed {
                version: node.version.clone(),
                source: if node.downloaded {
                    PackageSource::Registry
                } else {
                    PackageSource::Cache
                },
            })
    };
    match packages.install(&declared_label(&roots), &roots) {
        Ok(tree) => {
            for (name, _) in &roots {
                let found = installed(&tree, name).unwrap_or_else(|| DeclaredStatus::Missing {
                    because: "not in the installed tree".into(),
                });
                status.insert(name.clone(), found);
            }
        }
        // One failure fails the whole tree: find whose it is.
        Err(_) => {
            for (name, version) in &roots {
                let alone = packages.install(
                    &tree_label(name, version),
                    &[(name.clone(), version.clone())],
                );
                let found = match alone {
                    Ok(tree) => installed(&tree, name).unwrap_or_else(|| DeclaredStatus::Missing {
                        because: "not in the installed tree".into(),
                    }),
                    Err(e) if real_first(name) => DeclaredStatus::Emulated {
                        because: e.message(&packages.cache),
                    },
                    Err(e) => DeclaredStatus::Missing {
                        because: e.message(&packages.cache),
                    },
                };
                status.insert(name.clone(), found);
            }
        }
    }
    status
}

/// What [`prefetch_all`] installed, and what failed (each with its reason).
pub struct Prefetched {
    pub used: Vec<PackageUse>,
    pub failures: Vec<String>,
}

/// Installs what the scripts need (see [`prefetch`]); offline misses are
/// the error, other failures are listed.
pub fn prefetch_all(
    options: &PackageOptions,
    declared: &BTreeMap<String, String>,
    rule_sources: &[&str],
    action_sources: &[&str],
) -> Result<Prefetched, String> {
    let mut wanted: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for source in rule_sources {
        let mut requests = literal_requires(source);
        requests.extend(rules_sandbox_requires(source));
        for request in requests {
            let (name_and_sub, version) = split_version(&request);
            let (name, _) = modules::split_package(&name_and_sub);
            if let Ok(want) = Packages::wanted(name, version.as_deref(), true, declared) {
                wanted.push(want);
            }
        }
    }
    let roots = declared_roots(declared);
    if !roots.is_empty() && !action_sources.is_empty() {
        wanted.push((declared_label(&roots), roots));
    }
    for source in action_sources {
        for request in literal_requires(source) {
            let (name_and_sub, Some(version)) = split_version(&request) else {
                continue;
            };
            let (name, _) = modules::split_package(&name_and_sub);
            if !runs_real(name, Some(&version)) {
                continue;
            }
            wanted.push((
                tree_label(name, &version),
                vec![(name.to_string(), version)],
            ));
        }
    }
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(Prefetched {
            used: Vec::new(),
            failures: Vec::new(),
        });
    }
    let packages = Packages::for_options(options);
    let mut missing = Vec::new();
    let mut used = Vec::new();
    let mut failures = Vec::new();
    for (label, roots) in &wanted {
        match packages.install(label, roots) {
            Ok(tree) => used.extend(tree.layout.nodes.values().map(|node| PackageUse {
                name: node.name.clone(),
                version: node.version.clone(),
                source: if node.downloaded {
                    PackageSource::Registry
                } else {
                    PackageSource::Cache
                },
            })),
            // An emulated package's real code missing offline is not
            // fatal: the emulation answers (the outcome says so).
            Err(InstallError::Offline(names)) if roots.iter().all(|(name, _)| real_first(name)) => {
                failures.extend(names.into_iter().map(|name| {
                    format!("{name} is not in the package cache (offline); actionbox's emulation answers instead")
                }));
            }
            Err(InstallError::Offline(names)) => missing.extend(names),
            Err(InstallError::Failed(why)) => failures.push(why),
        }
    }
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        return Err(offline_message(&missing, &packages.cache));
    }
    used.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    used.dedup();
    Ok(Prefetched { used, failures })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split_from_names_and_subpaths() {
        assert_eq!(split_version("lodash"), ("lodash".into(), None));
        assert_eq!(
            split_version("lodash@4.17.19"),
            ("lodash".into(), Some("4.17.19".into()))
        );
        assert_eq!(
            split_version("lodash@4.17.19/get"),
            ("lodash/get".into(), Some("4.17.19".into()))
        );
        assert_eq!(
            split_version("@xmldom/xmldom@0.8.10"),
            ("@xmldom/xmldom".into(), Some("0.8.10".into()))
        );
        assert_eq!(
            split_version("@xmldom/xmldom"),
            ("@xmldom/xmldom".into(), None)
        );
        assert_eq!(
            split_version("aws-sdk/clients/sts"),
            ("aws-sdk/clients/sts".into(), None)
        );
        assert_eq!(split_version("./a@b"), ("./a@b".into(), None));
    }

    #[test]
    fn auth0_runs_real_at_any_version_asked_for() {
        assert!(runs_real("auth0", Some("4.37.0")));
        assert!(runs_real("auth0", Some("latest")));
        assert!(runs_real("auth0", Some("^5.0.0")));
        assert!(runs_real("auth0", Some("2.44.1")));
        assert!(runs_real("auth0", Some("^3")));
        assert!(!runs_real("auth0", None));
        assert!(!runs_real("auth0", Some(" ")));
    }

    #[test]
    fn literal_requires_match_only_the_word_require() {
        let filler = "x".repeat(10_000);
        let source = format!(
            "myrequire('a'); _require('b'); $require('c');\n{filler}\nconst r = require (\n  'd' ); requires('e'); require('f'"
        );
        assert_eq!(literal_requires(&source), vec!["c", "d"]);
    }

    #[test]
    fn rules_sandbox_globals_in_use_name_their_packages() {
        let source = "function (user, context, callback) {\n  request.get({ url: u }, cb);\n  const x = _.extend({}, user); jwt.sign(p, s);\n  items.map((_, i) => i); obj.uuid(); const ip = 'request.'; mongo('x', cb);\n}";
        assert_eq!(
            rules_sandbox_requires(source),
            vec!["jsonwebtoken", "lodash", "request"]
        );
    }

    #[test]
    fn literal_requires_skip_builtins_paths_and_emulations() {
        let source = "const _ = require('lodash@4.17.19'); const h = require(\"https\");\nconst y = require(`js-yaml`); require('./x'); require('auth0'); require(name); require('@xmldom/xmldom/lib/dom'); require('axios'); require('auth0@2.44.1'); require('auth0@4.37.0')";
        // An unversioned `auth0` is actionbox's client; axios's real code is fetched.
        assert_eq!(
            literal_requires(source),
            vec![
                "lodash@4.17.19",
                "js-yaml",
                "@xmldom/xmldom/lib/dom",
                "axios",
                "auth0@2.44.1",
                "auth0@4.37.0"
            ]
        );
    }
}
