//! The Rules model: the `user` and `context` a legacy Rule sees, derived
//! from the same post-login event the Actions see (the Rules-to-Actions
//! mapping of docs/rules.md, "`user` and `context`", read backwards, with
//! the shapes of real Auth0 dumps), and what the Rules leave on them turned
//! into the commands Actions record.

use std::collections::HashMap;

use serde_json::{Map, Value, Value as Json, json};

use crate::record::{Call, Command, Warning};

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

/// Actions' camelCase geoip keys and the snake_case keys Rules see.
pub const GEOIP_KEYS: &[(&str, &str)] = &[
    ("cityName", "city_name"),
    ("continentCode", "continent_code"),
    ("countryCode", "country_code"),
    ("countryCode3", "country_code3"),
    ("countryName", "country_name"),
    ("subdivisionCode", "subdivision_code"),
    ("subdivisionName", "subdivision_name"),
    ("timeZone", "time_zone"),
];

/// The event's geoip with the keys Rules use.
fn geoip(value: Option<&Value>) -> Value {
    let mut out = Map::new();
    for (key, value) in value.and_then(Value::as_object).into_iter().flatten() {
        let snake = GEOIP_KEYS
            .iter()
            .find(|(camel, _)| camel == key)
            .map_or(key.as_str(), |(_, snake)| snake);
        out.insert(snake.to_string(), value.clone());
    }
    Value::Object(out)
}

/// How a Rules `context` field is made from the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The event's value, or this when the event has none.
    Value(Fallback),
    /// The event's value, only when the event has it.
    Optional,
    /// Always this: the event has nothing like it.
    Fixed(Fallback),
    /// The event's protocol (`oidc-basic-profile` when it has none), or
    /// `redirect-callback` when the Rules resume at `/continue`.
    Protocol,
    /// Only when resuming at `/continue`: the protocol the login started with.
    OriginalProtocol,
    /// The `client_id` of each of the session's clients.
    ClientIds,
    /// The geoip, keys in snake_case ([`GEOIP_KEYS`]).
    Geoip,
    /// Each method's name and timestamp (epoch milliseconds); absent on
    /// refresh-token exchanges.
    Methods,
    /// The organization's id, name and metadata.
    Organization,
}

/// The value a field has when the event gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    EmptyString,
    /// `{}`; a value that is not an object is replaced by it too.
    EmptyObject,
    EmptyArray,
    One,
    False,
}

impl Fallback {
    fn value(self) -> Value {
        match self {
            Fallback::EmptyString => json!(""),
            Fallback::EmptyObject => json!({}),
            Fallback::EmptyArray => json!([]),
            Fallback::One => json!(1),
            Fallback::False => json!(false),
        }
    }
}

/// One field of the Rules `context` and where an Action finds the same.
#[derive(Debug, Clone, Copy)]
pub struct ContextField {
    /// Where a Rule reads it, under `context` (dots for nesting).
    pub context: &'static str,
    /// Where it comes from, under `event`; empty when the event has
    /// nothing like it.
    pub event: &'static str,
    pub source: Source,
    /// Whether an Action's `event` has that field (actionbox also reads
    /// fixture fields Auth0 gives Rules only).
    pub in_actions: bool,
    /// What an Action does differently; without a counterpart, why.
    pub note: &'static str,
}

impl ContextField {
    /// Where an Action reads the same, if it can.
    pub fn counterpart(&self) -> Option<&'static str> {
        (self.in_actions && !self.event.is_empty()).then_some(self.event)
    }
}

const fn field(
    context: &'static str,
    event: &'static str,
    source: Source,
    note: &'static str,
) -> ContextField {
    ContextField {
        context,
        event,
        source,
        in_actions: !event.is_empty(),
        note,
    }
}

/// A field actionbox builds from the event fixture but an Action's event
/// does not have.
const fn rules_only(context: &'static str, event: &'static str, source: Source) -> ContextField {
    ContextField {
        in_actions: false,
        ..field(context, event, source, "")
    }
}

/// The Rules-to-Actions mapping (docs/rules.md) as one table, in the order
/// Auth0's `context` has its keys: [`context`] builds the Rules' view of an
/// event from it, and `compare` reads it backwards to say where an Action
/// finds what a Rule read.
pub const CONTEXT_FIELDS: &[ContextField] = {
    use Fallback::*;
    use Source::*;
    &[
        field("tenant", "tenant.id", Value(EmptyString), ""),
        field("clientID", "client.client_id", Value(EmptyString), ""),
        field("clientName", "client.name", Value(EmptyString), ""),
        field("clientMetadata", "client.metadata", Value(EmptyObject), ""),
        field("connectionID", "connection.id", Value(EmptyString), ""),
        field("connection", "connection.name", Value(EmptyString), ""),
        field(
            "connectionStrategy",
            "connection.strategy",
            Value(EmptyString),
            "",
        ),
        rules_only(
            "connectionOptions",
            "connection.options",
            Value(EmptyObject),
        ),
        field(
            "connectionMetadata",
            "connection.metadata",
            Value(EmptyObject),
            "",
        ),
        field(
            "samlConfiguration",
            "",
            Fixed(EmptyObject),
            "SAML settings need api.samlResponse.* calls, one per setting",
        ),
        field("protocol", "transaction.protocol", Protocol, ""),
        field("stats.loginsCount", "stats.logins_count", Value(One), ""),
        field("sso.with_auth0", "", Fixed(False), ""),
        field("sso.with_dbconn", "", Fixed(False), ""),
        field(
            "sso.current_clients",
            "session.clients",
            ClientIds,
            "Actions list the session's clients as objects: use event.session.clients.map((c) => c.client_id)",
        ),
        field("accessToken", "", Fixed(EmptyObject), ""),
        field("idToken", "", Fixed(EmptyObject), ""),
        field("jwtConfiguration", "", Fixed(EmptyObject), ""),
        field(
            "request.userAgent",
            "request.user_agent",
            Value(EmptyString),
            "",
        ),
        field("request.ip", "request.ip", Value(EmptyString), ""),
        field(
            "request.hostname",
            "request.hostname",
            Value(EmptyString),
            "",
        ),
        field("request.query", "request.query", Value(EmptyObject), ""),
        field("request.body", "request.body", Value(EmptyObject), ""),
        field(
            "request.geoip",
            "request.geoip",
            Geoip,
            "geoip keys are camelCase in Actions",
        ),
        field(
            "authorization.roles",
            "authorization.roles",
            Value(EmptyArray),
            "",
        ),
        field(
            "original_protocol",
            "transaction.protocol",
            OriginalProtocol,
            "",
        ),
        field("sessionID", "session.id", Optional, ""),
        field("auth0SessionId", "session.id", Optional, ""),
        field("locale", "transaction.locale", Optional, ""),
        field(
            "riskAssessment",
            "authentication.riskAssessment",
            Optional,
            "",
        ),
        field(
            "authentication.methods",
            "authentication.methods",
            Methods,
            "Rules give the time in epoch milliseconds, Actions as an ISO 8601 string: use Date.parse(…) for the number",
        ),
        field("organization", "organization", Organization, ""),
    ]
};

/// Fields of a Rules `user` that Auth0 puts in no Action's `event.user`,
/// and where the Action's event keeps the same thing, if anywhere.
pub const USER_ONLY_FIELDS: &[(&str, Option<&str>)] = &[
    ("clientID", Some("event.client.client_id")),
    ("logins_count", Some("event.stats.logins_count")),
    ("last_login", None),
    ("last_ip", None),
    ("blocked", None),
    ("persistent", None),
];

/// Where an Action's event keeps what a Rule knows as `name` (a field of
/// `context`, nested ones by their last part, or of a Rules `user`):
/// `Some(Some(path))`, `Some(None)` when Actions have no equivalent, `None`
/// when `name` is no Rules name.
pub fn rules_name(name: &str) -> Option<Option<String>> {
    if let Some((_, field)) = USER_ONLY_FIELDS.iter().find(|(n, _)| *n == name) {
        return Some(field.map(str::to_string));
    }
    if OUTPUTS.contains(&name) {
        return Some(None);
    }
    let found = CONTEXT_FIELDS
        .iter()
        .find(|f| f.context == name || f.context.rsplit('.').next() == Some(name));
    if let Some(found) = found {
        return Some(found.counterpart().map(|path| format!("event.{path}")));
    }
    // A group of fields (`sso`) of which Actions have only parts.
    CONTEXT_FIELDS
        .iter()
        .any(|f| f.context.split('.').next() == Some(name))
        .then_some(None)
}

/// How the Rules of this login were started.
#[derive(Debug, Clone, Default)]
pub struct RuleStart {
    /// Resuming at `/continue` after a Rule's redirect: the protocol is
    /// `redirect-callback` and `original_protocol` keeps the first one.
    pub resumed: bool,
}

/// The Rules `context` for `event`, field by field from [`CONTEXT_FIELDS`].
pub fn context(event: &Value, start: &RuleStart) -> Value {
    let at = |path: &str| -> Option<&Value> {
        let mut cursor = event;
        for key in path.split('.') {
            cursor = cursor.get(key)?;
        }
        Some(cursor).filter(|v| !v.is_null())
    };
    let protocol = at("transaction.protocol")
        .cloned()
        .unwrap_or(json!("oidc-basic-profile"));
    let mut context = Map::new();
    for field in CONTEXT_FIELDS {
        let found = if field.event.is_empty() {
            None
        } else {
            at(field.event)
        };
        let value = match field.source {
            Source::Value(Fallback::EmptyObject) => Some(object_or_empty(found)),
            Source::Value(fallback) => Some(found.cloned().unwrap_or_else(|| fallback.value())),
            Source::Optional => found.cloned(),
            Source::Fixed(fallback) => Some(fallback.value()),
            Source::Protocol if start.resumed => Some(json!("redirect-callback")),
            Source::Protocol => Some(protocol.clone()),
            Source::OriginalProtocol => start.resumed.then(|| protocol.clone()),
            Source::ClientIds => Some(Value::Array(
                found
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("client_id").cloned())
                    .collect(),
            )),
            Source::Geoip => Some(geoip(found)),
            // Rules get no `context.authentication` on refresh-token
            // exchanges; the timestamps are epoch milliseconds (as in real
            // dumps).
            Source::Methods => found
                .and_then(Value::as_array)
                .filter(|_| protocol != "oauth2-refresh-token")
                .map(|methods| {
                    methods
                        .iter()
                        .map(|m| {
                            json!({
                                "name": m.get("name").cloned().unwrap_or(Value::Null),
                                "timestamp": m.get("timestamp").map(epoch_millis).unwrap_or(Value::Null),
                            })
                        })
                        .collect()
                }),
            Source::Organization => found.map(|org| {
                json!({
                    "id": org.get("id").cloned().unwrap_or(Value::Null),
                    "name": org.get("name").cloned().unwrap_or(Value::Null),
                    "metadata": object_or_empty(org.get("metadata")),
                })
            }),
        };
        if let Some(value) = value {
            insert_at(&mut context, field.context, value);
        }
    }
    Value::Object(context)
}

/// Sets `path` (dots for nesting) in `map`, making the objects on the way.
fn insert_at(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let inner = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(inner) = inner.as_object_mut() {
                insert_at(inner, rest, value);
            }
        }
    }
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

// What the Rules leave behind: their changes to `user` and the outputs on
// their final `context`, as the commands Actions record. Pure JSON; the
// engine (src/engine/rule.rs) takes the snapshots.

/// Who last changed each output of `context`, to attribute its command.
pub(crate) type Setters = HashMap<String, String>;

/// The outputs a Rule leaves on `context`.
pub(crate) const OUTPUTS: &[&str] = &[
    "idToken",
    "accessToken",
    "multifactor",
    "redirect",
    "primaryUser",
    "samlConfiguration",
];

/// Notes which outputs (claims one by one) this Rule changed.
pub(crate) fn record_setters(
    before: &Map<String, Json>,
    after: &Map<String, Json>,
    rule: &str,
    setters: &mut Setters,
) {
    for output in OUTPUTS {
        let old = before.get(*output);
        let new = after.get(*output);
        match (*output, old, new) {
            ("idToken" | "accessToken" | "samlConfiguration", _, _) => {
                let empty = Map::new();
                let old = old.and_then(Json::as_object).unwrap_or(&empty);
                let new = new.and_then(Json::as_object).unwrap_or(&empty);
                for (key, value) in new {
                    if old.get(key) != Some(value) {
                        setters.insert(format!("{output}/{key}"), rule.to_string());
                    }
                }
            }
            (_, old, new) if old != new => {
                setters.insert((*output).to_string(), rule.to_string());
            }
            _ => {}
        }
    }
}

/// `user.set` / `user.delete` for each root attribute a Rule changed.
pub(crate) fn user_changes(before: &Json, after: &Json, rule: &str) -> Vec<Command> {
    let empty = Map::new();
    let old = before.as_object().unwrap_or(&empty);
    let new = after.as_object().unwrap_or(&empty);
    let mut commands = Vec::new();
    for (key, value) in new {
        if old.get(key) != Some(value) {
            let mut command = Command::new(rule, Call::UserSet, vec![json!(key), value.clone()]);
            command.origin = Some(format!("user.{key}"));
            commands.push(command);
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        let mut command = Command::new(rule, Call::UserDelete, vec![json!(key)]);
        command.origin = Some(format!("delete user.{key}"));
        commands.push(command);
    }
    commands
}

/// SAML configuration keys of Rules and the Actions setter of each.
const SAML_SETTERS: &[(&str, Call)] = &[
    ("audience", Call::SamlResponseSetAudience),
    ("recipient", Call::SamlResponseSetRecipient),
    ("createUpnClaim", Call::SamlResponseSetCreateUpnClaim),
    (
        "passthroughClaimsWithNoMapping",
        Call::SamlResponseSetPassthroughClaimsWithNoMapping,
    ),
    (
        "mapUnknownClaimsAsIs",
        Call::SamlResponseSetMapUnknownClaimsAsIs,
    ),
    ("mapIdentities", Call::SamlResponseSetMapIdentities),
    (
        "signatureAlgorithm",
        Call::SamlResponseSetSignatureAlgorithm,
    ),
    ("digestAlgorithm", Call::SamlResponseSetDigestAlgorithm),
    ("destination", Call::SamlResponseSetDestination),
    ("lifetimeInSeconds", Call::SamlResponseSetLifetimeInSeconds),
    ("signResponse", Call::SamlResponseSetSignResponse),
    (
        "nameIdentifierFormat",
        Call::SamlResponseSetNameIdentifierFormat,
    ),
    (
        "nameIdentifierProbes",
        Call::SamlResponseSetNameIdentifierProbes,
    ),
    (
        "authnContextClassRef",
        Call::SamlResponseSetAuthnContextClassRef,
    ),
    ("signingCert", Call::SamlResponseSetSigningCert),
    (
        "includeAttributeNameFormat",
        Call::SamlResponseSetIncludeAttributeNameFormat,
    ),
    ("typedAttributes", Call::SamlResponseSetTypedAttributes),
    ("encryptionCert", Call::SamlResponseSetEncryptionCert),
    (
        "encryptionPublicKey",
        Call::SamlResponseSetEncryptionPublicKey,
    ),
    ("cert", Call::SamlResponseSetCert),
    ("key", Call::SamlResponseSetKey),
    ("RelayState", Call::SamlResponseSetRelayState),
    ("issuer", Call::SamlResponseSetIssuer),
];

fn output_command(
    setters: &Setters,
    path: &str,
    call: Call,
    args: Vec<Json>,
    origin: String,
) -> Command {
    let script = setters
        .get(path)
        .cloned()
        .unwrap_or_else(|| "rules".to_string());
    let mut command = Command::new(script, call, args);
    command.origin = Some(origin);
    command
}

/// The commands the Rules' final `context` amounts to.
pub(crate) fn output_commands(
    outputs: &Map<String, Json>,
    setters: &Setters,
    resumed: bool,
    user: &Json,
    unmapped: &mut Vec<Warning>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    for (output, call) in [
        ("idToken", Call::IdTokenSetCustomClaim),
        ("accessToken", Call::AccessTokenSetCustomClaim),
    ] {
        let Some(claims) = outputs.get(output).and_then(Json::as_object) else {
            continue;
        };
        for (key, value) in claims {
            let path = format!("{output}/{key}");
            if output == "accessToken" && key == "scope" {
                let scopes: Vec<Json> = match value {
                    Json::Array(list) => list.clone(),
                    Json::String(s) => s.split_whitespace().map(|w| json!(w)).collect(),
                    _ => continue,
                };
                commands.push(output_command(
                    setters,
                    &path,
                    Call::AccessTokenSetScopes,
                    vec![Json::Array(scopes)],
                    "context.accessToken.scope".into(),
                ));
                continue;
            }
            commands.push(output_command(
                setters,
                &path,
                call.clone(),
                vec![json!(key), value.clone()],
                format!("context.{output}['{key}']"),
            ));
        }
    }
    if let Some(mfa) = outputs.get("multifactor").and_then(Json::as_object) {
        let provider = mfa.get("provider").cloned().unwrap_or(json!("any"));
        let mut options = Map::new();
        options.insert(
            "allowRememberBrowser".into(),
            mfa.get("allowRememberBrowser")
                .cloned()
                .unwrap_or(json!(true)),
        );
        let provider_options: Map<String, Json> = mfa
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "provider" | "allowRememberBrowser"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !provider_options.is_empty() {
            options.insert("providerOptions".into(), Json::Object(provider_options));
        }
        commands.push(output_command(
            setters,
            "multifactor",
            Call::MultifactorEnable,
            vec![provider, Json::Object(options)],
            "context.multifactor".into(),
        ));
    }
    if let Some(primary) = outputs.get("primaryUser").and_then(Json::as_str)
        && user.get("user_id").and_then(Json::as_str) != Some(primary)
    {
        commands.push(output_command(
            setters,
            "primaryUser",
            Call::AuthenticationSetPrimaryUser,
            vec![json!(primary)],
            "context.primaryUser".into(),
        ));
    }
    if let Some(saml) = outputs.get("samlConfiguration").and_then(Json::as_object) {
        for (key, value) in saml {
            let path = format!("samlConfiguration/{key}");
            if key == "mappings" {
                for (attribute, user_path) in value.as_object().into_iter().flatten() {
                    let resolved = user_path
                        .as_str()
                        .map(|p| {
                            p.split('.')
                                .try_fold(user, |v, part| v.get(part))
                                .cloned()
                                .unwrap_or(Json::Null)
                        })
                        .unwrap_or(Json::Null);
                    commands.push(output_command(
                        setters,
                        &path,
                        Call::SamlResponseSetAttribute,
                        vec![json!(attribute), resolved],
                        format!("context.samlConfiguration.mappings['{attribute}']"),
                    ));
                }
            } else if let Some((_, setter)) = SAML_SETTERS.iter().find(|(k, _)| k == key) {
                commands.push(output_command(
                    setters,
                    &path,
                    setter.clone(),
                    vec![value.clone()],
                    format!("context.samlConfiguration.{key}"),
                ));
            } else {
                unmapped.push(Warning::new(
                    setters.get(&path).cloned().unwrap_or_else(|| "rules".into()),
                    format!(
                        "context.samlConfiguration.{key} has no Actions equivalent (api.samlResponse has no setter for it); an Action cannot reproduce it"
                    ),
                ));
            }
        }
    }
    if !resumed
        && let Some(url) = outputs
            .get("redirect")
            .and_then(|r| r.get("url"))
            .and_then(Json::as_str)
    {
        commands.push(output_command(
            setters,
            "redirect",
            Call::RedirectSendUserTo,
            vec![json!(url)],
            "context.redirect".into(),
        ));
    }
    commands
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

    #[test]
    fn every_context_field_with_a_counterpart_is_read_from_it() {
        // Built from an event whose every mapped field holds a marker, the
        // context has the marker where the table says the Rule reads it.
        let mut event = json!({});
        for field in CONTEXT_FIELDS {
            if matches!(field.source, Source::Value(_) | Source::Optional) {
                let mut cursor = &mut event;
                for key in field.event.split('.') {
                    cursor = &mut cursor[key];
                }
                *cursor = if field.source == Source::Value(Fallback::EmptyObject) {
                    json!({ "marker": field.event })
                } else {
                    json!(field.event)
                };
            }
        }
        let context = context(&event, &RuleStart::default());
        for field in CONTEXT_FIELDS {
            if !matches!(field.source, Source::Value(_) | Source::Optional) {
                continue;
            }
            let mut cursor = &context;
            for key in field.context.split('.') {
                cursor = &cursor[key];
            }
            let expected = if field.source == Source::Value(Fallback::EmptyObject) {
                json!({ "marker": field.event })
            } else {
                json!(field.event)
            };
            assert_eq!(cursor, &expected, "context.{}", field.context);
        }
    }

    #[test]
    fn the_table_names_rules_fields_and_their_action_counterparts() {
        assert_eq!(
            rules_name("clientID"),
            Some(Some("event.client.client_id".into()))
        );
        assert_eq!(
            rules_name("loginsCount"),
            Some(Some("event.stats.logins_count".into()))
        );
        assert_eq!(
            rules_name("logins_count"),
            Some(Some("event.stats.logins_count".into()))
        );
        assert_eq!(rules_name("connectionOptions"), Some(None), "fixture-only");
        assert_eq!(rules_name("sso"), Some(None));
        assert_eq!(rules_name("primaryUser"), Some(None));
        assert_eq!(rules_name("last_ip"), Some(None));
        assert_eq!(rules_name("nickname"), None);
        let geoip = CONTEXT_FIELDS.iter().find(|f| f.context == "request.geoip");
        assert_eq!(
            geoip.and_then(ContextField::counterpart),
            Some("request.geoip")
        );
    }

    #[test]
    fn a_rules_changes_to_user_become_set_and_delete_commands() {
        let before = json!({ "a": 1, "gone": true, "same": "x" });
        let after = json!({ "a": 2, "same": "x", "new": [1] });
        let commands = user_changes(&before, &after, "r.js");
        let summary: Vec<(Call, Vec<Value>, Option<String>)> = commands
            .into_iter()
            .map(|c| (c.call, c.args, c.origin))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    Call::UserSet,
                    vec![json!("a"), json!(2)],
                    Some("user.a".into())
                ),
                (
                    Call::UserSet,
                    vec![json!("new"), json!([1])],
                    Some("user.new".into())
                ),
                (
                    Call::UserDelete,
                    vec![json!("gone")],
                    Some("delete user.gone".into())
                ),
            ]
        );
    }

    #[test]
    fn the_rules_final_context_becomes_the_commands_actions_record() {
        let outputs: Map<String, Value> = serde_json::from_value(json!({
            "idToken": { "https://a.example/x": 1 },
            "accessToken": { "scope": "openid read" },
            "multifactor": { "provider": "any", "allowRememberBrowser": false },
            "primaryUser": "auth0|2",
            "samlConfiguration": { "audience": "urn:x", "nonsense": 1, "mappings": { "mail": "email" } },
            "redirect": { "url": "https://r.example/" },
        }))
        .expect("a map");
        let mut setters = Setters::new();
        setters.insert("idToken/https://a.example/x".into(), "claims.js".into());
        let user = json!({ "user_id": "auth0|1", "email": "a@b.c" });
        let mut unmapped = Vec::new();
        let commands = output_commands(&outputs, &setters, false, &user, &mut unmapped);
        let calls: Vec<(&str, Call, &Vec<Value>)> = commands
            .iter()
            .map(|c| (c.script.as_str(), c.call.clone(), &c.args))
            .collect();
        assert_eq!(
            calls[0],
            (
                "claims.js",
                Call::IdTokenSetCustomClaim,
                &vec![json!("https://a.example/x"), json!(1)]
            )
        );
        assert_eq!(
            calls[1],
            (
                "rules",
                Call::AccessTokenSetScopes,
                &vec![json!(["openid", "read"])]
            )
        );
        assert_eq!(calls[2].1, Call::MultifactorEnable);
        assert_eq!(calls[2].2[1]["allowRememberBrowser"], false);
        assert_eq!(
            calls[3],
            (
                "rules",
                Call::AuthenticationSetPrimaryUser,
                &vec![json!("auth0|2")]
            )
        );
        assert_eq!(
            calls[4],
            (
                "rules",
                Call::SamlResponseSetAudience,
                &vec![json!("urn:x")]
            )
        );
        assert_eq!(
            calls[5],
            (
                "rules",
                Call::SamlResponseSetAttribute,
                &vec![json!("mail"), json!("a@b.c")]
            )
        );
        assert_eq!(
            calls[6],
            (
                "rules",
                Call::RedirectSendUserTo,
                &vec![json!("https://r.example/")]
            )
        );
        assert_eq!(calls.len(), 7);
        assert_eq!(unmapped.len(), 1);
        assert!(
            unmapped[0]
                .message
                .contains("context.samlConfiguration.nonsense"),
            "{:?}",
            unmapped[0]
        );

        // Resumed at /continue, the redirect is not sent again.
        let resumed = output_commands(&outputs, &setters, true, &user, &mut Vec::new());
        assert!(resumed.iter().all(|c| c.call != Call::RedirectSendUserTo));
    }
}
