//! The services of this process: what the engine's host asks of the
//! outside world for scripts (`engine::services::Services`), performed
//! here: a module from the `--node-modules` folders or the npm registry
//! (`packages`), and an HTTP request the network policy allows. A worker
//! process asks its parent, which answers with these.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::modules::{self, Resolved};
use crate::engine::services::Services;
use crate::net::{self, HttpRequest, HttpResponse, NetPolicy};
use crate::packages::{self, PackageOptions, Packages};
use crate::runtime::NodeConfig;

/// The services of this process.
pub(crate) struct LocalServices {
    pub node_modules: Vec<PathBuf>,
    pub net: NetPolicy,
    pub packages: PackageOptions,
    pub dependencies: BTreeMap<String, String>,
    pub tenant_domain: Option<String>,
    pub tenant: crate::net::TenantHandle,
}

impl LocalServices {
    pub(crate) fn for_config(config: &NodeConfig) -> Arc<dyn Services> {
        Arc::new(LocalServices {
            node_modules: config.node_modules.clone(),
            net: config.net.clone(),
            packages: config.packages.clone(),
            dependencies: config.dependencies.clone(),
            tenant_domain: config.tenant_domain.clone(),
            tenant: config.tenant.clone(),
        })
    }
}

/// The package a script's bare `require` found in a `--node-modules`
/// folder, with the version its package.json gives.
fn installed_package(folders: &[PathBuf], request: &str) -> Option<packages::PackageUse> {
    let (name, _) = modules::split_package(request);
    folders.iter().find_map(|folder| {
        let manifest = crate::input::read_json(
            &folder.join(name).join("package.json"),
            crate::input::InputKind::PackageFile,
        )
        .ok()?;
        Some(packages::PackageUse {
            name: name.to_string(),
            version: manifest.get("version")?.as_str()?.to_string(),
            source: packages::PackageSource::NodeModules,
        })
    })
}

impl Services for LocalServices {
    /// `request` may carry a version (`lodash@4.17.19`). A file of a
    /// registry package resolves within its install; anything else tries
    /// the `--node-modules` folders first, then the registry.
    fn resolve_module(&self, from: &str, request: &str) -> Result<Resolved, String> {
        let registry = || Packages::for_options(&self.packages);
        if let Some(result) = registry().resolve_from_package(from, request) {
            return result.map_err(|why| format!("Cannot find module '{request}': {why}"));
        }
        let (unversioned, version) = packages::split_version(request);
        let local = if self.node_modules.is_empty() {
            Err(String::new())
        } else {
            modules::resolve(&self.node_modules, from, &unversioned)
        };
        // A versioned request names a registry version, not whatever the
        // folder holds.
        if version.is_none()
            && let Ok(found) = &local
        {
            let mut found = found.clone();
            if !modules::is_path_request(&unversioned) && !from.starts_with('/') {
                found.package = installed_package(&self.node_modules, &unversioned);
            }
            return Ok(found);
        }
        if modules::is_path_request(&unversioned) || !packages::is_registry_request(request) {
            return local.map_err(|why| {
                if why.is_empty() {
                    format!("Cannot find module '{request}'")
                } else {
                    why
                }
            });
        }
        let rule = from == packages::RULES_REQUIRER;
        registry()
            .resolve_from_script(request, rule, &self.dependencies)
            .map_err(|why| match local {
                Err(local_why) if !local_why.is_empty() => {
                    format!(
                        "Cannot find module '{request}': {why} (and {})",
                        local_why
                            .trim_start_matches(&format!("Cannot find module '{unversioned}': "))
                    )
                }
                _ => format!("Cannot find module '{request}': {why}"),
            })
    }

    fn fetch(&self, request: &HttpRequest, budget: Duration) -> Result<HttpResponse, String> {
        if net::is_tenant_request(&self.net, self.tenant_domain.as_deref(), &request.url) {
            return match &self.tenant.0 {
                Some(tenant) => Ok(tenant.answer(request)),
                None => Err(format!(
                    "refused: {} is the tenant's own domain, and no tenant answers it here",
                    self.tenant_domain.as_deref().unwrap_or_default()
                )),
            };
        }
        if let Some(why) = net::refusal(&self.net, &request.url) {
            return Err(format!("refused: {why}"));
        }
        net::perform(&self.net, request, budget)
    }
}
