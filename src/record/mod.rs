//! What a script leaves behind: the commands it asked for, its console output
//! and actionbox's own remarks about it. These are the rows of the JSON
//! contract's `commands`, `logs` and `warnings` arrays.

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod call;
mod error;
mod package;
mod request;
mod timings;

pub use call::{Call, SDK_PREFIXES};
pub use error::{ErrorKind, ScriptError};
pub use package::{PackageSource, PackageUse};
pub use request::{Disposition, RequestRecord};
pub use timings::PhaseTimings;

/// One request a script made: an `api.*` call of an Action, or an output of a
/// Rule (`context.idToken[k] = v`, a change to `user`, ...) expressed as the
/// Action call it corresponds to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub script: String,
    /// The `api` path, e.g. `idToken.setCustomClaim`.
    pub call: Call,
    pub args: Vec<Value>,
    /// For Rules: the assignment or call the command came from
    /// (e.g. `context.idToken['https://example.com/c']`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Command {
    pub fn new(script: impl Into<String>, call: impl Into<Call>, args: Vec<Value>) -> Command {
        Command {
            script: script.into(),
            call: call.into(),
            args,
            origin: None,
        }
    }

    /// The `i`-th argument as a string, when it is one.
    pub fn str_arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).and_then(Value::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Log,
    Info,
    Debug,
    Warn,
    Error,
}

impl LogLevel {
    pub fn parse(level: &str) -> LogLevel {
        match level {
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            "warn" => LogLevel::Warn,
            "error" => LogLevel::Error,
            _ => LogLevel::Log,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Log => "log",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// One `console.*` line of a script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub script: String,
    pub level: LogLevel,
    pub message: String,
}

/// Something actionbox noticed about a script that is not an error: a
/// second `callback`, an unhandled rejection, a timer still pending when the
/// handler finished, logs cut at the cap, a secret in a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub script: String,
    /// A stable snake_case code for warnings users act on (e.g.
    /// `secret_in_token`), listed in docs/output.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

impl Warning {
    pub fn new(script: impl Into<String>, message: impl Into<String>) -> Warning {
        Warning {
            script: script.into(),
            code: None,
            message: message.into(),
        }
    }

    pub fn coded(
        script: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Warning {
        Warning {
            script: script.into(),
            code: Some(code.into()),
            message: message.into(),
        }
    }
}
