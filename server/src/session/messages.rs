//! The messages the registry sends a session: deliver, close (handing over its state),
//! drain. Only their shapes: the session's handlers are in `handlers.rs`, so the
//! registry reads these without reading the actor.

use actix::Message;

use super::{outbox::Outgoing, state::SessionState};

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
