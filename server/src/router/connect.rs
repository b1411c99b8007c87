//! The router's part in a connection's life: the CONNECT check of a logged-in id's
//! password, and `last_online` when it goes.

use actix::Addr;
use roster_actors::auth::{AuthActor, CheckToken, ConnectRefusal, Disconnected};

use super::{caller::Caller, routed::LocalFut};
use crate::client_id::ClientId;

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

/// Checks a logged-in ClientId's password against its stored session token.
pub(super) fn authenticate(
    auth: &Addr<AuthActor>,
    client: &ClientId,
    password: Option<&str>,
) -> LocalFut<Result<(), Refusal>> {
    let check = auth.send(CheckToken {
        client_id: client.as_str().to_owned(),
        token: password.map(str::to_owned),
    });
    Box::pin(async move {
        match check.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(ConnectRefusal::BadToken)) => Err(Refusal::BadCredentials),
            Ok(Err(ConnectRefusal::NoSession)) => Err(Refusal::NotAuthorized),
            Ok(Err(ConnectRefusal::Unavailable)) | Err(_) => Err(Refusal::Unavailable),
        }
    })
}

/// A client's connection ended: a logged-in one records `last_online`.
pub(super) fn disconnected(auth: &Addr<AuthActor>, caller: &Caller) {
    if caller.logged_in() {
        auth.do_send(Disconnected {
            client_id: caller.client_id.as_str().to_owned(),
        });
    }
}
