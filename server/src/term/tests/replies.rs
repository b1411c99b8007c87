//! Every reply kind, as byte literals and as Erlang source text for `erlang.rs`.

use crate::term::{
    encode, AuthRecord, AuthType, IoResult, Os, ProfileRecord, Reply, RosterRecord, Tail,
};

/// An Erlang binary literal of exactly these bytes (no encoding ambiguity).
fn erl_bin(bytes: &[u8]) -> String {
    let list: Vec<String> = bytes.iter().map(u8::to_string).collect();
    format!("<<{}>>", list.join(","))
}

/// An Erlang expression for the atom with this UTF-8 name.
fn erl_atom(name: &str) -> String {
    format!("binary_to_atom({},utf8)", erl_bin(name.as_bytes()))
}

fn io(result: IoResult, tail: Tail) -> Reply {
    Reply::Io { result, tail }
}

fn full_auth() -> AuthRecord {
    AuthRecord {
        token: Some("tok".into()),
        dev_key: Some("NEXUS1".into()),
        user_id: Some("42".into()),
        phone: Some("380001122".into()),
        client_id: Some("emqttd_abc".into()),
        kind: AuthType::Verify,
        sms_code: Some("123456".into()),
        attempts: 300,
        services: vec!["jwt".into(), "укр".into()],
        push: Some("fcm".into()),
        comments: Some("héllo".into()),
        os: Some(Os::Web),
        created: Some(1_700_000_000_000),
        last_online: Some(42),
    }
}

fn empty_auth() -> AuthRecord {
    AuthRecord {
        token: None,
        dev_key: None,
        user_id: None,
        phone: None,
        client_id: None,
        kind: AuthType::List,
        sms_code: None,
        attempts: 0,
        services: vec![],
        push: None,
        comments: None,
        os: None,
        created: None,
        last_online: None,
    }
}

/// A Profile reply with two accounts (also the bench's shape).
pub fn two_account_profile() -> ProfileRecord {
    ProfileRecord {
        phone: "380001122".into(),
        data: vec![0, 1, 255],
        person_id: Some("person-1".into()),
        accounts: vec![
            RosterRecord {
                id: 1,
                names: Some("Ann".into()),
                surnames: Some("Lee".into()),
                size: 0,
                phone: Some("380001122".into()),
                avatar: Some("http://a/1.png".into()),
                update: 1_700_000_000_000,
                status: None,
            },
            RosterRecord {
                id: 5_000_000_000,
                names: Some("Новий".into()),
                surnames: None,
                size: 3,
                phone: None,
                avatar: None,
                update: 7,
                status: Some("remove"),
            },
        ],
        update: 1_700_000_000_001,
        presence: "online",
        status: "update",
    }
}

/// Every reply kind the encoder emits, with the term Erlang must read back.
pub fn samples() -> Vec<(Reply, String)> {
    let tok = erl_bin(b"tok");
    vec![
        (
            io(IoResult::Ok("sms_sent"), Tail::Auth("tok".into())),
            format!("{{io,{{ok,sms_sent}},{{'Auth',{tok}}}}}"),
        ),
        (
            io(IoResult::Error("invalid_data"), Tail::Auth(String::new())),
            "{io,{error,invalid_data},{'Auth',<<>>}}".into(),
        ),
        (
            io(
                IoResult::Ok2Login {
                    client_id: "emqttd_abc".into(),
                },
                Tail::Auth("tok".into()),
            ),
            format!(
                "{{io,{{ok2,login,{{'Client',{}}}}},{{'Auth',{tok}}}}}",
                erl_bin(b"emqttd_abc")
            ),
        ),
        (io(IoResult::Empty, Tail::Empty), "{io,<<>>,<<>>}".into()),
        (
            io(IoResult::Error("mismatch_user_data"), Tail::Empty),
            "{io,{error,mismatch_user_data},<<>>}".into(),
        ),
        (
            Reply::Auth(full_auth()),
            format!(
                "{{'Auth',{tok},{},{},{},{},verify,{},300,[jwt,{}],{},{},web,1700000000000,42}}",
                erl_bin(b"NEXUS1"),
                erl_bin(b"42"),
                erl_bin(b"380001122"),
                erl_bin(b"emqttd_abc"),
                erl_bin(b"123456"),
                erl_atom("укр"),
                erl_bin(b"fcm"),
                erl_bin("héllo".as_bytes()),
            ),
        ),
        (
            Reply::Auth(empty_auth()),
            "{'Auth',[],[],[],[],[],list,[],0,[],[],[],[],[],[]}".into(),
        ),
        (
            Reply::Auth(AuthRecord {
                attempts: -1,
                created: Some(i64::MAX),
                last_online: Some(i64::MIN),
                kind: AuthType::Push,
                os: Some(Os::Ios),
                services: vec!["é".repeat(200), "a".repeat(300)],
                ..empty_auth()
            }),
            format!(
                "{{'Auth',[],[],[],[],[],push,[],-1,[{},{}],[],[],ios,{},{}}}",
                erl_atom(&"é".repeat(200)),
                erl_atom(&"a".repeat(255)),
                i64::MAX,
                i64::MIN
            ),
        ),
        (
            Reply::Profile(two_account_profile()),
            format!(
                "{{'Profile',{},<<0,1,255>>,{},[{{'Roster',1,{},{},0,[],[],[],{},{},1700000000000,[]}},\
                 {{'Roster',5000000000,{},[],3,[],[],[],[],[],7,remove}}],1700000000001,online,update}}",
                erl_bin(b"380001122"),
                erl_bin(b"person-1"),
                erl_bin(b"Ann"),
                erl_bin(b"Lee"),
                erl_bin(b"380001122"),
                erl_bin(b"http://a/1.png"),
                erl_bin("Новий".as_bytes()),
            ),
        ),
        (
            Reply::Profile(ProfileRecord {
                phone: "380001122".into(),
                data: vec![],
                person_id: None,
                accounts: vec![],
                update: 0,
                presence: "offline",
                status: "get",
            }),
            format!("{{'Profile',{},<<>>,[],[],0,offline,get}}", erl_bin(b"380001122")),
        ),
    ]
}

#[test]
fn io_replies_byte_for_byte() {
    let sms_sent = encode(&io(IoResult::Ok("sms_sent"), Tail::Auth("t".into())));
    let mut want = vec![
        131, 104, 3, 119, 2, b'i', b'o', 104, 2, 119, 2, b'o', b'k', 119, 8,
    ];
    want.extend_from_slice(b"sms_sent");
    want.extend_from_slice(&[
        104, 2, 119, 4, b'A', b'u', b't', b'h', 109, 0, 0, 0, 1, b't',
    ]);
    assert_eq!(sms_sent, want);
    let push_ok = encode(&io(IoResult::Empty, Tail::Empty));
    let want = [
        131, 104, 3, 119, 2, b'i', b'o', 109, 0, 0, 0, 0, 109, 0, 0, 0, 0,
    ];
    assert_eq!(push_ok, want);
}

#[test]
fn integers_use_97_98_110() {
    let update = |update: i64| {
        let bytes = encode(&Reply::Profile(ProfileRecord {
            phone: String::new(),
            data: vec![],
            person_id: None,
            accounts: vec![],
            update,
            presence: "a",
            status: "b",
        }));
        // 131 104 8 (119 7 Profile) (109 0 0 0 0) (109 0 0 0 0) 106 106, then update.
        bytes[24..bytes.len() - 6].to_vec()
    };
    assert_eq!(update(0), [97, 0]);
    assert_eq!(update(255), [97, 255]);
    assert_eq!(update(256), [98, 0, 0, 1, 0]);
    assert_eq!(update(-1), [98, 255, 255, 255, 255]);
    assert_eq!(update(i64::from(i32::MAX)), [98, 127, 255, 255, 255]);
    assert_eq!(update(1 << 31), [110, 4, 0, 0, 0, 0, 128]);
    assert_eq!(update(-(1 << 40)), [110, 6, 1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(update(i64::MIN), [110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128]);
}

#[test]
fn absent_is_nil_and_lists_end_in_nil() {
    let bytes = encode(&Reply::Auth(empty_auth()));
    let mut want = vec![131, 104, 15, 119, 4, b'A', b'u', b't', b'h'];
    want.extend_from_slice(&[106; 5]);
    want.extend_from_slice(&[119, 4, b'l', b'i', b's', b't', 106, 97, 0]);
    want.extend_from_slice(&[106; 6]);
    assert_eq!(bytes, want);
    let with_services = encode(&Reply::Auth(AuthRecord {
        services: vec!["jwt".into()],
        ..empty_auth()
    }));
    let list = [108, 0, 0, 0, 1, 119, 3, b'j', b'w', b't', 106];
    assert!(with_services.windows(list.len()).any(|w| w == list));
}

#[test]
fn every_sample_reply_decodes_with_our_decoder_and_eetf() {
    for (reply, _) in samples() {
        let bytes = encode(&reply);
        let ours = crate::term::bounded::decode_term(&bytes, &crate::term::Limits::default());
        let theirs = eetf::Term::decode(&bytes[..]).unwrap();
        assert_eq!(ours.unwrap(), theirs, "{reply:?}");
    }
}
