//! Packets from a connected client: PUBLISH at each QoS (a request that would take the
//! session past its budget, or one QoS 2 id too many awaiting PUBREL, closes it), the
//! acknowledgements of our own publishes (which let kept-back messages and waiting
//! requests go on), SUBSCRIBE with its ACL, UNSUBSCRIBE, PINGREQ and DISCONNECT.

use actix::prelude::*;
use bytes::Bytes;
use mqtt::{
    packet::{
        suback::SubscribeReturnCode, EncodablePacket, PingrespPacket, PubackPacket, PubcompPacket,
        PublishPacket, PubrecPacket, SubackPacket, SubscribePacket, UnsubackPacket, VariablePacket,
    },
    QualityOfService,
};

use super::{
    actor::{Phase, Session},
    outbox::{OutPacket, Outbox, Room},
};
use crate::topic::{classify_publish, may_subscribe, PublishTarget};

impl Session {
    /// A packet after CONNACK.
    pub(super) fn on_packet(&mut self, packet: VariablePacket, ctx: &mut Context<Self>) {
        match packet {
            VariablePacket::PublishPacket(p) => self.on_publish(p, ctx),
            VariablePacket::PubackPacket(p) => {
                let sends = self.outbox_do(|o, room| o.puback(p.packet_identifier(), room));
                self.write_all(sends);
                self.close_if_acked(ctx);
                self.next_request(ctx);
            }
            VariablePacket::PubrecPacket(p) => {
                let sends =
                    self.outbox_do(|o, _| o.pubrec(p.packet_identifier()).into_iter().collect());
                self.write_all(sends);
            }
            VariablePacket::PubcompPacket(p) => {
                let sends = self.outbox_do(|o, room| o.pubcomp(p.packet_identifier(), room));
                self.write_all(sends);
                self.close_if_acked(ctx);
                self.next_request(ctx);
            }
            VariablePacket::PubrelPacket(p) => {
                let id = p.packet_identifier();
                if let Some(state) = self.live().and_then(|l| l.state.as_mut()) {
                    state.awaiting_rel.remove(&id);
                }
                self.out.write(PubcompPacket::new(id).into());
            }
            VariablePacket::SubscribePacket(p) => self.on_subscribe(&p),
            VariablePacket::UnsubscribePacket(p) => {
                // The server's own subscription to the actions topic stays: replies must
                // always reach the client.
                self.out
                    .write(UnsubackPacket::new(p.packet_identifier()).into());
            }
            VariablePacket::PingreqPacket(_) => self.out.write(PingrespPacket::new().into()),
            VariablePacket::DisconnectPacket(_) => {
                log::trace!("{}: DISCONNECT", self.peer);
                self.close(ctx);
            }
            other => {
                log::debug!(
                    "{}: [MQTT-4.8.0-1] unexpected {:?} from a client",
                    self.peer,
                    other.fixed_header().packet_type.control_type()
                );
                self.park_state();
                ctx.stop();
            }
        }
    }

    fn outbox_do(&mut self, f: impl FnOnce(&mut Outbox, Room) -> Vec<OutPacket>) -> Vec<OutPacket> {
        let room = self.room();
        match self.live().and_then(|l| l.state.as_mut()) {
            Some(state) => f(&mut state.outbox, room),
            None => Vec::new(),
        }
    }

    fn write_all(&mut self, sends: Vec<OutPacket>) {
        for s in sends {
            self.write_packet(s);
        }
    }

    fn on_publish(&mut self, p: PublishPacket, ctx: &mut Context<Self>) {
        let (qos, pkid) = p.qos().split();
        if let (QualityOfService::Level2, Some(id)) = (qos, pkid) {
            // Exactly once: a resent PUBLISH whose PUBREL has not come is a duplicate.
            // The ids waiting are bounded like the outbound window.
            let max = self.shared.config.session.max_inflight;
            let full = self
                .live()
                .and_then(|l| l.state.as_ref())
                .is_some_and(|s| !s.awaiting_rel.contains(&id) && s.awaiting_rel.len() >= max);
            if full {
                log::info!(
                    "{}: more than {max} QoS 2 publishes awaiting PUBREL \
                     (session.max_inflight); closing",
                    self.peer
                );
                self.close(ctx);
                return;
            }
            let fresh = self
                .live()
                .and_then(|l| l.state.as_mut())
                .is_some_and(|s| s.awaiting_rel.insert(id));
            self.out.write(PubrecPacket::new(id).into());
            if !fresh {
                return;
            }
        }
        // QoS 1: a request is acknowledged together with its reply, once processed
        // (one write instead of two, and a request lost with its connection is one the
        // client still holds); anything else at once.
        let puback = pkid.filter(|_| qos == QualityOfService::Level1);
        let request = matches!(classify_publish(p.topic_name()), PublishTarget::Event);
        if !request || self.closing_after_ack {
            if let Some(id) = puback {
                self.out.write(PubackPacket::new(id).into());
            }
        }
        if !request {
            let head = p.topic_name().split('/').next().unwrap_or("");
            log::debug!(
                "{}: publish outside events/ dropped (topic {head}/...)",
                self.peer
            );
            return;
        }
        if self.closing_after_ack {
            return;
        }
        let limit = self.shared.config.session.max_pending_requests;
        if self.requests.len() >= limit {
            log::warn!("{}: more than {limit} requests pending; closing", self.peer);
            self.close(ctx);
            return;
        }
        // A payload over limits.max_payload_bytes is refused without being read, so one
        // byte over the limit is all it needs to keep: waiting requests hold at most
        // max_pending_requests × max_payload_bytes, and the session's budget.
        let max = self.shared.config.limits.max_payload_bytes;
        let kept = &p.payload()[..p.payload().len().min(max.saturating_add(1))];
        if self.over_budget_with(kept.len()) {
            let held = self.held_bytes();
            log::info!(
                "{}: holds {held} bytes of replies and requests, a request more would pass \
                 session.max_session_bytes ({}); closing",
                self.peer,
                self.shared.memory.max_session()
            );
            self.close(ctx);
            return;
        }
        self.requests
            .push_back((Bytes::copy_from_slice(kept), qos, puback));
        self.next_request(ctx);
    }

    fn on_subscribe(&mut self, p: &SubscribePacket) {
        let Phase::Live(live) = &mut self.phase else {
            return;
        };
        let mut codes = Vec::with_capacity(p.subscribes().len());
        for (filter, qos) in p.subscribes() {
            if may_subscribe(&live.caller.client_id, filter) {
                if let Some(state) = live.state.as_mut() {
                    state.sub_qos = *qos;
                }
                codes.push(SubscribeReturnCode::from(*qos));
            } else {
                log::debug!("{}: subscription refused", self.peer);
                codes.push(SubscribeReturnCode::Failure);
            }
        }
        self.out
            .write(SubackPacket::new(p.packet_identifier(), codes).into());
    }
}
