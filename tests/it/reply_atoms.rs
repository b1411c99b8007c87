//! `[wire] reply_atoms`: with the default `"mirror"`, a request whose atoms are
//! `ATOM_EXT` (100), as a 2017 client writes them, is answered with 100 atoms, and a
//! request in `SMALL_ATOM_UTF8_EXT` (119) with 119; `"utf8"` answers 119 whatever
//! the request used.

use roster_server::term::{to_latin1, ReplyAtoms};

use crate::support::{
    etf::{io, pair, Auth},
    harness::TestServer,
};

/// The tag of a reply's first atom (`{io,...}`: 131, 104, 3, then the atom).
fn first_atom_tag(reply: &[u8]) -> u8 {
    assert_eq!(&reply[..3], &[131, 104, 3], "an io tuple: {reply:?}");
    reply[3]
}

fn reg(phone: &str) -> Vec<u8> {
    Auth {
        phone: Some(phone),
        dev_key: Some("OLD"),
        ..Default::default()
    }
    .encode("reg")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mirror_answers_in_the_family_each_request_used() {
    let server = TestServer::start();
    let mut dev = server.reg("emqttd_reg_atoms1").await;
    let utf8 = reg("380500000101");
    let latin1 = to_latin1(&utf8).expect("our own request shapes");
    assert_ne!(latin1, utf8);

    let reply = dev.request(latin1).await;
    assert_eq!(first_atom_tag(&reply), 100, "{reply:?}");
    assert_eq!(to_latin1(&reply).unwrap(), reply, "no UTF-8 atom left");
    assert_eq!(io(&reply).0, pair("ok", "sms_sent"));

    let reply = dev.request(utf8).await;
    assert_eq!(first_atom_tag(&reply), 119, "{reply:?}");

    // A payload refused as invalid_data is answered in its family too.
    let mut bad = to_latin1(&reg("380500000101")).unwrap();
    bad.truncate(bad.len() - 1);
    let reply = dev.request(bad).await;
    assert_eq!(first_atom_tag(&reply), 100, "{reply:?}");
    assert_eq!(io(&reply).0, pair("error", "invalid_data"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_answers_119_to_a_latin1_request() {
    let server = TestServer::with(|c| c.wire.reply_atoms = ReplyAtoms::Utf8);
    let mut dev = server.reg("emqttd_reg_atoms2").await;
    let reply = dev.request(to_latin1(&reg("380500000102")).unwrap()).await;
    assert_eq!(first_atom_tag(&reply), 119, "{reply:?}");
    assert_eq!(io(&reply).0, pair("ok", "sms_sent"));
}

/// Pushed messages follow the recipient's last request: device A asks in
/// `ATOM_EXT`, device B (same phone) in `SMALL_ATOM_UTF8_EXT`; B's `set` reaches A
/// with 100 atoms, and A's later `set` reaches B with 119.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_follow_the_family_of_the_recipients_last_request() {
    use crate::{
        profile::device,
        support::profile_wire::{profile, roster, Req},
    };
    let server = TestServer::start();
    let (mut a, _) = device(&server, "atomsA", "+380500000103").await;
    let (mut b, _) = device(&server, "atomsB", "+380500000103").await;
    let get = Req::default().encode("get");
    let reply = a.request(to_latin1(&get).unwrap()).await;
    assert_eq!(reply[3], 100, "A's get answered in 100: {reply:?}");
    let first = profile(&reply).expect("a profile").accounts[0].id;

    let set = |name: &'static str| {
        Req {
            accounts: vec![roster(Some(first), Some(name), None)],
            ..Default::default()
        }
        .encode("set")
    };
    let reply = b.request(set("Bee")).await;
    assert_eq!(reply[3], 119, "B's set answered in 119");
    let pushed = a.next_publish().await;
    assert_eq!(pushed.payload[3], 100, "pushed to A in 100");
    assert_eq!(to_latin1(&pushed.payload).unwrap(), pushed.payload.to_vec());
    assert_eq!(
        profile(&pushed.payload).unwrap().accounts[0]
            .names
            .as_deref(),
        Some("Bee")
    );

    let reply = a.request(to_latin1(&set("Ay")).unwrap()).await;
    assert_eq!(reply[3], 100);
    let pushed = b.next_publish().await;
    assert_eq!(pushed.payload[3], 119, "pushed to B in 119");
}
