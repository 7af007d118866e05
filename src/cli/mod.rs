//! Command-line parsing and dispatch. Each subcommand lives in its own file
//! and only renders what the library returns.

mod bench;
mod compare;
mod deps;
mod jwks;
mod migrate;
mod migrate_tenant;
mod options;
mod render;
mod report;
mod run;
mod serve;
mod tenant;
mod verify;

use clap::{Parser, Subcommand};

/// Exit code for usage and input errors (missing file, bad JSON, a script
/// that does not parse).
pub const EXIT_INPUT: i32 = 2;

#[derive(Parser)]
#[command(
    name = "actionbox",
    version,
    about = "Run Auth0 Actions and legacy Rules locally, unmodified, and see the tokens Auth0 would issue",
    long_about = "actionbox runs Auth0 Actions and legacy Auth0 Rules — unmodified — in QuickJS isolates, \
and shows what they decided: the commands they recorded, their logs, and the ID and access tokens Auth0 \
would issue, with the reason for every claim Auth0 would silently drop.\n\n\
Set RUST_LOG=actionbox=debug to see the time each phase of an execution takes."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run Rules and Actions as one login (Rules first) and show the outcome
    Run(run::RunArgs),
    /// Run Rules and their Action replacement as two logins on the same
    /// event(s) and explain every difference in the tokens and decisions
    Compare(compare::CompareArgs),
    /// Write the post-login Action for a Rule (or every enabled Rule of a
    /// tenant folder, --tenant DIR) and prove it equivalent with compare
    /// over the bundled logins and --event files
    Migrate(migrate::MigrateArgs),
    /// Print the public JWKS of the tenant's signing key, or create a key
    Jwks(jwks::JwksArgs),
    /// Check a token's signature and print its header and payload
    Verify(verify::VerifyArgs),
    /// Measure a flow: throughput, latency percentiles, cold start, time
    /// per phase, memory; --compare-node runs Node's vm on the same Action
    Bench(bench::BenchArgs),
    /// Preflight a Deploy CLI tenant folder (`tenant DIR`): Rules and
    /// Actions in order, missing secrets, placeholders and dependencies,
    /// scripts that do not compile; exits 1 when anything is missing
    Tenant(tenant::TenantArgs),
    /// Serve a local Auth0 tenant: OIDC discovery, /authorize with a login
    /// page, /oauth/token, /userinfo, /continue, logout; every login runs
    /// the tenant's Rules and Actions (docs/serve.md)
    // Each Action runs on its handler's trigger and tokens use the real
    // clock, so the run options --trigger and --now do nothing here: hidden,
    // and refused when given (serve::execute).
    #[command(
        mut_arg("trigger", |a| a.hide(true)),
        mut_arg("now", |a| a.hide(true))
    )]
    Serve(serve::ServeArgs),
    /// npm packages: `deps fetch (SCRIPT... | --tenant DIR)` fills the
    /// package cache for CI and offline runs
    Deps(deps::DepsArgs),
}

pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(actionbox::worker::WORKER_ARG) {
        init_tracing();
        return actionbox::worker::serve(&args[2..]);
    }
    init_tracing();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INPUT } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::execute(args),
        Command::Compare(args) => compare::execute(args),
        Command::Migrate(args) if args.rule.is_none() && args.exec.tenant.is_some() => {
            migrate_tenant::execute(args)
        }
        Command::Migrate(args) => migrate::execute(args),
        Command::Jwks(args) => jwks::execute(args),
        Command::Verify(args) => verify::execute(args),
        Command::Tenant(args) => tenant::execute(args),
        Command::Bench(args) => bench::execute(args),
        Command::Serve(args) => serve::execute(args),
        Command::Deps(args) => deps::execute(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("actionbox: error: {error:#}");
            EXIT_INPUT
        }
    }
}

/// Whether log lines on stderr may carry colour codes: only on a terminal,
/// and never with `NO_COLOR` set (README.md, "What `run` shows"), as for the pretty
/// output (anstream decides that the same way).
pub fn log_colours() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let Ok(filter) = EnvFilter::try_from_default_env() else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(log_colours())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .try_init();
}
