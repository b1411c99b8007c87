//! What goes through an outbox: a message and its kind, the packet it becomes, and the
//! room the write side has for publishes.

use bytes::Bytes;
use mqtt::QualityOfService;

/// What a message is, for what may take its place in a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A reply to one of the client's requests: kept, in order.
    Reply,
    /// A change of the client's profile. It carries the whole profile, so a newer
    /// change replaces an older one still queued.
    ProfileChange,
}

/// A message for a client's actions topic.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The ETF payload.
    pub payload: Bytes,
    /// The QoS it asks for; the subscription may lower it.
    pub qos: QualityOfService,
    /// Reply or profile change.
    pub kind: Kind,
}

/// Bytes an outbox counts for a message beyond its payload: its queue slot and the
/// payload's own allocation header.
pub const MESSAGE_OVERHEAD: usize = 64;

/// Bytes a PUBLISH takes beyond its payload on the wire, at most: the fixed header,
/// the topic `actions/1/api/<ClientId>` and the packet id.
pub const PUBLISH_OVERHEAD: usize = 160;

impl Outgoing {
    /// Bytes an outbox counts for it.
    pub fn cost(&self) -> usize {
        self.payload.len() + MESSAGE_OVERHEAD
    }
}

/// A packet the outbox decided the session must write to its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutPacket {
    /// PUBLISH on the client's actions topic.
    Publish {
        /// Its packet id; `None` for QoS 0.
        pkid: Option<u16>,
        /// The QoS it goes at.
        qos: QualityOfService,
        /// The ETF payload.
        payload: Bytes,
        /// A redelivery after a reconnect.
        dup: bool,
    },
    /// PUBREL for a QoS 2 message whose PUBREC arrived.
    Pubrel(u16),
}

/// The room the write side has for publishes now: bytes free, and whether nothing is
/// waiting in it (then one message goes whatever its size, so that one larger than
/// the room cannot hold up the queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    /// Bytes that may still be written.
    free: usize,
    /// Nothing is waiting to be written.
    empty: bool,
}

impl Room {
    /// `free` bytes, `empty` when nothing waits.
    pub fn new(free: usize, empty: bool) -> Room {
        Room { free, empty }
    }

    /// Room for anything (a client whose write side is not in question).
    pub fn unlimited() -> Room {
        Room::new(usize::MAX, true)
    }

    /// Whether anything at all may be written.
    pub fn is_open(&self) -> bool {
        self.free > 0 || self.empty
    }

    /// Takes room for a packet of `size` bytes, if there is.
    pub fn take(&mut self, size: usize) -> bool {
        if size > self.free && !self.empty {
            return false;
        }
        self.free = self.free.saturating_sub(size);
        self.empty = false;
        true
    }
}
