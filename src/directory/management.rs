//! The tenant's own endpoints as scripts reach them: the Management API
//! (`https://{domain}/api/v2/...`: users, their metadata, roles and
//! permissions) and `https://{domain}/oauth/token` for client credentials,
//! answered from the same store `serve` logs users in from. `run` gets the
//! same endpoints over an emulated tenant in memory (the `--users`, the
//! user logging in), so the real `auth0` SDK, `fetch`, `axios` and
//! `request` calls work against both (docs/serve.md, "Management API").

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value, json};

use super::store::{Kind, MemoryStore, Store};
use super::users::{
    DEFAULT_DATABASE, LINKED_LOGINS, iso_time, linked_login, login_routes, now_secs, password_hash,
    role_names_of, user_record,
};
use crate::net::{HttpRequest, HttpResponse, TenantEndpoint, TenantHandle};
use crate::tenant::Settings;
use crate::token::Keys;

/// The scopes a Management API token gets, and which each endpoint needs.
pub const MANAGEMENT_SCOPES: &[&str] = &[
    "read:users",
    "update:users",
    "delete:users",
    "create:users",
    "read:roles",
    "create:role_members",
    "delete:role_members",
    "read:users_app_metadata",
    "update:users_app_metadata",
    "create:users_app_metadata",
];

/// How long a Management API token of the client-credentials grant lives
/// (Auth0's default for the Management API).
const MANAGEMENT_TOKEN_LIFETIME: u64 = 86_400;

/// Where the store's futures run: the runtime `serve` runs on (given when
/// it starts serving), else (a `run`, which has none) one made on first use.
#[derive(Default)]
struct Driver {
    serving: OnceLock<tokio::runtime::Handle>,
    own: OnceLock<Option<tokio::runtime::Runtime>>,
}

impl Driver {
    fn block_on<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        if let Some(handle) = self.serving.get() {
            return Some(handle.block_on(future));
        }
        self.own
            .get_or_init(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()
            })
            .as_ref()
            .map(|runtime| runtime.block_on(future))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Dropped on whatever thread lets go last, maybe an async one,
        // where a runtime may only be shut down in the background.
        if let Some(Some(runtime)) = self.own.take() {
            runtime.shutdown_background();
        }
    }
}

/// The Management API and token endpoint of one tenant, over a store.
pub struct TenantApi {
    domain: String,
    settings: Settings,
    /// The store; an emulated tenant's is filled on first use (most flows
    /// never call the Management API, and `--users` can be large).
    store: OnceLock<Arc<dyn Store>>,
    seed: Option<Seed>,
    driver: Driver,
    /// A run's fixed clock (seconds), else the real time.
    fixed_now: Option<u64>,
}

impl TenantApi {
    /// `serve`'s tenant: its store, on the runtime of the calling thread
    /// when there is one (else the one [`TenantApi::serve_on`] gives).
    pub fn for_store(domain: &str, settings: Settings, store: Arc<dyn Store>) -> TenantApi {
        let driver = Driver::default();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let _ = driver.serving.set(handle);
        }
        TenantApi {
            domain: domain.to_string(),
            settings,
            store: OnceLock::from(store),
            seed: None,
            driver,
            fixed_now: None,
        }
    }

    /// The emulated tenant of one `run`: the user logging in (with the
    /// event's roles) and the configured users, in memory for the flow.
    pub fn emulated(
        domain: &str,
        settings: Settings,
        event: Arc<Value>,
        users: Arc<Vec<Value>>,
        clock: crate::Clock,
    ) -> TenantApi {
        TenantApi {
            domain: domain.to_string(),
            settings,
            store: OnceLock::new(),
            seed: Some(Seed {
                event,
                users,
                now: clock.now_secs(),
            }),
            driver: Driver::default(),
            fixed_now: clock.fixed_ms().map(|ms| (ms / 1000.0) as u64),
        }
    }

    fn store(&self) -> &Arc<dyn Store> {
        self.store.get_or_init(|| {
            let store = MemoryStore::new();
            if let Some(seed) = &self.seed {
                seed.fill(&store);
            }
            Arc::new(store)
        })
    }

    pub fn handle(self) -> TenantHandle {
        TenantHandle(Some(Arc::new(self)))
    }

    /// Runs the store's futures on `handle` (the runtime `serve` serves
    /// on: a Redis connection lives there).
    pub fn serve_on(&self, handle: tokio::runtime::Handle) {
        let _ = self.driver.serving.set(handle);
    }

    fn now(&self) -> u64 {
        self.fixed_now.unwrap_or_else(now_secs)
    }

    fn issuer(&self) -> String {
        format!("https://{}/", self.domain)
    }

    fn management_audience(&self) -> String {
        format!("https://{}/api/v2/", self.domain)
    }

    async fn route(&self, request: &HttpRequest) -> Reply {
        let Ok(url) = url::Url::parse(&request.url) else {
            return Reply::error(400, "Bad Request", "The URL is not valid", None);
        };
        let method = request.method.to_ascii_uppercase();
        let path = url.path().trim_end_matches('/');
        let query: Map<String, Value> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        if path == "/oauth/token" {
            return match method.as_str() {
                "POST" => self.token(request),
                _ => Reply::error(404, "Not Found", "Not Found", None),
            };
        }
        let Some(rest) = path.strip_prefix("/api/v2") else {
            return Reply::error(
                404,
                "Not Found",
                "actionbox's local tenant answers scripts' requests to /oauth/token (client credentials) and the Management API (/api/v2/)",
                None,
            );
        };
        let scopes = match self.authorize(request) {
            Ok(scopes) => scopes,
            Err(reply) => return reply,
        };
        let segments: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
        let body = || parse_json_body(&request.body);
        let result = match (method.as_str(), parts.as_slice()) {
            ("GET", ["users"]) => need(&scopes, &["read:users"], || self.list_users(&query)).await,
            ("POST", ["users"]) => match body() {
                Ok(body) => need(&scopes, &["create:users"], || self.create_user(body)).await,
                Err(reply) => Err(reply),
            },
            ("GET", ["users", id]) => {
                need(&scopes, &["read:users"], || self.get_user(id, &query)).await
            }
            ("PATCH", ["users", id]) => match body() {
                Ok(body) => {
                    need(
                        &scopes,
                        &["update:users", "update:users_app_metadata"],
                        || self.update_user(id, body),
                    )
                    .await
                }
                Err(reply) => Err(reply),
            },
            ("DELETE", ["users", id]) => {
                need(&scopes, &["delete:users"], || self.delete_user(id)).await
            }
            ("GET", ["users-by-email"]) => {
                need(&scopes, &["read:users"], || self.users_by_email(&query)).await
            }
            ("GET", ["users", id, "roles"]) => {
                need(&scopes, &["read:users", "read:roles"], || {
                    self.user_roles(id, &query)
                })
                .await
            }
            ("POST", ["users", id, "roles"]) => match body() {
                Ok(body) => {
                    need(&scopes, &["create:role_members"], || {
                        self.change_roles(id, body, true)
                    })
                    .await
                }
                Err(reply) => Err(reply),
            },
            ("DELETE", ["users", id, "roles"]) => match body() {
                Ok(body) => {
                    need(&scopes, &["delete:role_members"], || {
                        self.change_roles(id, body, false)
                    })
                    .await
                }
                Err(reply) => Err(reply),
            },
            ("GET", ["users", id, "permissions"]) => {
                need(&scopes, &["read:users"], || {
                    self.user_permissions(id, &query)
                })
                .await
            }
            ("POST", ["users", id, "identities"]) => match body() {
                Ok(body) => need(&scopes, &["update:users"], || self.link(id, body)).await,
                Err(reply) => Err(reply),
            },
            ("DELETE", ["users", id, "identities", provider, user_id]) => {
                need(&scopes, &["update:users"], || {
                    self.unlink(id, provider, user_id)
                })
                .await
            }
            ("GET", ["roles"]) => need(&scopes, &["read:roles"], || self.roles(&query)).await,
            _ => Err(Reply::error(
                404,
                "Not Found",
                &format!(
                    "{method} /api/v2{rest} is not part of actionbox's Management API (users, users-by-email, a user's identities, roles and permissions, roles)"
                ),
                None,
            )),
        };
        result.unwrap_or_else(|reply| reply)
    }

    /// The scopes of the request's bearer token, or Auth0's 401.
    fn authorize(&self, request: &HttpRequest) -> Result<Vec<String>, Reply> {
        let header = request
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.trim().to_string());
        let Some(token) = header
            .as_deref()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(Reply::error(
                401,
                "Unauthorized",
                "Missing authentication",
                None,
            ));
        };
        let invalid = || Reply::error(401, "Unauthorized", "Invalid token", None);
        let mut keys = Keys::from_settings(&self.settings).map_err(|_| invalid())?;
        let jwks = keys.rsa().map_err(|_| invalid())?.jwks();
        let jwks: jsonwebtoken::jwk::JwkSet =
            serde_json::from_value(jwks).map_err(|_| invalid())?;
        let verified =
            crate::token::sign::verify(token, Some(&jwks), None).map_err(|_| invalid())?;
        if verified.problem.is_some() {
            return Err(invalid());
        }
        let payload = verified.payload;
        let audience = self.management_audience();
        let for_us = match payload.get("aud") {
            Some(Value::String(aud)) => *aud == audience,
            Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(&audience)),
            _ => false,
        };
        if !for_us {
            return Err(Reply::error(401, "Unauthorized", "Bad audience", None));
        }
        if payload
            .get("exp")
            .and_then(Value::as_u64)
            .is_none_or(|exp| exp <= self.now())
        {
            return Err(Reply::error(
                401,
                "Unauthorized",
                "Expired token received for JSON Web Token validation",
                None,
            ));
        }
        Ok(payload
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect())
    }

    // ---- /oauth/token -----------------------------------------------------

    /// The client-credentials grant for scripts: a Management API token
    /// (or a token for an API of the settings), signed with the tenant's
    /// key. The credentials-exchange Actions do not run for it.
    fn token(&self, request: &HttpRequest) -> Reply {
        let params = match token_params(request) {
            Ok(params) => params,
            Err(why) => return Reply::oauth(400, "invalid_request", &why),
        };
        let get = |key: &str| {
            params
                .get(key)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
        };
        match get("grant_type") {
            Some("client_credentials") => {}
            Some(other) => {
                return Reply::oauth(
                    400,
                    "unsupported_grant_type",
                    &format!(
                        "Unsupported grant type: {other} (actionbox answers scripts' client-credentials requests to the tenant's domain)"
                    ),
                );
            }
            None => {
                return Reply::oauth(
                    400,
                    "invalid_request",
                    "Missing required parameter: grant_type",
                );
            }
        }
        let Some(client_id) = get("client_id") else {
            return Reply::oauth(401, "access_denied", "Unauthorized");
        };
        // A client the settings describe must present its secret, and a
        // public one (no secret) gets no client credentials; another is a
        // machine-to-machine application whose credentials the scripts'
        // secrets hold and the export does not.
        if let Some(client) = self.settings.client(client_id) {
            if client.is_public() {
                return Reply::oauth(
                    403,
                    "unauthorized_client",
                    "Grant type 'client_credentials' not allowed for the client.",
                );
            }
            if client.client_secret.as_deref() != get("client_secret") {
                return Reply::oauth(401, "access_denied", "Unauthorized");
            }
        }
        let Some(audience) = get("audience") else {
            return Reply::oauth(
                403,
                "access_denied",
                "No audience parameter was provided, and no default audience has been configured",
            );
        };
        let management = self.management_audience();
        let audience_key = audience.trim_end_matches('/');
        let (defined, lifetime) = if audience_key == management.trim_end_matches('/') {
            (
                MANAGEMENT_SCOPES
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
                MANAGEMENT_TOKEN_LIFETIME,
            )
        } else if let Some(api) = self.settings.api(audience) {
            (api.scopes.clone().unwrap_or_default(), api.token_lifetime)
        } else {
            return Reply::oauth(
                403,
                "access_denied",
                &format!("Service not found: {audience}"),
            );
        };
        let scopes: Vec<String> = match get("scope") {
            Some(asked) => asked
                .split_whitespace()
                .filter(|s| defined.iter().any(|d| d == s))
                .map(str::to_string)
                .collect(),
            None => defined,
        };
        let now = self.now();
        let aud = if audience_key == management.trim_end_matches('/') {
            management.clone()
        } else {
            audience.to_string()
        };
        let payload = json!({
            "iss": self.issuer(),
            "sub": format!("{client_id}@clients"),
            "aud": aud,
            "iat": now,
            "exp": now + lifetime,
            "scope": scopes.join(" "),
            "gty": "client-credentials",
            "azp": client_id,
        });
        let signed = Keys::from_settings(&self.settings)
            .map_err(|e| e.to_string())
            .and_then(|mut keys| {
                let alg = keys.tenant_alg();
                keys.sign(alg, "JWT", &payload, None)
                    .map_err(|e| e.to_string())
            });
        match signed {
            Ok((_, token)) => Reply::json(
                200,
                json!({
                    "access_token": token,
                    "scope": scopes.join(" "),
                    "expires_in": lifetime,
                    "token_type": "Bearer",
                }),
            ),
            Err(why) => Reply::oauth(500, "server_error", &why),
        }
    }

    // ---- users ------------------------------------------------------------

    async fn record(&self, id: &str) -> Result<Value, Reply> {
        self.store()
            .get(Kind::User, id)
            .await
            .map_err(store_failure)?
            .ok_or_else(user_not_found)
    }

    async fn get_user(&self, id: &str, query: &Map<String, Value>) -> Result<Reply, Reply> {
        let record = self.record(id).await?;
        Ok(Reply::json(200, fields(public_user(&record), query)))
    }

    async fn update_user(&self, id: &str, body: Value) -> Result<Reply, Reply> {
        let Value::Object(body) = body else {
            return Err(bad_request(
                "Payload validation error: 'Expected type object but found type array'.",
            ));
        };
        let now = iso_time(self.now());
        // Applied to the stored user in one step (a login on another
        // server may be writing it too); a refused body writes nothing.
        let mut refused = None;
        let mut apply = |record: Option<Value>| {
            let mut record = record?;
            match patch_user(&mut record, id, &body) {
                Ok(()) => {
                    record["profile"]["updated_at"] = json!(now);
                    Some(record)
                }
                Err(reply) => {
                    refused = Some(reply);
                    None
                }
            }
        };
        let written = self
            .store()
            .update(Kind::User, id, &mut apply)
            .await
            .map_err(store_failure)?;
        if let Some(reply) = refused {
            return Err(reply);
        }
        let record = written.ok_or_else(user_not_found)?;
        Ok(Reply::json(200, public_user(&record)))
    }

    async fn delete_user(&self, id: &str) -> Result<Reply, Reply> {
        // Auth0 answers 204 for an id that does not exist too.
        self.store()
            .delete(Kind::User, id)
            .await
            .map_err(store_failure)?;
        Ok(Reply::empty(204))
    }

    async fn create_user(&self, body: Value) -> Result<Reply, Reply> {
        let Value::Object(mut body) = body else {
            return Err(bad_request(
                "Payload validation error: 'Expected type object'.",
            ));
        };
        let Some(connection) = body
            .remove("connection")
            .and_then(|c| c.as_str().map(str::to_string))
        else {
            return Err(bad_request(
                "Payload validation error: 'Missing required property: connection'.",
            ));
        };
        let users = self.all_users().await?;
        let email = body
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        // Every login counts, an identity linked into another user's too:
        // its database user still exists in the connection.
        if let Some(email) = &email
            && users.iter().any(|u| {
                login_routes(u).any(|route| {
                    route.connection == connection
                        && route.email.is_some_and(|e| e.to_lowercase() == *email)
                })
            })
        {
            return Err(Reply::error(
                409,
                "Conflict",
                "The user already exists.",
                Some("auth0_idp_error"),
            ));
        }
        let id = match body
            .remove("user_id")
            .and_then(|v| v.as_str().map(str::to_string))
        {
            Some(id) => id,
            None => hex::encode(rand::random::<[u8; 12]>()),
        };
        body.insert("user_id".into(), json!(format!("auth0|{id}")));
        body.insert("connection".into(), json!(connection));
        let record = user_record(&Value::Object(body), &connection, self.now())
            .map_err(|why| bad_request(&format!("Payload validation error: {why}")))?;
        let user_id = record
            .pointer("/profile/user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let taken = users
            .iter()
            .any(|u| login_routes(u).any(|route| route.user_id == user_id));
        if taken || !self.create(&user_id, &record).await? {
            return Err(Reply::error(
                409,
                "Conflict",
                "The user already exists.",
                Some("auth0_idp_error"),
            ));
        }
        Ok(Reply::json(201, public_user(&record)))
    }

    /// Stores a new user under `id` unless one is there: whether it did.
    async fn create(&self, id: &str, record: &Value) -> Result<bool, Reply> {
        let mut created = false;
        self.store()
            .update(Kind::User, id, &mut |current| {
                created = current.is_none();
                created.then(|| record.clone())
            })
            .await
            .map_err(store_failure)?;
        Ok(created)
    }

    /// Links the user `body` names into `id`: its identities join the
    /// primary's (each with the secondary's `profileData`) and the
    /// secondary user is gone, as Auth0's account linking does.
    async fn link(&self, id: &str, body: Value) -> Result<Reply, Reply> {
        if body.get("link_with").is_some() {
            return Err(bad_request(
                "linking with link_with (an ID token) is not supported by actionbox's tenant: pass provider and user_id",
            ));
        }
        let field = |name: &str| match body.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let Some(provider) = field("provider") else {
            return Err(bad_request(
                "Payload validation error: 'Missing required property: provider'.",
            ));
        };
        let Some(user_id) = field("user_id") else {
            return Err(bad_request(
                "Payload validation error: 'Missing required property: user_id'.",
            ));
        };
        // `user_id` is the provider's id; one holding a `|` may also be the
        // whole user id.
        let mut secondary = None;
        for candidate in [format!("{provider}|{user_id}"), user_id] {
            if self
                .store()
                .get(Kind::User, &candidate)
                .await
                .map_err(store_failure)?
                .is_some()
            {
                secondary = Some(candidate);
                break;
            }
        }
        let Some(secondary_id) = secondary else {
            return Err(bad_request("The user to link does not exist."));
        };
        if secondary_id == id {
            return Err(bad_request("Main identity and the new one are the same."));
        }
        // Both users in one step (a login may be writing either): the
        // secondary's identities and logins join the primary, and the
        // secondary is gone.
        let mut both = |[primary, secondary]: [Option<Value>; 2]| {
            let (mut primary, secondary) = (primary?, secondary?);
            linked_into(&mut primary, &secondary_id, &secondary)?;
            Some([Some(primary), None])
        };
        let written = self
            .store()
            .update_both(Kind::User, [id, &secondary_id], &mut both)
            .await
            .map_err(store_failure)?;
        let Some([Some(primary), _]) = written else {
            // Nothing written: one of them is gone (or was never there).
            self.record(id).await?;
            return Err(bad_request("The user to link does not exist."));
        };
        Ok(Reply::json(201, identities_of(&primary)))
    }

    /// Unlinks an identity from `id`: it becomes a user of its own again.
    /// The main identity stays; an identity the user does not have changes
    /// nothing.
    async fn unlink(&self, id: &str, provider: &str, user_id: &str) -> Result<Reply, Reply> {
        let now = self.now();
        // The key the identity's login is kept under, as the primary
        // stands now: checked again inside the step, which starts over
        // with the key a concurrent link used instead.
        let mut secondary_id = linked_key(&self.record(id).await?, provider, user_id);
        for _ in 0..UNLINK_ATTEMPTS {
            if secondary_id == id {
                // The main identity stays.
                return Ok(Reply::json(200, identities_of(&self.record(id).await?)));
            }
            let mut moved_to = None;
            let mut failure = None;
            let mut kept_existing = false;
            // The identity leaves the primary and becomes a user of its
            // own, in one step; a user of that id created since (which
            // create_user refuses) is kept as it is.
            let mut both = |[primary, existing]: [Option<Value>; 2]| {
                (moved_to, failure, kept_existing) = (None, None, false);
                let mut primary = primary?;
                let key = linked_key(&primary, provider, user_id);
                if key != secondary_id {
                    moved_to = Some(key);
                    return None;
                }
                match unlinked_from(&mut primary, provider, user_id, &secondary_id, now) {
                    Ok(Some(restored)) => {
                        kept_existing = existing.is_some();
                        Some([Some(primary), Some(existing.unwrap_or(restored))])
                    }
                    Ok(None) => None,
                    Err(why) => {
                        failure = Some(why);
                        None
                    }
                }
            };
            let written = self
                .store()
                .update_both(Kind::User, [id, &secondary_id], &mut both)
                .await
                .map_err(store_failure)?;
            if let Some(why) = failure {
                return Err(bad_request(&why));
            }
            if let Some(key) = moved_to {
                secondary_id = key;
                continue;
            }
            if kept_existing {
                tracing::warn!(target: "actionbox::serve", "unlinked {secondary_id}: a user of that id exists; kept it");
            }
            let primary = match written {
                Some([Some(primary), _]) => primary,
                // Nothing written: no such user, or no such identity.
                _ => self.record(id).await?,
            };
            return Ok(Reply::json(200, identities_of(&primary)));
        }
        Err(store_failure(super::store::StoreError(format!(
            "unlinking {provider}|{user_id} from {id}: its login kept moving"
        ))))
    }

    async fn all_users(&self) -> Result<Vec<Value>, Reply> {
        self.store().list(Kind::User).await.map_err(store_failure)
    }

    async fn list_users(&self, query: &Map<String, Value>) -> Result<Reply, Reply> {
        let q = query.get("q").and_then(Value::as_str).unwrap_or_default();
        let connection = query.get("connection").and_then(Value::as_str);
        let mut found = Vec::new();
        for record in self.all_users().await? {
            let user = public_user(&record);
            let in_connection = connection
                .is_none_or(|c| record.get("connection").and_then(Value::as_str) == Some(c));
            if in_connection && matches_query(&user, q).map_err(|why| bad_request(&why))? {
                found.push(fields(user, query));
            }
        }
        Ok(Reply::json(200, page(found, query, "users")))
    }

    async fn users_by_email(&self, query: &Map<String, Value>) -> Result<Reply, Reply> {
        let Some(email) = query
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
        else {
            return Err(bad_request(
                "Query validation error: 'String is too short (0 chars), minimum 1' on property email.",
            ));
        };
        let wanted = email.to_lowercase();
        let found: Vec<Value> = self
            .all_users()
            .await?
            .iter()
            .map(public_user)
            .filter(|u| {
                u.get("email")
                    .and_then(Value::as_str)
                    .is_some_and(|e| e.to_lowercase() == wanted)
            })
            .map(|u| fields(u, query))
            .collect();
        Ok(Reply::json(200, Value::Array(found)))
    }

    // ---- roles and permissions -------------------------------------------

    /// Every role a user of the tenant has, by name.
    /// The tenant's roles: those the settings define, and any a user holds.
    async fn role_names(&self) -> Result<Vec<String>, Reply> {
        let mut names: Vec<String> = self
            .all_users()
            .await?
            .iter()
            .flat_map(role_names_of)
            .chain(self.settings.roles.iter().map(|r| r.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn roles(&self, query: &Map<String, Value>) -> Result<Reply, Reply> {
        let filter = query
            .get("name_filter")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let roles: Vec<Value> = self
            .role_names()
            .await?
            .iter()
            .filter(|name| {
                filter
                    .as_ref()
                    .is_none_or(|f| name.to_lowercase().contains(f.as_str()))
            })
            .map(|name| role(&self.settings, name))
            .collect();
        Ok(Reply::json(200, page(roles, query, "roles")))
    }

    async fn user_roles(&self, id: &str, query: &Map<String, Value>) -> Result<Reply, Reply> {
        let record = self.record(id).await?;
        let roles: Vec<Value> = role_names_of(&record)
            .iter()
            .map(|n| role(&self.settings, n))
            .collect();
        Ok(Reply::json(200, page(roles, query, "roles")))
    }

    async fn change_roles(&self, id: &str, body: Value, assign: bool) -> Result<Reply, Reply> {
        let Some(ids) = body.get("roles").and_then(Value::as_array) else {
            return Err(bad_request(
                "Payload validation error: 'Missing required property: roles'.",
            ));
        };
        let ids: Vec<String> = ids
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let known = self.role_names().await?;
        // The role ids, as names; an unknown one is refused before any write.
        let mut named = Vec::new();
        for role_id in &ids {
            match known.iter().find(|n| role_id_of(n) == *role_id) {
                Some(name) => named.push(name.clone()),
                None if assign => {
                    return Err(Reply::error(
                        404,
                        "Not Found",
                        "One or more of the roles do not exist.",
                        Some("inexistent_role"),
                    ));
                }
                None => {}
            }
        }
        // In one step on the stored user (a login may be writing it too).
        let mut apply = |record: Option<Value>| {
            let mut record = record?;
            let mut names = role_names_of(&record);
            for name in &named {
                if assign && !names.contains(name) {
                    names.push(name.clone());
                } else if !assign {
                    names.retain(|n| n != name);
                }
            }
            record["roles"] = json!(names);
            Some(record)
        };
        self.store()
            .update(Kind::User, id, &mut apply)
            .await
            .map_err(store_failure)?
            .ok_or_else(user_not_found)?;
        Ok(Reply::empty(204))
    }

    async fn user_permissions(&self, id: &str, query: &Map<String, Value>) -> Result<Reply, Reply> {
        let record = self.record(id).await?;
        let apis: Vec<&str> = self
            .settings
            .apis
            .iter()
            .map(|a| a.identifier.as_str())
            .collect();
        let mut permissions = Vec::new();
        for permission in record
            .get("permissions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match permission {
                // A bare name is the user's permission on every API.
                Value::String(name) => {
                    for api in &apis {
                        permissions.push(json!({
                            "permission_name": name,
                            "resource_server_identifier": api,
                            "description": "",
                            "resource_server_name": api,
                            "sources": [{ "source_id": "", "source_name": "", "source_type": "DIRECT" }],
                        }));
                    }
                }
                Value::Object(object) => {
                    let mut entry = object.clone();
                    entry.entry("description").or_insert(json!(""));
                    entry.entry("sources").or_insert(
                        json!([{ "source_id": "", "source_name": "", "source_type": "DIRECT" }]),
                    );
                    permissions.push(Value::Object(entry));
                }
                _ => {}
            }
        }
        // And what the user's roles grant, from the roles' definitions.
        for name in role_names_of(&record) {
            let Some(role) = self.settings.role(&name) else {
                continue;
            };
            for permission in &role.permissions {
                permissions.push(json!({
                    "permission_name": permission.permission_name,
                    "resource_server_identifier": permission.resource_server_identifier,
                    "description": "",
                    "resource_server_name": permission.resource_server_identifier,
                    "sources": [{ "source_id": role_id_of(&name), "source_name": name, "source_type": "ROLE" }],
                }));
            }
        }
        Ok(Reply::json(200, page(permissions, query, "permissions")))
    }
}

impl TenantEndpoint for TenantApi {
    fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let reply = self
            .driver
            .block_on(self.route(request))
            .unwrap_or_else(|| {
                Reply::error(
                    500,
                    "Internal Server Error",
                    "actionbox could not start the local tenant's runtime",
                    None,
                )
            });
        reply.into_response(&request.url)
    }
}

/// What an emulated tenant starts with.
struct Seed {
    event: Arc<Value>,
    users: Arc<Vec<Value>>,
    now: u64,
}

impl Seed {
    fn fill(&self, store: &MemoryStore) {
        let mut records = Vec::new();
        if let Some(user) = self.event.get("user").filter(|u| u.is_object()) {
            let mut user = user.clone();
            if let Some(roles) = self.event.pointer("/authorization/roles") {
                user["roles"] = roles.clone();
            }
            let connection = self
                .event
                .pointer("/connection/name")
                .and_then(Value::as_str)
                .unwrap_or(DEFAULT_DATABASE);
            records.extend(user_record(&user, connection, self.now).ok());
        }
        for user in self.users.iter() {
            records.extend(user_record(user, DEFAULT_DATABASE, self.now).ok());
        }
        for record in records {
            if let Some(id) = record.pointer("/profile/user_id").and_then(Value::as_str) {
                store.insert(Kind::User, id, record.clone());
            }
        }
    }
}

/// What an endpoint answers: a status and a JSON body (none for 204).
#[derive(Debug)]
struct Reply {
    status: u16,
    body: Option<Value>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
        }
    }

    fn empty(status: u16) -> Reply {
        Reply { status, body: None }
    }

    /// The Management API's error shape.
    fn error(status: u16, error: &str, message: &str, code: Option<&str>) -> Reply {
        let mut body = json!({ "statusCode": status, "error": error, "message": message });
        if let Some(code) = code {
            body["errorCode"] = json!(code);
        }
        Reply::json(status, body)
    }

    /// The token endpoint's error shape.
    fn oauth(status: u16, error: &str, description: &str) -> Reply {
        Reply::json(
            status,
            json!({ "error": error, "error_description": description }),
        )
    }

    fn into_response(self, url: &str) -> HttpResponse {
        let mut headers = Vec::new();
        let body = match self.body {
            Some(body) => {
                headers.push((
                    "content-type".to_string(),
                    "application/json; charset=utf-8".to_string(),
                ));
                body.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        headers.push(("content-length".into(), body.len().to_string()));
        HttpResponse {
            status: self.status,
            status_text: crate::net::reason(self.status).to_string(),
            headers,
            body,
            url: url.to_string(),
        }
    }
}

async fn need<F, Fut>(scopes: &[String], any_of: &[&str], run: F) -> Result<Reply, Reply>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Reply, Reply>>,
{
    if !any_of.iter().any(|s| scopes.iter().any(|have| have == s)) {
        return Err(Reply::error(
            403,
            "Forbidden",
            &format!("Insufficient scope, expected any of: {}", any_of.join(",")),
            Some("insufficient_scope"),
        ));
    }
    run().await
}

fn bad_request(message: &str) -> Reply {
    Reply::error(400, "Bad Request", message, Some("invalid_body"))
}

fn user_not_found() -> Reply {
    Reply::error(
        404,
        "Not Found",
        "The user does not exist.",
        Some("inexistent_user"),
    )
}

fn store_failure(e: super::store::StoreError) -> Reply {
    Reply::error(503, "Service Unavailable", &e.to_string(), None)
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| segment.to_string())
}

fn parse_json_body(body: &[u8]) -> Result<Value, Reply> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body)
        .map_err(|e| bad_request(&format!("Payload validation error: 'Invalid JSON ({e})'.")))
}

/// A token request's parameters: a form or JSON body, plus the client's
/// credentials from HTTP Basic authentication.
fn token_params(request: &HttpRequest) -> Result<Map<String, Value>, String> {
    let json = request.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && v.trim_start().starts_with("application/json")
    });
    let mut params = if json {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(object)) => object,
            _ => return Err("The request body must be a JSON object".into()),
        }
    } else {
        url::form_urlencoded::parse(&request.body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    };
    if let Some((_, value)) = request
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        && let Some(encoded) = value.trim().strip_prefix("Basic ")
    {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or("The Authorization header is not valid Basic credentials")?;
        if let Some((id, secret)) = decoded.split_once(':') {
            params.insert("client_id".into(), json!(percent_decode(id)));
            params.insert("client_secret".into(), json!(percent_decode(secret)));
        }
    }
    Ok(params)
}

/// Whether `identity` is the provider's `user_id` (a number or a string).
fn is_identity(identity: &Value, provider: &str, user_id: &str) -> bool {
    let same_id = match identity.get("user_id") {
        Some(Value::String(s)) => s == user_id,
        Some(Value::Number(n)) => n.as_u64().is_some() && n.as_u64() == user_id.parse().ok(),
        _ => false,
    };
    same_id && identity.get("provider").and_then(Value::as_str) == Some(provider)
}

/// A PATCH of the Management API on a stored user: metadata merges at the
/// top level (null deletes a key), `password` sets it, read-only
/// attributes are refused, the others are replaced.
fn patch_user(record: &mut Value, id: &str, body: &Map<String, Value>) -> Result<(), Reply> {
    for (key, value) in body {
        match key.as_str() {
            "user_id" | "identities" | "created_at" | "updated_at" | "last_login"
            | "logins_count" | "last_ip" => {
                return Err(bad_request(&format!(
                    "Payload validation error: 'Additional properties not allowed: {key}'."
                )));
            }
            "app_metadata" | "user_metadata" => {
                let Value::Object(patch) = value else {
                    return Err(bad_request(&format!(
                        "Payload validation error: 'Expected type object but found type {}' on property {key}.",
                        crate::input::json_type(value)
                    )));
                };
                let target = &mut record["profile"][key.as_str()];
                if !target.is_object() {
                    *target = json!({});
                }
                // The PATCH merges the top-level keys; null deletes one.
                if let Some(target) = target.as_object_mut() {
                    for (name, v) in patch {
                        if v.is_null() {
                            target.remove(name);
                        } else {
                            target.insert(name.clone(), v.clone());
                        }
                    }
                }
            }
            "password" => {
                let Some(password) = value.as_str() else {
                    return Err(bad_request(
                        "Payload validation error: 'Expected type string' on property password.",
                    ));
                };
                record["password_hash"] = json!(password_hash(id, password));
            }
            "connection" | "client_id" => {}
            _ => {
                record["profile"][key.as_str()] = value.clone();
            }
        }
    }
    Ok(())
}

/// A user's identities, as link and unlink answer.
fn identities_of(record: &Value) -> Value {
    record
        .pointer("/profile/identities")
        .cloned()
        .unwrap_or_else(|| json!([]))
}

/// Links `secondary` (stored under `secondary_id`) into `primary`: its
/// identities join the primary's, each with the secondary's `profileData`,
/// and its logins (its own, and any linked into it) now reach the primary.
fn linked_into(primary: &mut Value, secondary_id: &str, secondary: &Value) -> Option<()> {
    let profile = secondary.get("profile").cloned().unwrap_or_default();
    let mut profile_data = Map::new();
    for key in [
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
        "picture",
    ] {
        if let Some(value) = profile.get(key) {
            profile_data.insert(key.into(), value.clone());
        }
    }
    let linked = profile
        .get("identities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut identity| {
            identity["profileData"] = Value::Object(profile_data.clone());
            identity
        });
    let mut logins = secondary
        .get(LINKED_LOGINS)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    logins.insert(secondary_id.to_string(), linked_login(secondary));
    primary
        .pointer_mut("/profile/identities")?
        .as_array_mut()?
        .extend(linked);
    primary
        .as_object_mut()?
        .entry(LINKED_LOGINS)
        .or_insert_with(|| json!({}))
        .as_object_mut()?
        .extend(logins);
    Some(())
}

/// The key `link` kept the login of the identity `provider`/`user_id`
/// under in `primary`: `provider|user_id`, or the bare id a user of
/// --users may have.
fn linked_key(primary: &Value, provider: &str, user_id: &str) -> String {
    let qualified = format!("{provider}|{user_id}");
    let logins = primary.get(LINKED_LOGINS).and_then(Value::as_object);
    if logins.is_some_and(|l| !l.contains_key(&qualified) && l.contains_key(user_id)) {
        user_id.to_string()
    } else {
        qualified
    }
}

/// How often unlink starts over when a concurrent link moved the login it
/// takes out.
const UNLINK_ATTEMPTS: usize = 8;

/// Takes the identity `provider`/`user_id` (never the main one) out of
/// `primary`, with its login kept under `secondary_id`: the user it becomes
/// again, with its own username and password back. `None` when the
/// primary has no such identity; an error when that user cannot be made.
fn unlinked_from(
    primary: &mut Value,
    provider: &str,
    user_id: &str,
    secondary_id: &str,
    now: u64,
) -> Result<Option<Value>, String> {
    let Some(identities) = primary
        .pointer_mut("/profile/identities")
        .and_then(Value::as_array_mut)
    else {
        return Ok(None);
    };
    let Some(at) = identities
        .iter()
        .enumerate()
        .skip(1)
        .find_map(|(at, identity)| is_identity(identity, provider, user_id).then_some(at))
    else {
        return Ok(None);
    };
    let mut identity = identities.remove(at);
    let login = primary
        .get_mut(LINKED_LOGINS)
        .and_then(Value::as_object_mut)
        .and_then(|logins| logins.remove(secondary_id));
    let profile_data = identity
        .as_object_mut()
        .and_then(|i| i.remove("profileData"))
        .unwrap_or_else(|| json!({}));
    let connection = identity
        .get("connection")
        .and_then(Value::as_str)
        .unwrap_or(provider)
        .to_string();
    let mut input = profile_data.as_object().cloned().unwrap_or_default();
    input.insert("user_id".into(), json!(secondary_id));
    input.insert("identities".into(), json!([identity]));
    let username = login
        .as_ref()
        .and_then(|l| l.get("username"))
        .filter(|u| u.is_string());
    match username {
        Some(username) => {
            input.insert("username".into(), username.clone());
        }
        None if !input.contains_key("email") => {
            input.insert("username".into(), json!(secondary_id));
        }
        None => {}
    }
    let mut record = user_record(&Value::Object(input), &connection, now)?;
    // Its password (salted with its own user id) works again.
    if let Some(hash) = login
        .as_ref()
        .and_then(|l| l.get("password_hash"))
        .filter(|h| h.is_string())
    {
        record["password_hash"] = hash.clone();
    }
    Ok(Some(record))
}

/// A user as the Management API returns it: the profile, with the login
/// count and the roles' and password's host-side fields left out.
fn public_user(record: &Value) -> Value {
    let mut user = record.get("profile").cloned().unwrap_or_else(|| json!({}));
    if let Some(count) = record.get("logins_count") {
        user["logins_count"] = count.clone();
    }
    user
}

/// `fields` and `include_fields` of a read.
fn fields(user: Value, query: &Map<String, Value>) -> Value {
    let Some(list) = query
        .get("fields")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
    else {
        return user;
    };
    let include = query.get("include_fields").and_then(Value::as_str) != Some("false");
    let names: Vec<&str> = list.split(',').map(str::trim).collect();
    let Value::Object(object) = user else {
        return user;
    };
    Value::Object(
        object
            .into_iter()
            .filter(|(k, _)| names.contains(&k.as_str()) == include)
            .collect(),
    )
}

/// A list the way the Management API pages it: `page` (from 0),
/// `per_page` (default 50), and with `include_totals=true` an object with
/// `start`, `limit`, `length`, `total` and the items under `key`.
fn page(items: Vec<Value>, query: &Map<String, Value>, key: &str) -> Value {
    let number = |name: &str, default: usize| {
        query
            .get(name)
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let per_page = number("per_page", 50).max(1);
    let page = number("page", 0);
    let total = items.len();
    let slice: Vec<Value> = items
        .into_iter()
        .skip(page * per_page)
        .take(per_page)
        .collect();
    if query.get("include_totals").and_then(Value::as_str) == Some("true") {
        let mut body = json!({ "start": page * per_page, "limit": per_page, "length": slice.len(), "total": total });
        body[key] = Value::Array(slice);
        body
    } else {
        Value::Array(slice)
    }
}

/// A role's id: stable, derived from its name (`rol_` as Auth0's ids).
pub fn role_id_of(name: &str) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("rol_{slug}")
}

fn role(settings: &Settings, name: &str) -> Value {
    let description = settings.role(name).map_or("", |r| r.description.as_str());
    json!({ "id": role_id_of(name), "name": name, "description": description })
}

/// The user search syntax scripts use (a subset of Auth0's Lucene query
/// syntax): `field:value` terms joined by `AND`, values quoted or not, a
/// trailing `*`, dotted fields (`app_metadata.plan`). Anything else is an
/// error saying so.
pub fn matches_query(user: &Value, q: &str) -> Result<bool, String> {
    let q = q.trim();
    if q.is_empty() || q == "*" {
        return Ok(true);
    }
    for term in q.split(" AND ") {
        let term = term.trim();
        let unsupported = term.starts_with("NOT ")
            || term.contains(" OR ")
            || term.contains(" NOT ")
            || term.contains('(')
            || term.contains(')');
        let Some((field, value)) = term.split_once(':').filter(|(f, _)| !f.is_empty()) else {
            return Err(format!(
                "the user search query '{q}' is not supported by actionbox's Management API (it understands field:value terms joined by AND)"
            ));
        };
        if unsupported {
            return Err(format!(
                "the user search query '{q}' is not supported by actionbox's Management API (it understands field:value terms joined by AND)"
            ));
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let path: Vec<&str> = field.split('.').collect();
        let candidates = values_at(user, &path);
        let wanted = value.to_lowercase();
        let hit = candidates.iter().any(|candidate| {
            let text = match candidate {
                Value::String(s) => s.to_lowercase(),
                other => other.to_string().to_lowercase(),
            };
            match wanted.strip_suffix('*') {
                Some(prefix) => text.starts_with(prefix),
                None => text == wanted,
            }
        });
        if !hit {
            return Ok(false);
        }
    }
    Ok(true)
}

fn values_at<'v>(value: &'v Value, path: &[&str]) -> Vec<&'v Value> {
    match (value, path.split_first()) {
        (Value::Null, _) => Vec::new(),
        (Value::Array(items), _) => items.iter().flat_map(|i| values_at(i, path)).collect(),
        (_, None) => vec![value],
        (Value::Object(object), Some((first, rest))) => object
            .get(*first)
            .map(|v| values_at(v, rest))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_subset_matches_dotted_fields_prefixes_and_refuses_the_rest() {
        let user = json!({"email": "Ana@Example.com", "app_metadata": {"plan": "gold"},
            "identities": [{"connection": "github"}]});
        assert_eq!(matches_query(&user, "email:\"ana@example.com\""), Ok(true));
        assert_eq!(
            matches_query(&user, "app_metadata.plan:gold AND email:ana*"),
            Ok(true)
        );
        assert_eq!(
            matches_query(&user, "identities.connection:github"),
            Ok(true)
        );
        assert_eq!(matches_query(&user, "app_metadata.plan:silver"), Ok(false));
        assert!(matches_query(&user, "email:a OR email:b").is_err());
        assert!(matches_query(&user, "(email:a)").is_err());
    }

    /// A tenant of two database users on a memory store: Ana (the primary)
    /// and Dee.
    fn two_users() -> (TenantApi, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::new());
        let api = TenantApi::for_store("acme.test", Settings::default(), store.clone());
        for (id, email) in [
            ("auth0|ana", "ana@acme.example"),
            ("auth0|dee", "dee@acme.example"),
        ] {
            let record = user_record(
                &json!({ "user_id": id, "email": email, "password": "pw" }),
                DEFAULT_DATABASE,
                0,
            )
            .expect("user");
            store.insert(Kind::User, id, record);
        }
        (api, store)
    }

    #[tokio::test]
    async fn linking_a_missing_user_is_400_and_into_a_missing_primary_404() {
        let (api, _) = two_users();
        let missing = api
            .link(
                "auth0|ana",
                json!({ "provider": "auth0", "user_id": "nobody" }),
            )
            .await
            .expect_err("no such secondary");
        assert_eq!(missing.status, 400);
        let no_primary = api
            .link(
                "auth0|nobody",
                json!({ "provider": "auth0", "user_id": "dee" }),
            )
            .await
            .expect_err("no such primary");
        assert_eq!(no_primary.status, 404);
    }

    /// A user created under the unlinked identity's id since (which
    /// create_user refuses, but a --users seed can do) is kept as it is;
    /// the identity still leaves the primary.
    #[tokio::test]
    async fn unlinking_onto_an_existing_user_keeps_that_user() {
        let (api, store) = two_users();
        let linked = api
            .link(
                "auth0|ana",
                json!({ "provider": "auth0", "user_id": "dee" }),
            )
            .await
            .expect("linked");
        assert_eq!(linked.status, 201);
        store.insert(
            Kind::User,
            "auth0|dee",
            json!({ "profile": { "user_id": "auth0|dee", "note": "new" } }),
        );
        let unlinked = api
            .unlink("auth0|ana", "auth0", "dee")
            .await
            .expect("unlinked");
        assert_eq!(unlinked.status, 200);
        let kept = store
            .get(Kind::User, "auth0|dee")
            .await
            .expect("get")
            .expect("user");
        assert_eq!(kept["profile"]["note"], "new");
        let ana = store
            .get(Kind::User, "auth0|ana")
            .await
            .expect("get")
            .expect("user");
        assert_eq!(
            ana["profile"]["identities"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(ana[LINKED_LOGINS], json!({}));
    }

    #[test]
    fn pages_have_auth0s_totals_shape() {
        let items: Vec<Value> = (0..5).map(|i| json!(i)).collect();
        let query: Map<String, Value> =
            serde_json::from_value(json!({"page": "1", "per_page": "2", "include_totals": "true"}))
                .unwrap_or_default();
        assert_eq!(
            page(items, &query, "users"),
            json!({"start": 2, "limit": 2, "length": 2, "total": 5, "users": [2, 3]})
        );
    }
}
