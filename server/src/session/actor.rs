//! The session actor's state: where the connection is in its life, the client's
//! identity and QoS state once connected, the write side, the one timer and the queue
//! of requests. Kept small: an idle connection is mostly this struct, in its actix task.

use std::{collections::VecDeque, sync::Arc, time::Duration};

use bytes::Bytes;
use mqtt::QualityOfService;
use tokio::sync::oneshot;

use super::{
    budget::Charge,
    out::Out,
    peer::Peer,
    state::SessionState,
    timer::{Tick, Timer},
};
use crate::{router::Caller, worker::Shared};

/// Where a connection is in its life.
pub(super) enum Phase {
    /// Waiting for CONNECT (or for its check).
    Connecting,
    /// CONNACK 0 sent.
    Live(Box<Live>),
    /// Closing: input is ignored.
    Closing,
}

/// A connected client's state.
pub(super) struct Live {
    /// Its identity as the router sees it.
    pub(super) caller: Caller,
    /// clean_session=false on a logged-in id: the state outlives the connection.
    pub(super) persistent: bool,
    /// Outbound QoS state and inbound QoS 2 ids; `None` once handed to a takeover.
    pub(super) state: Option<SessionState>,
    /// 1.5 × the client's keep-alive (for a registering client at most
    /// `session.max_anonymous_idle_secs`); `None` when there is no limit.
    pub(super) idle_limit: Option<Duration>,
    /// Since when a packet has been partly read (its first bytes came then).
    pub(super) partial_since: Option<Tick>,
    /// What it holds (replies, requests, QoS 2 ids, unsent bytes), as counted against
    /// the server's budget.
    pub(super) charge: Charge,
}

/// The connection actor.
pub struct Session {
    /// Unique per connection, so the registry can tell a takeover's old one from the new.
    pub(super) conn_id: u64,
    /// Remote address, for logs and the per-address limits.
    pub(super) peer: Peer,
    /// Config, registry and router, shared by the sessions of this worker.
    pub(super) shared: Arc<Shared<Session>>,
    /// The write side: straight to the socket, keeping only what it does not take.
    pub(super) out: Out,
    /// Where the connection is in its life.
    pub(super) phase: Phase,
    /// When the last packet arrived, for keep-alive.
    pub(super) last_seen: Tick,
    /// The connection's one timer: the CONNECT deadline, then the keep-alive checks
    /// (one timer, re-armed, instead of one per purpose: idle sessions are many).
    pub(super) timer: Option<Timer>,
    /// Request payloads waiting for the router, oldest first, with the QoS they came at
    /// and, for QoS 1, the packet id to acknowledge with the reply.
    pub(super) requests: VecDeque<(Bytes, QualityOfService, Option<u16>)>,
    /// A request is with the router now; replies keep request order.
    pub(super) busy: bool,
    /// Set by a graceful shutdown: close once the requests are answered.
    /// (Boxed: it is rare, and the session is kept small.)
    pub(super) draining: Option<Box<oneshot::Sender<()>>>,
    /// Logged out: close once the last reply is acknowledged (closing with the
    /// client's PUBACK unread would reset the connection and lose the reply).
    pub(super) closing_after_ack: bool,
    /// Its last request's atoms were `ATOM_EXT`: with `[wire] reply_atoms =
    /// "mirror"`, pushed messages are rewritten to them too.
    pub(super) latin1_requests: bool,
}

impl Session {
    /// The connected client's state, once CONNACK 0 is sent.
    pub(super) fn live(&mut self) -> Option<&mut Live> {
        match &mut self.phase {
            Phase::Live(l) => Some(l),
            _ => None,
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use actix::{dev::ContextFut, Context};

    use super::Session;

    #[test]
    fn a_session_task_fits_in_640_bytes() {
        // tokio keeps a task in one allocation rounded to 128 bytes: a 32-byte header,
        // the scheduler handle, id and stage tag (24), the future, a 48-byte trailer.
        // An idle connection is mostly this task: 536 bytes of future keep it at 640,
        // 537 would make it 768.
        let future = std::mem::size_of::<ContextFut<Session, Context<Session>>>();
        let session = std::mem::size_of::<Session>();
        assert!(
            future <= 536,
            "future {future} B, of which the session {session} B"
        );
    }
}
