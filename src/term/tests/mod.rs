//! Tests of the ETF edge that span several files: Erlang-made vectors, Erlang
//! reading our replies, hostile input and byte-exact replies.

mod erlang;
mod hostile;
mod replies;
mod support;
mod vectors;
