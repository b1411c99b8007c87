//! The outbox: packet ids, the inflight window (bounded in count and in bytes), the
//! queue behind it, and redelivery with DUP after a reconnect, written in as many
//! pieces as the write side has room for.

use std::collections::VecDeque;

use mqtt::QualityOfService;

use super::message::{Kind, OutPacket, Outgoing, Room, PUBLISH_OVERHEAD};

/// Bytes a PUBREL takes on the wire.
const PUBREL_BYTES: usize = 4;

/// A QoS 1/2 message sent but not yet fully acknowledged.
#[derive(Debug, Clone)]
pub(super) struct Inflight {
    /// Its packet id, kept for redelivery.
    pub(super) pkid: u16,
    /// The message itself.
    pub(super) msg: Outgoing,
    /// QoS 2 only: PUBREC arrived and PUBREL was sent; waiting for PUBCOMP.
    pub(super) released: bool,
    /// To be written again (after a reconnect), when the write side has room.
    pub(super) due: bool,
}

/// The outbound state, kept across reconnects of a persistent session.
#[derive(Debug)]
pub struct Outbox {
    /// Last packet id handed out.
    pub(super) last_pkid: u16,
    /// Most messages in the inflight window (at most 65,000).
    max_inflight: u16,
    /// Size of the queue; beyond it the oldest queued message is dropped.
    max_queued: u32,
    /// Messages dropped (a full queue, or a parked session over its bytes; a profile
    /// change replaced by a newer one is not lost, so not counted).
    dropped: u32,
    /// Bytes counted for every message held, inflight and queued.
    bytes: u32,
    /// Of which inflight.
    inflight_bytes: u32,
    /// Bytes the inflight window may hold: a new message is sent only while the
    /// window holds less (or nothing).
    max_inflight_bytes: u32,
    /// Unacknowledged QoS 1/2 messages, oldest first.
    pub(super) inflight: VecDeque<Inflight>,
    /// Messages waiting for room in the window (or for the client to return).
    queued: VecDeque<Outgoing>,
}

/// Bytes as the outbox keeps them (a session never holds 4 GiB).
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Outbox {
    /// An empty outbox: at most `max_inflight` messages and `max_inflight_bytes` in
    /// flight, `max_queued` behind them.
    pub fn new(max_inflight: usize, max_queued: usize, max_inflight_bytes: usize) -> Self {
        Self {
            last_pkid: 0,
            max_inflight: max_inflight.clamp(1, 65_000) as u16,
            max_queued: small(max_queued),
            dropped: 0,
            bytes: 0,
            inflight_bytes: 0,
            max_inflight_bytes: small(max_inflight_bytes),
            inflight: VecDeque::new(),
            queued: VecDeque::new(),
        }
    }

    /// Messages dropped so far.
    pub fn dropped(&self) -> u64 {
        u64::from(self.dropped)
    }

    /// Whether anything is unacknowledged or queued.
    pub fn is_empty(&self) -> bool {
        self.inflight.is_empty() && self.queued.is_empty()
    }

    /// Bytes counted for what it holds, inflight and queued.
    pub fn bytes(&self) -> usize {
        self.bytes as usize
    }

    /// Whether something could be written once there is room: a redelivery, or a
    /// queued message the window has room for.
    pub fn waiting(&self) -> bool {
        self.inflight.iter().any(|m| m.due)
            || self.queued.front().is_some_and(|m| self.window_takes(m))
    }

    /// A message for a connected client: sent now if the window and `room` allow,
    /// else queued.
    pub fn push(&mut self, msg: Outgoing, mut room: Room) -> Option<OutPacket> {
        if msg.qos == QualityOfService::Level0 {
            return Some(OutPacket::Publish {
                pkid: None,
                qos: msg.qos,
                payload: msg.payload,
                dup: false,
            });
        }
        let now = self.queued.is_empty()
            && !self.inflight.iter().any(|m| m.due)
            && self.window_takes(&msg)
            && room.take(msg.payload.len() + PUBLISH_OVERHEAD);
        if now {
            return Some(self.send_new(msg));
        }
        self.queue(msg);
        None
    }

    /// A message that waits (the client is offline, or the window is full): QoS 0 is
    /// dropped; a profile change takes the place of an older one still queued; beyond
    /// `max_queued` the oldest is dropped.
    pub fn queue(&mut self, msg: Outgoing) {
        if msg.qos == QualityOfService::Level0 {
            return;
        }
        if msg.kind == Kind::ProfileChange {
            let mut freed = 0;
            self.queued.retain(|m| {
                let old = m.kind == Kind::ProfileChange;
                if old {
                    freed += m.cost();
                }
                !old
            });
            self.bytes -= small(freed);
        }
        if self.queued.len() >= self.max_queued as usize {
            self.drop_oldest();
        }
        self.bytes += small(msg.cost());
        self.queued.push_back(msg);
    }

    /// Drops queued messages, oldest first, until it holds at most `max_bytes` (or
    /// only inflight ones are left). Whether a profile change was among them.
    pub fn trim(&mut self, max_bytes: usize) -> bool {
        let mut change = false;
        while self.bytes() > max_bytes {
            match self.drop_oldest() {
                Some(kind) => change |= kind == Kind::ProfileChange,
                None => break,
            }
        }
        change
    }

    fn drop_oldest(&mut self) -> Option<Kind> {
        let old = self.queued.pop_front()?;
        self.bytes -= small(old.cost());
        self.dropped += 1;
        Some(old.kind)
    }

    /// PUBACK: the QoS 1 message is delivered; room opens in the window.
    pub fn puback(&mut self, pkid: u16, room: Room) -> Vec<OutPacket> {
        self.remove(pkid, QualityOfService::Level1);
        self.pump(room)
    }

    /// PUBREC: answer PUBREL and wait for PUBCOMP.
    pub fn pubrec(&mut self, pkid: u16) -> Option<OutPacket> {
        let entry = self
            .inflight
            .iter_mut()
            .find(|m| m.pkid == pkid && m.msg.qos == QualityOfService::Level2)?;
        entry.released = true;
        entry.due = false;
        Some(OutPacket::Pubrel(pkid))
    }

    /// PUBCOMP: the QoS 2 message is done.
    pub fn pubcomp(&mut self, pkid: u16, room: Room) -> Vec<OutPacket> {
        self.remove(pkid, QualityOfService::Level2);
        self.pump(room)
    }

    /// After a reconnect: every unacknowledged message is due again (PUBLISH with
    /// DUP, or PUBREL where PUBREC had arrived), then the queue; [`Outbox::pump`]
    /// writes what `room` has space for, later calls the rest.
    pub fn resume(&mut self, room: Room) -> Vec<OutPacket> {
        for m in &mut self.inflight {
            m.due = true;
        }
        self.pump(room)
    }

    fn remove(&mut self, pkid: u16, qos: QualityOfService) {
        if let Some(i) = self
            .inflight
            .iter()
            .position(|m| m.pkid == pkid && m.msg.qos == qos)
        {
            let done = self.inflight.remove(i).expect("found");
            self.bytes -= small(done.msg.cost());
            self.inflight_bytes -= small(done.msg.cost());
        }
    }

    /// What `room` has space for: redeliveries first, in order, then queued messages
    /// while the window takes them.
    pub fn pump(&mut self, mut room: Room) -> Vec<OutPacket> {
        let mut out = Vec::new();
        for m in self.inflight.iter_mut().filter(|m| m.due) {
            let size = if m.released {
                PUBREL_BYTES
            } else {
                m.msg.payload.len() + PUBLISH_OVERHEAD
            };
            if !room.take(size) {
                return out;
            }
            m.due = false;
            out.push(if m.released {
                OutPacket::Pubrel(m.pkid)
            } else {
                OutPacket::Publish {
                    pkid: Some(m.pkid),
                    qos: m.msg.qos,
                    payload: m.msg.payload.clone(),
                    dup: true,
                }
            });
        }
        while let Some(next) = self.queued.front() {
            if !self.window_takes(next) || !room.take(next.payload.len() + PUBLISH_OVERHEAD) {
                break;
            }
            let msg = self.queued.pop_front().expect("front");
            self.bytes -= small(msg.cost());
            out.push(self.send_new(msg));
        }
        out
    }

    /// Whether the window has room for `msg`: fewer than `max_inflight` messages, and
    /// nothing or less than `max_inflight_bytes` with it.
    fn window_takes(&self, msg: &Outgoing) -> bool {
        self.inflight.len() < usize::from(self.max_inflight)
            && (self.inflight.is_empty()
                || self.inflight_bytes as usize + msg.cost() <= self.max_inflight_bytes as usize)
    }

    fn send_new(&mut self, msg: Outgoing) -> OutPacket {
        let pkid = self.next_pkid();
        let send = OutPacket::Publish {
            pkid: Some(pkid),
            qos: msg.qos,
            payload: msg.payload.clone(),
            dup: false,
        };
        self.bytes += small(msg.cost());
        self.inflight_bytes += small(msg.cost());
        self.inflight.push_back(Inflight {
            pkid,
            msg,
            released: false,
            due: false,
        });
        send
    }

    /// A packet id in 1..=65535 not used by an inflight message (the window is far
    /// smaller than the id space, so this ends quickly).
    fn next_pkid(&mut self) -> u16 {
        loop {
            self.last_pkid = self.last_pkid.wrapping_add(1);
            if self.last_pkid == 0 {
                continue;
            }
            let id = self.last_pkid;
            if !self.inflight.iter().any(|m| m.pkid == id) {
                return id;
            }
        }
    }
}
