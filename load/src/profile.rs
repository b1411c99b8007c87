//! The `profile` scenario: devices registered and logged in at start-up (not
//! measured) loop Profile `get` and `set` at `--set-percent`, closed loop or at an
//! open-loop `--rate`. Replies are counted by kind, whatever the server answers.

use std::{
    collections::VecDeque,
    sync::Arc,
    time::{Duration, Instant},
};

use mqtt::TopicName;

use super::{
    client::Conn,
    device::{events_topic, request, RunContext},
    enroll,
    etf::{self, ReplyKind},
    phases::{self, drive},
    plan::{start_offset, Budget, Pacer},
    report::{Report, Setup},
    stats::Stats,
};

/// Step names of the measured phase.
const STEPS: [&str; 2] = ["get", "set"];
/// Requests one device may have unanswered in the open loop (roster closes a client
/// beyond `session.max_pending_requests`, 64 by default).
const MAX_OUTSTANDING: usize = 32;
/// The data a `set` writes.
const SET_DATA: &[u8] = b"roster-load profile data, 32 by.";

/// A logged-in device ready to ask.
struct Ready {
    /// Its connection.
    conn: Conn,
    /// Where it publishes.
    topic: TopicName,
}

/// Runs the scenario.
pub async fn run(ctx: Arc<RunContext>) -> Report {
    let (devices, setup) = start_up(&ctx).await;
    drive(
        ctx,
        devices,
        setup,
        "profile",
        "requests",
        &STEPS,
        |ctx, stats, budget, i, dev| async move { device(&ctx, &stats, &budget, i, dev).await },
    )
    .await
}

/// Registers and logs in every device (ramped up), bounded by `--setup-timeout`.
async fn start_up(ctx: &Arc<RunContext>) -> (Vec<Ready>, Setup) {
    let n = ctx.args.clients;
    phases::start_up(ctx, &enroll::STEPS, move |ctx, stats, i| async move {
        tokio::time::sleep(start_offset(i, n, ctx.args.ramp_up())).await;
        let turn = ctx.setup_turn().await;
        let dev = enroll::enroll(&ctx, &stats, i).await.ok()?;
        let conn = enroll::login(&ctx, &stats, i, &dev).await.ok()?;
        drop(turn);
        let topic = events_topic(&dev.client_id).ok()?;
        stats.done();
        Some(Ready { conn, topic })
    })
    .await
}

/// A small per-device generator for the get/set mix (xorshift).
struct Mix {
    /// The state.
    state: u64,
    /// Percent of `set`.
    set_percent: u64,
}

impl Mix {
    fn new(i: usize, set_percent: u8) -> Self {
        Self {
            state: (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            set_percent: u64::from(set_percent),
        }
    }

    /// 0 for `get`, 1 for `set`.
    fn next(&mut self) -> usize {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        usize::from(self.state % 100 < self.set_percent)
    }
}

fn payload(step: usize) -> Vec<u8> {
    match step {
        0 => etf::profile_get().to_vec(),
        _ => etf::profile_set(SET_DATA),
    }
}

/// Counts a reply: `{error,_}` is also an error.
fn count(stats: &Stats, step: usize, kind: &ReplyKind) {
    if let ReplyKind::Error(atom) = kind {
        stats.error(format!("error reply {{error,{atom}}} ({})", STEPS[step]));
    }
    stats.done();
}

async fn device(ctx: &RunContext, stats: &Stats, budget: &Budget, i: usize, mut dev: Ready) {
    let mut mix = Mix::new(i, ctx.args.set_percent);
    let requests = [payload(0), payload(1)];
    let n = ctx.args.clients;
    let mut pacer = Pacer::new(ctx.args.rate, i, n, stats.start());
    if pacer.is_open() {
        open_loop(
            ctx, stats, budget, &mut dev, &mut pacer, &mut mix, &requests,
        )
        .await;
    } else {
        while budget.take() {
            let step = mix.next();
            let t0 = Instant::now();
            let q = ctx.args.qos;
            match request(
                &mut dev.conn,
                &dev.topic,
                q,
                &requests[step],
                ctx.timeout(),
                stats,
            )
            .await
            {
                Ok(kind) => {
                    stats.record(step, t0.elapsed());
                    count(stats, step, &kind);
                }
                Err(e) => {
                    stats.error(e.kind(STEPS[step]));
                    return;
                }
            }
        }
    }
    dev.conn.disconnect().await;
}

/// Sends at the pacer's slots whatever the replies do; latency counts from the slot.
async fn open_loop(
    ctx: &RunContext,
    stats: &Stats,
    budget: &Budget,
    dev: &mut Ready,
    pacer: &mut Pacer,
    mix: &mut Mix,
    requests: &[Vec<u8>; 2],
) {
    let mut pending: VecDeque<(Instant, usize)> = VecDeque::new();
    let mut sending = true;
    // Armed at the oldest request's timeout or earlier, and re-armed only when it
    // fires early: one timer per device, not one per request.
    let mut expiry = Box::pin(tokio::time::sleep(Duration::from_secs(86_400)));
    while sending || !pending.is_empty() {
        let next_write = sending.then(|| pacer.peek());
        tokio::select! {
            slot = pacer.wait(), if sending => {
                if slot >= budget.deadline() || !budget.take() {
                    sending = false;
                    continue;
                }
                let step = mix.next();
                if pending.len() >= MAX_OUTSTANDING {
                    stats.error(format!("backlog: slot skipped ({})", STEPS[step]));
                    continue;
                }
                if let Err(e) = dev.conn.publish(&dev.topic, ctx.args.qos, &requests[step]).await {
                    stats.error(format!("{} ({})", e.kind(), STEPS[step]));
                    return;
                }
                let due = slot + ctx.timeout();
                if pending.is_empty() && expiry.deadline() > due.into() {
                    expiry.as_mut().reset(due.into());
                }
                pending.push_back((slot, step));
            }
            reply = dev.conn.next_publish_before(next_write) => match reply {
                Ok(p) => {
                    let Some((slot, step)) = pending.pop_front() else {
                        stats.error("reply without a request".into());
                        continue;
                    };
                    stats.record(step, slot.elapsed());
                    let kind = etf::classify(p.payload());
                    stats.reply(kind.label());
                    count(stats, step, &kind);
                }
                Err(e) => {
                    stats.error(format!("{} (reply)", e.kind()));
                    return;
                }
            },
            () = expiry.as_mut(), if !pending.is_empty() => {
                let oldest = pending.front().map(|(slot, _)| *slot + ctx.timeout());
                if let Some(due) = oldest.filter(|due| *due > Instant::now()) {
                    expiry.as_mut().reset(due.into());
                    continue;
                }
                for (_, step) in pending.drain(..) {
                    stats.error(format!("timeout ({})", STEPS[step]));
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_follows_the_percentage() {
        for pct in [0u8, 10, 50, 100] {
            let mut m = Mix::new(7, pct);
            let sets: usize = (0..10_000).map(|_| m.next()).sum();
            let expected = usize::from(pct) * 100;
            assert!(sets.abs_diff(expected) <= 300, "{pct}%: {sets}");
        }
    }
}
