//! Laying out a package and its transitive dependencies the way npm does:
//! every dependency hoisted to the top `node_modules` unless a different
//! version already sits on the path up, in which case it nests under the
//! package that needs it. Each placement picks the highest version the
//! semver range allows (the `latest` tag first, as npm does).
//! `optionalDependencies` that cannot be installed (no such package, no
//! matching version, another platform, a failed download) are skipped;
//! `peerDependencies` are installed where the package that wants them can
//! see them, next to it, as npm 7 and later do (an optional peer is not).

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

use nodejs_semver::{Range, Version};

use super::registry::{Manifest, Packument};

/// The platform packages see (js-runtime/node/os.js): `os` and `cpu`
/// fields are checked against it.
const PLATFORM: &str = "linux";
const ARCH: &str = "x64";

/// One package placed in a tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub version: String,
    pub manifest: Manifest,
    /// The unpacked package, once stored.
    pub dir: PathBuf,
    /// Whether this run downloaded it (else it came from the cache).
    pub downloaded: bool,
    /// Reached only through optional dependencies: a failure to fetch it
    /// drops it (and what it alone needs) instead of failing the tree.
    pub optional: bool,
}

/// A laid out set of packages: location (`node_modules/a/node_modules/b`)
/// → package.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub nodes: BTreeMap<String, Node>,
}

impl Layout {
    /// Drops the package at `location` and everything nested under it.
    pub fn remove(&mut self, location: &str) {
        let nested = format!("{location}/");
        self.nodes
            .retain(|loc, _| loc != location && !loc.starts_with(&nested));
    }
}

/// The version of `packument` a dependency spec selects.
pub fn pick(packument: &Packument, spec: &str) -> Result<String, String> {
    let spec = spec.trim();
    let spec = if spec.is_empty() { "latest" } else { spec };
    if let Some(version) = packument.dist_tags.get(spec) {
        return Ok(version.clone());
    }
    if packument.versions.contains_key(spec) {
        return Ok(spec.to_string());
    }
    if let Some(kind) = unsupported(spec) {
        return Err(format!(
            "the dependency spec '{spec}' is {kind}; actionbox installs registry versions and ranges only"
        ));
    }
    let range =
        Range::parse(spec).map_err(|e| format!("'{spec}' is not a version, range or tag ({e})"))?;
    if let Some(latest) = packument.dist_tags.get("latest")
        && Version::parse(latest).is_ok_and(|v| range.satisfies(&v))
    {
        return Ok(latest.clone());
    }
    packument
        .versions
        .keys()
        .filter_map(|text| Version::parse(text).ok().map(|v| (v, text)))
        .filter(|(v, _)| range.satisfies(v))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, text)| text.clone())
        .ok_or_else(|| format!("no version matches '{spec}'"))
}

/// `npm:real-name@range` (an alias: the package `real-name`, installed
/// under the dependency's own name) → (`real-name`, `range`).
fn alias(spec: &str) -> Option<(String, String)> {
    let target = spec.trim().strip_prefix("npm:")?;
    let from = usize::from(target.starts_with('@'));
    match target[from..].find('@') {
        Some(at) => Some((
            target[..at + from].to_string(),
            target[at + from + 1..].to_string(),
        )),
        None => Some((target.to_string(), "latest".to_string())),
    }
}

fn unsupported(spec: &str) -> Option<&'static str> {
    if spec.starts_with("file:") || spec.starts_with("link:") {
        Some("a local path")
    } else if spec.contains("://") || spec.starts_with("git") || spec.starts_with("github:") {
        Some("a URL or git repository")
    } else if spec.contains('/') && !spec.contains(' ') {
        Some("a GitHub repository")
    } else {
        None
    }
}

/// Whether a package's `os` or `cpu` list (npm's form: names, or `!name`
/// to exclude) admits `current`.
fn admits(list: &[String], current: &str) -> bool {
    if list
        .iter()
        .any(|entry| entry.strip_prefix('!') == Some(current))
    {
        return false;
    }
    let allowed: Vec<&String> = list.iter().filter(|e| !e.starts_with('!')).collect();
    allowed.is_empty()
        || allowed
            .iter()
            .any(|e| e.as_str() == current || e.as_str() == "any")
}

/// Why a packument cannot be had.
#[derive(Debug, Clone)]
pub struct Unavailable {
    pub message: String,
    /// Offline and not cached: the `name` or `name@version` to fetch.
    pub offline_miss: Option<String>,
}

/// Why a tree cannot be laid out.
#[derive(Debug, Clone)]
pub struct LayoutError {
    pub message: String,
    pub offline_miss: Option<String>,
}

/// Gives the packument of a name; the version, when the caller needs an
/// exact one (a cached packument holding it is good enough).
pub type PackumentSource<'a> = dyn FnMut(&str, Option<&str>) -> Result<Packument, Unavailable> + 'a;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Required,
    Optional,
    Peer,
}

/// One dependency still to place.
struct Wanted {
    /// Location of the package whose `node_modules` sees it first.
    parent: String,
    name: String,
    spec: String,
    /// Reached only through optional dependencies.
    optional: bool,
    /// `a@1 > b@^2` for messages.
    chain: String,
}

/// Lays out `roots` (name, spec) and everything they depend on, asking
/// `packument` for metadata. Roots sit at the top; a failure names the
/// chain of packages that led to it.
pub fn lay_out(
    roots: &[(String, String)],
    packument: &mut PackumentSource<'_>,
) -> Result<Layout, LayoutError> {
    let mut layout = Layout::default();
    let mut queue: VecDeque<Wanted> = roots
        .iter()
        .map(|(name, spec)| Wanted {
            parent: String::new(),
            name: name.clone(),
            spec: spec.clone(),
            optional: false,
            chain: String::new(),
        })
        .collect();
    while let Some(wanted) = queue.pop_front() {
        let Wanted {
            parent,
            name,
            spec,
            optional,
            chain,
        } = wanted;
        let chain_here = if chain.is_empty() {
            format!("{name}@{spec}")
        } else {
            format!("{chain} > {name}@{spec}")
        };
        // An alias installs another package under this name.
        let (package, spec) = alias(&spec).unwrap_or_else(|| (name.clone(), spec));
        let existing = ancestors(&parent).find_map(|base| {
            let location = format!("{base}node_modules/{name}");
            layout.nodes.contains_key(&location).then_some(location)
        });
        if let Some(location) = &existing
            && let Some(node) = layout.nodes.get_mut(location)
            && node.name == package
            && satisfies(&node.version, &spec)
        {
            // Needed by a required path now: a failure is no longer skippable.
            node.optional &= optional;
            continue;
        }
        // Hoisted to the top when the name is free on the whole path up,
        // else nested under the package that needs it.
        let location = if existing.is_none() {
            format!("node_modules/{name}")
        } else {
            format!("{}node_modules/{name}", with_slash(&parent))
        };
        if let Some(there) = layout.nodes.get(&location) {
            // The very spot is taken by another version: only a peer (or a
            // name listed twice) gets here. npm 7 refuses such a peer
            // conflict unless told `--legacy-peer-deps`, which keeps the
            // version already there; so does actionbox, saying so.
            tracing::warn!(
                "{chain_here}: {} {} is already installed at {location}; keeping it (npm would report a dependency conflict)",
                there.name,
                there.version
            );
            continue;
        }
        let skip = |why: &str| {
            tracing::info!("{chain_here}: optional dependency skipped: {why}");
        };
        let exact = Version::parse(spec.trim())
            .ok()
            .map(|_| spec.trim().to_string());
        let metadata = match packument(&package, exact.as_deref()) {
            Ok(metadata) => metadata,
            Err(e) if optional => {
                skip(&e.message);
                continue;
            }
            Err(e) => {
                return Err(LayoutError {
                    message: format!("{chain_here}: {}", e.message),
                    offline_miss: e.offline_miss,
                });
            }
        };
        let picked = pick(&metadata, &spec).and_then(|version| {
            metadata
                .versions
                .get(&version)
                .cloned()
                .map(|manifest| (version.clone(), manifest))
                .ok_or_else(|| format!("the registry lists no version {version}"))
        });
        let (version, manifest) = match picked {
            Ok(found) => found,
            Err(why) if optional => {
                skip(&why);
                continue;
            }
            Err(why) => {
                return Err(LayoutError {
                    message: format!("{chain_here}: {why}"),
                    offline_miss: None,
                });
            }
        };
        if optional && !(admits(&manifest.os, PLATFORM) && admits(&manifest.cpu, ARCH)) {
            skip(&format!(
                "{name}@{version} is for os {:?}, cpu {:?}; scripts run on {PLATFORM} {ARCH}",
                manifest.os, manifest.cpu
            ));
            continue;
        }
        let mut edges: Vec<(String, String, Edge)> = manifest
            .dependencies
            .iter()
            .map(|(dep, dep_spec)| {
                let kind = if manifest.optional_dependencies.contains_key(dep) {
                    Edge::Optional
                } else {
                    Edge::Required
                };
                (dep.clone(), dep_spec.clone(), kind)
            })
            .collect();
        // Newer packages list optional dependencies only there; older
        // ones in `dependencies` too (counted once, above).
        edges.extend(
            manifest
                .optional_dependencies
                .iter()
                .filter(|(dep, _)| !manifest.dependencies.contains_key(*dep))
                .map(|(dep, dep_spec)| (dep.clone(), dep_spec.clone(), Edge::Optional)),
        );
        edges.extend(
            manifest
                .peer_dependencies
                .iter()
                .filter(|(dep, _)| {
                    !manifest.peer_is_optional(dep)
                        && !manifest.dependencies.contains_key(*dep)
                        && !manifest.optional_dependencies.contains_key(*dep)
                })
                .map(|(dep, dep_spec)| (dep.clone(), dep_spec.clone(), Edge::Peer)),
        );
        for (dep, dep_spec, kind) in edges {
            queue.push_back(Wanted {
                // A peer is a dependency of whatever holds this package,
                // so it lands beside it (or higher), where both see it.
                parent: if kind == Edge::Peer {
                    holder(&location)
                } else {
                    location.clone()
                },
                name: dep,
                spec: dep_spec,
                optional: optional || kind == Edge::Optional,
                chain: chain_here.clone(),
            });
        }
        layout.nodes.insert(
            location,
            Node {
                name: package,
                version,
                manifest,
                dir: PathBuf::new(),
                downloaded: false,
                optional,
            },
        );
    }
    Ok(layout)
}

/// The location whose `node_modules` holds `location`:
/// `node_modules/a/node_modules/b` → `node_modules/a`; a top-level
/// package → the root (``).
fn holder(location: &str) -> String {
    location
        .rfind("/node_modules/")
        .map(|at| location[..at].to_string())
        .unwrap_or_default()
}

fn with_slash(location: &str) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!("{location}/")
    }
}

/// `node_modules/a/node_modules/b` → `node_modules/a/node_modules/b/`,
/// `node_modules/a/`, `` (each followed by `node_modules/NAME`).
pub fn ancestors(location: &str) -> impl Iterator<Item = String> + '_ {
    let mut current = Some(location.to_string());
    std::iter::from_fn(move || {
        let here = current.take()?;
        if !here.is_empty() {
            current = Some(match here.rfind("/node_modules/") {
                Some(at) => here[..at].to_string(),
                None => String::new(),
            });
        }
        Some(with_slash(&here))
    })
}

fn satisfies(version: &str, spec: &str) -> bool {
    let spec = spec.trim();
    if spec.is_empty() || spec == "*" || spec == "latest" || spec == version {
        return true;
    }
    match (Version::parse(version), Range::parse(spec)) {
        (Ok(v), Ok(range)) => range.satisfies(&v),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::Dist;
    use super::*;

    fn packument(name: &str, versions: &[(&str, &[(&str, &str)])]) -> Packument {
        Packument {
            name: name.into(),
            dist_tags: [("latest".to_string(), versions.last().unwrap().0.to_string())].into(),
            versions: versions
                .iter()
                .map(|(v, deps)| {
                    (
                        v.to_string(),
                        Manifest {
                            dependencies: deps
                                .iter()
                                .map(|(a, b)| (a.to_string(), b.to_string()))
                                .collect(),
                            dist: Dist::default(),
                            ..Manifest::default()
                        },
                    )
                })
                .collect(),
        }
    }

    fn from<'a>(
        registry: &'a BTreeMap<&str, Packument>,
    ) -> impl FnMut(&str, Option<&str>) -> Result<Packument, Unavailable> + 'a {
        |name, _| {
            registry.get(name).cloned().ok_or_else(|| Unavailable {
                message: "404".into(),
                offline_miss: None,
            })
        }
    }

    fn placed(layout: &Layout) -> Vec<(String, String)> {
        layout
            .nodes
            .iter()
            .map(|(loc, n)| (loc.clone(), n.version.clone()))
            .collect()
    }

    #[test]
    fn optional_dependencies_that_cannot_be_had_are_skipped() {
        let mut host = packument("host", &[("1.0.0", &[("shared", "^1"), ("gone", "^1")])]);
        let manifest = host.versions.get_mut("1.0.0").unwrap();
        // Listed in both maps, as older packages publish them; and in
        // optionalDependencies alone, as newer ones do.
        manifest.optional_dependencies = [
            ("gone".to_string(), "^1".to_string()),
            ("mac-only".to_string(), "^2".to_string()),
            ("too-new".to_string(), "^9".to_string()),
            ("fine".to_string(), "^1".to_string()),
        ]
        .into();
        let mut mac = packument("mac-only", &[("2.0.0", &[])]);
        mac.versions.get_mut("2.0.0").unwrap().os = vec!["darwin".into()];
        let mut fine = packument("fine", &[("1.0.0", &[])]);
        fine.versions.get_mut("1.0.0").unwrap().os = vec!["!win32".into()];
        let registry: BTreeMap<&str, Packument> = [
            ("host", host),
            ("shared", packument("shared", &[("1.0.0", &[])])),
            ("mac-only", mac),
            ("too-new", packument("too-new", &[("1.0.0", &[])])),
            ("fine", fine),
        ]
        .into();
        let layout = lay_out(&[("host".into(), "1.0.0".into())], &mut from(&registry)).unwrap();
        assert_eq!(
            placed(&layout),
            vec![
                ("node_modules/fine".into(), "1.0.0".into()),
                ("node_modules/host".into(), "1.0.0".into()),
                ("node_modules/shared".into(), "1.0.0".into()),
            ]
        );
        assert!(layout.nodes["node_modules/fine"].optional);
        assert!(!layout.nodes["node_modules/shared"].optional);

        // A required dependency that is missing still fails, naming the chain.
        let error = lay_out(
            &[
                ("shared".into(), "^1".into()),
                ("gone".into(), "1.0.0".into()),
            ],
            &mut from(&registry),
        )
        .unwrap_err();
        assert_eq!(error.message, "gone@1.0.0: 404");
    }

    #[test]
    fn peers_land_beside_the_package_that_wants_them_unless_optional() {
        let mut plugin = packument("plugin", &[("0.9.0", &[]), ("1.0.0", &[("helper", "^1")])]);
        let manifest = plugin.versions.get_mut("1.0.0").unwrap();
        manifest.peer_dependencies = [
            ("core".to_string(), "^2".to_string()),
            ("maybe".to_string(), "^1".to_string()),
        ]
        .into();
        manifest.peer_dependencies_meta = serde_json::json!({ "maybe": { "optional": true } });
        let registry: BTreeMap<&str, Packument> = [
            ("plugin", plugin),
            ("app", packument("app", &[("1.0.0", &[("plugin", "^1")])])),
            ("helper", packument("helper", &[("1.0.0", &[])])),
            ("core", packument("core", &[("1.5.0", &[]), ("2.3.0", &[])])),
            ("maybe", packument("maybe", &[("1.0.0", &[])])),
        ]
        .into();
        // At the top: the peer is installed at the top too.
        let layout = lay_out(&[("plugin".into(), "1.0.0".into())], &mut from(&registry)).unwrap();
        assert_eq!(
            placed(&layout),
            vec![
                ("node_modules/core".into(), "2.3.0".into()),
                ("node_modules/helper".into(), "1.0.0".into()),
                ("node_modules/plugin".into(), "1.0.0".into()),
            ]
        );
        // Declared by the user at a version the peer range accepts: kept.
        let layout = lay_out(
            &[
                ("plugin".into(), "1.0.0".into()),
                ("core".into(), "2.3.0".into()),
            ],
            &mut from(&registry),
        )
        .unwrap();
        assert_eq!(layout.nodes["node_modules/core"].version, "2.3.0");
        assert_eq!(layout.nodes.len(), 3);
        // The user's own `core` conflicts at the top: npm 7 would refuse
        // (ERESOLVE); the version there is kept, as `--legacy-peer-deps` does.
        let layout = lay_out(
            &[
                ("plugin".into(), "1.0.0".into()),
                ("core".into(), "1.5.0".into()),
            ],
            &mut from(&registry),
        )
        .unwrap();
        assert_eq!(layout.nodes["node_modules/core"].version, "1.5.0");
        assert_eq!(layout.nodes.len(), 3);
        // A nested plugin: its peer sits beside it, inside app, where the
        // plugin sees it, since the top holds another `core`.
        let layout = lay_out(
            &[
                ("app".into(), "1.0.0".into()),
                ("plugin".into(), "0.9.0".into()),
                ("core".into(), "1.5.0".into()),
            ],
            &mut from(&registry),
        )
        .unwrap();
        assert_eq!(
            placed(&layout),
            vec![
                ("node_modules/app".into(), "1.0.0".into()),
                ("node_modules/app/node_modules/core".into(), "2.3.0".into()),
                (
                    "node_modules/app/node_modules/plugin".into(),
                    "1.0.0".into()
                ),
                ("node_modules/core".into(), "1.5.0".into()),
                ("node_modules/helper".into(), "1.0.0".into()),
                ("node_modules/plugin".into(), "0.9.0".into()),
            ]
        );
    }

    #[test]
    fn hoists_what_it_can_and_nests_conflicts() {
        let registry: BTreeMap<&str, Packument> = [
            (
                "app-a",
                packument(
                    "app-a",
                    &[("1.0.0", &[("shared", "^1.0.0"), ("only-a", "~2.1.0")])],
                ),
            ),
            (
                "app-b",
                packument("app-b", &[("1.0.0", &[("shared", "^2.0.0")])]),
            ),
            (
                "shared",
                packument(
                    "shared",
                    &[
                        ("1.0.0", &[]),
                        ("1.4.2", &[]),
                        ("2.0.1", &[]),
                        ("3.0.0", &[]),
                    ],
                ),
            ),
            (
                "only-a",
                packument("only-a", &[("2.1.0", &[]), ("2.1.7", &[]), ("2.2.0", &[])]),
            ),
        ]
        .into();
        let roots = vec![
            ("app-a".to_string(), "1.0.0".to_string()),
            ("app-b".to_string(), "^1".to_string()),
        ];
        let layout = lay_out(&roots, &mut from(&registry)).unwrap();
        let placed: Vec<(String, String)> = layout
            .nodes
            .iter()
            .map(|(loc, n)| (loc.clone(), n.version.clone()))
            .collect();
        assert_eq!(
            placed,
            vec![
                ("node_modules/app-a".into(), "1.0.0".into()),
                ("node_modules/app-b".into(), "1.0.0".into()),
                (
                    "node_modules/app-b/node_modules/shared".into(),
                    "2.0.1".into()
                ),
                ("node_modules/only-a".into(), "2.1.7".into()),
                ("node_modules/shared".into(), "1.4.2".into()),
            ]
        );
    }

    #[test]
    fn ancestors_walk_up_to_the_top() {
        let up: Vec<String> = ancestors("node_modules/a/node_modules/@s/b").collect();
        assert_eq!(
            up,
            vec!["node_modules/a/node_modules/@s/b/", "node_modules/a/", ""]
        );
    }

    #[test]
    fn aliases_install_the_named_package_under_the_dependency_name() {
        let registry: BTreeMap<&str, Packument> = [
            (
                "client",
                packument(
                    "client",
                    &[
                        ("4.2.0", &[]),
                        (
                            "5.0.0",
                            &[("client-legacy", "npm:client@^4.1.0"), ("@s/x", "1.0.0")],
                        ),
                    ],
                ),
            ),
            (
                "@s/x",
                packument("@s/x", &[("1.0.0", &[("y", "npm:@s/x@1.0.0")])]),
            ),
        ]
        .into();
        let layout = lay_out(&[("client".into(), "5.0.0".into())], &mut from(&registry)).unwrap();
        let placed: Vec<(String, String, String)> = layout
            .nodes
            .iter()
            .map(|(loc, n)| (loc.clone(), n.name.clone(), n.version.clone()))
            .collect();
        assert_eq!(
            placed,
            vec![
                ("node_modules/@s/x".into(), "@s/x".into(), "1.0.0".into()),
                (
                    "node_modules/client".into(),
                    "client".into(),
                    "5.0.0".into()
                ),
                (
                    "node_modules/client-legacy".into(),
                    "client".into(),
                    "4.2.0".into()
                ),
                ("node_modules/y".into(), "@s/x".into(), "1.0.0".into()),
            ]
        );
    }

    #[test]
    fn tags_and_unsupported_specs() {
        let p = packument("x", &[("1.0.0", &[]), ("2.0.0-beta.1", &[])]);
        assert_eq!(pick(&p, "latest").unwrap(), "2.0.0-beta.1");
        assert_eq!(pick(&p, "^1").unwrap(), "1.0.0");
        assert!(pick(&p, "github:user/repo").unwrap_err().contains("git"));
        assert!(pick(&p, "^5").unwrap_err().contains("no version"));
    }
}
