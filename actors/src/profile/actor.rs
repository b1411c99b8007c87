//! The ProfileActor: checks who asks, runs each request as one store job (group
//! committed, answered after COMMIT; a `get` the cache holds needs none), forgets the
//! cached answers a change touched before it replies, then asks the hub for
//! presence, publishes changes to the account's other sessions and closes the
//! connections of a removed account. It never blocks: every request is a future of
//! its own.

use std::sync::Arc;

use actix::prelude::*;

use super::{
    answer::{ProfileAnswer, ProfileError, ProfileOk, ProfileView},
    cache::ProfileCache,
    cached::{self, CachedGet},
    config::ProfileConfig,
    ops::{self, settle, Ctx, Loaded},
    request::{ProfileRequest, ProfileStatus},
};
use crate::{
    auth::{
        now_ms,
        send::{self, SmsOutcome},
        AuthConfig,
    },
    channel::SmsActor,
    hub::Hub,
    secret::CodeKey,
    store::{Store, StoreError},
};

/// The connection a request came from, as the edge vouches for it.
#[derive(Clone)]
pub struct ProfileCaller {
    /// Its ClientId.
    pub client_id: String,
    /// Logged in (an `emqttd_` id whose token was checked at CONNECT).
    pub logged_in: bool,
    /// The token it connected with (logged-in only); checked again in every job (or
    /// against the cache, which forgets a session when it dies), so a connection
    /// whose session died acts for nobody.
    pub token: Option<String>,
}

impl std::fmt::Debug for ProfileCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileCaller")
            .field("client_id", &self.client_id)
            .field("logged_in", &self.logged_in)
            .finish_non_exhaustive()
    }
}

/// Handle one Profile request.
#[derive(Message)]
#[rtype(result = "ProfileAnswer")]
pub struct Handle {
    /// Who asks.
    pub caller: ProfileCaller,
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

impl Handler<Handle> for ProfileActor {
    type Result = ResponseFuture<ProfileAnswer>;

    fn handle(&mut self, m: Handle, _: &mut Context<Self>) -> Self::Result {
        let inner = self.inner.clone();
        Box::pin(async move { inner.handle(m.caller, m.req).await.into() })
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
    fn ctx(&self) -> Ctx {
        Ctx {
            cfg: self.cfg.clone(),
            auth: self.auth.clone(),
            key: self.key.clone(),
            now: now_ms(),
        }
    }

    async fn handle(
        self: Arc<Self>,
        caller: ProfileCaller,
        req: ProfileRequest,
    ) -> Result<ProfileOk, ProfileError> {
        use ProfileStatus::*;
        if !caller.logged_in {
            return Err(ProfileError::NotAuthorized);
        }
        let status = req.status;
        // A `get` between writes is answered from memory (the router usually does
        // this before the request reaches the actor).
        if let Some(answer) = self
            .cached
            .answer(&caller.client_id, caller.token.as_deref(), &req)
        {
            return answer;
        }
        let ctx = self.ctx();
        let (id, token) = (caller.client_id.clone(), caller.token.clone());
        // The phone slot names the caller's own account, except where it names the
        // phone to migrate to.
        let checks_phone = !matches!(status, Migration | Confirm);
        let job = move |conn: &rusqlite::Connection| -> Result<_, ops::Fail> {
            let phone = ops::caller_phone(conn, &id, token.as_deref())?;
            if checks_phone {
                ops::own_phone(req.phone.as_deref(), &phone)?;
            }
            Ok((phone, req))
        };
        match status {
            Get => {
                let ticket = self.cached.cache().ticket();
                let loaded = flat(
                    self.store
                        .read(move |c| {
                            settle(job(c).and_then(|(phone, _)| {
                                ops::load(c, &phone)?
                                    .ok_or_else(|| ProfileError::NotAuthorized.into())
                            }))
                        })
                        .await,
                )?;
                self.cached.cache().fill(
                    ticket,
                    &caller.client_id,
                    caller.token.as_deref(),
                    &loaded,
                );
                Ok(ProfileOk::Shown(self.present(loaded).0))
            }
            Set | Update => {
                let guarded = status == Update;
                let loaded = flat(
                    self.store
                        .write(move |tx| {
                            settle(job(tx).and_then(|(phone, req)| {
                                ops::change(tx, &ctx, &phone, &req, guarded)
                            }))
                        })
                        .await,
                )?;
                self.cached.cache().forget(&[&loaded.view.phone]);
                Ok(ProfileOk::Changed(self.publish(loaded, &caller).await))
            }
            Confirm => {
                let (old_phone, loaded) = flat(
                    self.store
                        .write(move |tx| {
                            settle(job(tx).and_then(|(phone, req)| {
                                let moved = ops::confirm(
                                    tx,
                                    &ctx,
                                    &phone,
                                    req.phone.as_deref(),
                                    req.data.as_deref(),
                                )?;
                                Ok((phone, moved))
                            }))
                        })
                        .await,
                )?;
                self.cached
                    .cache()
                    .forget(&[&old_phone, &loaded.view.phone]);
                log::info!("profile: {} moved its account", caller.client_id);
                Ok(ProfileOk::Changed(self.publish(loaded, &caller).await))
            }
            Remove => {
                let loaded = flat(
                    self.store
                        .write(move |tx| {
                            settle(job(tx).and_then(|(phone, _)| ops::remove(tx, &phone)))
                        })
                        .await,
                )?;
                self.cached.cache().forget(&[&loaded.view.phone]);
                let (view, sessions) = self.present(loaded);
                for other in sessions.iter().filter(|s| **s != caller.client_id) {
                    self.hub.close(other);
                }
                log::info!("profile: {} removed its account", caller.client_id);
                Ok(ProfileOk::Removed(view))
            }
            Email => {
                flat(
                    self.store
                        .write(move |tx| {
                            settle(job(tx).and_then(|(phone, req)| {
                                ops::email(tx, &phone, req.data.as_deref())
                            }))
                        })
                        .await,
                )?;
                Ok(ProfileOk::EmailSaved)
            }
            Migration => {
                let to_send = flat(
                    self.store
                        .write(move |tx| {
                            settle(job(tx).and_then(|(phone, req)| {
                                ops::start_migration(tx, &ctx, &phone, req.phone.as_deref())
                            }))
                        })
                        .await,
                )?;
                let Some(code) = to_send else {
                    return Ok(ProfileOk::SmsSent);
                };
                match send::sms(&self.sms, code, "profile").await {
                    SmsOutcome::Sent => Ok(ProfileOk::SmsSent),
                    SmsOutcome::Busy => Err(ProfileError::TooManyRequests),
                    SmsOutcome::Failed => Err(ProfileError::SmsNotSent),
                }
            }
        }
    }

    /// Fills in the presence; the view and the phone's sessions.
    fn present(&self, loaded: Loaded) -> (ProfileView, Vec<String>) {
        cached::present(&*self.hub, loaded)
    }

    /// Publishes a changed profile to every other session of the account.
    async fn publish(&self, loaded: Loaded, caller: &ProfileCaller) -> ProfileView {
        let (view, sessions) = self.present(loaded);
        for other in sessions.iter().filter(|s| **s != caller.client_id) {
            self.hub.deliver_profile(other, &view);
        }
        view
    }
}
