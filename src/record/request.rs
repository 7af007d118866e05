//! The outbound requests a script made, as the outcome lists them.

use serde::{Deserialize, Serialize};

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Mocked,
    Allowed,
    Refused,
    Failed,
    Aborted,
}

/// A request in the outcome's `requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub script: String,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub disposition: Disposition,
    pub duration_ms: u64,
    /// Request headers; those that carry credentials are masked.
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
