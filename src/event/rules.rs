//! The `user` and `context` a legacy Rule sees, derived from the same
//! post-login event the Actions see: the Rules-to-Actions mapping
//! (docs/rules.md, "`user` and `context`") read backwards, with the shapes of real Auth0 dumps.

use serde_json::{Map, Value, json};

fn get<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    value.pointer(pointer).filter(|v| !v.is_null())
}

fn object_or_empty(value: Option<&Value>) -> Value {
    value
        .filter(|v| v.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}))
}

fn epoch_millis(value: &Value) -> Value {
    match value {
        Value::String(text) => humantime::parse_rfc3339_weak(text)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(|| value.clone(), |d| json!(d.as_millis() as u64)),
        other => other.clone(),
    }
}

/// camelCase geoip keys of Actions → snake_case keys of Rules.
fn geoip(event: &Value) -> Value {
    let mut out = Map::new();
    if let Some(source) = get(event, "/request/geoip").and_then(Value::as_object) {
        for (key, value) in source {
            let snake = match key.as_str() {
                "cityName" => "city_name",
                "continentCode" => "continent_code",
                "countryCode" => "country_code",
                "countryCode3" => "country_code3",
                "countryName" => "country_name",
                "subdivisionCode" => "subdivision_code",
                "subdivisionName" => "subdivision_name",
                "timeZone" => "time_zone",
                other => other,
            };
            out.insert(snake.to_string(), value.clone());
        }
    }
    Value::Object(out)
}

/// How the Rules of this login were started.
#[derive(Debug, Clone, Default)]
pub struct RuleStart {
    /// Resuming at `/continue` after a Rule's redirect: the protocol is
    /// `redirect-callback` and `original_protocol` keeps the first one.
    pub resumed: bool,
}

/// The Rules `context` for `event`.
pub fn context(event: &Value, start: &RuleStart) -> Value {
    let protocol = get(event, "/transaction/protocol")
        .cloned()
        .unwrap_or(json!("oidc-basic-profile"));
    let mut context = json!({
        "tenant": get(event, "/tenant/id").cloned().unwrap_or(json!("")),
        "clientID": get(event, "/client/client_id").cloned().unwrap_or(json!("")),
        "clientName": get(event, "/client/name").cloned().unwrap_or(json!("")),
        "clientMetadata": object_or_empty(get(event, "/client/metadata")),
        "connectionID": get(event, "/connection/id").cloned().unwrap_or(json!("")),
        "connection": get(event, "/connection/name").cloned().unwrap_or(json!("")),
        "connectionStrategy": get(event, "/connection/strategy").cloned().unwrap_or(json!("")),
        "connectionOptions": object_or_empty(get(event, "/connection/options")),
        "connectionMetadata": object_or_empty(get(event, "/connection/metadata")),
        "samlConfiguration": {},
        "protocol": if start.resumed { json!("redirect-callback") } else { protocol.clone() },
        "stats": { "loginsCount": get(event, "/stats/logins_count").cloned().unwrap_or(json!(1)) },
        "sso": {
            "with_auth0": false,
            "with_dbconn": false,
            "current_clients": get(event, "/session/clients")
                .and_then(Value::as_array)
                .map(|clients| clients.iter().filter_map(|c| c.get("client_id").cloned()).collect::<Vec<_>>())
                .unwrap_or_default(),
        },
        "accessToken": {},
        "idToken": {},
        "jwtConfiguration": {},
        "request": {
            "userAgent": get(event, "/request/user_agent").cloned().unwrap_or(json!("")),
            "ip": get(event, "/request/ip").cloned().unwrap_or(json!("")),
            "hostname": get(event, "/request/hostname").cloned().unwrap_or(json!("")),
            "query": object_or_empty(get(event, "/request/query")),
            "body": object_or_empty(get(event, "/request/body")),
            "geoip": geoip(event),
        },
        "authorization": { "roles": get(event, "/authorization/roles").cloned().unwrap_or(json!([])) },
    });
    let obj = context.as_object_mut().expect("a JSON object literal");
    if start.resumed {
        obj.insert("original_protocol".into(), protocol.clone());
    }
    if let Some(session) = get(event, "/session/id") {
        obj.insert("sessionID".into(), session.clone());
        obj.insert("auth0SessionId".into(), session.clone());
    }
    if let Some(locale) = get(event, "/transaction/locale") {
        obj.insert("locale".into(), locale.clone());
    }
    if let Some(risk) = get(event, "/authentication/riskAssessment") {
        obj.insert("riskAssessment".into(), risk.clone());
    }
    // Rules get no `context.authentication` on refresh-token exchanges; the
    // timestamps are epoch milliseconds (as in real dumps).
    if protocol != "oauth2-refresh-token"
        && let Some(methods) = get(event, "/authentication/methods").and_then(Value::as_array)
    {
        let methods: Vec<Value> = methods
            .iter()
            .map(|m| {
                json!({
                    "name": m.get("name").cloned().unwrap_or(Value::Null),
                    "timestamp": m.get("timestamp").map(epoch_millis).unwrap_or(Value::Null),
                })
            })
            .collect();
        obj.insert("authentication".into(), json!({ "methods": methods }));
    }
    if let Some(org) = get(event, "/organization") {
        obj.insert(
            "organization".into(),
            json!({
                "id": org.get("id").cloned().unwrap_or(Value::Null),
                "name": org.get("name").cloned().unwrap_or(Value::Null),
                "metadata": object_or_empty(org.get("metadata")),
            }),
        );
    }
    context
}

/// The Rules `user`: the profile with `app_metadata` merged into its root
/// (Auth0 overwrites root properties of the same name), metadata objects
/// absent when empty (they are `undefined` by default in Rules), and the
/// profile fields Rules saw that Actions do not carry.
pub fn user(event: &Value) -> Value {
    let mut user = get(event, "/user")
        .filter(|u| u.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    let Some(obj) = user.as_object_mut() else {
        return user;
    };
    for key in ["app_metadata", "user_metadata"] {
        if obj
            .get(key)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            obj.remove(key);
        }
    }
    if let Some(identities) = obj.get_mut("identities").and_then(Value::as_array_mut) {
        for identity in identities.iter_mut().filter_map(Value::as_object_mut) {
            identity.remove("userId");
        }
    }
    obj.remove("enrolledFactors");
    if let Some(client) = get(event, "/client/client_id") {
        obj.insert("clientID".into(), client.clone());
    }
    obj.entry("persistent").or_insert_with(|| json!({}));
    obj.entry("blocked").or_insert(json!(false));
    if let Some(count) = get(event, "/stats/logins_count") {
        obj.entry("logins_count").or_insert_with(|| count.clone());
    }
    if let Some(ip) = get(event, "/request/ip") {
        obj.entry("last_ip").or_insert_with(|| ip.clone());
    }
    let last_login = get(event, "/authentication/methods")
        .and_then(Value::as_array)
        .and_then(|methods| {
            methods
                .iter()
                .filter_map(|m| m.get("timestamp"))
                .filter_map(Value::as_str)
                .max()
        })
        .map(|t| json!(t));
    if let Some(last_login) = last_login {
        obj.entry("last_login").or_insert(last_login);
    }
    let app_metadata = obj.get("app_metadata").and_then(Value::as_object).cloned();
    if let Some(app_metadata) = app_metadata {
        for (key, value) in app_metadata {
            obj.insert(key, value);
        }
    }
    user
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Value {
        json!({
            "tenant": { "id": "acme" },
            "client": { "client_id": "c1", "name": "App", "metadata": { "tier": "gold" } },
            "connection": { "id": "con_1", "name": "google-oauth2", "strategy": "google-oauth2" },
            "stats": { "logins_count": 3 },
            "request": { "ip": "1.2.3.4", "hostname": "acme.auth0.com", "user_agent": "UA", "query": { "a": "1" },
                          "geoip": { "countryCode": "UA", "timeZone": "Europe/Kyiv" }, "method": "GET" },
            "transaction": { "protocol": "oidc-basic-profile", "locale": "en" },
            "session": { "id": "s1", "clients": [{ "client_id": "c1" }] },
            "authentication": { "methods": [{ "name": "federated", "timestamp": "2026-11-26T09:20:44.000Z" }] },
            "user": { "user_id": "google-oauth2|1", "app_metadata": { "plan": "pro", "email": "meta@x" },
                      "user_metadata": {}, "email": "root@x", "identities": [{ "provider": "google-oauth2", "userId": "1" }] }
        })
    }

    #[test]
    fn context_maps_event_fields_to_rules_names() {
        let context = context(&event(), &RuleStart::default());
        assert_eq!(context["clientID"], "c1");
        assert_eq!(context["connection"], "google-oauth2");
        assert_eq!(context["stats"]["loginsCount"], 3);
        assert_eq!(context["request"]["userAgent"], "UA");
        assert_eq!(context["request"]["geoip"]["country_code"], "UA");
        assert_eq!(context["request"]["geoip"]["time_zone"], "Europe/Kyiv");
        assert!(context["request"].get("method").is_none());
        assert_eq!(context["sso"]["current_clients"], json!(["c1"]));
        assert_eq!(
            context["authentication"]["methods"][0]["timestamp"],
            1795684844000u64
        );
        assert_eq!(context["idToken"], json!({}));
        assert_eq!(context["accessToken"], json!({}));
        assert!(context.get("original_protocol").is_none());

        let resumed = super::context(&event(), &RuleStart { resumed: true });
        assert_eq!(resumed["protocol"], "redirect-callback");
        assert_eq!(resumed["original_protocol"], "oidc-basic-profile");
    }

    #[test]
    fn user_has_app_metadata_merged_into_its_root() {
        let user = user(&event());
        assert_eq!(user["plan"], "pro");
        assert_eq!(
            user["email"], "meta@x",
            "app_metadata overwrites root properties"
        );
        assert!(
            user.get("user_metadata").is_none(),
            "empty metadata is undefined in Rules"
        );
        assert!(user["identities"][0].get("userId").is_none());
        assert_eq!(user["logins_count"], 3);
        assert_eq!(user["clientID"], "c1");
    }
}
