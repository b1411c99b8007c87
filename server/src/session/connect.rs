//! CONNECT: protocol checks, the ClientId rules, CONNACK 3 while the server holds its
//! whole memory budget, the token check for logged-in ids, registration with the
//! registry (takeover, resumed state), CONNACK, and the resumed session's redelivery
//! (as the write side has room; a dropped profile change is made good by a `get`).

use std::{sync::Arc, time::Duration};

use actix::prelude::*;
use mqtt::{
    control::variable_header::{ConnectReturnCode, ProtocolLevel},
    packet::{ConnackPacket, ConnectPacket, VariablePacket},
    TopicName,
};

use super::{
    actor::{Live, Phase, Session},
    budget::Charge,
    state::SessionState,
};
use crate::{
    client_id::{ClientId, ClientKind},
    guard::ConnGuard,
    registry::Attach,
    router::{Caller, Refusal},
};

impl Session {
    /// A packet while waiting for CONNECT: only CONNECT is allowed.
    pub(super) fn on_connect_phase(&mut self, packet: VariablePacket, ctx: &mut Context<Self>) {
        let VariablePacket::ConnectPacket(connect) = packet else {
            log::debug!("{}: [MQTT-3.1.0-1] first packet is not CONNECT", self.peer);
            ctx.stop();
            return;
        };
        let level_ok = matches!(
            (connect.protocol_name(), connect.protocol_level()),
            ("MQTT", ProtocolLevel::Version311) | ("MQIsdp", ProtocolLevel::Version310)
        );
        if !matches!(connect.protocol_name(), "MQTT" | "MQIsdp") {
            log::debug!("{}: [MQTT-3.1.2-1] unknown protocol name", self.peer);
            ctx.stop();
            return;
        }
        if !level_ok {
            self.refuse(ConnectReturnCode::UnacceptableProtocolVersion, ctx);
            return;
        }
        if connect.reserved_flag() {
            log::debug!("{}: [MQTT-3.1.2-3] reserved flag set", self.peer);
            ctx.stop();
            return;
        }
        if let Some(rule) = will_flag_violation(&connect) {
            log::debug!("{}: {rule}", self.peer);
            ctx.stop();
            return;
        }
        let client_id = match ClientId::parse(connect.client_identifier()) {
            Ok(id) => id,
            Err(e) => {
                log::debug!("{}: {e}", self.peer);
                self.refuse(ConnectReturnCode::IdentifierRejected, ctx);
                return;
            }
        };
        if self.shared.memory.over() {
            log::debug!(
                "{}: sessions hold server.max_total_session_bytes; CONNACK 3",
                self.peer
            );
            self.refuse(ConnectReturnCode::ServiceUnavailable, ctx);
            return;
        }
        match client_id.kind() {
            ClientKind::Registering => self.accept(client_id, None, false, &connect, ctx),
            ClientKind::LoggedIn => {
                let password = connect.password().map(str::to_owned);
                let check = self
                    .shared
                    .router
                    .authenticate(&client_id, password.as_deref());
                // CONNECT is answered before anything else from this client is read.
                ctx.wait(check.into_actor(self).map(move |res, act, ctx| match res {
                    Ok(()) => {
                        let token = password.map(Arc::from);
                        act.accept(client_id, token, !connect.clean_session(), &connect, ctx)
                    }
                    Err(refusal) => {
                        log::debug!("{}: {client_id:?} refused: {refusal:?}", act.peer);
                        let code = match refusal {
                            Refusal::BadCredentials => ConnectReturnCode::BadUserNameOrPassword,
                            Refusal::NotAuthorized => ConnectReturnCode::NotAuthorized,
                            Refusal::Unavailable => ConnectReturnCode::ServiceUnavailable,
                        };
                        act.refuse(code, ctx);
                    }
                }));
            }
        }
    }

    /// [MQTT-3.1.2-2] A CONNECT at a protocol level roster does not speak (the codec
    /// tells it apart before parsing it): CONNACK 1, then close.
    pub(super) fn on_unsupported_level(&mut self, level: u8, ctx: &mut Context<Self>) {
        log::debug!("{}: [MQTT-3.1.2-2] protocol level {level}", self.peer);
        self.refuse(ConnectReturnCode::UnacceptableProtocolVersion, ctx);
    }

    /// CONNACK with a refusal, then close.
    fn refuse(&mut self, code: ConnectReturnCode, ctx: &mut Context<Self>) {
        self.out.write(ConnackPacket::new(false, code).into());
        self.close(ctx);
    }

    /// Registers the client (closing any older connection with its id), then CONNACK 0
    /// and redelivery of a resumed session's messages.
    fn accept(
        &mut self,
        client_id: ClientId,
        token: Option<Arc<str>>,
        persistent: bool,
        connect: &ConnectPacket,
        ctx: &mut Context<Self>,
    ) {
        if TopicName::new(client_id.actions_topic()).is_err() {
            self.refuse(ConnectReturnCode::IdentifierRejected, ctx);
            return;
        }
        let mut idle_limit = (connect.keep_alive() > 0)
            .then(|| Duration::from_millis(u64::from(connect.keep_alive()) * 1500));
        let anonymous = self.shared.config.session.max_anonymous_idle_secs;
        if client_id.kind() == ClientKind::Registering && anonymous > 0 {
            let most = Duration::from_secs(anonymous);
            idle_limit = Some(idle_limit.map_or(most, |l| l.min(most)));
        }
        let attach = Attach {
            client_id: client_id.shared(),
            conn_id: self.conn_id,
            addr: ctx.address(),
            resume: persistent,
        };
        let registry = self.shared.registry.send(attach);
        ctx.wait(registry.into_actor(self).map(move |resumed, act, ctx| {
            let resumed = resumed.ok().flatten();
            let present = resumed.is_some();
            let mut state =
                resumed.unwrap_or_else(|| SessionState::for_config(&act.shared.config.session));
            let reread = std::mem::take(&mut state.reread_profile);
            act.phase = Phase::Live(Box::new(Live {
                caller: Caller {
                    client_id,
                    token,
                    conn: ConnGuard::new(act.peer.ip()),
                },
                persistent,
                state: Some(state),
                idle_limit,
                partial_since: None,
                charge: Charge::default(),
            }));
            act.out
                .write(ConnackPacket::new(present, ConnectReturnCode::ConnectionAccepted).into());
            if let Some(limit) = idle_limit {
                act.arm_keep_alive(limit);
            }
            let room = act.room();
            let again = match act.live().and_then(|l| l.state.as_mut()) {
                Some(state) => state.outbox.resume(room),
                None => Vec::new(),
            };
            for send in again {
                act.write_packet(send);
            }
            act.settle();
            if reread {
                act.reread_profile(ctx);
            }
        }));
    }
}

/// The will flags' rules `mqtt-protocol` leaves to us: a malformed CONNECT is closed
/// without a CONNACK. (A password without a user name, which 3.1.1 also forbids, is
/// tolerated: the user name is ignored anyway and older clients send it so.)
fn will_flag_violation(connect: &ConnectPacket) -> Option<&'static str> {
    if connect.will_qos() > 2 {
        return Some("[MQTT-3.1.2-14] will QoS 3");
    }
    if connect.will().is_none() && (connect.will_qos() != 0 || connect.will_retain()) {
        return Some("[MQTT-3.1.2-13] [MQTT-3.1.2-15] will QoS or retain without a will");
    }
    None
}
