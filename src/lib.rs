//! actionbox runs Auth0 Actions and legacy Auth0 Rules — customer scripts,
//! unmodified — in QuickJS isolates, and issues the ID and access tokens
//! Auth0 would issue from what they did, naming the reason for every claim
//! Auth0 would silently drop.
//!
//! Scripts never build tokens: every `api.*` call (and every Rule output)
//! becomes a [`Command`]; Rust applies Auth0's rules to the commands.
//!
//! ```
//! use actionbox::{Call, Flow, Runner, Script, Status};
//!
//! let action = Script::from_source(
//!     "add-connection.js",
//!     r#"exports.onExecutePostLogin = async (event, api) => {
//!          api.idToken.setCustomClaim('https://example.com/connection', event.connection.name);
//!        };"#,
//! )?;
//! let event = serde_json::json!({ "connection": { "name": "google-oauth2" } });
//! let outcome = Runner::new().run(&Flow::post_login(vec![action]).with_event(event))?;
//!
//! assert_eq!(outcome.status, Status::Allowed);
//! assert_eq!(outcome.commands[0].call, Call::IdTokenSetCustomClaim);
//! assert_eq!(outcome.commands[0].args[1], "google-oauth2");
//! # Ok::<(), actionbox::Error>(())
//! ```

pub mod bench;
pub mod clock;
pub mod compare;
pub mod directory;
pub mod engine;
mod error;
pub mod event;
pub mod input;
pub mod migrate;
pub mod net;
pub mod outcome;
pub mod packages;
mod pipeline;
pub mod preflight;
pub mod record;
pub mod redact;
mod runner;
pub mod runtime;
pub mod script;
pub mod serve;
mod services;
pub mod tenant;
pub mod token;
pub mod trigger;
pub mod worker;

pub use clock::Clock;
pub use compare::{ClaimDiff, ClaimStatus, CompareInput, Comparison, compare};
pub use engine::Limits;
pub use error::Error;
pub use outcome::{Denial, ErrorKind, OAuthError, Outcome, Redirect, ScriptError, Status};
pub use pipeline::{CacheRecord, Flow, Resume, check_script};
pub use record::{Call, Command, LogEntry, LogLevel, Warning};
pub use runner::{AsSent, Runner};
pub use runtime::{NodeConfig, NodeRuntime};
pub use script::{Script, ScriptKind, Trigger};
pub use tenant::{CustomClaimsMode, Settings};
