//! `actionbox serve`: a local Auth0 tenant applications log in to.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;

use actionbox::Script;
use actionbox::serve::tenant::{self as local, DEFAULT_DATABASE};
use actionbox::serve::{LocalTenant, Server, Store};
use actionbox::tenant::Keywords;

use super::options::ExecOptions;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Rule and Action files: each Action runs on the trigger its handler
    /// names (post-login at login, credentials-exchange for client
    /// credentials); or --tenant DIR
    #[arg(value_name = "SCRIPT")]
    pub scripts: Vec<PathBuf>,

    #[command(flatten)]
    pub exec: ExecOptions,

    /// Where to listen; anything but a loopback address is reachable from
    /// other machines, and is warned about
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// The URL applications reach the tenant at: the tokens' issuer
    /// (default http://ADDR/, with the port actually bound)
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// Where users, sessions, codes and tokens live: memory (this process)
    /// or redis://HOST:PORT (shared by every serve using it)
    #[arg(long, value_name = "STORE", default_value = "memory")]
    pub store: String,
}

pub fn execute(mut args: ServeArgs) -> Result<i32> {
    if let Some(trigger) = args.exec.trigger {
        bail!(
            "--trigger {trigger}: serve runs each Action on the trigger its handler names (post-login at login, credentials-exchange for client credentials); leave --trigger out"
        );
    }
    if let Some(now) = &args.exec.now {
        bail!(
            "--now {now}: serve issues tokens on the real clock, as Auth0 does; fix the clock with `run --now` instead"
        );
    }
    init_logging();
    // serve reads --users itself: its users have passwords and need no id.
    let users_file = args.exec.users.take();
    let settings = args.exec.settings()?;
    let folder = args.exec.tenant_folder()?;
    if folder.is_some() && !args.scripts.is_empty() {
        bail!("give either script files or --tenant DIR, not both");
    }
    if folder.is_none() && args.scripts.is_empty() {
        eprintln!("actionbox: note: no scripts and no --tenant: logins run no Rules or Actions");
    }
    if settings.now.is_some() {
        eprintln!(
            "actionbox: note: the settings fix the clock (\"now\"); serve issues tokens on the real clock"
        );
    }
    let default_connection = settings
        .connections
        .iter()
        .find(|c| c.strategy == "auth0")
        .map_or(DEFAULT_DATABASE.to_string(), |c| c.name.clone());
    let users = match &users_file {
        Some(path) => local::read_users(path, &default_connection)?,
        None => Vec::new(),
    };
    let node = args.exec.node()?;
    let limits = args.exec.limits();
    let (tenant, warnings) = match (&folder, args.exec.tenant_dir()) {
        (Some(folder), Some(dir)) => {
            let keywords = match &args.exec.keywords {
                Some(file) => Keywords::from_file(file)?,
                None if dir.join("keywords.json").is_file() => {
                    Keywords::from_file(&dir.join("keywords.json"))?
                }
                None => Keywords::empty(),
            };
            LocalTenant::from_folder(
                folder,
                &keywords,
                settings,
                node,
                limits,
                users,
                args.exec.node_runtime.is_some(),
            )?
        }
        _ => {
            let scripts = args
                .scripts
                .iter()
                .map(Script::from_file)
                .collect::<Result<Vec<_>, _>>()?;
            LocalTenant::from_scripts(settings, scripts, node, limits, users)?
        }
    };
    for warning in warnings {
        eprintln!("actionbox: warning: {warning}");
    }
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "actionbox: warning: listening on {}, reachable from other machines: anyone who can reach it can log in as the tenant's users and get signed tokens",
            args.listen
        );
    }
    let generated_key = tenant.settings.signing.private_key_pem.is_none();
    if args.store != "memory" && generated_key {
        eprintln!(
            "actionbox: warning: no signing key is configured, so each serve process signs with its own: servers sharing {} will not verify each other's tokens (set \"signing\" in the settings)",
            args.store
        );
    }
    if let Some(issuer) = &args.issuer {
        url::Url::parse(issuer).with_context(|| format!("--issuer {issuer}: not a URL"))?;
    }
    let runner = args.exec.runner();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let bound = listener.local_addr()?;
        let issuer = args
            .issuer
            .clone()
            .unwrap_or_else(|| format!("http://{bound}/"));
        let store: Arc<dyn Store> = actionbox::serve::store::open(&args.store).await?;
        let server = Server::new(tenant, runner, store, &issuer);
        let seeded = server.seed_users().await?;
        banner(&server, seeded);
        server.run(listener).await.context("the server stopped")
    })?;
    Ok(0)
}

/// One line per request on stderr (RUST_LOG overrides).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("actionbox::serve=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(super::log_colours())
        .try_init();
}

fn banner(server: &Server, seeded: usize) {
    let issuer = server.issuer();
    let tenant = server.tenant();
    eprintln!("actionbox serve: tenant {} at {issuer}", tenant.domain());
    eprintln!("  discovery  {issuer}.well-known/openid-configuration");
    eprintln!("  logins     {issuer}__actionbox/logins");
    for client in &tenant.settings.clients {
        eprintln!(
            "  client     {} ({}) callbacks: {}",
            client.client_id,
            client.name.as_deref().unwrap_or("unnamed"),
            if client.callbacks.is_empty() {
                "none (set \"callbacks\" to log in through /authorize)".to_string()
            } else {
                client.callbacks.join(", ")
            }
        );
    }
    let mut triggers: Vec<String> = tenant
        .flows
        .values()
        .map(|f| format!("{} ({} scripts)", f.trigger, f.scripts.len()))
        .collect();
    triggers.sort();
    eprintln!("  flows      {}", triggers.join(", "));
    eprintln!(
        "  users      {} from --users ({seeded} new in the store); store: {}",
        tenant.users.len(),
        server.store().describe()
    );
}
