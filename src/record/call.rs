//! The names of the calls in the command log: every `api.*` call an Action
//! can make and every Rule output, as one enum. The JSON keeps the names
//! Auth0's `api` uses (`idToken.setCustomClaim`, ...), so [`Call`]
//! serialises to and from exactly those strings.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Prefixes of the emulated `auth0` SDK's calls (`management.users.update`,
/// `authentication.oauth.clientCredentialsGrant`, ...): every trigger and
/// the Rules may record them, and actionbox gives them no meaning of its
/// own.
pub const SDK_PREFIXES: [&str; 2] = ["management.", "authentication.oauth."];

macro_rules! calls {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// One call of the command log.
        ///
        /// Two calls are equal when their names are: [`Call::Other`] never
        /// holds the name of a known call, because every way of making a
        /// `Call` from a name goes through [`Call::named`].
        #[derive(Debug, Clone)]
        pub enum Call {
            $($(#[$doc])* $variant,)*
            /// A call of the emulated `auth0` SDK (see [`SDK_PREFIXES`]),
            /// with its whole name.
            Sdk(String),
            /// A name actionbox does not know (a command log written by
            /// something else); kept so that the JSON reads back unchanged.
            Other(String),
        }

        impl Call {
            /// Every call with a fixed name.
            pub const KNOWN: &[Call] = &[$(Call::$variant,)*];

            /// The name as it appears in the JSON and in Auth0's `api`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Call::$variant => $name,)*
                    Call::Sdk(name) | Call::Other(name) => name,
                }
            }

            /// The call with this name.
            pub fn named(name: &str) -> Call {
                match name {
                    $($name => Call::$variant,)*
                    sdk if SDK_PREFIXES.iter().any(|p| sdk.starts_with(p)) => {
                        Call::Sdk(sdk.to_string())
                    }
                    other => Call::Other(other.to_string()),
                }
            }
        }
    };
}

calls! {
    Abort = "abort",
    AccessDeny = "access.deny",
    AccessRejectInvalidSubjectToken = "access.rejectInvalidSubjectToken",
    AccessTokenAddScope = "accessToken.addScope",
    AccessTokenRemoveScope = "accessToken.removeScope",
    AccessTokenSetCustomClaim = "accessToken.setCustomClaim",
    /// A Rule replaced `context.accessToken.scope` (Rules only).
    AccessTokenSetScopes = "accessToken.setScopes",
    Auth0UsersUpdateAppMetadata = "auth0.users.updateAppMetadata",
    Auth0UsersUpdateUserMetadata = "auth0.users.updateUserMetadata",
    AuthenticationChallengeWith = "authentication.challengeWith",
    AuthenticationChallengeWithAny = "authentication.challengeWithAny",
    AuthenticationEnrollWith = "authentication.enrollWith",
    AuthenticationEnrollWithAny = "authentication.enrollWithAny",
    AuthenticationRecordMethod = "authentication.recordMethod",
    AuthenticationSetActor = "authentication.setActor",
    AuthenticationSetOrganization = "authentication.setOrganization",
    AuthenticationSetPrimaryUser = "authentication.setPrimaryUser",
    AuthenticationSetUserByConnection = "authentication.setUserByConnection",
    AuthenticationSetUserById = "authentication.setUserById",
    CacheDelete = "cache.delete",
    CacheSet = "cache.set",
    GroupsGetUserGroups = "groups.getUserGroups",
    GroupsHasGroupMembership = "groups.hasGroupMembership",
    IdTokenSetCustomClaim = "idToken.setCustomClaim",
    MultifactorEnable = "multifactor.enable",
    PromptRender = "prompt.render",
    RedirectEncodeToken = "redirect.encodeToken",
    RedirectSendUserTo = "redirect.sendUserTo",
    RedirectValidateToken = "redirect.validateToken",
    RefreshTokenRevoke = "refreshToken.revoke",
    RefreshTokenSetExpiresAt = "refreshToken.setExpiresAt",
    RefreshTokenSetIdleExpiresAt = "refreshToken.setIdleExpiresAt",
    RefreshTokenSetMetadata = "refreshToken.setMetadata",
    RolesGetUserEffectiveRoles = "roles.getUserEffectiveRoles",
    RolesGetUserEffectiveRolesByIds = "roles.getUserEffectiveRolesByIds",
    RolesGetUserEffectiveRolesByNames = "roles.getUserEffectiveRolesByNames",
    /// A Rule called back with an error (Rules only).
    RulesDeny = "rules.deny",
    SamlResponseSetAttribute = "samlResponse.setAttribute",
    SamlResponseSetAudience = "samlResponse.setAudience",
    SamlResponseSetAuthnContextClassRef = "samlResponse.setAuthnContextClassRef",
    SamlResponseSetCert = "samlResponse.setCert",
    SamlResponseSetCreateUpnClaim = "samlResponse.setCreateUpnClaim",
    SamlResponseSetDestination = "samlResponse.setDestination",
    SamlResponseSetDigestAlgorithm = "samlResponse.setDigestAlgorithm",
    SamlResponseSetEncryptionAlgorithm = "samlResponse.setEncryptionAlgorithm",
    SamlResponseSetEncryptionCert = "samlResponse.setEncryptionCert",
    SamlResponseSetEncryptionPublicKey = "samlResponse.setEncryptionPublicKey",
    SamlResponseSetIncludeAttributeNameFormat = "samlResponse.setIncludeAttributeNameFormat",
    SamlResponseSetIssuer = "samlResponse.setIssuer",
    SamlResponseSetKey = "samlResponse.setKey",
    SamlResponseSetLifetimeInSeconds = "samlResponse.setLifetimeInSeconds",
    SamlResponseSetMapIdentities = "samlResponse.setMapIdentities",
    SamlResponseSetMapUnknownClaimsAsIs = "samlResponse.setMapUnknownClaimsAsIs",
    SamlResponseSetNameIdentifierFormat = "samlResponse.setNameIdentifierFormat",
    SamlResponseSetNameIdentifierProbes = "samlResponse.setNameIdentifierProbes",
    SamlResponseSetPassthroughClaimsWithNoMapping = "samlResponse.setPassthroughClaimsWithNoMapping",
    SamlResponseSetRecipient = "samlResponse.setRecipient",
    SamlResponseSetRelayState = "samlResponse.setRelayState",
    SamlResponseSetSignResponse = "samlResponse.setSignResponse",
    SamlResponseSetSignatureAlgorithm = "samlResponse.setSignatureAlgorithm",
    SamlResponseSetSigningCert = "samlResponse.setSigningCert",
    SamlResponseSetTypedAttributes = "samlResponse.setTypedAttributes",
    SessionRevoke = "session.revoke",
    SessionSetCookieMode = "session.setCookieMode",
    SessionSetExpiresAt = "session.setExpiresAt",
    SessionSetIdleExpiresAt = "session.setIdleExpiresAt",
    SessionSetMetadata = "session.setMetadata",
    TransactionAddTargetScope = "transaction.addTargetScope",
    TransactionClearTargetScopes = "transaction.clearTargetScopes",
    TransactionRemoveTargetScope = "transaction.removeTargetScope",
    TransactionSetMetadata = "transaction.setMetadata",
    TransactionSetResultUrl = "transaction.setResultUrl",
    TransactionSetTargetScopes = "transaction.setTargetScopes",
    /// A Rule deleted a root attribute of `user` (Rules only).
    UserDelete = "user.delete",
    /// A Rule set a root attribute of `user` (Rules only).
    UserSet = "user.set",
    UserSetAppMetadata = "user.setAppMetadata",
    UserSetUserId = "user.setUserId",
    UserSetUserMetadata = "user.setUserMetadata",
    ValidationError = "validation.error",
}

impl PartialEq for Call {
    fn eq(&self, other: &Call) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Call {}

impl std::hash::Hash for Call {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Call {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Call {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<&str> for Call {
    fn from(name: &str) -> Call {
        Call::named(name)
    }
}

impl From<String> for Call {
    fn from(name: String) -> Call {
        Call::named(&name)
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Call {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Call {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Call, D::Error> {
        String::deserialize(deserializer).map(Call::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_reads_back_as_its_call() {
        for call in Call::KNOWN {
            assert_eq!(&Call::named(call.as_str()), call);
            assert!(
                !matches!(Call::named(call.as_str()), Call::Sdk(_) | Call::Other(_)),
                "{call}"
            );
            let json = serde_json::to_string(call).expect("serialises");
            assert_eq!(json, format!("\"{}\"", call.as_str()));
            assert_eq!(&serde_json::from_str::<Call>(&json).expect("parses"), call);
        }
    }

    #[test]
    fn sdk_and_unknown_names_keep_their_text() {
        assert!(matches!(
            Call::named("management.users.update"),
            Call::Sdk(_)
        ));
        assert!(matches!(
            Call::named("authentication.oauth.clientCredentialsGrant"),
            Call::Sdk(_)
        ));
        let other = Call::named("api.nothing");
        assert!(matches!(other, Call::Other(_)));
        assert_eq!(
            serde_json::to_string(&other).expect("serialises"),
            "\"api.nothing\""
        );
    }
}
