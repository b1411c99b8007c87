//! The state a persistent session keeps between connections: what the registry parks
//! while its client is away and hands back on its return, and what it holds in bytes.
//! Pure data, so the registry can hold it without knowing the session actor.

use std::collections::BTreeSet;

use mqtt::QualityOfService;

use super::outbox::{Outbox, Outgoing};
use crate::config::SessionConfig;

/// Bytes counted per inbound QoS 2 id awaiting PUBREL (its share of a B-tree node).
pub const QOS2_ID_BYTES: usize = 16;

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
    /// A change of its profile was dropped while it was away (over
    /// `session.max_session_bytes`): on its return it is sent its current profile.
    pub reread_profile: bool,
}

impl SessionState {
    /// A fresh state with the given outbox limits.
    pub fn new(max_inflight: usize, max_queued: usize, max_inflight_bytes: usize) -> Self {
        Self {
            outbox: Outbox::new(max_inflight, max_queued, max_inflight_bytes),
            awaiting_rel: BTreeSet::new(),
            sub_qos: QualityOfService::Level2,
            reread_profile: false,
        }
    }

    /// A fresh state with the limits of `[session]`: the inflight window may hold half
    /// of `max_session_bytes`.
    pub fn for_config(cfg: &SessionConfig) -> Self {
        let half = usize::try_from(cfg.max_session_bytes / 2).unwrap_or(usize::MAX);
        Self::new(cfg.max_inflight, cfg.max_queued, half)
    }

    /// Bytes it holds: its messages and its QoS 2 ids.
    pub fn bytes(&self) -> usize {
        self.outbox.bytes() + self.awaiting_rel.len() * QOS2_ID_BYTES
    }

    /// Keeps it within `max_bytes` while it is away: the oldest queued messages are
    /// dropped, and if a profile change was among them the session is marked to
    /// re-read its profile on its return.
    pub fn trim(&mut self, max_bytes: usize) {
        let ids = self.awaiting_rel.len() * QOS2_ID_BYTES;
        if self.outbox.trim(max_bytes.saturating_sub(ids)) {
            self.reread_profile = true;
        }
    }

    /// A message for the client while it is away: queued (a newer profile change
    /// replaces a queued older one), then trimmed to `max_bytes`.
    pub fn park(&mut self, msg: Outgoing, max_bytes: usize) {
        self.outbox.queue(msg);
        self.trim(max_bytes);
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::session::outbox::Kind;

    fn change(len: usize) -> Outgoing {
        Outgoing {
            payload: Bytes::from(vec![0; len]),
            qos: QualityOfService::Level1,
            kind: Kind::ProfileChange,
        }
    }

    #[test]
    fn a_parked_session_keeps_the_newest_change_within_its_bytes() {
        let mut s = SessionState::new(4, 100, 1 << 20);
        for _ in 0..20 {
            s.park(change(10_000), 100_000);
        }
        assert!(s.bytes() < 11_000, "one change kept: {}", s.bytes());
        assert!(!s.reread_profile);
        // A change larger than the budget is dropped, and the session marked.
        s.park(change(200_000), 100_000);
        assert_eq!(s.bytes(), 0);
        assert!(s.reread_profile);
    }
}
