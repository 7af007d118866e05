//! Every helper the integration tests share (one copy of each).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use actionbox::{ErrorKind, Flow, Limits, Outcome, Runner, Script, Settings};
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

/// Runs the actionbox binary from the repository root.
pub fn actionbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actionbox"))
        .args(args)
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .env_remove("COLUMNS")
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
    pub dependencies: serde_json::Map<String, Value>,
    /// Announce this integrity instead of the tarball's.
    pub wrong_integrity: bool,
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
            dependencies: manifest
                .get("dependencies")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
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
            .find(|entry| {
                entry
                    .path()
                    .is_ok_and(|p| p.to_str() == Some("package/package.json"))
            })
            .map(|mut entry| {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut entry, &mut text).expect("package.json");
                serde_json::from_str(&text).expect("package.json is JSON")
            })
            .unwrap_or_else(|| panic!("{file} has no package/package.json"));
        RegistryPackage {
            name: manifest["name"].as_str().expect("name").into(),
            version: manifest["version"].as_str().expect("version").into(),
            tarball,
            dependencies: manifest
                .get("dependencies")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
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
            dependencies: serde_json::Map::new(),
            wrong_integrity: false,
        }
    }
}

impl TestRegistry {
    pub fn serve(packages: Vec<RegistryPackage>) -> TestRegistry {
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
            packument["versions"][&package.version] = serde_json::json!({
                "name": package.name,
                "version": package.version,
                "dependencies": package.dependencies,
                "dist": { "tarball": format!("{url}{file}"), "integrity": integrity },
            });
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
        let tarball_hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let hits = tarball_hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let files = files.clone();
                let hits = hits.clone();
                std::thread::spawn(move || answer_registry_request(stream, &files, &hits));
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
) {
    use std::io::{BufRead, Write};
    let mut reader = std::io::BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
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
