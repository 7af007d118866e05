//! npm packages fetched by the host from a registry (here a loopback one
//! serving tests/fixtures/registry), verified, laid out as npm lays them
//! out and kept in a cache shared by processes; hostile tarballs refused.

use std::path::Path;
use std::sync::atomic::Ordering;

use crate::common::*;
use actionbox::packages::{PackageSource, PackageUse};
use actionbox::{NodeConfig, Outcome};

fn fixtures() -> Vec<RegistryPackage> {
    [
        ("greeting", "1.0.0"),
        ("greeting", "2.0.0"),
        ("shout", "1.0.0"),
        ("shout", "1.2.0"),
        ("shout", "2.0.0"),
        ("loud", "1.0.0"),
        ("@acme/tools", "1.0.0"),
    ]
    .iter()
    .map(|(name, version)| RegistryPackage::fixture(name, version))
    .collect()
}

fn used(outcome: &Outcome) -> Vec<(String, String, PackageSource)> {
    let mut all: Vec<_> = outcome
        .packages
        .iter()
        .map(
            |PackageUse {
                 name,
                 version,
                 source,
             }| (name.clone(), version.clone(), *source),
        )
        .collect();
    all.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    all
}

const TWO_VERSIONS_RULE: &str = r#"function (user, context, callback) {
    const greetOld = require('greeting@1.0.0');
    const greetNew = require('greeting');
    const { reverse } = require('@acme/tools/lib/strings');
    console.log(greetOld('ada'));
    console.log(greetNew('ada'));
    console.log(reverse('abc'), require('@acme/tools@1.0.0').version);
    callback(null, user, context);
}"#;

#[test]
fn a_rule_installs_versioned_unversioned_scoped_and_subpath_requires_then_runs_offline() {
    let registry = TestRegistry::serve(fixtures());
    let cache = tempfile::tempdir().unwrap();
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    let outcome = try_run_with_node(
        vec![rule("packages-rule.js", TWO_VERSIONS_RULE)],
        node.clone(),
    )
    .unwrap();
    assert_eq!(
        ok_logs(&outcome),
        [
            "HELLO ADA! [shout 1.2.0] (greeting 1)",
            "HI ADA!!! [shout 2.0.0] (greeting 2)",
            "cba 1.0.0"
        ]
    );
    use PackageSource::Registry;
    assert_eq!(
        used(&outcome),
        [
            ("@acme/tools".into(), "1.0.0".into(), Registry),
            ("greeting".into(), "1.0.0".into(), Registry),
            ("greeting".into(), "2.0.0".into(), Registry),
            ("shout".into(), "1.2.0".into(), Registry),
            ("shout".into(), "2.0.0".into(), Registry),
        ]
    );
    let downloads = registry.tarball_hits.load(Ordering::SeqCst);
    assert_eq!(downloads, 5);

    // Offline, the same Rule runs from the cache alone.
    node.packages.offline = true;
    let outcome =
        try_run_with_node(vec![rule("packages-rule.js", TWO_VERSIONS_RULE)], node).unwrap();
    assert_eq!(ok_logs(&outcome).len(), 3);
    assert!(
        used(&outcome)
            .iter()
            .all(|(_, _, source)| *source == PackageSource::Cache)
    );
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), downloads);
}

#[test]
fn offline_misses_fail_before_running_naming_each_package_and_the_fix() {
    let registry = TestRegistry::serve(fixtures());
    let cache = tempfile::tempdir().unwrap();
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    node.packages.offline = true;
    let error = try_run_with_node(vec![rule("packages-rule.js", TWO_VERSIONS_RULE)], node)
        .unwrap_err()
        .to_string();
    for needle in [
        "offline",
        "greeting@1.0.0",
        "@acme/tools@1.0.0",
        "actionbox deps fetch",
        &cache.path().display().to_string(),
    ] {
        assert!(error.contains(needle), "{needle} not in: {error}");
    }
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 0);
}

#[test]
fn declared_dependencies_are_hoisted_unless_versions_conflict_as_npm_does() {
    let registry = TestRegistry::serve(fixtures());
    let cache = tempfile::tempdir().unwrap();
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    node.dependencies.insert("greeting".into(), "1.0.0".into());
    node.dependencies.insert("loud".into(), "^1.0.0".into());
    let source = r#"exports.onExecutePostLogin = async () => {
        console.log(require('greeting')('bob'));
        console.log(require('loud')('bob'));
        // Hoisted: the top-level shout is greeting's (^1), loud's nests.
        console.log(require.resolve('loud').replace(/^\/npm\/[^/]+\//, ''));
        try { require('shout-not-declared'); } catch (e) { console.log(e.message.split('\n')[0]); }
    };"#;
    let outcome = try_run_with_node(vec![action("deps.js", source)], node).unwrap();
    let lines = ok_logs(&outcome);
    assert_eq!(lines[0], "HELLO BOB! [shout 1.2.0] (greeting 1)");
    assert_eq!(lines[1], "BOB!!! [shout 2.0.0]");
    assert_eq!(lines[2], "node_modules/loud/index.js");
    assert_eq!(lines[3], "Cannot find module 'shout-not-declared'");
    let message = logs(&outcome).join("\n");
    assert!(!message.contains("panic"), "{message}");
}

#[test]
fn an_undeclared_package_in_an_action_names_the_declaration_it_needs() {
    let registry = TestRegistry::serve(fixtures());
    let cache = tempfile::tempdir().unwrap();
    let node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    let source = r#"exports.onExecutePostLogin = async () => { require('greeting'); };"#;
    let outcome = try_run_with_node(vec![action("undeclared.js", source)], node).unwrap();
    let message = error_message(&outcome);
    assert!(
        message.contains("Cannot find module 'greeting'"),
        "{message}"
    );
    assert!(
        message.contains("--dependency greeting@VERSION"),
        "{message}"
    );
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 0);
}

fn require_failure(package: RegistryPackage, cache: &Path) -> String {
    let name = package.name.clone();
    let version = package.version.clone();
    let registry = TestRegistry::serve(vec![package]);
    let node = NodeConfig {
        packages: registry.options(cache),
        ..NodeConfig::default()
    };
    let source = format!(
        "function (user, context, callback) {{ require('{name}@{version}'); callback(null, user, context); }}"
    );
    let outcome = try_run_with_node(vec![rule("packages-rule.js", &source)], node).unwrap();
    error_message(&outcome)
}

/// Everything under `root`, relative.
fn tree(root: &Path) -> Vec<String> {
    let mut all = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            all.push(path.strip_prefix(root).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    all.sort();
    all
}

#[test]
fn a_tarball_that_fails_its_integrity_check_is_not_installed() {
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let mut package = RegistryPackage::fixture("shout", "1.0.0");
    package.wrong_integrity = true;
    let message = require_failure(package, &cache);
    assert!(
        message.contains("Cannot find module 'shout@1.0.0'"),
        "{message}"
    );
    assert!(message.contains("integrity check failed"), "{message}");
    assert!(message.contains("shout@1.0.0"), "{message}");
    assert!(
        !tree(&cache).iter().any(|p| p.starts_with("npm/store/")),
        "{:?}",
        tree(&cache)
    );
}

#[test]
fn hostile_tarballs_are_refused_and_nothing_is_written_outside_the_cache() {
    type Entry<'a> = (&'a str, u8, &'a [u8]);
    let cases: Vec<(&str, Vec<Entry>, &str)> = vec![
        (
            "dotdot",
            vec![
                ("package/index.js", b'0', b"1"),
                ("package/../../../escaped.js", b'0', b"pwned"),
            ],
            "absolute or '..' path",
        ),
        (
            "absolute",
            vec![("/tmp/actionbox-escaped.js", b'0', b"pwned")],
            "absolute or '..' path",
        ),
        (
            "symlinked",
            vec![("package/link", b'2', b"")],
            "a symbolic link",
        ),
        ("device", vec![("package/null", b'3', b"")], "a device"),
        ("fifo", vec![("package/pipe", b'6', b"")], "a named pipe"),
    ];
    for (name, entries, expected) in cases {
        let root = tempfile::tempdir().unwrap();
        let cache = root.path().join("cache");
        let message = require_failure(RegistryPackage::raw(name, "1.0.0", &entries), &cache);
        assert!(message.contains("refused the tarball"), "{name}: {message}");
        assert!(message.contains(expected), "{name}: {message}");
        assert_eq!(
            tree(root.path())
                .iter()
                .filter(|p| !p.starts_with("cache"))
                .count(),
            0,
            "{name}"
        );
        assert!(
            !tree(&cache).iter().any(|p| p.starts_with("npm/store/")),
            "{name}"
        );
        assert!(
            !tree(&cache).iter().any(|p| p.contains("escaped")),
            "{name}"
        );
    }
    assert!(!Path::new("/tmp/actionbox-escaped.js").exists());
}

#[test]
fn tarballs_of_a_huge_file_or_too_many_files_are_refused_before_unpacking() {
    // A header claiming a 3 GiB file: refused on its size, nothing read.
    let root = tempfile::tempdir().unwrap();
    let mut huge = RegistryPackage::raw("huge", "1.0.0", &[("package/index.js", b'0', b"1")]);
    huge.tarball = {
        let mut header = tar::Header::new_gnu();
        header.set_path("package/big.bin").unwrap();
        header.set_size(3 << 30);
        header.set_cksum();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, header.as_bytes()).unwrap();
        std::io::Write::write_all(&mut gz, &[0; 4096]).unwrap();
        gz.finish().unwrap()
    };
    let message = require_failure(huge, &root.path().join("cache"));
    assert!(
        message.contains("over the") && message.contains("limit for one file"),
        "{message}"
    );

    // 100,001 empty files.
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for i in 0..=actionbox::packages::store::MAX_FILES {
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("package/f{i}"), std::io::empty())
            .unwrap();
    }
    let mut many = RegistryPackage::raw("many", "1.0.0", &[("package/index.js", b'0', b"1")]);
    many.tarball = builder.into_inner().unwrap().finish().unwrap();
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("cache");
    let message = require_failure(many, &cache);
    assert!(message.contains("more than 100000 files"), "{message}");
    assert!(!tree(&cache).iter().any(|p| p.starts_with("npm/store/")));
    // The refused unpacking left no staging folder behind.
    assert!(
        !tree(&cache).iter().any(|p| p.starts_with("npm/tmp/")),
        "{:?}",
        tree(&cache)
            .iter()
            .filter(|p| p.starts_with("npm/tmp"))
            .take(3)
            .collect::<Vec<_>>()
    );
}

#[test]
fn processes_fetching_the_same_packages_at_once_download_each_once() {
    let registry = TestRegistry::serve(fixtures());
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rule_file = dir.path().join("greet.js");
    std::fs::write(
        &rule_file,
        "function (user, context, callback) { console.log(require('greeting@1.0.0')('ci')); callback(null, user, context); }",
    )
    .unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            crate::common::actionbox_command()
                .args([
                    "run",
                    rule_file.to_str().unwrap(),
                    "--format",
                    "json",
                    "--cache-dir",
                ])
                .arg(cache.path())
                .env("npm_config_registry", &registry.url)
                .env_remove("RUST_LOG")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        let outcome = json(&output);
        assert_eq!(outcome["status"], "allowed", "{}", stderr(&output));
        assert_eq!(
            outcome["logs"][0]["message"],
            "HELLO CI! [shout 1.2.0] (greeting 1)"
        );
    }
    // greeting 1.0.0 and shout 1.2.0, each downloaded by one process only.
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 2);
}

#[test]
fn a_package_using_node_built_ins_gets_http_answered_by_mocks_and_a_clear_refusal_for_sockets() {
    let registry = TestRegistry::serve(vec![RegistryPackage::fixture("uses-builtins", "1.0.0")]);
    let cache = tempfile::tempdir().unwrap();
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    node.net.mocks = serde_json::from_value(serde_json::json!([{
        "method": "GET",
        "url": "https://status.example.com/health",
        "response": { "status": 200, "headers": { "content-type": "text/plain" }, "body": "all good" }
    }]))
    .unwrap();
    let source = r#"function (user, context, callback) {
        const pkg = require('uses-builtins@1.0.0');
        console.log(pkg.machine(), JSON.stringify(pkg.ipKinds('10.0.0.1', '::1', 'db')));
        try { pkg.connect(); } catch (e) { console.log(e.code, e.message.split(';')[0]); }
        pkg.resolve('db.internal').catch((e) => console.log('dns', e.code));
        pkg.fetchShouting('https://status.example.com/health').then((r) => {
            console.log(r.status, r.type, r.body);
            return pkg.fetchShouting('http://unmocked.example.com/');
        }).catch((e) => {
            console.log(e.code, e.message.split(':')[0]);
            callback(null, user, context);
        });
    }"#;
    let outcome = try_run_with_node(vec![rule("packages-rule.js", source)], node).unwrap();
    let lines = ok_logs(&outcome);
    assert_eq!(lines[0], "linux/x64 actionbox tty=false [4,6,0]");
    assert_eq!(
        lines[1],
        "ERR_ACTIONBOX_NO_SOCKETS net.createConnection: scripts cannot open network connections, listen for them or resolve names in actionbox"
    );
    assert!(lines.contains(&"dns ERR_ACTIONBOX_NO_SOCKETS"), "{lines:?}");
    assert!(lines.contains(&"200 text/plain ALL GOOD"), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("ECONNREFUSED network access to unmocked.example.com is not allowed")),
        "{lines:?}"
    );
    let urls: Vec<_> = outcome
        .requests
        .iter()
        .map(|r| (r.url.as_str(), r.disposition))
        .collect();
    use actionbox::net::Disposition;
    assert_eq!(
        urls,
        [
            ("https://status.example.com/health", Disposition::Mocked),
            ("http://unmocked.example.com/", Disposition::Refused)
        ]
    );
}

#[test]
fn deps_fetch_fills_the_cache_so_an_offline_run_needs_no_registry() {
    // uuid is emulated, but its real code runs when the registry has it:
    // deps fetch fetches it too.
    let mut packages = fixtures();
    packages.push(RegistryPackage::tarball("uuid-3.4.0.tgz"));
    let registry = TestRegistry::serve(packages);
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rule_file = dir.path().join("greet.js");
    std::fs::write(
        &rule_file,
        "function (user, context, callback) { console.log(require('greeting@1.0.0')('ops')); require('uuid'); callback(null, user, context); }",
    )
    .unwrap();
    let command = |args: &[&str]| {
        crate::common::actionbox_command()
            .args(args)
            .arg("--cache-dir")
            .arg(cache.path())
            .env("npm_config_registry", &registry.url)
            .env_remove("RUST_LOG")
            .output()
            .expect("runs")
    };
    let rule_path = rule_file.to_str().unwrap();
    let fetched = command(&["deps", "fetch", rule_path]);
    assert!(fetched.status.success(), "{}", stderr(&fetched));
    let text = String::from_utf8_lossy(&fetched.stdout);
    assert!(text.contains("greeting@1.0.0  downloaded"), "{text}");
    assert!(text.contains("shout@1.2.0  downloaded"), "{text}");
    assert!(text.contains("uuid@3.4.0  downloaded"), "{text}");
    let again = command(&["deps", "fetch", rule_path]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("greeting@1.0.0  already cached"));
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 3);

    let offline = command(&["run", rule_path, "--offline"]);
    let pretty = String::from_utf8_lossy(&offline.stdout);
    assert!(offline.status.success(), "{pretty}{}", stderr(&offline));
    assert!(
        pretty.contains("HELLO OPS! [shout 1.2.0] (greeting 1)"),
        "{pretty}"
    );
    assert!(
        pretty.contains("greeting@1.0.0  from the package cache"),
        "{pretty}"
    );
    assert!(
        pretty.contains("uuid@3.4.0  from the package cache"),
        "{pretty}"
    );
}

#[test]
fn a_rule_requiring_lodash_4_17_19_runs_on_a_fresh_cache_then_offline_with_no_registry() {
    let registry = TestRegistry::serve(vec![RegistryPackage::tarball("lodash-4.17.19.tgz")]);
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rule_file = dir.path().join("lodash-rule.js");
    std::fs::write(
        &rule_file,
        r#"function (user, context, callback) {
            const _ = require('lodash@4.17.19');
            console.log(_.VERSION, _.chunk(['a', 'b', 'c'], 2).length, _.get(user, 'app_metadata.plan', 'free'));
            callback(null, user, context);
        }"#,
    )
    .unwrap();
    let run = |registry_url: &str, extra: &[&str]| {
        crate::common::actionbox_command()
            .arg("run")
            .arg(&rule_file)
            .args(extra)
            .args(["--format", "json", "--cache-dir"])
            .arg(cache.path())
            .env("npm_config_registry", registry_url)
            .env_remove("RUST_LOG")
            .output()
            .expect("runs")
    };
    let lodash_use = |output: &std::process::Output| {
        let outcome: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                panic!(
                    "{e}: {}{}",
                    String::from_utf8_lossy(&output.stdout),
                    stderr(output)
                )
            });
        let logs: Vec<String> = outcome["logs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["message"].as_str().map(str::to_string))
            .collect();
        (logs, outcome["packages"].clone())
    };
    let fresh = run(&registry.url, &[]);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    let (logs, packages) = lodash_use(&fresh);
    assert_eq!(logs, ["4.17.19 2 free"], "{packages}");
    assert_eq!(
        packages,
        serde_json::json!([{ "name": "lodash", "version": "4.17.19", "source": "registry" }])
    );
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 1);

    // Offline, with the registry gone (a closed port): the cache answers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let offline = run(&gone, &["--offline"]);
    assert!(offline.status.success(), "{}", stderr(&offline));
    let (logs, packages) = lodash_use(&offline);
    assert_eq!(logs, ["4.17.19 2 free"]);
    assert_eq!(
        packages,
        serde_json::json!([{ "name": "lodash", "version": "4.17.19", "source": "cache" }])
    );
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 1);
}

#[test]
fn rules_get_the_sandbox_globals_auth0_provided_without_require() {
    // As on Auth0's Rules sandbox: `request`, `_`, `jwt` and `crypto` are
    // globals; the database helpers fail with the one no-sockets message.
    let source = r#"function (user, context, callback) {
        request.get({ url: 'https://crm.example.com/tier', json: true }, function (err, response, body) {
            if (err) return callback(err);
            console.log('request', response.statusCode, body.tier);
            console.log('lodash', _.VERSION, _.pick(user, ['email']).email);
            const token = jwt.sign({ sub: user.user_id }, 'shh', { expiresInMinutes: 5 });
            const claims = jwt.verify(token, 'shh');
            console.log('jwt', claims.exp - claims.iat, claims.sub === user.user_id);
            console.log('crypto', crypto.createHmac('sha256', 'k').update('x').digest('hex'));
            try {
                mongo('mongodb://db.example.com/users', function () {});
            } catch (e) {
                console.log('mongo', e.code, e.message.split(':')[0]);
            }
            callback(null, user, context);
        });
    }"#;
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..Default::default()
    };
    node.net.mocks = serde_json::from_value(serde_json::json!([
        { "method": "GET", "url": "https://crm.example.com/tier", "response": { "body": { "tier": "gold" } } }
    ]))
    .expect("mocks");
    let outcome = try_run_with_node(vec![rule("sandbox-globals.js", source)], node)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok_logs(&outcome),
        [
            "request 200 gold",
            "lodash 4.17.19 jane.doe@acme.example",
            "jwt 300 true",
            "crypto c38edc8815c8489f64738978f44008f8596345545f0baa68ef6fcf5c53e57189",
            "mongo ERR_ACTIONBOX_NO_SOCKETS mongo (the Rules global connecting to MongoDB)",
        ],
        "{}",
        error_message(&outcome)
    );
    // The real packages at the Rules' default versions, installed before
    // the Rule ran (none emulated).
    let sources = used(&outcome);
    for (name, version) in [
        ("request", "2.88.2"),
        ("lodash", "4.17.19"),
        ("jsonwebtoken", "8.5.1"),
    ] {
        assert!(
            sources
                .iter()
                .any(|(n, v, s)| n == name && v == version && *s == PackageSource::Registry),
            "{name}@{version}: {sources:?}"
        );
    }
    assert!(
        !sources.iter().any(|u| u.2 == PackageSource::Emulated),
        "{sources:?}"
    );
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut all: Vec<_> = tree(dir)
        .into_iter()
        .map(|p| dir.join(p))
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    all.sort();
    all
}

#[test]
fn package_bytecode_is_cached_on_disk_and_a_tampered_entry_is_never_run() {
    let registry = TestRegistry::serve(fixtures());
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rule_file = dir.path().join("greet.js");
    std::fs::write(
        &rule_file,
        "function (user, context, callback) { console.log(require('greeting@1.0.0')('eve')); callback(null, user, context); }",
    )
    .unwrap();
    let run = || {
        crate::common::actionbox_command()
            .args([
                "run",
                rule_file.to_str().unwrap(),
                "--format",
                "json",
                "--cache-dir",
            ])
            .arg(cache.path())
            .env("npm_config_registry", &registry.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("runs")
    };
    let first = run();
    assert_eq!(
        json(&first)["logs"][0]["message"],
        "HELLO EVE! [shout 1.2.0] (greeting 1)"
    );
    let bytecode_dir = cache.path().join("bytecode");
    let entries: Vec<_> = files(&bytecode_dir)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("hmac.key"))
        .collect();
    // greeting's lib/greet.js and shout's index.js.
    assert_eq!(entries.len(), 2, "{entries:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(bytecode_dir.join("hmac.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by others: {mode:o}");
    }

    // A warm run reads the entries as they are.
    let warm = run();
    assert_eq!(
        json(&warm)["logs"][0]["message"],
        "HELLO EVE! [shout 1.2.0] (greeting 1)"
    );
    assert!(
        !stderr(&warm).contains("failed its authentication"),
        "{}",
        stderr(&warm)
    );
    assert_eq!(
        files(&bytecode_dir)
            .into_iter()
            .filter(|(p, _)| !p.ends_with("hmac.key"))
            .collect::<Vec<_>>(),
        entries
    );

    // Swap the two entries: each is genuine bytecode with a genuine tag,
    // but for the other file. Neither runs; both are compiled again.
    std::fs::write(&entries[0].0, &entries[1].1).unwrap();
    std::fs::write(&entries[1].0, &entries[0].1).unwrap();
    let tampered = run();
    assert_eq!(
        json(&tampered)["logs"][0]["message"],
        "HELLO EVE! [shout 1.2.0] (greeting 1)"
    );
    assert_eq!(
        stderr(&tampered)
            .matches("failed its authentication")
            .count(),
        2,
        "{}",
        stderr(&tampered)
    );
    assert_eq!(
        files(&bytecode_dir)
            .into_iter()
            .filter(|(p, _)| !p.ends_with("hmac.key"))
            .collect::<Vec<_>>(),
        entries
    );
}

// ---- real packages from the npm registry (tarballs made by `npm pack`) ----

/// Runs `tests/fixtures/real-packages/NAME.js` as an Action declaring
/// `dependencies`, against a registry serving the real tarballs, and
/// compares its logs with what Node printed running the same package
/// versions (NAME.expected, made with Node 20 and `npm install` of them).
fn matches_node_with_real_packages(name: &str, dependencies: &[(&str, &str)]) -> Outcome {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..Default::default()
    };
    for (package, version) in dependencies {
        node.dependencies
            .insert(package.to_string(), version.to_string());
    }
    let path = fixture(&format!("real-packages/{name}.js"));
    let outcome = try_run_with_node(vec![script(&path)], node).unwrap_or_else(|e| panic!("{e}"));
    let actual = ok_logs(&outcome);
    let expected = std::fs::read_to_string(fixture(&format!("real-packages/{name}.expected")))
        .expect("expected output");
    let expected: Vec<&str> = expected.lines().collect();
    for (i, (want, got)) in expected.iter().zip(&actual).enumerate() {
        assert_eq!(got, want, "{name}: line {} differs from Node's", i + 1);
    }
    assert_eq!(actual.len(), expected.len(), "{name}: {actual:?}");
    outcome
}

#[test]
fn the_real_jsonwebtoken_signs_and_verifies_as_node_does() {
    let outcome = matches_node_with_real_packages("jsonwebtoken", &[("jsonwebtoken", "9.0.2")]);
    let used = used(&outcome);
    assert!(
        used.contains(&(
            "jsonwebtoken".into(),
            "9.0.2".into(),
            PackageSource::Registry
        )),
        "the real package, not the emulation: {used:?}"
    );
    assert!(
        used.iter().any(|(name, _, _)| name == "jws"),
        "with its dependencies: {used:?}"
    );
}

#[test]
fn the_real_jose_signs_verifies_and_imports_keys_as_node_does() {
    matches_node_with_real_packages("jose", &[("jose", "4.15.9")]);
}

#[test]
fn jose_6_an_es_module_only_package_is_required_as_node_22_does() {
    let outcome = matches_node_with_real_packages("jose-esm", &[("jose", "6.1.0")]);
    assert!(
        used(&outcome).contains(&("jose".into(), "6.1.0".into(), PackageSource::Registry)),
        "{:?}",
        outcome.packages
    );
}

#[test]
fn an_es_module_imports_built_ins_commonjs_dependencies_and_its_own_files() {
    let mut packages = fixtures();
    packages.push(RegistryPackage::fixture("esm-lib", "1.0.0"));
    let registry = TestRegistry::serve(packages);
    let cache = tempfile::tempdir().unwrap();
    let node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    let source = r#"function (user, context, callback) {
        const lib = require('esm-lib@1.0.0');
        console.log(typeof lib, typeof lib.default, lib.default('ada'));
        console.log(lib.digest('x'), lib.sameFunction, require('esm-lib@1.0.0') === lib);
        console.log(require('esm-lib@1.0.0/extra').twice('hi'));
        try {
            require('esm-lib@1.0.0/broken');
        } catch (e) {
            console.log(e.message.split('\n')[0]);
        }
        callback(null, user, context);
    }"#;
    let outcome = try_run_with_node(vec![rule("esm-rule.js", source)], node)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok_logs(&outcome),
        [
            "object function ADA! [shout 1.2.0] ADA! [shout 1.2.0]",
            "2d711642b726 true true",
            "hi hi",
            "Cannot find module 'not-a-dependency'",
        ],
        "{}",
        error_message(&outcome)
    );
    assert!(
        used(&outcome).contains(&("shout".into(), "1.2.0".into(), PackageSource::Registry)),
        "{:?}",
        outcome.packages
    );
}

#[test]
fn lodash_moment_yaml_and_xml_packages_match_node() {
    matches_node_with_real_packages(
        "pure-js-packages",
        &[
            ("lodash", "4.17.19"),
            ("moment", "2.29.4"),
            ("moment-timezone", "0.5.43"),
            ("js-yaml", "3.14.1"),
            ("xml2js", "0.4.23"),
            ("@xmldom/xmldom", "0.8.10"),
        ],
    );
}

#[test]
fn rules_get_real_uuid_and_versioned_subpaths_and_the_emulation_only_without_a_registry() {
    let source = r#"function (user, context, callback) {
        const uuid = require('uuid');
        const get = require('lodash@4.17.19/get');
        const v4 = require('uuid/v4');
        console.log(typeof uuid, /^[0-9a-f-]{36}$/.test(uuid()), /^[0-9a-f-]{36}$/.test(v4()));
        console.log(get({ a: { b: 'deep' } }, 'a.b'), require('lodash@4.17.19').VERSION);
        callback(null, user, context);
    }"#;
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let node = NodeConfig {
        packages: registry.options(cache.path()),
        ..Default::default()
    };
    let outcome = try_run_with_node(vec![rule("packages-rule.js", source)], node)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok_logs(&outcome), ["function true true", "deep 4.17.19"]);
    let sources = used(&outcome);
    assert!(
        sources.contains(&("uuid".into(), "3.4.0".into(), PackageSource::Registry)),
        "the Rules default uuid 3.4.0, the real one: {sources:?}"
    );
    assert!(
        !sources.iter().any(|u| u.2 == PackageSource::Emulated),
        "{sources:?}"
    );

    // No registry (the tests' default points at a closed port): the
    // emulation answers, and the outcome says so.
    let outcome = try_run_with_node(
        vec![rule("packages-rule.js", 
            "function (user, context, callback) { console.log(typeof require('uuid@3.4.0')()); callback(null, user, context); }",
        )],
        NodeConfig::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok_logs(&outcome), ["string"]);
    assert!(
        used(&outcome)
            .iter()
            .any(|u| u.0 == "uuid" && u.2 == PackageSource::Emulated),
        "{:?}",
        outcome.packages
    );
}

/// What http-clients-server.js serves under Node, on loopback: `/json`,
/// `/echo` (the request as JSON), `/gzip`, `/redirect` and a 404.
fn echo_server() -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                    return;
                }
                let mut headers = std::collections::HashMap::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
                    }
                }
                let length = headers
                    .get("content-length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let mut parts = request_line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let url = parts.next().unwrap_or("/").to_string();
                let (route, query) = url.split_once('?').unwrap_or((&url, ""));
                let json = ("content-type", "application/json; charset=utf-8");
                let header = |name: &str| headers.get(name).cloned().unwrap_or_default();
                let (status, extra, payload): (&str, Vec<(&str, &str)>, Vec<u8>) = match route {
                    "/json" => (
                        "200 OK",
                        vec![json],
                        serde_json::json!({ "ok": true, "items": [1, 2], "query": query })
                            .to_string()
                            .into_bytes(),
                    ),
                    "/echo" => (
                        "200 OK",
                        vec![json],
                        serde_json::json!({
                            "method": method,
                            "path": url,
                            "type": header("content-type"),
                            "ua": header("user-agent"),
                            "x": header("x-test"),
                            "body": String::from_utf8_lossy(&body),
                        })
                        .to_string()
                        .into_bytes(),
                    ),
                    "/gzip" => {
                        let mut gz = flate2::write::GzEncoder::new(
                            Vec::new(),
                            flate2::Compression::default(),
                        );
                        gz.write_all(br#"{"zipped":true}"#).expect("gzip");
                        (
                            "200 OK",
                            vec![json, ("content-encoding", "gzip")],
                            gz.finish().expect("gzip"),
                        )
                    }
                    "/redirect" => (
                        "302 Found",
                        vec![("location", "/json?from=redirect")],
                        Vec::new(),
                    ),
                    _ => (
                        "404 Not Found",
                        vec![json],
                        br#"{"error":"not_found"}"#.to_vec(),
                    ),
                };
                let mut stream = stream;
                let mut head = format!("HTTP/1.1 {status}\r\n");
                for (name, value) in extra {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!(
                    "content-length: {}\r\nconnection: close\r\n\r\n",
                    payload.len()
                ));
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&payload);
            });
        }
    });
    base
}

/// Runs `tests/fixtures/real-packages/NAME.js` as an Action declaring
/// `dependencies` against `echo_server` (network allowed to it only), and
/// compares its logs with Node's (NAME.expected, made by
/// http-clients-server.js).
fn http_client_matches_node(name: &str, dependencies: &[(&str, &str)]) -> Outcome {
    let base = echo_server();
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let mut node = NodeConfig {
        packages: registry.options(cache.path()),
        ..Default::default()
    };
    node.net.allow = vec!["127.0.0.1".into()];
    for (package, version) in dependencies {
        node.dependencies
            .insert(package.to_string(), version.to_string());
    }
    let source = std::fs::read_to_string(fixture(&format!("real-packages/{name}.js")))
        .expect("fixture")
        .replace("__BASE__", &base);
    let outcome = run_with_node(vec![action(&format!("{name}.js"), &source)], node);
    let expected = std::fs::read_to_string(fixture(&format!("real-packages/{name}.expected")))
        .expect("expected output");
    let actual = ok_logs(&outcome);
    for (i, (want, got)) in expected.lines().zip(&actual).enumerate() {
        assert_eq!(got, &want, "{name}: line {} differs from Node's", i + 1);
    }
    assert_eq!(
        actual.len(),
        expected.lines().count(),
        "{actual:?}\n{}",
        error_message(&outcome)
    );
    outcome
}

#[test]
fn the_real_axios_node_fetch_and_request_call_a_server_as_under_node() {
    let outcome = http_client_matches_node(
        "http-clients",
        &[
            ("axios", "1.7.9"),
            ("node-fetch", "2.6.1"),
            ("request", "2.88.2"),
        ],
    );
    let sources = used(&outcome);
    for name in [
        "axios",
        "node-fetch",
        "request",
        "follow-redirects",
        "tough-cookie",
    ] {
        assert!(
            sources
                .iter()
                .any(|(n, _, source)| n == name && *source == PackageSource::Registry),
            "{name} from the registry: {sources:?}"
        );
    }
    assert!(
        !sources.iter().any(|u| u.2 == PackageSource::Emulated),
        "{sources:?}"
    );
    // Every request went through the host's policy and is recorded.
    use actionbox::net::Disposition;
    assert_eq!(outcome.requests.len(), 16, "{:?}", outcome.requests);
    assert!(
        outcome
            .requests
            .iter()
            .all(|r| r.disposition == Disposition::Allowed),
        "{:?}",
        outcome.requests
    );
}

#[test]
fn request_promise_declared_alone_gets_its_peer_request_installed_and_runs_as_under_node() {
    let outcome = http_client_matches_node("request-promise", &[("request-promise", "4.2.6")]);
    let sources = used(&outcome);
    for name in [
        "request-promise",
        "request-promise-core",
        "request",
        "bluebird",
    ] {
        assert!(
            sources
                .iter()
                .any(|(n, _, source)| n == name && *source == PackageSource::Registry),
            "{name} from the registry: {sources:?}"
        );
    }
    assert!(
        !sources.iter().any(|u| u.2 == PackageSource::Emulated),
        "the real request, not the emulation: {sources:?}"
    );
    assert_eq!(outcome.requests.len(), 8, "{:?}", outcome.requests);
}

#[test]
fn optional_dependencies_that_cannot_install_are_skipped_and_peers_installed_beside() {
    let mut packages = fixtures();
    packages.push(RegistryPackage::fixture("plugin-host", "1.0.0"));
    packages.push(RegistryPackage::fixture("mac-only", "1.0.0"));
    let registry = TestRegistry::serve(packages);
    let cache = tempfile::tempdir().unwrap();
    let source = r#"function (user, context, callback) {
        console.log(require('plugin-host@1.0.0')('ada'));
        callback(null, user, context);
    }"#;
    let node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    let outcome = try_run_with_node(vec![rule("plugin-rule.js", source)], node.clone())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok_logs(&outcome),
        [
            "HI ADA!!! [shout 2.0.0] (greeting 2) | OWN! [shout 1.2.0] | no-such-package absent | mac-only absent | loud absent"
        ]
    );
    use PackageSource::Registry;
    // The peer greeting 2 at the top (its shout 2 nested under it); not
    // the optional peer `loud`, the missing optional package, nor the
    // darwin-only one.
    assert_eq!(
        used(&outcome),
        [
            ("greeting".into(), "2.0.0".into(), Registry),
            ("plugin-host".into(), "1.0.0".into(), Registry),
            ("shout".into(), "1.2.0".into(), Registry),
            ("shout".into(), "2.0.0".into(), Registry),
        ]
    );
    // Only those four tarballs were downloaded.
    assert_eq!(registry.tarball_hits.load(Ordering::SeqCst), 4);

    // An Action declaring it gets the same tree.
    let mut node = node;
    node.dependencies
        .insert("plugin-host".into(), "^1.0.0".into());
    let outcome = try_run_with_node(
        vec![action(
            "plugin-action.js",
            "exports.onExecutePostLogin = async () => { console.log(require('plugin-host')('bo')); };",
        )],
        node,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok_logs(&outcome).len(), 1);
    assert!(
        ok_logs(&outcome)[0].starts_with("HI BO!!! [shout 2.0.0]"),
        "{:?}",
        ok_logs(&outcome)
    );
}

#[test]
fn an_npm_alias_installs_the_aliased_package_under_its_own_name() {
    let mut packages = fixtures();
    packages.push(RegistryPackage::fixture("alias-user", "1.0.0"));
    let registry = TestRegistry::serve(packages);
    let cache = tempfile::tempdir().unwrap();
    let node = NodeConfig {
        packages: registry.options(cache.path()),
        ..NodeConfig::default()
    };
    let source = "function (user, context, callback) { console.log(require('alias-user@1.0.0')('ada')); callback(null, user, context); }";
    let outcome = try_run_with_node(vec![rule("alias-rule.js", source)], node)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        ok_logs(&outcome),
        ["ADA!!! [shout 2.0.0] / ADA! [shout 1.2.0]"]
    );
    use PackageSource::Registry;
    assert_eq!(
        used(&outcome),
        [
            ("alias-user".into(), "1.0.0".into(), Registry),
            ("shout".into(), "1.2.0".into(), Registry),
            ("shout".into(), "2.0.0".into(), Registry),
        ]
    );
}

#[test]
fn the_real_http_clients_are_answered_by_http_mocks_and_recorded() {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let dir = tempfile::tempdir().expect("dir");
    let mocks = dir.path().join("mocks.json");
    std::fs::write(
        &mocks,
        serde_json::json!([
            { "method": "GET", "url": "https://crm.example.com/users/*",
              "response": { "status": 200, "body": { "tier": "gold" } } },
            { "method": "POST", "url": "https://hooks.example.com/login", "body_contains": "\"user\":\"auth0|",
              "response": { "status": 202, "body": "queued" } },
        ])
        .to_string(),
    )
    .expect("mocks");
    // An Action declaring axios; a Rule taking request and node-fetch at
    // the Rules environment's default versions.
    let action_file = dir.path().join("tier.js");
    std::fs::write(
        &action_file,
        r#"const axios = require('axios');
exports.onExecutePostLogin = async (event, api) => {
  const { data, status } = await axios.get('https://crm.example.com/users/42', { headers: { Authorization: 'Bearer s3cret-token' } });
  console.log('axios', status, data.tier);
  try { await axios.get('https://unmocked.example.com/'); } catch (e) { console.log('axios refused', e.code); }
};"#,
    )
    .expect("action");
    let rule_file = dir.path().join("notify.js");
    std::fs::write(
        &rule_file,
        r#"function (user, context, callback) {
  const request = require('request');
  const fetch = require('node-fetch');
  request.post({ url: 'https://hooks.example.com/login', json: { user: user.user_id } }, (err, res, body) => {
    console.log('request', err, res.statusCode, body);
    fetch('https://crm.example.com/users/' + user.user_id).then((r) => r.json()).then((j) => {
      console.log('node-fetch', j.tier);
      callback(null, user, context);
    }, callback);
  });
}"#,
    )
    .expect("rule");
    let output = crate::common::actionbox_command()
        .args(["run"])
        .arg(&rule_file)
        .arg(&action_file)
        .args([
            "--dependency",
            "axios@1.7.9",
            "--format",
            "json",
            "--http-mock",
        ])
        .arg(&mocks)
        .arg("--cache-dir")
        .arg(cache.path())
        .env("npm_config_registry", &registry.url)
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    let outcome = json(&output);
    assert_eq!(
        outcome["status"],
        "allowed",
        "{outcome}\n{}",
        stderr(&output)
    );
    let logs: Vec<&str> = outcome["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter_map(|l| l["message"].as_str())
        .collect();
    assert_eq!(
        logs,
        [
            "request null 202 queued",
            "node-fetch gold",
            "axios 200 gold",
            "axios refused ECONNREFUSED"
        ]
    );
    let packages = outcome["packages"].as_array().expect("packages");
    for (name, version) in [
        ("axios", "1.7.9"),
        ("request", "2.88.2"),
        ("node-fetch", "2.6.1"),
    ] {
        assert!(
            packages
                .iter()
                .any(|p| p["name"] == name && p["version"] == version && p["source"] == "registry"),
            "{name}@{version} from the registry: {packages:?}"
        );
    }
    assert!(
        !packages.iter().any(|p| p["source"] == "emulated"),
        "{packages:?}"
    );
    let requests: Vec<(String, String)> = outcome["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| {
            (
                r["url"].as_str().unwrap_or("").to_string(),
                r["disposition"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        requests,
        [
            ("https://hooks.example.com/login".into(), "mocked".into()),
            // node-fetch 2 escapes '|' as Node's legacy url.parse does.
            (
                "https://crm.example.com/users/auth0%7C64f0c2a9b3e4d5f6a7b8c9d0".into(),
                "mocked".into(),
            ),
            ("https://crm.example.com/users/42".into(), "mocked".into()),
            ("https://unmocked.example.com/".into(), "refused".into()),
        ]
    );
    // The credential axios sent is recorded masked.
    let text = outcome.to_string();
    assert!(!text.contains("s3cret-token"), "{text}");
}

#[test]
fn the_tenant_preflight_says_emulated_only_when_the_real_package_cannot_be_installed() {
    let registry = TestRegistry::serve(RegistryPackage::all_tarballs());
    let cache = tempfile::tempdir().expect("cache");
    let preflight = |extra: &[&str], registry_url: &str| {
        let output = actionbox_command()
            .args([
                "tenant",
                "actions/tenant-example",
                "--format",
                "json",
                "--cache-dir",
            ])
            .arg(cache.path())
            .args(extra)
            .env("npm_config_registry", registry_url)
            .output()
            .expect("runs");
        json(&output)["dependencies"]["jsonwebtoken"]["provided"].clone()
    };
    // Offline with an empty cache: the emulation answers, and says why.
    let offline = preflight(&["--offline"], &registry.url);
    assert_eq!(offline["by"], "emulated", "{offline}");
    assert!(
        offline["because"]
            .as_str()
            .is_some_and(|b| b.contains("jsonwebtoken@9.0.2") && b.contains("offline")),
        "{offline}"
    );
    // With the registry: the real package, downloaded; then from the cache.
    let fetched = preflight(&[], &registry.url);
    assert_eq!(
        fetched,
        serde_json::json!({ "by": "registry", "version": "9.0.2", "cached": false })
    );
    let cached = preflight(&["--offline"], &registry.url);
    assert_eq!(
        cached,
        serde_json::json!({ "by": "registry", "version": "9.0.2", "cached": true })
    );
}

#[test]
fn a_private_registry_gets_the_npmrc_token_of_its_path_and_the_token_is_never_shown() {
    const TOKEN: &str = "npm_pr1vate-t0ken-value";
    let registry = TestRegistry::serve_requiring(
        vec![
            RegistryPackage::fixture("greeting", "1.0.0"),
            RegistryPackage::fixture("shout", "1.2.0"),
        ],
        Some(format!("Bearer {TOKEN}")),
    );
    let project = tempfile::tempdir().expect("project");
    // As a project's .npmrc names a company registry: the token comes from
    // the environment, written as npm expands it.
    let nerf = registry.url.trim_start_matches("http:");
    std::fs::write(
        project.path().join(".npmrc"),
        format!("registry=${{ACTIONBOX_TEST_REGISTRY}}\n{nerf}:_authToken=${{ACTIONBOX_TEST_NPM_TOKEN}}\n"),
    )
    .expect("npmrc");
    std::fs::write(
        project.path().join("greet.js"),
        "function (user, context, callback) { console.log(require('greeting@1.0.0')('pat')); callback(null, user, context); }",
    )
    .expect("rule");
    let run = |token: Option<&str>| {
        let cache = tempfile::tempdir().expect("cache");
        let mut command = actionbox_command();
        command
            .args(["run", "greet.js", "--format", "json", "--cache-dir"])
            .arg(cache.path())
            .current_dir(project.path())
            .env_remove("npm_config_registry")
            .env("ACTIONBOX_TEST_REGISTRY", &registry.url)
            .env("RUST_LOG", "debug");
        match token {
            Some(token) => command.env("ACTIONBOX_TEST_NPM_TOKEN", token),
            None => command.env_remove("ACTIONBOX_TEST_NPM_TOKEN"),
        };
        command.output().expect("runs")
    };
    let with_token = run(Some(TOKEN));
    let outcome = json(&with_token);
    assert_eq!(
        outcome["logs"][0]["message"],
        "HELLO PAT! [shout 1.2.0] (greeting 1)",
        "{}",
        stderr(&with_token)
    );
    let everything = format!("{outcome}{}", stderr(&with_token));
    assert!(
        !everything.contains(TOKEN),
        "the token leaked: {everything}"
    );

    // Without the variable: a 401 that names the .npmrc key, never a value.
    let without = run(None);
    let outcome = json(&without);
    let message = outcome["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(message.contains("401"), "{message}");
    assert!(
        message.contains(&format!(
            "no credential was sent: `{nerf}:_authToken` in {}",
            project.path().join(".npmrc").display()
        )) && message.contains("uses ${ACTIONBOX_TEST_NPM_TOKEN}, which is not set"),
        "{message}"
    );

    // A wrong token: refused, naming the key and file, never the value.
    let wrong = run(Some("npm_wrong-token"));
    let outcome = json(&wrong);
    let message = outcome["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        message.contains(&format!("the credential of `{nerf}:...` in")),
        "{message}"
    );
    assert!(!format!("{outcome}{}", stderr(&wrong)).contains("npm_wrong-token"));
    let warnings = stderr(&without);
    assert!(
        warnings.contains("uses ${ACTIONBOX_TEST_NPM_TOKEN}, which is not set"),
        "{warnings}"
    );
}
