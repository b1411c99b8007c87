//! roster-actors
pub mod store;
