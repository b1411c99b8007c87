//! CPU: a 272-byte compressed request (`131, 80, size, zlib('Auth' tuple with ten
//! lists of 9,999 integers)`) cost 6 ms of decoding, and four anonymous connections
//! sending it in a loop took a logged-in client's Profile `get` from 0.4 ms to 200 ms.
//! Now `[limits]` bounds one payload near the largest real request, and decode work
//! is charged to each connection's and address's budget before decoding. Attackers
//! here come from 127.0.0.2, the healthy client from 127.0.0.1: the test asserts the
//! attackers are throttled and every `get` of the healthy one is answered, and prints
//! the healthy client's latencies (figures in SECURITY.md), never asserting on them.

use std::{
    io::Write,
    net::{SocketAddr, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use eetf::Term;
use flate2::{write::ZlibEncoder, Compression};
use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{ConnectPacket, PublishPacket, QoSWithPacketIdentifier, VariablePacket},
    Decodable, TopicName,
};

use crate::{
    profile::device,
    support::{
        etf::atom,
        harness::{events_topic, term, Client, TestServer, DEADLINE},
        profile_wire::{profile, Req},
        raw::Raw,
    },
};

const ATTACKERS: usize = 4;
const GETS: usize = 200;

/// `131, 80, size, zlib({'Auth', L1, ..., L10, []})`, each `L` a list of 9,999 ones.
fn attack() -> Vec<u8> {
    let mut term = vec![104, 12, 119, 4, b'A', b'u', b't', b'h'];
    for _ in 0..10 {
        term.push(108);
        term.extend_from_slice(&9_999u32.to_be_bytes());
        term.extend(std::iter::repeat_n([97, 1], 9_999).flatten());
        term.push(106);
    }
    term.push(106);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&term).unwrap();
    let mut p = vec![131, 80];
    p.extend_from_slice(&(term.len() as u32).to_be_bytes());
    p.extend_from_slice(&z.finish().unwrap());
    p
}

/// What the attackers got.
#[derive(Default)]
struct Tally {
    /// Decoded (and refused as `invalid_data`).
    decoded: AtomicU64,
    /// Answered `too_many_requests` without being decoded.
    throttled: AtomicU64,
    /// Connections the server closed.
    closed: AtomicU64,
}

/// A registering connection from 127.0.0.2, or `None` if the server closed it.
fn connect_from_second_address(to: SocketAddr, id: &str) -> Option<Raw> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let stream = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        socket.connect(to).await.ok()
    })?;
    let stream: TcpStream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut raw = Raw(stream);
    raw.send(ConnectPacket::new(id));
    match VariablePacket::decode(&mut raw.0) {
        Ok(VariablePacket::ConnackPacket(a))
            if a.connect_return_code() == ConnectReturnCode::ConnectionAccepted =>
        {
            Some(raw)
        }
        _ => None,
    }
}

/// One attacker: sends [`attack`] in a loop, waiting for each reply, reconnecting
/// when closed, until `stop`.
fn attacker(to: SocketAddr, n: usize, stop: Arc<AtomicBool>, tally: Arc<Tally>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let id = format!("emqttd_reg_cpu_attacker{n}");
        let topic = TopicName::new(events_topic(&id)).unwrap();
        let payload = attack();
        while !stop.load(Ordering::Relaxed) {
            let Some(mut raw) = connect_from_second_address(to, &id) else {
                tally.closed.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            while !stop.load(Ordering::Relaxed) {
                let publish = PublishPacket::new(
                    topic.clone(),
                    QoSWithPacketIdentifier::Level0,
                    payload.clone(),
                );
                if raw.0.write_all(&encode(publish)).is_err() {
                    tally.closed.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                let reply = match VariablePacket::decode(&mut raw.0) {
                    Ok(VariablePacket::PublishPacket(p)) => p.payload().to_vec(),
                    _ => {
                        tally.closed.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                };
                match error_atom(&reply).as_deref() {
                    Some("too_many_requests") => &tally.throttled,
                    Some("invalid_data") => &tally.decoded,
                    other => panic!("attacker got {other:?}"),
                }
                .fetch_add(1, Ordering::Relaxed);
            }
        }
    })
}

fn encode(p: impl Into<VariablePacket>) -> Vec<u8> {
    use mqtt::Encodable;
    let mut buf = Vec::new();
    p.into().encode(&mut buf).unwrap();
    buf
}

/// `X` of an `{io,{error,X},_}` reply.
fn error_atom(reply: &[u8]) -> Option<String> {
    let Term::Tuple(t) = term(reply) else {
        return None;
    };
    let Term::Tuple(result) = t.elements.get(1)? else {
        return None;
    };
    match (result.elements.first()?, result.elements.get(1)?) {
        (e, Term::Atom(a)) if *e == atom("error") => Some(a.name.clone()),
        _ => None,
    }
}

/// `n` Profile `get`s, one after another: each latency, every one a Profile.
async fn gets(dev: &mut Client, n: usize) -> Vec<Duration> {
    let get = Req::default().encode("get");
    let mut took = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let reply = dev.request(get.clone()).await;
        took.push(t.elapsed());
        assert!(profile(&reply).is_some(), "get {i}: {}", term(&reply));
    }
    took
}

/// "p50 … ms, p99 … ms".
fn percentiles(mut took: Vec<Duration>) -> String {
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("p50 {:.2} ms, p99 {:.2} ms", ms(at(0.5)), ms(at(0.99)))
}

/// A healthy client's `get`s, alone and while [`ATTACKERS`] attack from another
/// address: its latencies alone and meanwhile, and what the attackers got.
async fn scenario(server: &TestServer, healthy: &str) -> (String, String, Arc<Tally>) {
    let (mut dev, _) = device(server, healthy, "380509990001").await;
    let alone = percentiles(gets(&mut dev, 50).await);
    let (stop, tally) = (Arc::new(AtomicBool::new(false)), Arc::new(Tally::default()));
    let threads: Vec<_> = (0..ATTACKERS)
        .map(|n| attacker(server.addr, n, stop.clone(), tally.clone()))
        .collect();
    // Let them get going before the healthy client measures.
    let start = Instant::now();
    while tally.decoded.load(Ordering::Relaxed) + tally.throttled.load(Ordering::Relaxed) < 4
        && start.elapsed() < DEADLINE
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let meanwhile = percentiles(gets(&mut dev, GETS).await);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("attacker thread");
    }
    (alone, meanwhile, tally)
}

fn attack_tally(tally: &Tally) -> String {
    format!(
        "attackers: {} decoded, {} answered too_many_requests, {} closed",
        tally.decoded.load(Ordering::Relaxed),
        tally.throttled.load(Ordering::Relaxed),
        tally.closed.load(Ordering::Relaxed)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decode_budget_throttles_attackers_and_a_healthy_client_is_served() {
    let payload = attack();
    println!("attack payload: {} bytes on the wire", payload.len());
    let server = TestServer::start();
    let (alone, meanwhile, tally) = scenario(&server, "cpu_healthy").await;
    println!("with the defaults: healthy get alone {alone}; under attack {meanwhile}");
    println!("{}", attack_tally(&tally));
    let refused = tally.throttled.load(Ordering::Relaxed) + tally.closed.load(Ordering::Relaxed);
    assert!(refused > 0, "{}", attack_tally(&tally));
    // The budget admits a few of these, then refuses the rest without decoding.
    assert!(
        tally.decoded.load(Ordering::Relaxed) < tally.throttled.load(Ordering::Relaxed),
        "{}",
        attack_tally(&tally)
    );
}

/// The same without the budget, with main's old limits and with today's: the
/// figures before, and what the limits alone do. A measurement, not a check (slow:
/// run it with `--ignored --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn without_the_budget_for_comparison() {
    let no_budget = |c: &mut roster_server::config::Config| {
        c.limits.decode_bytes_per_sec_per_connection = 0;
        c.limits.decode_bytes_per_sec_per_ip = 0;
    };
    let old = TestServer::with(|c| {
        no_budget(c);
        c.limits.max_decompressed_bytes = 262_144;
        c.limits.max_list_len = 10_000;
        c.limits.max_elements = 100_000;
    });
    let (alone, meanwhile, tally) = scenario(&old, "cpu_healthy_old").await;
    println!("old limits, no budget: healthy get alone {alone}; under attack {meanwhile}");
    println!("{}", attack_tally(&tally));
    drop(old);
    let new = TestServer::with(no_budget);
    let (alone, meanwhile, tally) = scenario(&new, "cpu_healthy_new").await;
    println!("new limits, no budget: healthy get alone {alone}; under attack {meanwhile}");
    println!("{}", attack_tally(&tally));
}
