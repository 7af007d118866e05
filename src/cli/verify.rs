//! `actionbox verify`: check a token's signature and show what it says.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

use actionbox::input::{self, InputKind};
use actionbox::token::sign::verify;

use super::render::{BOLD, GREEN, RED, paint};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The compact JWT, or - to read it from standard input
    #[arg(value_name = "JWT")]
    pub token: String,

    /// A JWKS file (e.g. the "jwks" of a run's JSON output) for RS256/PS256 tokens
    #[arg(long, value_name = "FILE", conflicts_with = "secret")]
    pub jwks: Option<PathBuf>,

    /// The secret of an HS256 token (the client secret, or the API's signing secret)
    // Generated secrets are base64url and may begin with '-'.
    #[arg(long, value_name = "SECRET", allow_hyphen_values = true)]
    pub secret: Option<String>,

    /// The time to check expiry against (RFC 3339); default: now
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
}

pub fn execute(args: VerifyArgs) -> Result<i32> {
    let token = if args.token == "-" {
        input::read_text(std::path::Path::new("-"), InputKind::Token)?
            .trim()
            .to_string()
    } else {
        args.token.trim().to_string()
    };
    let jwks =
        match &args.jwks {
            None => None,
            Some(path) => {
                let value = input::read_json(path, InputKind::Key)?;
                // Accept a run's whole JSON output too: its "jwks" field.
                let set = value.get("jwks").cloned().unwrap_or(value);
                Some(serde_json::from_value(set).with_context(|| {
                    format!("{}: not a JWKS ({{\"keys\": [...]}})", path.display())
                })?)
            }
        };
    let verified = match verify(&token, jwks.as_ref(), args.secret.as_deref()) {
        Ok(v) => v,
        Err(e) => bail!("{e}"),
    };
    let clock = match &args.now {
        Some(text) => actionbox::Clock::Fixed(
            actionbox::tenant::parse_time(text).map_err(|e| anyhow::anyhow!("--now: {e}"))?,
        ),
        None => actionbox::Clock::System,
    };
    let now = clock.now_ms() / 1000.0;
    let expired = verified
        .payload
        .get("exp")
        .and_then(Value::as_f64)
        .is_some_and(|exp| exp < now);

    let mut out = String::new();
    use super::render::Lines as _;
    out.line(format_args!("{}", paint(BOLD, "Header")));
    out.line(format_args!(
        "{}",
        indent(&serde_json::to_string_pretty(&verified.header)?)
    ));
    out.line(format_args!("{}", paint(BOLD, "Payload")));
    out.line(format_args!(
        "{}",
        indent(&serde_json::to_string_pretty(&verified.payload)?)
    ));
    let code = match (&verified.problem, expired) {
        (Some(problem), _) => {
            out.line(format_args!(
                "{} {}",
                paint(RED, "✖ signature invalid:"),
                problem
            ));
            1
        }
        (None, true) => {
            let exp = verified
                .payload
                .get("exp")
                .and_then(Value::as_f64)
                .unwrap_or_default();
            let when = std::time::Duration::try_from_secs_f64(exp)
                .ok()
                .and_then(|after| std::time::UNIX_EPOCH.checked_add(after))
                .map(|t| humantime::format_rfc3339_seconds(t).to_string())
                .unwrap_or_else(|| format!("exp {exp}"));
            out.line(format_args!(
                "{} (the signature is valid)",
                paint(RED, format!("✖ expired at {when}"))
            ));
            1
        }
        (None, false) => {
            out.line(format_args!(
                "{}",
                paint(GREEN, "✔ signature valid, not expired")
            ));
            0
        }
    };
    super::render::emit(&out)?;
    Ok(code)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
