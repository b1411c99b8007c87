//! [`Caller`]: who sent a request, as the session knows it, and as the domain gets it.

use std::{fmt, sync::Arc};

use roster_actors::caller;

use crate::{
    client_id::{ClientId, ClientKind},
    guard::ConnGuard,
};

/// Who sent a request: always the session's own identity, never what a topic claims.
#[derive(Clone)]
pub struct Caller {
    /// The connection's ClientId.
    pub client_id: ClientId,
    /// The session token it logged in with (logged-in ids only).
    pub token: Option<Arc<str>>,
    /// Its connection's address and failed verifies, for the
    /// [`VerifyGuard`](crate::guard::VerifyGuard).
    pub conn: ConnGuard,
}

impl Caller {
    /// Whether it is a logged-in id (whose token was checked at CONNECT).
    pub fn logged_in(&self) -> bool {
        self.client_id.kind() == ClientKind::LoggedIn
    }

    /// The caller as the domain actors take it.
    pub(super) fn domain(&self) -> caller::Caller {
        caller::Caller {
            client_id: self.client_id.as_str().to_owned(),
            logged_in: self.logged_in(),
            token: self.token.clone(),
        }
    }
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
