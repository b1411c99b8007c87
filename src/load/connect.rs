//! The `connect` scenario: open `--clients` sessions (anonymous, or logged in with
//! tokens registered at start-up), as fast as allowed or at `--rate` per second, hold
//! them idle for `--duration` (PINGREQ at the keep-alive), then close them. Reports the
//! CONNECT→CONNACK rate and latency, and with `--server-pid` the server's RSS per
//! held session.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{mpsc, watch};

use super::{
    args::SessionKind,
    client::{ClientError, Conn, ConnectOpts},
    device::Ctx,
    enroll::{self, Registered},
    plan::{start_offset, Pacer},
    procfs::{rss, CpuMark},
    progress::Progress,
    report::{Held, Report, Setup},
    run::join_all,
    stats::Stats,
};

/// Step names.
const STEPS: [&str; 1] = ["connect"];
/// Pause after the last CONNACK before reading RSS, so the server settles.
const SETTLE: Duration = Duration::from_secs(1);

/// Runs the scenario.
pub async fn run(ctx: Arc<Ctx>) -> Report {
    let n = ctx.args.clients;
    let (identities, setup) = match ctx.args.session {
        SessionKind::Reg => (None, None),
        SessionKind::LoggedIn => {
            let (ids, setup) = start_up(&ctx).await;
            (Some(ids), Some(setup))
        }
    };
    let count = identities.as_ref().map_or(n, Vec::len);
    let rss_before = ctx.args.server_pid.and_then(|p| rss(Some(p)));
    let stats = Arc::new(Stats::new(&STEPS));
    let cpu = CpuMark::now(ctx.args.server_pid);
    let progress = Progress::start("connect", stats.clone(), Some(count as u64));
    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<bool>();
    let identities = identities.map(Arc::new);
    let handles: Vec<_> = (0..count)
        .map(|i| {
            let opts = match &identities {
                Some(ids) => logged_in_opts(&ctx, &ids[i]),
                None => ConnectOpts {
                    client_id: format!("emqttd_reg_ld{}c{i}", ctx.run),
                    password: None,
                    clean_session: true,
                    keep_alive: ctx.args.keep_alive,
                },
            };
            let (ctx, stats) = (ctx.clone(), stats.clone());
            let (stop, done) = (stop_rx.clone(), done_tx.clone());
            tokio::spawn(async move { hold(&ctx, &stats, i, opts, stop, done).await })
        })
        .collect();
    drop(done_tx);
    // Every attempt ends within its start time plus the timeout.
    let connect_bound = Instant::now()
        + ctx.args.ramp_up()
        + ctx.args.rate.map_or(Duration::ZERO, |r| {
            Duration::from_secs_f64(count as f64 / r)
        })
        + ctx.timeout() * 2;
    let mut answered = 0;
    while answered < count {
        match tokio::time::timeout_at(connect_bound.into(), done_rx.recv()).await {
            Ok(Some(_)) => answered += 1,
            _ => break,
        }
    }
    progress.finish();
    let connected = stats.completed();
    let connect_rate = connected as f64 / stats.active().as_secs_f64();
    let connect_cpu = cpu.since(ctx.args.server_pid);
    tokio::time::sleep(SETTLE).await;
    let rss_held = ctx.args.server_pid.and_then(|p| rss(Some(p)));
    let generator_rss = rss(None);
    tokio::time::sleep(ctx.args.duration().saturating_sub(SETTLE)).await;
    let _ = stop_tx.send(true);
    join_all(handles, Instant::now() + ctx.timeout()).await;
    let mut report = Report::new(&ctx.args, "connections", &stats);
    report.set_cpu(connect_cpu);
    report.setup = setup;
    report.held = Some(Held {
        sessions: connected,
        connect_rate_per_s: connect_rate,
        server_rss_before: rss_before,
        server_rss_held: rss_held,
        server_bytes_per_session: match (rss_before, rss_held) {
            (Some(b), Some(h)) if connected > 0 => {
                Some(h.anon_kib.saturating_sub(b.anon_kib) * 1024 / connected)
            }
            _ => None,
        },
        generator_rss,
    });
    report
}

fn logged_in_opts(ctx: &Ctx, dev: &Registered) -> ConnectOpts {
    ConnectOpts {
        client_id: dev.client_id.clone(),
        password: Some(dev.token.clone()),
        clean_session: false,
        keep_alive: ctx.args.keep_alive,
    }
}

/// Registers `--clients` devices (their reg connections closed), for logged-in holds.
async fn start_up(ctx: &Arc<Ctx>) -> (Vec<Registered>, Setup) {
    let stats = Arc::new(Stats::new(&enroll::STEPS));
    let progress = Progress::start("start-up", stats.clone(), Some(ctx.args.clients as u64));
    let n = ctx.args.clients;
    let handles = (0..n)
        .map(|i| {
            let (ctx, stats) = (ctx.clone(), stats.clone());
            tokio::spawn(async move {
                let dev = enroll::enroll(&ctx, &stats, i).await.ok()?;
                stats.done();
                Some(dev)
            })
        })
        .collect();
    let ids: Vec<Registered> = join_all(handles, Instant::now() + ctx.args.setup_timeout())
        .await
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    progress.finish();
    let setup = Setup {
        ready: ids.len() as u64,
        of: n,
        elapsed_s: stats.start().elapsed().as_secs_f64(),
        errors: stats.errors(),
    };
    (ids, setup)
}

/// One session: connect at its time, report, then idle (pinging) until told to stop.
async fn hold(
    ctx: &Ctx,
    stats: &Stats,
    i: usize,
    opts: ConnectOpts,
    mut stop: watch::Receiver<bool>,
    done: mpsc::UnboundedSender<bool>,
) {
    let n = ctx.args.clients;
    let start = stats.start() + start_offset(i, n, ctx.args.ramp_up());
    let mut pacer = Pacer::new(ctx.args.rate, i, n, start);
    if pacer.is_open() {
        pacer.wait().await;
    } else {
        tokio::time::sleep_until(start.into()).await;
    }
    let conn = ctx.connect(stats, 0, STEPS[0], i, &opts).await;
    if conn.is_ok() {
        stats.done();
    }
    let _ = done.send(conn.is_ok());
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
    ctx: &Ctx,
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
