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
    /// Rotating refresh token families: the newest generation, and whether
    /// a reuse revoked them all.
    RefreshFamily,
    /// Issued access tokens, by their SHA-256, for `/userinfo`.
    AccessToken,
    /// `/authorize` requests waiting for the login form.
    Transaction,
    /// Logins a redirect Action sent away, waiting at `/continue`.
    Pending,
    /// `api.cache` entries, by trigger and key.
    Cache,
    /// Password reset tickets (the link of a change-password email).
    Ticket,
}

impl Kind {
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Session => "session",
            Kind::Code => "code",
            Kind::RefreshToken => "refresh",
            Kind::RefreshFamily => "refresh-family",
            Kind::AccessToken => "access",
            Kind::Transaction => "txn",
            Kind::Pending => "pending",
            Kind::Cache => "cache",
            Kind::Ticket => "ticket",
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
    /// Changes the value under a key in one step: `change` gets the value
    /// (`None` when there is none) and gives the new one, or `None` to
    /// leave it as it is. Concurrent updates of one key, from this process
    /// or another server on the same store, never lose each other's
    /// change; `change` may be called more than once, so it only computes.
    /// The answer is the value written, if any. A lifetime stays as it was.
    async fn update(
        &self,
        kind: Kind,
        key: &str,
        change: &mut (dyn FnMut(Option<Value>) -> Option<Value> + Send),
    ) -> Result<Option<Value>, StoreError>;
    /// Changes the values under two different keys of a kind together, in
    /// one step (account linking touches two users): `change` gets both
    /// (`None` where there is none) and gives what each becomes (`None`:
    /// deleted), or `None` to leave both as they are. The same promises as
    /// [`Store::update`]; the answer is what was written.
    async fn update_both(
        &self,
        kind: Kind,
        keys: [&str; 2],
        change: &mut (dyn FnMut([Option<Value>; 2]) -> Option<[Option<Value>; 2]> + Send),
    ) -> Result<Option<[Option<Value>; 2]>, StoreError>;
    /// What the store is, for the startup banner.
    fn describe(&self) -> String;
}

/// `update_both` changes two different keys.
fn distinct(keys: [&str; 2]) -> Result<(), StoreError> {
    if keys[0] == keys[1] {
        return Err(StoreError(format!("update_both of one key: {}", keys[0])));
    }
    Ok(())
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

    /// Puts a value without a lifetime, outside any runtime (seeding).
    pub fn insert(&self, kind: Kind, key: &str, value: Value) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert((kind, key.to_string()), (value, None));
        }
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

    async fn update(
        &self,
        kind: Kind,
        key: &str,
        change: &mut (dyn FnMut(Option<Value>) -> Option<Value> + Send),
    ) -> Result<Option<Value>, StoreError> {
        // The lock is held from the read to the write.
        let mut entries = self.entries()?;
        let slot = (kind, key.to_string());
        let (current, expires) = match entries.get(&slot) {
            Some((value, expires)) => (Some(value.clone()), *expires),
            None => (None, None),
        };
        let Some(next) = change(current) else {
            return Ok(None);
        };
        entries.insert(slot, (next.clone(), expires));
        Ok(Some(next))
    }

    async fn update_both(
        &self,
        kind: Kind,
        keys: [&str; 2],
        change: &mut (dyn FnMut([Option<Value>; 2]) -> Option<[Option<Value>; 2]> + Send),
    ) -> Result<Option<[Option<Value>; 2]>, StoreError> {
        distinct(keys)?;
        // The lock is held from the reads to the writes.
        let mut entries = self.entries()?;
        let slots = keys.map(|key| (kind, key.to_string()));
        let current = slots.clone().map(|slot| entries.get(&slot).cloned());
        let Some(next) = change(current.clone().map(|c| c.map(|(value, _)| value))) else {
            return Ok(None);
        };
        for ((slot, value), before) in slots.into_iter().zip(next.clone()).zip(current) {
            match value {
                Some(value) => {
                    entries.insert(slot, (value, before.and_then(|(_, expires)| expires)));
                }
                None => {
                    entries.remove(&slot);
                }
            }
        }
        Ok(Some(next))
    }

    fn describe(&self) -> String {
        "memory (this process only)".into()
    }
}

/// Redis (`--store redis://HOST:PORT`): several `serve` processes sharing
/// one Redis are one tenant. Each value is a JSON string under
/// `actionbox:<kind>:<key>`, with Redis expiring what has a lifetime.
pub struct RedisStore {
    url: String,
    connection: redis::aio::ConnectionManager,
}

impl RedisStore {
    /// Connects (and reconnects when the connection drops) to `url`.
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url)
            .map_err(|e| StoreError(format!("{url}: not a Redis URL ({e})")))?;
        let connection = client
            .get_connection_manager()
            .await
            .map_err(|e| StoreError(format!("cannot connect to Redis at {url}: {e}")))?;
        Ok(RedisStore {
            url: url.to_string(),
            connection,
        })
    }

    fn key(kind: Kind, key: &str) -> String {
        format!("actionbox:{}:{key}", kind.prefix())
    }

    async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        command
            .query_async(&mut connection)
            .await
            .map_err(|e| StoreError(format!("Redis at {}: {e}", self.url)))
    }

    fn parse(text: Option<String>) -> Result<Option<Value>, StoreError> {
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError(format!("a stored value is not JSON: {e}")))
        })
        .transpose()
    }
}

#[async_trait]
impl Store for RedisStore {
    async fn put(
        &self,
        kind: Kind,
        key: &str,
        value: &Value,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let mut command = redis::cmd("SET");
        command.arg(Self::key(kind, key)).arg(value.to_string());
        if let Some(ttl) = ttl {
            command.arg("PX").arg(ttl.as_millis().max(1) as u64);
        }
        self.query::<()>(&command).await
    }

    async fn get(&self, kind: Kind, key: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self
            .query(redis::cmd("GET").arg(Self::key(kind, key)))
            .await?;
        Self::parse(text)
    }

    async fn take(&self, kind: Kind, key: &str) -> Result<Option<Value>, StoreError> {
        // GETDEL is atomic: of two servers taking one code, one gets it.
        let text: Option<String> = self
            .query(redis::cmd("GETDEL").arg(Self::key(kind, key)))
            .await?;
        Self::parse(text)
    }

    async fn delete(&self, kind: Kind, key: &str) -> Result<(), StoreError> {
        self.query::<()>(redis::cmd("DEL").arg(Self::key(kind, key)))
            .await
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Value>, StoreError> {
        let pattern = format!("actionbox:{}:*", kind.prefix());
        let mut keys: Vec<String> = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(500),
                )
                .await?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        let mut values = Vec::new();
        for chunk in keys.chunks(500) {
            let texts: Vec<Option<String>> = self.query(redis::cmd("MGET").arg(chunk)).await?;
            for text in texts {
                if let Some(value) = Self::parse(text)? {
                    values.push(value);
                }
            }
        }
        Ok(values)
    }

    async fn update(
        &self,
        kind: Kind,
        key: &str,
        change: &mut (dyn FnMut(Option<Value>) -> Option<Value> + Send),
    ) -> Result<Option<Value>, StoreError> {
        // Optimistic: read, compute, then write only if the value is still
        // what was read (compared in Redis by a script, so the check and the
        // write are one step); else read again. WATCH would need a connection
        // of its own per update; the script works on the shared one.
        const COMPARE_AND_SET: &str = r"
local current = redis.call('GET', KEYS[1])
if (ARGV[1] == '0' and current == false) or (ARGV[1] == '1' and current == ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
  return 1
end
return 0";
        const ATTEMPTS: usize = 64;
        let full_key = Self::key(kind, key);
        for _ in 0..ATTEMPTS {
            let text: Option<String> = self.query(redis::cmd("GET").arg(&full_key)).await?;
            let Some(next) = change(Self::parse(text.clone())?) else {
                return Ok(None);
            };
            let written: i64 = self
                .query(
                    redis::cmd("EVAL")
                        .arg(COMPARE_AND_SET)
                        .arg(1)
                        .arg(&full_key)
                        .arg(if text.is_some() { "1" } else { "0" })
                        .arg(text.unwrap_or_default())
                        .arg(next.to_string()),
                )
                .await?;
            if written == 1 {
                return Ok(Some(next));
            }
        }
        Err(StoreError(format!(
            "Redis at {}: {full_key} changed under {ATTEMPTS} attempts to update it",
            self.url
        )))
    }

    async fn update_both(
        &self,
        kind: Kind,
        keys: [&str; 2],
        change: &mut (dyn FnMut([Option<Value>; 2]) -> Option<[Option<Value>; 2]> + Send),
    ) -> Result<Option<[Option<Value>; 2]>, StoreError> {
        // As `update`, over two keys: both must still be what was read,
        // then both are written (or deleted) in the same script.
        const COMPARE_AND_SET_BOTH: &str = r"
for i = 1, 2 do
  local current = redis.call('GET', KEYS[i])
  local had, old = ARGV[i * 4 - 3], ARGV[i * 4 - 2]
  if not ((had == '0' and current == false) or (had == '1' and current == old)) then
    return 0
  end
end
for i = 1, 2 do
  if ARGV[i * 4 - 1] == '1' then
    redis.call('SET', KEYS[i], ARGV[i * 4], 'KEEPTTL')
  else
    redis.call('DEL', KEYS[i])
  end
end
return 1";
        const ATTEMPTS: usize = 64;
        distinct(keys)?;
        let full_keys = keys.map(|key| Self::key(kind, key));
        for _ in 0..ATTEMPTS {
            let texts: Vec<Option<String>> =
                self.query(redis::cmd("MGET").arg(&full_keys[..])).await?;
            let read: [Option<String>; 2] = texts
                .try_into()
                .map_err(|_| StoreError(format!("Redis at {}: MGET of two keys", self.url)))?;
            let current = [Self::parse(read[0].clone())?, Self::parse(read[1].clone())?];
            let Some(next) = change(current) else {
                return Ok(None);
            };
            let mut command = redis::cmd("EVAL");
            command
                .arg(COMPARE_AND_SET_BOTH)
                .arg(2)
                .arg(&full_keys[0])
                .arg(&full_keys[1]);
            for (before, after) in read.iter().zip(&next) {
                command
                    .arg(if before.is_some() { "1" } else { "0" })
                    .arg(before.as_deref().unwrap_or_default())
                    .arg(if after.is_some() { "1" } else { "0" })
                    .arg(after.as_ref().map(Value::to_string).unwrap_or_default());
            }
            let written: i64 = self.query(&command).await?;
            if written == 1 {
                return Ok(Some(next));
            }
        }
        Err(StoreError(format!(
            "Redis at {}: {} and {} changed under {ATTEMPTS} attempts to update them",
            self.url, full_keys[0], full_keys[1]
        )))
    }

    fn describe(&self) -> String {
        format!("Redis at {}", self.url)
    }
}

/// The store `--store` names: `memory` or `redis://HOST:PORT`.
pub async fn open(spec: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if spec == "memory" {
        return Ok(std::sync::Arc::new(MemoryStore::new()));
    }
    if spec.starts_with("redis://") || spec.starts_with("rediss://") {
        return Ok(std::sync::Arc::new(RedisStore::connect(spec).await?));
    }
    Err(StoreError(format!(
        "--store {spec}: expected memory or redis://HOST:PORT"
    )))
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

    /// The races are tested on both stores in tests/it/serve_redis.rs;
    /// here, what only the memory store shows: lifetimes kept.
    #[tokio::test]
    async fn two_key_updates_keep_lifetimes_and_refuse_one_key_twice() {
        let store = MemoryStore::new();
        store
            .put(Kind::User, "a", &json!(100), Some(Duration::from_secs(600)))
            .await
            .expect("put");
        store
            .update_both(Kind::User, ["a", "b"], &mut |[a, _]| {
                Some([a, Some(json!(1))])
            })
            .await
            .expect("update_both");
        // a kept its lifetime, b got none; None deletes b.
        {
            let entries = store.entries().expect("entries");
            assert!(entries[&(Kind::User, "a".to_string())].1.is_some());
            assert!(entries[&(Kind::User, "b".to_string())].1.is_none());
        }
        store
            .update_both(Kind::User, ["a", "b"], &mut |[a, _]| Some([a, None]))
            .await
            .expect("update_both");
        assert_eq!(store.get(Kind::User, "b").await.expect("get"), None);
        assert!(
            store
                .update_both(Kind::User, ["a", "a"], &mut |_| None)
                .await
                .is_err(),
            "one key twice is refused"
        );
    }

    /// Adds one to the counter under `key` (a missing one starts at 0).
    async fn increment(store: &dyn Store, key: &str) {
        store
            .update(Kind::User, key, &mut |v| {
                Some(json!(v.and_then(|v| v.as_u64()).unwrap_or(0) + 1))
            })
            .await
            .expect("update");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_updates_lose_nothing_and_keep_the_lifetime() {
        let store = std::sync::Arc::new(MemoryStore::new());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    for _ in 0..100 {
                        increment(store.as_ref(), "n").await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(
            store.get(Kind::User, "n").await.expect("get"),
            Some(json!(800))
        );
        // None leaves the value as it is.
        let left = store
            .update(Kind::User, "n", &mut |_| None)
            .await
            .expect("update");
        assert_eq!(left, None);
        assert_eq!(
            store.get(Kind::User, "n").await.expect("get"),
            Some(json!(800))
        );
        // An update keeps the value's lifetime (checked on the entry, not
        // by waiting for it to pass).
        store
            .put(
                Kind::Session,
                "s",
                &json!(1),
                Some(Duration::from_secs(600)),
            )
            .await
            .expect("put");
        let written = store
            .update(Kind::Session, "s", &mut |v| v.map(|_| json!(2)))
            .await
            .expect("update");
        assert_eq!(written, Some(json!(2)));
        let entries = store.entries().expect("entries");
        let (value, expires) = entries
            .get(&(Kind::Session, "s".to_string()))
            .expect("still there");
        assert_eq!(*value, json!(2));
        assert!(expires.is_some(), "the lifetime was dropped");
    }
}
