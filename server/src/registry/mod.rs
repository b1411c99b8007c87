//! Who is connected: session takeover, delivery by ClientId, persistent-session parking
//! with expiry, and the shutdown drain. One actor; sessions on every worker talk to it.
//! Presence (is any of these ClientIds connected?) is read without a message, from
//! any thread: it is asked once per Profile request.
//!
//! The registry knows a session only as a [`Connection`]: an actor that takes the
//! messages of `session::messages`. It is generic over that actor rather than holding
//! a boxed recipient per client, so what it keeps per connected client stays a weak
//! address (8 bytes) beside the connection id.

mod actor;
mod connection;
mod presence;
#[cfg(test)]
mod tests;

pub use actor::{Attach, Close, Counts, Deliver, Detach, DrainAll, Registry};
pub use connection::Connection;
pub use presence::Presence;
