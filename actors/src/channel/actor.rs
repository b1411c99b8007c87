//! `ChannelActor`: one per channel (`SmsActor`, `VoiceActor`). It admits each
//! `SendCode` through its gate, runs the provider under the channel's deadline in
//! its own future, and logs the outcome without the code.

use std::{marker::PhantomData, sync::Arc, time::Duration};

use actix::{Actor, Context, Handler, Message, ResponseFuture};
use tokio::time::{timeout, Instant};

use super::{
    delivery::{Channel, Delivery},
    gate::{Gate, Ticket},
    provider::{DeliveryError, Provider},
};

/// Ties an actor type to one channel, so an `Addr<SmsActor>` cannot be handed
/// where an `Addr<VoiceActor>` is expected.
pub trait ChannelKind: Unpin + 'static {
    /// The channel this kind of actor delivers.
    const CHANNEL: Channel;
}

/// Marker for the SMS channel.
#[derive(Debug)]
pub struct SmsKind;

/// Marker for the voice channel.
#[derive(Debug)]
pub struct VoiceKind;

impl ChannelKind for SmsKind {
    const CHANNEL: Channel = Channel::Sms;
}

impl ChannelKind for VoiceKind {
    const CHANNEL: Channel = Channel::Voice;
}

/// Delivers verification codes by SMS.
pub type SmsActor = ChannelActor<SmsKind>;
/// Delivers verification codes by voice call.
pub type VoiceActor = ChannelActor<VoiceKind>;

/// How much a channel may do at once, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most one delivery may take, queueing and the provider's retries included;
    /// past it the caller gets `Timeout`.
    pub deadline: Duration,
    /// Deliveries in flight at once.
    pub max_concurrent: usize,
    /// Deliveries waiting for a slot; more are refused with `Busy`.
    pub max_queued: usize,
}

/// Ask a channel actor to deliver a code. Answers once the provider accepted it.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), DeliveryError>")]
pub struct SendCode(pub Delivery);

/// Delivers the codes of one channel through a provider.
///
/// It owns what its channel serves: the provider and the gate (the in-flight and
/// waiting counts behind `max_concurrent` and `max_queued`). `start_channels`
/// moves both in and keeps no copy; besides the actor only its own delivery
/// futures hold them (an `Arc` of the provider, a gate ticket each) while they
/// run. There is no fast path around the mailbox: every code arrives as a
/// [`SendCode`], so admission follows mailbox order.
pub struct ChannelActor<K: ChannelKind> {
    /// Whatever actually delivers (simulated outbox, webhook, Twilio); lent to
    /// each delivery future for the length of its call.
    provider: Arc<dyn Provider>,
    /// Upper bound on one delivery, enforced here around the provider.
    deadline: Duration,
    /// Bounds in-flight and waiting deliveries; its counts are shared only with
    /// the tickets this actor hands its own delivery futures.
    gate: Gate,
    /// Which channel this actor serves.
    kind: PhantomData<fn() -> K>,
}

impl<K: ChannelKind> ChannelActor<K> {
    /// An actor delivering through `provider` within `limits`.
    pub fn new(provider: Arc<dyn Provider>, limits: Limits) -> Self {
        Self {
            provider,
            deadline: limits.deadline,
            gate: Gate::new(limits.max_concurrent, limits.max_queued),
            kind: PhantomData,
        }
    }
}

impl<K: ChannelKind> Actor for ChannelActor<K> {
    type Context = Context<Self>;
}

impl<K: ChannelKind> Handler<SendCode> for ChannelActor<K> {
    type Result = ResponseFuture<Result<(), DeliveryError>>;

    fn handle(&mut self, SendCode(delivery): SendCode, _ctx: &mut Context<Self>) -> Self::Result {
        // Admission happens here, in mailbox order; the wait and the provider call
        // run in the returned future, so a slow provider never holds the mailbox.
        let admitted = if delivery.channel == K::CHANNEL {
            self.gate.admit()
        } else {
            Err(DeliveryError::WrongChannel)
        };
        let provider = Arc::clone(&self.provider);
        let deadline = self.deadline;
        Box::pin(async move {
            let started = Instant::now();
            let result = match admitted {
                Ok(ticket) => run(provider.as_ref(), &delivery, ticket, deadline).await,
                Err(e) => Err(e),
            };
            let ms = started.elapsed().as_millis();
            match &result {
                Ok(()) => log::info!("{delivery} delivered in {ms} ms"),
                Err(e) => log::warn!("{delivery} failed after {ms} ms: {e}"),
            }
            result
        })
    }
}

/// Waits for a slot and delivers, all within `deadline`.
async fn run(
    provider: &dyn Provider,
    delivery: &Delivery,
    ticket: Ticket,
    deadline: Duration,
) -> Result<(), DeliveryError> {
    let attempt = async {
        let _slot = ticket.slot().await?;
        provider.deliver(delivery).await
    };
    timeout(deadline, attempt)
        .await
        .unwrap_or(Err(DeliveryError::Timeout))
}

#[cfg(test)]
mod tests;
