//! Where a client's requests go: the CONNECT check for logged-in ids, and every publish
//! under `events/` decoded (bounded) into a typed request, handed to its domain actor,
//! and the typed answer encoded as ETF replies for the client's actions topic.

mod auth;
pub mod profile;

use std::{fmt, future::Future, pin::Pin, sync::Arc};

use actix::Addr;
use bytes::Bytes;
use roster_actors::{
    auth::{AuthActor, AuthCaller, AuthType, CheckToken, ConnectRefusal, Disconnected, Handle},
    profile::{self as domain, CachedGet, ProfileActor, ProfileCaller},
};

use crate::{
    client_id::{ClientId, ClientKind},
    guard::{ConnGuard, VerifyGuard, VerifyRefusal},
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
    /// Its connection's address and failed verifies, for the [`VerifyGuard`].
    pub conn: ConnGuard,
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

/// How a request is answered: at once, or by a future run on the session's arbiter.
pub enum Route {
    /// Answered without waiting (a bad payload, a `get` from the cache).
    Ready(Routed),
    /// Answered when the domain actor is done.
    Pending(LocalFut<Routed>),
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
    /// Caps on failed verifies per connection and per address.
    verify: Arc<VerifyGuard>,
    /// Profile `get`s answered from the cache without the actor, when set.
    cached: Option<CachedGet>,
}

impl Router {
    /// A router over the domain actors (failed verifies uncapped until
    /// [`Router::with_verify_guard`]).
    pub fn new(auth: Addr<AuthActor>, profile: Addr<ProfileActor>, limits: Limits) -> Self {
        Self {
            auth,
            profile,
            limits: Arc::new(limits),
            verify: Arc::new(VerifyGuard::new(0, 0)),
            cached: None,
        }
    }

    /// The same router, answering cached Profile `get`s itself.
    pub fn with_cached_gets(mut self, cached: CachedGet) -> Self {
        self.cached = Some(cached);
        self
    }

    /// The same router, capping failed verifies with `guard`.
    pub fn with_verify_guard(mut self, guard: Arc<VerifyGuard>) -> Self {
        self.verify = guard;
        self
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
    pub fn route(&self, caller: &Caller, payload: Bytes) -> Route {
        let request = match term::decode(&payload, &self.limits) {
            Ok(r) => r,
            Err(e) => {
                log::debug!("{:?}: {}", caller.client_id, e.reason);
                let tail = e.auth_token.map_or(Tail::Empty, Tail::Auth);
                let reply = Reply::Io {
                    result: IoResult::Error("invalid_data"),
                    tail,
                };
                return Route::Ready(Routed::one(&reply));
            }
        };
        match request {
            Request::Auth(req) => {
                let kind = req.kind;
                let verify = kind == AuthType::Verify;
                if verify {
                    if let Err(refusal) = self.verify.charge(&caller.conn) {
                        return Route::Ready(refuse_verify(caller, refusal, req.token));
                    }
                }
                let (guard, conn) = (self.verify.clone(), caller.conn.clone());
                let handle = self.auth.send(Handle {
                    caller: AuthCaller {
                        client_id: caller.client_id.as_str().to_owned(),
                        logged_in: caller.client_id.kind() == ClientKind::LoggedIn,
                        token: caller.token.as_deref().map(str::to_owned),
                    },
                    req,
                });
                Route::Pending(Box::pin(async move {
                    match handle.await {
                        Ok(answer) => {
                            if verify && !answer.result.as_ref().is_err_and(auth::is_guess) {
                                guard.refund(&conn);
                            }
                            auth::routed(kind, answer)
                        }
                        Err(_) => {
                            if verify {
                                guard.refund(&conn);
                            }
                            Routed::one(&auth::unavailable())
                        }
                    }
                }))
            }
            Request::Profile(req) => {
                let logged_in = caller.client_id.kind() == ClientKind::LoggedIn;
                if let Some(answer) = self.cached.as_ref().filter(|_| logged_in).and_then(|c| {
                    c.answer(caller.client_id.as_str(), caller.token.as_deref(), &req)
                }) {
                    return Route::Ready(profile::routed(answer.into()));
                }
                let handle = self.profile.send(domain::Handle {
                    caller: ProfileCaller {
                        client_id: caller.client_id.as_str().to_owned(),
                        logged_in,
                        token: caller.token.as_deref().map(str::to_owned),
                    },
                    req,
                });
                Route::Pending(Box::pin(async move {
                    match handle.await {
                        Ok(answer) => profile::routed(answer),
                        Err(_) => Routed::one(&auth::unavailable()),
                    }
                }))
            }
        }
    }
}

/// `{error,too_many_requests}` for a verify the [`VerifyGuard`] refuses; a connection
/// that has failed its share is closed after the reply.
fn refuse_verify(caller: &Caller, refusal: VerifyRefusal, token: Option<String>) -> Routed {
    match refusal {
        VerifyRefusal::Connection => log::info!(
            "{:?}: too many failed verifies on this connection; closing",
            caller.client_id
        ),
        VerifyRefusal::Address => log::debug!(
            "{:?}: too many failed verifies from this address",
            caller.client_id
        ),
    }
    let reply = Reply::Io {
        result: IoResult::Error("too_many_requests"),
        tail: Tail::Auth(token.unwrap_or_default()),
    };
    let mut routed = Routed::one(&reply);
    routed.close = refusal == VerifyRefusal::Connection;
    routed
}
