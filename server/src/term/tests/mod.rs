//! Tests of the ETF edge that span several files: Erlang-made vectors, Erlang
//! reading our replies, hostile input, byte-exact replies and property tests.

mod atoms;
mod erlang;
mod fuzz;
mod hostile;
mod largest;
mod model;
mod props;
mod replies;
mod strategies;
mod support;
mod typed;
mod vectors;
