//! Tenant settings: what Auth0 knows about a tenant that no script says —
//! its domain, clients and APIs, the custom-claims regime, signing keys,
//! Rule configuration and Action secrets. Read from `actionbox.json` or
//! `--settings FILE`; every field is optional.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Clock;
use crate::error::Error;
use crate::redact::SecretSource;

/// How the tenant treats non-namespaced custom claims (docs/claims.md, `not_namespaced`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomClaimsMode {
    /// Auth0 since July 2022: non-namespaced claims are allowed.
    #[default]
    Current,
    /// The "Custom claims must be namespaced" toggle is still on.
    #[serde(alias = "legacy")]
    LegacyNamespaced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SigningAlg {
    #[default]
    RS256,
    HS256,
    PS256,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSettings {
    #[serde(default)]
    pub alg: SigningAlg,
    /// PEM file with the RSA private key (relative to the settings file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key_pem: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `false` selects the legacy (non-OIDC-conformant) pipeline.
    #[serde(default = "yes")]
    pub oidc_conformant: bool,
    /// Signs HS256 ID tokens; masked in logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default = "default_id_token_lifetime")]
    pub id_token_lifetime: u64,
    /// Overrides the tenant's signing algorithm for this client's ID tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_alg: Option<SigningAlg>,
    /// Third-party applications get no ID token.
    #[serde(default)]
    pub third_party: bool,
    /// The rest are Auth0's Management API client fields, which `serve`
    /// enforces (docs/serve.md). Allowed callback URLs: `/authorize`'s
    /// `redirect_uri` must be exactly one of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<String>,
    /// Where `/v2/logout` may send the browser back to (`returnTo`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_logout_urls: Vec<String>,
    /// Origins allowed to call the tenant from a browser (CORS, silent
    /// authentication with `response_mode=web_message`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub web_origins: Vec<String>,
    /// More origins allowed to call the tenant from a browser (Auth0's
    /// "Allowed Origins (CORS)").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
    /// The grants the client may use; absent: Auth0's defaults for its
    /// `app_type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// `spa`, `native`, `regular_web` or `non_interactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_type: Option<String>,
    /// `none` (a public client), `client_secret_post` or
    /// `client_secret_basic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    /// What Actions see as `event.client.metadata`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub client_metadata: BTreeMap<String, String>,
    /// `lifetime_in_seconds` (the ID token's) and `alg`, as Auth0 names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_configuration: Option<JwtConfiguration>,
    /// Refresh token rotation and expiration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshTokenSettings>,
}

impl ClientSettings {
    /// A public client authenticates with no secret (and must use PKCE);
    /// it never gets client credentials.
    pub fn is_public(&self) -> bool {
        match self.token_endpoint_auth_method.as_deref() {
            Some("none") => true,
            Some(_) => false,
            None => {
                matches!(self.app_type.as_deref(), Some("spa") | Some("native"))
                    || self.client_secret.is_none()
            }
        }
    }

    /// A client known by its id alone, with Auth0's defaults.
    pub fn new(client_id: impl Into<String>) -> ClientSettings {
        ClientSettings {
            client_id: client_id.into(),
            name: None,
            oidc_conformant: true,
            client_secret: None,
            id_token_lifetime: default_id_token_lifetime(),
            id_token_alg: None,
            third_party: false,
            callbacks: Vec::new(),
            allowed_logout_urls: Vec::new(),
            web_origins: Vec::new(),
            allowed_origins: Vec::new(),
            grant_types: None,
            app_type: None,
            token_endpoint_auth_method: None,
            client_metadata: BTreeMap::new(),
            jwt_configuration: None,
            refresh_token: None,
        }
    }
}

/// A client's `jwt_configuration`, as the Management API names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JwtConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_in_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<SigningAlg>,
}

/// A client's `refresh_token` settings, as the Management API names them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefreshTokenSettings {
    /// `rotating` or `non-rotating` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_type: Option<String>,
    /// `expiring` or `non-expiring` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_type: Option<String>,
    /// Absolute lifetime in seconds (expiring tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime: Option<u64>,
    /// Idle lifetime in seconds (expiring tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_token_lifetime: Option<u64>,
    /// Seconds a rotated token still works (for concurrent requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leeway: Option<u64>,
}

/// A connection users log in with (`serve` shows one button per social
/// connection on its login page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSettings {
    pub name: String,
    /// `auth0` (a database connection), `google-oauth2`, `github`, ...
    #[serde(default = "database_strategy")]
    pub strategy: String,
    /// A label for the login page's button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

fn database_strategy() -> String {
    "auth0".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenProfile {
    #[default]
    Auth0,
    Rfc9068,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    pub identifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime: u64,
    /// "Implicit / Hybrid Flow Access Token Lifetime" (Management API name
    /// `token_lifetime_for_web`): access tokens the authorization endpoint
    /// returns. Auth0's default is 7200 s (docs/claims.md).
    #[serde(default = "default_token_lifetime_for_web")]
    pub token_lifetime_for_web: u64,
    /// Role-based access control: the scopes granted are the requested ones
    /// the user has a permission for.
    #[serde(default)]
    pub rbac: bool,
    /// "Add Permissions in the Access Token" (with RBAC).
    #[serde(default)]
    pub permissions_in_token: bool,
    #[serde(default)]
    pub profile: TokenProfile,
    /// The user's permissions for this API (what RBAC would grant), when
    /// the event does not say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_permissions: Vec<String>,
    /// HS256 access tokens are signed with this secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_alg: Option<SigningAlg>,
    /// The scopes the API defines; requested scopes outside it are not
    /// granted. Absent: every requested scope is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}
fn default_id_token_lifetime() -> u64 {
    36_000
}
fn default_token_lifetime() -> u64 {
    86_400
}
fn default_token_lifetime_for_web() -> u64 {
    7_200
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The tenant's domain; defaults to `event.request.hostname`, then
    /// `<tenant id>.us.auth0.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default)]
    pub custom_claims: CustomClaimsMode,
    /// Fixes the clock (RFC 3339), so outputs are reproducible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    #[serde(default)]
    pub signing: SigningSettings,
    #[serde(default)]
    pub clients: Vec<ClientSettings>,
    #[serde(default)]
    pub apis: Vec<ApiSettings>,
    /// The connections users log in with (`serve`'s login page); absent:
    /// `Username-Password-Authentication` and the users' own connections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<ConnectionSettings>,
    /// The Rules' `configuration` object; masked in logs, never in tokens.
    #[serde(default)]
    pub configuration: BTreeMap<String, String>,
    /// Action secrets by Action name (or script file name); masked in logs.
    #[serde(default)]
    pub secrets: BTreeMap<String, BTreeMap<String, String>>,
    /// `event.configuration` by Action name (or script file name): the
    /// non-secret settings Marketplace integration Actions declare next to
    /// their secrets. Not masked.
    #[serde(default)]
    pub action_configuration: BTreeMap<String, BTreeMap<String, String>>,
    /// "Organization Names in Authentication API": tokens of organization
    /// logins carry `org_name` next to `org_id`.
    #[serde(default)]
    pub organization_names: bool,
    /// The tenant's roles (`serve` and the Management API scripts call);
    /// a tenant folder's `roles/` adds its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleSettings>,
    /// Where relative paths in the file are resolved (the file's folder).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
    /// `--legacy-client`: the event's client is not OIDC-conformant,
    /// whatever `clients` says.
    #[serde(skip)]
    pub legacy_client: bool,
}

/// A role of the tenant as the Management API and a tenant export's
/// `roles/NAME.json` describe it: its permissions go to every user who
/// holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSettings {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<RolePermission>,
}

/// One permission of a role: a scope of an API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RolePermission {
    pub permission_name: String,
    pub resource_server_identifier: String,
}

impl Settings {
    /// The role named `name`, if the settings define it.
    pub fn role(&self, name: &str) -> Option<&RoleSettings> {
        self.roles.iter().find(|r| r.name == name)
    }

    /// The permissions on `api` that `roles` (names) grant.
    pub fn role_permissions(&self, roles: &[String], api: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let granted = roles
            .iter()
            .filter_map(|name| self.role(name))
            .flat_map(|role| &role.permissions)
            .filter(|p| p.resource_server_identifier == api);
        for permission in granted {
            if !out.contains(&permission.permission_name) {
                out.push(permission.permission_name.clone());
            }
        }
        out
    }
}

/// Secret values by Action name, as `--secrets FILE` gives them (the shape
/// of the settings' `secrets`): `{"<action name>": {"NAME": "value"}}`.
pub type SecretValues = BTreeMap<String, BTreeMap<String, String>>;

/// Reads `--secrets FILE`; an error names the file, the Action and the
/// secret, and what is wrong.
pub fn read_secrets(path: &Path) -> Result<SecretValues, Error> {
    let value = crate::input::read_json(path, crate::input::InputKind::Secrets)?;
    secrets_from_json(&value)
        .map_err(|e| Error::invalid(format!("{}: {e}", crate::input::shown(path).display())))
}

/// [`read_secrets`] on JSON already parsed.
pub fn secrets_from_json(value: &Value) -> Result<SecretValues, String> {
    use crate::input::json_type;
    const SHAPE: &str = r#"{"<action name>": {"SECRET": "value"}}"#;
    let Some(actions) = value.as_object() else {
        return Err(format!(
            "secrets are a JSON object, {SHAPE}, not {}",
            json_type(value)
        ));
    };
    let mut out = SecretValues::new();
    for (action, secrets) in actions {
        let Some(secrets) = secrets.as_object() else {
            return Err(format!(
                "`{action}` must be an object of the Action's secrets, {SHAPE}, not {}",
                json_type(secrets)
            ));
        };
        let mut values = BTreeMap::new();
        for (name, secret) in secrets {
            let Some(text) = secret.as_str() else {
                return Err(format!(
                    "`{action}.{name}`: a secret's value is a string (Auth0 stores text), not {}",
                    json_type(secret)
                ));
            };
            values.insert(name.clone(), text.to_string());
        }
        out.insert(action.clone(), values);
    }
    Ok(out)
}

impl Settings {
    pub fn from_file(path: impl AsRef<Path>) -> Result<Settings, Error> {
        let path = path.as_ref();
        let value = crate::input::read_json(path, crate::input::InputKind::Settings)?;
        let mut settings = Settings::from_json(value)
            .map_err(|e| Error::invalid(format!("{}: {e}", path.display())))?;
        settings.base_dir = path.parent().map(Path::to_path_buf);
        Ok(settings)
    }

    /// Settings from JSON of the shape docs/settings.md documents: objects
    /// where it says objects, no unknown fields, a bare host name as the
    /// domain, token lifetimes within Auth0's bounds, an RFC 3339 `now`.
    pub fn from_json(value: Value) -> Result<Settings, String> {
        use crate::input::require_object;
        require_object(&value, "")?;
        if let Some(signing) = value.get("signing") {
            require_object(signing, "signing")?;
        }
        for list in ["clients", "apis"] {
            if let Some(items) = value.get(list).and_then(Value::as_array) {
                for (i, item) in items.iter().enumerate() {
                    require_object(item, &format!("{list}[{i}]"))?;
                }
            }
        }
        let settings: Settings = crate::input::from_value(value)?;
        settings.validate()?;
        Ok(settings)
    }

    /// What serde cannot say: the values' bounds.
    fn validate(&self) -> Result<(), String> {
        if let Some(domain) = &self.domain {
            check_domain(domain)?;
        }
        if let Some(now) = &self.now {
            parse_time(now).map_err(|e| format!("now: {e}"))?;
        }
        for (i, client) in self.clients.iter().enumerate() {
            check_lifetime(
                &format!("clients[{i}].id_token_lifetime"),
                client.id_token_lifetime,
            )?;
        }
        for (i, api) in self.apis.iter().enumerate() {
            check_lifetime(&format!("apis[{i}].token_lifetime"), api.token_lifetime)?;
        }
        Ok(())
    }

    /// The flow's clock: fixed when the settings say `now`.
    pub fn clock(&self) -> Result<Clock, Error> {
        match &self.now {
            None => Ok(Clock::System),
            Some(text) => parse_time(text)
                .map(Clock::Fixed)
                .map_err(|e| Error::invalid(format!("--now: {e}"))),
        }
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientSettings> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    pub fn api(&self, identifier: &str) -> Option<&ApiSettings> {
        self.apis.iter().find(|a| a.identifier == identifier)
    }

    /// Every value the settings hold that output must mask, with where it
    /// comes from: Rules configuration, Action secrets, client secrets, API
    /// signing secrets.
    pub fn masked_values(&self) -> Vec<(SecretSource, String)> {
        let mut values: Vec<(SecretSource, String)> = self
            .configuration
            .iter()
            .map(|(key, value)| {
                (
                    SecretSource::Configuration { key: key.clone() },
                    value.clone(),
                )
            })
            .collect();
        for (action, secrets) in &self.secrets {
            values.extend(secrets.iter().map(|(key, value)| {
                (
                    SecretSource::ActionSecret {
                        action: Some(action.clone()),
                        key: key.clone(),
                    },
                    value.clone(),
                )
            }));
        }
        values.extend(self.clients.iter().filter_map(|c| {
            let client = c.name.clone().unwrap_or_else(|| c.client_id.clone());
            c.client_secret
                .clone()
                .map(|value| (SecretSource::ClientSecret { client }, value))
        }));
        values.extend(self.apis.iter().filter_map(|a| {
            a.signing_secret.clone().map(|value| {
                (
                    SecretSource::ApiSigningSecret {
                        api: a.identifier.clone(),
                    },
                    value,
                )
            })
        }));
        values
    }
}

/// The longest token lifetime Auth0's dashboard accepts, for an API's
/// access tokens (30 days); actionbox bounds the ID token lifetime the same
/// way (docs/settings.md).
pub const MAX_TOKEN_LIFETIME: u64 = 2_592_000;

fn check_lifetime(field: &str, seconds: u64) -> Result<(), String> {
    if seconds == 0 || seconds > MAX_TOKEN_LIFETIME {
        return Err(format!(
            "{field}: {seconds} is not a token lifetime Auth0 accepts: from 1 to {MAX_TOKEN_LIFETIME} seconds (30 days)"
        ));
    }
    Ok(())
}

/// The tenant's domain is a host name: `acme.us.auth0.com`, not a URL.
fn check_domain(domain: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "domain: \"{domain}\" {why}: give the host name alone, e.g. acme.us.auth0.com (the issuer becomes https://DOMAIN/)"
        ))
    };
    if domain.trim().is_empty() {
        return bad("is empty");
    }
    if domain.contains("://") {
        return bad("is a URL");
    }
    if domain.contains(['/', '?', '#', '@', ' ']) {
        return bad("is not a host name");
    }
    match url::Host::parse(domain) {
        Ok(url::Host::Domain(_)) => Ok(()),
        Ok(_) => bad("is an IP address, not a domain"),
        Err(_) => bad("is not a host name"),
    }
}

/// An RFC 3339 time (`2026-11-26T09:15:00Z`, `2026-11-26T18:15:00+09:00`,
/// lowercase `t` and `z` too), as milliseconds since the epoch. A bare
/// number is refused: seconds or milliseconds would be a guess.
pub fn parse_time(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    if trimmed.parse::<f64>().is_ok() {
        return Err(format!(
            "'{text}' is a number; give an RFC 3339 time like 2026-11-26T09:15:00Z"
        ));
    }
    let time = time::OffsetDateTime::parse(trimmed, &time::format_description::well_known::Rfc3339)
        .map_err(|e| {
            format!("'{text}' is not an RFC 3339 time like 2026-11-26T09:15:00Z or 2026-11-26T04:15:00-05:00 ({e})")
        })?;
    let millis = time.unix_timestamp_nanos() / 1_000_000;
    if millis < 0 {
        return Err(format!("'{text}' is before 1970"));
    }
    Ok(millis as f64)
}
