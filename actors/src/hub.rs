//! The domain's view of connected clients. Implemented by the MQTT side (which knows
//! who is connected); the domain only names ClientIds.

/// What the domain may ask of the connection layer.
pub trait Hub: Send + Sync + 'static {
    /// Close the live connection of `client_id`, if any, and forget its kept state.
    fn close(&self, client_id: &str);
}

/// A hub that does nothing, for tests of the domain alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHub;

impl Hub for NoHub {
    fn close(&self, _client_id: &str) {}
}
