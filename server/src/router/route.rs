//! The [`Router`]: one per worker, shared by its sessions. A publish is charged to
//! the decode budget of its connection and address, decoded (bounded) into a typed
//! request and handed to the Auth or Profile route; the CONNECT check and disconnects
//! go to `connect.rs`.

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
    guard::{DecodeBudget, DecodeRefusal, VerifyGuard},
    term::{self, AtomFamily, IoResult, Limits, Reply, ReplyAtoms, Request, Tail},
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
    /// `[wire] reply_atoms`: which atom tags replies use.
    reply_atoms: ReplyAtoms,
    /// Decode work per connection and per address, charged before decoding.
    budget: Arc<DecodeBudget>,
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
            reply_atoms: ReplyAtoms::default(),
            budget: Arc::new(DecodeBudget::off()),
        }
    }

    /// The same router, answering in the atom family `atoms` chooses.
    pub fn with_reply_atoms(mut self, atoms: ReplyAtoms) -> Self {
        self.reply_atoms = atoms;
        self
    }

    /// The same router, charging decode work to `budget` (shared by every worker, as
    /// its per-address buckets must be).
    pub fn with_decode_budget(mut self, budget: Arc<DecodeBudget>) -> Self {
        self.budget = budget;
        self
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
    ///
    /// `request_atoms` is the payload's atom family ([`term::request_family`]), read
    /// by the caller, which keeps it for what it pushes later; `None` when unknown or
    /// not asked for (`reply_atoms` other than `"mirror"`).
    pub fn route(
        &self,
        caller: &Caller,
        payload: Bytes,
        request_atoms: Option<AtomFamily>,
    ) -> Route {
        let family = self.reply_atoms.choose(request_atoms);
        let work = term::decode_work(&payload, &self.limits);
        let conn = &caller.conn;
        if let Err(refusal) = self.budget.charge(conn.decode(), conn.ip(), work) {
            return Route::Ready(over_budget(caller, refusal)).in_family(family);
        }
        let route = match term::decode(&payload, &self.limits) {
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
        };
        route.in_family(family)
    }
}

/// `{io,{error,too_many_requests},<<>>}` for a payload beyond the decode budget (not
/// decoded, so no token to echo); a connection that kept on is closed after it.
fn over_budget(caller: &Caller, refusal: DecodeRefusal) -> Routed {
    match refusal {
        DecodeRefusal::Close => log::info!(
            "{:?}: kept sending past its decode budget; closing",
            caller.client_id
        ),
        DecodeRefusal::Connection => {
            log::debug!(
                "{:?}: decode budget of its connection spent",
                caller.client_id
            )
        }
        DecodeRefusal::Address => {
            log::debug!("{:?}: decode budget of its address spent", caller.client_id)
        }
    }
    let reply = Reply::Io {
        result: IoResult::Error("too_many_requests"),
        tail: Tail::Empty,
    };
    let mut routed = Routed::one(&reply);
    routed.close = refusal == DecodeRefusal::Close;
    routed
}
