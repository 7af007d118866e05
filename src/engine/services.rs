//! What the host does for scripts that needs the outside world: reading a
//! module from the named `node_modules` folders and performing an allowed
//! HTTP request. In-process these run here; in a worker process (which may
//! not open files or sockets) they are asked of the parent.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::modules::{self, Resolved};
use crate::net::{self, HttpRequest, HttpResponse, NetPolicy};
use crate::runtime::NodeConfig;

pub(crate) trait Services: Send + Sync {
    fn resolve_module(&self, from: &str, request: &str) -> Result<Resolved, String>;
    /// Performs a request the allow-list permits, checking its addresses.
    fn fetch(&self, request: &HttpRequest, budget: Duration) -> Result<HttpResponse, String>;
}

/// The services of this process.
pub(crate) struct LocalServices {
    pub node_modules: Vec<PathBuf>,
    pub net: NetPolicy,
}

impl LocalServices {
    pub(crate) fn for_config(config: &NodeConfig) -> Arc<dyn Services> {
        Arc::new(LocalServices {
            node_modules: config.node_modules.clone(),
            net: config.net.clone(),
        })
    }
}

impl Services for LocalServices {
    fn resolve_module(&self, from: &str, request: &str) -> Result<Resolved, String> {
        modules::resolve(&self.node_modules, from, request)
    }

    fn fetch(&self, request: &HttpRequest, budget: Duration) -> Result<HttpResponse, String> {
        if let Some(why) = net::refusal(&self.net, &request.url) {
            return Err(format!("refused: {why}"));
        }
        net::perform(&self.net, request, budget)
    }
}
