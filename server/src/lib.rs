//! roster: a phone-account server that is the MQTT broker for its own clients.
//!
//! # Layout
//! - [`server`] starts everything; its accept loop takes TCP connections and starts
//!   one [`session::Session`] actor per connection on a worker arbiter, whose
//!   sessions share that worker's state ([`worker`]: config, registry, router, counts).
//! - A session decodes MQTT ([`mqtt`]), applies the ClientId rules ([`client_id`]) and
//!   the topic ACL ([`topic`]), keeps QoS state, and hands each publish under `events/`
//!   to the [`router`] one at a time, with its own identity (never the topic's).
//! - The router turns the ETF payload into a typed request and asks the domain actors
//!   of crate `roster-actors` (Auth, Profile; they own SQLite). Their typed answers go
//!   back as ETF replies on `actions/1/api/<ClientId>`.
//! - The [`registry`] knows who is connected: takeover, delivery to other clients,
//!   persistent sessions parked between connections, and the shutdown drain. It knows
//!   a session only as a [`registry::Connection`], so it reads without the session.
//! - The [`guard`] holds the per-address limits: connection rate, failed verifies.
//!   Behind a load balancer, the address they count is the one its PROXY protocol
//!   header names ([`proxy`]), read before anything else on the connection.

mod accept;
pub mod client_id;
pub mod config;
pub mod guard;
pub mod mqtt;
pub mod proxy;
pub mod registry;
pub mod router;
pub mod server;
pub mod session;
pub mod term;
pub mod topic;
pub mod worker;
