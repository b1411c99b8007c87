//! The `connect` scenario: open `--clients` sessions (anonymous, or logged in with
//! tokens registered at start-up), as fast as allowed or at `--rate` per second, in
//! two halves; hold them idle for `--duration` (PINGREQ at the keep-alive), then close
//! them. Reports the CONNECT→CONNACK rate and latency, and with `--server-pid` the
//! server's anonymous RSS per held session: overall, and the second half's growth
//! alone (the marginal cost, free of memory start-up freed for the first half).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{
    sync::{mpsc, watch},
    task::JoinHandle,
};

use super::{
    args::SessionKind,
    client::{ClientError, Conn, ConnectOpts},
    device::RunContext,
    enroll::{self, Registered},
    phases::{self, join_all},
    plan::{start_offset, Pacer},
    procfs::{rss, CpuMark, Rss},
    progress::Progress,
    report::{Held, Report, Setup},
    stats::Stats,
};

/// Step names.
const STEPS: [&str; 1] = ["connect"];
/// Pause after the last CONNACK before reading RSS, so the server settles.
const SETTLE: Duration = Duration::from_secs(1);

/// One wave of connections: sessions `range` started now (ramped up over their
/// share of `--ramp-up`, or paced at `--rate`).
struct Wave {
    /// Connections made.
    connected: u64,
    /// From the wave's start to its last answer.
    took: Duration,
}

/// Runs the scenario.
pub async fn run(ctx: Arc<RunContext>) -> Report {
    let n = ctx.args.clients;
    let (identities, setup) = match ctx.args.session {
        SessionKind::Reg => (None, None),
        SessionKind::LoggedIn => {
            let (ids, setup) = start_up(&ctx).await;
            (Some(ids), Some(setup))
        }
    };
    let count = identities.as_ref().map_or(n, Vec::len);
    let identities = identities.map(Arc::new);
    let pid = ctx.args.server_pid;
    let rss_before = pid.and_then(|p| rss(Some(p)));
    let stats = Arc::new(Stats::new(&STEPS));
    let cpu = CpuMark::now(pid);
    let progress = Progress::start("connect", stats.clone(), Some(count as u64));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut handles = Vec::with_capacity(count);
    // Two halves, RSS read after each: the second half's growth is the marginal cost
    // of a session, free of what start-up left behind for the first half to reuse.
    let half = count.div_ceil(2);
    let first = wave(&ctx, &stats, &identities, 0..half, &stop_rx, &mut handles).await;
    tokio::time::sleep(SETTLE).await;
    let rss_mid = pid.and_then(|p| rss(Some(p)));
    let second = wave(
        &ctx,
        &stats,
        &identities,
        half..count,
        &stop_rx,
        &mut handles,
    )
    .await;
    progress.finish();
    let connected = stats.completed();
    let busy = (first.took + second.took).max(Duration::from_millis(1));
    let connect_cpu = cpu.since(pid);
    tokio::time::sleep(SETTLE).await;
    let rss_held = pid.and_then(|p| rss(Some(p)));
    let generator_rss = rss(None);
    tokio::time::sleep(ctx.args.duration().saturating_sub(SETTLE)).await;
    let _ = stop_tx.send(true);
    join_all(handles, Instant::now() + ctx.timeout()).await;
    let mut report = Report::new(&ctx.args, "connections", &stats);
    // The rate counts the time spent connecting, not the pause between the halves.
    report.elapsed_s = busy.as_secs_f64();
    report.throughput_per_s = connected as f64 / report.elapsed_s;
    report.set_cpu(connect_cpu);
    report.setup = setup;
    let per = |a: Option<Rss>, b: Option<Rss>, sessions: u64| match (a, b) {
        (Some(a), Some(b)) if sessions > 0 => {
            Some(b.anon_kib.saturating_sub(a.anon_kib) * 1024 / sessions)
        }
        _ => None,
    };
    report.held = Some(Held {
        sessions: connected,
        connect_rate_per_s: connected as f64 / busy.as_secs_f64(),
        server_rss_before: rss_before,
        server_rss_held: rss_held,
        server_bytes_per_session: per(rss_before, rss_held, connected),
        server_bytes_per_session_marginal: per(rss_mid, rss_held, second.connected),
        generator_rss,
    });
    report
}

/// Starts the sessions of `range` and waits until each has connected or failed.
async fn wave(
    ctx: &Arc<RunContext>,
    stats: &Arc<Stats>,
    identities: &Option<Arc<Vec<Registered>>>,
    range: std::ops::Range<usize>,
    stop: &watch::Receiver<bool>,
    handles: &mut Vec<JoinHandle<()>>,
) -> Wave {
    let start = Instant::now();
    let before = stats.completed();
    let size = range.len();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<()>();
    for (k, i) in range.enumerate() {
        let opts = match identities {
            Some(ids) => logged_in_opts(ctx, &ids[i]),
            None => ConnectOpts {
                client_id: format!("emqttd_reg_ld{}c{i}", ctx.run),
                password: None,
                clean_session: true,
                keep_alive: ctx.args.keep_alive,
            },
        };
        let at = Slot { start, k, of: size };
        let (ctx, stats) = (ctx.clone(), stats.clone());
        let (stop, done) = (stop.clone(), done_tx.clone());
        handles.push(tokio::spawn(async move {
            hold(&ctx, &stats, i, at, opts, stop, done).await
        }));
    }
    drop(done_tx);
    // Every attempt ends within its start time plus the timeout.
    let bound = start
        + ctx.args.ramp_up()
        + ctx.args.rate.map_or(Duration::ZERO, |r| {
            Duration::from_secs_f64(ctx.args.clients as f64 / r)
        })
        + ctx.timeout() * 2;
    let mut answered = 0;
    while answered < size {
        match tokio::time::timeout_at(bound.into(), done_rx.recv()).await {
            Ok(Some(())) => answered += 1,
            _ => break,
        }
    }
    Wave {
        connected: stats.completed() - before,
        took: start.elapsed(),
    }
}

/// When a session of a wave connects: its place `k` among `of`, from `start`.
#[derive(Clone, Copy)]
struct Slot {
    /// The wave's start.
    start: Instant,
    /// This session's place in the wave.
    k: usize,
    /// The wave's size.
    of: usize,
}

fn logged_in_opts(ctx: &RunContext, dev: &Registered) -> ConnectOpts {
    ConnectOpts {
        client_id: dev.client_id.clone(),
        password: Some(dev.token.clone()),
        clean_session: false,
        keep_alive: ctx.args.keep_alive,
    }
}

/// Registers `--clients` devices (their reg connections closed), for logged-in holds.
async fn start_up(ctx: &Arc<RunContext>) -> (Vec<Registered>, Setup) {
    phases::start_up(ctx, &enroll::STEPS, |ctx, stats, i| async move {
        let _turn = ctx.setup_turn().await;
        let dev = enroll::enroll(&ctx, &stats, i).await.ok()?;
        stats.done();
        Some(dev)
    })
    .await
}

/// One session: connect at its slot, report, then idle (pinging) until told to stop.
async fn hold(
    ctx: &RunContext,
    stats: &Stats,
    i: usize,
    at: Slot,
    opts: ConnectOpts,
    mut stop: watch::Receiver<bool>,
    done: mpsc::UnboundedSender<()>,
) {
    // Each wave gets its share of the ramp-up (or of the rate).
    let ramp = ctx.args.ramp_up() / 2;
    let start = at.start + start_offset(at.k, at.of, ramp);
    let mut pacer = Pacer::new(ctx.args.rate, at.k, at.of, at.start);
    if pacer.is_open() {
        pacer.wait().await;
    } else {
        tokio::time::sleep_until(start.into()).await;
    }
    let conn = ctx.connect(stats, 0, STEPS[0], i, &opts).await;
    if conn.is_ok() {
        stats.done();
    }
    let _ = done.send(());
    drop((opts, done));
    let Ok(mut conn) = conn else {
        return;
    };
    match idle(ctx, &mut conn, &mut stop).await {
        Ok(()) => conn.disconnect().await,
        Err(e) => stats.error(format!("{} (held)", e.kind())),
    }
}

/// Holds the connection: PINGREQ each keep-alive, reads what comes, until `stop`.
async fn idle(
    ctx: &RunContext,
    conn: &mut Conn,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), ClientError> {
    let every = match ctx.args.keep_alive {
        0 => Duration::from_secs(86_400),
        k => Duration::from_secs(u64::from(k)),
    };
    let mut next_ping = Instant::now() + every;
    loop {
        tokio::select! {
            _ = stop.changed() => return Ok(()),
            _ = tokio::time::sleep_until(next_ping.into()) => {
                conn.ping().await?;
                next_ping += every;
            }
            r = conn.read() => {
                r?;
            }
        }
    }
}
