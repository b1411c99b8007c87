//! One device's registration, step by step and timed: connect as `emqttd_reg_<s>`,
//! `reg`, get the code, `verify`, then reconnect as the logged-in id with the token
//! (clean_session=false). The `register` scenario measures it; `profile` and
//! `connect --as logged-in` use it to get their devices ready.

use std::time::Instant;

use super::{
    client::{Conn, ConnectOpts},
    device::{events_topic, request, RunContext, StepError},
    etf::{self, ReplyKind},
    stats::Stats,
};

/// Step names, in order; the indices below point into it.
pub const STEPS: [&str; 7] = [
    "connect",
    "reg",
    "code",
    "verify",
    "login",
    "profile_get",
    "registration",
];
/// CONNECT→CONNACK as the registering id.
pub const CONNECT: usize = 0;
/// `reg` request → `{ok,sms_sent}`.
pub const REG: usize = 1;
/// Getting the code (test number: nothing; outbox: reading it).
pub const CODE: usize = 2;
/// `verify` request → `{ok2,login,…}`.
pub const VERIFY: usize = 3;
/// CONNECT→CONNACK as the logged-in id, with the token.
pub const LOGIN: usize = 4;
/// Profile `get` request → reply.
pub const PROFILE_GET: usize = 5;
/// The whole registration, first CONNECT to the Profile reply.
pub const TOTAL: usize = 6;

/// A registered device: what it needs to connect logged in.
#[derive(Clone)]
pub struct Registered {
    /// `emqttd_<s>`, as the server answered.
    pub client_id: String,
    /// The session token (a secret: never shown).
    pub token: String,
}

/// Times one request step; an error (and any reply other than `want`) is counted.
async fn step(
    ctx: &RunContext,
    stats: &Stats,
    conn: &mut Conn,
    topic: &mqtt::TopicName,
    payload: &[u8],
    idx: usize,
) -> Result<ReplyKind, StepError> {
    let t0 = Instant::now();
    let r = request(conn, topic, ctx.args.qos, payload, ctx.timeout(), stats).await;
    match r {
        Ok(kind) => {
            stats.record(idx, t0.elapsed());
            Ok(kind)
        }
        Err(e) => {
            stats.error(e.kind(STEPS[idx]));
            Err(e)
        }
    }
}

fn unexpected(stats: &Stats, idx: usize, kind: ReplyKind) -> StepError {
    let e = StepError::Unexpected(kind);
    stats.error(e.kind(STEPS[idx]));
    e
}

/// reg → code → verify for device `i`, as a new registration; the reg connection is
/// closed before returning.
pub async fn enroll(ctx: &RunContext, stats: &Stats, i: usize) -> Result<Registered, StepError> {
    let (reg_id, phone) = ctx.identity(ctx.next_seq());
    let opts = ConnectOpts {
        client_id: reg_id.clone(),
        password: None,
        clean_session: true,
        keep_alive: ctx.args.keep_alive,
    };
    let mut conn = ctx
        .connect(stats, CONNECT, STEPS[CONNECT], i, &opts)
        .await?;
    let topic = events_topic(&reg_id)?;
    let token = match step(ctx, stats, &mut conn, &topic, &etf::reg(&phone), REG).await? {
        ReplyKind::SmsSent(token) => token,
        other => return Err(unexpected(stats, REG, other)),
    };
    let t0 = Instant::now();
    let code = match ctx.codes.get(&phone, ctx.timeout()).await {
        Ok(code) => code,
        Err(e) => {
            stats.error(format!("{e} ({})", STEPS[CODE]));
            return Err(StepError::Timeout);
        }
    };
    stats.record(CODE, t0.elapsed());
    let verify = etf::verify(&token, &code);
    let client_id = match step(ctx, stats, &mut conn, &topic, &verify, VERIFY).await? {
        ReplyKind::LoggedIn(id) => id,
        other => return Err(unexpected(stats, VERIFY, other)),
    };
    tokio::spawn(conn.disconnect());
    Ok(Registered { client_id, token })
}

/// Connects a registered device logged in (clean_session=false), timed as `LOGIN`.
pub async fn login(
    ctx: &RunContext,
    stats: &Stats,
    i: usize,
    dev: &Registered,
) -> Result<Conn, StepError> {
    let opts = ConnectOpts {
        client_id: dev.client_id.clone(),
        password: Some(dev.token.clone()),
        clean_session: false,
        keep_alive: ctx.args.keep_alive,
    };
    ctx.connect(stats, LOGIN, STEPS[LOGIN], i, &opts).await
}

/// A whole registration, ending with a Profile `get` on the logged-in connection.
/// Any reply to the `get` completes it; an `{error,_}` reply is also counted as an
/// error (roster answers `not_authorized` until Profile exists).
pub async fn register(ctx: &RunContext, stats: &Stats, i: usize, started: Instant) -> bool {
    let Ok(dev) = enroll(ctx, stats, i).await else {
        return false;
    };
    let Ok(mut conn) = login(ctx, stats, i, &dev).await else {
        return false;
    };
    let Ok(topic) = events_topic(&dev.client_id) else {
        return false;
    };
    let get = etf::profile_get();
    let ok = match step(ctx, stats, &mut conn, &topic, get, PROFILE_GET).await {
        Ok(ReplyKind::Error(atom)) => {
            stats.error(StepError::Unexpected(ReplyKind::Error(atom)).kind(STEPS[PROFILE_GET]));
            true
        }
        Ok(_) => true,
        Err(_) => false,
    };
    tokio::spawn(conn.disconnect());
    if ok {
        stats.record(TOTAL, started.elapsed());
        stats.done();
    }
    ok
}
