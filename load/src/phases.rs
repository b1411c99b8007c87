//! The two phases every scenario is built from: the start-up that prepares the
//! devices and the measured phase that drives them until the budget ends, with the
//! bounded join both use. Scenarios use this; it knows none of them.

use std::{sync::Arc, time::Instant};

use tokio::task::JoinHandle;

use super::{
    device::RunContext,
    plan::Budget,
    procfs::CpuMark,
    progress::Progress,
    report::{Report, Setup},
    stats::Stats,
};

/// Awaits every task until `until`; those still running then are aborted (their
/// loops are bounded, so this only cuts a stuck connection short).
pub async fn join_all<T>(handles: Vec<JoinHandle<T>>, until: Instant) -> Vec<Option<T>> {
    let mut out = Vec::with_capacity(handles.len());
    for mut h in handles {
        match tokio::time::timeout_at(until.into(), &mut h).await {
            Ok(Ok(v)) => out.push(Some(v)),
            Ok(Err(_)) => out.push(None),
            Err(_) => {
                h.abort();
                out.push(None);
            }
        }
    }
    out
}

/// The measured phase of a scenario whose devices are ready: one task per device
/// running `device` until the budget ends, a bounded join, then the report
/// (`unit` names what was counted, `steps` the latency histograms).
#[allow(clippy::too_many_arguments)]
pub async fn drive<D, F, Fut>(
    ctx: Arc<RunContext>,
    devices: Vec<D>,
    setup: Setup,
    name: &'static str,
    unit: &'static str,
    steps: &[&'static str],
    device: F,
) -> Report
where
    D: Send + 'static,
    F: Fn(Arc<RunContext>, Arc<Stats>, Arc<Budget>, usize, D) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let args = &ctx.args;
    let stats = Arc::new(Stats::new(steps));
    let budget = Arc::new(Budget::new(args.duration(), args.requests));
    let cpu = CpuMark::now(args.server_pid);
    let progress = Progress::start(name, stats.clone(), args.requests);
    let handles = devices
        .into_iter()
        .enumerate()
        .map(|(i, dev)| tokio::spawn(device(ctx.clone(), stats.clone(), budget.clone(), i, dev)))
        .collect();
    join_all(handles, budget.deadline() + ctx.timeout() * 2).await;
    progress.finish();
    let mut report = Report::new(args, unit, &stats);
    report.set_cpu(cpu.since(args.server_pid));
    report.setup = Some(setup);
    report
}

/// The start-up phase every registered-device scenario shares: `prepare` runs once per
/// device, concurrently, with the start-up statistics (`steps`); devices it returns
/// `None` for are left out. Bounded by `--setup-timeout`; the ready devices keep their
/// index order.
pub async fn start_up<T, F, Fut>(
    ctx: &Arc<RunContext>,
    steps: &[&'static str],
    prepare: F,
) -> (Vec<T>, Setup)
where
    T: Send + 'static,
    F: Fn(Arc<RunContext>, Arc<Stats>, usize) -> Fut,
    Fut: std::future::Future<Output = Option<T>> + Send + 'static,
{
    let stats = Arc::new(Stats::new(steps));
    let progress = Progress::start("start-up", stats.clone(), Some(ctx.args.clients as u64));
    let n = ctx.args.clients;
    let handles = (0..n)
        .map(|i| tokio::spawn(prepare(ctx.clone(), stats.clone(), i)))
        .collect();
    let ready: Vec<T> = join_all(handles, Instant::now() + ctx.args.setup_timeout())
        .await
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    progress.finish();
    let setup = Setup {
        ready: ready.len() as u64,
        of: n,
        elapsed_s: stats.start().elapsed().as_secs_f64(),
        errors: stats.errors(),
    };
    (ready, setup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn join_all_bounds_the_wait() {
        let quick = tokio::spawn(async { 1 });
        let stuck = tokio::spawn(std::future::pending::<i32>());
        let until = Instant::now() + std::time::Duration::from_millis(50);
        assert_eq!(
            join_all(vec![quick, stuck], until).await,
            vec![Some(1), None]
        );
    }
}
