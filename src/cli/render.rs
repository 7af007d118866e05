//! Pretty output: styles that degrade to plain text when the output is not
//! a terminal or `NO_COLOR` is set (anstream strips them).

use anstyle::{AnsiColor, Style};
use serde_json::Value;

use actionbox::{Outcome, Status};

/// Text built line by line. Writing to a `String` cannot fail, so the
/// renderers have no result to ignore.
pub trait Lines {
    /// `text` and a newline.
    fn line(&mut self, text: impl std::fmt::Display);
    /// `text` alone.
    fn put(&mut self, text: impl std::fmt::Display);
}

impl Lines for String {
    fn line(&mut self, text: impl std::fmt::Display) {
        self.put(text);
        self.push('\n');
    }

    fn put(&mut self, text: impl std::fmt::Display) {
        self.push_str(&text.to_string());
    }
}

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
    out.line(format_args!("\n{}", paint(BOLD, title)));
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

/// Two values shortened to `max` so that different values still look
/// different: when their starts agree past the cut, both show the part
/// around their first difference instead (`…"b","c",…`).
pub fn shorten_pair(a: &str, b: &str, max: usize) -> (String, String) {
    let (short_a, short_b) = (shorten(a, max), shorten(b, max));
    if a == b || short_a != short_b || max < 8 {
        return (short_a, short_b);
    }
    let first_difference = a
        .chars()
        .zip(b.chars())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.chars().count().min(b.chars().count()));
    let start = first_difference.saturating_sub(max / 3);
    let window = |text: &str| {
        let rest: String = text.chars().skip(start).collect();
        let body = shorten(&rest, max - 1);
        format!("…{body}")
    };
    (window(a), window(b))
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
    if let Some(opaque) = &token.opaque {
        out.line(format_args!(
            "\n{} {}",
            paint(BOLD, title),
            paint(DIM, "(opaque: no API audience was requested)")
        ));
        out.line(format_args!("  {}", paint(DIM, opaque)));
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
    out.line(format_args!(
        "\n{} {}",
        paint(BOLD, title),
        paint(DIM, format!("({alg}, {typ}{kid})"))
    ));
    let Some(payload) = token.payload.as_object() else {
        return;
    };
    out.line(format_args!("  {{"));
    let count = payload.len();
    for (i, (key, value)) in payload.iter().enumerate() {
        let setter = commands
            .iter()
            .rev()
            .find(|c| c.call == call && c.str_arg(0) == Some(key.as_str()))
            .map(|c| format!("  {}", paint(GREEN, format!("← {}", c.script))))
            .unwrap_or_default();
        let comma = if i + 1 < count { "," } else { "" };
        out.line(format_args!(
            "    {}: {}{comma}{setter}",
            paint(CYAN, compact(&Value::String(key.clone()))),
            compact(value)
        ));
    }
    out.line(format_args!("  }}"));
    // The compact form, whole, as the application would receive it.
    if let Some(jwt) = &token.jwt {
        out.line(format_args!("  {}", jwt));
    }
}

/// Writes a command's output. A reader that stops early (`| head`) is not
/// an error: the rest of the output is simply not wanted.
pub fn emit(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let text = match output_width() {
        Some(width) => wrap(text, width),
        None => text.to_string(),
    };
    let mut stdout = anstream::stdout();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The width pretty output wraps to: the terminal's, or `COLUMNS` when it
/// is set (as `ls` reads it); `None` when output goes elsewhere and
/// `COLUMNS` says nothing, so piped output keeps its lines whole.
pub fn output_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(columns.max(MIN_WIDTH));
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(w), _)| usize::from(w).max(MIN_WIDTH))
}

/// Narrower than this, wrapping would leave a word or two per line.
const MIN_WIDTH: usize = 40;

/// Wraps every line of `text` wider than `width` at spaces, continuing
/// under its own indentation plus four. Colour codes take no width. A word
/// wider than the line (a token, a URL) is never broken, so it can still be
/// copied whole.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if visible_width(line) <= width {
            out.push_str(line);
            continue;
        }
        let indent = visible_width(line) - visible_width(line.trim_start_matches(' '));
        let continuation = " ".repeat((indent + 4).min(width / 2));
        let mut used = 0;
        for (j, word) in line.trim_start_matches(' ').split(' ').enumerate() {
            let word_width = visible_width(word);
            if j == 0 {
                out.push_str(&line[..indent]);
                used = indent;
            } else if used + 1 + word_width > width && used > continuation.len() {
                out.push('\n');
                out.push_str(&continuation);
                used = continuation.len();
                // The space that was here is now the line break.
                out.push_str(word);
                used += word_width;
                continue;
            } else {
                out.push(' ');
                used += 1;
            }
            out.push_str(word);
            used += word_width;
        }
    }
    out
}

/// Columns `text` takes on a terminal: characters, without ANSI colour codes.
pub fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters, ended by a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}
