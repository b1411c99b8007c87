//! The `register` scenario: every device registers again and again (a new ClientId and
//! phone each time) until the budget is spent; reports complete registrations per
//! second and the latency of each step.

use std::{sync::Arc, time::Instant};

use super::{
    device::RunContext,
    enroll,
    phases::join_all,
    plan::{start_offset, Budget, Pacer},
    procfs::CpuMark,
    progress::Progress,
    report::Report,
    stats::Stats,
};

/// Runs the scenario.
pub async fn run(ctx: Arc<RunContext>) -> Report {
    let args = &ctx.args;
    let stats = Arc::new(Stats::new(&enroll::STEPS));
    let budget = Arc::new(Budget::new(args.ramp_up() + args.duration(), args.requests));
    let cpu = CpuMark::now(args.server_pid);
    let progress = Progress::start("register", stats.clone(), args.requests);
    let n = args.clients;
    let handles = (0..n)
        .map(|i| {
            let (ctx, stats, budget) = (ctx.clone(), stats.clone(), budget.clone());
            tokio::spawn(async move { device(&ctx, &stats, &budget, i).await })
        })
        .collect();
    // Every step is bounded by the timeout; a registration has five of them.
    join_all(handles, budget.deadline() + ctx.timeout() * 6).await;
    progress.finish();
    let mut report = Report::new(args, "registrations", &stats);
    report.set_cpu(cpu.since(args.server_pid));
    report
}

async fn device(ctx: &RunContext, stats: &Stats, budget: &Budget, i: usize) {
    let n = ctx.args.clients;
    let start = stats.start() + start_offset(i, n, ctx.args.ramp_up());
    let mut pacer = Pacer::new(ctx.args.rate, i, n, start);
    if !pacer.is_open() {
        tokio::time::sleep_until(start.into()).await;
    }
    loop {
        if pacer.peek() >= budget.deadline() {
            break;
        }
        let slot = pacer.wait().await;
        if !budget.take() {
            break;
        }
        // Open loop: latency counts from the slot, so queueing behind a slow
        // registration shows.
        let started = if pacer.is_open() {
            slot
        } else {
            Instant::now()
        };
        enroll::register(ctx, stats, i, started).await;
    }
}
