//! Messages other actors send to a Session, and the state a persistent session keeps.

use std::collections::BTreeSet;

use actix::Message;
use mqtt::QualityOfService;

use super::outbox::{Outbox, Outgoing};

/// What a persistent (clean_session=false) logged-in client keeps between connections.
#[derive(Debug)]
pub struct SessionState {
    /// Unacknowledged and queued outbound messages.
    pub outbox: Outbox,
    /// Inbound QoS 2 packet ids whose PUBREL has not arrived: a resent PUBLISH with one
    /// of these ids is a duplicate and is not processed again. (A B-tree: empty, as
    /// it nearly always is, it is half a hash set's size and allocates nothing.)
    pub awaiting_rel: BTreeSet<u16>,
    /// QoS granted on the actions topic (the server's own subscription grants 2).
    pub sub_qos: QualityOfService,
}

impl SessionState {
    /// A fresh state with the given outbox limits.
    pub fn new(max_inflight: usize, max_queued: usize) -> Self {
        Self {
            outbox: Outbox::new(max_inflight, max_queued),
            awaiting_rel: BTreeSet::new(),
            sub_qos: QualityOfService::Level2,
        }
    }
}

/// Deliver a message on the client's actions topic.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Push(pub Outgoing);

/// Why a connection is closed from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KickReason {
    /// A new connection with the same ClientId arrived.
    Takeover,
    /// The session was logged out, replaced or its account removed.
    Closed,
}

/// Close the connection now. With `hand_over`, the session gives its persistent state
/// to the caller (a takeover that resumes it) instead of parking it.
#[derive(Message)]
#[rtype(result = "Option<SessionState>")]
pub struct Kick {
    /// Give the persistent state to the caller.
    pub hand_over: bool,
    /// For the log.
    pub reason: KickReason,
}

/// Graceful shutdown: stop reading, finish the requests already received, flush, close.
/// Answers when the connection is closed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;
