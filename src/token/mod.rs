//! Tokens: the claim policy, assembling the ID and access tokens, signing.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A token as issued: decoded header and payload, and the compact JWT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    pub header: Value,
    pub payload: Value,
    pub jwt: Option<String>,
}

/// A claim a script set that is not in the token, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedClaim {
    pub token: String,
    pub claim: String,
    pub reason: String,
    pub detail: String,
    pub script: String,
}
