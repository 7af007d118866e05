//! The runtime's own JavaScript (`js-runtime/`), embedded in the binary and
//! compiled to bytecode once per process.
//!
//! Each file is a function expression `(host, rt) => void` that the isolate
//! calls in order before any user code: `host` holds the native functions,
//! `rt` is the private registry the files share.

use std::sync::Arc;

use super::bytecode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RuntimeFile {
    Primordials,
    Core,
    PostLoginApi,
    /// The `api` of every other trigger (builds on PostLoginApi's parts).
    TriggerApis,
    Rules,
    /// Loaded on first use (`require`, or a global such as `Buffer`).
    Lazy(&'static str),
}

/// A vendored CommonJS file, named `vendor/<package>/<path>`.
macro_rules! vendor {
    ($path:literal) => {
        (
            concat!("vendor/", $path),
            include_str!(concat!("../../js-runtime/vendor/", $path)),
        )
    };
}

/// The runtime files loaded on demand, by name.
const LAZY: &[(&str, &str)] = &[
    ("console", include_str!("../../js-runtime/console.js")),
    ("timers", include_str!("../../js-runtime/timers.js")),
    ("api-parts", include_str!("../../js-runtime/api-parts.js")),
    ("modules", include_str!("../../js-runtime/modules.js")),
    ("inspect", include_str!("../../js-runtime/inspect.js")),
    ("errors", include_str!("../../js-runtime/errors.js")),
    ("url", include_str!("../../js-runtime/url.js")),
    (
        "post-login-extras",
        include_str!("../../js-runtime/post-login-extras.js"),
    ),
    (
        "node/buffer",
        include_str!("../../js-runtime/node/buffer.js"),
    ),
    (
        "node/crypto",
        include_str!("../../js-runtime/node/crypto.js"),
    ),
    (
        "node/events",
        include_str!("../../js-runtime/node/events.js"),
    ),
    ("node/util", include_str!("../../js-runtime/node/util.js")),
    (
        "node/querystring",
        include_str!("../../js-runtime/node/querystring.js"),
    ),
    ("node/url", include_str!("../../js-runtime/node/url.js")),
    ("node/path", include_str!("../../js-runtime/node/path.js")),
    ("node/zlib", include_str!("../../js-runtime/node/zlib.js")),
    ("node/fs", include_str!("../../js-runtime/node/fs.js")),
    (
        "node/assert",
        include_str!("../../js-runtime/node/assert.js"),
    ),
    ("node/web", include_str!("../../js-runtime/node/web.js")),
    ("node/fetch", include_str!("../../js-runtime/node/fetch.js")),
    ("node/blob", include_str!("../../js-runtime/node/blob.js")),
    (
        "packages/axios",
        include_str!("../../js-runtime/packages/axios.js"),
    ),
    (
        "packages/request",
        include_str!("../../js-runtime/packages/request.js"),
    ),
    (
        "packages/jsonwebtoken",
        include_str!("../../js-runtime/packages/jsonwebtoken.js"),
    ),
    (
        "packages/uuid",
        include_str!("../../js-runtime/packages/uuid.js"),
    ),
    (
        "packages/auth0",
        include_str!("../../js-runtime/packages/auth0.js"),
    ),
    (
        "node/stream",
        include_str!("../../js-runtime/node/stream.js"),
    ),
    ("node/http", include_str!("../../js-runtime/node/http.js")),
    ("node/os", include_str!("../../js-runtime/node/os.js")),
    ("node/net", include_str!("../../js-runtime/node/net.js")),
    // Published npm code, unmodified (js-runtime/vendor/): CommonJS files,
    // compiled inside a module wrapper (see `compile`).
    vendor!("readable-stream/readable-browser.js"),
    vendor!("readable-stream/errors.js"),
    vendor!("readable-stream/lib/_stream_duplex.js"),
    vendor!("readable-stream/lib/_stream_passthrough.js"),
    vendor!("readable-stream/lib/_stream_readable.js"),
    vendor!("readable-stream/lib/_stream_transform.js"),
    vendor!("readable-stream/lib/_stream_writable.js"),
    vendor!("readable-stream/lib/internal/streams/async_iterator.js"),
    vendor!("readable-stream/lib/internal/streams/buffer_list.js"),
    vendor!("readable-stream/lib/internal/streams/destroy.js"),
    vendor!("readable-stream/lib/internal/streams/end-of-stream.js"),
    vendor!("readable-stream/lib/internal/streams/from.js"),
    vendor!("readable-stream/lib/internal/streams/pipeline.js"),
    vendor!("readable-stream/lib/internal/streams/state.js"),
    vendor!("readable-stream/lib/internal/streams/stream-browser.js"),
];

impl RuntimeFile {
    /// The lazily loaded file of this name.
    pub(crate) fn lazy(name: &str) -> Option<RuntimeFile> {
        LAZY.iter()
            .find(|(n, _)| *n == name)
            .map(|(n, _)| RuntimeFile::Lazy(n))
    }
}

/// A runtime file's source by its file name (`post-login-api.js`).
pub(crate) fn source_of(file: &str) -> Option<&'static str> {
    all()
        .into_iter()
        .find(|f| {
            let name = f.name().trim_start_matches("actionbox:");
            name == file || file.strip_suffix(".js") == Some(name)
        })
        .map(RuntimeFile::source)
}

impl RuntimeFile {
    pub(crate) fn name(self) -> &'static str {
        match self {
            RuntimeFile::Primordials => "actionbox:primordials.js",
            RuntimeFile::Core => "actionbox:core.js",
            RuntimeFile::PostLoginApi => "actionbox:post-login-api.js",
            RuntimeFile::TriggerApis => "actionbox:trigger-apis.js",
            RuntimeFile::Rules => "actionbox:rules.js",
            RuntimeFile::Lazy(name) => name,
        }
    }

    fn source(self) -> &'static str {
        match self {
            RuntimeFile::Primordials => include_str!("../../js-runtime/primordials.js"),
            RuntimeFile::Core => include_str!("../../js-runtime/core.js"),
            RuntimeFile::PostLoginApi => include_str!("../../js-runtime/post-login-api.js"),
            RuntimeFile::TriggerApis => include_str!("../../js-runtime/trigger-apis.js"),
            RuntimeFile::Rules => include_str!("../../js-runtime/rules.js"),
            RuntimeFile::Lazy(name) => LAZY
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, source)| source),
        }
    }
}

/// Loaded into every isolate, in this order.
pub(crate) const CORE: &[RuntimeFile] = &[RuntimeFile::Primordials, RuntimeFile::Core];

/// What each kind of isolate loads on top of the core: a post-login
/// Action's, another trigger's Action's, the Rules'.
pub(crate) const POST_LOGIN: &[RuntimeFile] = &[RuntimeFile::PostLoginApi];
pub(crate) const OTHER_TRIGGERS: &[RuntimeFile] =
    &[RuntimeFile::PostLoginApi, RuntimeFile::TriggerApis];
pub(crate) const RULES: &[RuntimeFile] = &[RuntimeFile::Rules];

/// The core and each kind's files, as `bundle` loads them.
pub(crate) fn bundles() -> Vec<Vec<RuntimeFile>> {
    [POST_LOGIN, OTHER_TRIGGERS, RULES]
        .iter()
        .map(|extra| CORE.iter().chain(extra.iter()).copied().collect())
        .collect()
}

/// Every runtime file.
pub(crate) fn all() -> Vec<RuntimeFile> {
    let mut files = vec![
        RuntimeFile::Primordials,
        RuntimeFile::Core,
        RuntimeFile::PostLoginApi,
        RuntimeFile::TriggerApis,
        RuntimeFile::Rules,
    ];
    files.extend(LAZY.iter().map(|(name, _)| RuntimeFile::Lazy(name)));
    files
}

/// The file's bytecode, compiled once per process (a table lookup: the
/// runtime's own sources are not hashed again for every isolate).
pub(crate) fn bytecode(file: RuntimeFile) -> Result<Arc<[u8]>, String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Table = Mutex<HashMap<&'static str, Arc<[u8]>>>;
    static COMPILED: OnceLock<Table> = OnceLock::new();
    let table = COMPILED.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(bytes) = table.lock().ok().and_then(|t| t.get(file.name()).cloned()) {
        return Ok(bytes);
    }
    let bytes = compile(file)?;
    if let Ok(mut t) = table.lock() {
        t.insert(file.name(), bytes.clone());
    }
    Ok(bytes)
}

fn compile(file: RuntimeFile) -> Result<Arc<[u8]>, String> {
    // Cached by name in `bytecode` above, not by content hash. A vendored
    // CommonJS file becomes the function Node would wrap it in.
    let wrapped;
    let source = if file.name().starts_with("vendor/") {
        wrapped = format!(
            "(function (exports, require, module, __filename, __dirname) {{{}\n}})",
            file.source()
        );
        wrapped.as_str()
    } else {
        file.source()
    };
    bytecode::compile_uncached(file.name(), source, bytecode::Keep::Positions)
        .map(Arc::from)
        .map_err(|e| {
            format!(
                "{}:{}:{}: {} (a bug in actionbox's runtime)",
                file.name(),
                e.line,
                e.column,
                e.message
            )
        })
}

/// The bytecode of several files loaded together into every isolate (the
/// core and a trigger's facade), as one object (`bytecode::compile_bundle`),
/// compiled once per process for each list.
pub(crate) fn bundle(files: &[RuntimeFile]) -> Result<Arc<[u8]>, String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Table = Mutex<HashMap<Vec<RuntimeFile>, Arc<[u8]>>>;
    static BUNDLES: OnceLock<Table> = OnceLock::new();
    let table = BUNDLES.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(bytes) = table.lock().ok().and_then(|t| t.get(files).cloned()) {
        return Ok(bytes);
    }
    let sources: Vec<(&str, &str)> = files.iter().map(|f| (f.name(), f.source())).collect();
    let bytes: Arc<[u8]> = bytecode::compile_bundle(&sources, bytecode::Keep::Positions)
        .map(Arc::from)
        .map_err(|e| {
            format!(
                "{}:{}: {} (a bug in actionbox's runtime)",
                e.line, e.column, e.message
            )
        })?;
    if let Ok(mut t) = table.lock() {
        t.insert(files.to_vec(), bytes.clone());
    }
    Ok(bytes)
}
