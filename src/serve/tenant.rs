//! The tenant `serve` answers for: its settings (clients with their
//! callbacks and grants, APIs, connections, keys), the flow of each trigger
//! (Rules and Actions, as `run` would run them), and the users it starts
//! with.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Flow;
use crate::directory::users::is_password_strategy;
pub use crate::directory::users::{
    DEFAULT_DATABASE, iso_time, now_secs, password_hash, strategy_of, user_record,
};
use crate::engine::Limits;
use crate::error::Error;
use crate::runtime::NodeConfig;
use crate::script::{ScriptKind, Trigger};
use crate::tenant::{
    ClientSettings, ConnectionSettings, JwtConfiguration, Keywords, RefreshTokenSettings, Settings,
    TenantFlow, TenantFolder,
};

/// What `serve` runs and answers with.
#[derive(Debug, Clone)]
pub struct LocalTenant {
    /// The tenant's settings (clients from a tenant folder merged in).
    pub settings: Settings,
    /// The flow of each trigger that has scripts, ready to run: scripts,
    /// settings, limits, modules and network policy.
    pub flows: HashMap<Trigger, Flow>,
    /// The users the tenant starts with (`--users`), as store records.
    pub users: Vec<Value>,
}

impl LocalTenant {
    pub fn new(settings: Settings, flows: Vec<Flow>, users: Vec<Value>) -> LocalTenant {
        LocalTenant {
            settings,
            flows: flows.into_iter().map(|f| (f.trigger, f)).collect(),
            users,
        }
    }

    pub fn domain(&self) -> String {
        self.settings
            .domain
            .clone()
            .unwrap_or_else(|| "example-tenant.us.auth0.com".into())
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientSettings> {
        self.settings.client(client_id)
    }

    /// The configured connections; without any, the default database
    /// connection and every connection a user belongs to.
    pub fn connections(&self) -> Vec<ConnectionSettings> {
        if !self.settings.connections.is_empty() {
            return self.settings.connections.clone();
        }
        let mut names = vec![DEFAULT_DATABASE.to_string()];
        for user in &self.users {
            if let Some(name) = user.get("connection").and_then(Value::as_str)
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
        names
            .into_iter()
            .map(|name| ConnectionSettings {
                strategy: strategy_of(&name),
                name,
                display_name: None,
                metadata: BTreeMap::new(),
            })
            .collect()
    }

    pub fn connection(&self, name: &str) -> Option<ConnectionSettings> {
        self.connections().into_iter().find(|c| c.name == name)
    }

    /// The connection the password grant and the form use by default.
    pub fn database_connection(&self) -> Option<ConnectionSettings> {
        self.connections().into_iter().find(is_database)
    }
}

/// The triggers a local tenant runs: logins, client credentials, signups
/// and password changes.
pub const SERVED_TRIGGERS: [Trigger; 5] = [
    Trigger::PostLogin,
    Trigger::CredentialsExchange,
    Trigger::PreUserRegistration,
    Trigger::PostUserRegistration,
    Trigger::PostChangePassword,
];

impl LocalTenant {
    /// A tenant of script files: each Rule runs at login, each Action on
    /// the trigger its handler names. Returns warnings for scripts of
    /// triggers `serve` does not run.
    pub fn from_scripts(
        mut settings: Settings,
        scripts: Vec<crate::script::Script>,
        mut node: NodeConfig,
        limits: Limits,
        users: Vec<Value>,
    ) -> Result<(LocalTenant, Vec<String>), Error> {
        merge_clients(&mut settings, Vec::new());
        node.users = profiles(&users).into();
        let mut warnings = Vec::new();
        let mut by_trigger: HashMap<Trigger, Vec<crate::script::Script>> = HashMap::new();
        for script in scripts {
            crate::check_script(&script)?;
            let trigger = match script.kind {
                ScriptKind::Rule => Trigger::PostLogin,
                ScriptKind::Action(trigger) => trigger,
            };
            if !SERVED_TRIGGERS.contains(&trigger) {
                warnings.push(format!(
                    "{}: a {trigger} Action; serve runs post-login, credentials-exchange, pre- and post-user-registration and post-change-password flows, so it never runs",
                    script.location()
                ));
            }
            by_trigger.entry(trigger).or_default().push(script);
        }
        let flows = by_trigger
            .into_iter()
            .map(|(trigger, scripts)| {
                Flow::new(trigger, scripts)
                    .with_settings(settings.clone())
                    .with_limits(limits.clone())
                    .with_node(node.clone())
            })
            .collect();
        Ok((LocalTenant::new(settings, flows, users), warnings))
    }

    /// A tenant exported with the Deploy CLI: its Rules and bound Actions
    /// per trigger, its clients merged into `settings`. What `node` says
    /// (modules, dependencies, a runtime when `keep_runtime`) wins over
    /// the export. Returns the export's warnings and missing secrets.
    pub fn from_folder(
        folder: &TenantFolder,
        keywords: &Keywords,
        mut settings: Settings,
        mut node: NodeConfig,
        limits: Limits,
        users: Vec<Value>,
        keep_runtime: bool,
    ) -> Result<(LocalTenant, Vec<String>), Error> {
        merge_clients(&mut settings, folder_clients(&folder.root, keywords)?);
        crate::tenant::merge_roles(&mut settings, &folder.roles);
        node.users = profiles(&users).into();
        let mut warnings = Vec::new();
        let mut flows = Vec::new();
        for (index, trigger) in SERVED_TRIGGERS.into_iter().enumerate() {
            let built = TenantFlow::build(folder, trigger, settings.clone())?;
            if index == 0 {
                warnings.extend(built.warnings.iter().cloned());
            }
            for missing in &built.missing_secrets {
                warnings.push(format!(
                    "Action '{}' declares the secret {} but the export hides its value: give it in actionbox.json \"secrets\" or with --secrets FILE",
                    missing.action, missing.secret
                ));
            }
            let mut flow_node = node.clone();
            for (name, source) in built.node.action_modules {
                flow_node.action_modules.entry(name).or_insert(source);
            }
            for (name, version) in built.node.dependencies {
                flow_node.dependencies.entry(name).or_insert(version);
            }
            if !keep_runtime {
                flow_node.runtime = built.node.runtime;
            }
            flows.push(
                Flow::new(trigger, built.scripts)
                    .with_settings(built.settings)
                    .with_limits(limits.clone())
                    .with_node(flow_node),
            );
        }
        Ok((LocalTenant::new(settings, flows, users), warnings))
    }
}

/// The profiles of store records: what the `auth0` SDK emulation finds.
fn profiles(users: &[Value]) -> Vec<Value> {
    users
        .iter()
        .filter_map(|u| u.get("profile").cloned())
        .collect()
}

pub fn is_database(connection: &ConnectionSettings) -> bool {
    is_password_strategy(&connection.strategy)
}

/// Reads `--users FILE`: a JSON array of user profiles.
pub fn read_users(path: &Path, default_connection: &str) -> Result<Vec<Value>, Error> {
    let list = crate::input::read_json(path, crate::input::InputKind::Users)?;
    let shown = crate::input::shown(path);
    let Value::Array(items) = list else {
        return Err(Error::invalid(format!(
            "{}: a users file is a JSON array of users, not {}",
            shown.display(),
            crate::input::json_type(&list)
        )));
    };
    for (index, user) in items.iter().enumerate() {
        let problems = crate::event::shape::check_user(user);
        if !problems.is_empty() {
            return Err(Error::invalid(format!(
                "{}: {}: {}",
                shown.display(),
                crate::input::user_label(index, user),
                problems.join("; ")
            )));
        }
    }
    let now = now_secs();
    items
        .iter()
        .enumerate()
        .map(|(index, user)| {
            user_record(user, default_connection, now).map_err(|e| {
                Error::invalid(format!(
                    "{}: {}: {e}",
                    shown.display(),
                    crate::input::user_label(index, user)
                ))
            })
        })
        .collect()
}

/// The clients of a Deploy CLI export (`clients/*.json`, or `clients:` in
/// tenant.yaml), as settings. The export leaves out `client_id`: a client
/// the settings name gets the settings' id (and secret); any other gets an
/// id derived from its name, printed when `serve` starts.
pub fn folder_clients(root: &Path, keywords: &Keywords) -> Result<Vec<ClientSettings>, Error> {
    let mut raw: Vec<(String, Value)> = Vec::new();
    let dir = root.join("clients");
    if dir.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|cause| Error::Io {
                path: dir.clone(),
                cause,
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let text = crate::input::read_text(&path, crate::input::InputKind::TenantFile)?;
            let text = keywords.replace(&text);
            let value: Value = serde_json::from_str(&text).map_err(|cause| Error::Json {
                path: path.clone(),
                cause,
            })?;
            raw.push((path.display().to_string(), value));
        }
    }
    for yaml in ["tenant.yaml", "tenant.yml"] {
        let path = root.join(yaml);
        if !path.is_file() {
            continue;
        }
        let text = crate::input::read_text(&path, crate::input::InputKind::TenantFile)?;
        let text = keywords.replace(&text);
        let value: Value = serde_saphyr::from_str(&text)
            .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
        if let Some(Value::Array(clients)) = value.get("clients") {
            for client in clients {
                raw.push((path.display().to_string(), client.clone()));
            }
        }
    }
    raw.iter()
        .map(|(file, value)| {
            client_from_export(value).map_err(|e| Error::invalid(format!("{file}: {e}")))
        })
        .collect()
}

fn client_from_export(value: &Value) -> Result<ClientSettings, String> {
    let name = value
        .get("name")
        .and_then(Value::as_str)
        .ok_or("a client needs a \"name\"")?;
    let client_id = match value.get("client_id").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => derived_client_id(name),
    };
    let strings = |key: &str| -> Vec<String> {
        value
            .get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let mut client = ClientSettings {
        name: Some(name.to_string()),
        oidc_conformant: value
            .pointer("/oidc_conformant")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        client_secret: text("client_secret"),
        third_party: value.get("is_first_party").and_then(Value::as_bool) == Some(false),
        callbacks: strings("callbacks"),
        allowed_logout_urls: strings("allowed_logout_urls"),
        web_origins: strings("web_origins"),
        allowed_origins: strings("allowed_origins"),
        grant_types: value.get("grant_types").map(|_| strings("grant_types")),
        app_type: text("app_type"),
        token_endpoint_auth_method: text("token_endpoint_auth_method"),
        ..ClientSettings::new(client_id)
    };
    if let Some(Value::Object(metadata)) = value.get("client_metadata") {
        client.client_metadata = metadata
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect();
    }
    if let Some(jwt) = value.get("jwt_configuration") {
        client.jwt_configuration = Some(
            serde_json::from_value::<JwtConfiguration>(jwt.clone())
                .map_err(|e| format!("\"jwt_configuration\": {e}"))?,
        );
    }
    if let Some(refresh) = value.get("refresh_token") {
        client.refresh_token = Some(
            serde_json::from_value::<RefreshTokenSettings>(refresh.clone())
                .map_err(|e| format!("\"refresh_token\": {e}"))?,
        );
    }
    Ok(client)
}

/// A stable 32-character client id for a client the export names only.
pub fn derived_client_id(name: &str) -> String {
    use base64::Engine as _;
    let digest = Sha256::digest(format!("actionbox client {name}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(digest)
        .replace(['-', '_'], "x")[..32]
        .to_string()
}

/// Merges clients of a tenant folder into the settings: a client of the
/// same name in the settings keeps its id and secret and takes the
/// export's other fields where it has none.
pub fn merge_clients(settings: &mut Settings, exported: Vec<ClientSettings>) {
    for client in exported {
        match settings
            .clients
            .iter_mut()
            .find(|c| c.name.is_some() && c.name == client.name)
        {
            Some(existing) => {
                if existing.callbacks.is_empty() {
                    existing.callbacks = client.callbacks;
                }
                if existing.allowed_logout_urls.is_empty() {
                    existing.allowed_logout_urls = client.allowed_logout_urls;
                }
                if existing.web_origins.is_empty() {
                    existing.web_origins = client.web_origins;
                }
                if existing.allowed_origins.is_empty() {
                    existing.allowed_origins = client.allowed_origins;
                }
                if existing.client_metadata.is_empty() {
                    existing.client_metadata = client.client_metadata;
                }
                existing.grant_types = existing.grant_types.take().or(client.grant_types);
                existing.app_type = existing.app_type.take().or(client.app_type);
                existing.token_endpoint_auth_method = existing
                    .token_endpoint_auth_method
                    .take()
                    .or(client.token_endpoint_auth_method);
                existing.jwt_configuration = existing
                    .jwt_configuration
                    .take()
                    .or(client.jwt_configuration);
                existing.refresh_token = existing.refresh_token.take().or(client.refresh_token);
            }
            None => settings.clients.push(client),
        }
    }
    // Auth0's `jwt_configuration` is the ID token's lifetime and algorithm.
    for client in &mut settings.clients {
        if let Some(jwt) = &client.jwt_configuration {
            if let Some(lifetime) = jwt.lifetime_in_seconds {
                client.id_token_lifetime = lifetime;
            }
            if let Some(alg) = jwt.alg {
                client.id_token_alg = Some(alg);
            }
        }
    }
}

/// The password-realm grant's name.
pub const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

/// The grants a client may use: its `grant_types`, else Auth0's defaults
/// for its `app_type`, else (a client described only for `run`) every
/// grant `serve` knows.
pub fn grant_types(client: &ClientSettings) -> Vec<String> {
    if let Some(grants) = &client.grant_types {
        return grants.clone();
    }
    let grants: &[&str] = match client.app_type.as_deref() {
        Some("spa") | Some("native") => &["authorization_code", "implicit", "refresh_token"],
        Some("non_interactive") => &["client_credentials"],
        Some(_) => &[
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ],
        None => &[
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
            "password",
            PASSWORD_REALM,
        ],
    };
    grants.iter().map(|g| g.to_string()).collect()
}

/// Whether `client` may use `grant`. Client credentials need a client
/// that authenticates: a public one (no secret) never gets them, whatever
/// its `grant_types` say, or anyone knowing its id would.
pub fn allows_grant(client: &ClientSettings, grant: &str) -> bool {
    if grant == "client_credentials" && client.is_public() {
        return false;
    }
    grant_types(client).iter().any(|g| g == grant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_record_fills_what_auth0_would_and_keeps_secrets_out_of_the_profile() {
        let record = user_record(
            &json!({"email": "ana@example.com", "password": "pw", "roles": ["admin"]}),
            DEFAULT_DATABASE,
            0,
        )
        .expect("record");
        let profile = &record["profile"];
        assert!(
            profile["user_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("auth0|"))
        );
        assert_eq!(profile["nickname"], "ana");
        assert_eq!(profile["identities"][0]["connection"], DEFAULT_DATABASE);
        assert!(profile.get("password").is_none());
        assert!(profile.get("roles").is_none());
        assert_eq!(record["roles"], json!(["admin"]));
        let id = profile["user_id"].as_str().unwrap_or_default();
        assert_eq!(record["password_hash"], json!(password_hash(id, "pw")));
        assert!(user_record(&json!({"password": "x"}), DEFAULT_DATABASE, 0).is_err());
        assert!(user_record(&json!([1]), DEFAULT_DATABASE, 0).is_err());
    }

    #[test]
    fn exported_clients_get_stable_ids_and_settings_keep_theirs() {
        let mut settings = Settings::default();
        settings.clients.push(ClientSettings {
            name: Some("Web".into()),
            ..ClientSettings::new("web-id")
        });
        let exported = vec![
            client_from_export(&json!({"name": "Web", "callbacks": ["http://a/cb"],
                "jwt_configuration": {"lifetime_in_seconds": 60}}))
            .expect("client"),
            client_from_export(&json!({"name": "Other", "app_type": "spa"})).expect("client"),
        ];
        merge_clients(&mut settings, exported);
        assert_eq!(settings.clients[0].client_id, "web-id");
        assert_eq!(settings.clients[0].callbacks, vec!["http://a/cb"]);
        assert_eq!(settings.clients[0].id_token_lifetime, 60);
        assert_eq!(settings.clients[1].client_id, derived_client_id("Other"));
        assert_eq!(settings.clients[1].client_id.len(), 32);
    }
}
