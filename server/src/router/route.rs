//! The [`Router`]: one per worker, shared by its sessions. A publish is decoded
//! (bounded) into a typed request and handed to the Auth or Profile route; the CONNECT
//! check and disconnects go to `connect.rs`.

use std::sync::Arc;

use actix::Addr;
use bytes::Bytes;
use roster_actors::{
    auth::AuthActor,
    profile::{CachedGet, ProfileActor},
};

use super::{
    auth::AuthRoute,
    caller::Caller,
    connect::{self, Refusal},
    profile::ProfileRoute,
    routed::{LocalFut, Route, Routed},
};
use crate::{
    client_id::ClientId,
    guard::VerifyGuard,
    term::{self, IoResult, Limits, Reply, Request, Tail},
};

/// The request router shared by every session of a worker.
#[derive(Clone)]
pub struct Router {
    /// Auth requests: the actor and the failed-verify caps.
    auth: AuthRoute,
    /// Profile requests: the actor and the cached `get`s.
    profile: ProfileRoute,
    /// Bounds on untrusted ETF.
    limits: Arc<Limits>,
}

impl Router {
    /// A router over the domain actors (failed verifies uncapped until
    /// [`Router::with_verify_guard`]).
    pub fn new(auth: Addr<AuthActor>, profile: Addr<ProfileActor>, limits: Limits) -> Self {
        Self {
            auth: AuthRoute {
                actor: auth,
                verify: Arc::new(VerifyGuard::new(0, 0)),
            },
            profile: ProfileRoute {
                actor: profile,
                cached: None,
            },
            limits: Arc::new(limits),
        }
    }

    /// The same router, answering cached Profile `get`s itself.
    pub fn with_cached_gets(mut self, cached: CachedGet) -> Self {
        self.profile.cached = Some(cached);
        self
    }

    /// The same router, capping failed verifies with `guard`.
    pub fn with_verify_guard(mut self, guard: Arc<VerifyGuard>) -> Self {
        self.auth.verify = guard;
        self
    }

    /// The AuthActor and the ProfileActor it routes to (the server's one pair).
    pub fn actors(&self) -> (&Addr<AuthActor>, &Addr<ProfileActor>) {
        (&self.auth.actor, &self.profile.actor)
    }

    /// Checks a logged-in ClientId's password against its stored session token.
    pub fn authenticate(
        &self,
        client: &ClientId,
        password: Option<&str>,
    ) -> LocalFut<Result<(), Refusal>> {
        connect::authenticate(&self.auth.actor, client, password)
    }

    /// A client's connection ended.
    pub fn disconnected(&self, caller: &Caller) {
        connect::disconnected(&self.auth.actor, caller);
    }

    /// Handles one request payload.
    pub fn route(&self, caller: &Caller, payload: Bytes) -> Route {
        match term::decode(&payload, &self.limits) {
            Ok(Request::Auth(tuple)) => self.auth.route(caller, tuple),
            Ok(Request::Profile(req)) => self.profile.route(caller, req),
            Err(e) => {
                log::debug!("{:?}: {}", caller.client_id, e.reason);
                let tail = e.auth_token.map_or(Tail::Empty, Tail::Auth);
                let reply = Reply::Io {
                    result: IoResult::Error("invalid_data"),
                    tail,
                };
                Route::Ready(Routed::one(&reply))
            }
        }
    }
}
