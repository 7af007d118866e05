//! Where `serve` keeps what outlives one request: users and their
//! metadata, SSO sessions, authorization codes, refresh tokens, access
//! tokens (for `/userinfo`), logins waiting at `/continue`, and login
//! transactions waiting for the login form. One interface, so several
//! `serve` processes sharing one Redis behave as one tenant.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;

/// What a stored value is; each kind is its own key space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Users by `user_id`, with their password hash, roles and permissions.
    User,
    /// SSO sessions by the id in the session cookie.
    Session,
    /// Authorization codes (one-time, short-lived).
    Code,
    /// Refresh tokens.
    RefreshToken,
    /// Issued access tokens, by their SHA-256, for `/userinfo`.
    AccessToken,
    /// `/authorize` requests waiting for the login form.
    Transaction,
    /// Logins a redirect Action sent away, waiting at `/continue`.
    Pending,
    /// `api.cache` entries.
    Cache,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Session => "session",
            Kind::Code => "code",
            Kind::RefreshToken => "refresh",
            Kind::AccessToken => "access",
            Kind::Transaction => "txn",
            Kind::Pending => "pending",
            Kind::Cache => "cache",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the store failed: {0}")]
pub struct StoreError(pub String);

/// Key-value storage of JSON values, each with an optional lifetime.
#[async_trait]
pub trait Store: Send + Sync {
    async fn put(
        &self,
        kind: Kind,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError>;
    async fn get(&self, kind: Kind, key: &str) -> Result<Option<Value>, StoreError>;
    /// Gets and deletes in one step: of two concurrent takes, one gets
    /// the value (one-time codes rely on it).
    async fn take(&self, kind: Kind, key: &str) -> Result<Option<Value>, StoreError>;
    async fn delete(&self, kind: Kind, key: &str) -> Result<(), StoreError>;
    /// Every live value of a kind (users, for searches).
    async fn list(&self, kind: Kind) -> Result<Vec<Value>, StoreError>;
    /// What the store is, for the startup banner.
    fn describe(&self) -> String;
}

/// Values by kind and key, each with the instant it expires.
type Entries = HashMap<(Kind, String), (Value, Option<Instant>)>;

/// The default store: this process's memory, gone when it exits.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<Entries>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn entries(&self) -> Result<std::sync::MutexGuard<'_, Entries>, StoreError> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| StoreError("the memory store's lock is poisoned".into()))?;
        let now = Instant::now();
        entries.retain(|_, (_, expires)| expires.is_none_or(|at| at > now));
        Ok(entries)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn put(
        &self,
        kind: Kind,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let expires = ttl.map(|ttl| Instant::now() + ttl);
        self.entries()?
            .insert((kind, key.to_string()), (value.clone(), expires));
        Ok(())
    }

    async fn get(&self, kind: Kind, key: &str) -> Result<Option<Value>, StoreError> {
        Ok(self
            .entries()?
            .get(&(kind, key.to_string()))
            .map(|(value, _)| value.clone()))
    }

    async fn take(&self, kind: Kind, key: &str) -> Result<Option<Value>, StoreError> {
        Ok(self
            .entries()?
            .remove(&(kind, key.to_string()))
            .map(|(value, _)| value))
    }

    async fn delete(&self, kind: Kind, key: &str) -> Result<(), StoreError> {
        self.entries()?.remove(&(kind, key.to_string()));
        Ok(())
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Value>, StoreError> {
        let mut found: Vec<(String, Value)> = self
            .entries()?
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, key), (value, _))| (key.clone(), value.clone()))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found.into_iter().map(|(_, value)| value).collect())
    }

    fn describe(&self) -> String {
        "memory (this process only)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn take_returns_a_value_once_and_expired_values_are_gone() {
        let store = MemoryStore::new();
        store
            .put(Kind::Code, "c1", &json!({"a": 1}), None)
            .await
            .expect("put");
        assert_eq!(
            store.take(Kind::Code, "c1").await.expect("take"),
            Some(json!({"a": 1}))
        );
        assert_eq!(store.take(Kind::Code, "c1").await.expect("take"), None);
        store
            .put(Kind::Code, "c2", &json!(2), Some(Duration::ZERO))
            .await
            .expect("put");
        assert_eq!(store.get(Kind::Code, "c2").await.expect("get"), None);
        // Kinds are separate key spaces.
        store
            .put(Kind::User, "u", &json!(1), None)
            .await
            .expect("put");
        assert_eq!(store.get(Kind::Session, "u").await.expect("get"), None);
        assert_eq!(store.list(Kind::User).await.expect("list"), vec![json!(1)]);
    }
}
