//! The tenant's directory: its users in a store (memory or Redis), and
//! the Management API and token endpoint scripts reach at the tenant's
//! domain, answered from that store. `serve` logs users in from it; the
//! pipeline gives `run` an emulated one (docs/serve.md).

pub mod management;
pub mod store;
pub mod users;
