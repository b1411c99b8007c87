//! `roster load`: a load generator in the same binary. N simulated devices, each a real
//! MQTT connection, run one scenario against a roster server (or, for `relay`, any
//! MQTT broker) and the run ends with a report: throughput, latency percentiles per
//! step (hdrhistogram), replies and errors by kind.
//!
//! # Layout
//! - [`args`]: the command line; [`run()`]: checks, then the scenario.
//! - Scenarios: [`register`], [`profile`], [`connect`], [`relay`], built from
//!   [`phases`] (start-up, the measured phase, the bounded join); [`enroll`] is one
//!   device's timed registration, shared by the first three.
//! - Devices: [`device`] (the run's context, timed connect and request), [`client`]
//!   (a minimal MQTT client on the server's own codec) over a [`link`] (TCP, TLS with
//!   the [`tls`] settings, or WebSocket), [`etf`] (requests, replies), [`codes`]
//!   (test-number code or the simulated SMS outbox).
//! - Bounds and figures: [`plan`] (budget, ramp-up, open-loop pacer, source
//!   addresses), [`stats`], [`report`], [`progress`], [`procfs`] (CPU time and RSS).

pub mod args;
pub mod client;
pub mod codes;
pub mod connect;
pub mod device;
pub mod enroll;
pub mod etf;
pub mod link;
pub mod phases;
pub mod plan;
pub mod procfs;
pub mod profile;
pub mod progress;
pub mod register;
pub mod relay;
pub mod report;
pub mod run;
pub mod stats;
pub mod tls;

pub use args::{LoadArgs, Scenario, SessionKind};
pub use report::Report;
pub use run::{run, LoadError};
