//! What routing one request produces: replies at once ([`Route::Ready`]) or a future
//! of them ([`Route::Pending`]), as [`Routed`] payloads.

use std::{future::Future, pin::Pin};

use bytes::Bytes;

use crate::term::{self, AtomFamily, IoResult, Reply, Tail};

/// A boxed future run on the session's own arbiter.
pub type LocalFut<T> = Pin<Box<dyn Future<Output = T>>>;

/// How a request is answered: at once, or by a future run on the session's arbiter.
pub enum Route {
    /// Answered without waiting (a bad payload, a refused field, a `get` from the
    /// cache).
    Ready(Routed),
    /// Answered when the domain actor is done.
    Pending(LocalFut<Routed>),
}

impl Route {
    /// The same answer with its replies' atoms in `family` (a no-op for UTF-8,
    /// which the encoder writes).
    pub(super) fn in_family(self, family: AtomFamily) -> Route {
        match (family, self) {
            (AtomFamily::Utf8, route) => route,
            (AtomFamily::Latin1, Route::Ready(routed)) => Route::Ready(routed.latin1()),
            (AtomFamily::Latin1, Route::Pending(fut)) => {
                Route::Pending(Box::pin(async move { fut.await.latin1() }))
            }
        }
    }
}

/// What one request produced.
#[derive(Debug, Default)]
pub struct Routed {
    /// Reply payloads, in order.
    pub replies: Vec<Bytes>,
    /// Close the connection once they are sent (the caller logged itself out).
    pub close: bool,
}

impl Routed {
    /// Every reply with `ATOM_EXT` (100) atoms.
    fn latin1(mut self) -> Routed {
        for reply in &mut self.replies {
            if let Some(old) = term::to_latin1(reply) {
                *reply = Bytes::from(old);
            }
        }
        self
    }

    /// One reply, the connection kept.
    pub(super) fn one(reply: &Reply) -> Routed {
        Routed {
            replies: vec![Bytes::from(term::encode(reply))],
            close: false,
        }
    }

    /// `{io,{error,unavailable},<<>>}`: the domain could not be reached.
    pub(super) fn unavailable() -> Routed {
        Routed::one(&Reply::Io {
            result: IoResult::Error("unavailable"),
            tail: Tail::Empty,
        })
    }
}
