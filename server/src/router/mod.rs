//! Where a client's requests go. A session hands the [`Router`] (`route.rs`) each
//! publish under `events/`; it is decoded (bounded) into a typed request and goes to
//! its route: `auth.rs` (the failed-verify caps, the refusals the edge makes itself,
//! the AuthActor) or `profile.rs` (cached `get`s at once, the ProfileActor); each also
//! turns its actor's typed answers into ETF replies for the client's actions topic.
//! What comes back is a [`Route`] of [`Routed`] payloads (`routed.rs`). `connect.rs`
//! checks a logged-in CONNECT's password and records disconnects; `caller.rs` is
//! [`Caller`], who asks, as the session knows it.

mod auth;
mod caller;
mod connect;
pub mod profile;
mod route;
mod routed;

pub use caller::Caller;
pub use connect::Refusal;
pub use route::Router;
pub use routed::{LocalFut, Route, Routed};
