//! The seam between a channel actor and whatever delivers codes: the `Provider`
//! trait and its error.

use std::{future::Future, pin::Pin};

use super::delivery::Delivery;

/// The future a provider returns: it may borrow the provider and the delivery.
pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// Something that delivers a verification code: the simulated outbox, a webhook,
/// Twilio. Shared by all in-flight deliveries of a channel, hence `Send + Sync`.
///
/// A provider does not enforce the channel's overall deadline or its concurrency
/// bound; the actor does. It may retry inside `deliver`.
pub trait Provider: Send + Sync + 'static {
    /// Delivers one code; resolves once the provider has accepted it (for the
    /// simulated provider: once the outbox line is written and flushed).
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> DeliveryFuture<'a>;
}

/// Why a delivery failed. No variant carries the code, a phone, or a secret.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The provider did not answer within the channel's time limit.
    #[error("provider did not answer in time")]
    Timeout,
    /// The provider answered with a non-success HTTP status.
    #[error("provider refused the delivery with HTTP status {status}")]
    Rejected {
        /// The HTTP status code of the last answer.
        status: u16,
    },
    /// The request could not be sent or its answer not read (connection refused, reset, TLS).
    #[error("provider unreachable: {0}")]
    Transport(String),
    /// The simulated provider could not write its outbox.
    #[error("outbox write failed: {0}")]
    Io(#[from] std::io::Error),
    /// Too many deliveries are already waiting on this channel.
    #[error("too many deliveries in progress")]
    Busy,
    /// A delivery for one channel was sent to the other channel's actor.
    #[error("delivery sent to the wrong channel")]
    WrongChannel,
}
