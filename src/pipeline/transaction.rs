//! The login transaction as Auth0's server sees it: the commands scripts
//! recorded, applied in order. It is the one reader of the command log.
//! Metadata updates reach the user (and so the next Action's `event.user`),
//! a deny or redirect stops the flow, the cache and transaction metadata
//! carry over between Actions, and claims and scope edits are kept, in
//! order, for the token builder.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::outcome::{Denial, MetadataUpdates, Redirect};
use crate::record::{Call, Command, Warning};
use crate::script::Trigger;
use crate::token::policy::{ClaimWrite, TokenKind};
use crate::token::{ScopeEdit, TokenRequests};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheRecord {
    pub value: String,
    pub expires_at: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Transaction {
    /// What the commands mean depends on the trigger (`access.deny`'s
    /// arguments differ between them).
    pub trigger: Trigger,
    /// The user as the flow leaves it: metadata updates applied.
    pub user: Value,
    pub metadata_updates: MetadataUpdates,
    pub denial: Option<Denial>,
    pub redirect: Option<Redirect>,
    /// `abort` from the facade: the execution fails with this message.
    pub aborted: Option<(String, String)>,
    pub mfa: Vec<Command>,
    pub primary_user: Option<String>,
    pub cache: BTreeMap<String, CacheRecord>,
    pub transaction_metadata: Map<String, Value>,
    pub rules_executed: Vec<String>,
    /// The user as the Rules left it (their changes to `user` are not
    /// persisted, but profile claims and the legacy pipeline read them).
    pub rules_user: Option<Value>,
    pub warnings: Vec<Warning>,
    /// credentials-exchange: the target scopes after the transaction API
    /// changed them (`None` when no script touched them).
    pub target_scopes: Option<Vec<String>>,
    /// Where the target scopes start: the event's, else the client grant.
    initial_target_scopes: Vec<String>,
    /// pre-user-registration: the id `api.user.setUserId` gave the new user.
    pub new_user_id: Option<String>,
    /// custom-token-exchange: the user-selection calls, in order.
    pub user_selections: Vec<Command>,
    /// custom-token-exchange: `setOrganization` and `setActor`.
    pub organization: Option<String>,
    pub actor: Option<Value>,
    /// password-reset-post-challenge: where the user goes after the reset.
    pub result_url: Option<String>,
    /// Why this login cannot send the user anywhere (prompt=none, a grant
    /// with no browser), when it cannot.
    #[serde(default)]
    pub redirect_impossible: Option<String>,
    /// Claims and scope edits, for the token builder.
    pub token_requests: TokenRequests,
}

/// Protocols of grants with no browser to redirect: the password grant
/// (`/oauth/token` and the legacy `/oauth/ro`), refresh tokens, WebAuthn.
/// The same list as `api.redirect.canRedirect()` in
/// js-runtime/post-login-api.js, so the two always agree.
pub const NO_REDIRECT_PROTOCOLS: [&str; 4] = [
    "oauth2-resource-owner",
    "oauth2-refresh-token",
    "oauth2-password",
    "oauth2-webauthn",
];

/// Why a post-login with this event cannot redirect (docs/behaviour.md,
/// "Redirects that cannot happen"), or `None` when it can.
pub fn redirect_impossible(event: &Value) -> Option<String> {
    if event
        .pointer("/request/query/prompt")
        .and_then(Value::as_str)
        == Some("none")
    {
        return Some("the login was requested with prompt=none".into());
    }
    let protocol = event
        .pointer("/transaction/protocol")
        .and_then(Value::as_str)
        .unwrap_or("unknown-protocol");
    NO_REDIRECT_PROTOCOLS
        .contains(&protocol)
        .then(|| format!("the {protocol} grant has no browser to redirect"))
}

impl Transaction {
    pub fn new(event: &Value, trigger: Trigger) -> Transaction {
        // Callers check the event's shape first; an event of another shape
        // still gets a user object rather than a panic.
        let mut user = event
            .get("user")
            .filter(|u| u.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}));
        for key in ["app_metadata", "user_metadata"] {
            if !user.get(key).is_some_and(Value::is_object)
                && let Some(object) = user.as_object_mut()
            {
                object.insert(key.to_string(), json!({}));
            }
        }
        let transaction_metadata = event
            .pointer("/transaction/metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let strings = |pointer: &str| -> Option<Vec<String>> {
            event
                .pointer(pointer)
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
        };
        let target_scopes = strings("/transaction/target_scopes");
        let initial_target_scopes = target_scopes
            .clone()
            .or_else(|| strings("/accessToken/scope"))
            .unwrap_or_default();
        let redirect_impossible = if trigger == Trigger::PostLogin {
            redirect_impossible(event)
        } else {
            None
        };
        Transaction {
            trigger,
            user,
            transaction_metadata,
            target_scopes,
            initial_target_scopes,
            redirect_impossible,
            ..Transaction::default()
        }
    }

    /// Whether the flow must stop after the script that just ran.
    pub fn stops_flow(&self) -> bool {
        self.denial.is_some() || self.redirect.is_some() || self.aborted.is_some()
    }

    pub fn apply(&mut self, command: &Command) {
        let arg = |i: usize| command.args.get(i).cloned().unwrap_or(Value::Null);
        match &command.call {
            Call::AccessDeny => {
                let text = |v: Value| match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                match self.trigger {
                    // deny(code, reason): the code is the OAuth error.
                    Trigger::CredentialsExchange | Trigger::CustomTokenExchange => {
                        let code = text(arg(0));
                        self.deny(command, &code, text(arg(1)), "api.access.deny");
                    }
                    // deny(reason, userMessage): Auth0 answers extensibility_error.
                    Trigger::PreUserRegistration => {
                        let message = command.str_arg(1).map(str::to_string);
                        self.deny_showing(
                            command,
                            "extensibility_error",
                            text(arg(0)),
                            "api.access.deny",
                            message,
                        );
                    }
                    _ => self.deny(command, "access_denied", text(arg(0)), "api.access.deny"),
                }
            }
            Call::AccessRejectInvalidSubjectToken => {
                let reason = command.str_arg(0).unwrap_or_default().to_string();
                self.deny(
                    command,
                    "invalid_request",
                    reason,
                    "api.access.rejectInvalidSubjectToken",
                );
            }
            Call::IdTokenSetCustomClaim => self.set_claim(TokenKind::Id, command),
            Call::AccessTokenSetCustomClaim => self.set_claim(TokenKind::Access, command),
            Call::AccessTokenSetScopes => {
                let scopes = match command.args.first() {
                    Some(Value::Array(list)) => Some(
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                    ),
                    Some(Value::String(s)) => {
                        Some(s.split_whitespace().map(str::to_string).collect())
                    }
                    _ => None,
                };
                if let Some(scopes) = scopes {
                    self.token_requests
                        .scope_edits
                        .push(ScopeEdit::Replace(scopes));
                }
            }
            Call::AccessTokenAddScope => {
                if let Some(scope) = command.str_arg(0) {
                    self.token_requests
                        .scope_edits
                        .push(ScopeEdit::Add(scope.to_string()));
                }
            }
            Call::AccessTokenRemoveScope => {
                if let Some(scope) = command.str_arg(0) {
                    self.token_requests
                        .scope_edits
                        .push(ScopeEdit::Remove(scope.to_string()));
                }
            }
            Call::UserSet => {
                if let Some(attribute) = command.str_arg(0) {
                    self.token_requests
                        .attribute_scripts
                        .insert(attribute.to_string(), command.script.clone());
                }
            }
            Call::UserSetUserId => self.new_user_id = command.str_arg(0).map(str::to_string),
            Call::AuthenticationSetUserById | Call::AuthenticationSetUserByConnection => {
                self.user_selections.push(command.clone())
            }
            Call::AuthenticationSetOrganization => {
                self.organization = command.str_arg(0).map(str::to_string)
            }
            Call::AuthenticationSetActor => self.actor = command.args.first().cloned(),
            Call::TransactionSetResultUrl => {
                self.result_url = command.str_arg(0).map(str::to_string)
            }
            Call::TransactionAddTargetScope
            | Call::TransactionRemoveTargetScope
            | Call::TransactionSetTargetScopes
            | Call::TransactionClearTargetScopes => self.change_target_scopes(command),
            Call::RulesDeny => {
                let code = command.str_arg(0).unwrap_or("access_denied").to_string();
                let reason = command.str_arg(1).unwrap_or_default().to_string();
                let via = command
                    .origin
                    .clone()
                    .unwrap_or_else(|| "callback(error)".into());
                self.deny(command, &code, reason, &via);
            }
            Call::ValidationError => {
                let code = command.str_arg(0).unwrap_or("invalid_request").to_string();
                let message = command.str_arg(1).unwrap_or_default().to_string();
                self.deny_showing(
                    command,
                    &code,
                    message.clone(),
                    "api.validation.error",
                    Some(message),
                );
            }
            Call::Abort if self.aborted.is_none() => {
                let message = command.str_arg(0).unwrap_or("aborted").to_string();
                self.aborted = Some((command.script.clone(), message));
            }
            Call::UserSetAppMetadata => self.set_metadata("app_metadata", command),
            Call::UserSetUserMetadata => self.set_metadata("user_metadata", command),
            // A Form suspends the login as a redirect does (Auth0's "Render
            // Forms using Actions"): never allowed with tokens; resumed at
            // /continue with the form's fields (docs/behaviour.md).
            Call::PromptRender if self.redirect_impossible.is_some() => {
                let why = self.redirect_impossible.clone().unwrap_or_default();
                let script = &command.script;
                self.deny(
                    command,
                    "interaction_required",
                    format!("{script} renders a form (api.prompt.render), but {why}"),
                    "api.prompt.render",
                );
            }
            Call::PromptRender => {
                let id = command.str_arg(0).unwrap_or_default().to_string();
                let options = command.args.get(1).cloned().unwrap_or(Value::Null);
                let mut prompt = serde_json::json!({ "id": id });
                for part in ["fields", "vars"] {
                    if let Some(value) = options.get(part).filter(|v| v.is_object()) {
                        prompt[part] = value.clone();
                    }
                }
                self.redirect = Some(Redirect {
                    script: command.script.clone(),
                    // The Universal Login page is given its address in assemble.
                    url: String::new(),
                    state: String::new(),
                    prompt: Some(prompt),
                });
            }
            Call::RedirectSendUserTo if self.redirect_impossible.is_some() => {
                // Auth0 fails the login with interaction_required rather
                // than redirecting (docs/behaviour.md).
                let why = self.redirect_impossible.clone().unwrap_or_default();
                let via = command
                    .origin
                    .clone()
                    .unwrap_or_else(|| "api.redirect.sendUserTo".into());
                let script = &command.script;
                self.deny(
                    command,
                    "interaction_required",
                    format!("{script} redirects the user ({via}), but {why}"),
                    &via,
                );
            }
            Call::RedirectSendUserTo => {
                if let Some(url) = command.str_arg(0) {
                    if self.redirect.is_some() {
                        self.warn(command, "a second redirect replaces the first one");
                    }
                    self.redirect = Some(Redirect {
                        script: command.script.clone(),
                        url: url.to_string(),
                        state: String::new(),
                        prompt: None,
                    });
                }
            }
            Call::MultifactorEnable
            | Call::AuthenticationChallengeWith
            | Call::AuthenticationChallengeWithAny
            | Call::AuthenticationEnrollWith
            | Call::AuthenticationEnrollWithAny => self.mfa.push(command.clone()),
            Call::AuthenticationSetPrimaryUser => {
                self.primary_user = command.str_arg(0).map(str::to_string)
            }
            Call::CacheSet => {
                if let (Some(key), Some(value), Some(expires_at)) = (
                    command.str_arg(0),
                    command.str_arg(1),
                    command.args.get(2).and_then(Value::as_f64),
                ) {
                    self.cache.insert(
                        key.to_string(),
                        CacheRecord {
                            value: value.to_string(),
                            expires_at,
                        },
                    );
                }
            }
            Call::CacheDelete => {
                if let Some(key) = command.str_arg(0) {
                    self.cache.remove(key);
                }
            }
            Call::TransactionSetMetadata => {
                if let Some(key) = command.str_arg(0) {
                    match arg(1) {
                        Value::Null => {
                            self.transaction_metadata.remove(key);
                        }
                        value => {
                            self.transaction_metadata.insert(key.to_string(), value);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// A claim's name is its first argument (as text, whatever its type);
    /// a call without one sets nothing.
    fn set_claim(&mut self, token: TokenKind, command: &Command) {
        let Some(key) = command.args.first().map(|k| match k {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }) else {
            return;
        };
        self.token_requests.set_claim(
            token,
            ClaimWrite {
                key,
                value: command.args.get(1).cloned(),
                script: command.script.clone(),
            },
        );
    }

    fn change_target_scopes(&mut self, command: &Command) {
        let initial = &self.initial_target_scopes;
        let scopes = self.target_scopes.get_or_insert_with(|| initial.clone());
        match &command.call {
            Call::TransactionAddTargetScope => {
                if let Some(scope) = command.str_arg(0)
                    && !scopes.iter().any(|s| s == scope)
                {
                    scopes.push(scope.to_string());
                }
            }
            Call::TransactionRemoveTargetScope => {
                if let Some(scope) = command.str_arg(0) {
                    scopes.retain(|s| s != scope);
                }
            }
            Call::TransactionSetTargetScopes => {
                *scopes = command
                    .args
                    .first()
                    .and_then(Value::as_array)
                    .map(|list| {
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
            }
            _ => scopes.clear(),
        }
    }

    fn deny(&mut self, command: &Command, code: &str, reason: String, via: &str) {
        self.deny_showing(command, code, reason, via, None);
    }

    /// A deny; `user_message` is what the end user is shown, when the
    /// trigger gives it apart from the reason. Only the first deny counts.
    fn deny_showing(
        &mut self,
        command: &Command,
        code: &str,
        reason: String,
        via: &str,
        user_message: Option<String>,
    ) {
        if self.denial.is_some() {
            self.warn(command, "access was already denied; the first deny's reason is the one the application receives");
            return;
        }
        self.denial = Some(Denial {
            script: command.script.clone(),
            code: code.to_string(),
            reason,
            via: via.to_string(),
            user_message,
        });
    }

    /// Metadata updates merge at the first level; `null` deletes a key.
    fn set_metadata(&mut self, field: &str, command: &Command) {
        let key = match command.args.first() {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => return,
        };
        let value = command.args.get(1).cloned().unwrap_or(Value::Null);
        let updates = if field == "app_metadata" {
            &mut self.metadata_updates.app_metadata
        } else {
            &mut self.metadata_updates.user_metadata
        };
        updates.insert(key.clone(), value.clone());
        if !self.user.get(field).is_some_and(Value::is_object) {
            self.user[field] = json!({});
        }
        if let Some(target) = self.user.get_mut(field).and_then(Value::as_object_mut) {
            if value.is_null() {
                target.remove(&key);
            } else {
                target.insert(key, value);
            }
        }
    }

    fn warn(&mut self, command: &Command, message: &str) {
        self.warnings
            .push(Warning::new(command.script.clone(), message));
    }

    /// The event the next Action sees, as JSON: the original one with this
    /// transaction's visible effects (user metadata, transaction metadata)
    /// and the Action's own `secrets` and `configuration`. Written straight
    /// from the parts, without copying the event first.
    pub fn event_json_for_next(
        &self,
        event: &Value,
        secrets: Option<&Value>,
        configuration: Option<&Value>,
    ) -> String {
        let next = NextEvent {
            event,
            user: &self.user,
            transaction_metadata: &self.transaction_metadata,
            secrets,
            configuration,
        };
        serde_json::to_string(&next).unwrap_or_else(|_| "{}".into())
    }

    /// What the api facade needs to know about the transaction so far.
    pub fn api_info(&self) -> Value {
        // A Rule answers to its name with or without `.js` (exports give
        // Rules no id, so the name stands in for it).
        let executed: Vec<&str> = self
            .rules_executed
            .iter()
            .flat_map(|name| [name.as_str(), name.trim_end_matches(".js")])
            .collect();
        json!({
            "rulesExecuted": executed,
            "primaryUserSet": self.primary_user.is_some(),
            "cache": self.cache,
        })
    }
}

/// An event with some of its fields replaced, serialised in the original
/// field order (a replaced field keeps its place; a new one comes last, as
/// inserting it into the event would put it).
struct NextEvent<'a> {
    event: &'a Value,
    user: &'a Value,
    transaction_metadata: &'a Map<String, Value>,
    secrets: Option<&'a Value>,
    configuration: Option<&'a Value>,
}

impl serde::Serialize for NextEvent<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Some(fields) = self.event.as_object() else {
            return self.event.serialize(serializer);
        };
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in fields {
            match key.as_str() {
                "user" => map.serialize_entry(key, self.user)?,
                "secrets" if self.secrets.is_some() => map.serialize_entry(key, &self.secrets)?,
                "configuration" if self.configuration.is_some() => {
                    map.serialize_entry(key, &self.configuration)?
                }
                "transaction" => match value.as_object() {
                    Some(transaction) => map.serialize_entry(
                        key,
                        &WithField {
                            fields: transaction,
                            name: "metadata",
                            value: self.transaction_metadata,
                        },
                    )?,
                    None => map.serialize_entry(key, value)?,
                },
                _ => map.serialize_entry(key, value)?,
            }
        }
        if !fields.contains_key("user") {
            map.serialize_entry("user", self.user)?;
        }
        if let Some(secrets) = self.secrets.filter(|_| !fields.contains_key("secrets")) {
            map.serialize_entry("secrets", secrets)?;
        }
        if let Some(configuration) = self
            .configuration
            .filter(|_| !fields.contains_key("configuration"))
        {
            map.serialize_entry("configuration", configuration)?;
        }
        map.end()
    }
}

/// An object with one field set to `value` (replaced in place, or added
/// last).
struct WithField<'a, T: serde::Serialize> {
    fields: &'a Map<String, Value>,
    name: &'static str,
    value: &'a T,
}

impl<T: serde::Serialize> serde::Serialize for WithField<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.fields {
            if key == self.name {
                map.serialize_entry(key, self.value)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        if !self.fields.contains_key(self.name) {
            map.serialize_entry(self.name, self.value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_of_any_shape_gives_a_user_object() {
        // The worker pool's failure report builds a transaction from the
        // event whatever its shape.
        for user in [json!("jane"), json!(5), json!([]), json!(true), json!(null)] {
            let transaction = Transaction::new(&json!({ "user": user }), Trigger::PostLogin);
            assert_eq!(
                transaction.user,
                json!({ "app_metadata": {}, "user_metadata": {} })
            );
        }
    }

    /// What the next Action's event used to be built as: a copy of the
    /// event with the fields set.
    fn by_copy(
        t: &Transaction,
        event: &Value,
        secrets: Option<&Value>,
        configuration: Option<&Value>,
    ) -> String {
        let mut next = event.clone();
        next["user"] = t.user.clone();
        if let Some(transaction) = next.get_mut("transaction").and_then(Value::as_object_mut) {
            transaction.insert(
                "metadata".into(),
                Value::Object(t.transaction_metadata.clone()),
            );
        }
        if let Some(secrets) = secrets {
            next["secrets"] = secrets.clone();
        }
        if let Some(configuration) = configuration {
            next["configuration"] = configuration.clone();
        }
        next.to_string()
    }

    #[test]
    fn the_next_event_is_the_event_with_the_transaction_applied() {
        let mut t = Transaction {
            user: json!({"user_id": "auth0|1", "app_metadata": {"plan": "pro"}}),
            ..Transaction::default()
        };
        t.transaction_metadata.insert("step".into(), json!(2));
        let secrets = json!({"API_KEY": "k"});
        let configuration = json!({"REGION": "eu"});
        for event in [
            json!({"a": 1, "user": {"user_id": "old"}, "transaction": {"id": "t", "metadata": {"x": 1}, "z": 0}, "secrets": {"OLD": "o"}, "configuration": {}, "b": [1]}),
            json!({"transaction": {"id": "t"}, "a": null}),
            json!({"transaction": "not an object", "user": null}),
            json!({}),
        ] {
            for (secrets, configuration) in [
                (None, None),
                (Some(&secrets), None),
                (Some(&secrets), Some(&configuration)),
            ] {
                assert_eq!(
                    t.event_json_for_next(&event, secrets, configuration),
                    by_copy(&t, &event, secrets, configuration),
                    "{event}"
                );
            }
        }
    }
}

#[cfg(test)]
mod command_log_tests {
    use super::*;
    use crate::event;

    fn command(script: &str, call: &str, args: Value) -> Command {
        let args = args.as_array().cloned().unwrap_or_default();
        Command::new(script, call, args)
    }

    fn folded(trigger: Trigger, commands: &[Command]) -> Transaction {
        let mut transaction = Transaction::new(&event::build(trigger, None), trigger);
        for command in commands {
            transaction.apply(command);
        }
        transaction
    }

    #[test]
    fn the_last_write_of_a_claim_wins_where_the_name_was_first_set() {
        let t = folded(
            Trigger::PostLogin,
            &[
                command(
                    "rule.js",
                    "idToken.setCustomClaim",
                    json!(["https://a/x", 1]),
                ),
                command("a.js", "idToken.setCustomClaim", json!(["https://a/y", 2])),
                command("b.js", "idToken.setCustomClaim", json!(["https://a/x", 3])),
                command(
                    "b.js",
                    "accessToken.setCustomClaim",
                    json!(["https://a/x", 4]),
                ),
                command(
                    "b.js",
                    "idToken.setCustomClaim",
                    json!(["https://a/undefined"]),
                ),
                command("b.js", "idToken.setCustomClaim", json!([])),
            ],
        );
        let id: Vec<_> = t
            .token_requests
            .id_token_claims
            .iter()
            .map(|w| (w.key.as_str(), w.value.clone(), w.script.as_str()))
            .collect();
        assert_eq!(
            id,
            vec![
                ("https://a/x", Some(json!(3)), "b.js"),
                ("https://a/y", Some(json!(2)), "a.js"),
                ("https://a/undefined", None, "b.js"),
            ]
        );
        assert_eq!(t.token_requests.access_token_claims.len(), 1);
        assert_eq!(
            t.token_requests.access_token_claims[0].value,
            Some(json!(4))
        );
    }

    #[test]
    fn scope_edits_keep_their_order() {
        let t = folded(
            Trigger::PostLogin,
            &[
                command(
                    "rule.js",
                    "accessToken.setScopes",
                    json!(["read:a write:a"]),
                ),
                command("a.js", "accessToken.addScope", json!(["read:b"])),
                command("a.js", "accessToken.removeScope", json!(["write:a"])),
                command("a.js", "accessToken.setScopes", json!([42])),
            ],
        );
        assert_eq!(
            t.token_requests.scope_edits,
            vec![
                ScopeEdit::Replace(vec!["read:a".into(), "write:a".into()]),
                ScopeEdit::Add("read:b".into()),
                ScopeEdit::Remove("write:a".into()),
            ]
        );
    }

    #[test]
    fn a_deny_reads_its_arguments_as_the_trigger_defines_them() {
        let deny = |trigger, args| {
            folded(trigger, &[command("a.js", "access.deny", args)])
                .denial
                .expect("denied")
        };
        let login = deny(Trigger::PostLogin, json!(["no access"]));
        assert_eq!(
            (login.code.as_str(), login.reason.as_str()),
            ("access_denied", "no access")
        );
        let exchange = deny(
            Trigger::CredentialsExchange,
            json!(["invalid_scope", "nope"]),
        );
        assert_eq!(
            (exchange.code.as_str(), exchange.reason.as_str()),
            ("invalid_scope", "nope")
        );
        let signup = deny(
            Trigger::PreUserRegistration,
            json!(["blocked domain", "Sorry"]),
        );
        assert_eq!(signup.code, "extensibility_error");
        assert_eq!(signup.user_message.as_deref(), Some("Sorry"));
    }

    #[test]
    fn metadata_updates_reach_the_next_actions_user_and_null_removes() {
        let t = folded(
            Trigger::PostLogin,
            &[
                command("a.js", "user.setAppMetadata", json!(["plan", "gold"])),
                command("a.js", "user.setUserMetadata", json!(["theme", "dark"])),
                command("b.js", "user.setUserMetadata", json!(["theme", null])),
            ],
        );
        let next: Value = serde_json::from_str(&t.event_json_for_next(
            &event::build(Trigger::PostLogin, None),
            None,
            None,
        ))
        .expect("JSON");
        assert_eq!(next["user"]["app_metadata"]["plan"], "gold");
        assert!(next["user"]["user_metadata"].get("theme").is_none());
        assert_eq!(t.metadata_updates.user_metadata["theme"], Value::Null);
    }

    #[test]
    fn a_second_redirect_replaces_the_first_with_a_warning_and_stops_the_flow() {
        let t = folded(
            Trigger::PostLogin,
            &[
                command(
                    "a.js",
                    "redirect.sendUserTo",
                    json!(["https://one.example/"]),
                ),
                command(
                    "b.js",
                    "redirect.sendUserTo",
                    json!(["https://two.example/"]),
                ),
            ],
        );
        let redirect = t.redirect.as_ref().expect("redirected");
        assert_eq!(
            (redirect.script.as_str(), redirect.url.as_str()),
            ("b.js", "https://two.example/")
        );
        assert_eq!(t.warnings.len(), 1);
        assert!(t.stops_flow());
    }

    #[test]
    fn target_scopes_start_from_the_grant_and_change_in_order() {
        let t = folded(
            Trigger::CredentialsExchange,
            &[
                command("a.js", "transaction.addTargetScope", json!(["extra"])),
                command("a.js", "transaction.removeTargetScope", json!(["extra"])),
                command(
                    "a.js",
                    "transaction.setTargetScopes",
                    json!([["one", "two"]]),
                ),
                command("a.js", "transaction.addTargetScope", json!(["one"])),
            ],
        );
        assert_eq!(
            t.target_scopes,
            Some(vec!["one".to_string(), "two".to_string()])
        );
        let cleared = folded(
            Trigger::CredentialsExchange,
            &[command("a.js", "transaction.clearTargetScopes", json!([]))],
        );
        assert_eq!(cleared.target_scopes, Some(vec![]));
        assert_eq!(
            folded(Trigger::CredentialsExchange, &[]).target_scopes,
            None
        );
    }

    #[test]
    fn the_cache_carries_values_and_forgets_deleted_ones() {
        let t = folded(
            Trigger::PostLogin,
            &[
                command("a.js", "cache.set", json!(["k", "v", 1.0e13])),
                command("a.js", "cache.set", json!(["gone", "x", 1.0e13])),
                command("b.js", "cache.delete", json!(["gone"])),
            ],
        );
        assert_eq!(t.cache.keys().collect::<Vec<_>>(), vec!["k"]);
        assert_eq!(t.cache["k"].value, "v");
    }
}
