//! Which npm packages a run loaded, and from where: a row of the
//! outcome's `packages`.

use serde::{Deserialize, Serialize};

/// Where a package a run used came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageSource {
    /// Downloaded from the registry for this run.
    Registry,
    /// Already in the package cache.
    Cache,
    /// A folder given with `--node-modules`.
    NodeModules,
    /// actionbox's emulation answered (docs/node.md).
    Emulated,
}

/// A package a run loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageUse {
    pub name: String,
    pub version: String,
    pub source: PackageSource,
}
