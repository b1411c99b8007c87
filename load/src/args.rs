//! The `roster load` command line: the scenario and every knob, with defaults that keep
//! a run on loopback, short and bounded.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, ValueEnum};

/// What the simulated devices do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// reg → code → verify → reconnect logged in → Profile get, again and again.
    Register,
    /// Devices registered at start-up loop Profile `get` and `set`.
    Profile,
    /// Open and hold idle sessions; connect rate and server RSS per session.
    Connect,
    /// Against a plain MQTT broker: each device publishes to a topic its peer subscribes to.
    Relay,
}

impl Scenario {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Profile => "profile",
            Self::Connect => "connect",
            Self::Relay => "relay",
        }
    }
}

/// Which sessions the `connect` scenario holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionKind {
    /// Anonymous `emqttd_reg_<s>` sessions.
    Reg,
    /// `emqttd_<s>` sessions with a token (registered first, not measured).
    LoggedIn,
}

/// `roster load`: N simulated devices, each a real MQTT connection.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "load",
    about = "Load generator: simulated devices over real MQTT connections (TCP, TLS, WebSocket)"
)]
pub struct LoadArgs {
    /// What the devices do.
    #[arg(value_enum)]
    pub scenario: Scenario,
    /// The server (roster, or any MQTT broker for `relay`).
    #[arg(long, default_value = "127.0.0.1:1883")]
    pub server: SocketAddr,
    /// Concurrent devices (connections).
    #[arg(long, default_value_t = 100)]
    pub clients: usize,
    /// Seconds of measurement (for `connect`: how long the sessions are held).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Stop after this many completed units (registrations, requests, messages).
    #[arg(long)]
    pub requests: Option<u64>,
    /// Open loop: units started per second over all devices (connects per second for
    /// `connect`); without it, closed loop (each device waits for its answer).
    #[arg(long)]
    pub rate: Option<f64>,
    /// QoS of the requests (and so of the replies): 0, 1 or 2.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: u8,
    /// Seconds over which the devices start (connect) one after another.
    #[arg(long, default_value_t = 0.0)]
    pub ramp_up: f64,
    /// Print the report as JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Seconds one step (connect, one request) may take before it counts as a timeout.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// `profile`: percentage of requests that are `set` (the rest are `get`).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub set_percent: u8,
    /// `connect`: hold anonymous (`reg`) or logged-in sessions.
    #[arg(long = "as", value_enum, default_value_t = SessionKind::Reg)]
    pub session: SessionKind,
    /// The server's pid (same machine): its CPU time per unit, and for `connect` its
    /// RSS per held session.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Read verification codes from this simulated SMS outbox (JSON lines) instead of
    /// using test numbers with a fixed code.
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// Phones are this prefix and digits; `99900` is roster's test-number prefix.
    #[arg(long, default_value = "99900")]
    pub phone_prefix: String,
    /// The fixed code of test numbers (`auth.test_numbers.code`).
    #[arg(long, default_value = "903182")]
    pub code: String,
    /// MQTT keep-alive the devices ask for, in seconds (0: none).
    #[arg(long, default_value_t = 60)]
    pub keep_alive: u16,
    /// Loopback source addresses to spread connections over (127.0.0.1, .2, …, with
    /// ports the generator hands out); 0 picks one per 10,000 clients for a loopback
    /// server; with one address, or a server elsewhere, the kernel picks.
    #[arg(long, default_value_t = 0)]
    pub source_ips: u8,
    /// Connection attempts in flight at once.
    #[arg(long, default_value_t = 512)]
    pub max_connecting: usize,
    /// `relay`: payload bytes per message (at least 16).
    #[arg(long, default_value_t = 64)]
    pub payload: usize,
    /// `relay`: topic prefix; device i subscribes to `<prefix>/<run>/<i>`.
    #[arg(long, default_value = "roster-load")]
    pub topic_prefix: String,
    /// Devices registering at once during start-up (`profile`, `connect --as logged-in`).
    #[arg(long, default_value_t = 500)]
    pub setup_concurrency: usize,
    /// Seconds the start-up phase (registering devices, connecting, subscribing) may take.
    #[arg(long, default_value_t = 300.0)]
    pub setup_timeout: f64,
    /// Threads of the generator's runtime (0: one per CPU core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// MQTT over TLS (roster's `[tls] mqtt_listen`, conventionally port 8883); with
    /// `--ws`, WebSocket over TLS (wss). The server's certificate is checked against
    /// `--ca` (else the Mozilla roots) unless `--insecure`.
    #[arg(long)]
    pub tls: bool,
    /// PEM file of the CA (or self-signed certificate) to trust, for `--tls`.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Take any certificate (self-signed benchmark servers); handshake signatures are
    /// still verified, so a handshake costs what a checked one does.
    #[arg(long)]
    pub insecure: bool,
    /// The name the certificate must carry, also sent as SNI (default: the address of
    /// `--server`, which the certificate must then list as an IP address).
    #[arg(long, value_name = "NAME")]
    pub tls_name: Option<String>,
    /// MQTT over WebSocket (roster's `[websocket] listen`, conventionally port 8083):
    /// binary frames, subprotocol `mqtt`.
    #[arg(long)]
    pub ws: bool,
    /// The WebSocket path, for `--ws`.
    #[arg(long, default_value = "/mqtt", value_name = "PATH")]
    pub ws_path: String,
}

/// A bad combination of options.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadArgs(pub String);

impl LoadArgs {
    /// Checks what clap cannot: ranges of floats and the scenario's needs.
    pub fn validate(&self) -> Result<(), BadArgs> {
        let bad = |m: &str| Err(BadArgs(m.into()));
        if self.clients == 0 {
            return bad("--clients must be at least 1");
        }
        for (name, v) in [
            ("--duration", self.duration),
            ("--ramp-up", self.ramp_up),
            ("--timeout", self.timeout),
            ("--setup-timeout", self.setup_timeout),
        ] {
            if !v.is_finite() || !(0.0..=86_400.0).contains(&v) {
                return bad(&format!("{name} must be between 0 and 86400 seconds"));
            }
        }
        if self.timeout <= 0.0 {
            return bad("--timeout must be above 0");
        }
        if let Some(r) = self.rate {
            if !r.is_finite() || r <= 0.0 {
                return bad("--rate must be above 0");
            }
        }
        if self.requests == Some(0) {
            return bad("--requests must be at least 1");
        }
        if self.scenario == Scenario::Relay && self.clients < 2 {
            return bad("relay needs at least 2 clients (pairs of peers)");
        }
        if self.payload < 16 || self.payload > 65_536 {
            return bad("--payload must be between 16 and 65536 bytes");
        }
        let prefix_ok = !self.phone_prefix.is_empty()
            && self.phone_prefix.len() <= 9
            && self.phone_prefix.bytes().all(|b| b.is_ascii_digit());
        if !prefix_ok {
            return bad("--phone-prefix must be 1 to 9 digits");
        }
        if !self.tls && (self.ca.is_some() || self.insecure || self.tls_name.is_some()) {
            return bad("--ca, --insecure and --tls-name need --tls");
        }
        if self.ca.is_some() && self.insecure {
            return bad("--ca and --insecure exclude each other");
        }
        if self.max_connecting == 0 || self.setup_concurrency == 0 {
            return bad("--max-connecting and --setup-concurrency must be at least 1");
        }
        Ok(())
    }

    /// `--duration` as a duration.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration)
    }

    /// `--timeout` as a duration.
    pub fn step_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout)
    }

    /// `--ramp-up` as a duration.
    pub fn ramp_up(&self) -> Duration {
        Duration::from_secs_f64(self.ramp_up)
    }

    /// `--setup-timeout` as a duration.
    pub fn setup_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.setup_timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> LoadArgs {
        LoadArgs::try_parse_from(std::iter::once("load").chain(args.iter().copied()))
            .expect("parses")
    }

    #[test]
    fn defaults_are_bounded_and_on_loopback() {
        let a = parse(&["register"]);
        assert_eq!(a.server.to_string(), "127.0.0.1:1883");
        assert_eq!(a.clients, 100);
        assert_eq!(a.duration(), Duration::from_secs(10));
        assert!(a.rate.is_none());
        assert!(a.validate().is_ok());
    }

    #[test]
    fn nonsense_is_refused() {
        assert!(parse(&["relay", "--clients", "1"]).validate().is_err());
        assert!(parse(&["profile", "--rate", "0"]).validate().is_err());
        assert!(parse(&["profile", "--duration", "NaN"]).validate().is_err());
        assert!(parse(&["register", "--phone-prefix", "+1"])
            .validate()
            .is_err());
        assert!(LoadArgs::try_parse_from(["load", "profile", "--qos", "3"]).is_err());
        assert!(LoadArgs::try_parse_from(["load", "profile", "--set-percent", "101"]).is_err());
        assert!(parse(&["relay", "--insecure"]).validate().is_err());
        assert!(parse(&["relay", "--ca", "ca.pem"]).validate().is_err());
        assert!(parse(&["relay", "--tls", "--ca", "ca.pem", "--insecure"])
            .validate()
            .is_err());
    }

    #[test]
    fn tls_and_websocket_options() {
        let a = parse(&["relay"]);
        assert!(!a.tls && !a.ws && a.ca.is_none() && !a.insecure);
        assert_eq!(a.ws_path, "/mqtt");
        let a = parse(&[
            "relay",
            "--ws",
            "--tls",
            "--ca",
            "ca.pem",
            "--tls-name",
            "localhost",
        ]);
        assert!(a.validate().is_ok());
        assert!(a.tls && a.ws && a.ca.is_some());
        assert!(parse(&["relay", "--tls", "--insecure"]).validate().is_ok());
    }
}
