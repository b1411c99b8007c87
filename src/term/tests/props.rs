//! Property tests: requests and replies round-trip; no input panics the decoder.

use std::io::Write;

use eetf::{Atom, BigInteger, Binary, ByteList, FixInteger, List, Term, Tuple};
use proptest::prelude::*;
use proptest::{collection::vec, option, sample::select};

use super::support::{etf, Style, VECTORS};
use crate::term::{
    decode, encode, AuthRecord, AuthRequest, AuthType, IoResult, Limits, Os, ProfileRecord,
    ProfileRequest, ProfileStatus, Reply, Request, RosterEntry, RosterRecord, Tail,
};

/// Picks encoding choices from a seed, so one generated value covers many forms.
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn nil() -> Term {
    Term::from(List::nil())
}

fn atom(name: &str) -> Term {
    Term::from(Atom::from(name))
}

fn int(v: i64) -> Term {
    match i32::try_from(v) {
        Ok(small) => Term::from(FixInteger::from(small)),
        Err(_) => Term::from(BigInteger::from(v)),
    }
}

fn absent(p: &mut Pick) -> Term {
    match p.next(3) {
        0 => nil(),
        1 => Term::from(Binary::from(vec![])),
        _ => int(0),
    }
}

fn text(s: &Option<String>, p: &mut Pick) -> Term {
    let Some(s) = s else { return absent(p) };
    let latin1: Option<Vec<u8>> = s.chars().map(|c| u8::try_from(c as u32).ok()).collect();
    match (p.next(3), latin1) {
        (0, _) => Term::from(Binary::from(s.as_bytes())),
        (1, Some(bytes)) => Term::from(ByteList::from(bytes)),
        _ => Term::from(List::from(
            s.chars().map(|c| int(c as i64)).collect::<Vec<_>>(),
        )),
    }
}

fn opt_int(v: Option<i64>, p: &mut Pick) -> Term {
    v.map_or_else(|| absent(p), int)
}

fn timestamp(v: Option<i64>, p: &mut Pick) -> Term {
    match v {
        Some(v) if p.next(2) == 0 => text(&Some(v.to_string()), p),
        other => opt_int(other, p),
    }
}

fn decorate_phone(phone: &Option<String>, p: &mut Pick) -> Option<String> {
    let phone = phone.as_ref()?;
    let prefix = ["", "+", " ", " +"][p.next(4)];
    let suffix = ["", " "][p.next(2)];
    Some(format!("{prefix}{phone}{suffix}"))
}

fn style(p: &mut Pick) -> Style {
    Style {
        atom_tag: [100, 115, 118, 119][p.next(4)],
        strings: p.next(2) == 0,
    }
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    option::of("\\PC{1,12}")
}

fn phone() -> impl Strategy<Value = Option<String>> {
    option::of("[0-9]{1,15}")
}

fn nonzero() -> impl Strategy<Value = Option<i64>> {
    option::of(any::<i64>().prop_filter("0 is absent", |v| *v != 0))
}

fn name() -> impl Strategy<Value = String> {
    "[a-zé_]{1,10}"
}

fn auth_request() -> impl Strategy<Value = AuthRequest> {
    let head = (
        opt_text(),
        opt_text(),
        option::of("[a-z0-9]{1,10}"),
        phone(),
        opt_text(),
        select(AuthType::ALL.to_vec()),
        opt_text(),
    );
    let tail = (
        nonzero(),
        vec(name(), 0..3),
        opt_text(),
        opt_text(),
        option::of(select(Os::ALL.to_vec())),
        nonzero(),
        nonzero(),
    );
    (head, tail).prop_map(|(h, t)| AuthRequest {
        token: h.0,
        dev_key: h.1,
        user_id: h.2,
        phone: h.3,
        client_id: h.4,
        kind: h.5,
        sms_code: h.6,
        attempts: t.0,
        services: t.1,
        push: t.2,
        comments: t.3,
        os: t.4,
        created: t.5,
        last_online: t.6,
    })
}

fn auth_term(r: &AuthRequest, p: &mut Pick) -> Term {
    let user_id = match &r.user_id {
        Some(u)
            if u.parse::<i64>()
                .is_ok_and(|v| v != 0 && v.to_string() == *u)
                && p.next(2) == 0 =>
        {
            int(u.parse().unwrap_or_default())
        }
        other => text(other, p),
    };
    let phone = decorate_phone(&r.phone, p);
    let services = Term::from(List::from(
        r.services.iter().map(|s| atom(s)).collect::<Vec<_>>(),
    ));
    let mut fields = vec![
        atom("Auth"),
        text(&r.token, p),
        text(&r.dev_key, p),
        user_id,
        text(&phone, p),
        text(&r.client_id, p),
        atom(r.kind.as_str()),
        text(&r.sms_code, p),
        opt_int(r.attempts, p),
        if r.services.is_empty() {
            absent(p)
        } else {
            services
        },
        text(&r.push, p),
        text(&r.comments, p),
        r.os.map_or_else(|| absent(p), |o| atom(o.as_str())),
        timestamp(r.created, p),
        timestamp(r.last_online, p),
    ];
    let present = [
        r.push.is_some(),
        r.comments.is_some(),
        r.os.is_some(),
        r.created.is_some(),
        r.last_online.is_some(),
    ];
    let needed = present.iter().rposition(|&x| x).map_or(10, |i| 11 + i);
    fields.truncate(needed + p.next(16 - needed));
    Term::from(Tuple::from(fields))
}

fn roster_entry() -> impl Strategy<Value = RosterEntry> {
    let bare = any::<i64>().prop_map(|id| RosterEntry {
        id: Some(id),
        ..RosterEntry::default()
    });
    let full = (
        nonzero(),
        opt_text(),
        opt_text(),
        phone(),
        opt_text(),
        nonzero(),
        option::of("[a-z]{1,8}"),
    )
        .prop_map(
            |(id, names, surnames, phone, avatar, update, status)| RosterEntry {
                id,
                names,
                surnames,
                phone,
                avatar,
                update,
                status,
            },
        );
    prop_oneof![bare, full]
}

fn roster_term(e: &RosterEntry, p: &mut Pick) -> Term {
    let bare = e.names.is_none()
        && e.surnames.is_none()
        && e.phone.is_none()
        && e.avatar.is_none()
        && e.update.is_none()
        && e.status.is_none();
    if let (true, Some(id), 0) = (bare, e.id, p.next(2)) {
        return int(id);
    }
    let phone = decorate_phone(&e.phone, p);
    Term::from(Tuple::from(vec![
        atom("Roster"),
        opt_int(e.id, p),
        text(&e.names, p),
        text(&e.surnames, p),
        int(p.next(300) as i64),
        nil(),
        nil(),
        nil(),
        text(&phone, p),
        text(&e.avatar, p),
        opt_int(e.update, p),
        e.status.as_deref().map_or_else(|| absent(p), atom),
    ]))
}

fn profile_request() -> impl Strategy<Value = ProfileRequest> {
    (
        phone(),
        option::of(vec(any::<u8>(), 1..20)),
        opt_text(),
        vec(roster_entry(), 0..4),
        nonzero(),
        option::of("[a-z]{1,8}"),
        select(ProfileStatus::ALL.to_vec()),
    )
        .prop_map(
            |(phone, data, person_id, accounts, update, presence, status)| ProfileRequest {
                phone,
                data,
                person_id,
                accounts,
                update,
                presence,
                status,
            },
        )
}

fn profile_term(r: &ProfileRequest, p: &mut Pick) -> Term {
    let phone = decorate_phone(&r.phone, p);
    let data = match &r.data {
        None => absent(p),
        Some(d) if p.next(2) == 0 => Term::from(Binary::from(d.as_slice())),
        Some(d) => Term::from(List::from(
            d.iter().map(|&b| int(i64::from(b))).collect::<Vec<_>>(),
        )),
    };
    let accounts: Vec<Term> = r.accounts.iter().map(|e| roster_term(e, p)).collect();
    let mut fields = vec![
        atom("Profile"),
        text(&phone, p),
        data,
        text(&r.person_id, p),
        if accounts.is_empty() {
            absent(p)
        } else {
            Term::from(List::from(accounts))
        },
    ];
    let arity = match (r.update, &r.presence) {
        (_, Some(_)) => 8,
        (Some(_), None) => 7 + p.next(2),
        (None, None) => 6 + p.next(3),
    };
    if arity >= 7 {
        fields.push(opt_int(r.update, p));
    }
    if arity == 8 {
        fields.push(r.presence.as_deref().map_or_else(|| absent(p), atom));
    }
    fields.push(atom(r.status.as_str()));
    Term::from(Tuple::from(fields))
}

fn atom_name() -> impl Strategy<Value = &'static str> {
    select(vec![
        "sms_sent",
        "login",
        "invalid_data",
        "online",
        "offline",
        "update",
        "get",
        "remove",
    ])
}

fn auth_record() -> impl Strategy<Value = AuthRecord> {
    (auth_request(), any::<i64>()).prop_map(|(r, attempts)| AuthRecord {
        token: r.token,
        dev_key: r.dev_key,
        user_id: r.user_id,
        phone: r.phone,
        client_id: r.client_id,
        kind: r.kind,
        sms_code: r.sms_code,
        attempts,
        services: r.services,
        push: r.push,
        comments: r.comments,
        os: r.os,
        created: r.created,
        last_online: r.last_online,
    })
}

fn roster_record() -> impl Strategy<Value = RosterRecord> {
    (
        any::<i64>(),
        opt_text(),
        opt_text(),
        any::<i64>(),
        phone(),
        opt_text(),
        any::<i64>(),
        option::of(atom_name()),
    )
        .prop_map(
            |(id, names, surnames, size, phone, avatar, update, status)| RosterRecord {
                id,
                names,
                surnames,
                size,
                phone,
                avatar,
                update,
                status,
            },
        )
}

fn reply() -> impl Strategy<Value = Reply> {
    let result = prop_oneof![
        atom_name().prop_map(IoResult::Ok),
        atom_name().prop_map(IoResult::Error),
        "[a-z_]{1,20}".prop_map(|client_id| IoResult::Ok2Login { client_id }),
        Just(IoResult::Empty),
    ];
    let tail = prop_oneof![Just(Tail::Empty), "\\PC{0,40}".prop_map(Tail::Auth)];
    let profile = (
        "[0-9]{1,15}",
        vec(any::<u8>(), 0..40),
        opt_text(),
        vec(roster_record(), 0..4),
        any::<i64>(),
        atom_name(),
        atom_name(),
    )
        .prop_map(
            |(phone, data, person_id, accounts, update, presence, status)| ProfileRecord {
                phone,
                data,
                person_id,
                accounts,
                update,
                presence,
                status,
            },
        );
    prop_oneof![
        (result, tail).prop_map(|(result, tail)| Reply::Io { result, tail }),
        auth_record().prop_map(Reply::Auth),
        profile.prop_map(Reply::Profile),
    ]
}

/// The term a reply stands for, built independently of the encoder.
fn reply_term(r: &Reply) -> Term {
    let bin = |s: &str| Term::from(Binary::from(s.as_bytes()));
    let opt = |s: &Option<String>| s.as_deref().map_or_else(nil, bin);
    let opt_i = |v: Option<i64>| v.map_or_else(nil, int);
    let tuple = |v: Vec<Term>| Term::from(Tuple::from(v));
    let list = |v: Vec<Term>| Term::from(List::from(v));
    match r {
        Reply::Io { result, tail } => tuple(vec![
            atom("io"),
            match result {
                IoResult::Ok(a) => tuple(vec![atom("ok"), atom(a)]),
                IoResult::Error(a) => tuple(vec![atom("error"), atom(a)]),
                IoResult::Ok2Login { client_id } => tuple(vec![
                    atom("ok2"),
                    atom("login"),
                    tuple(vec![atom("Client"), bin(client_id)]),
                ]),
                IoResult::Empty => bin(""),
            },
            match tail {
                Tail::Empty => bin(""),
                Tail::Auth(t) => tuple(vec![atom("Auth"), bin(t)]),
            },
        ]),
        Reply::Auth(a) => tuple(vec![
            atom("Auth"),
            opt(&a.token),
            opt(&a.dev_key),
            opt(&a.user_id),
            opt(&a.phone),
            opt(&a.client_id),
            atom(a.kind.as_str()),
            opt(&a.sms_code),
            int(a.attempts),
            list(a.services.iter().map(|s| atom(s)).collect()),
            opt(&a.push),
            opt(&a.comments),
            a.os.map_or_else(nil, |o| atom(o.as_str())),
            opt_i(a.created),
            opt_i(a.last_online),
        ]),
        Reply::Profile(pr) => tuple(vec![
            atom("Profile"),
            bin(&pr.phone),
            Term::from(Binary::from(pr.data.as_slice())),
            opt(&pr.person_id),
            list(
                pr.accounts
                    .iter()
                    .map(|e| {
                        tuple(vec![
                            atom("Roster"),
                            int(e.id),
                            opt(&e.names),
                            opt(&e.surnames),
                            int(e.size),
                            nil(),
                            nil(),
                            nil(),
                            opt(&e.phone),
                            opt(&e.avatar),
                            int(e.update),
                            e.status.map_or_else(nil, atom),
                        ])
                    })
                    .collect(),
            ),
            int(pr.update),
            atom(pr.presence),
            atom(pr.status),
        ]),
    }
}

/// Tags a hostile payload would use, to reach deeper than random bytes do.
const TAGS: [u8; 22] = [
    68, 70, 77, 80, 82, 97, 98, 100, 104, 105, 106, 107, 108, 109, 110, 111, 115, 116, 118, 119,
    255, 0,
];

fn tag_soup() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![select(TAGS.to_vec()), 0u8..4, any::<u8>()],
        0..300,
    )
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// Decoding must return, never panic; and a refusal names no payload bytes.
fn survives(payload: &[u8]) {
    if let Err(e) = decode(payload, &Limits::default()) {
        assert!(!e.reason.is_empty());
        assert!(e.reason.len() < 120, "reason too long: {}", e.reason);
    }
}

proptest! {
    #[test]
    fn auth_requests_round_trip(r in auth_request(), seed in 1u64..) {
        let mut p = Pick(seed);
        let bytes = etf(&auth_term(&r, &mut p), style(&mut p));
        prop_assert_eq!(decode(&bytes, &Limits::default()), Ok(Request::Auth(r)));
    }

    #[test]
    fn profile_requests_round_trip(r in profile_request(), seed in 1u64..) {
        let mut p = Pick(seed);
        let bytes = etf(&profile_term(&r, &mut p), style(&mut p));
        prop_assert_eq!(decode(&bytes, &Limits::default()), Ok(Request::Profile(r)));
    }

    #[test]
    fn replies_encode_the_term_they_stand_for(r in reply()) {
        let bytes = encode(&r);
        let want = reply_term(&r);
        prop_assert_eq!(eetf::Term::decode(&bytes[..]).ok(), Some(want.clone()));
        let ours = crate::term::bounded::decode_term(&bytes, &Limits::default());
        prop_assert_eq!(ours.ok(), Some(want));
    }

    #[test]
    fn auth_replies_read_back_as_auth_requests(a in auth_record()) {
        let bytes = encode(&Reply::Auth(a.clone()));
        let want = AuthRequest {
            token: a.token,
            dev_key: a.dev_key,
            user_id: a.user_id,
            phone: a.phone,
            client_id: a.client_id,
            kind: a.kind,
            sms_code: a.sms_code,
            attempts: Some(a.attempts).filter(|&v| v != 0),
            services: a.services,
            push: a.push,
            comments: a.comments,
            os: a.os,
            created: a.created,
            last_online: a.last_online,
        };
        prop_assert_eq!(decode(&bytes, &Limits::default()), Ok(Request::Auth(want)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..1024)) {
        survives(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_131_never_panic(bytes in vec(any::<u8>(), 0..1024)) {
        let mut payload = vec![131];
        payload.extend_from_slice(&bytes);
        survives(&payload);
    }

    #[test]
    fn tag_soup_never_panics(soup in tag_soup(), compress in any::<bool>()) {
        let mut payload = vec![131];
        if compress {
            payload.push(80);
            payload.extend_from_slice(&(soup.len() as u32).to_be_bytes());
            payload.extend_from_slice(&zlib(&soup));
        } else {
            payload.extend_from_slice(&soup);
        }
        survives(&payload);
    }

    #[test]
    fn mutated_vectors_never_panic(
        which in 0..VECTORS.len(),
        edits in vec((0u8..4, any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = VECTORS[which].1.to_vec();
        for (kind, at, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                2 => { bytes.remove(i); }
                _ => bytes.truncate(i),
            }
        }
        survives(&bytes);
    }
}
