//! The domain's view of connected clients. Implemented by the MQTT side (which knows
//! who is connected and how to encode); the domain only names ClientIds.

use crate::profile::ProfileView;

/// What the domain may ask of the connection layer.
pub trait Hub: Send + Sync + 'static {
    /// Close the live connection of `client_id`, if any, and forget its kept state.
    fn close(&self, client_id: &str);

    /// Publish a changed profile to `client_id` (at QoS 1): now if it is connected,
    /// queued if it is a persistent session that is away, else dropped.
    fn deliver_profile(&self, client_id: &str, view: &ProfileView);

    /// Whether any of `client_ids` is connected now. Answered at once, from a table the
    /// connections keep (a `get` served from the cache waits on nothing).
    fn any_online(&self, client_ids: &[String]) -> bool;
}

/// A hub that does nothing (nobody is online), for tests of the domain alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHub;

impl Hub for NoHub {
    fn close(&self, _client_id: &str) {}

    fn deliver_profile(&self, _client_id: &str, _view: &ProfileView) {}

    fn any_online(&self, _client_ids: &[String]) -> bool {
        false
    }
}
