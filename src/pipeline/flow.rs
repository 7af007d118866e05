//! What to run: the [`Flow`] a caller hands to [`crate::Runner::run`], and
//! the [`Resume`] request that continues a redirected login.

use std::collections::BTreeMap;

use serde_json::Value;

pub use super::transaction::CacheRecord;

use crate::engine::Limits;
use crate::record::Command;
use crate::runtime::NodeConfig;
use crate::script::{Script, Trigger};
use crate::tenant::Settings;

/// What to run: scripts, the event they see, and the tenant around them.
#[derive(Debug, Clone)]
pub struct Flow {
    pub trigger: Trigger,
    /// In any order: Rules run first (in the order given), then Actions.
    pub scripts: Vec<Script>,
    /// The event fixture; `None` runs on the defaults alone.
    pub event: Option<Value>,
    pub settings: Settings,
    pub limits: Limits,
    /// Resume a redirected login at `/continue` instead of starting one.
    pub resume: Option<Resume>,
    /// `node_modules` folders, network access and mocks, Actions Modules.
    pub node: NodeConfig,
    /// Build and sign the tokens (on by default; `bench` turns it off to
    /// measure script execution alone).
    pub issue_tokens: bool,
    /// What `api.cache` holds when the flow starts (empty for `run`; what
    /// earlier logins of the trigger left, for `serve`).
    pub cache: BTreeMap<String, CacheRecord>,
    /// The event built from `event`, kept by a flow run more than once.
    pub(crate) built_event: BuiltEvent,
}

/// The complete event a flow's fixture makes (the trigger's defaults merged
/// with it, its shape checked). Building it costs more than a small Action's
/// handler, and a flow run again and again (`bench`, `compare`) would build
/// the same one every time; a flow run once (a login under `serve`) keeps
/// nothing, so it pays no copy. The fields of a [`Flow`] are public and can
/// change between runs: what is kept is used only while the trigger and the
/// fixture are the ones it was built from, key order included.
#[derive(Default)]
pub(crate) struct BuiltEvent(std::sync::Mutex<Kept>);

#[derive(Default)]
enum Kept {
    #[default]
    NotRun,
    RanOnce,
    Built {
        trigger: Trigger,
        fixture: Option<Value>,
        event: std::sync::Arc<Value>,
    },
}

impl BuiltEvent {
    /// The event for `trigger` and `fixture`, from `build` unless kept.
    pub(crate) fn get_or_build<E>(
        &self,
        trigger: Trigger,
        fixture: Option<&Value>,
        build: impl FnOnce() -> Result<Value, E>,
    ) -> Result<std::sync::Arc<Value>, E> {
        let Ok(mut kept) = self.0.lock() else {
            return build().map(std::sync::Arc::new);
        };
        if let Kept::Built {
            trigger: built_for,
            fixture: built_from,
            event,
        } = &*kept
            && *built_for == trigger
            && same_fixture(built_from.as_ref(), fixture)
        {
            return Ok(event.clone());
        }
        let event = std::sync::Arc::new(build()?);
        *kept = match *kept {
            Kept::NotRun => Kept::RanOnce,
            _ => Kept::Built {
                trigger,
                fixture: fixture.cloned(),
                event: event.clone(),
            },
        };
        Ok(event)
    }
}

impl Clone for BuiltEvent {
    /// A copy starts afresh: it may be changed before it runs.
    fn clone(&self) -> BuiltEvent {
        BuiltEvent::default()
    }
}

impl std::fmt::Debug for BuiltEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuiltEvent")
    }
}

fn same_fixture(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same_json(a, b),
        _ => false,
    }
}

/// Equal JSON with object keys in the same order: the built event's key
/// order follows the fixture's, and scripts can see it.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same_json(va, vb))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(a, b)| same_json(a, b))
        }
        _ => a == b,
    }
}

/// The `/continue` request that resumes a login after a redirect. When an
/// Action redirected, it runs its `onContinuePostLogin`, the scripts before
/// it do not run again (what they recorded before the redirect is passed in
/// `prior_commands`), the Actions after it run as usual. When a Rule
/// redirected, every Rule runs again with `context.protocol` set to
/// `redirect-callback`, then every Action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resume {
    /// The name of the script that redirected.
    pub script: String,
    /// What the scripts recorded before the redirect (the first run's
    /// `commands`), when an Action redirected.
    pub prior_commands: Vec<Command>,
    /// The query string of the `/continue` request.
    pub query: serde_json::Map<String, Value>,
    /// The form body of the `/continue` request (POST).
    pub body: serde_json::Map<String, Value>,
}

impl Flow {
    /// A post-login flow of `scripts` on the default event.
    pub fn post_login(scripts: Vec<Script>) -> Flow {
        Flow::new(Trigger::PostLogin, scripts)
    }

    /// A flow of Actions for any trigger (Rules only run at post-login).
    pub fn new(trigger: Trigger, scripts: Vec<Script>) -> Flow {
        Flow {
            trigger,
            scripts,
            event: None,
            settings: Settings::default(),
            limits: Limits::default(),
            resume: None,
            node: NodeConfig::default(),
            issue_tokens: true,
            cache: BTreeMap::new(),
            built_event: BuiltEvent::default(),
        }
    }

    pub fn with_event(mut self, event: Value) -> Flow {
        self.event = Some(event);
        self
    }

    pub fn with_settings(mut self, settings: Settings) -> Flow {
        self.settings = settings;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Flow {
        self.limits = limits;
        self
    }

    /// Modules, network access, mocks, Actions Modules, declared
    /// dependencies and tenant users.
    pub fn with_node(mut self, node: NodeConfig) -> Flow {
        self.node = node;
        self
    }

    /// Starts `api.cache` with these records.
    pub fn with_cache(mut self, cache: BTreeMap<String, CacheRecord>) -> Flow {
        self.cache = cache;
        self
    }

    pub fn resuming(mut self, resume: Resume) -> Flow {
        self.resume = Some(resume);
        self
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::json;

    use super::*;

    fn get(kept: &BuiltEvent, trigger: Trigger, fixture: &Value, builds: &Cell<u32>) -> Value {
        let event = kept.get_or_build(trigger, Some(fixture), || {
            builds.set(builds.get() + 1);
            Ok::<_, ()>(json!({ "built_from": fixture.clone(), "for": trigger.id() }))
        });
        Value::clone(&event.expect("builds"))
    }

    #[test]
    fn a_flow_run_again_builds_its_event_once_more_and_then_keeps_it() {
        let kept = BuiltEvent::default();
        let builds = Cell::new(0);
        let fixture = json!({ "user": { "email": "a@example.com", "name": "A" } });
        for _ in 0..4 {
            get(&kept, Trigger::PostLogin, &fixture, &builds);
        }
        // The first run keeps nothing (a login under `serve` runs once).
        assert_eq!(builds.get(), 2);
    }

    #[test]
    fn a_kept_event_is_used_only_for_the_same_trigger_and_fixture_in_the_same_key_order() {
        let kept = BuiltEvent::default();
        let builds = Cell::new(0);
        let fixture = json!({ "user": { "email": "a@example.com", "name": "A" } });
        get(&kept, Trigger::PostLogin, &fixture, &builds);
        get(&kept, Trigger::PostLogin, &fixture, &builds);
        assert_eq!(builds.get(), 2);

        let changed = json!({ "user": { "email": "b@example.com", "name": "A" } });
        let event = get(&kept, Trigger::PostLogin, &changed, &builds);
        assert_eq!(event["built_from"], changed);
        assert_eq!(builds.get(), 3);

        let reordered = json!({ "user": { "name": "A", "email": "b@example.com" } });
        assert_eq!(reordered, changed, "equal as JSON values, keys aside");
        let event = get(&kept, Trigger::PostLogin, &reordered, &builds);
        let keys: Vec<&String> = event["built_from"]["user"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["name", "email"]);
        assert_eq!(builds.get(), 4);

        let event = get(&kept, Trigger::PreUserRegistration, &reordered, &builds);
        assert_eq!(event["for"], "pre-user-registration");
        assert_eq!(builds.get(), 5);

        // Without a fixture, the defaults alone.
        let none = kept.get_or_build(Trigger::PreUserRegistration, None, || {
            Ok::<_, ()>(json!("defaults"))
        });
        assert_eq!(*none.unwrap(), json!("defaults"));
    }

    #[test]
    fn a_failed_build_keeps_nothing_and_a_copied_flow_starts_afresh() {
        let kept = BuiltEvent::default();
        let builds = Cell::new(0);
        let fixture = json!({ "user": {} });
        let failed = kept.get_or_build(Trigger::PostLogin, Some(&fixture), || {
            Err::<Value, _>("wrong shape")
        });
        assert_eq!(failed, Err("wrong shape"));
        get(&kept, Trigger::PostLogin, &fixture, &builds);
        get(&kept, Trigger::PostLogin, &fixture, &builds);
        get(&kept, Trigger::PostLogin, &fixture, &builds);
        assert_eq!(builds.get(), 2);
        let copy = kept.clone();
        get(&copy, Trigger::PostLogin, &fixture, &builds);
        assert_eq!(builds.get(), 3);
    }
}
