//! The npm registry, asked by the host only: package metadata (packuments)
//! and tarballs. Packuments are kept in the cache so resolving works offline
//! and a pinned version needs no network once fetched.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::config::Npmrc;
use super::store::MAX_TARBALL_BYTES;

/// A cached packument younger than this answers a range without asking
/// the registry again (npm revalidates after a few minutes too).
const FRESH_FOR: Duration = Duration::from_secs(600);
const MAX_PACKUMENT_BYTES: u64 = 64 << 20;

/// What actionbox reads of a packument.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Packument {
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "dist-tags")]
    pub dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub versions: BTreeMap<String, Manifest>,
}

/// One version's metadata. Fields other than `dist` are read leniently:
/// old versions of real packages carry odd shapes (arrays for maps, a
/// string for `os`), and one odd version must not make the whole package
/// unreadable.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Manifest {
    #[serde(default, deserialize_with = "string_map")]
    pub dependencies: BTreeMap<String, String>,
    /// Installed when they can be; skipped (as npm does) when they cannot.
    #[serde(
        default,
        rename = "optionalDependencies",
        deserialize_with = "string_map"
    )]
    pub optional_dependencies: BTreeMap<String, String>,
    /// Installed next to the package, as npm 7 and later do.
    #[serde(default, rename = "peerDependencies", deserialize_with = "string_map")]
    pub peer_dependencies: BTreeMap<String, String>,
    /// `{"name": {"optional": true}}`: a peer npm does not install.
    #[serde(default, rename = "peerDependenciesMeta")]
    pub peer_dependencies_meta: serde_json::Value,
    /// Platforms the package runs on (`["darwin"]`, `["!win32"]`).
    #[serde(default, deserialize_with = "string_list")]
    pub os: Vec<String>,
    #[serde(default, deserialize_with = "string_list")]
    pub cpu: Vec<String>,
    #[serde(default)]
    pub dist: Dist,
}

impl Manifest {
    /// Whether `peerDependenciesMeta` marks the peer `name` optional.
    pub fn peer_is_optional(&self, name: &str) -> bool {
        self.peer_dependencies_meta
            .get(name)
            .and_then(|meta| meta.get("optional"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }
}

/// A map of names to specs; anything else (an array, `null`) is empty and
/// non-string values are dropped.
fn string_map<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default())
}

/// A list of strings; a lone string is a list of one.
fn string_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(match value {
        serde_json::Value::String(one) => vec![one],
        serde_json::Value::Array(all) => all
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Dist {
    #[serde(default)]
    pub tarball: String,
    #[serde(default)]
    pub integrity: Option<String>,
    #[serde(default)]
    pub shasum: Option<String>,
}

/// Why a packument is unavailable.
#[derive(Debug, Clone)]
pub enum RegistryError {
    /// Offline and not in the cache.
    Missing,
    /// The registry has no such package.
    NoSuchPackage,
    Failed(String),
}

pub struct Registry {
    pub url: String,
    cache: PathBuf,
    offline: bool,
    /// npm's settings: credentials per registry path, `cafile`.
    npmrc: Npmrc,
}

impl Registry {
    pub fn new(url: String, npm_root: &std::path::Path, offline: bool, npmrc: Npmrc) -> Registry {
        for (variable, key, file) in &npmrc.unset {
            tracing::warn!(
                "{}: {key} uses ${{{variable}}}, which is not set; npm would fail here, actionbox goes on without it",
                file.display()
            );
        }
        Registry {
            url,
            cache: npm_root.join("packuments"),
            offline,
            npmrc,
        }
    }

    fn cache_file(&self, name: &str) -> PathBuf {
        self.cache
            .join(format!("{}.json", name.replace('/', "%2f")))
    }

    /// The packument of `name`; `pinned` is a version the caller needs: a
    /// cached packument holding it is used whatever its age (a published
    /// version never changes).
    pub fn packument(&self, name: &str, pinned: Option<&str>) -> Result<Packument, RegistryError> {
        let file = self.cache_file(name);
        let cached = || -> Option<Packument> {
            let text = fs::read(&file).ok()?;
            serde_json::from_slice(&text).ok()
        };
        if self.offline {
            return cached().ok_or(RegistryError::Missing);
        }
        let fresh = fs::metadata(&file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age < FRESH_FOR);
        if let Some(packument) = cached()
            && (fresh || pinned.is_some_and(|v| packument.versions.contains_key(v)))
        {
            return Ok(packument);
        }
        let url = format!("{}{}", self.url, name.replace('/', "%2f"));
        let bytes = match self.get(&url, MAX_PACKUMENT_BYTES, true) {
            Ok(bytes) => bytes,
            Err(GetError::NotFound) => return Err(RegistryError::NoSuchPackage),
            Err(GetError::Failed(why)) => {
                // The cached copy, however old, beats failing.
                if let Some(packument) = cached() {
                    tracing::warn!(
                        package = name,
                        "registry unreachable ({why}); using the cached metadata"
                    );
                    return Ok(packument);
                }
                return Err(RegistryError::Failed(why));
            }
        };
        let packument: Packument = serde_json::from_slice(&bytes).map_err(|e| {
            RegistryError::Failed(format!("{url} did not answer npm package metadata ({e})"))
        })?;
        if fs::create_dir_all(&self.cache).is_ok() {
            // Written whole then renamed: readers never see half a file.
            if let Ok(mut temp) = tempfile::NamedTempFile::new_in(&self.cache)
                && std::io::Write::write_all(&mut temp, &bytes).is_ok()
            {
                let _ = temp.persist(&file);
            }
        }
        Ok(packument)
    }

    /// Downloads a tarball.
    pub fn tarball(&self, url: &str) -> Result<Vec<u8>, String> {
        self.get(url, MAX_TARBALL_BYTES, false)
            .map_err(|e| match e {
                GetError::NotFound => format!("{url}: 404 Not Found"),
                GetError::Failed(why) => why,
            })
    }
}

enum GetError {
    NotFound,
    Failed(String),
}

/// Certificate authorities npm (through Node) trusts beyond the built-in
/// ones: `NODE_EXTRA_CA_CERTS`, and npm's `cafile` setting, given in the
/// environment (`npm_config_cafile`) or in `.npmrc` (`cafile=`). Company
/// mirrors and TLS-inspecting proxies sign with such roots; without them
/// the registry npm reaches would be unreachable here.
fn extra_roots(npmrc_cafile: Option<PathBuf>) -> Vec<reqwest::Certificate> {
    let mut roots = Vec::new();
    let from_env = [
        "NODE_EXTRA_CA_CERTS",
        "npm_config_cafile",
        "NPM_CONFIG_CAFILE",
    ]
    .into_iter()
    .filter_map(|var| {
        std::env::var_os(var)
            .filter(|p| !p.is_empty())
            .map(|p| (var.to_string(), PathBuf::from(p)))
    });
    let from_npmrc = npmrc_cafile.map(|path| (".npmrc cafile".to_string(), path));
    for (setting, path) in from_env.chain(from_npmrc) {
        match crate::input::read_bytes(&path, crate::input::InputKind::Key)
            .map_err(|e| e.to_string())
            .and_then(|pem| reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| e.to_string()))
        {
            Ok(found) => roots.extend(found),
            Err(why) => tracing::warn!(
                "{setting}: cannot read certificate authorities from {}: {why}",
                path.display()
            ),
        }
    }
    roots
}

impl Registry {
    /// GETs `url` with the credentials `.npmrc` gives its path (never
    /// logged: the header is marked sensitive and messages name only the
    /// `.npmrc` key).
    fn get(&self, url: &str, limit: u64, metadata: bool) -> Result<Vec<u8>, GetError> {
        let mut builder = reqwest::blocking::Client::builder();
        for root in extra_roots(self.npmrc.cafile()) {
            builder = builder.add_root_certificate(root);
        }
        let client = builder
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(300))
            .user_agent(concat!(
                "actionbox/",
                env!("CARGO_PKG_VERSION"),
                " (npm-compatible)"
            ))
            .build()
            .map_err(|e| GetError::Failed(format!("cannot make an HTTP client: {e}")))?;
        let mut request = client.get(url);
        if metadata {
            // The abbreviated form npm itself installs from: much smaller.
            request = request.header(
                "accept",
                "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*",
            );
        }
        let credential = self.npmrc.credential_for(url);
        if let Some((_, credential)) = &credential {
            let mut value =
                reqwest::header::HeaderValue::from_str(&credential.header()).map_err(|_| {
                    GetError::Failed(format!(
                        "{url}: the .npmrc credential for it is not a valid header value"
                    ))
                })?;
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let response = request
            .send()
            .map_err(|e| GetError::Failed(format!("{url}: {e}")))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(GetError::NotFound);
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            let hint = match &credential {
                Some((prefix, _)) => format!(
                    "the credential of `{prefix}:...` in {} was refused",
                    self.npmrc
                        .source(&format!("{prefix}:_authToken"))
                        .or_else(|| self.npmrc.source(&format!("{prefix}:_auth")))
                        .or_else(|| self.npmrc.source(&format!("{prefix}:username")))
                        .map_or_else(|| ".npmrc".to_string(), |p| p.display().to_string())
                ),
                None => {
                    let nerf = url
                        .split_once("//")
                        .and_then(|(_, rest)| rest.split('/').next())
                        .unwrap_or("HOST");
                    let prefix = format!("//{nerf}/");
                    match self
                        .npmrc
                        .unset
                        .iter()
                        .find(|(_, key, _)| key.starts_with(&prefix))
                    {
                        Some((variable, key, file)) => format!(
                            "no credential was sent: `{key}` in {} uses ${{{variable}}}, which is not set",
                            file.display()
                        ),
                        None => format!(
                            "no credential was sent: add `{prefix}:_authToken=${{NPM_TOKEN}}` to the project's or your .npmrc, as npm reads it"
                        ),
                    }
                }
            };
            return Err(GetError::Failed(format!("{url}: HTTP {status}: {hint}")));
        }
        if !status.is_success() {
            return Err(GetError::Failed(format!("{url}: HTTP {status}")));
        }
        let mut bytes = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| GetError::Failed(format!("{url}: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(GetError::Failed(format!(
                "{url}: larger than {limit} bytes; refused"
            )));
        }
        Ok(bytes)
    }
}
