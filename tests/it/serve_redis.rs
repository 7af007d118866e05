//! `serve` with its state in a real Redis (the Debian `redis-server`,
//! started by the test): the store's semantics, and two servers sharing
//! one Redis behaving as one tenant.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actionbox::serve::{Kind, RedisStore, Store};
use serde_json::json;

use crate::common::*;

/// A redis-server of its own on a free loopback port, stopped when dropped.
struct RedisServer {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis_server() -> Option<RedisServer> {
    if crate::common::skip_without(
        crate::common::on_path("redis-server"),
        "redis-server",
        "redis-server",
    ) {
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start redis-server ({e}): install the Debian package redis-server (.ci/run does)")
        });
    let server = RedisServer {
        child,
        url: format!("redis://127.0.0.1:{port}/"),
        _dir: dir,
    };
    // Waits for it to accept connections; the bound only stops a broken
    // install from hanging the suite.
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

/// Runs `test` on a multi-threaded runtime with two connections to the
/// Redis at `url`, as two servers would have.
fn on_two_connections<F, Fut>(url: &str, test: F)
where
    F: FnOnce([std::sync::Arc<RedisStore>; 2]) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let stores = [
            std::sync::Arc::new(RedisStore::connect(url).await.expect("connect")),
            std::sync::Arc::new(RedisStore::connect(url).await.expect("connect")),
        ];
        test(stores).await;
    });
}

#[test]
fn updates_from_two_connections_at_once_lose_nothing() {
    let Some(redis) = redis_server() else {
        return;
    };
    let url = redis.url.clone();
    on_two_connections(&redis.url, |stores| async move {
        // Two servers' connections, four updaters each, all at once.
        let mut tasks = Vec::new();
        for store in &stores {
            for _ in 0..4 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    for _ in 0..50 {
                        store
                            .update(Kind::User, "counter", &mut |v| {
                                Some(json!(v.and_then(|v| v.as_u64()).unwrap_or(0) + 1))
                            })
                            .await
                            .expect("update");
                    }
                }));
            }
        }
        for task in tasks {
            task.await.expect("updater");
        }
        assert_eq!(
            stores[1].get(Kind::User, "counter").await.expect("get"),
            Some(json!(400))
        );
        // An update keeps the value's lifetime (asked of Redis, not timed);
        // None writes nothing.
        stores[0]
            .put(
                Kind::Session,
                "s",
                &json!(1),
                Some(Duration::from_secs(600)),
            )
            .await
            .expect("put");
        stores[1]
            .update(Kind::Session, "s", &mut |_| Some(json!(2)))
            .await
            .expect("update");
        assert_eq!(
            stores[1]
                .update(Kind::Session, "s", &mut |_| None)
                .await
                .expect("update"),
            None
        );
        assert_eq!(
            stores[0].get(Kind::Session, "s").await.expect("get"),
            Some(json!(2))
        );
        let client = redis::Client::open(url.as_str()).expect("client");
        let mut connection = client
            .get_multiplexed_async_connection()
            .await
            .expect("connection");
        let left: i64 = redis::cmd("PTTL")
            .arg("actionbox:session:s")
            .query_async(&mut connection)
            .await
            .expect("PTTL");
        assert!(left > 0 && left <= 600_000, "{left}");
    });
}

/// Two keys changed together: moves between them from two stores at once
/// (two connections, as two servers have), raced by single-key updates of
/// one of them, lose nothing, and a `None` for a key deletes it.
async fn two_key_updates_are_one_step(stores: [std::sync::Arc<dyn Store>; 2]) {
    let count = |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_u64()).unwrap_or(0);
    stores[0]
        .put(Kind::User, "a", &json!(1000), None)
        .await
        .expect("put");
    let mut tasks = Vec::new();
    for store in &stores {
        for mover in [true, false] {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..50 {
                    if mover {
                        // One from a to b.
                        store
                            .update_both(Kind::User, ["a", "b"], &mut |[a, b]| {
                                Some([Some(json!(count(&a) - 1)), Some(json!(count(&b) + 1))])
                            })
                            .await
                            .expect("update_both");
                    } else {
                        store
                            .update(Kind::User, "a", &mut |a| Some(json!(count(&a) + 1)))
                            .await
                            .expect("update");
                    }
                }
            }));
        }
    }
    for task in tasks {
        task.await.expect("updater");
    }
    let a = stores[1].get(Kind::User, "a").await.expect("get");
    let b = stores[1].get(Kind::User, "b").await.expect("get");
    assert_eq!((count(&a), count(&b)), (1000 - 100 + 100, 100));
    // None deletes; no change leaves both.
    let written = stores[0]
        .update_both(Kind::User, ["a", "b"], &mut |[a, _]| Some([a, None]))
        .await
        .expect("update_both");
    assert_eq!(written, Some([Some(json!(1000)), None]));
    assert_eq!(stores[1].get(Kind::User, "b").await.expect("get"), None);
    assert_eq!(
        stores[1]
            .update_both(Kind::User, ["a", "b"], &mut |_| None)
            .await
            .expect("update_both"),
        None
    );
    assert_eq!(
        stores[1].get(Kind::User, "a").await.expect("get"),
        Some(json!(1000))
    );
}

#[test]
fn two_key_updates_from_two_redis_connections_at_once_are_one_step() {
    let Some(redis) = redis_server() else {
        return;
    };
    on_two_connections(&redis.url, |[first, second]| {
        two_key_updates_are_one_step([first, second])
    });
}

#[test]
fn two_key_updates_of_the_memory_store_at_once_are_one_step() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("runtime");
    let store: std::sync::Arc<dyn Store> =
        std::sync::Arc::new(actionbox::serve::MemoryStore::new());
    runtime.block_on(two_key_updates_are_one_step([store.clone(), store]));
}

#[test]
fn the_redis_store_takes_once_expires_and_lists() {
    let Some(redis) = redis_server() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = RedisStore::connect(&redis.url).await.expect("connect");
        let other = RedisStore::connect(&redis.url).await.expect("connect");
        store
            .put(
                Kind::Code,
                "c",
                &json!({"n": 1}),
                Some(Duration::from_secs(60)),
            )
            .await
            .expect("put");
        // Two connections race for one code: one wins.
        let (a, b) = tokio::join!(store.take(Kind::Code, "c"), other.take(Kind::Code, "c"));
        let won = [a.expect("take"), b.expect("take")];
        assert_eq!(won.iter().filter(|v| v.is_some()).count(), 1, "{won:?}");
        store
            .put(
                Kind::Session,
                "s",
                &json!(1),
                Some(Duration::from_millis(1)),
            )
            .await
            .expect("put");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(store.get(Kind::Session, "s").await.expect("get"), None);
        for id in ["u1", "u2"] {
            store
                .put(Kind::User, id, &json!({"id": id}), None)
                .await
                .expect("put");
        }
        assert_eq!(
            other.list(Kind::User).await.expect("list"),
            vec![json!({"id": "u1"}), json!({"id": "u2"})]
        );
        assert_eq!(
            other.list(Kind::Code).await.expect("list"),
            Vec::<serde_json::Value>::new()
        );
    });
}

#[test]
fn two_servers_sharing_one_redis_are_one_tenant() {
    let Some(redis) = redis_server() else {
        return;
    };
    let first = start_with(test_tenant(), None, &redis.url, None);
    // Behind one load balancer both answer for the same issuer.
    let second = start_with(test_tenant(), None, &redis.url, Some(&first.base));

    // Log in on the first server...
    let mut browser = Browser::new();
    let url = format!(
        "{}authorize?client_id={WEB}&response_type=code&redirect_uri={}&scope=openid%20email%20offline_access&state=s",
        first.base,
        url::form_urlencoded::byte_serialize(WEB_CALLBACK.as_bytes()).collect::<String>()
    );
    let answer = log_in(
        &mut browser,
        &url,
        "ana@acme.example",
        "correct horse battery",
    );
    let code = url_param(&location(&answer), "code").expect("code");
    // ...redeem the code on the second...
    let (status, tokens) = token_request(
        &second,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("code", &code),
            ("redirect_uri", WEB_CALLBACK),
        ],
    );
    assert_eq!(status, 200, "{tokens}");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token");
    // ...and refresh it on the second: the Action sees the metadata the
    // first server's login wrote.
    let (status, refreshed) = token_request(
        &second,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("refresh_token", refresh_token),
        ],
    );
    assert_eq!(status, 200, "{refreshed}");
    let id = payload(refreshed["id_token"].as_str().expect("ID token"));
    assert_eq!(id["https://acme.example/logins_seen"], 2);
    assert_eq!(
        id["https://acme.example/visits"], 2,
        "api.cache, set by the first server's login, is the second server's too"
    );
    assert_eq!(id["iss"], first.base.as_str());
    // The rotated token is spent on every server.
    let (status, _) = token_request(
        &first,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", WEB),
            ("client_secret", WEB_SECRET),
            ("refresh_token", refresh_token),
        ],
    );
    assert_eq!(status, 403);
    // The access token works at the first server's /userinfo.
    let access = refreshed["access_token"].as_str().expect("access token");
    let userinfo = reqwest::blocking::Client::new()
        .get(format!("{}userinfo", first.base))
        .bearer_auth(access)
        .send()
        .expect("userinfo");
    assert_eq!(userinfo.status(), 200);
    // The SSO session made on the first server makes the second silent.
    let silent = browser.get(
        &url.replace(&first.base, &second.base)
            .replace("state=s", "state=s&prompt=none"),
    );
    assert!(
        url_param(&location(&silent), "code").is_some(),
        "{}",
        location(&silent)
    );
}
