//! The `event` a trigger's scripts see: a fixture (as the Dashboard's test
//! panel shows it) merged over complete, realistic defaults, so a partial
//! fixture — or none — still gives scripts every field Auth0 would.

use std::path::Path;

use serde_json::{Map, Value, json};

pub mod rules;
pub mod shape;

use crate::error::Error;
use crate::input::{self, InputKind};
use crate::script::Trigger;

/// An event fixture for `trigger` (`-`: standard input), as every command
/// reads it: a field of the wrong type is an error naming the file; the
/// warnings (unknown or misplaced fields) come back, each naming the file.
pub fn read_event(path: &Path, trigger: Trigger) -> Result<(Value, Vec<String>), Error> {
    let event = input::read_json(path, InputKind::Event)?;
    let shown = input::shown(path);
    let warnings = shape::check(trigger, &event)
        .map_err(|e| Error::invalid(format!("{}: {e}", shown.display())))?;
    let warnings = warnings
        .into_iter()
        .map(|w| format!("{}: {w}", shown.display()))
        .collect();
    Ok((event, warnings))
}

/// `--users FILE`: a JSON array of user profiles, each an object with a
/// string `user_id` and the types Auth0's user has. An error names the
/// file, the user (by index and, when it has one, its id or email) and
/// what is wrong.
pub fn read_users(path: &Path) -> Result<Vec<Value>, Error> {
    let value = input::read_json(path, InputKind::Users)?;
    let shown = input::shown(path);
    let Value::Array(users) = value else {
        return Err(Error::invalid(format!(
            "{}: a users file is a JSON array of user objects, not {}",
            shown.display(),
            input::json_type(&value)
        )));
    };
    for (i, user) in users.iter().enumerate() {
        let mut problems = shape::check_user(user);
        if problems.is_empty() && !user.get("user_id").is_some_and(Value::is_string) {
            problems.push(match user.get("user_id") {
                None | Some(Value::Null) => {
                    "user_id: missing; the Management API finds users by it".to_string()
                }
                Some(other) => {
                    format!("user_id: must be a string, not {}", input::json_type(other))
                }
            });
        }
        if !problems.is_empty() {
            return Err(Error::invalid(format!(
                "{}: {}: {}",
                shown.display(),
                input::user_label(i, user),
                problems.join("; ")
            )));
        }
    }
    Ok(users)
}

/// The defaults for a trigger's event: complete, realistic values in the
/// shape Auth0 sends (`src/event/defaults/<trigger>.json`).
pub fn defaults(trigger: Trigger) -> Value {
    // Every flow starts from a copy.
    default_event(trigger).clone()
}

/// The trigger's default event, parsed once per process: for reading
/// (which fields a trigger's event has) without copying it.
pub(crate) fn default_event(trigger: Trigger) -> &'static Value {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static PARSED: OnceLock<HashMap<Trigger, Value>> = OnceLock::new();
    static EMPTY: OnceLock<Value> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        Trigger::ALL
            .into_iter()
            .map(|t| {
                (
                    t,
                    serde_json::from_str(t.spec().event_defaults).unwrap_or_else(|_| json!({})),
                )
            })
            .collect()
    });
    parsed
        .get(&trigger)
        .unwrap_or_else(|| EMPTY.get_or_init(|| json!({})))
}

/// `fixture` merged over the trigger's defaults, with the fields that must
/// agree with each other derived from what the fixture says.
pub fn build(trigger: Trigger, fixture: Option<&Value>) -> Value {
    let mut event = defaults(trigger);
    let empty = Value::Object(Map::new());
    // Only an object describes an event (callers reject anything else with
    // a clear error; here it is simply ignored).
    let fixture = fixture.filter(|f| f.is_object()).unwrap_or(&empty);
    forget_default_entities(&mut event, fixture);
    merge(&mut event, fixture);
    if trigger == Trigger::PostLogin {
        link_post_login(&mut event, fixture);
    }
    event
}

/// A fixture that names another user, client or connection than the
/// defaults describes a different entity: the default one's details (its
/// name, email, ...) must not leak into it. Only the structure stays.
fn forget_default_entities(event: &mut Value, fixture: &Value) {
    for (entity, id, keep) in [
        (
            "user",
            "user_id",
            &[
                "app_metadata",
                "user_metadata",
                "created_at",
                "updated_at",
                "multifactor",
            ][..],
        ),
        ("client", "client_id", &["metadata"][..]),
        ("connection", "name", &["metadata"][..]),
    ] {
        let named = fixture.get(entity).and_then(|e| e.get(id));
        let default = event.get(entity).and_then(|e| e.get(id));
        if named.is_none() || named == default {
            continue;
        }
        if let Some(object) = event.get_mut(entity).and_then(Value::as_object_mut) {
            object.retain(|key, _| keep.contains(&key.as_str()));
        }
    }
}

/// Deep merge: objects merge key by key; anything else in `over` replaces.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

fn has(fixture: &Value, path: &[&str]) -> bool {
    get(fixture, path).is_some()
}

fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn set(value: &mut Value, path: &[&str], new: Value) {
    if !value.is_object() {
        *value = json!({});
    }
    let mut cursor = value;
    for key in &path[..path.len() - 1] {
        if !cursor.get(key).is_some_and(Value::is_object) {
            cursor[*key] = json!({});
        }
        cursor = &mut cursor[*key];
    }
    cursor[path[path.len() - 1]] = new;
}

/// Keeps the defaults coherent with a partial fixture: a fixture that names
/// its own client, scopes, tenant or connection should not be contradicted
/// by the defaults' request or identities.
fn link_post_login(event: &mut Value, fixture: &Value) {
    let copy = |event: &mut Value, from: &[&str], to: &[&str]| {
        if has(fixture, from)
            && !has(fixture, to)
            && let Some(value) = get(event, from).cloned()
        {
            set(event, to, value);
        }
    };
    copy(
        event,
        &["client", "client_id"],
        &["request", "query", "client_id"],
    );
    copy(
        event,
        &["request", "query", "client_id"],
        &["client", "client_id"],
    );
    copy(
        event,
        &["transaction", "redirect_uri"],
        &["request", "query", "redirect_uri"],
    );
    copy(
        event,
        &["transaction", "state"],
        &["request", "query", "state"],
    );

    // Requested scopes: the array in the transaction and the query string.
    if has(fixture, &["transaction", "requested_scopes"])
        && !has(fixture, &["request", "query", "scope"])
    {
        let words: Vec<&str> = get(event, &["transaction", "requested_scopes"])
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        set(
            event,
            &["request", "query", "scope"],
            json!(words.join(" ")),
        );
    } else if has(fixture, &["request", "query", "scope"])
        && !has(fixture, &["transaction", "requested_scopes"])
    {
        let scope = get(event, &["request", "query", "scope"])
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let words: Vec<Value> = scope.split_whitespace().map(|w| json!(w)).collect();
        set(
            event,
            &["transaction", "requested_scopes"],
            Value::Array(words),
        );
    }

    // The API audience: resource_server and the query agree.
    if has(fixture, &["resource_server", "identifier"])
        && !has(fixture, &["request", "query", "audience"])
    {
        if let Some(id) = get(event, &["resource_server", "identifier"]).cloned() {
            set(event, &["request", "query", "audience"], id);
        }
    } else if has(fixture, &["request", "query", "audience"])
        && !has(fixture, &["resource_server"])
        && let Some(audience) = get(event, &["request", "query", "audience"]).cloned()
    {
        set(
            event,
            &["resource_server"],
            json!({ "identifier": audience }),
        );
    }

    // The tenant's domain.
    if !has(fixture, &["request", "hostname"]) {
        let tenant = get(event, &["tenant", "id"])
            .and_then(Value::as_str)
            .unwrap_or("example-tenant")
            .to_string();
        set(
            event,
            &["request", "hostname"],
            json!(format!("{tenant}.us.auth0.com")),
        );
    }

    // The identity the user logged in with.
    if (has(fixture, &["connection"]) || has(fixture, &["user", "user_id"]))
        && !has(fixture, &["user", "identities"])
    {
        let connection = get(event, &["connection", "name"])
            .cloned()
            .unwrap_or(json!(""));
        let strategy = get(event, &["connection", "strategy"])
            .and_then(Value::as_str)
            .unwrap_or("auth0")
            .to_string();
        let user_id = get(event, &["user", "user_id"])
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let (provider, id) = match user_id.split_once('|') {
            Some((provider, id)) => (provider.to_string(), id.to_string()),
            None => (strategy.clone(), user_id.clone()),
        };
        let social = !matches!(
            strategy.as_str(),
            "auth0"
                | "email"
                | "sms"
                | "samlp"
                | "waad"
                | "adfs"
                | "ad"
                | "oidc"
                | "okta"
                | "pingfederate"
                | "google-apps"
        );
        set(
            event,
            &["user", "identities"],
            json!([{ "connection": connection, "provider": provider, "user_id": id, "isSocial": social, "profileData": {} }]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_of_any_shape_never_panic() {
        // Found by the event_and_settings fuzz target: a fixture that is not
        // an object, or whose fields have the wrong types.
        for text in [
            "42",
            "\"x\"",
            "[1]",
            "null",
            r#"{"request": 5, "user": [], "connection": "c"}"#,
            r#"{"resource_server": 1, "tenant": {"id": 7}}"#,
        ] {
            let fixture: Value = serde_json::from_str(text).expect("json");
            for trigger in Trigger::ALL {
                let built = build(trigger, Some(&fixture));
                assert!(built.is_object(), "{text}");
            }
        }
    }

    #[test]
    fn every_trigger_has_defaults_that_parse() {
        for trigger in Trigger::ALL {
            let defaults = defaults(trigger);
            let fields = defaults.as_object().map_or(0, |o| o.len());
            assert!(fields >= 4, "{trigger}: defaults missing or invalid");
            assert!(
                defaults.get("secrets").is_some() || trigger == Trigger::PostLogin,
                "{trigger}"
            );
        }
    }

    #[test]
    fn an_empty_fixture_gives_the_complete_defaults() {
        let event = build(Trigger::PostLogin, None);
        for path in [
            &["user", "user_id"][..],
            &["user", "app_metadata"],
            &["request", "hostname"],
            &["request", "geoip", "countryCode"],
            &["transaction", "requested_scopes"],
            &["connection", "strategy"],
            &["stats", "logins_count"],
            &["authentication", "methods"],
        ] {
            assert!(get(&event, path).is_some(), "missing {path:?}");
        }
        assert_eq!(event["request"]["hostname"], "example-tenant.us.auth0.com");
    }

    #[test]
    fn a_partial_fixture_keeps_the_linked_fields_coherent() {
        let fixture = json!({
            "tenant": { "id": "acme" },
            "client": { "client_id": "abc" },
            "connection": { "name": "google-oauth2", "strategy": "google-oauth2" },
            "user": { "user_id": "google-oauth2|123" },
            "request": { "query": { "scope": "openid email" } }
        });
        let event = build(Trigger::PostLogin, Some(&fixture));
        assert_eq!(event["request"]["query"]["client_id"], "abc");
        assert_eq!(
            event["transaction"]["requested_scopes"],
            json!(["openid", "email"])
        );
        assert_eq!(event["request"]["hostname"], "acme.us.auth0.com");
        assert_eq!(event["user"]["identities"][0]["provider"], "google-oauth2");
        assert_eq!(event["user"]["identities"][0]["isSocial"], true);
        // The default user's details do not leak into another user...
        assert!(event["user"].get("email").is_none());
        assert!(event["user"].get("name").is_none());
        // ...but the structure every user has stays.
        assert_eq!(event["user"]["app_metadata"], json!({}));
        assert!(event["user"]["created_at"].is_string());
    }
}
