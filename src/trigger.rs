//! The Auth0 triggers and everything actionbox knows about each, one row
//! per trigger ([`TriggerSpec`]): adding a trigger is one row here, its
//! event defaults (`src/event/defaults/`) and its `api` facade
//! (`js-runtime/`).

use std::fmt;
use std::str::FromStr;

use crate::record::Call;

/// The Auth0 triggers an Action can be bound to.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    #[default]
    PostLogin,
    CredentialsExchange,
    PreUserRegistration,
    PostUserRegistration,
    PostChangePassword,
    SendPhoneMessage,
    PasswordResetPostChallenge,
    CustomTokenExchange,
}

/// What actionbox knows about one trigger.
#[derive(Debug)]
pub struct TriggerSpec {
    pub trigger: Trigger,
    /// The trigger id Auth0 uses (`post-login`, `credentials-exchange`, ...).
    pub id: &'static str,
    /// The export Auth0 calls.
    pub handler: &'static str,
    /// The export Auth0 calls when the flow resumes at `/continue`; only
    /// the triggers whose `api` can redirect have one (and can resume).
    pub continue_handler: Option<&'static str>,
    /// The function of the runtime's JavaScript that builds the `api`.
    pub api_factory: &'static str,
    /// The calls the trigger's Actions may record.
    /// (Besides the emulated SDK's, which every trigger may record.)
    pub allowed_calls: &'static [Call],
    /// The OAuth error an application receives when the flow fails because
    /// a script threw (or a limit was hit). Post-login answers
    /// `access_denied`; the token-endpoint triggers answer `server_error`
    /// (Auth0 documents this for Hooks; actionbox assumes Actions do the
    /// same); a failed signup is an `extensibility_error`.
    pub failure_code: &'static str,
    /// Whether Auth0 waits for the Actions. Post-user-registration and
    /// post-change-password run asynchronously: what they do cannot change
    /// the signup or the password change.
    pub blocking: bool,
    /// Whether the flow ends in tokens (post-login, credentials-exchange).
    pub issues_tokens: bool,
    /// The event's defaults: complete, realistic values in the shape Auth0
    /// sends.
    pub event_defaults: &'static str,
    /// Top-level fields Auth0's types give the event besides those of its
    /// defaults (which are always there): an event file may have them.
    pub optional_event_fields: &'static [&'static str],
}

/// One row per trigger, in [`Trigger::ALL`] order.
const SPECS: [TriggerSpec; 8] = [
    TriggerSpec {
        trigger: Trigger::PostLogin,
        id: "post-login",
        handler: "onExecutePostLogin",
        continue_handler: Some("onContinuePostLogin"),
        api_factory: "createPostLoginApi",
        allowed_calls: POST_LOGIN_CALLS,
        failure_code: "access_denied",
        blocking: true,
        issues_tokens: true,
        event_defaults: include_str!("event/defaults/post-login.json"),
        optional_event_fields: &[
            "custom_domain",
            "organization",
            "prompt",
            "refresh_token",
            "resource_server",
            "security_context",
            "session_transfer_token",
        ],
    },
    TriggerSpec {
        trigger: Trigger::CredentialsExchange,
        id: "credentials-exchange",
        handler: "onExecuteCredentialsExchange",
        continue_handler: None,
        api_factory: "createCredentialsExchangeApi",
        allowed_calls: CREDENTIALS_EXCHANGE_CALLS,
        failure_code: "server_error",
        blocking: true,
        issues_tokens: true,
        event_defaults: include_str!("event/defaults/credentials-exchange.json"),
        optional_event_fields: &["custom_domain"],
    },
    TriggerSpec {
        trigger: Trigger::PreUserRegistration,
        id: "pre-user-registration",
        handler: "onExecutePreUserRegistration",
        // Its `api` cannot redirect, so Auth0 never resumes it.
        continue_handler: None,
        api_factory: "createPreUserRegistrationApi",
        allowed_calls: PRE_USER_REGISTRATION_CALLS,
        failure_code: "extensibility_error",
        blocking: true,
        issues_tokens: false,
        event_defaults: include_str!("event/defaults/pre-user-registration.json"),
        optional_event_fields: &["custom_domain", "organization"],
    },
    TriggerSpec {
        trigger: Trigger::PostUserRegistration,
        id: "post-user-registration",
        handler: "onExecutePostUserRegistration",
        continue_handler: None,
        api_factory: "createCacheOnlyApi",
        allowed_calls: COMMON_CALLS,
        failure_code: "server_error",
        blocking: false,
        issues_tokens: false,
        event_defaults: include_str!("event/defaults/post-user-registration.json"),
        optional_event_fields: &["custom_domain", "organization"],
    },
    TriggerSpec {
        trigger: Trigger::PostChangePassword,
        id: "post-change-password",
        handler: "onExecutePostChangePassword",
        continue_handler: None,
        api_factory: "createCacheOnlyApi",
        allowed_calls: COMMON_CALLS,
        failure_code: "server_error",
        blocking: false,
        issues_tokens: false,
        event_defaults: include_str!("event/defaults/post-change-password.json"),
        optional_event_fields: &["custom_domain", "organization"],
    },
    TriggerSpec {
        trigger: Trigger::SendPhoneMessage,
        id: "send-phone-message",
        handler: "onExecuteSendPhoneMessage",
        continue_handler: None,
        api_factory: "createCacheOnlyApi",
        allowed_calls: COMMON_CALLS,
        failure_code: "server_error",
        blocking: true,
        issues_tokens: false,
        event_defaults: include_str!("event/defaults/send-phone-message.json"),
        optional_event_fields: &["custom_domain", "organization"],
    },
    TriggerSpec {
        trigger: Trigger::PasswordResetPostChallenge,
        id: "password-reset-post-challenge",
        handler: "onExecutePostChallenge",
        continue_handler: Some("onContinuePostChallenge"),
        api_factory: "createPasswordResetPostChallengeApi",
        allowed_calls: PASSWORD_RESET_CALLS,
        failure_code: "access_denied",
        blocking: true,
        issues_tokens: false,
        event_defaults: include_str!("event/defaults/password-reset-post-challenge.json"),
        optional_event_fields: &["custom_domain", "organization"],
    },
    TriggerSpec {
        trigger: Trigger::CustomTokenExchange,
        id: "custom-token-exchange",
        handler: "onExecuteCustomTokenExchange",
        continue_handler: None,
        api_factory: "createCustomTokenExchangeApi",
        allowed_calls: CUSTOM_TOKEN_EXCHANGE_CALLS,
        failure_code: "server_error",
        blocking: true,
        issues_tokens: false,
        event_defaults: include_str!("event/defaults/custom-token-exchange.json"),
        optional_event_fields: &["custom_domain"],
    },
];

impl Trigger {
    pub const ALL: [Trigger; 8] = [
        Trigger::PostLogin,
        Trigger::CredentialsExchange,
        Trigger::PreUserRegistration,
        Trigger::PostUserRegistration,
        Trigger::PostChangePassword,
        Trigger::SendPhoneMessage,
        Trigger::PasswordResetPostChallenge,
        Trigger::CustomTokenExchange,
    ];

    /// Everything actionbox knows about this trigger.
    pub fn spec(self) -> &'static TriggerSpec {
        &SPECS[self as usize]
    }

    /// The trigger id Auth0 uses (`post-login`, `credentials-exchange`, ...).
    pub fn id(self) -> &'static str {
        self.spec().id
    }

    /// The export Auth0 calls for this trigger.
    pub fn handler(self) -> &'static str {
        self.spec().handler
    }

    /// The export Auth0 calls when the flow resumes at `/continue`, for the
    /// triggers that can redirect.
    pub fn continue_handler(self) -> Option<&'static str> {
        self.spec().continue_handler
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Trigger {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Trigger::ALL
            .into_iter()
            .find(|t| t.id() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Trigger::ALL.iter().map(|t| t.id()).collect();
                format!("unknown trigger '{s}' (known: {})", known.join(", "))
            })
    }
}

/// The api calls a post-login Action can record.
const POST_LOGIN_CALLS: &[Call] = &[
    Call::Abort,
    Call::AccessDeny,
    Call::IdTokenSetCustomClaim,
    Call::AccessTokenSetCustomClaim,
    Call::AccessTokenAddScope,
    Call::AccessTokenRemoveScope,
    Call::UserSetAppMetadata,
    Call::UserSetUserMetadata,
    Call::MultifactorEnable,
    Call::AuthenticationChallengeWith,
    Call::AuthenticationChallengeWithAny,
    Call::AuthenticationEnrollWith,
    Call::AuthenticationEnrollWithAny,
    Call::AuthenticationRecordMethod,
    Call::AuthenticationSetPrimaryUser,
    Call::RedirectEncodeToken,
    Call::RedirectSendUserTo,
    Call::RedirectValidateToken,
    Call::CacheSet,
    Call::CacheDelete,
    Call::SamlResponseSetAttribute,
    Call::SamlResponseSetAudience,
    Call::SamlResponseSetRecipient,
    Call::SamlResponseSetCreateUpnClaim,
    Call::SamlResponseSetPassthroughClaimsWithNoMapping,
    Call::SamlResponseSetMapUnknownClaimsAsIs,
    Call::SamlResponseSetMapIdentities,
    Call::SamlResponseSetSignatureAlgorithm,
    Call::SamlResponseSetDigestAlgorithm,
    Call::SamlResponseSetDestination,
    Call::SamlResponseSetLifetimeInSeconds,
    Call::SamlResponseSetSignResponse,
    Call::SamlResponseSetNameIdentifierFormat,
    Call::SamlResponseSetNameIdentifierProbes,
    Call::SamlResponseSetAuthnContextClassRef,
    Call::SamlResponseSetSigningCert,
    Call::SamlResponseSetIncludeAttributeNameFormat,
    Call::SamlResponseSetTypedAttributes,
    Call::SamlResponseSetEncryptionCert,
    Call::SamlResponseSetEncryptionPublicKey,
    Call::SamlResponseSetCert,
    Call::SamlResponseSetKey,
    Call::SamlResponseSetRelayState,
    Call::SamlResponseSetIssuer,
    Call::SamlResponseSetEncryptionAlgorithm,
    Call::ValidationError,
    Call::PromptRender,
    Call::SessionSetExpiresAt,
    Call::SessionSetIdleExpiresAt,
    Call::SessionRevoke,
    Call::SessionSetCookieMode,
    Call::SessionSetMetadata,
    Call::RefreshTokenSetExpiresAt,
    Call::RefreshTokenSetIdleExpiresAt,
    Call::RefreshTokenRevoke,
    Call::RefreshTokenSetMetadata,
    Call::TransactionSetMetadata,
    Call::GroupsGetUserGroups,
    Call::GroupsHasGroupMembership,
    Call::RolesGetUserEffectiveRoles,
    Call::RolesGetUserEffectiveRolesByIds,
    Call::RolesGetUserEffectiveRolesByNames,
];

/// Calls every trigger's scripts may record: the cache. (The emulated auth0
/// SDK's calls, [`crate::record::SDK_PREFIXES`], are open to every trigger
/// and to the Rules.)
const COMMON_CALLS: &[Call] = &[Call::CacheSet, Call::CacheDelete];

const CREDENTIALS_EXCHANGE_CALLS: &[Call] = &[
    Call::AccessDeny,
    Call::AccessTokenSetCustomClaim,
    Call::TransactionAddTargetScope,
    Call::TransactionRemoveTargetScope,
    Call::TransactionSetTargetScopes,
    Call::TransactionClearTargetScopes,
    Call::CacheSet,
    Call::CacheDelete,
];

const PRE_USER_REGISTRATION_CALLS: &[Call] = &[
    Call::AccessDeny,
    Call::UserSetAppMetadata,
    Call::UserSetUserMetadata,
    Call::UserSetUserId,
    Call::ValidationError,
    Call::CacheSet,
    Call::CacheDelete,
];

const PASSWORD_RESET_CALLS: &[Call] = &[
    Call::Abort,
    Call::AccessDeny,
    Call::AuthenticationChallengeWith,
    Call::AuthenticationChallengeWithAny,
    Call::PromptRender,
    Call::RedirectEncodeToken,
    Call::RedirectSendUserTo,
    Call::RedirectValidateToken,
    Call::TransactionSetResultUrl,
    Call::CacheSet,
    Call::CacheDelete,
];

const CUSTOM_TOKEN_EXCHANGE_CALLS: &[Call] = &[
    Call::AccessDeny,
    Call::AccessRejectInvalidSubjectToken,
    Call::AuthenticationSetUserById,
    Call::AuthenticationSetUserByConnection,
    Call::AuthenticationSetOrganization,
    Call::AuthenticationSetActor,
    Call::UserSetAppMetadata,
    Call::UserSetUserMetadata,
    Call::CacheSet,
    Call::CacheDelete,
];

/// The calls a Rule's globals can record (`auth0.users.*`, besides the
/// SDK's).
pub const RULE_CALLS: &[Call] = &[
    Call::UserSetAppMetadata,
    Call::UserSetUserMetadata,
    Call::Auth0UsersUpdateAppMetadata,
    Call::Auth0UsersUpdateUserMetadata,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_belongs_to_its_trigger() {
        for trigger in Trigger::ALL {
            assert_eq!(trigger.spec().trigger, trigger);
            assert!(
                serde_json::from_str::<serde_json::Value>(trigger.spec().event_defaults)
                    .is_ok_and(|v| v.is_object()),
                "{trigger}: the event defaults are not a JSON object"
            );
        }
    }

    #[test]
    fn a_trigger_can_resume_exactly_when_its_api_can_redirect() {
        for trigger in Trigger::ALL {
            let redirects = trigger
                .spec()
                .allowed_calls
                .contains(&Call::RedirectSendUserTo);
            assert_eq!(trigger.continue_handler().is_some(), redirects, "{trigger}");
        }
    }
}
