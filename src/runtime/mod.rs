//! What a flow may use of the outside world and which Node it pretends to
//! be: tenant facts (users, dependencies, Actions Modules, the declared
//! runtime), the packages actionbox emulates and where npm packages come
//! from (`npm`). The engine reads them, the tenant folder produces them,
//! and the package installer follows them. It sits below all three so
//! none imports another.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::net::NetPolicy;

pub mod npm;

/// The npm packages actionbox emulates (docs/node.md).
pub const EMULATED_PACKAGES: &[&str] = &[
    "axios",
    "node-fetch",
    "request",
    "request-promise",
    "request-promise-native",
    "jsonwebtoken",
    "uuid",
    "auth0",
];

/// Emulated packages whose real code runs when the registry (or the cache)
/// gives it; the emulation answers only when it cannot (js-runtime/core.js).
pub const REAL_FIRST_PACKAGES: &[&str] = &[
    "jsonwebtoken",
    "uuid",
    "axios",
    "node-fetch",
    "request",
    "request-promise",
    "request-promise-native",
    "auth0",
];

/// Everything about the outside world a flow may use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeConfig {
    /// Folders `require` may load real packages from.
    #[serde(default)]
    pub node_modules: Vec<PathBuf>,
    #[serde(default)]
    pub net: NetPolicy,
    /// Actions Modules: `require('actions:<name>')` → source.
    #[serde(default)]
    pub action_modules: std::collections::BTreeMap<String, String>,
    /// The Node runtime the scripts declare (`node22`, `node18`): what
    /// `process.version` reports.
    #[serde(default)]
    pub runtime: NodeRuntime,
    /// Users of the emulated tenant, besides the one logging in: what the
    /// `auth0` SDK emulation's Management API finds.
    #[serde(default)]
    pub users: std::sync::Arc<Vec<serde_json::Value>>,
    /// The npm dependencies the scripts declare (name → version): the
    /// version an emulated package follows when `require` names none.
    #[serde(default)]
    pub dependencies: std::collections::BTreeMap<String, String>,
    /// Where packages from the npm registry come from and are kept.
    #[serde(default)]
    pub packages: npm::PackageOptions,
    /// The tenant's domain: scripts' requests to `https://{domain}/` are
    /// answered by `tenant` (set by the pipeline for each flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_domain: Option<String>,
    /// What answers them; held by the process that runs the flow (a
    /// worker asks its parent).
    #[serde(skip)]
    pub tenant: crate::net::TenantHandle,
}

/// The Node versions Auth0 offers scripts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeRuntime {
    Node12,
    Node16,
    Node18,
    #[default]
    Node22,
}

impl NodeRuntime {
    /// `node22` → the runtime; anything else is an error naming the choices.
    pub fn parse(text: &str) -> Result<NodeRuntime, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "node12" | "12" => Ok(NodeRuntime::Node12),
            "node16" | "16" => Ok(NodeRuntime::Node16),
            "node18" | "18" | "node18-actions" => Ok(NodeRuntime::Node18),
            "node22" | "22" => Ok(NodeRuntime::Node22),
            other => Err(format!(
                "'{other}' is not a Node runtime Auth0 offers (node12, node16, node18, node22)"
            )),
        }
    }

    /// What `process.version` says: the last release of each line Auth0 ran.
    pub fn version(self) -> &'static str {
        match self {
            NodeRuntime::Node12 => "v12.22.12",
            NodeRuntime::Node16 => "v16.20.2",
            NodeRuntime::Node18 => "v18.20.8",
            NodeRuntime::Node22 => "v22.12.0",
        }
    }
}
