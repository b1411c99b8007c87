//! The ProfileActor: checks who asks, runs each request as one store job (group
//! committed, answered after COMMIT; a `get` the cache holds needs none), forgets the
//! cached answers a change touched before it replies, then asks the hub for
//! presence, publishes changes to the account's other sessions and closes the
//! connections of a removed account. It never blocks: every request is a future of
//! its own.

use std::sync::Arc;

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

/// What every request needs; shared by the futures the actor spawns.
struct Inner {
    /// SQLite.
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
    /// `get` answers between writes (the cache is shared with every worker's Profile
    /// and Auth actors).
    cached: CachedGet,
}

/// The Profile actor.
pub struct ProfileActor {
    /// Shared with in-flight requests.
    inner: Arc<Inner>,
}

impl ProfileActor {
    /// Builds the actor.
    pub fn new(
        store: Store,
        sms: Addr<SmsActor>,
        cfg: ProfileConfig,
        auth: AuthConfig,
        key: CodeKey,
        hub: Arc<dyn Hub>,
        cache: Arc<ProfileCache>,
    ) -> ProfileActor {
        ProfileActor {
            inner: Arc::new(Inner {
                store,
                sms,
                cfg: Arc::new(cfg),
                auth: Arc::new(auth),
                key,
                cached: CachedGet::new(cache, hub.clone()),
                hub,
            }),
        }
    }
}

impl Actor for ProfileActor {
    type Context = Context<Self>;
}

impl Handler<ProfileCall> for ProfileActor {
    type Result = ResponseFuture<ProfileAnswer>;

    fn handle(&mut self, m: ProfileCall, _: &mut Context<Self>) -> Self::Result {
        let inner = self.inner.clone();
        Box::pin(async move { inner.serve(m.caller, m.req).await.into() })
    }
}

/// A store job's outcome as a domain result; store failures are logged here once.
fn flat<T>(r: Result<Result<T, ProfileError>, StoreError>) -> Result<T, ProfileError> {
    r.unwrap_or_else(|e| {
        log::error!("profile: store failed: {e}");
        Err(ProfileError::Unavailable)
    })
}

impl Inner {
    fn env(&self) -> ProfileEnv {
        ProfileEnv {
            cfg: self.cfg.clone(),
            auth: self.auth.clone(),
            key: self.key.clone(),
            now: now_ms(),
        }
    }

    /// Runs `op` as one read job; it gets the connection, the env, and the caller's
    /// ClientId and token.
    async fn read<T: Send + 'static>(
        &self,
        caller: &Caller,
        op: impl FnOnce(&Connection, &ProfileEnv, &str, Option<&str>) -> Result<T, Fail>
            + Send
            + 'static,
    ) -> Result<T, ProfileError> {
        let (env, id, token) = (self.env(), caller.client_id.clone(), caller.token.clone());
        flat(
            self.store
                .read(move |c| settle(op(c, &env, &id, token.as_deref())))
                .await,
        )
    }

    /// Runs `op` as one write job (group committed, answered after COMMIT), as
    /// [`Inner::read`] runs a read.
    async fn write<T: Send + 'static>(
        &self,
        caller: &Caller,
        op: impl FnOnce(&Connection, &ProfileEnv, &str, Option<&str>) -> Result<T, Fail>
            + Send
            + 'static,
    ) -> Result<T, ProfileError> {
        let (env, id, token) = (self.env(), caller.client_id.clone(), caller.token.clone());
        flat(
            self.store
                .write(move |tx| settle(op(tx, &env, &id, token.as_deref())))
                .await,
        )
    }

    /// Every operation first finds the phone the caller acts for ([`acting_phone`]),
    /// checking the request's phone slot where it names the caller's own account.
    async fn serve(
        self: Arc<Self>,
        caller: Caller,
        req: ProfileRequest,
    ) -> Result<ProfileOk, ProfileError> {
        if !caller.logged_in {
            return Err(ProfileError::NotAuthorized);
        }
        match req {
            ProfileRequest::Get(req) => self.get(&caller, req).await,
            ProfileRequest::Set(req) => {
                let loaded = self
                    .write(&caller, move |tx, env, id, token| {
                        let phone = acting_phone(tx, id, token, Some(&req.phone))?;
                        ops::set(tx, env, &phone, &req)
                    })
                    .await?;
                self.cached.cache().forget(&[&loaded.view.phone]);
                Ok(ProfileOk::Changed(self.publish(loaded, &caller)))
            }
            ProfileRequest::Update(req) => {
                let loaded = self
                    .write(&caller, move |tx, env, id, token| {
                        let phone = acting_phone(tx, id, token, Some(&req.change.phone))?;
                        ops::update(tx, env, &phone, &req)
                    })
                    .await?;
                self.cached.cache().forget(&[&loaded.view.phone]);
                Ok(ProfileOk::Changed(self.publish(loaded, &caller)))
            }
            ProfileRequest::Confirm(req) => {
                let (old_phone, loaded) = self
                    .write(&caller, move |tx, env, id, token| {
                        let phone = acting_phone(tx, id, token, None)?;
                        let moved =
                            ops::confirm(tx, env, &phone, req.to.as_ref(), req.code.as_ref())?;
                        Ok((phone, moved))
                    })
                    .await?;
                self.cached
                    .cache()
                    .forget(&[&old_phone, &loaded.view.phone]);
                log::info!("profile: {} moved its account", caller.client_id);
                Ok(ProfileOk::Changed(self.publish(loaded, &caller)))
            }
            ProfileRequest::Remove(req) => {
                let loaded = self
                    .write(&caller, move |tx, _, id, token| {
                        let phone = acting_phone(tx, id, token, Some(&req.phone))?;
                        ops::remove(tx, &phone)
                    })
                    .await?;
                self.cached.cache().forget(&[&loaded.view.phone]);
                let (view, sessions) = self.present(loaded);
                for other in sessions.iter().filter(|s| **s != caller.client_id) {
                    self.hub.close(other);
                }
                log::info!("profile: {} removed its account", caller.client_id);
                Ok(ProfileOk::Removed(view))
            }
            ProfileRequest::Email(req) => {
                self.write(&caller, move |tx, _, id, token| {
                    let phone = acting_phone(tx, id, token, Some(&req.phone))?;
                    ops::email(tx, &phone, req.address.as_ref())
                })
                .await?;
                Ok(ProfileOk::EmailSaved)
            }
            ProfileRequest::Migration(req) => {
                let to_send = self
                    .write(&caller, move |tx, env, id, token| {
                        let phone = acting_phone(tx, id, token, None)?;
                        ops::start_migration(tx, env, &phone, req.to)
                    })
                    .await?;
                let Some(code) = to_send else {
                    return Ok(ProfileOk::SmsSent);
                };
                match codes::sms(&self.sms, code, "profile").await {
                    SmsOutcome::Sent => Ok(ProfileOk::SmsSent),
                    SmsOutcome::Busy => Err(ProfileError::TooManyRequests),
                    SmsOutcome::Failed => Err(ProfileError::SmsNotSent),
                }
            }
        }
    }

    /// `get`: from the cache when it holds the answer (the router usually does this
    /// before the request reaches the actor), else read, and kept for the next one.
    async fn get(&self, caller: &Caller, req: Get) -> Result<ProfileOk, ProfileError> {
        let token = caller.token.as_deref();
        if let Some(answer) = self.cached.answer(&caller.client_id, token, &req) {
            return answer;
        }
        let ticket = self.cached.cache().ticket();
        let loaded = self
            .read(caller, move |c, _, id, token| {
                let phone = acting_phone(c, id, token, Some(&req.phone))?;
                ops::load(c, &phone)?.ok_or_else(|| ProfileError::NotAuthorized.into())
            })
            .await?;
        self.cached
            .cache()
            .fill(ticket, &caller.client_id, token, &loaded);
        Ok(ProfileOk::Shown(self.present(loaded).0))
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
