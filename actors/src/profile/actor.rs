//! The ProfileActor: one for the whole server, the owner of Profile's state.
//!
//! What it owns, as plain fields: `[profile]` (and the `[auth]` code rules its
//! migrations follow), the code key, and the `get` cache ([`ProfileCache`]); the
//! routers answer cached `get`s from [`CachedGet`], a read-only view of that cache
//! ([`ProfileActor::cached_get`]), without a mailbox.
//!
//! The tables it alone writes (through `ops/`): `person`, `profile`,
//! `roster_account`, `profile_migration`. Two crossings, each inside one transaction
//! so that the change is atomic: the account's first profile is created by
//! [`ensure`](super::ensure), Profile's operation, run in Auth's `verify` job; and
//! Profile's `remove` and `confirm` delete or move the phone's rows of Auth's
//! `auth_session` (through `sessions.rs`) and a migration code counts against Auth's
//! `auth_send` (through `codes`).
//!
//! Each request is one store job (group committed, answered after COMMIT; a `get`
//! the cache holds needs none). The [`Store`] owns the connections and the
//! group-commit writer thread; the actor hands it jobs. A job's future holds what it
//! needs (the store handle, the env, the caller's id and token), never the actor's
//! state: the cache is filled and forgotten only in the actor's own context, once the
//! job is done (`.map(|res, act, _| …)`), before the reply. Then it asks the hub for
//! presence, publishes changes to the account's other sessions and closes the
//! connections of a removed account. It never blocks: every request is an
//! [`ActorFuture`] of its own (spawned in the actor's context, never `.wait`ed).
//! Actix polls every ActorFuture of a context each time it wakes, which the
//! AuthActor avoids (its futures are tasks of their own: it has no state to come
//! back to); Profile needs its context after the await, and has few requests in
//! flight at once: a `get` the cache holds never reaches it.

use std::{future::Future, sync::Arc};

use actix::prelude::*;
use rusqlite::Connection;

use super::{
    answer::{ProfileAnswer, ProfileError, ProfileOk, ProfileView},
    cache::ProfileCache,
    cached::{self, CachedGet},
    config::ProfileConfig,
    ops::{self, acting_phone, settle, Fail, Loaded, ProfileEnv},
    request::{Get, ProfileRequest},
};
use crate::{
    caller::Caller,
    channel::SmsActor,
    clock::now_ms,
    codes::{self, AuthConfig, SmsOutcome},
    hub::Hub,
    secret::CodeKey,
    store::{Store, StoreError},
};

/// One Profile request, to be answered.
#[derive(Message)]
#[rtype(result = "ProfileAnswer")]
pub struct ProfileCall {
    /// Who asks.
    pub caller: Caller,
    /// What.
    pub req: ProfileRequest,
}

/// Auth changed the logged-in sessions of these phones (a login, a replaced or
/// logged-out session): the actor forgets their cached `get`s. Auth awaits the answer
/// before it replies, so no reply is followed by a stale hit.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionsChanged {
    /// The phones whose sessions changed.
    pub phones: Vec<String>,
}

/// The Profile actor (one per server).
pub struct ProfileActor {
    /// Where its jobs go (the store owns the connections and the group-commit writer).
    store: Store,
    /// Migration codes by SMS.
    sms: Addr<SmsActor>,
    /// `[profile]`.
    cfg: Arc<ProfileConfig>,
    /// `[auth]`, for migration codes.
    auth: Arc<AuthConfig>,
    /// Key codes are hashed under.
    key: CodeKey,
    /// Presence, fan-out, closing connections.
    hub: Arc<dyn Hub>,
    /// `get` answers between writes; filled and forgotten only here.
    cache: ProfileCache,
}

/// What a request's future answers, in the actor's context.
type Reply = ResponseActFuture<ProfileActor, Result<ProfileOk, ProfileError>>;

/// A store future's outcome as a domain result; store failures are logged here once.
fn flat<T>(r: Result<Result<T, ProfileError>, StoreError>) -> Result<T, ProfileError> {
    r.unwrap_or_else(|e| {
        log::error!("profile: store failed: {e}");
        Err(ProfileError::Unavailable)
    })
}

impl ProfileActor {
    /// Builds the actor, with a cache of `cfg.cache_mib`.
    pub fn new(
        store: Store,
        sms: Addr<SmsActor>,
        cfg: ProfileConfig,
        auth: AuthConfig,
        key: CodeKey,
        hub: Arc<dyn Hub>,
    ) -> ProfileActor {
        let cache = ProfileCache::new(cfg.cache_mib.saturating_mul(1 << 20));
        ProfileActor {
            store,
            sms,
            cfg: Arc::new(cfg),
            auth: Arc::new(auth),
            key,
            hub,
            cache,
        }
    }

    /// The read-only view of this actor's cache that routers answer `get` from,
    /// without a mailbox; take it before the actor starts, one per router.
    pub fn cached_get(&self) -> CachedGet {
        CachedGet::new(self.cache.reader(), self.hub.clone())
    }

    fn env(&self) -> ProfileEnv {
        ProfileEnv {
            cfg: self.cfg.clone(),
            auth: self.auth.clone(),
            key: self.key.clone(),
            now: now_ms(),
        }
    }

    /// `op` as one read job; it gets the connection, the env, and the caller's
    /// ClientId and token. The future holds its own copies of them.
    fn read<T: Send + 'static>(
        &self,
        caller: &Caller,
        op: impl FnOnce(&Connection, &ProfileEnv, &str, Option<&str>) -> Result<T, Fail>
            + Send
            + 'static,
    ) -> impl Future<Output = Result<T, ProfileError>> + 'static {
        self.job(caller, false, op)
    }

    /// `op` as one write job (group committed, answered after COMMIT), as
    /// [`ProfileActor::read`] runs a read.
    fn write<T: Send + 'static>(
        &self,
        caller: &Caller,
        op: impl FnOnce(&Connection, &ProfileEnv, &str, Option<&str>) -> Result<T, Fail>
            + Send
            + 'static,
    ) -> impl Future<Output = Result<T, ProfileError>> + 'static {
        self.job(caller, true, op)
    }

    /// What [`ProfileActor::read`] and [`ProfileActor::write`] share: `op` on a read
    /// connection or in the writer's transaction.
    fn job<T: Send + 'static>(
        &self,
        caller: &Caller,
        write: bool,
        op: impl FnOnce(&Connection, &ProfileEnv, &str, Option<&str>) -> Result<T, Fail>
            + Send
            + 'static,
    ) -> impl Future<Output = Result<T, ProfileError>> + 'static {
        let (store, env) = (self.store.clone(), self.env());
        let (id, token) = (caller.client_id.clone(), caller.token.clone());
        async move {
            let job = move |c: &Connection| settle(op(c, &env, &id, token.as_deref()));
            flat(if write {
                store.write(move |tx| job(tx)).await
            } else {
                store.read(job).await
            })
        }
    }

    /// Every operation first finds the phone the caller acts for ([`acting_phone`]),
    /// checking the request's phone slot where it names the caller's own account.
    fn serve(&mut self, caller: Caller, req: ProfileRequest) -> Reply {
        if !caller.logged_in {
            return Box::pin(fut::ready(Err(ProfileError::NotAuthorized)));
        }
        match req {
            ProfileRequest::Get(req) => self.get(caller, req),
            ProfileRequest::Set(req) => {
                let job = self.write(&caller, move |tx, env, id, token| {
                    let phone = acting_phone(tx, id, token, Some(&req.phone))?;
                    ops::set(tx, env, &phone, &req)
                });
                self.changed(caller, job)
            }
            ProfileRequest::Update(req) => {
                let job = self.write(&caller, move |tx, env, id, token| {
                    let phone = acting_phone(tx, id, token, Some(&req.change.phone))?;
                    ops::update(tx, env, &phone, &req)
                });
                self.changed(caller, job)
            }
            ProfileRequest::Confirm(req) => {
                let job = self.write(&caller, move |tx, env, id, token| {
                    let phone = acting_phone(tx, id, token, None)?;
                    let moved = ops::confirm(tx, env, &phone, req.to.as_ref(), req.code.as_ref())?;
                    Ok((phone, moved))
                });
                Box::pin(job.into_actor(self).map(move |r, act, _| {
                    let (old_phone, loaded) = r?;
                    act.cache.forget(&[&old_phone, &loaded.view.phone]);
                    log::info!("profile: {} moved its account", caller.client_id);
                    Ok(ProfileOk::Changed(act.publish(loaded, &caller)))
                }))
            }
            ProfileRequest::Remove(req) => {
                let job = self.write(&caller, move |tx, _, id, token| {
                    let phone = acting_phone(tx, id, token, Some(&req.phone))?;
                    ops::remove(tx, &phone)
                });
                Box::pin(job.into_actor(self).map(move |r, act, _| {
                    let loaded = r?;
                    act.cache.forget(&[&loaded.view.phone]);
                    let (view, sessions) = act.present(loaded);
                    for other in sessions.iter().filter(|s| **s != caller.client_id) {
                        act.hub.close(other);
                    }
                    log::info!("profile: {} removed its account", caller.client_id);
                    Ok(ProfileOk::Removed(view))
                }))
            }
            ProfileRequest::Email(req) => {
                let job = self.write(&caller, move |tx, _, id, token| {
                    let phone = acting_phone(tx, id, token, Some(&req.phone))?;
                    ops::email(tx, &phone, req.address.as_ref())
                });
                // Nothing `get` shows: no state to touch.
                Box::pin(async move { job.await.map(|()| ProfileOk::EmailSaved) }.into_actor(self))
            }
            ProfileRequest::Migration(req) => {
                let job = self.write(&caller, move |tx, env, id, token| {
                    let phone = acting_phone(tx, id, token, None)?;
                    ops::start_migration(tx, env, &phone, req.to)
                });
                let sms = self.sms.clone();
                let send = async move {
                    let Some(code) = job.await? else {
                        return Ok(ProfileOk::SmsSent);
                    };
                    match codes::sms(&sms, code, "profile").await {
                        SmsOutcome::Sent => Ok(ProfileOk::SmsSent),
                        SmsOutcome::Busy => Err(ProfileError::TooManyRequests),
                        SmsOutcome::Failed => Err(ProfileError::SmsNotSent),
                    }
                };
                Box::pin(send.into_actor(self))
            }
        }
    }

    /// `set` and `update`: once `job` has committed, forgets the phone's cached
    /// answers and publishes the changed profile.
    fn changed(
        &mut self,
        caller: Caller,
        job: impl Future<Output = Result<Loaded, ProfileError>> + 'static,
    ) -> Reply {
        Box::pin(job.into_actor(self).map(move |r, act, _| {
            let loaded = r?;
            act.cache.forget(&[&loaded.view.phone]);
            Ok(ProfileOk::Changed(act.publish(loaded, &caller)))
        }))
    }

    /// `get`: from the cache when it holds the answer (the router usually does this
    /// before the request reaches the actor), else read, and kept for the next one
    /// unless a change was forgotten since the read began.
    fn get(&mut self, caller: Caller, req: Get) -> Reply {
        let token = caller.token.as_deref();
        if let Some(hit) = self.cache.get(&caller.client_id, token) {
            return Box::pin(fut::ready(cached::shown(&*self.hub, &hit, &req)));
        }
        let ticket = self.cache.ticket();
        let job = self.read(&caller, move |c, _, id, token| {
            let phone = acting_phone(c, id, token, Some(&req.phone))?;
            ops::load(c, &phone)?.ok_or_else(|| ProfileError::NotAuthorized.into())
        });
        Box::pin(job.into_actor(self).map(move |r, act, _| {
            let loaded = r?;
            let token = caller.token.as_deref();
            act.cache.fill(ticket, &caller.client_id, token, &loaded);
            Ok(ProfileOk::Shown(act.present(loaded).0))
        }))
    }

    /// Fills in the presence; the view and the phone's sessions.
    fn present(&self, loaded: Loaded) -> (ProfileView, Vec<String>) {
        cached::present(&*self.hub, loaded)
    }

    /// Publishes a changed profile to every other session of the account.
    fn publish(&self, loaded: Loaded, caller: &Caller) -> ProfileView {
        let (view, sessions) = self.present(loaded);
        for other in sessions.iter().filter(|s| **s != caller.client_id) {
            self.hub.deliver_profile(other, &view);
        }
        view
    }
}

impl Actor for ProfileActor {
    type Context = Context<Self>;
}

impl Handler<ProfileCall> for ProfileActor {
    type Result = ResponseActFuture<Self, ProfileAnswer>;

    fn handle(&mut self, m: ProfileCall, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.serve(m.caller, m.req).map(|r, _, _| r.into()))
    }
}

impl Handler<SessionsChanged> for ProfileActor {
    type Result = ();

    fn handle(&mut self, m: SessionsChanged, _: &mut Context<Self>) {
        self.cache.forget(&m.phones);
    }
}
