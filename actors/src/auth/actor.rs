//! The AuthActor: checks who may ask what, runs each operation as one store job (group
//! committed, answered after COMMIT), then delivers codes through the channel actors
//! and closes replaced or logged-out connections through the hub.

use std::sync::Arc;

use actix::prelude::*;

use super::{
    answer::{AuthAnswer, AuthError, AuthOk},
    config::{AuthConfig, JwtConfig},
    jwt::{JwtConfigError, JwtVerifier},
    ops::{self, settle, Ctx, SendCode, TokenRefusal},
    request::{AuthRequest, AuthType},
    send::{self, SmsOutcome},
};
use crate::{
    channel::{self, Delivery, Lang, SmsActor, VoiceActor},
    hub::Hub,
    profile::ProfileCache,
    secret::CodeKey,
    store::{Store, StoreError},
};

/// The connection a request came from, as the edge vouches for it.
#[derive(Clone)]
pub struct AuthCaller {
    /// Its ClientId.
    pub client_id: String,
    /// Logged in (an `emqttd_` id whose token was checked at CONNECT).
    pub logged_in: bool,
    /// The token it connected with (logged-in only).
    pub token: Option<String>,
}

/// Handle one Auth request.
#[derive(Message)]
#[rtype(result = "AuthAnswer")]
pub struct Handle {
    /// Who asks.
    pub caller: AuthCaller,
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

/// Unix time in ms.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A store job's outcome as a domain result; store failures are logged here once.
fn flat<T>(r: Result<Result<T, AuthError>, StoreError>) -> Result<T, AuthError> {
    r.unwrap_or_else(|e| {
        log::error!("auth: store failed: {e}");
        Err(AuthError::Unavailable)
    })
}

impl Inner {
    fn ctx(&self) -> Ctx {
        Ctx {
            cfg: self.cfg.clone(),
            key: self.key.clone(),
            jwt: self.jwt.clone(),
            now: now_ms(),
        }
    }

    async fn handle(self: Arc<Self>, caller: AuthCaller, req: AuthRequest) -> AuthAnswer {
        use AuthType::*;
        let echo = req.token.clone();
        let allowed = match req.kind {
            Reg | Resend | Voice | Verify => !caller.logged_in,
            Logout | Push | List => caller.logged_in,
            Login => true,
        };
        if !allowed {
            return AuthAnswer::new(Err(AuthError::NotAuthorized), echo);
        }
        let ctx = self.ctx();
        let id = caller.client_id.clone();
        match req.kind {
            Reg => self.reg(ctx, id, req).await,
            Resend | Voice => {
                let voice = req.kind == Voice;
                let lang = voice.then(|| {
                    req.services
                        .iter()
                        .find_map(|s| Lang::from_atom(s))
                        .unwrap_or(Lang::En)
                });
                let token = req.token.clone();
                let r = flat(
                    self.store
                        .write(move |tx| settle(ops::resend(tx, &ctx, &id, token.as_deref())))
                        .await,
                );
                let result = match r {
                    Err(e) => Err(e),
                    Ok(None) if voice => Ok(AuthOk::CallInProgress),
                    Ok(None) => Ok(AuthOk::SmsSent),
                    Ok(Some(send)) => self.deliver(send, lang).await,
                };
                AuthAnswer::new(result, echo)
            }
            Verify => {
                let r = flat(
                    self.store
                        .write(move |tx| settle(ops::verify(tx, &ctx, &id, &req)))
                        .await,
                );
                let result = r.map(|v| {
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
                    AuthOk::Verified {
                        client_id: v.client_id,
                    }
                });
                AuthAnswer::new(result, echo)
            }
            Login => {
                let r = flat(self.store.read(move |c| settle(ops::login(c, &req))).await);
                AuthAnswer::new(r.map(|()| AuthOk::Login), echo)
            }
            Logout => {
                let target = req.client_id.clone();
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
                            result: Ok(AuthOk::Logout),
                            token: echo,
                            close_caller: done.own,
                        }
                    }
                    Err(e) => AuthAnswer::new(Err(e), echo),
                }
            }
            Push => {
                let (push, os) = (req.push.clone(), req.os);
                let r = flat(
                    self.store
                        .write(move |tx| settle(ops::push(tx, &id, push.as_deref(), os)))
                        .await,
                );
                AuthAnswer::new(r.map(|()| AuthOk::Pushed), echo)
            }
            List => {
                let token = caller.token.clone();
                let r = flat(
                    self.store
                        .read(move |c| settle(ops::list(c, &id, token.as_deref())))
                        .await,
                );
                AuthAnswer::new(r.map(AuthOk::List), echo)
            }
        }
    }

    async fn reg(&self, ctx: Ctx, id: String, req: AuthRequest) -> AuthAnswer {
        let echo = req.token.clone();
        let r = flat(
            self.store
                .write(move |tx| settle(ops::reg(tx, &ctx, &id, &req)))
                .await,
        );
        match r {
            Err(e) => AuthAnswer::new(Err(e), echo),
            Ok(done) => {
                let token = Some(done.token.expose().to_owned());
                let result = match done.send {
                    Some(send) => self.deliver(send, None).await,
                    None if done.jwt => Ok(AuthOk::JwtRequired),
                    None => Ok(AuthOk::SmsSent),
                };
                AuthAnswer::new(result, token)
            }
        }
    }

    /// Sends a code by SMS (`lang` None) or voice; the answer for the client.
    async fn deliver(&self, code: SendCode, lang: Option<Lang>) -> Result<AuthOk, AuthError> {
        let Some(lang) = lang else {
            return match send::sms(&self.sms, code, "auth").await {
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

impl Handler<Handle> for AuthActor {
    type Result = ResponseFuture<AuthAnswer>;

    fn handle(&mut self, m: Handle, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.inner.clone().handle(m.caller, m.req))
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
