//! What a process costs, read from /proc (Linux): CPU time and resident memory, for
//! the generator itself and for the server when its pid is given. CPU time per unit
//! is steadier than throughput on a shared machine.

use std::time::Duration;

/// Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`; 100 on
/// every mainstream Linux build).
const TICKS_PER_SEC: u64 = 100;

/// CPU time used so far by `pid` (`None`: this process), user plus system.
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let stat = std::fs::read_to_string(match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    })
    .ok()?;
    // The command name (field 2) may hold spaces: count fields after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After ')': state is field 3; utime and stime are fields 14 and 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime) * 1000 / TICKS_PER_SEC,
    ))
}

/// Resident memory of a process, KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rss {
    /// All of it (`VmRSS`).
    pub total_kib: u64,
    /// Anonymous memory (`RssAnon`): the heap and stacks, without the mapped binary
    /// and files, whose pages are not per session.
    pub anon_kib: u64,
}

/// Resident memory of `pid` (`None`: this process).
pub fn rss(pid: Option<u32>) -> Option<Rss> {
    let status = std::fs::read_to_string(match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    })
    .ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(Rss {
        total_kib: field("VmRSS:")?,
        anon_kib: field("RssAnon:")?,
    })
}

/// CPU time of the generator and the server at one moment.
#[derive(Debug, Clone, Copy)]
pub struct CpuMark {
    /// This process.
    generator: Option<Duration>,
    /// The server, when its pid is known.
    server: Option<Duration>,
}

impl CpuMark {
    /// Reads both now.
    pub fn now(server_pid: Option<u32>) -> Self {
        Self {
            generator: cpu_time(None),
            server: server_pid.and_then(|p| cpu_time(Some(p))),
        }
    }

    /// CPU seconds used since `self`: (generator, server).
    pub fn since(&self, server_pid: Option<u32>) -> (Option<f64>, Option<f64>) {
        let now = Self::now(server_pid);
        let diff =
            |a: Option<Duration>, b: Option<Duration>| Some(b?.saturating_sub(a?).as_secs_f64());
        (
            diff(self.generator, now.generator),
            diff(self.server, now.server),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        assert!(rss(None).is_some_and(|r| r.total_kib >= r.anon_kib && r.anon_kib > 0));
        assert!(cpu_time(None).is_some());
        let own = std::process::id();
        assert!(cpu_time(Some(own)).is_some());
        assert!(rss(Some(u32::MAX)).is_none());
        assert!(cpu_time(Some(u32::MAX)).is_none());
        let mark = CpuMark::now(Some(own));
        let (g, s) = mark.since(Some(own));
        assert!(g.is_some() && s.is_some());
    }
}
