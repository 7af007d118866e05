//! Laying out a package and its transitive dependencies the way npm does:
//! every dependency hoisted to the top `node_modules` unless a different
//! version already sits on the path up, in which case it nests under the
//! package that needs it. Each placement picks the highest version the
//! semver range allows (the `latest` tag first, as npm does).

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

use nodejs_semver::{Range, Version};

use super::registry::{Manifest, Packument};

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
}

/// A laid out set of packages: location (`node_modules/a/node_modules/b`)
/// → package.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub nodes: BTreeMap<String, Node>,
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

fn unsupported(spec: &str) -> Option<&'static str> {
    if spec.starts_with("npm:") {
        Some("an alias")
    } else if spec.starts_with("file:") || spec.starts_with("link:") {
        Some("a local path")
    } else if spec.contains("://") || spec.starts_with("git") || spec.starts_with("github:") {
        Some("a URL or git repository")
    } else if spec.contains('/') && !spec.contains(' ') {
        Some("a GitHub repository")
    } else {
        None
    }
}

/// Gives the packument of a name; the version, when the caller needs an
/// exact one (a cached packument holding it is good enough).
pub type PackumentSource<'a> = dyn FnMut(&str, Option<&str>) -> Result<Packument, String> + 'a;

/// Lays out `roots` (name, spec) and everything they depend on, asking
/// `packument` for metadata. Roots sit at the top; a failure names the
/// chain of packages that led to it.
pub fn lay_out(
    roots: &[(String, String)],
    packument: &mut PackumentSource<'_>,
) -> Result<Layout, String> {
    let mut layout = Layout::default();
    // (location of the dependent, name, spec, chain for messages)
    let mut queue: VecDeque<(String, String, String, String)> = VecDeque::new();
    for (name, spec) in roots {
        queue.push_back((String::new(), name.clone(), spec.clone(), String::new()));
    }
    while let Some((parent, name, spec, chain)) = queue.pop_front() {
        let chain_here = if chain.is_empty() {
            format!("{name}@{spec}")
        } else {
            format!("{chain} > {name}@{spec}")
        };
        let existing = ancestors(&parent).find_map(|base| {
            let location = format!("{base}node_modules/{name}");
            layout.nodes.get(&location).map(|node| (location, node))
        });
        if let Some((_, node)) = &existing
            && satisfies(&node.version, &spec)
        {
            continue;
        }
        let exact = Version::parse(spec.trim())
            .ok()
            .map(|_| spec.trim().to_string());
        let metadata =
            packument(&name, exact.as_deref()).map_err(|e| format!("{chain_here}: {e}"))?;
        let version = pick(&metadata, &spec).map_err(|e| format!("{chain_here}: {e}"))?;
        let manifest = metadata
            .versions
            .get(&version)
            .cloned()
            .ok_or_else(|| format!("{chain_here}: the registry lists no version {version}"))?;
        // Hoisted to the top when the name is free on the whole path up,
        // else nested under the package that needs it.
        let location = if existing.is_none() {
            format!("node_modules/{name}")
        } else {
            format!("{}node_modules/{name}", with_slash(&parent))
        };
        for (dep, dep_spec) in &manifest.dependencies {
            queue.push_back((
                location.clone(),
                dep.clone(),
                dep_spec.clone(),
                chain_here.clone(),
            ));
        }
        layout.nodes.insert(
            location,
            Node {
                name: name.clone(),
                version,
                manifest,
                dir: PathBuf::new(),
                downloaded: false,
            },
        );
    }
    Ok(layout)
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
                        },
                    )
                })
                .collect(),
        }
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
        let layout = lay_out(&roots, &mut |name, _| {
            registry.get(name).cloned().ok_or_else(|| "404".to_string())
        })
        .unwrap();
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
    fn tags_and_unsupported_specs() {
        let p = packument("x", &[("1.0.0", &[]), ("2.0.0-beta.1", &[])]);
        assert_eq!(pick(&p, "latest").unwrap(), "2.0.0-beta.1");
        assert_eq!(pick(&p, "^1").unwrap(), "1.0.0");
        assert!(pick(&p, "github:user/repo").unwrap_err().contains("git"));
        assert!(pick(&p, "^5").unwrap_err().contains("no version"));
    }
}
