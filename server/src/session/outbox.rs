//! Outbound QoS state of one client: packet ids, the inflight window, the queue behind
//! it, and redelivery with DUP after a reconnect. Pure data: the Session writes what
//! these methods return.

use std::collections::VecDeque;

use bytes::Bytes;
use mqtt::QualityOfService;

/// A message for a client's actions topic.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The ETF payload.
    pub payload: Bytes,
    /// The QoS it asks for; the subscription may lower it.
    pub qos: QualityOfService,
}

/// A QoS 1/2 message sent but not yet fully acknowledged.
#[derive(Debug, Clone)]
struct Inflight {
    /// Its packet id, kept for redelivery.
    pkid: u16,
    /// The message itself.
    msg: Outgoing,
    /// QoS 2 only: PUBREC arrived and PUBREL was sent; waiting for PUBCOMP.
    released: bool,
}

/// A packet the outbox decided the session must write to its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutPacket {
    /// PUBLISH on the client's actions topic.
    Publish {
        /// Its packet id; `None` for QoS 0.
        pkid: Option<u16>,
        /// The QoS it goes at.
        qos: QualityOfService,
        /// The ETF payload.
        payload: Bytes,
        /// A redelivery after a reconnect.
        dup: bool,
    },
    /// PUBREL for a QoS 2 message whose PUBREC arrived.
    Pubrel(u16),
}

/// The outbound state, kept across reconnects of a persistent session.
#[derive(Debug)]
pub struct Outbox {
    /// Last packet id handed out.
    last_pkid: u16,
    /// Unacknowledged QoS 1/2 messages, oldest first.
    inflight: VecDeque<Inflight>,
    /// Messages waiting for room in the inflight window (or for the client to return).
    queued: VecDeque<Outgoing>,
    /// Size of the inflight window.
    max_inflight: usize,
    /// Size of the queue; beyond it the oldest queued message is dropped.
    max_queued: usize,
    /// Messages dropped because the queue was full.
    dropped: u64,
}

impl Outbox {
    /// An empty outbox with the given limits.
    pub fn new(max_inflight: usize, max_queued: usize) -> Self {
        Self {
            last_pkid: 0,
            inflight: VecDeque::new(),
            queued: VecDeque::new(),
            max_inflight: max_inflight.max(1),
            max_queued,
            dropped: 0,
        }
    }

    /// Messages lost to a full queue so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether anything is unacknowledged or queued.
    pub fn is_empty(&self) -> bool {
        self.inflight.is_empty() && self.queued.is_empty()
    }

    /// A message for a connected client: sent now if the window allows, else queued.
    pub fn push(&mut self, msg: Outgoing) -> Option<OutPacket> {
        if msg.qos == QualityOfService::Level0 {
            return Some(OutPacket::Publish {
                pkid: None,
                qos: msg.qos,
                payload: msg.payload,
                dup: false,
            });
        }
        if self.inflight.len() < self.max_inflight && self.queued.is_empty() {
            return Some(self.send_new(msg));
        }
        self.queue(msg);
        None
    }

    /// A message for a client that is offline: QoS 0 is dropped, the rest queued.
    pub fn queue(&mut self, msg: Outgoing) {
        if msg.qos == QualityOfService::Level0 {
            return;
        }
        if self.queued.len() >= self.max_queued {
            self.queued.pop_front();
            self.dropped += 1;
        }
        self.queued.push_back(msg);
    }

    /// PUBACK: the QoS 1 message is delivered; room opens in the window.
    pub fn puback(&mut self, pkid: u16) -> Vec<OutPacket> {
        self.remove(pkid, QualityOfService::Level1);
        self.pump()
    }

    /// PUBREC: answer PUBREL and wait for PUBCOMP.
    pub fn pubrec(&mut self, pkid: u16) -> Option<OutPacket> {
        let entry = self
            .inflight
            .iter_mut()
            .find(|m| m.pkid == pkid && m.msg.qos == QualityOfService::Level2)?;
        entry.released = true;
        Some(OutPacket::Pubrel(pkid))
    }

    /// PUBCOMP: the QoS 2 message is done.
    pub fn pubcomp(&mut self, pkid: u16) -> Vec<OutPacket> {
        self.remove(pkid, QualityOfService::Level2);
        self.pump()
    }

    /// After a reconnect: every unacknowledged message again (PUBLISH with DUP, or
    /// PUBREL where PUBREC had arrived), then whatever the window has room for.
    pub fn resume(&mut self) -> Vec<OutPacket> {
        let mut out: Vec<OutPacket> = self
            .inflight
            .iter()
            .map(|m| {
                if m.released {
                    OutPacket::Pubrel(m.pkid)
                } else {
                    OutPacket::Publish {
                        pkid: Some(m.pkid),
                        qos: m.msg.qos,
                        payload: m.msg.payload.clone(),
                        dup: true,
                    }
                }
            })
            .collect();
        out.extend(self.pump());
        out
    }

    fn remove(&mut self, pkid: u16, qos: QualityOfService) {
        if let Some(i) = self
            .inflight
            .iter()
            .position(|m| m.pkid == pkid && m.msg.qos == qos)
        {
            self.inflight.remove(i);
        }
    }

    fn pump(&mut self) -> Vec<OutPacket> {
        let mut out = Vec::new();
        while self.inflight.len() < self.max_inflight {
            let Some(msg) = self.queued.pop_front() else {
                break;
            };
            out.push(self.send_new(msg));
        }
        out
    }

    fn send_new(&mut self, msg: Outgoing) -> OutPacket {
        let pkid = self.next_pkid();
        let send = OutPacket::Publish {
            pkid: Some(pkid),
            qos: msg.qos,
            payload: msg.payload.clone(),
            dup: false,
        };
        self.inflight.push_back(Inflight {
            pkid,
            msg,
            released: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(n: u8, qos: QualityOfService) -> Outgoing {
        Outgoing {
            payload: Bytes::from(vec![n]),
            qos,
        }
    }

    fn pkid(s: &OutPacket) -> u16 {
        match s {
            OutPacket::Publish { pkid: Some(p), .. } | OutPacket::Pubrel(p) => *p,
            other => panic!("no pkid in {other:?}"),
        }
    }

    #[test]
    fn qos0_is_sent_without_state() {
        let mut o = Outbox::new(2, 10);
        let s = o.push(msg(1, QualityOfService::Level0)).unwrap();
        assert!(matches!(s, OutPacket::Publish { pkid: None, .. }));
        assert!(o.is_empty());
        o.queue(msg(2, QualityOfService::Level0));
        assert!(o.is_empty(), "offline QoS 0 is dropped");
    }

    #[test]
    fn window_queues_and_acks_release_in_order() {
        let mut o = Outbox::new(2, 10);
        let a = o.push(msg(1, QualityOfService::Level1)).unwrap();
        let _b = o.push(msg(2, QualityOfService::Level1)).unwrap();
        assert!(
            o.push(msg(3, QualityOfService::Level1)).is_none(),
            "window full"
        );
        let next = o.puback(pkid(&a));
        assert_eq!(next.len(), 1);
        assert!(matches!(&next[0], OutPacket::Publish { payload, .. } if payload[..] == [3]));
    }

    #[test]
    fn qos2_goes_publish_pubrec_pubrel_pubcomp() {
        let mut o = Outbox::new(4, 10);
        let p = pkid(&o.push(msg(1, QualityOfService::Level2)).unwrap());
        assert_eq!(o.pubrec(p), Some(OutPacket::Pubrel(p)));
        assert_eq!(
            o.resume(),
            vec![OutPacket::Pubrel(p)],
            "released ones resume as PUBREL"
        );
        o.pubcomp(p);
        assert!(o.is_empty());
    }

    #[test]
    fn resume_resends_with_dup_and_same_ids() {
        let mut o = Outbox::new(4, 10);
        let p1 = pkid(&o.push(msg(1, QualityOfService::Level1)).unwrap());
        o.queue(msg(2, QualityOfService::Level1));
        let again = o.resume();
        assert_eq!(again.len(), 2);
        assert!(
            matches!(&again[0], OutPacket::Publish { pkid: Some(p), dup: true, .. } if *p == p1)
        );
        assert!(matches!(&again[1], OutPacket::Publish { dup: false, .. }));
    }

    #[test]
    fn full_queue_drops_oldest() {
        let mut o = Outbox::new(1, 2);
        for i in 0..5 {
            o.queue(msg(i, QualityOfService::Level1));
        }
        assert_eq!(o.dropped(), 3);
        let sent = o.resume();
        assert!(matches!(&sent[0], OutPacket::Publish { payload, .. } if payload[..] == [3]));
    }

    #[test]
    fn pkids_skip_zero_and_ids_in_use() {
        let mut o = Outbox::new(3, 10);
        o.last_pkid = u16::MAX - 1;
        let a = pkid(&o.push(msg(1, QualityOfService::Level1)).unwrap());
        let b = pkid(&o.push(msg(2, QualityOfService::Level1)).unwrap());
        assert_eq!((a, b), (u16::MAX, 1));
    }
}
