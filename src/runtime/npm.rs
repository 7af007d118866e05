//! Where packages come from and where they are kept: the registry named by
//! npm's own configuration (so a company mirror set up for npm works here
//! too) and the cache directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The public registry, when npm's configuration names none.
pub const PUBLIC_REGISTRY: &str = "https://registry.npmjs.org/";

/// How a flow gets its npm packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PackageOptions {
    /// The registry's URL; `None` follows npm's configuration
    /// (`npm_config_registry`, then `registry=` in `.npmrc`).
    #[serde(default)]
    pub registry: Option<String>,
    /// Where packages are kept; `None` is `ACTIONBOX_CACHE_DIR`, else the
    /// user's cache directory.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// Use only what the cache holds; never ask the registry.
    #[serde(default)]
    pub offline: bool,
    /// Folders whose `.npmrc` is read before the user's (the tenant folder,
    /// the current directory), nearest first.
    #[serde(default)]
    pub npmrc_dirs: Vec<PathBuf>,
}

impl PackageOptions {
    /// The registry URL, always ending in `/`.
    pub fn registry_url(&self) -> String {
        let url = self
            .registry
            .clone()
            .or_else(registry_from_env)
            .or_else(|| self.npmrc().get("registry"))
            .unwrap_or_else(|| PUBLIC_REGISTRY.to_string());
        if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        }
    }

    /// npm's settings from the `.npmrc` files actionbox reads: those of
    /// `npmrc_dirs`, then the user's; a key in a nearer file wins, as in npm.
    pub fn npmrc(&self) -> Npmrc {
        let files: Vec<PathBuf> = self
            .npmrc_dirs
            .iter()
            .map(|dir| dir.join(".npmrc"))
            .chain(dirs::home_dir().map(|home| home.join(".npmrc")))
            .collect();
        Npmrc::read(&files)
    }

    /// The cache directory.
    pub fn cache_root(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .or_else(|| {
                std::env::var_os("ACTIONBOX_CACHE_DIR")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| dirs::cache_dir().map(|dir| dir.join("actionbox")))
            .unwrap_or_else(|| std::env::temp_dir().join("actionbox-cache"))
    }
}

fn registry_from_env() -> Option<String> {
    ["npm_config_registry", "NPM_CONFIG_REGISTRY"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The settings of `.npmrc` files, merged (the first file that sets a key
/// wins), with `${VAR}` expanded as npm expands it.
#[derive(Clone, Default)]
pub struct Npmrc {
    /// key → (value, the file that set it)
    entries: Vec<(String, String, PathBuf)>,
    /// `${VAR}`s that were not set, with the key and file using them.
    pub unset: Vec<(String, String, PathBuf)>,
}

// Values can be credentials: never printed.
impl std::fmt::Debug for Npmrc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Npmrc")
            .field(
                "keys",
                &self.entries.iter().map(|(k, _, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Credentials for one registry path, from `.npmrc`'s `//host/path/:KEY=`.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// `_authToken`: sent as `Authorization: Bearer TOKEN`.
    Token(String),
    /// `_auth` (base64 `user:password`), or `username` and `_password`
    /// (base64 password): sent as `Authorization: Basic ...`.
    Basic(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Token(_) => f.write_str("Token([masked])"),
            Credential::Basic(_) => f.write_str("Basic([masked])"),
        }
    }
}

impl Credential {
    /// The `Authorization` header's value.
    pub fn header(&self) -> String {
        match self {
            Credential::Token(token) => format!("Bearer {token}"),
            Credential::Basic(pair) => format!("Basic {pair}"),
        }
    }
}

impl Npmrc {
    pub fn read(files: &[PathBuf]) -> Npmrc {
        let mut npmrc = Npmrc::default();
        for file in files {
            let Ok(text) = crate::input::read_text(file, crate::input::InputKind::PackageFile)
            else {
                continue;
            };
            npmrc.add(&text, file);
        }
        npmrc
    }

    fn add(&mut self, text: &str, file: &Path) {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim().to_string();
            if self.entries.iter().any(|(k, _, _)| *k == key) {
                continue;
            }
            let raw = value.trim().trim_matches('"');
            let (value, missing) = expand_env(raw);
            for name in missing {
                self.unset.push((name, key.clone(), file.to_path_buf()));
            }
            self.entries.push((key, value, file.to_path_buf()));
        }
    }

    /// A setting's value.
    pub fn get(&self, key: &str) -> Option<String> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.clone())
            .filter(|v| !v.is_empty())
    }

    /// The file that set `key`.
    pub fn source(&self, key: &str) -> Option<&Path> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, file)| file.as_path())
    }

    /// The credentials npm would send with a request to `url`: those of
    /// the longest `//host[:port]/path/` prefix of the URL (its "nerf
    /// dart") that has any, walking up the path as npm does. Returns the
    /// key prefix too, for messages (never the secret).
    pub fn credential_for(&self, url: &str) -> Option<(String, Credential)> {
        let rest = url
            .strip_prefix("https:")
            .or_else(|| url.strip_prefix("http:"))?;
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        let mut prefix = match rest.rfind('/') {
            Some(slash) => rest[..=slash].to_string(),
            None => format!("{rest}/"),
        };
        loop {
            if let Some(found) = self.credential_at(&prefix) {
                return Some((prefix, found));
            }
            // Up one path segment: `//h/a/b/` → `//h/a/`; stop at `//h/`.
            let trimmed = prefix.trim_end_matches('/');
            match trimmed.rfind('/') {
                Some(slash) if slash > 1 => prefix = trimmed[..=slash].to_string(),
                _ => return None,
            }
        }
    }

    fn credential_at(&self, prefix: &str) -> Option<Credential> {
        if let Some(token) = self.get(&format!("{prefix}:_authToken")) {
            return Some(Credential::Token(token));
        }
        if let Some(auth) = self.get(&format!("{prefix}:_auth")) {
            return Some(Credential::Basic(auth));
        }
        let user = self.get(&format!("{prefix}:username"))?;
        let password = self.get(&format!("{prefix}:_password"))?;
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::STANDARD;
        let password = engine.decode(password.as_bytes()).ok()?;
        let mut pair = format!("{user}:").into_bytes();
        pair.extend(password);
        Some(Credential::Basic(engine.encode(pair)))
    }

    /// The certificate authorities file npm's `cafile=` names.
    pub fn cafile(&self) -> Option<PathBuf> {
        self.get("cafile").map(PathBuf::from)
    }
}

/// `value` with each `${VAR}` replaced by the variable (empty when unset),
/// and the names of those that were unset.
fn expand_env(value: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut missing = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return (out, missing);
        };
        let name = &rest[start + 2..start + end];
        match std::env::var(name) {
            Ok(found) => out.push_str(&found),
            Err(_) => missing.push(name.to_string()),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npmrc_registry_line_is_read_and_expanded() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".npmrc");
        std::fs::write(
            &file,
            "# company mirror\n@acme:registry=https://npm.acme.example/scoped/\nregistry = \"https://npm.acme.example/${ACTIONBOX_TEST_UNSET_VARIABLE}npm/\"\n",
        )
        .unwrap();
        let npmrc = Npmrc::read(&[file]);
        assert_eq!(
            npmrc.get("registry").as_deref(),
            Some("https://npm.acme.example/npm/")
        );
        assert_eq!(npmrc.unset[0].0, "ACTIONBOX_TEST_UNSET_VARIABLE");
        assert_eq!(npmrc.cafile(), None);
        std::fs::write(dir.path().join("b"), "cafile = /etc/company/ca.pem\n").unwrap();
        let npmrc = Npmrc::read(&[dir.path().join("b")]);
        assert_eq!(npmrc.cafile(), Some(PathBuf::from("/etc/company/ca.pem")));
    }

    #[test]
    fn credentials_follow_the_longest_matching_registry_path_and_never_print() {
        let dir = tempfile::tempdir().unwrap();
        let near = dir.path().join("near");
        let far = dir.path().join("far");
        std::fs::write(
            &near,
            "//npm.acme.example/:_authToken=near-token\n//npm.acme.example/team/:_auth=dXNlcjpwYXNz\n",
        )
        .unwrap();
        std::fs::write(
            &far,
            "//npm.acme.example/:_authToken=far-token\n//other.example:8443/:username=bob\n//other.example:8443/:_password=c2VjcmV0\n",
        )
        .unwrap();
        let npmrc = Npmrc::read(&[near, far]);
        let found = |url: &str| {
            npmrc
                .credential_for(url)
                .map(|(prefix, c)| (prefix, c.header()))
        };
        assert_eq!(
            found("https://npm.acme.example/lodash"),
            Some(("//npm.acme.example/".into(), "Bearer near-token".into()))
        );
        assert_eq!(
            found("https://npm.acme.example/team/pkg/-/pkg-1.0.0.tgz"),
            Some((
                "//npm.acme.example/team/".into(),
                "Basic dXNlcjpwYXNz".into()
            ))
        );
        assert_eq!(
            found("http://other.example:8443/x"),
            Some((
                "//other.example:8443/".into(),
                "Basic Ym9iOnNlY3JldA==".into()
            ))
        );
        assert_eq!(found("https://registry.npmjs.org/lodash"), None);
        let printed = format!(
            "{npmrc:?} {:?}",
            npmrc.credential_for("https://npm.acme.example/x")
        );
        assert!(
            !printed.contains("near-token") && !printed.contains("far-token"),
            "{printed}"
        );
    }

    #[test]
    fn explicit_registry_gains_a_trailing_slash() {
        let options = PackageOptions {
            registry: Some("http://127.0.0.1:4873".into()),
            ..PackageOptions::default()
        };
        assert_eq!(options.registry_url(), "http://127.0.0.1:4873/");
    }
}
