//! What the host asks of the outside world for scripts: resolving a
//! module and performing an allowed HTTP request. The engine only names
//! the service; the layer that builds an execution's environment performs
//! it (in a worker process, which may not open files or sockets, by asking
//! its parent).

use std::time::Duration;

use super::modules::Resolved;
use crate::net::{HttpRequest, HttpResponse};

pub(crate) trait Services: Send + Sync {
    fn resolve_module(&self, from: &str, request: &str) -> Result<Resolved, String>;
    /// Performs a request the allow-list permits, checking its addresses.
    fn fetch(&self, request: &HttpRequest, budget: Duration) -> Result<HttpResponse, String>;
}

/// The services of an isolate built ahead, before any execution owns it:
/// everything refused. Nothing reaches them (an isolate whose runtime
/// JavaScript calls a host function while being built is not kept).
pub(crate) struct Unowned;

impl Services for Unowned {
    fn resolve_module(&self, _: &str, request: &str) -> Result<Resolved, String> {
        Err(format!("Cannot find module '{request}'"))
    }
    fn fetch(&self, _: &HttpRequest, _: Duration) -> Result<HttpResponse, String> {
        Err("no execution owns this isolate yet".into())
    }
}
