//! The tenant's users as the store keeps them: a record per user with
//! the profile scripts see and what stays with the host (password hash,
//! connection, roles, permissions, login count).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The database connection Auth0 creates with every tenant.
pub const DEFAULT_DATABASE: &str = "Username-Password-Authentication";

/// Strategies of connections whose users type a password into the login
/// form (everything else gets a button).
const PASSWORD_STRATEGIES: &[&str] = &["auth0", "ad", "auth0-adldap"];

/// Whether users of a connection of `strategy` type a password.
pub fn is_password_strategy(strategy: &str) -> bool {
    PASSWORD_STRATEGIES.contains(&strategy)
}

/// A connection's strategy guessed from its name, as Auth0 names social
/// connections after their strategy (`google-oauth2`, `github`).
pub fn strategy_of(name: &str) -> String {
    if name == DEFAULT_DATABASE || name.contains("Username-Password") {
        "auth0".into()
    } else {
        name.to_string()
    }
}

/// Seconds since the epoch on the flow's clock type: serve always reads
/// the machine's, as Auth0 does (the settings' `now` is only noted).
pub fn now_secs() -> u64 {
    crate::clock::Clock::System.now_secs()
}

/// An RFC 3339 time with milliseconds, as Auth0 writes them.
pub fn iso_time(secs: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    humantime::format_rfc3339_millis(time).to_string()
}

/// The hash a stored user's password is compared with.
pub fn password_hash(user_id: &str, password: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{user_id}\u{0}{password}").as_bytes(),
    ))
}

/// Where a stored record keeps the logins of the identities linked into it
/// (by the secondary's user id): their connection, email, username and
/// password hash, which stay with the host as the primary's do.
pub const LINKED_LOGINS: &str = "linked_logins";

/// One way into a stored user: its own connection, or an identity linked
/// into it.
pub struct LoginRoute<'u> {
    /// The user id the password hash is salted with.
    pub user_id: &'u str,
    pub connection: &'u str,
    pub email: Option<&'u str>,
    pub username: Option<&'u str>,
    pub password_hash: Option<&'u str>,
}

/// Every way into `record`: its own login first, then each linked
/// identity's.
pub fn login_routes(record: &Value) -> impl Iterator<Item = LoginRoute<'_>> {
    fn text(value: Option<&Value>) -> Option<&str> {
        value.and_then(Value::as_str)
    }
    let profile = record.get("profile");
    let own = LoginRoute {
        user_id: text(profile.and_then(|p| p.get("user_id"))).unwrap_or(""),
        connection: text(record.get("connection")).unwrap_or(DEFAULT_DATABASE),
        email: text(profile.and_then(|p| p.get("email"))),
        username: text(profile.and_then(|p| p.get("username"))),
        password_hash: text(record.get("password_hash")),
    };
    let linked = record
        .get(LINKED_LOGINS)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(user_id, login)| {
            Some(LoginRoute {
                user_id,
                connection: text(login.get("connection"))?,
                email: text(login.get("email")),
                username: text(login.get("username")),
                password_hash: text(login.get("password_hash")),
            })
        });
    std::iter::once(own).chain(linked)
}

/// What an identity linked into another user keeps of its own record, for
/// logging in through it and for unlinking it.
pub fn linked_login(secondary: &Value) -> Value {
    let profile = secondary.get("profile");
    let field = |value: Option<&Value>| value.cloned().unwrap_or(Value::Null);
    json!({
        "connection": field(secondary.get("connection")),
        "email": field(profile.and_then(|p| p.get("email"))),
        "username": field(profile.and_then(|p| p.get("username"))),
        "password_hash": field(secondary.get("password_hash")),
    })
}

/// A user of `--users` (or a signup, or a social login) as the store keeps
/// it: `profile` is what Auth0 would have (and what scripts see);
/// `password_hash`, `connection`, `roles`, `permissions` and
/// `logins_count` stay with the host.
pub fn user_record(input: &Value, default_connection: &str, now: u64) -> Result<Value, String> {
    let object = input
        .as_object()
        .ok_or("a user is a JSON object (with email, password, connection, ...)")?;
    let connection = object
        .get("connection")
        .map(|c| c.as_str().ok_or("\"connection\" must be a string"))
        .transpose()?
        .unwrap_or(default_connection)
        .to_string();
    let email = object.get("email").and_then(Value::as_str);
    let username = object.get("username").and_then(Value::as_str);
    let login = email
        .or(username)
        .ok_or("a user needs an \"email\" or a \"username\" to log in with")?;
    let strategy = strategy_of(&connection);
    let user_id = match object.get("user_id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        Some(_) => return Err("\"user_id\" must be a non-empty string".into()),
        None => {
            let digest = Sha256::digest(format!("{connection}|{login}").as_bytes());
            let provider = if strategy == "auth0" {
                "auth0"
            } else {
                &strategy
            };
            format!("{provider}|{}", &hex::encode(digest)[..24])
        }
    };
    let mut profile = Map::new();
    for (key, value) in object {
        if !matches!(
            key.as_str(),
            "password" | "connection" | "roles" | "permissions"
        ) {
            profile.insert(key.clone(), value.clone());
        }
    }
    profile.insert("user_id".into(), json!(user_id));
    let created = iso_time(now);
    for (key, default) in [
        ("email_verified", json!(email.is_some())),
        ("name", json!(login)),
        ("nickname", json!(login.split('@').next().unwrap_or(login))),
        ("created_at", json!(created)),
        ("updated_at", json!(created)),
        ("app_metadata", json!({})),
        ("user_metadata", json!({})),
    ] {
        profile.entry(key).or_insert(default);
    }
    if !profile.contains_key("identities") {
        let (provider, id) = user_id
            .split_once('|')
            .map_or((strategy.as_str(), user_id.as_str()), |(p, i)| (p, i));
        profile.insert(
            "identities".into(),
            json!([{
                "connection": connection,
                "provider": provider,
                "user_id": id,
                "isSocial": !PASSWORD_STRATEGIES.contains(&strategy.as_str()),
            }]),
        );
    }
    for key in ["app_metadata", "user_metadata"] {
        if !profile.get(key).is_some_and(Value::is_object) {
            return Err(format!("\"{key}\" must be an object"));
        }
    }
    let password = object
        .get("password")
        .map(|p| p.as_str().ok_or("\"password\" must be a string"))
        .transpose()?;
    let list = |key: &str| -> Result<Value, String> {
        match object.get(key) {
            None => Ok(json!([])),
            Some(Value::Array(items)) => Ok(Value::Array(items.clone())),
            Some(_) => Err(format!("\"{key}\" must be an array")),
        }
    };
    Ok(json!({
        "profile": Value::Object(profile),
        "connection": connection,
        "password_hash": password.map(|p| password_hash(&user_id, p)),
        "roles": list("roles")?,
        "permissions": list("permissions")?,
        "logins_count": 0,
    }))
}

/// The role names a stored user holds.
pub fn role_names_of(record: &Value) -> Vec<String> {
    record
        .get("roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// A stored user's permissions on `api`, as RBAC grants them: its own
/// (a bare name counts on every API) and those its roles give.
pub fn permissions_on(
    record: &Value,
    settings: &crate::tenant::Settings,
    api: &str,
) -> Vec<String> {
    let mut permissions: Vec<String> = Vec::new();
    let direct = record
        .get("permissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| match p {
            Value::String(name) => Some(name.as_str()),
            Value::Object(o)
                if o.get("resource_server_identifier").and_then(Value::as_str) == Some(api) =>
            {
                o.get("permission_name").and_then(Value::as_str)
            }
            _ => None,
        })
        .map(str::to_string);
    let from_roles = settings.role_permissions(&role_names_of(record), api);
    for permission in direct.chain(from_roles) {
        if !permissions.contains(&permission) {
            permissions.push(permission);
        }
    }
    permissions
}
