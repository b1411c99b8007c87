//! The admission gate of one channel: at most `max_concurrent` deliveries in
//! flight, at most `max_queued` waiting for a slot, the rest refused as busy.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::provider::DeliveryError;

/// Shared by a channel actor and its in-flight delivery futures.
#[derive(Debug)]
pub(crate) struct Gate {
    /// One permit per delivery allowed in flight.
    slots: Arc<Semaphore>,
    /// Deliveries admitted but still waiting for a permit.
    waiting: Arc<AtomicUsize>,
    /// The bound on `waiting`.
    max_queued: usize,
}

/// A place in the gate, taken synchronously in the actor's handler so admission
/// follows mailbox order; `slot().await` yields the in-flight permit.
#[derive(Debug)]
pub(crate) enum Ticket {
    /// A slot was free at admission.
    Ready(OwnedSemaphorePermit),
    /// Admitted to the queue; holds the semaphore to wait on.
    Queued(Arc<Semaphore>, WaitingGuard),
}

/// Counts one waiting delivery until it gets a slot or is dropped (deadline passed).
#[derive(Debug)]
pub(crate) struct WaitingGuard(Arc<AtomicUsize>);

impl Drop for WaitingGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Gate {
    /// A gate with `max_concurrent` slots (at least one) and room for `max_queued` waiters.
    pub(crate) fn new(max_concurrent: usize, max_queued: usize) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(
                max_concurrent.clamp(1, Semaphore::MAX_PERMITS),
            )),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_queued,
        }
    }

    /// Admits a delivery now, or refuses it with `Busy` when slots and queue are full.
    pub(crate) fn admit(&self) -> Result<Ticket, DeliveryError> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(Ticket::Ready(permit));
        }
        let before = self.waiting.fetch_add(1, Ordering::AcqRel);
        let guard = WaitingGuard(Arc::clone(&self.waiting));
        if before >= self.max_queued {
            return Err(DeliveryError::Busy);
        }
        Ok(Ticket::Queued(Arc::clone(&self.slots), guard))
    }
}

impl Ticket {
    /// Waits (if queued) for an in-flight slot; the permit frees it when dropped.
    pub(crate) async fn slot(self) -> Result<OwnedSemaphorePermit, DeliveryError> {
        match self {
            Ticket::Ready(permit) => Ok(permit),
            Ticket::Queued(slots, _waiting) => {
                slots.acquire_owned().await.map_err(|_| DeliveryError::Busy)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn slots_then_queue_then_busy() {
        let gate = Gate::new(1, 1);
        let first = gate.admit().unwrap();
        assert!(matches!(first, Ticket::Ready(_)));
        let second = gate.admit().unwrap();
        assert!(matches!(second, Ticket::Queued(..)));
        assert!(matches!(gate.admit(), Err(DeliveryError::Busy)));

        let held = first.slot().await.unwrap();
        drop(held);
        let _running = second.slot().await.unwrap();
        // The waiter left the queue, so one more may wait.
        assert!(matches!(gate.admit(), Ok(Ticket::Queued(..))));
    }

    #[test]
    fn a_dropped_waiter_frees_its_queue_place() {
        let gate = Gate::new(1, 1);
        let _first = gate.admit().unwrap();
        let second = gate.admit().unwrap();
        drop(second);
        assert!(matches!(gate.admit(), Ok(Ticket::Queued(..))));
    }
}
