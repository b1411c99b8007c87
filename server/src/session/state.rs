//! The state a persistent session keeps between connections: what the registry parks
//! while its client is away and hands back on its return. Pure data, so the registry
//! can hold it without knowing the session actor.

use std::collections::BTreeSet;

use mqtt::QualityOfService;

use super::outbox::Outbox;

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
