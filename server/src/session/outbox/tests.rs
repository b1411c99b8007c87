//! The outbox's rules: the window in count and in bytes, the queue and its coalesced
//! profile changes, redelivery in pieces, QoS 2, packet ids, trimming.

use bytes::Bytes;
use mqtt::QualityOfService;

use super::{message::MESSAGE_OVERHEAD, Kind, OutPacket, Outbox, Outgoing, Room};

fn msg(n: u8, qos: QualityOfService) -> Outgoing {
    sized(n, 1, qos, Kind::Reply)
}

fn sized(n: u8, len: usize, qos: QualityOfService, kind: Kind) -> Outgoing {
    Outgoing {
        payload: Bytes::from(vec![n; len]),
        qos,
        kind,
    }
}

fn change(n: u8) -> Outgoing {
    sized(n, 1, QualityOfService::Level1, Kind::ProfileChange)
}

fn pkid(s: &OutPacket) -> u16 {
    match s {
        OutPacket::Publish { pkid: Some(p), .. } | OutPacket::Pubrel(p) => *p,
        other => panic!("no pkid in {other:?}"),
    }
}

fn first_byte(s: &OutPacket) -> u8 {
    match s {
        OutPacket::Publish { payload, .. } => payload[0],
        other => panic!("not a publish: {other:?}"),
    }
}

const ANY: usize = usize::MAX;

fn any() -> Room {
    Room::unlimited()
}

#[test]
fn qos0_is_sent_without_state() {
    let mut o = Outbox::new(2, 10, ANY);
    let s = o.push(msg(1, QualityOfService::Level0), any()).unwrap();
    assert!(matches!(s, OutPacket::Publish { pkid: None, .. }));
    assert!(o.is_empty());
    o.queue(msg(2, QualityOfService::Level0));
    assert!(o.is_empty(), "offline QoS 0 is dropped");
}

#[test]
fn window_queues_and_acks_release_in_order() {
    let mut o = Outbox::new(2, 10, ANY);
    let a = o.push(msg(1, QualityOfService::Level1), any()).unwrap();
    let _b = o.push(msg(2, QualityOfService::Level1), any()).unwrap();
    assert!(
        o.push(msg(3, QualityOfService::Level1), any()).is_none(),
        "window full"
    );
    let next = o.puback(pkid(&a), any());
    assert_eq!(next.len(), 1);
    assert_eq!(first_byte(&next[0]), 3);
}

#[test]
fn qos2_goes_publish_pubrec_pubrel_pubcomp() {
    let mut o = Outbox::new(4, 10, ANY);
    let p = pkid(&o.push(msg(1, QualityOfService::Level2), any()).unwrap());
    assert_eq!(o.pubrec(p), Some(OutPacket::Pubrel(p)));
    assert_eq!(
        o.resume(any()),
        vec![OutPacket::Pubrel(p)],
        "released ones resume as PUBREL"
    );
    o.pubcomp(p, any());
    assert!(o.is_empty());
    assert_eq!(o.bytes(), 0);
}

#[test]
fn resume_resends_with_dup_and_same_ids() {
    let mut o = Outbox::new(4, 10, ANY);
    let p1 = pkid(&o.push(msg(1, QualityOfService::Level1), any()).unwrap());
    o.queue(msg(2, QualityOfService::Level1));
    let again = o.resume(any());
    assert_eq!(again.len(), 2);
    assert!(matches!(&again[0], OutPacket::Publish { pkid: Some(p), dup: true, .. } if *p == p1));
    assert!(matches!(&again[1], OutPacket::Publish { dup: false, .. }));
}

#[test]
fn full_queue_drops_oldest() {
    let mut o = Outbox::new(1, 2, ANY);
    for i in 0..5 {
        o.queue(msg(i, QualityOfService::Level1));
    }
    assert_eq!(o.dropped(), 3);
    let sent = o.resume(any());
    assert_eq!(first_byte(&sent[0]), 3);
}

#[test]
fn pkids_skip_zero_and_ids_in_use() {
    let mut o = Outbox::new(3, 10, ANY);
    o.last_pkid = u16::MAX - 1;
    let a = pkid(&o.push(msg(1, QualityOfService::Level1), any()).unwrap());
    let b = pkid(&o.push(msg(2, QualityOfService::Level1), any()).unwrap());
    assert_eq!((a, b), (u16::MAX, 1));
}

#[test]
fn a_newer_profile_change_replaces_a_queued_one_and_replies_keep_their_place() {
    let mut o = Outbox::new(1, 10, ANY);
    o.queue(change(1));
    o.queue(msg(2, QualityOfService::Level1));
    o.queue(change(3));
    o.queue(change(4));
    assert_eq!(o.bytes(), 2 * (1 + MESSAGE_OVERHEAD));
    assert_eq!(o.dropped(), 0, "a replaced change is not lost");
    let mut order = Vec::new();
    let mut sends = o.resume(any());
    while let Some(s) = sends.pop() {
        order.push(first_byte(&s));
        sends = o.puback(pkid(&s), any());
    }
    assert_eq!(order, [2, 4]);
    assert!(o.is_empty() && o.bytes() == 0);
}

#[test]
fn the_window_is_bounded_in_bytes_but_always_takes_one() {
    let big = |n| sized(n, 1000, QualityOfService::Level1, Kind::Reply);
    let mut o = Outbox::new(32, 10, 2500);
    let a = o.push(big(1), any()).unwrap();
    o.push(big(2), any()).unwrap();
    assert!(o.push(big(3), any()).is_none(), "2 × 1064 + 1064 > 2500");
    assert_eq!(o.bytes(), 3 * 1064);
    let next = o.puback(pkid(&a), any());
    assert_eq!(next.iter().map(first_byte).collect::<Vec<_>>(), [3]);
    // A message larger than the whole window still goes when nothing is in flight.
    let mut o = Outbox::new(32, 10, 100);
    assert!(o.push(big(9), any()).is_some());
}

#[test]
fn redelivery_goes_in_pieces_as_the_write_side_has_room() {
    let big = |n| sized(n, 1000, QualityOfService::Level1, Kind::Reply);
    let mut o = Outbox::new(32, 10, ANY);
    for i in 0..4 {
        o.push(big(i), any()).unwrap();
    }
    // Room for two publishes of ~1,160 bytes; the write side has bytes waiting.
    let first = o.resume(Room::new(2500, false));
    assert_eq!(first.iter().map(first_byte).collect::<Vec<_>>(), [0, 1]);
    assert!(o.waiting());
    // Nothing written yet, and none of room: nothing more.
    assert!(o.pump(Room::new(10, false)).is_empty());
    // An empty write side takes one whatever its size.
    let next = o.pump(Room::new(10, true));
    assert_eq!(next.iter().map(first_byte).collect::<Vec<_>>(), [2]);
    let last = o.pump(any());
    assert_eq!(last.iter().map(first_byte).collect::<Vec<_>>(), [3]);
    assert!(
        matches!(&last[0], OutPacket::Publish { dup: true, .. }),
        "still a redelivery"
    );
    assert!(!o.waiting());
    // A new message waits behind the window's redeliveries, and for room.
    let mut o = Outbox::new(32, 10, ANY);
    o.push(big(0), any()).unwrap();
    o.resume(Room::new(0, false));
    assert!(o.push(big(1), any()).is_none(), "behind a redelivery");
    assert_eq!(o.pump(any()).len(), 2);
}

#[test]
fn trimming_drops_the_oldest_queued_and_says_whether_a_change_went() {
    let mut o = Outbox::new(1, 10, ANY);
    o.push(msg(0, QualityOfService::Level1), any()).unwrap();
    o.queue(msg(1, QualityOfService::Level1));
    o.queue(change(2));
    let one = 1 + MESSAGE_OVERHEAD;
    assert!(!o.trim(3 * one), "within the bytes: nothing dropped");
    assert!(!o.trim(2 * one), "the oldest is a reply");
    assert!(o.trim(0), "then the change");
    assert_eq!(o.bytes(), one, "inflight messages are kept");
    assert_eq!(o.dropped(), 2);
}
