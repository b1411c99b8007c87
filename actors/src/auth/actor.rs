//! The AuthActor: checks who may ask what, runs each operation as one store job (group
//! committed, answered after COMMIT), then delivers codes through the channel actors
//! and closes replaced or logged-out connections through the hub.

use std::sync::Arc;

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
    profile::ProfileCache,
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

/// What every request needs; shared by the futures the actor spawns.
struct Inner {
    /// SQLite.
    store: Store,
    /// Codes by SMS.
    sms: Addr<SmsActor>,
    /// Codes by voice call.
    voice: Addr<VoiceActor>,
    /// `[auth]`.
    cfg: Arc<AuthConfig>,
    /// Key codes are hashed under.
    key: CodeKey,
    /// JWT checks.
    jwt: Arc<JwtVerifier>,
    /// Closes connections.
    hub: Arc<dyn Hub>,
    /// Profile `get` answers: logins and logouts change a phone's sessions.
    cache: Arc<ProfileCache>,
}

/// The Auth actor.
pub struct AuthActor {
    /// Shared with in-flight requests.
    inner: Arc<Inner>,
}

impl AuthActor {
    /// Builds the actor; fails when `[jwt]` names an unusable key.
    /// `channels` are the SMS and voice actors, as [`channel::start_channels`] gives them.
    pub fn new(
        store: Store,
        (sms, voice): (Addr<SmsActor>, Addr<VoiceActor>),
        cfg: AuthConfig,
        jwt: &JwtConfig,
        key: CodeKey,
        hub: Arc<dyn Hub>,
        cache: Arc<ProfileCache>,
    ) -> Result<AuthActor, JwtConfigError> {
        Ok(AuthActor {
            inner: Arc::new(Inner {
                store,
                sms,
                voice,
                cfg: Arc::new(cfg),
                key,
                jwt: Arc::new(JwtVerifier::new(jwt)?),
                hub,
                cache,
            }),
        })
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

impl Inner {
    fn env(&self) -> AuthEnv {
        AuthEnv {
            cfg: self.cfg.clone(),
            key: self.key.clone(),
            jwt: self.jwt.clone(),
            now: now_ms(),
        }
    }

    async fn serve(self: Arc<Self>, caller: Caller, req: AuthRequest) -> AuthAnswer {
        if !req.kind().allowed(caller.logged_in) {
            return AuthAnswer::new(Err(AuthError::NotAuthorized));
        }
        let id = caller.client_id.clone();
        match req {
            AuthRequest::Reg(req) => self.reg(id, req).await,
            AuthRequest::Resend(req) => AuthAnswer::new(self.resend(id, req.token, None).await),
            AuthRequest::Voice(req) => {
                AuthAnswer::new(self.resend(id, req.token, Some(req.lang)).await)
            }
            AuthRequest::Verify(req) => AuthAnswer::new(self.verify(&caller, req).await),
            AuthRequest::Login(req) => {
                let r = flat(self.store.read(move |c| settle(ops::login(c, &req))).await);
                AuthAnswer::new(r.map(|()| AuthOk::Login))
            }
            AuthRequest::Logout(req) => self.logout(id, req.client_id).await,
            AuthRequest::Push(req) => {
                let r = flat(
                    self.store
                        .write(move |tx| settle(ops::push(tx, &id, &req)))
                        .await,
                );
                AuthAnswer::new(r.map(|()| AuthOk::Pushed))
            }
            AuthRequest::List => {
                let token = caller.token.clone();
                let r = flat(
                    self.store
                        .read(move |c| settle(ops::list(c, &id, token.as_deref())))
                        .await,
                );
                AuthAnswer::new(r.map(AuthOk::List))
            }
        }
    }

    async fn reg(&self, id: String, req: Reg) -> AuthAnswer {
        let env = self.env();
        let r = flat(
            self.store
                .write(move |tx| settle(ops::reg(tx, &env, &id, req)))
                .await,
        );
        match r {
            Err(e) => AuthAnswer::new(Err(e)),
            Ok(done) => {
                let result = match done.send {
                    Some(send) => self.deliver(send, None).await,
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
        &self,
        id: String,
        token: Token,
        lang: Option<Lang>,
    ) -> Result<AuthOk, AuthError> {
        let env = self.env();
        let r = flat(
            self.store
                .write(move |tx| settle(ops::resend(tx, &env, &id, &token)))
                .await,
        );
        match r? {
            None if lang.is_some() => Ok(AuthOk::CallInProgress),
            None => Ok(AuthOk::SmsSent),
            Some(send) => self.deliver(send, lang).await,
        }
    }

    async fn verify(&self, caller: &Caller, req: Verify) -> Result<AuthOk, AuthError> {
        let (env, id) = (self.env(), caller.client_id.clone());
        let v = flat(
            self.store
                .write(move |tx| settle(ops::verify(tx, &env, &id, &req)))
                .await,
        )?;
        let mut phones = vec![v.phone.as_str()];
        phones.extend(v.replaced.as_deref());
        self.cache.forget(&phones);
        if v.replaced.is_some() {
            self.hub.close(&v.client_id);
        }
        log::info!(
            "auth: {} logged in as {} ({})",
            caller.client_id,
            v.client_id,
            v.phone.masked()
        );
        Ok(AuthOk::Verified {
            client_id: v.client_id,
        })
    }

    async fn logout(&self, id: String, target: Option<String>) -> AuthAnswer {
        let r = flat(
            self.store
                .write(move |tx| settle(ops::logout(tx, &id, target.as_deref())))
                .await,
        );
        match r {
            Ok(done) => {
                self.cache.forget(&[&done.phone]);
                if !done.own {
                    self.hub.close(&done.client_id);
                }
                AuthAnswer {
                    close_caller: done.own,
                    ..AuthAnswer::new(Ok(AuthOk::Logout))
                }
            }
            Err(e) => AuthAnswer::new(Err(e)),
        }
    }

    /// Sends a code by SMS (`lang` None) or voice; the answer for the client.
    async fn deliver(&self, code: SendCode, lang: Option<Lang>) -> Result<AuthOk, AuthError> {
        let Some(lang) = lang else {
            return match codes::sms(&self.sms, code, "auth").await {
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
        match self.voice.send(channel::SendCode(call)).await {
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
}

impl Handler<AuthCall> for AuthActor {
    type Result = ResponseFuture<AuthAnswer>;

    fn handle(&mut self, m: AuthCall, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.inner.clone().serve(m.caller, m.req))
    }
}

impl Handler<CheckToken> for AuthActor {
    type Result = ResponseFuture<Result<(), ConnectRefusal>>;

    fn handle(&mut self, m: CheckToken, _: &mut Context<Self>) -> Self::Result {
        let store = self.inner.store.clone();
        Box::pin(async move {
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
        })
    }
}

impl Handler<Disconnected> for AuthActor {
    type Result = ();

    fn handle(&mut self, m: Disconnected, ctx: &mut Context<Self>) {
        let store = self.inner.store.clone();
        let now = now_ms();
        ctx.spawn(
            async move {
                let r = store
                    .write(move |tx| Ok(ops::last_online(tx, &m.client_id, now)?))
                    .await;
                if let Err(e) = r {
                    log::warn!("auth: last_online not recorded: {e}");
                }
            }
            .into_actor(self),
        );
    }
}
