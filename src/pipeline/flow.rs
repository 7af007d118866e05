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
