//! Structure-aware: small Actions that call every api binding with
//! generated values (Proxies, getters, cycles, huge strings, Symbols,
//! BigInts, re-entrant callbacks). Oracles: no panic, no internal error,
//! and an outcome that serialises.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use actionbox::{ErrorKind, Flow, Limits, Runner, Script};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

const CALLS: &[&str] = &[
    "api.access.deny",
    "api.idToken.setCustomClaim",
    "api.accessToken.setCustomClaim",
    "api.accessToken.addScope",
    "api.accessToken.removeScope",
    "api.user.setAppMetadata",
    "api.user.setUserMetadata",
    "api.multifactor.enable",
    "api.authentication.challengeWith",
    "api.authentication.setPrimaryUser",
    "api.redirect.sendUserTo",
    "api.redirect.encodeToken",
    "api.redirect.validateToken",
    "api.cache.set",
    "api.cache.get",
    "api.cache.delete",
    "api.samlResponse.setAttribute",
    "api.samlResponse.setNameIdentifierProbes",
    "api.session.setMetadata",
    "api.refreshToken.setMetadata",
    "api.transaction.setMetadata",
    "api.prompt.render",
    "api.validation.error",
    "api.groups.getUserGroups",
    "console.log",
];

#[derive(Arbitrary, Debug)]
enum Arg {
    Undefined,
    Null,
    Number(f64),
    Text(String),
    Huge(u16),
    Symbol,
    BigInt(i64),
    Cycle,
    ThrowingGetter,
    Proxy,
    ReentrantToJson(u8),
    Array(Vec<Arg>),
    Object(Vec<(String, Arg)>),
}

impl Arg {
    fn js(&self, depth: u32) -> String {
        if depth > 4 {
            return "null".into();
        }
        match self {
            Arg::Undefined => "undefined".into(),
            Arg::Null => "null".into(),
            Arg::Number(n) if n.is_finite() => format!("{n:?}"),
            Arg::Number(_) => "NaN".into(),
            Arg::Text(s) => serde_json::to_string(s).unwrap_or_default(),
            Arg::Huge(n) => format!("'x'.repeat({})", *n as usize * 64),
            Arg::Symbol => "Symbol('s')".into(),
            Arg::BigInt(n) => format!("{n}n"),
            Arg::Cycle => "(() => { const o = {}; o.o = o; return o; })()".into(),
            Arg::ThrowingGetter => "({ get x() { throw new Error('getter'); } })".into(),
            Arg::Proxy => "new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } })".into(),
            Arg::ReentrantToJson(i) => format!(
                "({{ toJSON() {{ {}('https://a.example/re', 1); return 1; }} }})",
                CALLS[*i as usize % 3 + 1]
            ),
            Arg::Array(items) => format!("[{}]", items.iter().map(|i| i.js(depth + 1)).collect::<Vec<_>>().join(",")),
            Arg::Object(entries) => format!(
                "({{{}}})",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap_or_default(), v.js(depth + 1)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Call {
    method: u8,
    args: Vec<Arg>,
    awaited: bool,
}

fn runner() -> &'static Runner {
    static RUNNER: OnceLock<Runner> = OnceLock::new();
    RUNNER.get_or_init(|| Runner::with_threads(1))
}

fuzz_target!(|calls: Vec<Call>| {
    let mut body = String::new();
    for call in calls.iter().take(32) {
        let method = CALLS[call.method as usize % CALLS.len()];
        let args: Vec<String> = call.args.iter().take(4).map(|a| a.js(0)).collect();
        let prefix = if call.awaited { "await " } else { "" };
        body.push_str(&format!("  try {{ {prefix}{method}({}); }} catch (e) {{ String(e); }}\n", args.join(", ")));
    }
    let source = format!("exports.onExecutePostLogin = async (event, api) => {{\n{body}}};\n");
    let Ok(script) = Script::from_source("fuzz.js", source) else { return };
    let flow = Flow::post_login(vec![script]).with_limits(Limits {
        timeout: Duration::from_secs(2),
        memory_bytes: 32 << 20,
        ..Limits::default()
    });
    let Ok(outcome) = runner().run(&flow) else { return };
    assert_ne!(outcome.error.as_ref().map(|e| e.kind), Some(ErrorKind::Internal), "{:?}", outcome.error);
    serde_json::to_string(&outcome).expect("the outcome serialises");
});
