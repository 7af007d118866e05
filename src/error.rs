//! Errors in the input a caller gave: files, JSON, scripts that cannot load.
//! What a script does at run time (throws, timeouts, limits) is not an
//! `Error`: it is part of the [`Outcome`](crate::Outcome).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // The cause is part of the message and deliberately not a `source()`:
    // reporters that print the chain would show it twice.
    #[error("{}: {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },

    #[error("{}: invalid JSON: {cause}", path.display())]
    Json {
        path: PathBuf,
        cause: serde_json::Error,
    },

    #[error("{}: too large for {what}: over {limit}, the most actionbox reads{why}", path.display())]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        limit: String,
        why: &'static str,
    },

    #[error("{script}:{line}:{column}: SyntaxError: {message}")]
    Syntax {
        script: String,
        line: u32,
        column: u32,
        message: String,
    },

    #[error(
        "{script}: cannot tell what this script is: a Rule is one `function (user, context, callback) {{ … }}`, \
         an Action exports a handler such as `exports.onExecutePostLogin`; pass --trigger to say which"
    )]
    UnknownScriptKind { script: String },

    #[error("{0}")]
    Invalid(String),

    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(message.into())
    }
}
