//! Where a client's requests go: the CONNECT check for logged-in ids, and every publish
//! under `events/` decoded (bounded) into a typed request, handed to its domain actor,
//! and the typed answer encoded as ETF replies for the client's actions topic.

mod auth;
pub mod profile;

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use actix::Addr;
use bytes::Bytes;
use roster_actors::{
    auth::{AuthActor, AuthCaller, CheckToken, ConnectRefusal, Disconnected, Handle},
    profile::{self as domain, ProfileActor, ProfileCaller},
};

use crate::{
    client_id::{ClientId, ClientKind},
    term::{self, IoResult, Limits, Reply, Request, Tail},
};

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

/// What one request produced.
#[derive(Debug, Default)]
pub struct Routed {
    /// Reply payloads, in order.
    pub replies: Vec<Bytes>,
    /// Close the connection once they are sent (the caller logged itself out).
    pub close: bool,
}

impl Routed {
    fn one(reply: &Reply) -> Routed {
        Routed {
            replies: vec![Bytes::from(term::encode(reply))],
            close: false,
        }
    }
}

/// The request router shared by every session.
#[derive(Clone)]
pub struct Router {
    /// Registration and sessions.
    auth: Addr<AuthActor>,
    /// Profiles.
    profile: Addr<ProfileActor>,
    /// Bounds on untrusted ETF.
    limits: Arc<Limits>,
}

impl Router {
    /// A router over the domain actors.
    pub fn new(auth: Addr<AuthActor>, profile: Addr<ProfileActor>, limits: Limits) -> Self {
        Self {
            auth,
            profile,
            limits: Arc::new(limits),
        }
    }

    /// Checks a logged-in ClientId's password against its stored session token.
    pub fn authenticate(
        &self,
        client: &ClientId,
        password: Option<&str>,
    ) -> LocalFut<Result<(), Refusal>> {
        let check = self.auth.send(CheckToken {
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

    /// A logged-in client's connection ended.
    pub fn disconnected(&self, caller: &Caller) {
        if caller.client_id.kind() == ClientKind::LoggedIn {
            self.auth.do_send(Disconnected {
                client_id: caller.client_id.as_str().to_owned(),
            });
        }
    }

    /// Handles one request payload.
    pub fn route(&self, caller: &Caller, payload: Bytes) -> LocalFut<Routed> {
        let request = match term::decode(&payload, &self.limits) {
            Ok(r) => r,
            Err(e) => {
                log::debug!("{:?}: {}", caller.client_id, e.reason);
                let tail = e.auth_token.map_or(Tail::Empty, Tail::Auth);
                let reply = Reply::Io {
                    result: IoResult::Error("invalid_data"),
                    tail,
                };
                return Box::pin(async move { Routed::one(&reply) });
            }
        };
        match request {
            Request::Auth(req) => {
                let kind = req.kind;
                let handle = self.auth.send(Handle {
                    caller: AuthCaller {
                        client_id: caller.client_id.as_str().to_owned(),
                        logged_in: caller.client_id.kind() == ClientKind::LoggedIn,
                        token: caller.token.as_deref().map(str::to_owned),
                    },
                    req,
                });
                Box::pin(async move {
                    match handle.await {
                        Ok(answer) => auth::routed(kind, answer),
                        Err(_) => Routed::one(&auth::unavailable()),
                    }
                })
            }
            Request::Profile(req) => {
                let handle = self.profile.send(domain::Handle {
                    caller: ProfileCaller {
                        client_id: caller.client_id.as_str().to_owned(),
                        logged_in: caller.client_id.kind() == ClientKind::LoggedIn,
                        token: caller.token.as_deref().map(str::to_owned),
                    },
                    req,
                });
                Box::pin(async move {
                    match handle.await {
                        Ok(answer) => profile::routed(answer),
                        Err(_) => Routed::one(&auth::unavailable()),
                    }
                })
            }
        }
    }
}
