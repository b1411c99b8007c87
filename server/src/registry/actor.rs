//! The registry actor and the messages it takes: Attach (with takeover), Detach
//! (parking a persistent session), Deliver, Close, Counts and DrainAll. A parked
//! session is kept within `session.max_session_bytes` (a newer profile change replaces
//! a queued one; beyond it the oldest queued go, and a dropped change marks it to
//! re-read its profile), and what parked sessions hold is counted in the server's
//! memory budget.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use actix::prelude::*;

use super::{
    connection::Connection,
    presence::{Live, Presence},
};
use crate::session::{
    budget::MemoryBudget,
    messages::{Drain, Kick, KickReason, Push},
    outbox::Outgoing,
    state::SessionState,
};

/// A persistent session whose client is away.
struct Parked {
    /// What it keeps.
    state: SessionState,
    /// When it is dropped if the client does not return.
    expires: Instant,
}

/// The registry actor, keeping track of connections of actor type `C`.
pub struct Registry<C: Connection> {
    /// Connected clients by ClientId.
    live: Presence<C>,
    /// Disconnected persistent sessions by ClientId.
    parked: HashMap<Arc<str>, Parked>,
    /// How long a parked session is kept.
    expiry: Duration,
    /// The server's memory budget: what parked sessions hold is counted in it, and
    /// each is kept within its per-session bytes.
    budget: Arc<MemoryBudget>,
}

impl<C: Connection> Registry<C> {
    /// An empty registry keeping parked sessions for `expiry`, within `budget`.
    pub fn new(expiry: Duration, budget: Arc<MemoryBudget>) -> Self {
        Self {
            live: Presence::default(),
            parked: HashMap::new(),
            expiry,
            budget,
        }
    }

    /// The table of connected clients, for presence questions from other threads.
    pub fn presence(&self) -> Presence<C> {
        self.live.clone()
    }

    fn sweep(&mut self) {
        let now = Instant::now();
        let mut freed = 0;
        self.parked.retain(|_, p| {
            let keep = p.expires > now;
            if !keep {
                freed += p.state.bytes();
            }
            keep
        });
        self.budget.add(-(freed as i64));
    }

    /// Parks `state` for `client_id`, within its bytes, counted.
    fn park(&mut self, client_id: Arc<str>, mut state: SessionState) {
        state.trim(self.budget.max_session());
        self.budget.add(state.bytes() as i64);
        let parked = Parked {
            state,
            expires: Instant::now() + self.expiry,
        };
        if let Some(old) = self.parked.insert(client_id, parked) {
            self.budget.add(-(old.state.bytes() as i64));
        }
    }

    /// Takes the state parked for `client_id` out of the registry (and its count).
    fn unpark(&mut self, client_id: &str) -> Option<SessionState> {
        let state = self.parked.remove(client_id)?.state;
        self.budget.add(-(state.bytes() as i64));
        Some(state)
    }
}

impl<C: Connection> Actor for Registry<C> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let every = (self.expiry / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        ctx.run_interval(every, |act, _| act.sweep());
    }
}

/// A client finished CONNECT. Any live connection with the same ClientId is closed
/// (takeover). With `resume`, the answer is the session's kept state, if there is one.
#[derive(Message)]
#[rtype(result = "Option<SessionState>")]
pub struct Attach<C: Connection> {
    /// The ClientId.
    pub client_id: Arc<str>,
    /// The new connection.
    pub conn_id: u64,
    /// Its actor.
    pub addr: Addr<C>,
    /// clean_session=false on a logged-in id.
    pub resume: bool,
}

impl<C: Connection> Handler<Attach<C>> for Registry<C> {
    type Result = ResponseFuture<Option<SessionState>>;

    fn handle(&mut self, m: Attach<C>, _: &mut Context<Self>) -> Self::Result {
        let parked = self.unpark(&m.client_id);
        let old = self.live.lock().insert(
            m.client_id.clone(),
            Live {
                conn_id: m.conn_id,
                addr: m.addr.downgrade(),
            },
        );
        let resume = m.resume;
        Box::pin(async move {
            let handed = match old.and_then(|old| old.addr.upgrade()) {
                Some(old) => old
                    .send(Kick {
                        hand_over: resume,
                        reason: KickReason::Takeover,
                    })
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            if resume {
                handed.or(parked)
            } else {
                None
            }
        })
    }
}

/// A connection ended. `state` is the persistent state to park, if any.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Detach {
    /// The ClientId.
    pub client_id: Arc<str>,
    /// The connection that ended.
    pub conn_id: u64,
    /// What to keep for the client's return.
    pub state: Option<SessionState>,
}

impl<C: Connection> Handler<Detach> for Registry<C> {
    type Result = ();

    fn handle(&mut self, m: Detach, _: &mut Context<Self>) {
        {
            let mut live = self.live.lock();
            let current = live.get(&m.client_id).map(|l| l.conn_id);
            if current != Some(m.conn_id) {
                // Taken over: the newer connection owns the id now.
                return;
            }
            live.remove(&m.client_id);
        }
        if let Some(state) = m.state {
            self.park(m.client_id, state);
        }
    }
}

/// Deliver a message to a ClientId: now if connected, queued if parked, else dropped.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver {
    /// The recipient.
    pub client_id: Arc<str>,
    /// The message.
    pub msg: Outgoing,
}

impl<C: Connection> Handler<Deliver> for Registry<C> {
    type Result = ();

    fn handle(&mut self, m: Deliver, _: &mut Context<Self>) {
        let live = self.live.lock().get(&m.client_id).map(|l| l.addr.upgrade());
        if let Some(addr) = live {
            if let Some(addr) = addr {
                addr.do_send(Push(m.msg));
            }
        } else if let Some(p) = self.parked.get_mut(&m.client_id) {
            let before = p.state.bytes();
            p.state.park(m.msg, self.budget.max_session());
            self.budget.add(p.state.bytes() as i64 - before as i64);
        }
    }
}

/// Close a ClientId's connection and forget its kept state (logout, replacement,
/// account removal).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close {
    /// The ClientId.
    pub client_id: Arc<str>,
}

impl<C: Connection> Handler<Close> for Registry<C> {
    type Result = ();

    fn handle(&mut self, m: Close, _: &mut Context<Self>) {
        self.unpark(&m.client_id);
        let removed = self.live.lock().remove(&m.client_id);
        if let Some(addr) = removed.and_then(|l| l.addr.upgrade()) {
            addr.do_send(Kick {
                hand_over: false,
                reason: KickReason::Closed,
            });
        }
    }
}

/// Counts, for tests and logs: (connected, parked).
#[derive(Message)]
#[rtype(result = "(usize, usize)")]
pub struct Counts;

impl<C: Connection> Handler<Counts> for Registry<C> {
    type Result = MessageResult<Counts>;

    fn handle(&mut self, _: Counts, _: &mut Context<Self>) -> Self::Result {
        self.sweep();
        MessageResult((self.live.lock().len(), self.parked.len()))
    }
}

/// Graceful shutdown of every connection; answers when all have closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DrainAll;

impl<C: Connection> Handler<DrainAll> for Registry<C> {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: DrainAll, _: &mut Context<Self>) -> Self::Result {
        // `send` enqueues at once, so every session drains concurrently.
        let pending: Vec<_> = self
            .live
            .lock()
            .values()
            .filter_map(|l| l.addr.upgrade())
            .map(|a| a.send(Drain))
            .collect();
        Box::pin(async move {
            for p in pending {
                let _ = p.await;
            }
        })
    }
}
