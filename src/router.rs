//! Where a client's requests go: the CONNECT check for logged-in ids, and every publish
//! under `events/` turned into reply payloads for the client's actions topic.

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use bytes::Bytes;

use crate::client_id::ClientId;

/// A boxed future run on the session's own arbiter.
pub type LocalFut<T> = Pin<Box<dyn Future<Output = T>>>;

/// Who sent a request: always the session's own identity, never what a topic claims.
#[derive(Clone)]
pub struct Caller {
    /// The connection's ClientId.
    pub client_id: ClientId,
    /// The session token it logged in with (logged-in ids only).
    pub token: Option<Arc<str>>,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret: never shown.
        f.debug_struct("Caller")
            .field("client_id", &self.client_id)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Why a logged-in CONNECT is refused; maps to a CONNACK return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// CONNACK 4: the password is missing or is not the session's token.
    BadCredentials,
    /// CONNACK 5: no session is known for this ClientId.
    NotAuthorized,
    /// CONNACK 3: the store could not be asked.
    Unavailable,
}

/// The request router shared by every session.
#[derive(Clone, Default)]
pub struct Router {}

impl Router {
    /// Checks a logged-in ClientId's password. No sessions exist until the Auth actor
    /// issues them, so every such CONNECT is refused.
    pub fn authenticate(
        &self,
        _client: &ClientId,
        password: Option<&str>,
    ) -> LocalFut<Result<(), Refusal>> {
        let refusal = if password.is_none() {
            Refusal::BadCredentials
        } else {
            Refusal::NotAuthorized
        };
        Box::pin(async move { Err(refusal) })
    }

    /// Handles one request payload; the answer is the list of reply payloads, in order.
    pub fn route(&self, caller: &Caller, payload: Bytes) -> LocalFut<Vec<Bytes>> {
        log::debug!("{:?}: request of {} bytes", caller.client_id, payload.len());
        Box::pin(async move { vec![invalid_data()] })
    }
}

/// `{io,{error,invalid_data},<<>>}`.
fn invalid_data() -> Bytes {
    use eetf::{Atom, Binary, Term, Tuple};
    let term = Term::from(Tuple::from(vec![
        Term::from(Atom::from("io")),
        Term::from(Tuple::from(vec![
            Term::from(Atom::from("error")),
            Term::from(Atom::from("invalid_data")),
        ])),
        Term::from(Binary::from(Vec::new())),
    ]));
    let mut buf = Vec::new();
    // Encoding into a Vec cannot fail.
    let _ = term.encode(&mut buf);
    Bytes::from(buf)
}
