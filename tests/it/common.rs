//! Every helper the integration tests share (one copy of each).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use actionbox::serve::tenant::read_users;
use actionbox::serve::{LocalTenant, MemoryStore, Server};
use actionbox::{ErrorKind, Flow, Limits, NodeConfig, Outcome, Runner, Script, Settings};
use reqwest::blocking::{Client, Response};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under tests/fixtures/.
pub fn fixture(path: &str) -> PathBuf {
    repo().join("tests/fixtures").join(path)
}

/// An example under actions/.
pub fn example(name: &str) -> PathBuf {
    repo().join("actions").join(name)
}

/// An example event from actions/events/.
pub fn event(name: &str) -> Value {
    let path = repo().join("actions/events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture event is JSON")
}

pub fn script(path: &Path) -> Script {
    Script::from_file(path).unwrap_or_else(|e| panic!("{e}"))
}

/// An Action from inline source.
pub fn action(name: &str, source: &str) -> Script {
    Script::from_source(name, source).unwrap_or_else(|e| panic!("{e}"))
}

/// The test tenant: domain, clients, an API, a signing key, the clock
/// fixed at 2026-11-26T09:15:00Z.
pub fn tenant_settings() -> Settings {
    Settings::from_file(fixture("tenant/actionbox.json")).unwrap_or_else(|e| panic!("{e}"))
}

/// Limits for scripts that end by themselves. The deadline only stops one
/// that hangs by mistake, so it is far beyond what any test needs even on a
/// busy machine: no test may depend on how fast it runs. The memory limit
/// is small so memory bombs end quickly (allocation is not timing).
pub fn test_limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(60),
        memory_bytes: 16 << 20,
        ..Limits::default()
    }
}

/// Limits for scripts that never end: here the deadline is what ends them,
/// so it is short enough to keep the suite quick yet long enough that even
/// a loaded machine reaches the script before it passes. Tests using it
/// assert only that the outcome is a timeout, never how long it took.
pub fn endless_limits() -> Limits {
    Limits {
        timeout: ENDLESS_DEADLINE,
        ..test_limits()
    }
}

pub const ENDLESS_DEADLINE: Duration = Duration::from_secs(2);

pub fn run(scripts: Vec<Script>, event: Option<Value>) -> Outcome {
    let mut flow = Flow::post_login(scripts).with_limits(test_limits());
    flow.event = event;
    Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `scripts` on the database-login event with `node`'s modules,
/// network policy and packages.
pub fn try_run_with_node(
    scripts: Vec<Script>,
    node: NodeConfig,
) -> Result<Outcome, actionbox::Error> {
    let flow = Flow::post_login(scripts)
        .with_event(event("post-login-database.json"))
        .with_limits(test_limits())
        .with_node(node);
    Runner::new().run(&flow)
}

/// [`try_run_with_node`], failing the test on an input error.
pub fn run_with_node(scripts: Vec<Script>, node: NodeConfig) -> Outcome {
    try_run_with_node(scripts, node).unwrap_or_else(|e| panic!("{e}"))
}

/// A Rule from inline source, checked to be recognised as one.
pub fn rule(name: &str, source: &str) -> Script {
    let script = Script::from_source(name, source).unwrap_or_else(|e| panic!("{e}"));
    assert!(script.is_rule(), "{name} is recognised as a Rule");
    script
}

/// Runs one inline Action on the database-login event.
pub fn run_action(source: &str) -> Outcome {
    run(
        vec![action("test.js", source)],
        Some(event("post-login-database.json")),
    )
}

/// The calls the outcome recorded, as "call(args)" strings.
pub fn calls(outcome: &Outcome) -> Vec<String> {
    outcome
        .commands
        .iter()
        .map(|c| {
            format!(
                "{}({})",
                c.call,
                c.args
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect()
}

/// The outcome's log messages, in order.
pub fn logs(outcome: &Outcome) -> Vec<&str> {
    outcome.logs.iter().map(|l| l.message.as_str()).collect()
}

/// The outcome's log messages, after checking that the script did not fail
/// (the failure and the logs are the message when it did).
pub fn ok_logs(outcome: &Outcome) -> Vec<&str> {
    assert!(
        outcome.error.is_none(),
        "script failed: {:?}\nlogs: {:?}",
        outcome.error,
        logs(outcome)
    );
    logs(outcome)
}

/// The outcome's warning messages, in order.
pub fn warnings(outcome: &Outcome) -> Vec<&str> {
    outcome
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect()
}

/// The kind of the outcome's error, if it failed.
pub fn kind(outcome: &Outcome) -> Option<ErrorKind> {
    outcome.error.as_ref().map(|e| e.kind)
}

pub fn error_message(outcome: &Outcome) -> String {
    outcome
        .error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// The actionbox binary, to run from the repository root with neither
/// `RUST_LOG` nor `COLUMNS` of the caller's terminal.
pub fn actionbox_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_actionbox"));
    command
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .env_remove("COLUMNS");
    command
}

/// Runs the actionbox binary from the repository root.
pub fn actionbox(args: &[&str]) -> Output {
    actionbox_command()
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The binary's stdout as JSON, failing the test with both streams if not.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Before any test runs, point npm's registry setting at a closed loopback
/// port and the package cache at a folder of the test build: no test ever
/// reaches the public registry or the user's cache. Tests of packages give
/// their own registry (`TestRegistry`) and cache explicitly; spawned
/// binaries inherit these.
#[ctor::ctor(unsafe)]
fn keep_tests_off_the_public_registry() {
    // SAFETY: runs before main, while the process has one thread.
    unsafe {
        std::env::set_var("npm_config_registry", "http://127.0.0.1:9/");
        std::env::remove_var("NPM_CONFIG_REGISTRY");
        std::env::set_var(
            "ACTIONBOX_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("actionbox-test-cache"),
        );
    }
}

/// An npm registry on loopback serving packages built from the folders of
/// `tests/fixtures/registry/NAME/VERSION/` (each holding its package.json),
/// with the packuments npm's registry would give. Counts tarball
/// downloads; packages can be given a wrong integrity or replaced by a
/// hand-made (hostile) tarball.
pub struct TestRegistry {
    pub url: String,
    pub tarball_hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

pub struct RegistryPackage {
    pub name: String,
    pub version: String,
    pub tarball: Vec<u8>,
    /// What the registry tells of this version beyond its tarball:
    /// `dependencies`, `optionalDependencies`, `peerDependencies`,
    /// `peerDependenciesMeta`, `os`, `cpu` (from its package.json).
    pub metadata: serde_json::Map<String, Value>,
    /// Announce this integrity instead of the tarball's.
    pub wrong_integrity: bool,
}

/// The fields of a package.json the registry's metadata carries for
/// installing it.
fn install_metadata(manifest: &Value) -> serde_json::Map<String, Value> {
    [
        "dependencies",
        "optionalDependencies",
        "peerDependencies",
        "peerDependenciesMeta",
        "os",
        "cpu",
    ]
    .iter()
    .filter_map(|key| Some((key.to_string(), manifest.get(*key)?.clone())))
    .collect()
}

impl RegistryPackage {
    /// A package from `tests/fixtures/registry/NAME/VERSION/` (a scoped
    /// name's folder is `@scope/name`).
    pub fn fixture(name: &str, version: &str) -> RegistryPackage {
        let dir = fixture("registry").join(name).join(version);
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("package.json"))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display())),
        )
        .expect("fixture package.json");
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        builder
            .append_dir_all("package", &dir)
            .expect("fixture tarball");
        let tarball = builder
            .into_inner()
            .and_then(|gz| gz.finish())
            .expect("fixture tarball");
        RegistryPackage {
            name: name.into(),
            version: version.into(),
            tarball,
            metadata: install_metadata(&manifest),
            wrong_integrity: false,
        }
    }

    /// A real package as the npm registry serves it: a tarball made by
    /// `npm pack` in `tests/fixtures/registry-tarballs/` (its name and
    /// dependencies read from the package.json inside).
    pub fn tarball(file: &str) -> RegistryPackage {
        let path = fixture("registry-tarballs").join(file);
        let tarball = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball.as_slice()));
        let manifest: Value = archive
            .entries()
            .expect("tarball entries")
            .filter_map(Result::ok)
            // npm strips the first directory, whatever its name (`package/`
            // mostly; `@types` tarballs use the package's own name).
            .find(|entry| {
                entry.path().is_ok_and(|p| {
                    p.components().count() == 2 && p.file_name() == Some("package.json".as_ref())
                })
            })
            .map(|mut entry| {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut entry, &mut text).expect("package.json");
                serde_json::from_str(&text).expect("package.json is JSON")
            })
            .unwrap_or_else(|| panic!("{file} has no package.json in its top directory"));
        RegistryPackage {
            name: manifest["name"].as_str().expect("name").into(),
            version: manifest["version"].as_str().expect("version").into(),
            tarball,
            metadata: install_metadata(&manifest),
            wrong_integrity: false,
        }
    }

    /// Every tarball in `tests/fixtures/registry-tarballs/`.
    pub fn all_tarballs() -> Vec<RegistryPackage> {
        let mut files: Vec<String> = std::fs::read_dir(fixture("registry-tarballs"))
            .expect("registry-tarballs")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tgz"))
            .collect();
        files.sort();
        files.iter().map(|f| RegistryPackage::tarball(f)).collect()
    }

    /// A package whose tarball is made entry by entry: (raw name, kind,
    /// content); kind is a tar type flag (b'0' file, b'2' symlink, ...).
    pub fn raw(name: &str, version: &str, entries: &[(&str, u8, &[u8])]) -> RegistryPackage {
        let mut tar_bytes = Vec::new();
        for (path, kind, content) in entries {
            let mut header = tar::Header::new_old();
            let raw = &mut header.as_old_mut().name;
            raw[..path.len()].copy_from_slice(path.as_bytes());
            header.set_entry_type(tar::EntryType::new(*kind));
            header.set_mode(0o644);
            header.set_size(content.len() as u64);
            if *kind == b'2' {
                header.set_size(0);
                header.as_old_mut().linkname[..5].copy_from_slice(b"/etc/");
            }
            header.set_cksum();
            tar_bytes.extend_from_slice(header.as_bytes());
            if *kind != b'2' {
                tar_bytes.extend_from_slice(content);
                tar_bytes.resize(tar_bytes.len().div_ceil(512) * 512, 0);
            }
        }
        tar_bytes.extend_from_slice(&[0; 1024]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &tar_bytes).expect("gzip");
        RegistryPackage {
            name: name.into(),
            version: version.into(),
            tarball: gz.finish().expect("gzip"),
            metadata: serde_json::Map::new(),
            wrong_integrity: false,
        }
    }
}

impl TestRegistry {
    pub fn serve(packages: Vec<RegistryPackage>) -> TestRegistry {
        TestRegistry::serve_requiring(packages, None)
    }

    /// A registry answering only requests whose `Authorization` header is
    /// `authorization` (a private registry); others get 401.
    pub fn serve_requiring(
        packages: Vec<RegistryPackage>,
        authorization: Option<String>,
    ) -> TestRegistry {
        use base64::Engine as _;
        use sha2::Digest as _;
        use std::collections::HashMap;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://127.0.0.1:{}/",
            listener.local_addr().expect("addr").port()
        );
        let mut files: HashMap<String, Vec<u8>> = HashMap::new();
        let mut packuments: HashMap<String, Value> = HashMap::new();
        for package in packages {
            let file = format!(
                "tarballs/{}-{}.tgz",
                package.name.replace('/', "-"),
                package.version
            );
            let digest = sha2::Sha512::digest(if package.wrong_integrity {
                b"not the tarball".as_slice()
            } else {
                &package.tarball
            });
            let integrity = format!(
                "sha512-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
            let packument = packuments.entry(package.name.clone()).or_insert_with(
                || serde_json::json!({ "name": package.name, "dist-tags": {}, "versions": {} }),
            );
            let mut version = package.metadata.clone();
            version.insert("name".into(), Value::String(package.name.clone()));
            version.insert("version".into(), Value::String(package.version.clone()));
            version.insert(
                "dist".into(),
                serde_json::json!({ "tarball": format!("{url}{file}"), "integrity": integrity }),
            );
            packument["versions"][&package.version] = Value::Object(version);
            packument["dist-tags"]["latest"] = Value::String(package.version.clone());
            files.insert(file, package.tarball);
        }
        for (name, packument) in packuments {
            files.insert(
                name.replace('/', "%2f"),
                serde_json::to_vec(&packument).expect("packument"),
            );
        }
        let files = std::sync::Arc::new(files);
        let authorization = std::sync::Arc::new(authorization);
        let tarball_hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let hits = tarball_hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let files = files.clone();
                let hits = hits.clone();
                let authorization = authorization.clone();
                std::thread::spawn(move || {
                    answer_registry_request(stream, &files, &hits, authorization.as_deref())
                });
            }
        });
        TestRegistry { url, tarball_hits }
    }

    /// Package options using this registry and `cache`.
    pub fn options(&self, cache: &Path) -> actionbox::packages::PackageOptions {
        actionbox::packages::PackageOptions {
            registry: Some(self.url.clone()),
            cache_dir: Some(cache.to_path_buf()),
            ..Default::default()
        }
    }
}

fn answer_registry_request(
    stream: std::net::TcpStream,
    files: &std::collections::HashMap<String, Vec<u8>>,
    hits: &std::sync::atomic::AtomicUsize,
    authorization: Option<&str>,
) {
    use std::io::{BufRead, Write};
    let mut reader = std::io::BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorized = authorization.is_none();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let (Some((name, value)), Some(wanted)) = (line.split_once(':'), authorization)
            && name.eq_ignore_ascii_case("authorization")
            && value.trim() == wanted
        {
            authorized = true;
        }
    }
    if !authorized {
        let mut stream = &stream;
        let _ = write!(
            stream,
            "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        );
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let mut stream = &stream;
    match files.get(&path) {
        Some(body) => {
            if path.starts_with("tarballs/") {
                hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(body);
        }
        None => {
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    }
}

/// Whether a test must be skipped because an outside program it drives is not
/// installed. `.ci/run` installs them and sets `ACTIONBOX_REQUIRE_TOOLS`, so
/// there a missing one fails the test; on a machine with only the Rust
/// toolchain the test is skipped and says so on stderr.
pub fn skip_without(found: bool, what: &str, package: &str) -> bool {
    if found {
        return false;
    }
    assert!(
        std::env::var_os("ACTIONBOX_REQUIRE_TOOLS").is_none(),
        "no {what}: install the Debian package {package} (.ci/run does)"
    );
    eprintln!("skipped: no {what} (install the Debian package {package} to run this test)");
    true
}

/// Whether `program` is on the PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// The test binary's allocator: the system's, counting the bytes live and
/// their peak, so a test can measure what the main process holds while it
/// runs a flow ([`heap_peak_of`]). Counting is two atomic additions per
/// allocation; it measures bytes, never time.
pub struct CountingAllocator;

static LIVE_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static PEAK_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn grew(by: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    let live = LIVE_BYTES.fetch_add(by, Relaxed) + by;
    PEAK_BYTES.fetch_max(live, Relaxed);
}

fn shrank(by: usize) {
    LIVE_BYTES.fetch_sub(by, std::sync::atomic::Ordering::Relaxed);
}

// SAFETY: every call is passed to the system allocator unchanged; only the
// counters are added.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as GlobalAlloc::alloc requires.
        let ptr = unsafe { std::alloc::System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: as for alloc.
        let ptr = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: ptr came from this allocator with this layout.
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: ptr came from this allocator with this layout.
        let new = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            grew(new_size);
            shrank(layout.size());
        }
        new
    }
}

/// The most bytes `work` held on the heap at once beyond what was live
/// when it started. Other threads' allocations count too, so a caller runs
/// alone in its process ([`alone_in_a_process`]).
pub fn heap_peak_of<T>(work: impl FnOnce() -> T) -> (usize, T) {
    use std::sync::atomic::Ordering::Relaxed;
    let before = LIVE_BYTES.load(Relaxed);
    PEAK_BYTES.store(before, Relaxed);
    let result = work();
    (PEAK_BYTES.load(Relaxed).saturating_sub(before), result)
}

/// Whether this is the process of its own that [`alone_in_a_process`]
/// started; if not, runs the test `name` (`module::test`) again in one and
/// fails with its output when it fails.
pub fn alone_in_a_process(name: &str) -> bool {
    const ALONE: &str = "ACTIONBOX_TEST_ALONE";
    if std::env::var_os(ALONE).is_some() {
        return true;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE, "1")
        .output()
        .expect("the test binary runs");
    let out = String::from_utf8_lossy(&output.stdout);
    // Its figures, for `cargo test -- --nocapture`.
    println!("{out}");
    assert!(
        output.status.success() && out.contains("1 passed"),
        "{name}, alone in a process:\n{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    false
}

// `serve`: a server on loopback, a cookie-keeping client, tokens.

pub const WEB: &str = "webAppClientId00000000000000001";
pub const WEB_SECRET: &str = "web-client-secret-for-tests";
pub const WEB_CALLBACK: &str = "http://app.test/callback";

pub const M2M: &str = "m2mClientId000000000000000000001";
pub const M2M_SECRET: &str = "m2m-client-secret-for-tests";
pub const API: &str = "https://api.acme.example";

/// A `serve` on a free loopback port, stopped when dropped.
pub struct TestServer {
    pub base: String,
    _runtime: tokio::runtime::Runtime,
}

pub fn serve_fixture(name: &str) -> std::path::PathBuf {
    fixture("serve").join(name)
}

/// The test tenant: a Rule, two post-login Actions (one counting visits in
/// `api.cache`), a redirect Action, a credentials-exchange Action, one
/// Action each for pre- and post-user-registration and post-change-password,
/// four users.
pub fn test_tenant() -> LocalTenant {
    test_tenant_with(|_| {})
}

/// [`test_tenant`] with its settings changed by `edit` first.
pub fn test_tenant_with(edit: impl FnOnce(&mut Settings)) -> LocalTenant {
    let mut settings =
        Settings::from_file(serve_fixture("actionbox.json")).unwrap_or_else(|e| panic!("{e}"));
    edit(&mut settings);
    let scripts: Vec<Script> = [
        "add-roles.js",
        "login-claims.js",
        "accept-terms.js",
        "count-visits.js",
        "m2m-customer.js",
        "signup-policy.js",
        "welcome.js",
        "password-changed.js",
    ]
    .iter()
    .map(|name| script(&serve_fixture(name)))
    .collect();
    let users = read_users(
        &serve_fixture("users.json"),
        "Username-Password-Authentication",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (tenant, warnings) = LocalTenant::from_scripts(
        settings,
        scripts,
        actionbox::NodeConfig::default(),
        test_limits(),
        users,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    tenant
}

pub fn start(tenant: LocalTenant, store: Arc<dyn actionbox::serve::Store>) -> TestServer {
    start_with(tenant, Some(store), "memory", None)
}

/// A server whose store is `store`, or else the one `spec` names (opened on
/// the server's own runtime, as a separate process would), reached at
/// `issuer` (default: its own address).
pub fn start_with(
    tenant: LocalTenant,
    store: Option<Arc<dyn actionbox::serve::Store>>,
    spec: &str,
    issuer: Option<&str>,
) -> TestServer {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let base = format!("http://{address}/");
    let store = match store {
        Some(store) => store,
        None => runtime
            .block_on(actionbox::serve::store::open(spec))
            .unwrap_or_else(|e| panic!("{e}")),
    };
    let server = Server::new(
        tenant,
        Runner::with_threads(2),
        store,
        issuer.unwrap_or(&base),
    );
    runtime.block_on(server.seed_users()).expect("seed users");
    runtime.spawn(async move { server.run(listener).await });
    TestServer {
        base,
        _runtime: runtime,
    }
}

pub fn start_default() -> TestServer {
    start(test_tenant(), Arc::new(MemoryStore::new()))
}

/// A browser that keeps cookies and shows every redirect.
pub struct Browser {
    client: Client,
    cookies: HashMap<String, String>,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    pub fn new() -> Browser {
        Browser {
            // Generous: hundreds of browsers may wait on two busy cores
            // (reqwest's blocking default is 30 s).
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(300))
                .build()
                .expect("client"),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, response: &Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = value.to_str().unwrap_or("");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
    }

    pub fn get(&mut self, url: &str) -> Response {
        let response = self
            .client
            .get(url)
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.keep_cookies(&response);
        response
    }

    pub fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Response {
        let response = self
            .client
            .post(url)
            .header(reqwest::header::COOKIE, self.cookie_header())
            .form(form)
            .send()
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.keep_cookies(&response);
        response
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
    }
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location (status {})", response.status()))
        .to_string()
}

/// A hidden input's value in a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in the page:\n{page}"))
        + marker.len();
    page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A query (or fragment) parameter of a URL.
pub fn url_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).expect("URL");
    let from_query = parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned());
    from_query.or_else(|| {
        url::form_urlencoded::parse(parsed.fragment().unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    })
}

/// Follows /authorize to the login page: its URL and HTML.
pub fn login_page(browser: &mut Browser, authorize: &str) -> (url::Url, String) {
    let to_login = browser.get(authorize);
    assert_eq!(
        to_login.status(),
        302,
        "authorize answers with the login page"
    );
    let url = url::Url::parse(authorize)
        .expect("URL")
        .join(&location(&to_login))
        .expect("login URL");
    let page = browser.get(url.as_str());
    assert_eq!(page.status(), 200);
    (url, page.text().expect("page"))
}

/// Follows /authorize to the login page and posts the form; returns the
/// response to the form post.
pub fn log_in(browser: &mut Browser, authorize_url: &str, user: &str, password: &str) -> Response {
    let (login_url, page) = login_page(browser, authorize_url);
    let state = hidden(&page, "state");
    let csrf = hidden(&page, "_csrf");
    browser.post_form(
        login_url.join("/u/login").expect("URL").as_str(),
        &[
            ("state", state.as_str()),
            ("_csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ],
    )
}

pub fn payload(jwt: &str) -> Value {
    actionbox::token::sign::decode_part(jwt, 1).unwrap_or_else(|e| panic!("{e}"))
}

pub fn http() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn token_request(server: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    token_request_at(&server.base, form)
}

/// A form POSTed to `<base>oauth/token`: the status and the JSON answer.
pub fn token_request_at(base: &str, form: &[(&str, &str)]) -> (u16, Value) {
    json_answer(
        http()
            .post(format!("{base}oauth/token"))
            .form(form)
            .send()
            .expect("token request"),
    )
}

/// A response's status and JSON body (`null` when the body is not JSON).
pub fn json_answer(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().unwrap_or_default()).unwrap_or(Value::Null),
    )
}

/// The logins `/__actionbox/logins` lists (JSON), newest first.
pub fn logins(server: &TestServer) -> Vec<Value> {
    let text = http()
        .get(format!("{}__actionbox/logins?format=json", server.base))
        .send()
        .expect("logins")
        .text()
        .expect("body");
    serde_json::from_str::<Vec<Value>>(&text).expect("a JSON list")
}

// Chromium, for the login page and the HTML reports.

/// Headless Chromium with everything it writes (profile, singleton
/// socket, crash and shared-memory files) in a directory of its own,
/// removed when this is dropped: Chromium puts what it does not keep in its
/// profile under `TMPDIR`, and a killed browser never cleans up there.
pub struct Chromium {
    // Declared first so it is dropped (the process killed) before `_dir`
    // is removed.
    browser: headless_chrome::Browser,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Chromium {
    type Target = headless_chrome::Browser;
    fn deref(&self) -> &headless_chrome::Browser {
        &self.browser
    }
}

/// Headless Chromium (the Debian `chromium`), or `None` where it is missing
/// (outside `.ci/run`).
pub fn chromium() -> Option<Chromium> {
    let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists());
    if skip_without(path.is_some(), "Chromium", "chromium") {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("actionbox-chromium")
        .tempdir()
        .expect("a directory for Chromium");
    let profile = dir.path().join("profile");
    let temp = dir.path().join("tmp");
    std::fs::create_dir_all(&temp).expect("Chromium's TMPDIR");
    let env = HashMap::from([("TMPDIR".to_string(), temp.display().to_string())]);
    let options = headless_chrome::LaunchOptions::default_builder()
        .path(path)
        .headless(true)
        // Containers run the tests as root, where Chromium's sandbox cannot start.
        .sandbox(false)
        .window_size(Some((1000, 800)))
        .idle_browser_timeout(Duration::from_secs(300))
        .user_data_dir(Some(profile))
        .process_envs(Some(env))
        .build()
        .expect("launch options");
    let browser = headless_chrome::Browser::new(options).expect("Chromium starts");
    Some(Chromium { browser, _dir: dir })
}

/// The screenshot is a real page: a PNG of the window's size with many
/// colours (text, buttons), not one blank colour.
pub fn assert_not_blank(png: &[u8]) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert!(
        info.width >= 500 && info.height >= 400,
        "{}x{}",
        info.width,
        info.height
    );
    let bytes = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> =
        pixels[..info.buffer_size()].chunks(bytes).collect();
    assert!(
        colours.len() > 10,
        "the screenshot is blank ({} colours)",
        colours.len()
    );
}

/// POSTs `body` as JSON to the server's `path`: the status and the JSON answer.
pub fn post_json(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let response = http()
        .post(format!("{}{path}", server.base))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path} answered {text}")),
    )
}

/// Copies the folder `from`, with everything below it, to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A password grant of the tests' web client, asking for `openid email`:
/// the status and the answer.
pub fn password_grant(server: &TestServer, user: &str, password: &str) -> (u16, Value) {
    token_request(
        server,
        &[
            ("grant_type", "password"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("username", user),
            ("password", password),
            ("scope", "openid email"),
        ],
    )
}
