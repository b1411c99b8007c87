//! Outbound QoS state of one client, pure data: the Session writes what these methods
//! return, and the registry keeps it for a persistent session that is away.
//!
//! [`message`] is the vocabulary (a message, the packet it becomes, the room the write
//! side has for it); [`window`] is the [`Outbox`] itself: packet ids, the inflight
//! window bounded in count and in bytes, the queue behind it (where a newer profile
//! change replaces an older one), and redelivery with DUP after a reconnect, in as
//! many pieces as the write side has room for.

mod message;
#[cfg(test)]
mod tests;
mod window;

pub use message::{Kind, OutPacket, Outgoing, Room, MESSAGE_OVERHEAD};
pub use window::Outbox;
