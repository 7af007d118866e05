//! Reading what a user gives: every input file goes through one reader that
//! stops at a size limit, so `/dev/zero` or a runaway file is a clear error
//! in milliseconds instead of memory growing until the kernel steps in.
//! The limits are documented in docs/inputs.md.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::Error;

/// What a file is for: it sets the size limit and names the file in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A Rule, an Action or an Actions Module. Auth0 refuses to save an
    /// Action over 100 kB.
    Script,
    /// An event fixture.
    Event,
    /// Tenant settings (`actionbox.json`, `--settings`).
    Settings,
    /// `--http-mock`: request matchers and their answers.
    Mocks,
    /// `--users`: the users the Management API emulation finds.
    Users,
    /// `--secrets`, `--keywords`.
    Secrets,
    /// A file of a Deploy CLI tenant export (tenant.yaml, a JSON file).
    TenantFile,
    /// A PEM signing key or a JWKS.
    Key,
    /// A token given to `verify`.
    Token,
    /// A `package.json` under a `--node-modules` folder or in the package
    /// cache, or an `.npmrc`.
    PackageFile,
    /// A file of a package a script `require`s.
    Module,
}

const KB: u64 = 1024;
const MB: u64 = 1024 * KB;

impl InputKind {
    /// The most actionbox reads of this kind of file, in bytes.
    pub fn limit(self) -> u64 {
        match self {
            InputKind::Script => MAX_SCRIPT_BYTES,
            InputKind::Event => MAX_EVENT_BYTES,
            InputKind::Settings | InputKind::Secrets => MB,
            InputKind::Mocks | InputKind::Users | InputKind::TenantFile => 16 * MB,
            InputKind::Key | InputKind::Token => MB,
            InputKind::PackageFile => 4 * MB,
            InputKind::Module => MAX_MODULE_BYTES,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            InputKind::Script => "a script",
            InputKind::Event => "an event",
            InputKind::Settings => "a settings file",
            InputKind::Mocks => "a mock file",
            InputKind::Users => "a users file",
            InputKind::Secrets => "a secrets or keywords file",
            InputKind::TenantFile => "a tenant export file",
            InputKind::Key => "a key file",
            InputKind::Token => "a token",
            InputKind::PackageFile => "a package.json or .npmrc",
            InputKind::Module => "a module file",
        }
    }

    fn why(self) -> &'static str {
        match self {
            InputKind::Script => " (Auth0 refuses Actions over 100 kB)",
            _ => "",
        }
    }
}

/// Auth0's limit for one Action (docs/inputs.md): 100 kB.
pub const MAX_SCRIPT_BYTES: u64 = 100 * KB;

/// The largest event fixture read (docs/inputs.md). Real events are a few
/// kB; Auth0 caps `user_metadata` and `app_metadata` at 32 kB each.
pub const MAX_EVENT_BYTES: u64 = MB;

/// The largest file of a package `require` loads (docs/inputs.md): real
/// packages' largest bundles are a few MiB.
pub const MAX_MODULE_BYTES: u64 = 64 * MB;

/// The path `-` stands for standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How errors name a path (`-` is standard input).
pub fn shown(path: &Path) -> PathBuf {
    if is_stdin(path) {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    }
}

/// Reads at most `kind`'s limit of bytes from `path` (`-`: standard input).
pub fn read_bytes(path: &Path, kind: InputKind) -> Result<Vec<u8>, Error> {
    read_bytes_as(path, &shown(path), kind)
}

/// [`read_bytes`], naming the file `name` in errors (a tenant export shows
/// paths relative to its folder).
pub fn read_bytes_as(path: &Path, name: &Path, kind: InputKind) -> Result<Vec<u8>, Error> {
    let io = |cause| Error::Io {
        path: name.to_path_buf(),
        cause,
    };
    let limit = kind.limit();
    let mut bytes = Vec::new();
    if is_stdin(path) {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    } else {
        let file = std::fs::File::open(path).map_err(|cause| open_error(path, name, cause))?;
        if file.metadata().map_err(io)?.is_dir() {
            return Err(Error::invalid(format!(
                "{}: is a folder, not {}",
                name.display(),
                kind.noun()
            )));
        }
        file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    }
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: name.to_path_buf(),
            what: kind.noun(),
            limit: human_size(limit),
            why: kind.why(),
        });
    }
    Ok(bytes)
}

/// Why a file cannot be opened, in words for the two cases the OS words
/// badly: a symbolic link that loops ("Too many levels of symbolic links")
/// and one whose target is missing ("No such file or directory", of a file
/// that is plainly listed).
fn open_error(path: &Path, name: &Path, cause: std::io::Error) -> Error {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = || {
        std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default()
    };
    if cause.raw_os_error() == Some(libc::ELOOP) {
        return Error::invalid(format!(
            "{}: a symbolic link that loops: it leads, directly or through other links, back to itself (-> {})",
            name.display(),
            target()
        ));
    }
    if link && cause.kind() == std::io::ErrorKind::NotFound {
        return Error::invalid(format!(
            "{}: a symbolic link to {}, which does not exist",
            name.display(),
            target()
        ));
    }
    Error::Io {
        path: name.to_path_buf(),
        cause,
    }
}

/// Whether `name@version` is a dependency npm could install: a package name
/// npm accepts and a version, a range or the `latest` tag (what Auth0's
/// editor takes). A nonsense version would otherwise be accepted and
/// silently change nothing.
pub fn check_dependency(name: &str, version: &str) -> Result<(), String> {
    let bare = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, rest)) if !scope.is_empty() && !rest.is_empty() => rest,
            _ => return Err(format!("'{name}' is not an npm package name (@scope/name)")),
        },
        None => name,
    };
    let name_ok = !name.is_empty()
        && name.len() <= 214
        && !bare.starts_with(['.', '_'])
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@' | b'/')
        })
        && name.matches('/').count() <= usize::from(name.starts_with('@'));
    if !name_ok {
        return Err(format!(
            "'{name}' is not an npm package name (lowercase letters, digits, '-', '.', '_', '~'; @scope/name for a scoped one)"
        ));
    }
    let version = version.trim();
    if version == "latest" || nodejs_semver::Range::parse(version).is_ok() {
        return Ok(());
    }
    Err(format!(
        "'{version}' is not a version of {name}: give a version (4.37.0), a range (^4.0.0) or latest"
    ))
}

/// `1 MiB`, `100 KiB`: the limits are round numbers.
pub fn human_size(bytes: u64) -> String {
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MiB", bytes / MB)
    } else if bytes >= KB && bytes.is_multiple_of(KB) {
        format!("{} KiB", bytes / KB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads UTF-8 text (a leading byte-order mark is dropped).
pub fn read_text(path: &Path, kind: InputKind) -> Result<String, Error> {
    read_text_as(path, &shown(path), kind)
}

/// [`read_text`], naming the file `name` in errors.
pub fn read_text_as(path: &Path, name: &Path, kind: InputKind) -> Result<String, Error> {
    let bytes = read_bytes_as(path, name, kind)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..at]);
        let line = text.matches('\n').count() + 1;
        Error::invalid(format!(
            "{}:{line}: not UTF-8 text (byte {at} is not valid UTF-8): {} must be UTF-8",
            name.display(),
            kind.noun()
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Reads a JSON document.
pub fn read_json(path: &Path, kind: InputKind) -> Result<Value, Error> {
    let text = read_text(path, kind)?;
    parse_json(path, &text)
}

/// Parses JSON read from `path`, naming it in the error.
pub fn parse_json(path: &Path, text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|cause| Error::Json {
        path: shown(path),
        cause,
    })
}

/// A JSON value read from `path` as `T`, with errors that name the field
/// (`clients[0].id_token_lifetime`) in JSON's words, not Rust's.
pub fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = plain_words(&e.inner().to_string());
        if path == "." {
            message
        } else {
            format!("{path}: {message}")
        }
    })
}

/// serde's messages name Rust types (`u64`, `struct ClientSettings`, `a
/// sequence`); a user wrote JSON.
fn plain_words(message: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut rest = message.split(' ').peekable();
    while let Some(word) = rest.next() {
        let (core, tail) = match word.find([',', ')']) {
            Some(at) => (&word[..at], &word[at..]),
            None => (word, ""),
        };
        let plain = match core {
            "struct" | "enum" => {
                // `struct Name` is an object; an enum lists its names.
                if let Some(name) = rest.next() {
                    let (_, tail) = match name.find([',', ')']) {
                        Some(at) => (&name[..at], &name[at..]),
                        None => (name, ""),
                    };
                    let noun = if core == "struct" {
                        "an object"
                    } else {
                        "one of the names docs/settings.md lists"
                    };
                    words.push(format!("{noun}{tail}"));
                }
                continue;
            }
            "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of 0 or more",
            "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
            "f32" | "f64" => "a number",
            "map" => "object",
            "sequence" => "array",
            _ => core,
        };
        words.push(format!("{plain}{tail}"));
    }
    words
        .join(" ")
        .replace("a array", "an array")
        .replace("a object", "an object")
}

/// Refuses an array where an object is expected: serde reads a struct from
/// an array by position, so `["evil.example"]` would become a `domain`.
pub fn require_object(value: &Value, path: &str) -> Result<(), String> {
    if value.is_object() {
        return Ok(());
    }
    let place = if path.is_empty() {
        "the file".to_string()
    } else {
        format!("`{path}`")
    };
    Err(format!(
        "{place} must be a JSON object, not {}",
        json_type(value)
    ))
}

/// `user 2 (jane@example.com)` for messages about one user of a list.
pub fn user_label(index: usize, user: &Value) -> String {
    let name = ["user_id", "email", "username"]
        .iter()
        .find_map(|key| user.get(key).and_then(Value::as_str));
    match name {
        Some(name) => format!("user {index} ({name})"),
        None => format!("user {index}"),
    }
}

/// The JSON type of a value, as errors name it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_without_reading_it_all() {
        let error = read_text(Path::new("/dev/zero"), InputKind::Event).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, Error::TooLarge { .. }), "{message}");
        assert!(message.contains("/dev/zero"), "{message}");
        assert!(message.contains("1 MiB"), "{message}");
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_bad_utf8_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bom = dir.path().join("bom.json");
        std::fs::write(&bom, "\u{feff}{\"a\": 1}").expect("write");
        assert_eq!(
            read_json(&bom, InputKind::Event).expect("json"),
            serde_json::json!({"a": 1})
        );
        let latin1 = dir.path().join("latin1.js");
        std::fs::write(&latin1, b"// ok\n// caf\xe9\n").expect("write");
        let message = read_text(&latin1, InputKind::Script)
            .unwrap_err()
            .to_string();
        assert!(message.contains("latin1.js:2: not UTF-8"), "{message}");
    }
}
