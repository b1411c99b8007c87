//! The wheel's rules: deadlines never early, moved both ways and brought forward,
//! distant ones re-filed, many timers each firing once; the coarse clock.

use std::{
    future::poll_fn,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::Wake,
};

use std::{
    task::{Context, Poll, Waker},
    time::{Duration, Instant},
};

use super::{
    tick::Tick,
    wheel::{Timer, SLOTS, TICK, WHEEL},
};

async fn elapsed(t: &mut Timer) {
    poll_fn(|cx| t.poll_elapsed(cx)).await
}

#[actix_rt::test]
async fn fires_at_its_deadline_not_before() {
    let start = Instant::now();
    let mut t = Timer::new(start + Duration::from_millis(250));
    elapsed(&mut t).await;
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(250), "{took:?}");
}

#[actix_rt::test]
async fn reset_moves_the_deadline_both_ways() {
    let start = Instant::now();
    let mut t = Timer::new(start + Duration::from_secs(3600));
    t.reset(start + Duration::from_millis(150));
    elapsed(&mut t).await;
    assert!(start.elapsed() >= Duration::from_millis(150));
    // Later again: its earlier filing does not fire it.
    let again = Instant::now();
    t.reset(again + Duration::from_secs(2));
    let mut early = Timer::new(again + Duration::from_millis(100));
    elapsed(&mut early).await;
    let state = poll_fn(|cx| Poll::Ready(t.poll_elapsed(cx))).await;
    assert!(state.is_pending() || again.elapsed() >= Duration::from_secs(2));
}

#[actix_rt::test]
async fn a_distant_deadline_is_refiled_not_fired() {
    // Further than the ring reaches: filed at its far end, and moved on from there.
    let far = Instant::now() + TICK * (SLOTS * 3);
    let t = Timer::new(far);
    WHEEL.with(|w| {
        let mut w = w.borrow_mut();
        let due = w.tick_of(far);
        let filed = w.entries[t.key() as usize].filed;
        assert_eq!(w.entries[t.key() as usize].due, due);
        assert!(filed < due && filed < w.done + SLOTS);
        w.turn_to(filed);
        let e = &w.entries[t.key() as usize];
        assert!(e.filed > filed && e.filed < due, "re-filed further on");
        assert!(e.waker.is_none() && e.due > w.done, "not due");
    });
    // Waiting, it is woken by a wheel left behind by several turns of the ring.
    let woken = Arc::new(Flag::default());
    let waker = Waker::from(woken.clone());
    let mut t = t;
    assert!(t
        .poll_elapsed(&mut Context::from_waker(&waker))
        .is_pending());
    WHEEL.with(|w| {
        let mut w = w.borrow_mut();
        let due = w.entries[t.key() as usize].due;
        w.turn_to(due + 2 * SLOTS);
    });
    assert!(woken.0.load(Ordering::SeqCst));
    assert!(t.poll_elapsed(&mut Context::from_waker(&waker)).is_ready());
}

/// A waker that records that it was woken.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[actix_rt::test]
async fn a_tick_is_old_only_once_its_limit_has_certainly_passed() {
    let start = Instant::now();
    let seen = Tick::now();
    let limit = Duration::from_millis(250);
    let mut check = Timer::new(start);
    while !seen.older_than(limit) {
        check.reset(Instant::now() + TICK);
        elapsed(&mut check).await;
    }
    let took = start.elapsed();
    assert!(took > limit, "{took:?}");
    assert!(seen.elapsed() >= limit && seen.elapsed() <= took);
    assert!(!Tick::now().older_than(limit));
    assert_eq!(std::mem::size_of::<Option<Tick>>(), 4);
}

#[actix_rt::test]
async fn bring_forward_moves_a_deadline_only_sooner() {
    let start = Instant::now();
    let mut t = Timer::new(start + Duration::from_millis(200));
    t.bring_forward(start + Duration::from_secs(3600));
    elapsed(&mut t).await;
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(5));
    let again = Instant::now();
    t.reset(again + Duration::from_secs(3600));
    t.bring_forward(again + Duration::from_millis(150));
    elapsed(&mut t).await;
    assert!(again.elapsed() < Duration::from_secs(5));
}

#[actix_rt::test]
async fn many_timers_each_fire_once_and_free_their_entries() {
    let start = Instant::now();
    let mut timers: Vec<Timer> = (0..1000u32)
        .map(|i| Timer::new(start + Duration::from_millis(u64::from(i % 5) * 60)))
        .collect();
    for t in &mut timers {
        elapsed(t).await;
    }
    let before = WHEEL.with(|w| w.borrow().live());
    drop(timers);
    let after = WHEEL.with(|w| (w.borrow().live(), w.borrow().free.len()));
    assert_eq!(before - after.0, 1000);
    assert!(after.1 >= 1000);
    // Freed entries are used again rather than the table growing.
    let len = WHEEL.with(|w| w.borrow().entries.len());
    let t = Timer::new(start);
    assert_eq!(WHEEL.with(|w| w.borrow().entries.len()), len);
    drop(t);
    // With no timer left, a turn lets go of the tables and of every stale key.
    WHEEL.with(|w| {
        let mut w = w.borrow_mut();
        assert!(!w.turn(), "no timer remains");
        assert_eq!((w.entries.capacity(), w.free.capacity()), (0, 0));
        assert!(w.slots.iter().all(Vec::is_empty));
    });
}
