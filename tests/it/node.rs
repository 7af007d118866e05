//! Node compatibility: `require` and its resolution order, the built-in
//! modules and web globals (checked against Node's own output), fetch with
//! its allow-list and mocks, the emulated npm packages, real packages from
//! a node_modules folder, and Actions Modules.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use crate::common::*;
use actionbox::net::{Disposition, HttpMock, MockResponse};
use actionbox::{Flow, NodeConfig, NodeRuntime, Outcome, Runner, Script, Status};
use serde_json::{Value, json};

fn run_node(source: &str, node: NodeConfig) -> Outcome {
    run_with_node(vec![action("test.js", source)], node)
}

/// The script's logs, failing the test with its error if it failed.
fn mock(method: &str, url: &str, status: u16, body: Value) -> HttpMock {
    HttpMock {
        method: Some(method.into()),
        url: Some(url.into()),
        url_regex: None,
        body_contains: None,
        headers: Default::default(),
        body_json: None,
        response: MockResponse {
            status,
            headers: Default::default(),
            body,
            delay_ms: 0,
        },
    }
}

fn with_mocks(mocks: Vec<HttpMock>) -> NodeConfig {
    let mut node = NodeConfig::default();
    node.net.mocks = mocks;
    node
}

fn npm_modules() -> PathBuf {
    fixture("npm/node_modules")
}

fn handmade_modules() -> PathBuf {
    fixture("packages/node_modules")
}

// ---- built-ins against Node ---------------------------------------------

/// Runs a compat fixture in actionbox and compares every line it logs with
/// what Node printed for the same script (stored next to it; regenerated
/// and checked when Node is on the machine, so the file cannot go stale).
fn matches_node(name: &str) {
    let script_path = fixture(&format!("node-compat/{name}.js"));
    let expected_path = fixture(&format!("node-compat/{name}.expected"));
    let expected = std::fs::read_to_string(&expected_path).expect("expected output");
    if let Ok(output) = Command::new("node")
        .arg(fixture("node-compat/node-harness.js"))
        .arg(&script_path)
        .output()
    {
        assert!(
            output.status.success(),
            "node failed on {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            as_this_node_prints(&expected),
            "{} is stale: regenerate it with `node tests/fixtures/node-compat/node-harness.js ./{name}.js`",
            expected_path.display()
        );
    }
    let outcome = run_with_node(vec![script(&script_path)], NodeConfig::default());
    let actual = ok_logs(&outcome);
    let expected: Vec<&str> = expected.lines().collect();
    for (i, (want, got)) in expected.iter().zip(&actual).enumerate() {
        assert_eq!(got, want, "{name}: line {} differs from Node's", i + 1);
    }
    assert_eq!(
        actual.len(),
        expected.len(),
        "{name}: Node printed {} lines, actionbox {}",
        expected.len(),
        actual.len()
    );
}

/// The expected files hold what Node 22 (Auth0's runtime) prints. V8 12
/// (Node 21 on) added "(line L column C)" after a JSON.parse error's
/// position; an older Node on this machine prints the same text without it.
fn as_this_node_prints(expected: &str) -> String {
    let major = Command::new("node")
        .arg("-p")
        .arg("process.versions.node.split('.')[0]")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u32>()
                .ok()
        })
        .unwrap_or(22);
    if major >= 21 {
        return expected.to_string();
    }
    let suffix = regex_lite::Regex::new(r#" \(line \d+ column \d+\)("?)$"#).expect("regex");
    expected
        .lines()
        .map(|line| format!("{}\n", suffix.replace(line, "$1")))
        .collect()
}

#[test]
fn blob_file_and_form_data_match_node_as_globals_and_fetch_bodies() {
    matches_node("blob");
}

#[test]
fn engine_errors_read_as_v8_words_them() {
    matches_node("errors");
}

#[test]
fn crypto_matches_node() {
    matches_node("crypto");
}

#[test]
fn crypto_keys_signatures_key_derivation_and_subtle_match_node() {
    matches_node("crypto-keys");
}

#[test]
fn buffer_and_text_encoding_match_node() {
    matches_node("buffer");
}

#[test]
fn url_matches_node() {
    matches_node("url");
}

#[test]
fn querystring_matches_node() {
    matches_node("querystring");
}

#[test]
fn path_util_zlib_events_timers_and_web_globals_match_node() {
    matches_node("misc");
}

#[test]
fn zlib_streams_match_node() {
    matches_node("zlib-streams");
}

#[test]
fn process_is_synthetic_with_the_declared_runtime_and_no_environment() {
    let source = r#"exports.onExecutePostLogin = async () => {
        console.log(process.version, JSON.stringify(process.env), process.cwd());
        try { process.exit(1); } catch (e) { console.log(e.message); }
    };"#;
    let outcome = run_node(source, NodeConfig::default());
    let lines = ok_logs(&outcome);
    assert_eq!(lines[0], "v22.12.0 {} /");
    assert!(
        lines[1].contains("process.exit(1) is not available"),
        "{lines:?}"
    );
    let node = NodeConfig {
        runtime: NodeRuntime::Node18,
        ..NodeConfig::default()
    };
    let outcome = run_node(source, node);
    assert!(
        ok_logs(&outcome)[0].starts_with("v18."),
        "{:?}",
        logs(&outcome)
    );
}

// ---- require -------------------------------------------------------------

#[test]
fn an_unknown_module_fails_naming_it_and_how_to_provide_it() {
    let outcome = run_node(
        "const pad = require('left-pad');\nexports.onExecutePostLogin = async () => {};",
        NodeConfig::default(),
    );
    assert_eq!(outcome.status, Status::Failed);
    let message = error_message(&outcome);
    assert!(
        message.contains("Cannot find module 'left-pad'"),
        "{message}"
    );
    assert!(message.contains("--node-modules DIR"), "{message}");
    assert!(message.contains("emulates the packages axios"), "{message}");
}

#[test]
fn scripts_cannot_require_files_by_path() {
    let outcome = run_node(
        "require('/etc/passwd');\nexports.onExecutePostLogin = async () => {};",
        NodeConfig {
            node_modules: vec![npm_modules()],
            ..NodeConfig::default()
        },
    );
    let message = error_message(&outcome);
    assert!(
        message.contains("cannot require files by path"),
        "{message}"
    );
    assert!(!message.contains("root:"), "{message}");
}

#[test]
fn real_packages_load_from_a_node_modules_folder() {
    let source = r#"
        const get = require('lodash.get');
        const ms = require('ms');
        exports.onExecutePostLogin = async (event) => {
            console.log(get(event, 'user.app_metadata.plan', 'none'), get(event, 'user.nope.deeper', 'fallback'));
            console.log(ms('2 days'), ms(60000), ms(90061000, { long: true }));
            console.log(require.resolve('ms').endsWith('/ms/index.js'), require('ms') === ms);
        };"#;
    let outcome = run_node(
        source,
        NodeConfig {
            node_modules: vec![npm_modules()],
            ..NodeConfig::default()
        },
    );
    assert_eq!(
        ok_logs(&outcome),
        ["pro fallback", "172800000 1m 1 day", "true true"]
    );
}

#[test]
fn packages_resolve_nested_dependencies_relative_files_json_and_exports() {
    let source = r#"
        const nested = require('nested-deps');
        exports.onExecutePostLogin = async () => { console.log(nested.greet('world'), nested.file); };"#;
    let outcome = run_node(
        source,
        NodeConfig {
            node_modules: vec![handmade_modules()],
            ..NodeConfig::default()
        },
    );
    assert_eq!(
        ok_logs(&outcome),
        ["hello WORLD (data-7) nested-deps/lib/main.js"]
    );
}

#[test]
fn a_native_addon_fails_clearly() {
    let outcome = run_node(
        "require('native-addon');\nexports.onExecutePostLogin = async () => {};",
        NodeConfig {
            node_modules: vec![handmade_modules()],
            ..NodeConfig::default()
        },
    );
    let message = error_message(&outcome);
    assert!(
        message.contains("addon.node is a native addon"),
        "{message}"
    );
    assert!(message.contains("cannot load"), "{message}");
}

#[test]
fn an_es_module_package_loads_as_node_22_requires_it() {
    let outcome = run_node(
        "const esm = require('esm-only');\nexports.onExecutePostLogin = async () => { console.log(Object.keys(esm).join(), esm.default()); };",
        NodeConfig {
            node_modules: vec![handmade_modules()],
            ..NodeConfig::default()
        },
    );
    assert_eq!(
        ok_logs(&outcome),
        ["default esm"],
        "{}",
        error_message(&outcome)
    );
}

#[test]
fn a_package_cannot_reach_outside_its_folder() {
    let outcome = run_node(
        "require('escapes');\nexports.onExecutePostLogin = async () => {};",
        NodeConfig {
            node_modules: vec![handmade_modules()],
            ..NodeConfig::default()
        },
    );
    let message = error_message(&outcome);
    assert!(
        message.contains("Cannot find module '../../../"),
        "{message}"
    );
    assert!(!message.contains("root:x"), "{message}");
}

#[test]
fn actions_modules_load_by_name_with_their_own_scope() {
    let mut node = NodeConfig::default();
    node.action_modules.insert(
        "crm-helpers".into(),
        "const crypto = require('crypto');\nmodule.exports = { tag: (id) => 'crm-' + crypto.createHash('md5').update(id).digest('hex').slice(0, 6), secrets: typeof actions.secrets };".into(),
    );
    let source = r#"
        const helpers = require('actions:crm-helpers');
        exports.onExecutePostLogin = async (event) => {
            console.log(helpers.tag('abc'), helpers.secrets, require('actions:crm-helpers') === helpers);
            try { require('actions:missing'); } catch (e) { console.log(e.message.split('\n').pop()); }
        };"#;
    let outcome = run_node(source, node);
    assert_eq!(
        ok_logs(&outcome),
        [
            "crm-900150 object true",
            "No Actions Module named 'missing': give one with --module missing=FILE, or load the tenant folder that defines it."
        ]
    );
}

#[test]
fn rules_may_require_versioned_modules() {
    let rule = Script::from_source(
        "versioned.js",
        r#"function versioned(user, context, callback) {
            const uuid = require('uuid@3.3.2');
            const modern = require('uuid@9.0.1');
            console.log(typeof uuid, typeof uuid.v4, typeof modern, modern.validate(uuid()));
            callback(null, user, context);
        }"#,
    )
    .expect("rule");
    let outcome = run_with_node(vec![rule], NodeConfig::default());
    assert_eq!(ok_logs(&outcome), ["function function object true"]);
}

// ---- fetch -----------------------------------------------------------------

#[test]
fn fetch_is_refused_by_default_naming_the_host_and_the_flag() {
    let source = r#"exports.onExecutePostLogin = async () => {
        try { await fetch('https://crm.example.com/users'); } catch (e) { console.log(e.name, e.message); }
    };"#;
    let outcome = run_node(source, NodeConfig::default());
    let lines = ok_logs(&outcome);
    assert!(
        lines[0].starts_with(
            "TypeError fetch failed: network access to crm.example.com is not allowed"
        ),
        "{lines:?}"
    );
    assert!(
        lines[0].contains("--allow-net crm.example.com"),
        "{lines:?}"
    );
    assert_eq!(outcome.requests.len(), 1);
    let record = &outcome.requests[0];
    assert_eq!(
        (record.method.as_str(), record.url.as_str()),
        ("GET", "https://crm.example.com/users")
    );
    assert_eq!(record.disposition, Disposition::Refused);
    assert_eq!(record.status, None);
}

#[test]
fn fetch_answers_from_mocks_by_method_url_pattern_and_body() {
    let mut by_body = mock(
        "POST",
        "https://crm.example.com/search",
        200,
        json!({ "match": "by body" }),
    );
    by_body.body_contains = Some("jane".into());
    let mut by_regex = mock("GET", "", 404, json!({ "error": "not found" }));
    by_regex.url = None;
    by_regex.url_regex = Some(r"https://crm\.example\.com/users/\d+".into());
    let mut delayed = mock(
        "GET",
        "https://crm.example.com/users/*/tier",
        200,
        json!("gold"),
    );
    delayed.response.delay_ms = 30;
    delayed
        .response
        .headers
        .insert("x-request-id".into(), "r-1".into());
    let node = with_mocks(vec![by_body, by_regex, delayed]);
    let source = r#"exports.onExecutePostLogin = async (event, api) => {
        const search = await fetch('https://crm.example.com/search', { method: 'POST', body: JSON.stringify({ q: 'jane' }), headers: { Authorization: 'Bearer sk_live_secret', 'content-type': 'application/json' } });
        console.log(search.status, search.ok, (await search.json()).match);
        const missing = await fetch('https://crm.example.com/users/42');
        console.log(missing.status, missing.statusText, missing.ok, await missing.text());
        const tier = await fetch(new URL('https://crm.example.com/users/abc/tier'));
        console.log(tier.headers.get('X-Request-Id'), await tier.text(), tier.url);
        try { await fetch('https://crm.example.com/other'); } catch (e) { console.log(e.message.includes('--allow-net crm.example.com')); }
    };"#;
    let outcome = run_node(source, node);
    assert_eq!(
        ok_logs(&outcome),
        [
            "200 true by body",
            "404 Not Found false {\"error\":\"not found\"}",
            "r-1 gold https://crm.example.com/users/abc/tier",
            "true"
        ]
    );
    let dispositions: Vec<_> = outcome
        .requests
        .iter()
        .map(|r| (r.disposition, r.status))
        .collect();
    assert_eq!(
        dispositions,
        [
            (Disposition::Mocked, Some(200)),
            (Disposition::Mocked, Some(404)),
            (Disposition::Mocked, Some(200)),
            (Disposition::Refused, None)
        ]
    );
    // Credentials never reach the outcome.
    let headers = &outcome.requests[0].headers;
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "[redacted]"),
        "{headers:?}"
    );
    assert!(
        !serde_json::to_string(&outcome)
            .expect("json")
            .contains("sk_live_secret")
    );
}

#[test]
fn fetch_timeouts_and_aborts_reject_like_node() {
    let mut slow = mock("GET", "https://slow.example.com/*", 200, json!("late"));
    // Far beyond the abort timers, so they fire first however busy the
    // machine is; an aborted request is not waited for.
    slow.response.delay_ms = 600_000;
    let source = r#"exports.onExecutePostLogin = async () => {
        try { await fetch('https://slow.example.com/a', { signal: AbortSignal.timeout(20) }); } catch (e) { console.log(e.name, e.message); }
        const controller = new AbortController();
        const pending = fetch('https://slow.example.com/b', { signal: controller.signal });
        setTimeout(() => controller.abort(), 5);
        try { await pending; } catch (e) { console.log(e.name, e.message); }
        try { await fetch('https://slow.example.com/c', { signal: AbortSignal.abort() }); } catch (e) { console.log(e.name); }
    };"#;
    let outcome = run_node(source, with_mocks(vec![slow]));
    assert_eq!(
        ok_logs(&outcome),
        [
            "TimeoutError The operation was aborted due to timeout",
            "AbortError This operation was aborted",
            "AbortError"
        ]
    );
    let dispositions: Vec<_> = outcome.requests.iter().map(|r| r.disposition).collect();
    assert_eq!(dispositions, [Disposition::Aborted, Disposition::Aborted]);
}

/// A one-shot HTTP server on loopback; returns its port and the request it saw.
fn serve_once(body: &'static str) -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return String::new();
        };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
        }
        let mut request_body = vec![0; length];
        let _ = reader.read_exact(&mut request_body);
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        head + &String::from_utf8_lossy(&request_body)
    });
    (port, handle)
}

#[test]
fn allowed_hosts_are_called_for_real_but_private_addresses_need_naming_exactly() {
    let (port, server) = serve_once(r#"{"created":true}"#);
    let source = format!(
        r#"exports.onExecutePostLogin = async () => {{
            const res = await fetch('http://127.0.0.1:{port}/hook', {{ method: 'POST', body: new URLSearchParams({{ a: '1 2' }}) }});
            console.log(res.status, res.statusText, JSON.stringify(await res.json()));
        }};"#
    );
    let mut node = NodeConfig::default();
    node.net.allow = vec!["127.0.0.1".into()];
    let outcome = run_node(&source, node);
    assert_eq!(ok_logs(&outcome), ["201 Created {\"created\":true}"]);
    let seen = server.join().expect("server");
    assert!(seen.starts_with("POST /hook HTTP/1.1"), "{seen}");
    assert!(
        seen.to_ascii_lowercase()
            .contains("content-type: application/x-www-form-urlencoded;charset=utf-8"),
        "{seen}"
    );
    assert!(seen.ends_with("a=1+2"), "{seen}");
    assert_eq!(outcome.requests[0].disposition, Disposition::Allowed);
    assert_eq!(outcome.requests[0].status, Some(201));

    // `*` allows every public host, not loopback.
    let mut node = NodeConfig::default();
    node.net.allow = vec!["*".into()];
    let source = r#"exports.onExecutePostLogin = async () => {
        try { await fetch('http://localhost:9/x'); } catch (e) { console.log(e.message); }
    };"#;
    let outcome = run_node(source, node);
    let lines = ok_logs(&outcome);
    assert!(
        lines[0]
            .contains("localhost resolves to 127.0.0.1, a loopback, private or link-local address"),
        "{lines:?}"
    );
    assert_eq!(outcome.requests[0].disposition, Disposition::Refused);
}

// ---- emulated packages ---------------------------------------------------

#[test]
fn axios_calls_interceptors_and_errors() {
    let mut created = mock(
        "POST",
        "https://api.example.com/users",
        201,
        json!({ "id": 7 }),
    );
    created.body_contains = Some(r#""name":"jane""#.into());
    let node = with_mocks(vec![
        mock(
            "GET",
            "https://api.example.com/users?role=admin&tags[]=a&tags[]=b",
            200,
            json!([{ "id": 1 }]),
        ),
        created,
        mock(
            "GET",
            "https://api.example.com/missing",
            404,
            json!({ "message": "no such thing" }),
        ),
        mock(
            "GET",
            "https://api.example.com/text",
            200,
            json!("plain text"),
        ),
    ]);
    let source = r#"const axios = require('axios');
    exports.onExecutePostLogin = async () => {
        const client = axios.create({ baseURL: 'https://api.example.com', headers: { 'X-Team': 'id' } });
        client.interceptors.request.use((config) => { config.headers.Authorization = 'Bearer token-from-interceptor'; return config; });
        const list = await client.get('/users', { params: { role: 'admin', tags: ['a', 'b'] } });
        console.log(list.status, JSON.stringify(list.data), list.headers['content-type']);
        const made = await client.post('/users', { name: 'jane' });
        console.log(made.status, made.data.id);
        try { await axios.get('https://api.example.com/missing'); } catch (e) {
            console.log(axios.isAxiosError(e), e.name, e.code, e.message, e.response.status, e.response.data.message);
        }
        const text = await axios({ url: 'https://api.example.com/text', method: 'get', responseType: 'text' });
        console.log(typeof text.data, text.data);
        try { await axios.get('https://api.example.com/none', { timeout: 50 }); } catch (e) { console.log(e.code, e.message.split(':')[0]); }
    };"#;
    let outcome = run_node(source, node);
    assert_eq!(
        ok_logs(&outcome),
        [
            "200 [{\"id\":1}] application/json",
            "201 7",
            "true AxiosError ERR_BAD_REQUEST Request failed with status code 404 404 no such thing",
            "string plain text",
            "ERR_NETWORK network access to api.example.com is not allowed"
        ]
    );
    let sent = &outcome.requests[0].headers;
    assert!(
        sent.iter().any(|(k, v)| k == "X-Team" && v == "id"),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|(k, v)| k == "Authorization" && v == "[redacted]"),
        "{sent:?}"
    );
    assert!(
        outcome.requests[1]
            .headers
            .iter()
            .any(|(k, v)| k == "Content-Type" && v == "application/json")
    );
}

#[test]
fn request_and_request_promise_for_rules() {
    let node = with_mocks(vec![
        mock(
            "GET",
            "https://legacy.example.com/profile?email=jane.doe%40acme.example",
            200,
            json!({ "vip": true }),
        ),
        mock(
            "POST",
            "https://legacy.example.com/token",
            200,
            json!({ "access_token": "t" }),
        ),
        mock(
            "GET",
            "https://legacy.example.com/gone",
            410,
            json!({ "error": "gone" }),
        ),
    ]);
    let rule = Script::from_source(
        "legacy-http.js",
        r#"function legacyHttp(user, context, callback) {
            const request = require('request');
            const rp = require('request-promise');
            request({ url: 'https://legacy.example.com/profile', qs: { email: user.email }, json: true }, function (err, response, body) {
                if (err) return callback(err);
                console.log(response.statusCode, body.vip);
                request.post({ url: 'https://legacy.example.com/token', form: { grant_type: 'client_credentials' } }, function (err2, res2, raw) {
                    console.log(typeof raw, JSON.parse(raw).access_token);
                    rp({ uri: 'https://legacy.example.com/gone', json: true }).catch(function (e) {
                        console.log(e.name, e.statusCode, e.message);
                        request('https://blocked.example.com/', function (err3) {
                            console.log(err3.message.includes('--allow-net blocked.example.com'));
                            callback(null, user, context);
                        });
                    });
                });
            });
        }"#,
    )
    .expect("rule");
    let outcome = run_with_node(vec![rule], node);
    assert_eq!(
        ok_logs(&outcome),
        [
            "200 true",
            "string t",
            "StatusCodeError 410 410 - {\"error\":\"gone\"}",
            "true"
        ]
    );
    let form = &outcome.requests[1];
    assert!(
        form.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/x-www-form-urlencoded")
    );
}

#[test]
fn a_rules_fire_and_forget_request_keeps_its_own_record() {
    // The first Rule calls back before its slow request answers; the second
    // Rule's request answers first. Each record keeps its own request's
    // outcome (in the order they ended): the slow one was still in flight
    // when the Rules finished, and says so.
    let mut slow = mock("POST", "https://audit.example.com/login", 202, json!({}));
    slow.response.delay_ms = 50;
    let node = with_mocks(vec![
        slow,
        mock("GET", "https://crm.example.com/tier", 200, json!("gold")),
    ]);
    let audit = Script::from_source(
        "audit.js",
        r#"function audit(user, context, callback) {
            require('request').post({ url: 'https://audit.example.com/login', json: { id: user.user_id } }, function () {});
            callback(null, user, context);
        }"#,
    )
    .expect("rule");
    let tier = Script::from_source(
        "tier.js",
        r#"function tier(user, context, callback) {
            require('request')('https://crm.example.com/tier', function (err, response, body) {
                console.log(err === null, response.statusCode, body);
                callback(null, user, context);
            });
        }"#,
    )
    .expect("rule");
    let outcome = run_with_node(vec![audit, tier], node);
    assert_eq!(ok_logs(&outcome), ["true 200 gold"]);
    let records: Vec<_> = outcome
        .requests
        .iter()
        .map(|r| {
            (
                r.script.as_str(),
                r.url.as_str(),
                r.status,
                r.error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        records,
        [
            ("tier.js", "https://crm.example.com/tier", Some(200), None),
            (
                "audit.js",
                "https://audit.example.com/login",
                None,
                Some("still in flight when the script finished; not waited for")
            ),
        ]
    );
    assert!(
        outcome.warnings.iter().any(
            |w| w.script == "tier.js" && w.message.starts_with("1 request was still in flight")
        ),
        "{:?}",
        outcome.warnings
    );
}

#[test]
fn node_fetch_reports_failures_as_fetch_errors() {
    let node = with_mocks(vec![mock(
        "GET",
        "https://api.example.com/ok",
        200,
        json!({ "ok": 1 }),
    )]);
    let source = r#"const fetch = require('node-fetch');
    exports.onExecutePostLogin = async () => {
        const res = await fetch('https://api.example.com/ok');
        console.log(res.ok, (await res.json()).ok, typeof res.headers.raw);
        try { await fetch('https://other.example.com/'); } catch (e) { console.log(e.name, e.type, e.message.startsWith('request to https://other.example.com/ failed, reason: network access')); }
    };"#;
    let outcome = run_node(source, node);
    assert_eq!(
        ok_logs(&outcome),
        ["true 1 function", "FetchError system true"]
    );
}

#[test]
fn jsonwebtoken_signs_and_verifies_like_the_package() {
    let key = std::fs::read_to_string(fixture("tenant/signing-key.pem")).expect("key");
    let source = format!(
        r#"const jwt = require('jsonwebtoken');
        const KEY = {key:?};
        exports.onExecutePostLogin = async () => {{
            const hs = jwt.sign({{ sub: 'u1', iat: 1700000000 }}, 'shared-secret', {{ expiresIn: '1h', audience: 'api', issuer: 'me' }});
            console.log(hs);
            console.log(JSON.stringify(jwt.verify(hs, 'shared-secret', {{ audience: 'api', clockTimestamp: 1700000100 }})));
            for (const [token, secret, options] of [[hs, 'wrong', {{}}], [hs, 'shared-secret', {{}}], [hs, 'shared-secret', {{ clockTimestamp: 1700000100, audience: 'other' }}], ['a.b', 'x', {{}}], [hs, 'shared-secret', {{ algorithms: ['RS256'] }}]]) {{
                try {{ jwt.verify(token, secret, options); }} catch (e) {{ console.log(e.name, e.message); }}
            }}
            const rs = jwt.sign({{ sub: 'u2' }}, KEY, {{ algorithm: 'RS256', keyid: 'k1', noTimestamp: true }});
            console.log(JSON.stringify(jwt.decode(rs, {{ complete: true }}).header), JSON.stringify(jwt.decode(rs)));
            console.log(rs);
            jwt.sign({{ a: 1 }}, 'k', {{ noTimestamp: true }}, (err, token) => console.log(err, token.split('.')[1]));
            await new Promise((r) => setTimeout(r, 1));
        }};"#
    );
    let outcome = run_node(&source, NodeConfig::default());
    let lines = ok_logs(&outcome);
    // HS256 is deterministic: the header and claims serialise exactly as
    // the package does, so the token is the one Node produces (signature
    // checked with Python's hmac module).
    assert_eq!(
        lines[0],
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJhdWQiOiJhcGkiLCJpc3MiOiJtZSJ9.e2Jpd7Av5euZs3KKeKYAxdTsWtV8RXvQHWJwJ6zGmE0"
    );
    let validation = {
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_exp = false;
        v.set_audience(&["api"]);
        v
    };
    jsonwebtoken::decode::<Value>(
        &lines[0],
        &jsonwebtoken::DecodingKey::from_secret(b"shared-secret"),
        &validation,
    )
    .expect("the HS256 token verifies with the Rust crate");
    assert_eq!(
        lines[1],
        r#"{"sub":"u1","iat":1700000000,"exp":1700003600,"aud":"api","iss":"me"}"#
    );
    assert_eq!(lines[2], "JsonWebTokenError invalid signature");
    assert_eq!(lines[3], "TokenExpiredError jwt expired");
    assert_eq!(
        lines[4],
        "JsonWebTokenError jwt audience invalid. expected: other"
    );
    assert_eq!(lines[5], "JsonWebTokenError jwt malformed");
    assert_eq!(lines[6], "JsonWebTokenError invalid algorithm");
    assert_eq!(
        lines[7],
        r#"{"alg":"RS256","typ":"JWT","kid":"k1"} {"sub":"u2"}"#
    );
    // The script signed with the tenant's key: the run's JWKS verifies it.
    let flow = Flow::post_login(vec![action("test.js", &source)])
        .with_event(event("post-login-database.json"))
        .with_settings(
            actionbox::Settings::from_file(fixture("tenant/actionbox.json")).expect("settings"),
        );
    let jwks: jsonwebtoken::jwk::JwkSet =
        serde_json::from_value(Runner::new().run(&flow).expect("run").jwks.expect("jwks"))
            .expect("a JWKS");
    let public = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).expect("key");
    let mut rs_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    rs_validation.validate_exp = false;
    rs_validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(&lines[8], &public, &rs_validation)
        .expect("the RS256 token verifies with the tenant's public key");
    assert_eq!(lines[9], "null eyJhIjoxfQ");
}

#[test]
fn uuid_versions_match_the_package() {
    let source = r#"const { v1, v3, v4, v5, v7, validate, version, NIL } = require('uuid');
    exports.onExecutePostLogin = async () => {
        console.log(v5('hello', v5.DNS), v3('https://example.com/ü', v3.URL));
        console.log([v1(), v4(), v7()].map((id) => validate(id) && version(id)).join(','), validate(NIL), validate('nope'));
    };"#;
    let outcome = run_node(source, NodeConfig::default());
    // Known answers (Python's uuid module gives the same).
    assert_eq!(
        ok_logs(&outcome),
        [
            "9342d47a-1bab-5709-9869-c840b2eac501 fcdd9458-1848-30b9-957d-66f3540bae2e",
            "1,4,7 true false"
        ]
    );
}

// ---- the auth0 SDK -------------------------------------------------------

fn sdk_node(version: &str) -> NodeConfig {
    let mut node = NodeConfig::default();
    node.dependencies.insert("auth0".into(), version.into());
    node.users = vec![json!({
        "user_id": "google-oauth2|1234", "email": "Jane.Doe@acme.example", "name": "Jane (Google)",
        "identities": [{ "provider": "google-oauth2", "user_id": "1234", "connection": "google-oauth2", "isSocial": true }],
        "app_metadata": {}, "user_metadata": {}, "roles": ["auditor"]
    })].into();
    node
}

#[test]
fn a_public_client_gets_no_management_token_from_the_tenant() {
    // A client the settings describe without a secret (an SPA): the
    // tenant's token endpoint refuses it client credentials, as serve's does.
    let source = r#"exports.onExecutePostLogin = async (event) => {
        const answer = await fetch(`https://${event.request.hostname}/oauth/token`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'spa-client', audience: `https://${event.request.hostname}/api/v2/` }),
        });
        const body = await answer.json();
        console.log(answer.status, body.error, body.access_token === undefined);
    };"#;
    let mut settings = actionbox::Settings::default();
    let mut spa = actionbox::tenant::ClientSettings::new("spa-client");
    spa.app_type = Some("spa".into());
    settings.clients.push(spa);
    let flow = Flow::post_login(vec![action("test.js", source)])
        .with_event(event("post-login-database.json"))
        .with_limits(test_limits())
        .with_settings(settings);
    let outcome = Runner::new().run(&flow).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok_logs(&outcome), ["403 unauthorized_client true"]);
}

#[test]
fn axios_and_request_reach_the_tenant_s_management_api_like_fetch() {
    // The token by client credentials through fetch, then a write with
    // axios and a read with request: one directory for all three.
    let source = r#"const axios = require('axios');
    const request = require('request');
    exports.onExecutePostLogin = async (event) => {
        const base = `https://${event.request.hostname}`;
        const grant = await fetch(`${base}/oauth/token`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'm2m', client_secret: 's', audience: `${base}/api/v2/` }),
        });
        const { access_token: token } = await grant.json();
        const id = encodeURIComponent(event.user.user_id);
        const patched = await axios.patch(`${base}/api/v2/users/${id}`, { user_metadata: { via: 'axios' } },
            { headers: { Authorization: `Bearer ${token}` } });
        console.log(patched.status, patched.data.user_metadata.via);
        const read = await new Promise((resolve, reject) => request.get({ url: `${base}/api/v2/users/${id}`, json: true, auth: { bearer: token } },
            (err, response, body) => (err ? reject(err) : resolve([response.statusCode, body]))));
        console.log(read[0], read[1].user_metadata.via);
        const refused = await axios.get(`${base}/api/v2/users/${id}`, { validateStatus: () => true });
        console.log(refused.status, refused.data.message);
    };"#;
    let outcome = run_node(source, NodeConfig::default());
    assert_eq!(
        ok_logs(&outcome),
        ["200 axios", "200 axios", "401 Missing authentication"]
    );
    assert!(
        outcome
            .requests
            .iter()
            .all(|r| r.disposition == Disposition::Tenant),
        "{:?}",
        outcome.requests
    );
}

#[test]
fn auth0_sdk_v4_management_calls_work_on_the_in_memory_tenant() {
    let source = r#"const { ManagementClient } = require('auth0');
    exports.onExecutePostLogin = async (event) => {
        const management = new ManagementClient({ domain: event.request.hostname, clientId: 'id', clientSecret: event.secrets.M2M_SECRET || 'x' });
        const { data: same } = await management.usersByEmail.getByEmail({ email: event.user.email });
        console.log(same.map((u) => u.user_id).join(','));
        await management.users.assignRoles({ id: event.user.user_id }, { roles: ['rol_auditor'] });
        try { await management.users.link({ id: event.user.user_id }, { provider: 'auth0', user_id: event.user.user_id }); } catch (e) { console.log(e.statusCode, e.message); }
        const { data: identities } = await management.users.link({ id: event.user.user_id }, { provider: 'google-oauth2', user_id: '1234' });
        console.log(identities.map((i) => i.provider).join(','));
        await management.users.update({ id: event.user.user_id }, { app_metadata: { linked: true, plan: null } });
        const { data: user } = await management.users.get({ id: event.user.user_id });
        const { data: roles } = await management.users.getRoles({ id: event.user.user_id });
        console.log(JSON.stringify(user.app_metadata), roles.map((r) => r.name).join(','));
        const { data: searched } = await management.users.getAll({ q: 'app_metadata.linked:true', search_engine: 'v3' });
        console.log(searched.length);
        try { await management.users.get({ id: 'google-oauth2|1234' }); } catch (e) { console.log(e.name, e.statusCode, e.errorCode, e.message); }
        const { data: left } = await management.users.unlink({ id: event.user.user_id, provider: 'google-oauth2', user_id: '1234' });
        const { data: back } = await management.users.get({ id: 'google-oauth2|1234' });
        console.log(left.map((i) => i.provider).join(','), back.email, back.identities.map((i) => i.provider).join(','));
        try { await management.users.getLogs({ id: 'x' }); } catch (e) { console.log(e.message); }
        const forged = new ManagementClient({ domain: event.request.hostname, token: 'not-a-token' });
        try { await forged.users.get({ id: event.user.user_id }); } catch (e) { console.log(e.name, e.statusCode); }
        const elsewhere = new ManagementClient({ domain: 'elsewhere.auth0.com', token: 't' });
        try { await elsewhere.users.get({ id: 'x' }); } catch (e) { console.log(e.message.includes('network access to elsewhere.auth0.com is not allowed'), e.message.includes("the tenant's own domain")); }
    };"#;
    let outcome = run_node(source, sdk_node("4.37.0"));
    assert_eq!(
        ok_logs(&outcome),
        [
            "auth0|6551f0c2a9b3e4d5f6a7b8c9,google-oauth2|1234",
            "400 Main identity and the new one are the same.",
            "auth0,google-oauth2",
            r#"{"linked":true,"roles":["customer"]} customer,auditor"#,
            "1",
            "ManagementApiError 404 inexistent_user The user does not exist.",
            "auth0 Jane.Doe@acme.example google-oauth2",
            "ManagementClient.users.getLogs() is not supported by actionbox's emulation of auth0 4.x (see docs/node.md for the calls it supports)",
            "ManagementApiError 401",
            "true true"
        ]
    );
    let recorded: Vec<&str> = outcome.commands.iter().map(|c| c.call.as_str()).collect();
    assert_eq!(
        recorded,
        [
            "management.usersByEmail.getByEmail",
            "management.users.assignRoles",
            "management.users.link",
            "management.users.link",
            "management.users.update",
            "management.users.get",
            "management.users.getRoles",
            "management.users.getAll",
            "management.users.get",
            "management.users.unlink",
            "management.users.get",
            "management.users.get",
            "management.users.get"
        ]
    );
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn auth0_sdk_v5_uses_positional_ids_bare_results_and_pages() {
    let source = r#"const { ManagementClient, AuthenticationClient, ManagementError } = require('auth0');
    exports.onExecutePostLogin = async (event) => {
        const management = new ManagementClient({ domain: event.request.hostname, clientId: 'cid', clientSecret: 'shh' });
        const user = await management.users.get(event.user.user_id);
        console.log(user.email);
        const byEmail = await management.users.listUsersByEmail({ email: 'jane.doe@acme.example' });
        console.log(byEmail.length);
        const page = await management.users.list({ per_page: 1 });
        const ids = [];
        for await (const u of page) ids.push(u.user_id);
        console.log(page.data.length, ids.length);
        try { await management.users.get('auth0|nobody'); } catch (e) { console.log(e instanceof ManagementError, e.name, e.statusCode, e.body.errorCode, e.message.split('\n')[0]); }
        const auth = new AuthenticationClient({ domain: event.request.hostname, clientId: 'cid', clientSecret: 'shh' });
        const { data } = await auth.oauth.clientCredentialsGrant({ audience: `https://${event.request.hostname}/api/v2/` });
        const [header, claims] = data.access_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
        console.log(data.token_type, data.expires_in, header.alg, claims.aud, claims.sub);
        try { await auth.oauth.clientCredentialsGrant({ audience: 'https://unknown.example' }); } catch (e) { console.log(e.name, e.statusCode); }
    };"#;
    let outcome = run_node(source, sdk_node("5.7.0"));
    assert_eq!(
        ok_logs(&outcome),
        [
            "jane.doe@acme.example",
            "2",
            "1 2",
            "true NotFoundError 404 inexistent_user NotFoundError",
            "Bearer 86400 RS256 https://acme-dev.us.auth0.com/api/v2/ cid@clients",
            "access_denied 403"
        ]
    );
    let secret_free = serde_json::to_string(&outcome.commands).expect("json");
    assert!(!secret_free.contains("shh"), "{secret_free}");
}

#[test]
fn auth0_sdk_v2_in_a_rule_with_callbacks_and_promises() {
    let rule = Script::from_source(
        "sdk-v2.js",
        r#"function sdkV2(user, context, callback) {
            const ManagementClient = require('auth0@2.44.1').ManagementClient;
            const management = new ManagementClient({ token: auth0.accessToken, domain: auth0.domain });
            management.getUsersByEmail(user.email, function (err, users) {
                if (err) return callback(err);
                management.updateAppMetadata({ id: user.user_id }, { checked: true }).then(function (updated) {
                    console.log(users.length, updated.app_metadata.checked);
                    management.getUser({ id: 'auth0|nobody' }).catch(function (e) {
                        console.log(e.name, e.statusCode, e.message);
                        try { management.deleteUser({}); } catch (sync) { console.log(sync.name, sync.message); }
                        callback(null, user, context);
                    });
                });
            });
        }"#,
    )
    .expect("rule");
    let outcome = run_with_node(vec![rule], sdk_node("2.44.1"));
    assert_eq!(
        ok_logs(&outcome),
        [
            "2 true",
            "Not Found 404 The user does not exist.",
            "ArgumentError You must provide an id for the delete method"
        ]
    );
}

#[test]
fn sdk_writes_are_seen_by_the_next_script_of_the_flow() {
    let writer = action(
        "writer.js",
        r#"const { ManagementClient } = require('auth0');
        exports.onExecutePostLogin = async (event) => {
            const m = new ManagementClient({ domain: event.request.hostname, clientId: 'm2m', clientSecret: 's' });
            await m.users.update({ id: event.user.user_id }, { user_metadata: { theme: 'light' } });
        };"#,
    );
    let reader = action(
        "reader.js",
        r#"const { ManagementClient } = require('auth0');
        exports.onExecutePostLogin = async (event) => {
            const m = new ManagementClient({ domain: event.request.hostname, clientId: 'm2m', clientSecret: 's' });
            const { data } = await m.users.get({ id: event.user.user_id });
            console.log(data.user_metadata.theme, event.user.user_metadata.theme);
        };"#,
    );
    let outcome = run_with_node(vec![writer, reader], sdk_node("4.37.0"));
    // The SDK sees the write; event.user, the login's snapshot, does not.
    assert_eq!(ok_logs(&outcome), ["light dark"]);
}

#[test]
fn an_undeclared_sdk_version_is_emulated_with_a_warning() {
    let source = r#"const { ManagementClient } = require('auth0');
    exports.onExecutePostLogin = async (event) => {
        const management = new ManagementClient({ domain: event.request.hostname, clientId: 'm2m', clientSecret: 's' });
        const { data } = await management.users.get({ id: event.user.user_id });
        console.log(data.user_id);
    };"#;
    let outcome = run_node(source, NodeConfig::default());
    assert_eq!(ok_logs(&outcome), ["auth0|6551f0c2a9b3e4d5f6a7b8c9"]);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.message.contains("emulating auth0 4.x")
                && w.message.contains("--dependency auth0@VERSION")),
        "{:?}",
        outcome.warnings
    );
}

// ---- the CLI -------------------------------------------------------------

#[test]
fn the_cli_takes_mocks_modules_and_allow_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mocks = dir.path().join("mocks.json");
    std::fs::write(&mocks, r#"[{ "method": "GET", "url": "https://crm.example.com/tier/*", "response": { "body": { "tier": "gold" } } }]"#).expect("write");
    let helper = dir.path().join("helper.js");
    std::fs::write(&helper, "module.exports = (t) => 'tier:' + t;").expect("write");
    let script_path = dir.path().join("crm.js");
    std::fs::write(
        &script_path,
        r#"const label = require('actions:labels');
        exports.onExecutePostLogin = async (event, api) => {
            const res = await fetch('https://crm.example.com/tier/' + event.user.user_id);
            api.idToken.setCustomClaim('https://acme.example/tier', label((await res.json()).tier));
        };"#,
    )
    .expect("write");
    let output = crate::common::actionbox_command()
        .arg("run")
        .arg(&script_path)
        .arg("--event")
        .arg(example("events/post-login-database.json"))
        .arg("--http-mock")
        .arg(&mocks)
        .arg(format!("--module=labels={}", helper.display()))
        .args(["--format", "json"])
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outcome: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        outcome["id_token"]["payload"]["https://acme.example/tier"],
        "tier:gold"
    );
    assert_eq!(outcome["requests"][0]["disposition"], "mocked");

    let bad = crate::common::actionbox_command()
        .arg("run")
        .arg(&script_path)
        .arg("--http-mock")
        .arg(dir.path().join("missing.json"))
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("missing.json"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn a_module_file_past_the_size_limit_fails_its_require_naming_it() {
    // A sparse file: 1 byte past the limit without writing 64 MiB.
    let dir = tempfile::tempdir().expect("tempdir");
    let package = dir.path().join("huge");
    std::fs::create_dir_all(&package).expect("dir");
    std::fs::write(
        package.join("package.json"),
        r#"{"name": "huge", "version": "1.0.0"}"#,
    )
    .expect("write");
    std::fs::File::create(package.join("index.js"))
        .and_then(|f| f.set_len(actionbox::input::MAX_MODULE_BYTES + 1))
        .expect("sparse file");
    let outcome = run_node(
        "exports.onExecutePostLogin = async () => { try { require('huge'); console.log('loaded'); } catch (e) { console.log(e.message); } };",
        NodeConfig {
            node_modules: vec![dir.path().to_path_buf()],
            ..NodeConfig::default()
        },
    );
    let logs = ok_logs(&outcome);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        logs[0].starts_with("Cannot find module 'huge'")
            && logs[0].contains(
                "index.js is larger than 64 MiB, the most actionbox loads of a module file"
            ),
        "{logs:?}"
    );
}

#[test]
fn form_data_and_blob_bodies_reach_the_mock_as_multipart_through_the_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("upload.js");
    std::fs::write(
        &script,
        r#"const axios = require('axios');
exports.onExecutePostLogin = async (event, api) => {
  const form = new FormData();
  form.append('email', event.user.email);
  form.append('avatar', new Blob(['PNG...'], { type: 'image/png' }), 'avatar.png');
  const uploaded = await fetch('https://crm.acme.example/v1/uploads', { method: 'POST', body: form });
  console.log('fetch', uploaded.status, (await uploaded.json()).id);
  const viaAxios = await axios.post('https://crm.acme.example/v1/uploads', form);
  console.log('axios', viaAxios.status, viaAxios.data.id);
  const raw = await fetch('https://crm.acme.example/v1/raw', { method: 'PUT', body: new Blob(['{"n":1}'], { type: 'application/json' }) });
  console.log('blob', raw.status);
};
"#,
    )
    .expect("script");
    let mocks = dir.path().join("mocks.json");
    std::fs::write(
        &mocks,
        r#"[
  { "method": "POST", "url": "https://crm.acme.example/v1/uploads",
    "headers": { "content-type": "multipart/form-data; boundary=*" },
    "body_contains": "filename=\"avatar.png\"",
    "response": { "status": 201, "body": { "id": "up_1" } } },
  { "method": "PUT", "url": "https://crm.acme.example/v1/raw",
    "headers": { "content-type": "application/json" }, "body_json": { "n": 1 },
    "response": { "status": 204 } }
]"#,
    )
    .expect("mocks");
    let output = actionbox(&[
        "run",
        script.to_str().expect("path"),
        "--event",
        example("events/post-login-database.json")
            .to_str()
            .expect("path"),
        "--http-mock",
        mocks.to_str().expect("path"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outcome = json(&output);
    let logs: Vec<&str> = outcome["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter_map(|l| l["message"].as_str())
        .collect();
    assert_eq!(logs, ["fetch 201 up_1", "axios 201 up_1", "blob 204"]);
    let upload = &outcome["requests"][0];
    let content_type = upload["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|h| h[0] == "content-type")
        .and_then(|h| h[1].as_str())
        .expect("content-type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a multipart content type");
    assert_eq!(
        upload["body"].as_str().expect("body"),
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\njane.doe@acme.example\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"avatar.png\"\r\nContent-Type: image/png\r\n\r\nPNG...\r\n\
             --{boundary}--\r\n"
        )
    );
    assert_eq!(outcome["requests"][2]["body"], "{\"n\":1}");
}
