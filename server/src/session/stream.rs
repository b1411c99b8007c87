//! The session's packet stream: each decoded packet goes to the CONNECT phase or the
//! live phase, and the turn ends with a flush; a decoding error or the peer closing
//! its side ends the session (a first CONNECT at an unsupported protocol level after
//! its CONNACK 1).

use actix::prelude::*;
use mqtt::packet::VariablePacket;

use super::{
    actor::{Phase, Session},
    timer::Tick,
};
use crate::mqtt::CodecError;

impl StreamHandler<Result<VariablePacket, CodecError>> for Session {
    fn handle(&mut self, item: Result<VariablePacket, CodecError>, ctx: &mut Context<Self>) {
        match item {
            Ok(packet) => {
                self.last_seen = Tick::now();
                match self.phase {
                    Phase::Connecting => self.on_connect_phase(packet, ctx),
                    Phase::Live(_) if self.draining.is_none() => self.on_packet(packet, ctx),
                    _ => {}
                }
                self.flush_or_stop(ctx);
            }
            Err(CodecError::UnsupportedLevel(level)) if matches!(self.phase, Phase::Connecting) => {
                self.on_unsupported_level(level, ctx);
                self.flush_or_stop(ctx);
            }
            Err(e) => {
                log::debug!("{}: closing: {e}", self.peer);
                self.park_state();
                ctx.stop();
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        // The peer closed its side: answers in flight cannot be read any more.
        ctx.stop();
    }
}
