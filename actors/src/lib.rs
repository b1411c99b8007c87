//! roster-actors

pub mod channel;
