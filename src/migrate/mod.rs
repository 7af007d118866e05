//! migrate: writes the post-login Action for a legacy Rule, then proves it
//! with `compare` over login events. The mapping it follows, and what it
//! leaves under TODO comments, is in docs/migrate.md.

mod edits;
mod prove;
mod rewrite;
pub mod tenant;

use serde::Serialize;

pub use prove::{
    EventProof, ProofEvent, Verdict, bundled_events, prove, verdict_of, with_action_dependencies,
    with_action_secrets,
};
pub use rewrite::{RewriteOptions, TODO};

use crate::error::Error;
use crate::token::TokenKind;

/// An npm module the Action needs, from the Rule's `require('x@v')`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    pub name: String,
    /// `None` when the Rule required the module without a version.
    pub version: Option<String>,
}

/// A line of the Rule (and, for TODOs, of the Action) with something to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub rule_line: usize,
    /// 0 when the note is about the Rule only.
    pub action_line: usize,
    pub message: String,
}

/// A difference between the Rule's login and the Action's that the
/// migration makes on purpose, and says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExpectedDifference {
    /// The Action sets `action_claim` where the Rule's token had
    /// `rule_claim` (a legacy-scope attribute, a namespace Auth0 drops).
    Claim {
        token: TokenKind,
        rule_claim: Option<String>,
        action_claim: String,
    },
    /// `UnauthorizedError` becomes `access_denied`: Actions cannot deny
    /// with `unauthorized`.
    DenialCode,
}

/// The Action written for one Rule.
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub code: String,
    /// `configuration.X` the Rule reads: secrets the Action needs.
    pub secrets: Vec<String>,
    pub dependencies: Vec<Dependency>,
    /// Code left in place under a `TODO(actionbox migrate)` comment.
    pub todos: Vec<Note>,
    /// Translations that change what a client sees, with the reason.
    pub notes: Vec<Note>,
    #[serde(skip)]
    pub expected: Vec<ExpectedDifference>,
    /// The namespace used for claims that needed one.
    pub namespace: Option<String>,
}

/// Writes the Action for a Rule. `name` names the Rule in errors.
pub fn migrate_rule(
    name: &str,
    source: &str,
    options: &RewriteOptions,
) -> Result<Migration, Error> {
    rewrite::rewrite(name, source, options)
}
