//! What a live session holds, in bytes, and its budget, `session.max_session_bytes`:
//! replies (its outbox, and what its socket has not taken), requests waiting, inbound
//! QoS 2 ids. Requests go to the router while the replies are under three quarters of
//! the budget (the last quarter is room for requests that wait meanwhile: the client's
//! PUBACKs are still read, so acknowledging resumes it); a request that would take the
//! whole past the budget closes the connection. Also the room the write side has for
//! publishes: half of `session.max_write_buffer_bytes`, the rest being for
//! acknowledgements and QoS 0 replies.

use super::{
    actor::Session,
    outbox::{Room, MESSAGE_OVERHEAD},
    state::QOS2_ID_BYTES,
};

impl Session {
    /// Bytes of replies it holds: its outbox, and what its socket has not taken.
    pub(super) fn reply_bytes(&mut self) -> usize {
        let unsent = self.out.pending();
        let outbox = self
            .live()
            .and_then(|l| l.state.as_ref())
            .map_or(0, |s| s.outbox.bytes());
        outbox + unsent
    }

    /// Everything it holds: replies, waiting requests and QoS 2 ids.
    pub(super) fn held_bytes(&mut self) -> usize {
        let requests: usize = self
            .requests
            .iter()
            .map(|(payload, _, _)| payload.len() + MESSAGE_OVERHEAD)
            .sum();
        let ids = self
            .live()
            .and_then(|l| l.state.as_ref())
            .map_or(0, |s| s.awaiting_rel.len() * QOS2_ID_BYTES);
        self.reply_bytes() + requests + ids
    }

    /// Counts what it holds against the server's budget (at the end of each turn and
    /// after each flush; unchanged, it costs a comparison).
    pub(super) fn settle(&mut self) {
        let held = self.held_bytes();
        if let Some(live) = self.live() {
            live.charge.set(held);
        }
    }

    /// Whether requests may go to the router: its replies are under three quarters
    /// of its budget.
    pub(super) fn may_route(&mut self) -> bool {
        self.reply_bytes() < self.shared.memory.max_session() / 4 * 3
    }

    /// Whether a request of `size` bytes would take it past its budget.
    pub(super) fn over_budget_with(&mut self, size: usize) -> bool {
        self.held_bytes() + size + MESSAGE_OVERHEAD > self.shared.memory.max_session()
    }

    /// The room its write side has for publishes now.
    pub(super) fn room(&self) -> Room {
        let pending = self.out.pending();
        let half = usize::try_from(self.shared.config.session.max_write_buffer_bytes / 2)
            .unwrap_or(usize::MAX);
        Room::new(half.saturating_sub(pending), pending == 0)
    }
}
