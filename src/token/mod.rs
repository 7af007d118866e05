//! Tokens: the claim policy (`policy`), assembling the ID and access tokens
//! (`builder`), signing and verifying (`sign`), the Management API token
//! Rules receive (`management`).

pub mod builder;
pub mod management;
pub mod policy;
pub mod sign;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use builder::{Issued, ScopeEdit, TokenInput, TokenRequests, issue, issue_client_credentials};
pub use policy::{Reason, TokenKind};
pub use sign::Keys;

/// A token as issued: decoded header and payload, and the compact JWT. An
/// opaque access token (no API audience) has only `opaque`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub header: Value,
    pub payload: Value,
    pub jwt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opaque: Option<String>,
}

/// A signing secret generated for an HS256 API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedApiSecret {
    /// The API's identifier (the access token's `aud`).
    pub api: String,
    pub secret: String,
}

/// A claim a script set that is not in the token, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedClaim {
    pub token: TokenKind,
    pub claim: String,
    pub reason: Reason,
    pub detail: String,
    pub script: String,
}
