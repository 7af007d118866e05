//! The result of running a flow: what the scripts decided, the tokens Auth0
//! would issue, and everything needed to explain them. Its JSON form is the
//! contract of `actionbox run --format json` (docs/output.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::{Command, LogEntry, Warning};
pub use crate::record::{ErrorKind, PhaseTimings, ScriptError};
pub use crate::token::GeneratedApiSecret;
use crate::token::{DroppedClaim, IssuedToken};

/// How the login (or trigger execution) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every script ran and nothing stopped the login.
    Allowed,
    /// A script denied access (`api.access.deny`, `callback(err)`,
    /// `api.validation.error`).
    Denied,
    /// A script sent the user elsewhere; the flow resumes at `/continue`.
    Redirected,
    /// A script failed (exception, timeout, limit) or the login failed
    /// (e.g. custom claims over 100 KB).
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Allowed => "allowed",
            Status::Denied => "denied",
            Status::Redirected => "redirected",
            Status::Failed => "failed",
        }
    }
}

/// The error the application would receive on its callback URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

/// A deny decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Denial {
    pub script: String,
    /// `access_denied`, `unauthorized` (Rules), or a `validation.error` code.
    pub code: String,
    pub reason: String,
    /// `api.access.deny`, `api.validation.error`, `callback(error)`, ...
    pub via: String,
    /// What the end user is shown, when the trigger gives it separately
    /// (pre-user-registration's `userMessage`, `validation.error`'s message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_message: Option<String>,
}

/// A redirect decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redirect {
    pub script: String,
    /// Where the browser goes: the URL the script gave, with the `state`
    /// Auth0 appends so the site can send the user back to `/continue`.
    pub url: String,
    /// The `state` the `/continue` request must carry.
    #[serde(default)]
    pub state: String,
    /// When the login is suspended by `api.prompt.render` (a Form) rather
    /// than a redirect: `{ id, fields, vars }` as the script rendered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Value>,
}

/// Per-script and overall times, in microseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub total: u64,
    /// Of `total`, the time the flow waited for a free script thread or
    /// worker process before it started (flows beyond the runner's size
    /// queue).
    #[serde(default)]
    pub queued: u64,
    #[serde(default)]
    pub scripts: Vec<ScriptTiming>,
    #[serde(default)]
    pub tokens: u64,
    /// Before the scripts: checking them, building the event, the
    /// packages they need, the signing keys.
    #[serde(default)]
    pub prepare: u64,
    /// Handing the flow to the executor thread (or worker process) and its
    /// report back, beyond the time the flow ran there.
    #[serde(default)]
    pub handoff: u64,
    /// The executor's Rust work around the scripts' phases: each script's
    /// event and bytecode looked up, its isolate's records collected, its
    /// commands folded into the transaction.
    #[serde(default)]
    pub host: u64,
    /// After the scripts, tokens apart: the outcome decided, assembled
    /// and masked for display.
    #[serde(default)]
    pub outcome: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptTiming {
    pub script: String,
    #[serde(flatten)]
    pub phases: PhaseTimings,
    pub peak_memory_bytes: usize,
}

/// Everything a flow produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The trigger the flow ran for.
    #[serde(default)]
    pub trigger: crate::script::Trigger,
    pub status: Status,
    pub id_token: Option<IssuedToken>,
    pub access_token: Option<IssuedToken>,
    /// The code a hybrid flow (`code id_token`) returns next to the ID
    /// token, whose `c_hash` it verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<String>,
    pub dropped_claims: Vec<DroppedClaim>,
    pub commands: Vec<Command>,
    pub logs: Vec<LogEntry>,
    /// The user profile at the end of the flow (metadata updates applied).
    pub user: Value,
    pub error: Option<ScriptError>,
    /// What the application receives when the login did not succeed.
    pub oauth_error: Option<OAuthError>,
    pub denial: Option<Denial>,
    pub redirect: Option<Redirect>,
    /// When this login resumed at `/continue`: the redirect it resumed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_from: Option<Redirect>,
    /// Multi-factor requirements, in order (`multifactor.enable`, `challengeWith`, Rule `context.multifactor`).
    pub mfa: Vec<Command>,
    /// Metadata updates the flow writes to the user profile, merged.
    pub metadata_updates: MetadataUpdates,
    pub warnings: Vec<Warning>,
    /// Every outbound request scripts made: mocked, allowed, refused.
    pub requests: Vec<crate::record::RequestRecord>,
    /// The npm packages scripts loaded, with version and where each came
    /// from (registry, cache, `--node-modules`, emulated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<crate::record::PackageUse>,
    /// What the trigger produced besides tokens (the user a registration
    /// creates, the message to send, ...): see `triggers::result`.
    #[serde(default)]
    pub result: Value,
    /// Scripts that ran, in order.
    pub scripts: Vec<String>,
    /// The public key set that verifies the RS256/PS256 tokens of this run.
    pub jwks: Option<Value>,
    /// The RSA key the tokens were signed with when it is not the tenant's
    /// configured key (a development or per-process key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<SigningKeyUse>,
    /// The signing secret actionbox generated for an HS256 API that has
    /// none in the settings (as Auth0 generates one when such an API is
    /// created): the access token verifies with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_signing_secret: Option<GeneratedApiSecret>,
    pub timings_us: Timings,
}

/// The RSA key a run signed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningKeyUse {
    pub kid: String,
    /// `development` (no key configured: the user's development key, kept
    /// in `path`) or `generated` (no key configured and none could be kept:
    /// a key of this process only).
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetadataUpdates {
    pub app_metadata: serde_json::Map<String, Value>,
    pub user_metadata: serde_json::Map<String, Value>,
}

impl Outcome {
    /// The process exit code `run` uses: 0 when the trigger completed
    /// whatever it decided, 1 when a script or the login failed.
    pub fn exit_code(&self) -> i32 {
        match self.status {
            Status::Failed => 1,
            _ => 0,
        }
    }
}
