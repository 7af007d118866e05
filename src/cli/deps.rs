//! `actionbox deps fetch`: fill the package cache with what scripts or a
//! tenant need, for CI caches and air-gapped machines (docs/packages.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use actionbox::packages::{self, PackageOptions, PackageSource};
use actionbox::script::{Script, ScriptKind};
use actionbox::tenant::{Keywords, TenantFolder};

#[derive(Args, Debug)]
pub struct DepsArgs {
    #[command(subcommand)]
    command: DepsCommand,
}

#[derive(Subcommand, Debug)]
enum DepsCommand {
    /// Download into the package cache every npm package the scripts
    /// require (Rules) or declare (Actions), with their dependencies
    Fetch(FetchArgs),
}

#[derive(Args, Debug)]
struct FetchArgs {
    /// Rules and Actions whose packages to fetch
    #[arg(value_name = "SCRIPT", required_unless_present = "tenant")]
    scripts: Vec<PathBuf>,

    /// A Deploy CLI tenant folder: its Rules, and its Actions' and
    /// Actions Modules' declared dependencies
    #[arg(long, value_name = "DIR")]
    tenant: Option<PathBuf>,

    /// A dependency the Actions declare, as NAME@VERSION; repeatable
    #[arg(long = "dependency", value_name = "NAME@VERSION")]
    dependencies: Vec<String>,

    /// The package cache (default: ACTIONBOX_CACHE_DIR, else the user's
    /// cache directory)
    #[arg(long = "cache-dir", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

pub fn execute(args: DepsArgs) -> Result<i32> {
    let DepsCommand::Fetch(args) = args.command;
    let mut declared = BTreeMap::new();
    for dependency in &args.dependencies {
        match dependency.rsplit_once('@') {
            Some((name, version)) if !name.is_empty() && !version.is_empty() => {
                declared.insert(name.to_string(), version.to_string());
            }
            _ => bail!("--dependency {dependency}: expected NAME@VERSION, e.g. lodash@4.17.21"),
        }
    }
    let mut rules = Vec::new();
    let mut actions = Vec::new();
    for path in &args.scripts {
        let script = Script::from_file(path)?;
        match script.kind {
            ScriptKind::Rule => rules.push(script.source.to_string()),
            ScriptKind::Action(_) => actions.push(script.source.to_string()),
        }
    }
    if let Some(dir) = &args.tenant {
        let folder = TenantFolder::load(dir, &Keywords::empty())?;
        rules.extend(folder.rules.iter().map(|r| r.source.clone()));
        for action in folder.actions.values() {
            actions.push(action.source.clone());
            for (name, version) in &action.dependencies {
                declared
                    .entry(name.clone())
                    .or_insert_with(|| version.clone());
            }
        }
        for module in folder.action_modules.values() {
            for (name, version) in &module.dependencies {
                declared
                    .entry(name.clone())
                    .or_insert_with(|| version.clone());
            }
        }
    }
    let options = PackageOptions {
        cache_dir: args.cache_dir.clone(),
        npmrc_dirs: args
            .tenant
            .iter()
            .cloned()
            .chain(std::env::current_dir().ok())
            .collect(),
        ..PackageOptions::default()
    };
    let rule_sources: Vec<&str> = rules.iter().map(String::as_str).collect();
    let action_sources: Vec<&str> = actions.iter().map(String::as_str).collect();
    let fetched = packages::prefetch_all(&options, &declared, &rule_sources, &action_sources)
        .map_err(anyhow::Error::msg)?;
    let registry = packages::Packages::for_options(&options);
    let mut out = String::new();
    if fetched.used.is_empty() && fetched.failures.is_empty() {
        out.push_str("nothing to fetch: the scripts require no npm packages\n");
    }
    for package in &fetched.used {
        let how = match package.source {
            PackageSource::Registry => "downloaded",
            _ => "already cached",
        };
        out.push_str(&format!("{}@{}  {how}\n", package.name, package.version));
    }
    for failure in &fetched.failures {
        out.push_str(&format!("failed: {failure}\n"));
    }
    out.push_str(&format!(
        "cache: {} (registry {})\n",
        registry.cache.display(),
        registry.registry_url()
    ));
    super::render::emit(&out)?;
    Ok(if fetched.failures.is_empty() { 0 } else { 1 })
}
