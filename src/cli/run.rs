//! `actionbox run`: one login (or trigger execution), rendered.

use super::render::Lines as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use actionbox::Outcome;

use super::options::{ExecOptions, Format};
use actionbox::net::Disposition;

use super::render::{self, BOLD, CYAN, DIM, MAGENTA, RED, YELLOW, heading, paint};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Rule and Action files, run as one login: Rules first (in the order
    /// given), then Actions
    #[arg(required_unless_present = "tenant", value_name = "SCRIPT")]
    pub scripts: Vec<PathBuf>,

    /// The event the scripts see (a JSON fixture, - for standard input;
    /// missing fields come from defaults; checked as docs/inputs.md says)
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,

    /// After a redirect, resume the login at /continue with this query
    /// string (e.g. 'result=accepted'); the redirect's state is added when
    /// the query has none
    #[arg(long = "continue", value_name = "QUERY")]
    pub continue_query: Option<String>,

    /// The form body of the /continue request (a POST), e.g. 'accepted=true'
    #[arg(
        long = "continue-body",
        value_name = "FORM",
        requires = "continue_query"
    )]
    pub continue_body: Option<String>,

    #[command(flatten)]
    pub exec: ExecOptions,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
}

pub fn execute(args: RunArgs) -> Result<i32> {
    let flow = args.exec.flow(&args.scripts, args.event.as_deref())?;
    let runner = args.exec.runner();
    let first = runner.run_as_sent(&flow)?;
    let outcome = match &args.continue_query {
        Some(query) => resume(&runner, flow, first, query, args.continue_body.as_deref())?,
        None => first.into_masked(),
    };
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&outcome)?),
        Format::Pretty => pretty(&outcome),
    };
    render::emit(&text)?;
    Ok(outcome.exit_code())
}

/// Resumes a redirected login at `/continue` with the query and form body
/// given as `a=1&b=2` text.
fn resume(
    runner: &actionbox::Runner,
    flow: actionbox::Flow,
    first: actionbox::AsSent,
    query: &str,
    body: Option<&str>,
) -> Result<Outcome> {
    let form = |text: &str| -> serde_json::Map<String, serde_json::Value> {
        url::form_urlencoded::parse(text.trim_start_matches('?').as_bytes())
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect()
    };
    let body = body.map(form).unwrap_or_default();
    runner
        .resume(&flow, first, form(query), body)
        .map_err(|e| anyhow::anyhow!("--continue: {e}"))
}

fn pretty(outcome: &Outcome) -> String {
    let mut out = String::new();
    if let Some(from) = &outcome.resumed_from {
        out.line(format_args!(
            "{}",
            paint(
                DIM,
                format!(
                    "↪ {} redirected to {}; resumed at /continue",
                    from.script, from.url
                )
            )
        ));
    }
    out.line(format_args!("{}", render::status_line(outcome)));
    if let Some(error) = &outcome.error
        && let Some(stack) = &error.stack
    {
        for line in stack.lines().take(8) {
            out.line(format_args!("  {}", paint(DIM, line.trim_end())));
        }
    }
    if let Some(oauth) = &outcome.oauth_error {
        out.line(format_args!(
            "  the application receives error={}&error_description={}",
            oauth.error,
            render::shorten(&oauth.error_description, 100)
        ));
    }
    let timings = &outcome.timings_us;
    let scripts: Vec<String> = timings
        .scripts
        .iter()
        .map(|s| {
            format!(
                "{} ({})",
                s.script,
                render::micros(
                    s.phases.isolate_us
                        + s.phases.event_us
                        + s.phases.load_us
                        + s.phases.handler_us
                )
            )
        })
        .collect();
    out.line(format_args!(
        "{}",
        paint(
            DIM,
            format!(
                "ran {} in {}",
                scripts.join(", "),
                render::micros(timings.total)
            )
        )
    ));

    if let Some(token) = &outcome.id_token {
        render::token(
            &mut out,
            "ID token",
            token,
            &outcome.commands,
            actionbox::record::Call::IdTokenSetCustomClaim,
        );
    }
    if let Some(token) = &outcome.access_token {
        render::token(
            &mut out,
            "Access token",
            token,
            &outcome.commands,
            actionbox::record::Call::AccessTokenSetCustomClaim,
        );
    }
    if let Some(key) = &outcome.signing_key {
        let note = match (key.origin.as_str(), &key.path) {
            ("development", Some(path)) => Some(format!(
                "signed with your development key {path} (kid {}), not a tenant's key: set signing.private_key_pem in the settings to use one",
                key.kid
            )),
            ("generated", _) => Some(format!(
                "signed with a key generated for this run (kid {}), not a tenant's key: set signing.private_key_pem in the settings to use one",
                key.kid
            )),
            _ => None,
        };
        if let Some(note) = note {
            out.line(format_args!("{}", paint(DIM, note)));
        }
    }
    if let Some(generated) = &outcome.api_signing_secret {
        let note = format!(
            "HS256 access token signed with a secret generated for API {} (it has no signing_secret in the settings; Auth0 generates one when an HS256 API is created): {}\nverify with: actionbox verify --secret '{}' ACCESS_TOKEN, or set signing_secret for the API in the settings",
            generated.api, generated.secret, generated.secret
        );
        out.line(format_args!("{}", paint(DIM, note)));
    }
    if !outcome.dropped_claims.is_empty() {
        heading(&mut out, "Dropped claims");
        for dropped in &outcome.dropped_claims {
            out.line(format_args!(
                "  {} {} {}  {}",
                paint(RED, "✖"),
                paint(BOLD, &dropped.claim),
                paint(
                    DIM,
                    format!("({}, set by {})", dropped.token.title(), dropped.script)
                ),
                paint(YELLOW, dropped.reason),
            ));
            out.line(format_args!("      {}", dropped.detail));
        }
    }

    if !outcome.commands.is_empty() {
        heading(&mut out, "Commands");
        for command in &outcome.commands {
            out.line(format_args!(
                "  {}  {}({})",
                paint(DIM, &command.script),
                paint(CYAN, command.call.as_str()),
                render::call_args(&command.args)
            ));
        }
    }
    let meta = &outcome.metadata_updates;
    if !meta.app_metadata.is_empty() || !meta.user_metadata.is_empty() {
        heading(&mut out, "Metadata updates");
        for (field, map) in [
            ("app_metadata", &meta.app_metadata),
            ("user_metadata", &meta.user_metadata),
        ] {
            for (key, value) in map {
                out.line(format_args!(
                    "  {field}.{key} = {}",
                    render::shorten(&render::compact(value), 100)
                ));
            }
        }
    }
    if !outcome.mfa.is_empty() {
        heading(&mut out, "Multi-factor");
        for command in &outcome.mfa {
            out.line(format_args!(
                "  {}({}) by {}",
                command.call,
                render::call_args(&command.args),
                command.script
            ));
        }
    }
    if let Some(result) = outcome.result.as_object() {
        heading(&mut out, &format!("Result ({})", outcome.trigger));
        for (key, value) in result {
            out.line(format_args!(
                "  {key}: {}",
                render::shorten(&render::compact(value), 160)
            ));
        }
    }
    if let Some(message) = outcome
        .denial
        .as_ref()
        .and_then(|d| d.user_message.as_ref())
    {
        out.line(format_args!(
            "\n  the user is shown: {}",
            render::shorten(message, 160)
        ));
    }
    if !outcome.requests.is_empty() {
        heading(&mut out, "Requests");
        for request in &outcome.requests {
            let disposition = match request.disposition {
                Disposition::Refused | Disposition::Failed => {
                    paint(RED, disposition_name(request.disposition))
                }
                Disposition::Aborted => paint(YELLOW, disposition_name(request.disposition)),
                _ => paint(DIM, disposition_name(request.disposition)),
            };
            let status = request
                .status
                .map_or_else(|| "-".to_string(), |s| s.to_string());
            out.line(format_args!(
                "  {}  {} {}  {status}  {disposition}  {} ms",
                paint(DIM, &request.script),
                request.method,
                render::shorten(&request.url, 100),
                request.duration_ms
            ));
            if let Some(error) = &request.error {
                out.line(format_args!("      {error}"));
            }
        }
    }
    if !outcome.packages.is_empty() {
        heading(&mut out, "Packages");
        for package in &outcome.packages {
            let source = match package.source {
                actionbox::packages::PackageSource::Registry => "downloaded from the registry",
                actionbox::packages::PackageSource::Cache => "from the package cache",
                actionbox::packages::PackageSource::NodeModules => "from --node-modules",
                actionbox::packages::PackageSource::Emulated => "emulated by actionbox",
            };
            out.line(format_args!(
                "  {}@{}  {}",
                package.name,
                package.version,
                paint(DIM, source)
            ));
        }
    }
    if !outcome.logs.is_empty() {
        heading(&mut out, "Logs");
        for log in &outcome.logs {
            let level = match log.level {
                actionbox::LogLevel::Warn | actionbox::LogLevel::Error => {
                    paint(YELLOW, log.level.as_str())
                }
                _ => paint(DIM, log.level.as_str()),
            };
            let mut lines = log.message.lines();
            let first = lines.next().unwrap_or("");
            out.line(format_args!(
                "  {}  {level}  {first}",
                paint(DIM, &log.script)
            ));
            for line in lines {
                out.line(format_args!("      {line}"));
            }
        }
    }
    if !outcome.warnings.is_empty() {
        heading(&mut out, "Warnings");
        for warning in &outcome.warnings {
            let code = warning
                .code
                .as_deref()
                .map(|c| format!("{}: ", paint(YELLOW, c)))
                .unwrap_or_default();
            out.line(format_args!(
                "  {}  {code}{}",
                paint(MAGENTA, &warning.script),
                warning.message
            ));
        }
    }
    out
}

fn disposition_name(disposition: Disposition) -> &'static str {
    match disposition {
        Disposition::Mocked => "mocked",
        Disposition::Tenant => "tenant",
        Disposition::Allowed => "allowed",
        Disposition::Refused => "refused",
        Disposition::Failed => "failed",
        Disposition::Aborted => "aborted",
    }
}
