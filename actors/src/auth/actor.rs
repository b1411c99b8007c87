//! The AuthActor: one for the whole server, the owner of Auth's state.
//!
//! What it owns, as plain fields: `[auth]`, the code key, the JWT verifier, and the
//! addresses of the SMS and voice actors it sends codes through. The tables it alone
//! writes (through `ops/`): `auth_session` (pending registrations and logged-in
//! sessions, with each session's resend cooldown and wrong-code count) and
//! `auth_send` (the sends behind the per-phone hourly limit). Its cooldowns and send
//! limits live in those tables, not in memory: they survive a restart, and the actor
//! holds no mutable state. Two crossings, each inside one transaction so that the
//! change is atomic: `verify` creates the account's profile with Profile's own
//! operation, [`ensure`](crate::profile::ensure); Profile's `remove` and `confirm` delete or move a
//! phone's sessions (through `sessions.rs`), and a migration code counts in
//! `auth_send` (through `codes`).
//!
//! Each request is checked (who may ask what) in the actor's context, then answered
//! by a future of its own, which runs one store job (group committed, answered after
//! COMMIT): the [`Store`] owns the connections and the group-commit writer thread; the
//! actor hands it jobs. After the commit the future delivers codes, closes replaced or
//! logged-out connections through the hub, and tells the ProfileActor
//! ([`SessionsChanged`], awaited before the reply) whose sessions changed, so the
//! Profile cache, which that actor owns, stays true.
//!
//! The actor holds no mutable state, so nothing after an await needs its context: a
//! request's future takes copies of the immutable pieces it needs (the store handle,
//! [`AuthEnv`], the channel and Profile addresses, the hub) and is a
//! [`ResponseFuture`], a task of its own on the actor's arbiter. Not an ActorFuture
//! (`ResponseActFuture`): actix polls every ActorFuture of a context each time the
//! context wakes, and this one actor has as many requests in flight as there are
//! devices registering at once (a thousand in the load test, most waiting on a
//! commit); measured, that doubled the actor thread's CPU per registration. So the
//! actor's thread only checks and dispatches; the operations run on the store's
//! threads, the deliveries on the channels'. Nothing waits with `.wait(ctx)`.

use std::{future::Future, sync::Arc};

use actix::prelude::*;

use super::{
    answer::{AuthAnswer, AuthError, AuthOk},
    config::JwtConfig,
    jwt::{JwtConfigError, JwtVerifier},
    ops::{self, settle, AuthEnv, TokenRefusal},
    request::{AuthRequest, Reg, Verify},
};
use crate::{
    caller::Caller,
    channel::{self, Delivery, Lang, SmsActor, VoiceActor},
    clock::now_ms,
    codes::{self, AuthConfig, SendCode, SmsOutcome},
    hub::Hub,
    profile::{ProfileActor, SessionsChanged},
    secret::{CodeKey, Token},
    store::{Store, StoreError},
};

/// One Auth request, to be answered.
#[derive(Message)]
#[rtype(result = "AuthAnswer")]
pub struct AuthCall {
    /// Who asks.
    pub caller: Caller,
    /// What.
    pub req: AuthRequest,
}

/// Check a logged-in CONNECT's password.
#[derive(Message)]
#[rtype(result = "Result<(), ConnectRefusal>")]
pub struct CheckToken {
    /// The `emqttd_` ClientId.
    pub client_id: String,
    /// The MQTT password.
    pub token: Option<String>,
}

/// Why a logged-in CONNECT is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectRefusal {
    /// No or wrong password.
    BadToken,
    /// No such session.
    NoSession,
    /// The store failed.
    Unavailable,
}

/// A logged-in client disconnected: record `last_online`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnected {
    /// Its ClientId.
    pub client_id: String,
}

/// The channel actors codes go through; cheap to clone.
#[derive(Clone)]
struct Channels {
    /// Codes by SMS.
    sms: Addr<SmsActor>,
    /// Codes by voice call.
    voice: Addr<VoiceActor>,
}

/// The Auth actor (one per server).
pub struct AuthActor {
    /// Where its jobs go (the store owns the connections and the group-commit writer).
    store: Store,
    /// The SMS and voice actors it sends codes through.
    channels: Channels,
    /// `[auth]`.
    cfg: Arc<AuthConfig>,
    /// Key codes are hashed under.
    key: CodeKey,
    /// JWT checks.
    jwt: Arc<JwtVerifier>,
    /// Closes connections.
    hub: Arc<dyn Hub>,
    /// The owner of the Profile cache, told whose sessions changed.
    profile: Addr<ProfileActor>,
}

impl AuthActor {
    /// Builds the actor; fails when `[jwt]` names an unusable key.
    /// `channels` are the SMS and voice actors, as [`channel::start_channels`] gives
    /// them; `profile` is the ProfileActor, told when sessions come and go.
    pub fn new(
        store: Store,
        (sms, voice): (Addr<SmsActor>, Addr<VoiceActor>),
        cfg: AuthConfig,
        jwt: &JwtConfig,
        key: CodeKey,
        hub: Arc<dyn Hub>,
        profile: Addr<ProfileActor>,
    ) -> Result<AuthActor, JwtConfigError> {
        Ok(AuthActor {
            store,
            channels: Channels { sms, voice },
            cfg: Arc::new(cfg),
            key,
            jwt: Arc::new(JwtVerifier::new(jwt)?),
            hub,
            profile,
        })
    }

    fn env(&self) -> AuthEnv {
        AuthEnv {
            cfg: self.cfg.clone(),
            key: self.key.clone(),
            jwt: self.jwt.clone(),
            now: now_ms(),
        }
    }

    /// Checks who asks, then the future that answers `req`.
    fn serve(&self, caller: Caller, req: AuthRequest) -> impl Future<Output = AuthAnswer> {
        let allowed = req.kind().allowed(caller.logged_in);
        let (store, env, channels) = (self.store.clone(), self.env(), self.channels.clone());
        let (hub, profile) = (self.hub.clone(), self.profile.clone());
        async move {
            if !allowed {
                return AuthAnswer::new(Err(AuthError::NotAuthorized));
            }
            let id = caller.client_id.clone();
            match req {
                AuthRequest::Reg(req) => reg(store, env, channels, id, req).await,
                AuthRequest::Resend(req) => {
                    AuthAnswer::new(resend(store, env, channels, id, req.token, None).await)
                }
                AuthRequest::Voice(req) => {
                    let lang = Some(req.lang);
                    AuthAnswer::new(resend(store, env, channels, id, req.token, lang).await)
                }
                AuthRequest::Verify(req) => {
                    AuthAnswer::new(verify(store, env, hub, profile, id, req).await)
                }
                AuthRequest::Login(req) => {
                    let r = flat(store.read(move |c| settle(ops::login(c, &req))).await);
                    AuthAnswer::new(r.map(|()| AuthOk::Login))
                }
                AuthRequest::Logout(req) => {
                    let target = req.client_id;
                    let job =
                        store.write(move |tx| settle(ops::logout(tx, &id, target.as_deref())));
                    match flat(job.await) {
                        Err(e) => AuthAnswer::new(Err(e)),
                        Ok(done) => {
                            sessions_changed(&profile, vec![done.phone]).await;
                            if !done.own {
                                hub.close(&done.client_id);
                            }
                            AuthAnswer {
                                close_caller: done.own,
                                ..AuthAnswer::new(Ok(AuthOk::Logout))
                            }
                        }
                    }
                }
                AuthRequest::Push(req) => {
                    let job = store.write(move |tx| settle(ops::push(tx, &id, &req)));
                    AuthAnswer::new(flat(job.await).map(|()| AuthOk::Pushed))
                }
                AuthRequest::List => {
                    let token = caller.token;
                    let job = store.read(move |c| settle(ops::list(c, &id, token.as_deref())));
                    AuthAnswer::new(flat(job.await).map(AuthOk::List))
                }
            }
        }
    }
}

impl Actor for AuthActor {
    type Context = Context<Self>;
}

/// A store job's outcome as a domain result; store failures are logged here once.
fn flat<T>(r: Result<Result<T, AuthError>, StoreError>) -> Result<T, AuthError> {
    r.unwrap_or_else(|e| {
        log::error!("auth: store failed: {e}");
        Err(AuthError::Unavailable)
    })
}

/// Tells the ProfileActor that the sessions of `phones` changed, and waits until it
/// has forgotten their cached answers.
async fn sessions_changed(profile: &Addr<ProfileActor>, phones: Vec<String>) {
    if profile.send(SessionsChanged { phones }).await.is_err() {
        log::error!("auth: the profile actor is gone; its cache was not told");
    }
}

async fn reg(store: Store, env: AuthEnv, ch: Channels, id: String, req: Reg) -> AuthAnswer {
    let job = store.write(move |tx| settle(ops::reg(tx, &env, &id, req)));
    match flat(job.await) {
        Err(e) => AuthAnswer::new(Err(e)),
        Ok(done) => {
            let result = match done.send {
                Some(send) => deliver(&ch, send, None).await,
                None if done.jwt => Ok(AuthOk::JwtRequired),
                None => Ok(AuthOk::SmsSent),
            };
            AuthAnswer {
                issued: Some(done.token),
                ..AuthAnswer::new(result)
            }
        }
    }
}

/// `resend` (`lang` None) and `voice`.
async fn resend(
    store: Store,
    env: AuthEnv,
    ch: Channels,
    id: String,
    token: Token,
    lang: Option<Lang>,
) -> Result<AuthOk, AuthError> {
    let job = store.write(move |tx| settle(ops::resend(tx, &env, &id, &token)));
    match flat(job.await)? {
        None if lang.is_some() => Ok(AuthOk::CallInProgress),
        None => Ok(AuthOk::SmsSent),
        Some(send) => deliver(&ch, send, lang).await,
    }
}

async fn verify(
    store: Store,
    env: AuthEnv,
    hub: Arc<dyn Hub>,
    profile: Addr<ProfileActor>,
    caller: String,
    req: Verify,
) -> Result<AuthOk, AuthError> {
    let id = caller.clone();
    let v = flat(
        store
            .write(move |tx| settle(ops::verify(tx, &env, &id, &req)))
            .await,
    )?;
    let replaced = v.replaced.is_some();
    let mut phones = vec![v.phone.as_str().to_owned()];
    phones.extend(v.replaced);
    sessions_changed(&profile, phones).await;
    if replaced {
        hub.close(&v.client_id);
    }
    log::info!(
        "auth: {caller} logged in as {} ({})",
        v.client_id,
        v.phone.masked()
    );
    Ok(AuthOk::Verified {
        client_id: v.client_id,
    })
}

/// Sends a code by SMS (`lang` None) or voice; the answer for the client.
async fn deliver(ch: &Channels, code: SendCode, lang: Option<Lang>) -> Result<AuthOk, AuthError> {
    let Some(lang) = lang else {
        return match codes::sms(&ch.sms, code, "auth").await {
            SmsOutcome::Sent => Ok(AuthOk::SmsSent),
            SmsOutcome::Busy => Err(AuthError::TooManyRequests),
            SmsOutcome::Failed => Err(AuthError::SmsNotSent),
        };
    };
    let masked = code.phone.masked();
    let call = Delivery::voice(
        code.phone.as_str().to_owned(),
        code.code.expose().to_owned(),
        lang,
    );
    match ch.voice.send(channel::SendCode(call)).await {
        Ok(Ok(())) => Ok(AuthOk::CallInProgress),
        Ok(Err(e)) => {
            log::warn!("auth: call to {masked} failed: {e}");
            // A full channel queue is the server busy, as for SMS.
            match e {
                channel::DeliveryError::Busy => Err(AuthError::TooManyRequests),
                _ => Err(AuthError::CallFailed),
            }
        }
        Err(_) => Err(AuthError::CallFailed),
    }
}

impl Handler<AuthCall> for AuthActor {
    type Result = ResponseFuture<AuthAnswer>;

    fn handle(&mut self, m: AuthCall, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.serve(m.caller, m.req))
    }
}

impl Handler<CheckToken> for AuthActor {
    type Result = ResponseFuture<Result<(), ConnectRefusal>>;

    fn handle(&mut self, m: CheckToken, _: &mut Context<Self>) -> Self::Result {
        let store = self.store.clone();
        let check = async move {
            let r = store
                .read(move |c| Ok(ops::check_token(c, &m.client_id, m.token.as_deref())?))
                .await;
            match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(TokenRefusal::BadToken)) => Err(ConnectRefusal::BadToken),
                Ok(Err(TokenRefusal::NoSession)) => Err(ConnectRefusal::NoSession),
                Err(e) => {
                    log::error!("auth: token check failed: {e}");
                    Err(ConnectRefusal::Unavailable)
                }
            }
        };
        Box::pin(check)
    }
}

impl Handler<Disconnected> for AuthActor {
    type Result = ();

    fn handle(&mut self, m: Disconnected, _: &mut Context<Self>) {
        let store = self.store.clone();
        let now = now_ms();
        actix::spawn(async move {
            let r = store
                .write(move |tx| Ok(ops::last_online(tx, &m.client_id, now)?))
                .await;
            if let Err(e) = r {
                log::warn!("auth: last_online not recorded: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests;
