//! Whether an event fixture has the shape Auth0 sends. Fields of the wrong
//! JSON type are refused (`"user": "jane"`, `"requested_scopes": "openid
//! profile"`): Auth0 never sends them, and a script would behave in ways no
//! login can show. Fields the trigger's event does not have, and Rules
//! names used where Actions have others, are warnings. docs/inputs.md
//! lists the checks.

use serde_json::Value;

use crate::error::Error;
use crate::input::json_type;
use crate::script::Trigger;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An object with the fields this table lists (others are left alone).
    Object,
    /// A free-form object (metadata, query strings, request bodies).
    Map,
    /// An object whose values are strings (secrets, client metadata).
    StringMap,
    String,
    Number,
    Bool,
    Strings,
    Objects,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Object | Kind::Map => "an object",
            Kind::StringMap => "an object of strings",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Strings => "an array of strings",
            Kind::Objects => "an array of objects",
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match self {
            Kind::Object | Kind::Map => value.is_object(),
            Kind::StringMap => value
                .as_object()
                .is_some_and(|o| o.values().all(|v| v.is_string() || v.is_null())),
            Kind::String => value.is_string(),
            Kind::Number => value.is_number(),
            Kind::Bool => value.is_boolean(),
            Kind::Strings => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string)),
            Kind::Objects => value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_object)),
        }
    }
}

/// The fields whose type Auth0's event types fix (auth0/auth0-actions),
/// the same in every trigger that has them.
const FIELDS: &[(&str, Kind)] = &[
    ("user", Kind::Object),
    ("user.user_id", Kind::String),
    ("user.email", Kind::String),
    ("user.email_verified", Kind::Bool),
    ("user.username", Kind::String),
    ("user.name", Kind::String),
    ("user.given_name", Kind::String),
    ("user.family_name", Kind::String),
    ("user.nickname", Kind::String),
    ("user.picture", Kind::String),
    ("user.phone_number", Kind::String),
    ("user.phone_verified", Kind::Bool),
    ("user.created_at", Kind::String),
    ("user.updated_at", Kind::String),
    ("user.last_password_reset", Kind::String),
    ("user.app_metadata", Kind::Map),
    ("user.user_metadata", Kind::Map),
    ("user.multifactor", Kind::Strings),
    ("user.enrolledFactors", Kind::Objects),
    ("user.identities", Kind::Objects),
    ("request", Kind::Object),
    ("request.ip", Kind::String),
    ("request.asn", Kind::String),
    ("request.method", Kind::String),
    ("request.hostname", Kind::String),
    ("request.language", Kind::String),
    ("request.user_agent", Kind::String),
    ("request.query", Kind::Map),
    ("request.body", Kind::Map),
    ("request.geoip", Kind::Map),
    ("request.geoip.latitude", Kind::Number),
    ("request.geoip.longitude", Kind::Number),
    ("request.geoip.countryCode", Kind::String),
    ("client", Kind::Object),
    ("client.client_id", Kind::String),
    ("client.name", Kind::String),
    ("client.metadata", Kind::StringMap),
    ("connection", Kind::Object),
    ("connection.id", Kind::String),
    ("connection.name", Kind::String),
    ("connection.strategy", Kind::String),
    ("connection.metadata", Kind::StringMap),
    ("tenant", Kind::Object),
    ("tenant.id", Kind::String),
    ("transaction", Kind::Object),
    ("transaction.id", Kind::String),
    ("transaction.acr_values", Kind::Strings),
    ("transaction.locale", Kind::String),
    ("transaction.login_hint", Kind::String),
    ("transaction.prompt", Kind::Strings),
    ("transaction.protocol", Kind::String),
    ("transaction.redirect_uri", Kind::String),
    ("transaction.requested_scopes", Kind::Strings),
    ("transaction.response_mode", Kind::String),
    ("transaction.response_type", Kind::Strings),
    ("transaction.state", Kind::String),
    ("transaction.ui_locales", Kind::Strings),
    ("transaction.metadata", Kind::Map),
    ("transaction.subject_token", Kind::String),
    ("transaction.subject_token_type", Kind::String),
    ("authentication", Kind::Object),
    ("authentication.methods", Kind::Objects),
    ("authorization", Kind::Object),
    ("authorization.roles", Kind::Strings),
    ("stats", Kind::Object),
    ("stats.logins_count", Kind::Number),
    ("session", Kind::Object),
    ("session.id", Kind::String),
    ("organization", Kind::Object),
    ("organization.id", Kind::String),
    ("organization.name", Kind::String),
    ("organization.display_name", Kind::String),
    ("organization.metadata", Kind::StringMap),
    ("resource_server", Kind::Object),
    ("resource_server.identifier", Kind::String),
    ("secrets", Kind::StringMap),
    ("configuration", Kind::StringMap),
    ("accessToken", Kind::Object),
    ("accessToken.scope", Kind::Strings),
    ("accessToken.customClaims", Kind::Map),
    ("message_options", Kind::Object),
    ("message_options.recipient", Kind::String),
    ("message_options.text", Kind::String),
    ("message_options.code", Kind::String),
    ("custom_domain", Kind::Object),
    ("custom_domain.domain", Kind::String),
    ("prompt", Kind::Object),
    ("refresh_token", Kind::Object),
    ("security_context", Kind::Object),
];

/// Whether Auth0 gives an Action's `event.user` a field of this name.
pub fn is_action_user_field(name: &str) -> bool {
    FIELDS
        .iter()
        .any(|(path, _)| path.strip_prefix("user.") == Some(name))
}

/// What the event fixture gets wrong: wrongly typed fields are an error
/// (all of them named at once); unknown and misplaced fields come back as
/// warnings for the caller to show.
pub fn check(trigger: Trigger, fixture: &Value) -> Result<Vec<String>, Error> {
    let Some(object) = fixture.as_object() else {
        return Err(Error::invalid(format!(
            "the event must be a JSON object like the one the Dashboard's test panel shows, not {}",
            json_type(fixture)
        )));
    };
    let size = json_size(fixture);
    if size > crate::input::MAX_EVENT_BYTES {
        return Err(Error::invalid(format!(
            "the event is {size} bytes as JSON, more than the {} actionbox accepts (docs/inputs.md)",
            crate::input::human_size(crate::input::MAX_EVENT_BYTES)
        )));
    }
    let mut wrong = Vec::new();
    for (path, kind) in FIELDS {
        let keys: Vec<&str> = path.split('.').collect();
        let Some(value) = keys.iter().try_fold(fixture, |v, key| v.get(key)) else {
            continue;
        };
        // `null` says Auth0 did not send the field.
        if value.is_null() || kind.accepts(value) {
            continue;
        }
        wrong.push(format!(
            "{path}: Auth0 sends {}, not {}{}",
            kind.describe(),
            json_type(value),
            example(value)
        ));
    }
    if !wrong.is_empty() {
        return Err(Error::invalid(format!(
            "the {trigger} event does not have the shape Auth0 sends:\n  {}",
            wrong.join("\n  ")
        )));
    }

    let mut warnings = Vec::new();
    let defaults = super::default_event(trigger);
    for key in object.keys() {
        if defaults.get(key).is_some()
            || trigger.spec().optional_event_fields.contains(&key.as_str())
        {
            continue;
        }
        let hint = match super::rules::rules_name(key) {
            Some(Some(field)) => format!(" (a Rules name: the Action reads {field})"),
            Some(None) => " (a Rules name: Actions have no equivalent)".to_string(),
            None => {
                let elsewhere: Vec<&str> = Trigger::ALL
                    .into_iter()
                    .filter(|t| super::default_event(*t).get(key).is_some())
                    .map(Trigger::id)
                    .collect();
                if elsewhere.is_empty() {
                    String::new()
                } else {
                    format!(" (it is one of {}'s)", elsewhere.join(", "))
                }
            }
        };
        warnings.push(format!(
            "`{key}` is not a field of the {trigger} event, so scripts see it but Auth0 never sends it{hint}"
        ));
    }
    if let Some(user) = object.get("user").and_then(Value::as_object) {
        for (name, field) in super::rules::USER_ONLY_FIELDS {
            if user.contains_key(*name) {
                let instead = match field {
                    Some(field) => format!("the Action reads {field}"),
                    None => "Actions have no equivalent".to_string(),
                };
                warnings.push(format!(
                    "`user.{name}` is a Rules field that Auth0 never puts in an Action's event.user: {instead}"
                ));
            }
        }
    }
    Ok(warnings)
}

/// What is wrong with a user profile given outside an event (`--users`, a
/// served tenant's users file): a profile must be an object, and the
/// fields Auth0's user type fixes must have their type. Each problem names
/// the field (`email_verified: Auth0 sends a boolean, not a string ("yes")`).
pub fn check_user(user: &Value) -> Vec<String> {
    if !user.is_object() {
        return vec![format!(
            "a user must be an object, not {}{}",
            json_type(user),
            example(user)
        )];
    }
    let mut wrong = Vec::new();
    for (path, kind) in FIELDS {
        let Some(field) = path.strip_prefix("user.") else {
            continue;
        };
        let keys: Vec<&str> = field.split('.').collect();
        let Some(value) = keys.iter().try_fold(user, |v, key| v.get(key)) else {
            continue;
        };
        if value.is_null() || kind.accepts(value) {
            continue;
        }
        wrong.push(format!(
            "{field}: Auth0 sends {}, not {}{}",
            kind.describe(),
            json_type(value),
            example(value)
        ));
    }
    wrong
}

/// The length of `value` as compact JSON, counted without building it.
fn json_size(value: &Value) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// A short quote of a wrong value, so the error shows what was given.
fn example(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!(" ({cut}...)")
    } else {
        format!(" ({text})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_default_event_has_the_shape_it_checks() {
        for trigger in Trigger::ALL {
            let warnings = check(trigger, &super::super::defaults(trigger))
                .unwrap_or_else(|e| panic!("{trigger}: {e}"));
            assert!(warnings.is_empty(), "{trigger}: {warnings:?}");
        }
    }

    #[test]
    fn wrong_types_are_named_together() {
        let fixture = json!({
            "user": "jane",
            "transaction": { "requested_scopes": "openid profile" }
        });
        let message = check(Trigger::PostLogin, &fixture).unwrap_err().to_string();
        assert!(
            message.contains("user: Auth0 sends an object, not a string (\"jane\")"),
            "{message}"
        );
        assert!(
            message.contains(
                "transaction.requested_scopes: Auth0 sends an array of strings, not a string"
            ),
            "{message}"
        );
    }

    #[test]
    fn rules_names_are_warned_about_with_the_action_field() {
        let fixture = json!({ "clientID": "abc", "user": { "logins_count": 3 } });
        let warnings = check(Trigger::PostLogin, &fixture).expect("shape");
        assert!(
            warnings[0].contains("event.client.client_id"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("event.stats.logins_count"),
            "{warnings:?}"
        );
    }
}
