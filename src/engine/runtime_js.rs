//! The runtime's own JavaScript (`js-runtime/`), embedded in the binary and
//! compiled to bytecode once per process.
//!
//! Each file is a function expression `(host, rt) => void` that the isolate
//! calls in order before any user code: `host` holds the native functions,
//! `rt` is the private registry the files share.

use std::sync::Arc;

use super::bytecode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuntimeFile {
    Primordials,
    Inspect,
    Core,
    Url,
    PostLoginApi,
    Rules,
}

impl RuntimeFile {
    pub(crate) fn name(self) -> &'static str {
        match self {
            RuntimeFile::Primordials => "actionbox:primordials.js",
            RuntimeFile::Inspect => "actionbox:inspect.js",
            RuntimeFile::Core => "actionbox:core.js",
            RuntimeFile::Url => "actionbox:url.js",
            RuntimeFile::PostLoginApi => "actionbox:post-login-api.js",
            RuntimeFile::Rules => "actionbox:rules.js",
        }
    }

    fn source(self) -> &'static str {
        match self {
            RuntimeFile::Primordials => include_str!("../../js-runtime/primordials.js"),
            RuntimeFile::Inspect => include_str!("../../js-runtime/inspect.js"),
            RuntimeFile::Core => include_str!("../../js-runtime/core.js"),
            RuntimeFile::Url => include_str!("../../js-runtime/url.js"),
            RuntimeFile::PostLoginApi => include_str!("../../js-runtime/post-login-api.js"),
            RuntimeFile::Rules => include_str!("../../js-runtime/rules.js"),
        }
    }
}

/// Loaded into every isolate, in this order.
pub(crate) const CORE: &[RuntimeFile] = &[
    RuntimeFile::Primordials,
    RuntimeFile::Inspect,
    RuntimeFile::Core,
    RuntimeFile::Url,
];

/// Every runtime file.
pub(crate) const ALL: &[RuntimeFile] = &[
    RuntimeFile::Primordials,
    RuntimeFile::Inspect,
    RuntimeFile::Core,
    RuntimeFile::Url,
    RuntimeFile::PostLoginApi,
    RuntimeFile::Rules,
];

pub(crate) fn bytecode(file: RuntimeFile) -> Result<Arc<[u8]>, String> {
    bytecode::compile(file.name(), file.source()).map_err(|e| {
        format!(
            "{}:{}:{}: {} (a bug in actionbox's runtime)",
            file.name(),
            e.line,
            e.column,
            e.message
        )
    })
}
