//! Tests of the ETF edge that span several files: Erlang-made vectors, Erlang
//! reading our replies, hostile input, byte-exact replies and property tests.

mod hostile;
mod support;
mod vectors;
