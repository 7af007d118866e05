//! Pretty output: styles that degrade to plain text when the output is not
//! a terminal or `NO_COLOR` is set (anstream strips them).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde_json::Value;

use actionbox::{Outcome, Status};

pub const BOLD: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const GREEN: Style = AnsiColor::Green.on_default().bold();
pub const RED: Style = AnsiColor::Red.on_default().bold();
pub const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
pub const CYAN: Style = AnsiColor::Cyan.on_default();
pub const MAGENTA: Style = AnsiColor::Magenta.on_default();

pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

pub fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{}", paint(BOLD, title));
}

pub fn status_line(outcome: &Outcome) -> String {
    match outcome.status {
        Status::Allowed => paint(GREEN, "✔ allowed"),
        Status::Redirected => {
            let to = outcome
                .redirect
                .as_ref()
                .map(|r| format!(" to {} by {}", r.url, r.script))
                .unwrap_or_default();
            format!("{}{to}", paint(YELLOW, "↪ redirected"))
        }
        Status::Denied => {
            let detail = outcome
                .denial
                .as_ref()
                .map(|d| format!(" {}: \"{}\" ({} in {})", d.code, d.reason, d.via, d.script))
                .unwrap_or_default();
            format!("{}{detail}", paint(RED, "✖ denied"))
        }
        Status::Failed => {
            let detail = outcome
                .error
                .as_ref()
                .map(|e| format!(" ({}) {e}", kind_name(e.kind)))
                .unwrap_or_default();
            format!("{}{detail}", paint(RED, "✖ failed"))
        }
    }
}

pub fn kind_name(kind: actionbox::ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A JSON value on one line, as a script would see it.
pub fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Arguments of a call, shortened for reading.
pub fn call_args(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(|a| shorten(&compact(a), 120)).collect();
    parts.join(", ")
}

pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

pub fn micros(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else if us >= 1000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{us} µs")
    }
}

/// A decoded token the way jwt.io shows it: header, then the payload one
/// claim per line, claims a script set marked with the script's name.
pub fn token(
    out: &mut String,
    title: &str,
    token: &actionbox::token::IssuedToken,
    commands: &[actionbox::Command],
    call: actionbox::record::Call,
) {
    use std::fmt::Write as _;
    if let Some(opaque) = &token.opaque {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, title),
            paint(DIM, "(opaque: no API audience was requested)")
        );
        let _ = writeln!(out, "  {}", paint(DIM, opaque));
        return;
    }
    let alg = token
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let typ = token
        .header
        .get("typ")
        .and_then(Value::as_str)
        .unwrap_or("JWT");
    let kid = token
        .header
        .get("kid")
        .and_then(Value::as_str)
        .map(|k| format!(", kid {k}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n{} {}",
        paint(BOLD, title),
        paint(DIM, format!("({alg}, {typ}{kid})"))
    );
    let Some(payload) = token.payload.as_object() else {
        return;
    };
    let _ = writeln!(out, "  {{");
    let count = payload.len();
    for (i, (key, value)) in payload.iter().enumerate() {
        let setter = commands
            .iter()
            .rev()
            .find(|c| c.call == call && c.str_arg(0) == Some(key.as_str()))
            .map(|c| format!("  {}", paint(GREEN, format!("← {}", c.script))))
            .unwrap_or_default();
        let comma = if i + 1 < count { "," } else { "" };
        let _ = writeln!(
            out,
            "    {}: {}{comma}{setter}",
            paint(CYAN, compact(&Value::String(key.clone()))),
            compact(value)
        );
    }
    let _ = writeln!(out, "  }}");
    // The compact form, whole, as the application would receive it.
    if let Some(jwt) = &token.jwt {
        let _ = writeln!(out, "  {}", jwt);
    }
}

/// Writes a command's output. A reader that stops early (`| head`) is not
/// an error: the rest of the output is simply not wanted.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut stdout = anstream::stdout();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
