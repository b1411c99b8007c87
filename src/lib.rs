//! roster

pub mod term;
