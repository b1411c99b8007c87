//! What the sessions of one worker thread share: the server's configuration, registry,
//! connection counts and memory budget, and the worker's own router, which holds the
//! addresses of the server's one AuthActor and ProfileActor (on the system arbiter)
//! and answers cached Profile `get`s on the worker's thread.

use std::sync::{atomic::AtomicUsize, Arc};

use actix::Addr;

use crate::{
    config::Config,
    guard::PerIpConnections,
    registry::{Connection, Registry},
    router::Router,
    session::budget::MemoryBudget,
};

/// The state the sessions of one worker share. `C` is the connection actor the
/// registry keeps track of (the session; named by the session, so this module does not
/// depend on it).
pub struct Shared<C: Connection> {
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// Who is connected.
    pub registry: Addr<Registry<C>>,
    /// Where requests go.
    pub router: Router,
    /// Open client connections (all workers), for `server.max_connections`.
    pub connections: Arc<AtomicUsize>,
    /// Open client connections per address (all workers), for
    /// `server.max_connections_per_ip`.
    pub per_ip: Arc<PerIpConnections>,
    /// Bytes all sessions hold (all workers and the registry's parked sessions), for
    /// `session.max_session_bytes` and `server.max_total_session_bytes`.
    pub memory: Arc<MemoryBudget>,
}
