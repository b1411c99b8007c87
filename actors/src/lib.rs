//! roster-actors
