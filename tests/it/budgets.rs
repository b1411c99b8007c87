//! Memory in bytes, per session and in total: a client that reads its replies but never
//! acknowledges them holds at most `session.max_session_bytes`, and once the sessions
//! hold `server.max_total_session_bytes` new CONNECTs get CONNACK 3 and new requests
//! `{error,unavailable}`. Also the large profile the other budget tests use.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use eetf::Term;
use flate2::{write::ZlibEncoder, Compression};
use mqtt::{
    control::variable_header::ConnectReturnCode,
    packet::{ConnectPacket, PublishPacket, QoSWithPacketIdentifier, VariablePacket},
    Encodable, TopicName,
};

use crate::{
    auth::register,
    support::{
        etf::{atom, bin, encode, io, nil, pair, tuple},
        harness::{events_topic, rss_kib, unknown_request, Client, TestServer, DEADLINE},
        profile_wire::{int, profile},
        raw::{connack_code, Raw},
    },
};

/// A compressed request (tag 80): a large term in about a kilobyte on the wire.
pub(crate) fn compressed(term: &Term) -> Vec<u8> {
    let inner = encode(term);
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&inner[1..]).unwrap();
    let mut out = vec![131, 80];
    out.extend_from_slice(&(inner.len() as u32 - 1).to_be_bytes());
    out.extend_from_slice(&z.finish().unwrap());
    out
}

/// `{'Profile',[],Data,[],Accounts,[],[],set}`.
pub(crate) fn set(data: Option<&[u8]>, accounts: Vec<Term>) -> Term {
    let data = data.map_or_else(nil, |d| Term::from(eetf::Binary::from(d.to_vec())));
    tuple(vec![
        atom("Profile"),
        nil(),
        data,
        nil(),
        Term::from(eetf::List::from(accounts)),
        nil(),
        nil(),
        atom("set"),
    ])
}

/// A new account whose Names, Surnames and Avatar are 1 KB each (the largest allowed).
fn account(i: usize) -> Term {
    let text = |c: char| format!("{c}{i:02}{}", c.to_string().repeat(1021));
    tuple(vec![
        atom("Roster"),
        nil(),
        bin(&text('n')),
        bin(&text('s')),
        int(0),
        nil(),
        nil(),
        nil(),
        nil(),
        bin(&text('a')),
        nil(),
        nil(),
    ])
}

/// Makes `dev`'s profile as large as the defaults allow: 64 KB of data and 99 accounts
/// with 1 KB texts, in two compressed `set`s of about a kilobyte each. The size of
/// the last reply (the profile, about 375 KB).
pub(crate) async fn grow_profile(dev: &mut Client) -> usize {
    let first = set(Some(&[b'd'; 65_536]), (0..50).map(account).collect());
    let second = set(None, (50..99).map(account).collect());
    let mut reply = Vec::new();
    for term in [first, second] {
        let request = compressed(&term);
        assert!(request.len() < 1500, "{} bytes on the wire", request.len());
        reply = dev.request(request).await;
    }
    let grown = profile(&reply).expect("a Profile reply");
    assert_eq!(grown.accounts.len(), 100);
    assert!(reply.len() > 370_000, "{} bytes", reply.len());
    reply.len()
}

/// A logged-in client (clean_session=false) that takes replies as large as profiles
/// grow.
pub(crate) async fn big_login(server: &TestServer, id: &str, token: &str) -> Client {
    let mut o = server.options(id);
    o.set_credentials("ignored", token);
    o.set_clean_session(false);
    o.set_max_packet_size(1 << 20, 1 << 20);
    server
        .connect(o)
        .await
        .unwrap_or_else(|e| panic!("{id} refused: {e:?}"))
}

/// `{'Profile',[],[],[],[],[],[],get}` as a QoS 1 publish with id `pkid`, encoded.
pub(crate) fn get_publish(id: &str, pkid: u16) -> Vec<u8> {
    let get = get_payload();
    let topic = TopicName::new(events_topic(id)).unwrap();
    let p = PublishPacket::new(topic, QoSWithPacketIdentifier::Level1(pkid), get);
    let mut out = Vec::new();
    VariablePacket::from(p).encode(&mut out).unwrap();
    out
}

/// A raw connection logged in as `id`; the CONNACK's session-present flag.
pub(crate) fn raw_login(server: &TestServer, id: &str, token: &str, clean: bool) -> (Raw, bool) {
    let mut raw = Raw::open(server);
    let mut c = ConnectPacket::new(id);
    c.set_clean_session(clean);
    c.set_user_name(Some("ignored".into()));
    c.set_password(Some(token.into()));
    raw.send(c);
    match raw.recv() {
        VariablePacket::ConnackPacket(a) => {
            assert_eq!(
                a.connect_return_code(),
                ConnectReturnCode::ConnectionAccepted
            );
            (raw, a.connack_flags().session_present)
        }
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

/// Reads packets without answering any until the server closes the connection or
/// `DEADLINE` passes: how many were PUBLISHes, and whether the server closed it.
pub(crate) fn read_without_acking(s: TcpStream) -> (usize, bool) {
    // Buffered, so that the client keeps up with what it is sent.
    let mut s = std::io::BufReader::with_capacity(1 << 20, s);
    let mut publishes = 0;
    let mut head = [0u8; 1];
    loop {
        match s.read(&mut head) {
            Ok(0) => return (publishes, true),
            Ok(_) => {}
            Err(e) => return (publishes, !is_timeout(&e)),
        }
        let mut len = 0usize;
        for shift in (0..28).step_by(7) {
            let mut b = [0u8; 1];
            if let Err(e) = s.read_exact(&mut b) {
                return (publishes, !is_timeout(&e));
            }
            len |= usize::from(b[0] & 0x7f) << shift;
            if b[0] & 0x80 == 0 {
                break;
            }
        }
        let mut body = vec![0u8; len];
        if let Err(e) = s.read_exact(&mut body) {
            return (publishes, !is_timeout(&e));
        }
        if head[0] >> 4 == 3 {
            publishes += 1;
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

#[tokio::test]
async fn a_client_that_reads_but_never_acknowledges_holds_at_most_its_budget() {
    let server = TestServer::start();
    let (token, id) = register(&server, "emqttd_reg_noack", "380503330001").await;
    let reply = {
        let mut dev = big_login(&server, &id, &token).await;
        grow_profile(&mut dev).await
    };
    let (raw, _) = raw_login(&server, &id, &token, true);
    let reader = {
        let s = raw.0.try_clone().unwrap();
        std::thread::spawn(move || read_without_acking(s))
    };
    let before = rss_kib();
    // 1,100 gets in 1.1 s ask for 410 MB of replies; none is ever acknowledged.
    for i in 1..=1100 {
        if (&raw.0).write_all(&get_publish(&id, i)).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let (publishes, closed) = reader.join().unwrap();
    let grown = rss_kib().saturating_sub(before);
    assert!(closed, "still open after {DEADLINE:?}");
    // 2 MiB of budget: the window takes half of it, the rest waits unsent.
    assert!(
        publishes * reply <= 2 << 20,
        "{publishes} replies of {reply} B reached the client"
    );
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    // A well-behaved client of the same account is served meanwhile and after.
    let mut dev = big_login(&server, &id, &token).await;
    assert!(profile(&dev.request(get_payload()).await).is_some());
}

/// The payload of a Profile `get`.
pub(crate) fn get_payload() -> Vec<u8> {
    encode(&tuple(
        [atom("Profile")]
            .into_iter()
            .chain((0..6).map(|_| nil()))
            .chain([atom("get")])
            .collect(),
    ))
}

#[tokio::test]
async fn over_the_total_budget_connects_get_connack_3_and_requests_unavailable() {
    // One session may hold 1 MiB, all of them 1 MiB: one client holding its replies
    // unacknowledged fills the server.
    let server = TestServer::with(|c| {
        c.session.max_session_bytes = 1 << 20;
        c.server.max_total_session_bytes = 1 << 20;
    });
    let mut bystander = server.reg("emqttd_reg_bystander").await;
    let mut partial = Raw::connect(&server, "emqttd_reg_partial", 0);
    let (token, id) = register(&server, "emqttd_reg_hog", "380503330002").await;
    {
        let mut dev = big_login(&server, &id, &token).await;
        grow_profile(&mut dev).await;
    }
    let (hog, _) = raw_login(&server, &id, &token, true);
    let reader = {
        let s = hog.0.try_clone().unwrap();
        std::thread::spawn(move || read_without_acking(s))
    };
    let gets: Vec<u8> = (1..=3).flat_map(|i| get_publish(&id, i)).collect();
    (&hog.0).write_all(&gets).unwrap();
    // Its three replies (1.1 MB) are held: the server is over its budget.
    let deadline = Instant::now() + DEADLINE;
    let code = loop {
        let mut raw = Raw::open(&server);
        raw.send(ConnectPacket::new("emqttd_reg_late"));
        let code = connack_code(&mut raw);
        if code != ConnectReturnCode::ConnectionAccepted || Instant::now() > deadline {
            break code;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code, ConnectReturnCode::ServiceUnavailable);
    let (result, tail) = io(&bystander.request(unknown_request()).await);
    assert_eq!(result, pair("error", "unavailable"));
    assert_eq!(tail, bin(""));
    // A connection that sends part of a packet meanwhile is closed: partial packets
    // are what existing connections could still grow.
    partial
        .0
        .write_all(&[0x30, 0xE8, 0x07, 0, 3, b'x'])
        .unwrap();
    partial.wait_closed();
    // The hog leaves: what it held is given back, and new work is taken again.
    hog.0.shutdown(std::net::Shutdown::Both).unwrap();
    let (publishes, _) = reader.join().unwrap();
    assert!(publishes >= 1);
    let deadline = Instant::now() + DEADLINE;
    loop {
        let mut raw = Raw::open(&server);
        raw.send(ConnectPacket::new("emqttd_reg_later"));
        if connack_code(&mut raw) == ConnectReturnCode::ConnectionAccepted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still refused after the hog left"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (result, _) = io(&bystander.request(unknown_request()).await);
    assert_eq!(result, pair("error", "invalid_data"));
}
