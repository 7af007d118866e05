//! Options shared by every command that runs scripts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::Value;

use actionbox::input::{self, InputKind};
use actionbox::tenant::{Keywords, TenantFlow, TenantFolder};
use actionbox::{
    CustomClaimsMode, Flow, Limits, NodeConfig, NodeRuntime, Runner, Script, ScriptKind, Settings,
    Trigger,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: status first, then effects, then logs
    Pretty,
    /// One JSON object, the contract scripts can rely on
    Json,
}

/// `compare` and `migrate` also write a page people can look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: the verdicts, then the differences with their causes
    Pretty,
    /// One JSON object, the contract scripts can rely on
    Json,
    /// One self-contained HTML page (no script, font or request): both
    /// sides' tokens side by side, every difference with its cause and fix
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Isolation {
    /// Sandboxed worker processes, killed at the deadline: every limit is hard
    Process,
    /// Threads of this process: faster to start, but a script stuck inside
    /// an uninterruptible builtin holds its thread past the deadline
    Thread,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClaimsMode {
    /// Auth0 since July 2022: non-namespaced custom claims are allowed
    Current,
    /// "Custom claims must be namespaced" is still on for the tenant
    Legacy,
}

#[derive(Args, Debug, Clone)]
pub struct ExecOptions {
    /// A tenant exported with the Auth0 Deploy CLI (a folder, or its
    /// tenant.yaml): runs the flow of --trigger as the tenant binds it,
    /// with settings from DIR/actionbox.json
    #[arg(long, value_name = "DIR")]
    pub tenant: Option<PathBuf>,

    /// Keyword replacement mappings for the tenant folder (a JSON object,
    /// or a Deploy CLI config.json with AUTH0_KEYWORD_REPLACE_MAPPINGS;
    /// default: DIR/keywords.json when present)
    #[arg(long, value_name = "FILE")]
    pub keywords: Option<PathBuf>,

    /// Secret values the export hides, as {"<action>": {"NAME": "value"}}
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,

    /// Tenant settings (domain, clients, APIs, keys, configuration, secrets)
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,

    /// The trigger the Actions are bound to (default: recognised from the handler they export)
    #[arg(long, value_name = "NAME")]
    pub trigger: Option<Trigger>,

    /// Fix the clock (RFC 3339, e.g. 2026-11-26T09:15:00Z or
    /// 2026-11-26T04:15:00-05:00) so outputs are reproducible
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// The tenant's custom-claim rules (overrides the settings)
    #[arg(long, value_enum, value_name = "MODE")]
    pub custom_claims: Option<ClaimsMode>,

    /// The event's client is not OIDC-conformant: legacy scope words copy
    /// user attributes into the ID token
    #[arg(long)]
    pub legacy_client: bool,

    /// The whole flow's deadline, e.g. 5s or 500ms (Auth0 allows 20s; at
    /// most 5m)
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,

    /// Memory per execution, e.g. 64MiB (1MiB to 1GiB)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory: Option<usize>,

    /// Where scripts run
    #[arg(long, value_enum, default_value_t = Isolation::Process)]
    pub isolation: Isolation,

    /// A node_modules folder real packages may be loaded from (the
    /// Action's dependencies installed with npm); repeatable
    #[arg(long = "node-modules", value_name = "DIR")]
    pub node_modules: Vec<PathBuf>,

    /// Hosts scripts may call (api.example.com, *.example.com, or * for any
    /// public host); off by default
    #[arg(long = "allow-net", value_name = "HOST[,HOST]", value_delimiter = ',')]
    pub allow_net: Vec<String>,

    /// Answer requests from a file of mocks (request matchers → responses)
    #[arg(long = "http-mock", value_name = "FILE")]
    pub http_mock: Option<PathBuf>,

    /// An Actions Module, reachable as require('actions:NAME'); repeatable
    #[arg(long = "module", value_name = "NAME=FILE")]
    pub modules: Vec<String>,

    /// The Node runtime scripts declare: node22 (default), node18, node16,
    /// node12 (what process.version reports)
    #[arg(long = "node-runtime", value_name = "RUNTIME", value_parser = NodeRuntime::parse)]
    pub node_runtime: Option<NodeRuntime>,

    /// An npm dependency the scripts declare, as NAME@VERSION (e.g.
    /// auth0@4.37.0): the API an emulated package follows; repeatable
    #[arg(long = "dependency", value_name = "NAME@VERSION")]
    pub dependencies: Vec<String>,

    /// Use only packages already in the package cache; never ask the npm
    /// registry (fill the cache first with `actionbox deps fetch`)
    #[arg(long)]
    pub offline: bool,

    /// The package cache (default: ACTIONBOX_CACHE_DIR, else the user's
    /// cache directory); the npm registry is npm's own setting
    /// (npm_config_registry, or registry= in .npmrc)
    #[arg(long = "cache-dir", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// A JSON array of users for the auth0 SDK emulation's Management API
    /// to find, besides the user logging in
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
}

pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration like 5s or 500ms ({e})"))
}

/// A flow's deadline: above zero and at most [`actionbox::engine::MAX_TIMEOUT`].
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    let limits = Limits {
        timeout,
        ..Limits::default()
    };
    limits.check().map_err(|e| format!("'{text}': {e}"))?;
    Ok(timeout)
}

fn parse_size(text: &str) -> Result<usize, String> {
    let size: bytesize::ByteSize = text
        .trim()
        .parse()
        .map_err(|e| format!("'{text}' is not a size like 64MiB ({e})"))?;
    let memory_bytes = usize::try_from(size.as_u64())
        .map_err(|_| format!("'{text}' is more than actionbox can honour, 1GiB per execution"))?;
    let limits = Limits {
        memory_bytes,
        ..Limits::default()
    };
    limits.check().map_err(|e| format!("'{text}': {e}"))?;
    Ok(memory_bytes)
}

impl ExecOptions {
    /// The options of a command that only reads a tenant folder (`tenant
    /// DIR`): everything that shapes a run left at its default.
    pub fn for_tenant(
        tenant: PathBuf,
        keywords: Option<PathBuf>,
        secrets: Option<PathBuf>,
        settings: Option<PathBuf>,
        node_modules: Vec<PathBuf>,
    ) -> ExecOptions {
        ExecOptions {
            tenant: Some(tenant),
            keywords,
            secrets,
            settings,
            trigger: None,
            now: None,
            custom_claims: None,
            legacy_client: false,
            timeout: None,
            memory: None,
            isolation: Isolation::Process,
            node_modules,
            allow_net: Vec::new(),
            http_mock: None,
            modules: Vec::new(),
            node_runtime: None,
            dependencies: Vec::new(),
            offline: false,
            cache_dir: None,
            users: None,
        }
    }

    pub fn settings(&self) -> Result<Settings> {
        let tenant_settings = self
            .tenant_dir()
            .map(|dir| dir.join("actionbox.json"))
            .filter(|p| p.is_file());
        let mut settings = match self.settings.as_ref().or(tenant_settings.as_ref()) {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        if let Some(path) = &self.secrets {
            let secrets = actionbox::tenant::read_secrets(path)?;
            for (action, values) in secrets {
                settings.secrets.entry(action).or_default().extend(values);
            }
        }
        if let Some(now) = &self.now {
            actionbox::tenant::parse_time(now).map_err(|e| anyhow::anyhow!("--now: {e}"))?;
            settings.now = Some(now.clone());
        }
        match self.custom_claims {
            Some(ClaimsMode::Current) => settings.custom_claims = CustomClaimsMode::Current,
            Some(ClaimsMode::Legacy) => settings.custom_claims = CustomClaimsMode::LegacyNamespaced,
            None => {}
        }
        settings.legacy_client |= self.legacy_client;
        Ok(settings)
    }

    /// The runner for this command: worker processes of this very binary,
    /// unless threads were asked for.
    pub fn runner(&self) -> Runner {
        match (self.isolation, std::env::current_exe()) {
            (Isolation::Process, Ok(program)) => Runner::with_worker_processes(program),
            _ => Runner::new(),
        }
    }

    /// Modules, network access and mocks.
    pub fn node(&self) -> Result<NodeConfig> {
        let mut node = NodeConfig::default();
        for dir in &self.node_modules {
            if !dir.is_dir() {
                bail!("--node-modules {}: not a folder", dir.display());
            }
            node.node_modules.push(dir.clone());
        }
        node.net.allow = self
            .allow_net
            .iter()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect();
        if let Some(path) = &self.http_mock {
            node.net.mocks = actionbox::net::NetPolicy::read_mocks(path)?;
        }
        for module in &self.modules {
            let Some((name, file)) = module.split_once('=') else {
                bail!("--module {module}: expected NAME=FILE");
            };
            let source = input::read_text(Path::new(file), InputKind::Script)
                .with_context(|| format!("--module {name}"))?;
            node.action_modules.insert(name.trim().to_string(), source);
        }
        for dependency in &self.dependencies {
            // `@scope/name@1.2.3`: the version follows the last '@'.
            match dependency.rsplit_once('@') {
                Some((name, version)) if !name.is_empty() && !version.is_empty() => {
                    input::check_dependency(name, version)
                        .map_err(|e| anyhow::anyhow!("--dependency {dependency}: {e}"))?;
                    node.dependencies
                        .insert(name.to_string(), version.to_string());
                }
                _ => bail!("--dependency {dependency}: expected NAME@VERSION, e.g. auth0@4.37.0"),
            }
        }
        if let Some(runtime) = self.node_runtime {
            node.runtime = runtime;
        }
        node.packages.offline = self.offline;
        node.packages.cache_dir = self.cache_dir.clone();
        // A project .npmrc next to the tenant, or in the current folder.
        node.packages.npmrc_dirs = self
            .tenant_dir()
            .into_iter()
            .chain(std::env::current_dir().ok())
            .collect();
        if let Some(path) = &self.users {
            let users = actionbox::event::read_users(path)?;
            node.users = users.into();
        }
        Ok(node)
    }

    pub fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        if let Some(timeout) = self.timeout {
            limits.timeout = timeout;
        }
        if let Some(memory) = self.memory {
            limits.memory_bytes = memory;
        }
        limits
    }

    /// Loads the scripts and works out the trigger they run on.
    pub fn scripts(&self, paths: &[PathBuf]) -> Result<(Trigger, Vec<Script>)> {
        let mut scripts = Vec::new();
        for path in paths {
            let script = match self.trigger {
                Some(trigger) => {
                    let script = Script::from_file(path);
                    match script {
                        Ok(s) if s.is_rule() => s,
                        Ok(mut s) => {
                            s.kind = ScriptKind::Action(trigger);
                            s
                        }
                        Err(actionbox::Error::UnknownScriptKind { .. }) => {
                            let source = input::read_text(path, InputKind::Script)?;
                            let name = file_name(path);
                            let mut s =
                                Script::with_kind(name, source, ScriptKind::Action(trigger));
                            s.path = Some(path.clone());
                            s
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                None => Script::from_file(path)?,
            };
            scripts.push(script);
        }
        let trigger = match self.trigger {
            Some(trigger) => trigger,
            None => {
                let mut triggers = scripts.iter().filter_map(|s| match s.kind {
                    ScriptKind::Action(t) => Some(t),
                    ScriptKind::Rule => None,
                });
                let first = triggers.next().unwrap_or(Trigger::PostLogin);
                if let Some(other) = triggers.find(|t| *t != first) {
                    bail!(
                        "the Actions given are for different triggers ({first} and {other}); run one trigger at a time or pass --trigger"
                    );
                }
                first
            }
        };
        Ok((trigger, scripts))
    }

    /// The folder of --tenant (the YAML file's folder for a tenant.yaml).
    pub fn tenant_dir(&self) -> Option<PathBuf> {
        let path = self.tenant.as_ref()?;
        Some(if path.is_file() {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            path.clone()
        })
    }

    /// The --tenant folder, loaded with its keyword mappings.
    pub fn tenant_folder(&self) -> Result<Option<TenantFolder>> {
        let Some(path) = &self.tenant else {
            return Ok(None);
        };
        let default_keywords = self
            .tenant_dir()
            .map(|dir| dir.join("keywords.json"))
            .filter(|p| p.is_file());
        let keywords = match self.keywords.as_ref().or(default_keywords.as_ref()) {
            Some(file) => Keywords::from_file(file)?,
            None => Keywords::empty(),
        };
        Ok(Some(TenantFolder::load(path, &keywords)?))
    }

    /// The flow the tenant folder binds to the trigger, telling on stderr
    /// what it lacks (secrets, placeholders) and what it noticed.
    fn tenant_flow(&self, folder: &TenantFolder, event: Option<&Path>) -> Result<Flow> {
        let trigger = self.trigger.unwrap_or_else(|| {
            eprintln!(
                "actionbox: warning: no --trigger: running the tenant's post-login flow (Rules, then the Actions bound to post-login)"
            );
            Trigger::PostLogin
        });
        let built = TenantFlow::build(folder, trigger, self.settings()?)?;
        if built.scripts.is_empty() {
            eprintln!(
                "actionbox: warning: the tenant binds nothing to {trigger}{}: no script runs, so the outcome is only the defaults",
                if trigger == Trigger::PostLogin {
                    " and has no enabled Rules"
                } else {
                    ""
                }
            );
        }
        for warning in &built.warnings {
            eprintln!("actionbox: warning: {warning}");
        }
        for placeholder in &folder.unresolved {
            eprintln!(
                "actionbox: warning: {}:{}: placeholder {} has no value (give it with --keywords FILE)",
                placeholder.file.display(),
                placeholder.line,
                placeholder.key
            );
        }
        for missing in &built.missing_secrets {
            eprintln!(
                "actionbox: warning: Action '{}' declares the secret {} but the export hides its value: give it in actionbox.json \"secrets\" or with --secrets FILE",
                missing.action, missing.secret
            );
        }
        let mut node = self.node()?;
        // What the command line gives wins over the export, as for the
        // dependencies and the runtime below.
        for (name, source) in built.node.action_modules {
            node.action_modules.entry(name).or_insert(source);
        }
        for (name, version) in built.node.dependencies {
            node.dependencies.entry(name).or_insert(version);
        }
        if self.node_runtime.is_none() {
            node.runtime = built.node.runtime;
        }
        let mut flow = Flow::new(trigger, built.scripts)
            .with_settings(built.settings)
            .with_limits(self.limits())
            .with_node(node);
        flow.event = event.map(|e| read_event(e, trigger)).transpose()?;
        Ok(flow)
    }

    pub fn flow(&self, paths: &[PathBuf], event: Option<&Path>) -> Result<Flow> {
        if let Some(folder) = self.tenant_folder()? {
            if !paths.is_empty() {
                bail!("give either script files or --tenant DIR, not both");
            }
            return self.tenant_flow(&folder, event);
        }
        let (trigger, scripts) = self.scripts(paths)?;
        let mut flow = Flow::new(trigger, scripts)
            .with_settings(self.settings()?)
            .with_limits(self.limits())
            .with_node(self.node()?);
        flow.event = event.map(|e| read_event(e, trigger)).transpose()?;
        Ok(flow)
    }
}

/// An event fixture (`-`: standard input) for `trigger`: a field of the
/// wrong type is an error naming the file, an unknown or misplaced one a
/// warning on stderr.
pub fn read_event(path: &Path, trigger: Trigger) -> Result<Value> {
    let (event, warnings) = actionbox::event::read_event(path, trigger)?;
    for warning in warnings {
        eprintln!("actionbox: warning: {warning}");
    }
    Ok(event)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A tenant folder's post-login flow: its scripts, settings and modules,
/// with what the command line gives winning over the export.
pub struct TenantSides {
    pub folder: TenantFolder,
    pub scripts: Vec<Script>,
    pub settings: Settings,
    pub node: NodeConfig,
}

pub fn load_tenant(exec: &ExecOptions) -> Result<TenantSides> {
    let folder = exec
        .tenant_folder()?
        .context("--tenant DIR: the Deploy CLI export to read")?;
    let built = TenantFlow::build(&folder, Trigger::PostLogin, exec.settings()?)?;
    for warning in &built.warnings {
        eprintln!("actionbox: warning: {warning}");
    }
    let mut node = exec.node()?;
    for (name, source) in built.node.action_modules {
        node.action_modules.entry(name).or_insert(source);
    }
    for (name, version) in built.node.dependencies {
        node.dependencies.entry(name).or_insert(version);
    }
    if exec.node_runtime.is_none() {
        node.runtime = built.node.runtime;
    }
    Ok(TenantSides {
        folder,
        scripts: built.scripts,
        settings: built.settings,
        node,
    })
}

/// `compare --tenant`: the login as it runs today (enabled Rules, then the
/// bound Actions that do not replace them) and as it runs with the Rules
/// off (the bound Actions).
pub fn compare_sides(
    exec: &ExecOptions,
) -> Result<(Vec<Script>, Vec<Script>, Settings, NodeConfig)> {
    let tenant = load_tenant(exec)?;
    if tenant.folder.enabled_rules().is_empty() {
        bail!("the tenant has no enabled Rule: nothing to compare its Actions with");
    }
    let (before, after) =
        actionbox::migrate::tenant::before_and_after(&tenant.folder, &tenant.scripts);
    Ok((before, after, tenant.settings, tenant.node))
}
