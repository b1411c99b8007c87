//! Test model: the ETF term a typed request or reply stands for, with the wire
//! form of each field picked from a seed (every form a client may send).

use eetf::{Atom, BigInteger, Binary, ByteList, FixInteger, List, Term, Tuple};

use super::support::Style;
use crate::term::{AuthSlots, IoResult, ProfileSlots, Reply, RosterSlots, Tail};

/// Picks encoding choices from a seed, so one generated value covers many forms.
pub struct Pick(pub u64);

impl Pick {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

pub fn nil() -> Term {
    Term::from(List::nil())
}

pub fn atom(name: &str) -> Term {
    Term::from(Atom::from(name))
}

pub fn int(v: i64) -> Term {
    match i32::try_from(v) {
        Ok(small) => Term::from(FixInteger::from(small)),
        Err(_) => Term::from(BigInteger::from(v)),
    }
}

pub fn absent(p: &mut Pick) -> Term {
    match p.next(3) {
        0 => nil(),
        1 => Term::from(Binary::from(vec![])),
        _ => int(0),
    }
}

pub fn text(s: &Option<String>, p: &mut Pick) -> Term {
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

pub fn opt_int(v: Option<i64>, p: &mut Pick) -> Term {
    v.map_or_else(|| absent(p), int)
}

pub fn timestamp(v: Option<i64>, p: &mut Pick) -> Term {
    match v {
        Some(v) if p.next(2) == 0 => text(&Some(v.to_string()), p),
        other => opt_int(other, p),
    }
}

pub fn decorate_phone(phone: &Option<String>, p: &mut Pick) -> Option<String> {
    let phone = phone.as_ref()?;
    let prefix = ["", "+", " ", " +"][p.next(4)];
    let suffix = ["", " "][p.next(2)];
    Some(format!("{prefix}{phone}{suffix}"))
}

pub fn style(p: &mut Pick) -> Style {
    Style {
        atom_tag: [100, 115, 118, 119][p.next(4)],
        strings: p.next(2) == 0,
    }
}

pub fn auth_term(r: &AuthSlots, p: &mut Pick) -> Term {
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

pub fn roster_term(e: &RosterSlots, p: &mut Pick) -> Term {
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

pub fn profile_term(r: &ProfileSlots, p: &mut Pick) -> Term {
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

/// The term a reply stands for, built independently of the encoder.
pub fn reply_term(r: &Reply) -> Term {
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
