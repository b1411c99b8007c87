//! The `relay` scenario, for a plain MQTT broker (mosquitto, say): device i subscribes
//! to `<prefix>/<run>/<i>` and publishes to its peer's topic (pairs 0↔1, 2↔3, …; an
//! odd last device sends to device 0). Closed loop: each message received is answered
//! with the next one to the peer, so every device has one message in flight as a
//! `profile` device has one request in flight. Latency is publish → delivery, from a
//! timestamp in the payload.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use mqtt::TopicName;

use super::{
    client::{ClientError, Conn, ConnectOpts},
    device::{RunContext, StepError},
    phases::{self, drive},
    plan::{start_offset, Budget, Pacer},
    report::{Report, Setup},
    stats::Stats,
};

/// Step names: the measured step, and the start-up's.
const STEPS: [&str; 1] = ["relay"];
const SETUP_STEPS: [&str; 2] = ["connect", "subscribe"];
/// After the budget is spent, how long a device waits for messages still in flight.
const DRAIN: Duration = Duration::from_millis(200);

/// A connected, subscribed device.
struct Ready {
    /// Its connection.
    conn: Conn,
    /// Its peer's topic.
    peer: TopicName,
}

fn topic(ctx: &RunContext, i: usize) -> String {
    format!("{}/{}/{i}", ctx.args.topic_prefix, ctx.run)
}

fn peer_of(i: usize, n: usize) -> usize {
    let p = i ^ 1;
    if p >= n {
        0
    } else {
        p
    }
}

/// Runs the scenario.
pub async fn run(ctx: Arc<RunContext>) -> Report {
    let (devices, setup) = start_up(&ctx).await;
    drive(
        ctx,
        devices,
        setup,
        "relay",
        "messages",
        &STEPS,
        |ctx, stats, budget, i, dev| async move { device(&ctx, &stats, &budget, i, dev).await },
    )
    .await
}

/// Connects every device and subscribes it to its own topic (ramped up), bounded by
/// `--setup-timeout`.
async fn start_up(ctx: &Arc<RunContext>) -> (Vec<Ready>, Setup) {
    let n = ctx.args.clients;
    phases::start_up(ctx, &SETUP_STEPS, move |ctx, stats, i| async move {
        tokio::time::sleep(start_offset(i, n, ctx.args.ramp_up())).await;
        let opts = ConnectOpts {
            client_id: format!("roster-load-{}-{i}", ctx.run),
            password: None,
            clean_session: true,
            keep_alive: ctx.args.keep_alive,
        };
        let mut conn = ctx.connect(&stats, 0, "connect", i, &opts).await.ok()?;
        let t0 = Instant::now();
        let sub =
            tokio::time::timeout(ctx.timeout(), conn.subscribe(&topic(&ctx, i), ctx.args.qos))
                .await
                .map_err(|_| StepError::Timeout)
                .and_then(|r| r.map_err(StepError::Client));
        if let Err(e) = sub {
            stats.error(e.kind("subscribe"));
            return None;
        }
        stats.record(1, t0.elapsed());
        let Ok(peer) = TopicName::new(topic(&ctx, peer_of(i, n))) else {
            stats.error("topic prefix unfit for a topic".into());
            return None;
        };
        stats.done();
        Some(Ready { conn, peer })
    })
    .await
}

/// The payload: the send time (ns since the run's epoch) then padding.
fn stamp(ctx: &RunContext, at: Instant, buf: &mut [u8]) {
    let ns = at.saturating_duration_since(ctx.epoch).as_nanos() as u64;
    buf[..8].copy_from_slice(&ns.to_be_bytes());
}

/// Publish → delivery latency of a received payload.
fn latency(ctx: &RunContext, payload: &[u8]) -> Option<Duration> {
    let ns = u64::from_be_bytes(payload.get(..8)?.try_into().ok()?);
    let sent = ctx.epoch + Duration::from_nanos(ns);
    Some(Instant::now().saturating_duration_since(sent))
}

fn received(ctx: &RunContext, stats: &Stats, payload: &[u8]) {
    match latency(ctx, payload) {
        Some(d) => {
            stats.record(0, d);
            stats.done();
        }
        None => stats.error("foreign message (no timestamp)".into()),
    }
}

async fn send(
    ctx: &RunContext,
    dev: &mut Ready,
    at: Instant,
    buf: &mut [u8],
) -> Result<(), ClientError> {
    stamp(ctx, at, buf);
    dev.conn.publish(&dev.peer, ctx.args.qos, buf).await
}

async fn device(ctx: &RunContext, stats: &Stats, budget: &Budget, i: usize, mut dev: Ready) {
    let mut buf = vec![0u8; ctx.args.payload];
    let mut pacer = Pacer::new(ctx.args.rate, i, ctx.args.clients, stats.start());
    let result = if pacer.is_open() {
        open_loop(ctx, stats, budget, &mut dev, &mut pacer, &mut buf).await
    } else {
        closed_loop(ctx, stats, budget, &mut dev, &mut buf).await
    };
    if let Err(e) = result {
        stats.error(e.kind("relay"));
    }
    dev.conn.disconnect().await;
}

async fn closed_loop(
    ctx: &RunContext,
    stats: &Stats,
    budget: &Budget,
    dev: &mut Ready,
    buf: &mut [u8],
) -> Result<(), StepError> {
    if budget.take() {
        send(ctx, dev, Instant::now(), buf).await?;
    }
    loop {
        let wait = if budget.is_over() {
            DRAIN
        } else {
            ctx.timeout()
        };
        match tokio::time::timeout(wait, dev.conn.next_publish_then_send()).await {
            Ok(msg) => {
                received(ctx, stats, msg?.payload());
                if budget.take() {
                    send(ctx, dev, Instant::now(), buf).await?;
                }
            }
            Err(_) if budget.is_over() => return Ok(()),
            Err(_) => {
                // The pair lost its message: count it and put a new one in flight.
                stats.error(StepError::Timeout.kind("relay"));
                if budget.take() {
                    send(ctx, dev, Instant::now(), buf).await?;
                }
            }
        }
    }
}

async fn open_loop(
    ctx: &RunContext,
    stats: &Stats,
    budget: &Budget,
    dev: &mut Ready,
    pacer: &mut Pacer,
    buf: &mut [u8],
) -> Result<(), StepError> {
    let mut sending = true;
    let mut quiet_until = budget.deadline() + DRAIN;
    loop {
        let next_write = sending.then(|| pacer.peek());
        tokio::select! {
            slot = pacer.wait(), if sending => {
                if slot >= budget.deadline() || !budget.take() {
                    sending = false;
                    quiet_until = Instant::now() + DRAIN;
                    continue;
                }
                send(ctx, dev, slot, buf).await?;
            }
            msg = dev.conn.next_publish_before(next_write) => {
                received(ctx, stats, msg?.payload());
                if !sending {
                    quiet_until = Instant::now() + DRAIN;
                }
            }
            _ = tokio::time::sleep_until(quiet_until.into()), if !sending => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_pair_up() {
        assert_eq!(peer_of(0, 4), 1);
        assert_eq!(peer_of(1, 4), 0);
        assert_eq!(peer_of(3, 4), 2);
        assert_eq!(peer_of(4, 5), 0);
    }
}
