//! What the registry needs of the actor behind a connection, as a trait: the registry
//! is generic over it, so it never names the session actor.

use actix::prelude::*;

use crate::session::messages::{Drain, Kick, Push};

/// What the registry needs of a connection's actor: to take a delivery ([`Push`]), to
/// be closed ([`Kick`], handing over its state) and to be drained ([`Drain`]). The
/// session actor is the one in the server; any actor handling the three is one.
pub trait Connection:
    Actor<Context = Context<Self>> + Handler<Kick> + Handler<Push> + Handler<Drain>
{
}

impl<A> Connection for A where
    A: Actor<Context = Context<A>> + Handler<Kick> + Handler<Push> + Handler<Drain>
{
}
