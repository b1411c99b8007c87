//! roster-actors
pub mod channel;
pub mod store;
