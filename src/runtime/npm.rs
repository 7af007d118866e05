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
            .or_else(|| {
                self.npmrc_dirs
                    .iter()
                    .map(|dir| dir.join(".npmrc"))
                    .chain(dirs::home_dir().map(|home| home.join(".npmrc")))
                    .find_map(|file| registry_from_npmrc(&file))
            })
            .unwrap_or_else(|| PUBLIC_REGISTRY.to_string());
        if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        }
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

/// The `registry=` line of an `.npmrc` file (`${VAR}` expanded as npm does).
fn registry_from_npmrc(file: &Path) -> Option<String> {
    let text = crate::input::read_text(file, crate::input::InputKind::PackageFile).ok()?;
    text.lines().find_map(|line| {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            return None;
        }
        let (key, value) = line.split_once('=')?;
        (key.trim() == "registry").then(|| expand_env(value.trim().trim_matches('"')))
    })
}

fn expand_env(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 2..start + end];
        out.push_str(&std::env::var(name).unwrap_or_default());
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
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
        assert_eq!(
            registry_from_npmrc(&file).as_deref(),
            Some("https://npm.acme.example/npm/")
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
