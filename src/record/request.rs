//! The outbound requests a script made, as the outcome lists them.

use serde::{Deserialize, Serialize};

/// How a request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Mocked,
    /// Answered by the host's tenant (a request to the tenant's own domain:
    /// its Management API or `/oauth/token`).
    Tenant,
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
    /// The request body as text (invalid UTF-8 replaced), its credential
    /// fields masked, cut after `net::MAX_RECORDED_BODY` bytes; absent
    /// when the request has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The body's whole size in bytes, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
