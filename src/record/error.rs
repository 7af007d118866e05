//! Failures, attributed to the script that caused them.

use serde::{Deserialize, Serialize};

/// Why a script's execution failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The script threw, or its handler's promise rejected.
    Exception,
    /// Module-level code threw (Auth0 re-throws this on every execution).
    ModuleInit,
    /// The handler is missing or not an `async` function.
    InvalidHandler,
    /// The script does not parse.
    Syntax,
    /// The flow's deadline passed, or the handler can never settle.
    Timeout,
    /// The isolate's memory limit was reached.
    MemoryLimit,
    /// Another host limit (api calls, timers) was exceeded.
    LimitExceeded,
    /// The login failed after the scripts (e.g. custom claims over 100 KB).
    LoginFailed,
    /// Auth0 aborted the execution (e.g. redirect and render in one Action).
    Aborted,
    /// A bug in actionbox.
    Internal,
}

/// A failure, attributed to the script that caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptError {
    pub kind: ErrorKind,
    pub script: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{}: {name}: {}", self.script, self.message),
            None => write!(f, "{}: {}", self.script, self.message),
        }
    }
}

impl ScriptError {
    pub fn new(kind: ErrorKind, script: &str, message: impl Into<String>) -> ScriptError {
        ScriptError {
            kind,
            script: script.to_string(),
            name: None,
            message: message.into(),
            stack: None,
        }
    }
}
