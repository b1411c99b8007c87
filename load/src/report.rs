//! The end-of-run report: the same figures as a table for people and as JSON for
//! scripts. It names kinds of replies and errors, never tokens or codes.

use std::{collections::BTreeMap, fmt};

use serde::Serialize;

use super::{
    args::{LoadArgs, Scenario},
    procfs::Rss,
    stats::{Stats, StepFigures},
};

/// The start-up phase (registering devices, connecting, subscribing), not measured.
#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    /// Devices ready when the measurement started.
    pub ready: u64,
    /// Devices asked for.
    pub of: usize,
    /// Seconds it took.
    pub elapsed_s: f64,
    /// What went wrong, by kind.
    pub errors: BTreeMap<String, u64>,
}

/// The `connect` scenario's held sessions and what they cost.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    /// Sessions connected and held at once.
    pub sessions: u64,
    /// CONNECT→CONNACK completions per second, first attempt to last CONNACK.
    pub connect_rate_per_s: f64,
    /// The server's resident memory before the sessions connected.
    pub server_rss_before: Option<Rss>,
    /// The server's resident memory while holding them.
    pub server_rss_held: Option<Rss>,
    /// Anonymous resident memory (held − before) / sessions, bytes.
    pub server_bytes_per_session: Option<u64>,
    /// The second half's growth / its sessions, bytes: the marginal cost of one more.
    pub server_bytes_per_session_marginal: Option<u64>,
    /// The generator's own resident memory while holding them.
    pub generator_rss: Option<Rss>,
}

/// CPU time used during the measured phase (from /proc), and per completed unit.
#[derive(Debug, Clone, Serialize)]
pub struct Cpu {
    /// The generator's CPU seconds.
    pub generator_s: Option<f64>,
    /// The server's CPU seconds (with `--server-pid`).
    pub server_s: Option<f64>,
    /// The generator's CPU µs per unit.
    pub generator_us_per_unit: Option<f64>,
    /// The server's CPU µs per unit.
    pub server_us_per_unit: Option<f64>,
}

/// Everything a run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the devices did.
    pub scenario: Scenario,
    /// Against which server.
    pub server: String,
    /// Devices asked for.
    pub clients: usize,
    /// `closed` or `open`.
    pub loop_kind: &'static str,
    /// Open-loop rate asked for, units per second.
    pub rate: Option<f64>,
    /// QoS of requests and replies.
    pub qos: u8,
    /// What one completed unit is.
    pub unit: &'static str,
    /// Units completed.
    pub completed: u64,
    /// Seconds from the start of the measurement to the last completed unit.
    pub elapsed_s: f64,
    /// `completed / elapsed_s`.
    pub throughput_per_s: f64,
    /// Latency of each step, ms.
    pub steps: Vec<StepFigures>,
    /// Replies by kind.
    pub replies: BTreeMap<String, u64>,
    /// Errors by kind: CONNACK refusals, timeouts, error replies, socket errors.
    pub errors: BTreeMap<String, u64>,
    /// The start-up phase, for scenarios that have one.
    pub setup: Option<Setup>,
    /// `connect` only.
    pub held: Option<Held>,
    /// CPU time of the measured phase.
    pub cpu: Option<Cpu>,
}

impl Report {
    /// The report of a measured phase.
    pub fn new(args: &LoadArgs, unit: &'static str, stats: &Stats) -> Self {
        let completed = stats.completed();
        let elapsed = stats.active().as_secs_f64();
        Self {
            scenario: args.scenario,
            server: args.server.to_string(),
            clients: args.clients,
            loop_kind: if args.rate.is_some() {
                "open"
            } else {
                "closed"
            },
            rate: args.rate,
            qos: args.qos,
            unit,
            completed,
            elapsed_s: elapsed,
            throughput_per_s: if completed == 0 {
                0.0
            } else {
                completed as f64 / elapsed
            },
            steps: stats.steps(),
            replies: stats.replies(),
            errors: stats.errors(),
            setup: None,
            held: None,
            cpu: None,
        }
    }

    /// Records the CPU seconds (generator, server) the measured phase used.
    pub fn set_cpu(&mut self, (generator, server): (Option<f64>, Option<f64>)) {
        let per = |s: Option<f64>| {
            s.filter(|_| self.completed > 0)
                .map(|s| s * 1e6 / self.completed as f64)
        };
        self.cpu = Some(Cpu {
            generator_s: generator,
            server_s: server,
            generator_us_per_unit: per(generator),
            server_us_per_unit: per(server),
        });
    }

    /// Every error, start-up included.
    pub fn total_errors(&self) -> u64 {
        let setup: u64 = self.setup.iter().flat_map(|s| s.errors.values()).sum();
        setup + self.errors.values().sum::<u64>()
    }
}

fn counts(f: &mut fmt::Formatter<'_>, title: &str, map: &BTreeMap<String, u64>) -> fmt::Result {
    if map.is_empty() {
        return writeln!(f, "{title}: none");
    }
    writeln!(f, "{title}:")?;
    for (k, v) in map {
        writeln!(f, "  {v:>10}  {k}")?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pace = match self.rate {
            Some(r) => format!("open loop at {r}/s"),
            None => "closed loop".into(),
        };
        writeln!(
            f,
            "roster load {}: {} clients, {pace}, QoS {}, server {}",
            self.scenario.name(),
            self.clients,
            self.qos,
            self.server
        )?;
        if let Some(s) = &self.setup {
            writeln!(
                f,
                "start-up: {}/{} devices ready in {:.2} s",
                s.ready, s.of, s.elapsed_s
            )?;
            if !s.errors.is_empty() {
                counts(f, "start-up errors", &s.errors)?;
            }
        }
        writeln!(
            f,
            "completed: {} {} in {:.2} s = {:.1} {}/s",
            self.completed, self.unit, self.elapsed_s, self.throughput_per_s, self.unit
        )?;
        if let Some(h) = &self.held {
            writeln!(
                f,
                "held: {} sessions; connect rate {:.1}/s",
                h.sessions, h.connect_rate_per_s
            )?;
            if let (Some(b), Some(h2)) = (h.server_rss_before, h.server_rss_held) {
                writeln!(
                    f,
                    "server RSS: {} KiB before, {} KiB held (anonymous {} → {} KiB) = {} bytes \
                     per session; second half alone {} bytes per session",
                    b.total_kib,
                    h2.total_kib,
                    b.anon_kib,
                    h2.anon_kib,
                    h.server_bytes_per_session.unwrap_or(0),
                    h.server_bytes_per_session_marginal.unwrap_or(0)
                )?;
            }
            if let Some(g) = h.generator_rss {
                writeln!(f, "generator RSS: {} KiB", g.total_kib)?;
            }
        }
        if let Some(c) = &self.cpu {
            let show = |s: Option<f64>, per: Option<f64>| match (s, per) {
                (Some(s), Some(p)) => format!("{s:.2} s ({p:.0} µs per unit)"),
                (Some(s), None) => format!("{s:.2} s"),
                _ => "n/a".into(),
            };
            writeln!(
                f,
                "cpu: generator {}, server {}",
                show(c.generator_s, c.generator_us_per_unit),
                show(c.server_s, c.server_us_per_unit)
            )?;
        }
        writeln!(
            f,
            "{:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "step (ms)", "count", "mean", "p50", "p90", "p99", "max"
        )?;
        for s in &self.steps {
            writeln!(
                f,
                "{:<14} {:>9} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                s.name, s.count, s.mean_ms, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms
            )?;
        }
        counts(f, "replies", &self.replies)?;
        counts(f, "errors", &self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn table_and_json_carry_the_same_figures() {
        let args = LoadArgs::try_parse_from(["load", "profile"]).unwrap();
        let stats = Stats::new(&["get"]);
        stats.record(0, std::time::Duration::from_millis(2));
        stats.done();
        stats.error("timeout (get)".into());
        let r = Report::new(&args, "requests", &stats);
        let table = r.to_string();
        assert!(table.contains("completed: 1 requests"), "{table}");
        assert!(table.contains("timeout (get)"), "{table}");
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(json["completed"], 1);
        assert_eq!(json["scenario"], "profile");
        assert_eq!(json["errors"]["timeout (get)"], 1);
        assert_eq!(json["steps"][0]["name"], "get");
        assert_eq!(r.total_errors(), 1);
        let mut r = r;
        r.set_cpu((Some(0.5), None));
        assert!(r
            .to_string()
            .contains("cpu: generator 0.50 s (500000 µs per unit), server n/a"));
    }
}
