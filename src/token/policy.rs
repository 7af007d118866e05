//! Auth0's custom-claim policy (docs/claims.md, "The policy, step by step"), in one place: which of the
//! claims scripts set end up in which token, and why the others do not.
//!
//! Readings chosen where Auth0 does not document the exact rule
//! (docs/claims.md explains each):
//! - Q1: a namespace is reserved when it is an `http(s)` URL whose host is
//!   `auth0.com`, `webtask.io` or `webtask.run` or a subdomain of one
//!   (case-insensitive), or a `urn:auth0` URN. `auth0app.com` is not listed
//!   by Auth0 and is not reserved.
//! - Q2: the last write wins across Rules and Actions (Actions run later).
//! - Q5: 100 KB is 102 400 bytes of UTF-8 JSON, names plus values, per token.
//! - Q6: on the Management API audience (`/api/v2/`) every custom claim is
//!   dropped; on other Auth0 APIs (`/mfa/`, ...) non-namespaced ones are.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tenant::CustomClaimsMode;

/// Claims a script cannot set or overwrite (docs/claims.md, `restricted_claim`), plus `scope`, which
/// the post-login facade refuses and Rules use for the scope override.
pub const RESTRICTED_CLAIMS: &[&str] = &[
    "acr",
    "act",
    "active",
    "amr",
    "at_hash",
    "ath",
    "attest",
    "aud",
    "auth_time",
    "authorization_details",
    "azp",
    "c_hash",
    "client_id",
    "cnf",
    "cty",
    "dest",
    "entitlements",
    "events",
    "exp",
    "groups",
    "gty",
    "htm",
    "htu",
    "iat",
    "internalService",
    "iss",
    "jcard",
    "jku",
    "jti",
    "jwe",
    "jwk",
    "kid",
    "may_act",
    "mky",
    "nbf",
    "nonce",
    "object_id",
    "org_id",
    "org_name",
    "orig",
    "origid",
    "permissions",
    "roles",
    "rph",
    "s_hash",
    "scope",
    "sid",
    "sip_callid",
    "sip_cseq_num",
    "sip_date",
    "sip_from_tag",
    "sip_via_branch",
    "sub",
    "sub_jwk",
    "toe",
    "txn",
    "typ",
    "uuid",
    "vot",
    "vtm",
    "x5t#S256",
];

/// OIDC standard profile claims and the scope that releases each (OIDC Core
/// 5.4, which Auth0's scope documentation points to).
pub const PROFILE_CLAIMS: &[(&str, &str)] = &[
    ("name", "profile"),
    ("family_name", "profile"),
    ("given_name", "profile"),
    ("middle_name", "profile"),
    ("nickname", "profile"),
    ("preferred_username", "profile"),
    ("profile", "profile"),
    ("picture", "profile"),
    ("website", "profile"),
    ("gender", "profile"),
    ("birthdate", "profile"),
    ("zoneinfo", "profile"),
    ("locale", "profile"),
    ("updated_at", "profile"),
    ("email", "email"),
    ("email_verified", "email"),
    ("address", "address"),
    ("phone_number", "phone"),
    ("phone_number_verified", "phone"),
];

const RESERVED_DOMAINS: &[&str] = &["auth0.com", "webtask.io", "webtask.run"];

/// The 100 KB cap on one token's custom claims.
pub const CLAIMS_SIZE_LIMIT: usize = 100 * 1024;

/// Why a claim a script set is not in a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The name is one Auth0 reserves for itself (`sub`, `roles`, ...).
    RestrictedClaim,
    /// The namespace is an Auth0 domain (`auth0.com`, `webtask.io`, ...).
    ReservedNamespace,
    /// The tenant still requires namespaced custom claims.
    NotNamespaced,
    /// The access token is for an Auth0 API (Management API, MFA API).
    Auth0ApiAudience,
    /// No API audience was requested: the access token is opaque.
    OpaqueAccessToken,
    /// A profile claim whose scope (`email`, `profile`, ...) was not requested.
    ScopeNotRequested,
    /// The value has no JSON form (`undefined`, a function, a symbol).
    InvalidValue,
    /// A legacy scope word that named a user attribute; OIDC-conformant
    /// clients ignore it.
    LegacyScopeIgnored,
    /// `email` on the access token of a password grant, which Auth0 does
    /// not let a script set outside interactive logins.
    PasswordGrantEmail,
    /// An ID-token claim on a legacy endpoint (`/oauth/ro`, `/delegation`),
    /// which predates custom claims and ignores them.
    LegacyEndpoint,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::RestrictedClaim => "restricted_claim",
            Reason::ReservedNamespace => "reserved_namespace",
            Reason::NotNamespaced => "not_namespaced",
            Reason::Auth0ApiAudience => "auth0_api_audience",
            Reason::OpaqueAccessToken => "opaque_access_token",
            Reason::ScopeNotRequested => "scope_not_requested",
            Reason::InvalidValue => "invalid_value",
            Reason::LegacyScopeIgnored => "legacy_scope_ignored",
            Reason::PasswordGrantEmail => "password_grant_email",
            Reason::LegacyEndpoint => "legacy_endpoint",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Which token a claim is for. It serialises as the token's name in an
/// OAuth response (`id_token`, `access_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TokenKind {
    #[serde(rename = "id_token")]
    Id,
    #[serde(rename = "access_token")]
    Access,
}

impl TokenKind {
    pub const ALL: [TokenKind; 2] = [TokenKind::Id, TokenKind::Access];

    /// The name in an OAuth response: `id_token`, `access_token`.
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Id => "id_token",
            TokenKind::Access => "access_token",
        }
    }

    /// The name in a sentence: `ID token`, `access token`.
    pub fn title(self) -> &'static str {
        match self {
            TokenKind::Id => "ID token",
            TokenKind::Access => "access token",
        }
    }

    /// The `api` object of an Action that sets its claims: `idToken`,
    /// `accessToken`.
    pub fn api(self) -> &'static str {
        match self {
            TokenKind::Id => "idToken",
            TokenKind::Access => "accessToken",
        }
    }

    /// The call that sets one of its custom claims.
    pub fn set_custom_claim(self) -> crate::record::Call {
        match self {
            TokenKind::Id => crate::record::Call::IdTokenSetCustomClaim,
            TokenKind::Access => crate::record::Call::AccessTokenSetCustomClaim,
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What kind of audience the access token has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// No audience: an opaque token for `/userinfo` only.
    Opaque,
    /// A custom API.
    Api(String),
    /// The Management API (`https://<tenant>/api/v2/`).
    ManagementApi(String),
    /// Another Auth0 API (`/mfa/`, ...).
    OtherAuth0Api(String),
}

/// The tenant facts the policy depends on.
#[derive(Debug, Clone)]
pub struct PolicyContext<'a> {
    pub mode: CustomClaimsMode,
    pub requested_scopes: &'a BTreeSet<String>,
    pub audience: &'a Audience,
    /// The application's own domain (from its redirect URI), for
    /// suggesting a namespace; `None` when unknown.
    pub app_domain: Option<&'a str>,
    /// The login is a password grant (`/oauth/token` with
    /// `grant_type=password`, or the legacy `/oauth/ro`).
    pub password_grant: bool,
    /// The legacy endpoint (`/oauth/ro`, `/delegation`) a client that is not
    /// OIDC-conformant logged in through, if it did.
    pub legacy_endpoint: Option<&'static str>,
}

/// A claim as the last script to set it left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimWrite {
    pub key: String,
    /// `None` when the value had no JSON form.
    pub value: Option<Value>,
    pub script: String,
}

/// The policy's verdict on one claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Keep,
    Drop(Reason, String),
}

fn has_scheme(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The host of an `http(s)://` claim name.
fn namespace_host(key: &str) -> Option<String> {
    if !has_scheme(key) {
        return None;
    }
    let rest = &key[key.find("://")? + 3..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// The reserved domain a claim name's namespace belongs to, if any.
pub fn reserved_namespace(key: &str) -> Option<&'static str> {
    if key.to_ascii_lowercase().starts_with("urn:auth0") {
        return Some("urn:auth0");
    }
    let host = namespace_host(key)?;
    RESERVED_DOMAINS
        .iter()
        .find(|domain| host == **domain || host.ends_with(&format!(".{domain}")))
        .copied()
}

/// Whether the name counts as namespaced for tenants that require it.
pub fn is_namespaced(key: &str) -> bool {
    has_scheme(key) || key.to_ascii_lowercase().starts_with("urn:")
}

pub fn profile_scope(key: &str) -> Option<&'static str> {
    PROFILE_CLAIMS
        .iter()
        .find(|(claim, _)| *claim == key)
        .map(|(_, scope)| *scope)
}

/// The last path segment of a claim name, to suggest a better name.
fn short_name(key: &str) -> &str {
    key.trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(key)
}

/// A namespace of the application's own domain to suggest instead.
fn suggestion(key: &str, ctx: &PolicyContext<'_>) -> String {
    format!(
        "https://{}/{}",
        ctx.app_domain.unwrap_or("<your-app-domain>"),
        short_name(key)
    )
}

/// Decides whether one claim reaches its token.
pub fn judge(token: TokenKind, claim: &ClaimWrite, ctx: &PolicyContext<'_>) -> Verdict {
    let key = claim.key.as_str();
    let token_name = match token {
        TokenKind::Id => "ID token",
        TokenKind::Access => "access token",
    };
    if token == TokenKind::Access && *ctx.audience == Audience::Opaque {
        return Verdict::Drop(
            Reason::OpaqueAccessToken,
            "No API audience was requested, so Auth0 issues an opaque access token that carries no claims; \
             request an audience (an API identifier) to get a JWT access token."
                .to_string(),
        );
    }
    // Auth0 staff on the community forum (topics 6761 and 6253): the legacy
    // endpoints predate custom claims, so `context.idToken` has no effect there.
    if token == TokenKind::Id
        && let Some(endpoint) = ctx.legacy_endpoint
    {
        return Verdict::Drop(
            Reason::LegacyEndpoint,
            format!(
                "The login came through the legacy {endpoint} endpoint, which predates custom claims: Auth0 ignores claims scripts add to its ID token. Legacy scope words still copy user attributes; for custom claims, move the application to /oauth/token (OIDC-conformant)."
            ),
        );
    }
    if claim.value.is_none() {
        return Verdict::Drop(
            Reason::InvalidValue,
            format!(
                "The value is undefined (or a function or symbol), which has no JSON form, so the claim is left out of the {token_name}; set a string, number, boolean, null, array or object."
            ),
        );
    }
    if RESTRICTED_CLAIMS.contains(&key) {
        return Verdict::Drop(
            Reason::RestrictedClaim,
            format!(
                "'{key}' is a claim Auth0 reserves and a script cannot set or overwrite; use a namespaced name such as '{}'.",
                suggestion(key, ctx)
            ),
        );
    }
    if let Some(domain) = reserved_namespace(key) {
        let also = if ctx.mode == CustomClaimsMode::LegacyNamespaced {
            " (this tenant still returns it from /userinfo)"
        } else {
            ""
        };
        return Verdict::Drop(
            Reason::ReservedNamespace,
            format!(
                "The namespace is an Auth0 domain ({domain}), which Auth0 reserves: the claim is silently left out of the {token_name}{also}. Use a namespace of your own domain, e.g. '{}'.",
                suggestion(key, ctx)
            ),
        );
    }
    if ctx.mode == CustomClaimsMode::LegacyNamespaced {
        let profile = profile_scope(key).is_some();
        if token == TokenKind::Access && profile {
            return Verdict::Drop(
                Reason::NotNamespaced,
                format!(
                    "This tenant still requires namespaced custom claims, and such tenants ignore OIDC profile claims like '{key}' on access tokens; use '{}' or turn off \"Custom claims must be namespaced\".",
                    suggestion(key, ctx)
                ),
            );
        }
        if !profile && !is_namespaced(key) {
            return Verdict::Drop(
                Reason::NotNamespaced,
                format!(
                    "This tenant still requires namespaced custom claims (http:// or https://), so '{key}' is silently left out; use '{}' or turn off \"Custom claims must be namespaced\" (Tenant Settings > Advanced > Migrations).",
                    suggestion(key, ctx)
                ),
            );
        }
    }
    // Auth0 KB "api.accessToken.setCustomClaim does Not Set the Custom Email
    // Claim" (community 125226): `email` is settable only in interactive
    // logins; the password grant leaves it out.
    if token == TokenKind::Access && ctx.password_grant && key == "email" {
        return Verdict::Drop(
            Reason::PasswordGrantEmail,
            format!(
                "Auth0 lets a script set 'email' on the access token only in interactive logins (Universal Login); this password grant leaves it out. Use a namespaced name such as '{}'.",
                suggestion(key, ctx)
            ),
        );
    }
    if token == TokenKind::Access {
        match ctx.audience {
            Audience::ManagementApi(aud) => {
                return Verdict::Drop(
                    Reason::Auth0ApiAudience,
                    format!(
                        "The access token is for the Management API ({aud}), which gets no custom claims; request your own API's audience for claims your services read."
                    ),
                );
            }
            Audience::OtherAuth0Api(aud) if !is_namespaced(key) => {
                return Verdict::Drop(
                    Reason::Auth0ApiAudience,
                    format!(
                        "The access token is for an Auth0 API ({aud}), which ignores non-namespaced custom claims; use '{}'.",
                        suggestion(key, ctx)
                    ),
                );
            }
            _ => {}
        }
    }
    if let Some(scope) = profile_scope(key)
        && !ctx.requested_scopes.contains(scope)
    {
        return Verdict::Drop(
            Reason::ScopeNotRequested,
            format!(
                "'{key}' is an OIDC profile claim released only with the '{scope}' scope, which this login did not request, so Auth0 removes it even though a script set it; request '{scope}' or use a namespaced name such as '{}'.",
                suggestion(key, ctx)
            ),
        );
    }
    Verdict::Keep
}

/// The size of a claim as it counts towards the 100 KB cap.
pub fn claim_size(key: &str, value: &Value) -> usize {
    serde_json::to_string(key).map_or(0, |k| k.len())
        + serde_json::to_string(value).map_or(0, |v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_namespaces_match_auth0_hosts_only() {
        for key in [
            "https://acme-dev.us.auth0.com/connection",
            "https://auth0.com/x",
            "HTTPS://Tenant.EU.Auth0.com/x",
            "http://example.webtask.io/x",
            "https://x.webtask.run",
            "https://user@tenant.auth0.com:443/x",
            "urn:auth0:claims:x",
        ] {
            assert!(reserved_namespace(key).is_some(), "{key}");
        }
        for key in [
            "https://acme.example/connection",
            "https://notauth0.com/x",
            "https://my.app/auth0.com/x",
            "https://tenant.auth0app.com/x",
            "auth0.com/x",
            "connection",
        ] {
            assert!(reserved_namespace(key).is_none(), "{key}");
        }
    }

    #[test]
    fn namespaced_means_a_url_or_urn() {
        assert!(is_namespaced("https://a.example/x"));
        assert!(is_namespaced("urn:acme:x"));
        assert!(!is_namespaced("app_custom_x"));
        assert!(!is_namespaced("a.example/x"));
    }

    #[test]
    fn a_password_grant_drops_email_on_the_access_token_only() {
        let scopes: BTreeSet<String> = ["openid", "email"].iter().map(|s| s.to_string()).collect();
        let audience = Audience::Api("https://api.acme.example".into());
        let ctx = |password_grant| PolicyContext {
            mode: CustomClaimsMode::Current,
            requested_scopes: &scopes,
            audience: &audience,
            app_domain: Some("app.acme.example"),
            password_grant,
            legacy_endpoint: None,
        };
        let claim = |key: &str| ClaimWrite {
            key: key.into(),
            value: Some(Value::String("jane@acme.example".into())),
            script: "claims.js".into(),
        };
        let verdict = judge(TokenKind::Access, &claim("email"), &ctx(true));
        assert!(
            matches!(&verdict, Verdict::Drop(Reason::PasswordGrantEmail, detail) if detail.contains("https://app.acme.example/email")),
            "{verdict:?}"
        );
        assert_eq!(
            judge(TokenKind::Access, &claim("email"), &ctx(false)),
            Verdict::Keep
        );
        assert_eq!(
            judge(TokenKind::Id, &claim("email"), &ctx(true)),
            Verdict::Keep
        );
        assert_eq!(
            judge(
                TokenKind::Access,
                &claim("https://app.acme.example/email"),
                &ctx(true)
            ),
            Verdict::Keep
        );
    }
}
