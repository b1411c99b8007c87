//! The table of connected clients: each ClientId's connection id and weak address,
//! behind a lock so that presence can be read from any thread.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use actix::WeakAddr;

use super::connection::Connection;

/// A connected client.
pub(super) struct Live<C: Connection> {
    /// Which connection holds the ClientId now; a stale Detach names an older one.
    pub(super) conn_id: u64,
    /// Its actor, held weakly: each strong `Addr` costs a session an allocation of its
    /// own, and the registry sends rarely (takeover, close, delivery, shutdown).
    pub(super) addr: WeakAddr<C>,
}

/// The registry's table of connected clients, behind a lock so that presence can be
/// read from any thread. Only the registry actor changes it.
pub struct Presence<C: Connection>(Arc<Mutex<HashMap<Arc<str>, Live<C>>>>);

impl<C: Connection> Clone for Presence<C> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<C: Connection> Default for Presence<C> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<C: Connection> Presence<C> {
    /// The table, for the registry actor (a poisoned lock is still a table).
    pub(super) fn lock(&self) -> MutexGuard<'_, HashMap<Arc<str>, Live<C>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether any of `client_ids` is connected now.
    pub fn any_online<S: AsRef<str>>(&self, client_ids: &[S]) -> bool {
        let live = self.lock();
        client_ids.iter().any(|id| live.contains_key(id.as_ref()))
    }
}
