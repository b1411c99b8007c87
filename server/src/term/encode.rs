//! Reply encoder: `Reply` to ETF bytes, written by hand.
//!
//! The one atom encoding is `SMALL_ATOM_UTF8_EXT` (119). A name over 255 bytes,
//! which no atom the server emits reaches, is cut to Erlang's 255 characters and
//! sent as `ATOM_UTF8_EXT` (118), the only tag that can hold it. Text is
//! `BINARY_EXT` (109), absent is `[]` (`NIL_EXT` 106), integers are 97 (0..=255),
//! 98 (`i32`) or `SMALL_BIG_EXT` 110 (beyond `i32`), tuples 104, lists 108 ending
//! in 106. Every reply kind is read back by Erlang's `binary_to_term` in
//! `tests/erlang.rs`.

use super::reply::{AuthRecord, IoResult, ProfileRecord, Reply, RosterRecord, Tail};

/// Most characters in an Erlang atom.
const MAX_ATOM_CHARS: usize = 255;

/// Encodes a reply as one ETF term (version byte 131 first).
pub fn encode(reply: &Reply) -> Vec<u8> {
    let mut out = Out(Vec::with_capacity(size_hint(reply)));
    out.0.push(131);
    match reply {
        Reply::Io { result, tail } => {
            out.tuple(3);
            out.atom("io");
            io_result(&mut out, result);
            match tail {
                Tail::Empty => out.binary(b""),
                Tail::Auth(token) => {
                    out.tuple(2);
                    out.atom("Auth");
                    out.binary(token.as_bytes());
                }
            }
        }
        Reply::Auth(record) => auth(&mut out, record),
        Reply::Profile(record) => profile(&mut out, record),
    }
    out.0
}

fn size_hint(reply: &Reply) -> usize {
    match reply {
        Reply::Io { .. } => 96,
        Reply::Auth(_) => 256,
        Reply::Profile(p) => 96 + p.data.len() + p.accounts.len() * 96,
    }
}

fn io_result(out: &mut Out, result: &IoResult) {
    match result {
        IoResult::Ok(atom) => out.pair("ok", atom),
        IoResult::Error(atom) => out.pair("error", atom),
        IoResult::Ok2Login { client_id } => {
            out.tuple(3);
            out.atom("ok2");
            out.atom("login");
            out.tuple(2);
            out.atom("Client");
            out.binary(client_id.as_bytes());
        }
        IoResult::Empty => out.binary(b""),
    }
}

fn auth(out: &mut Out, r: &AuthRecord) {
    out.tuple(15);
    out.atom("Auth");
    out.text(&r.token);
    out.text(&r.dev_key);
    out.text(&r.user_id);
    out.text(&r.phone);
    out.text(&r.client_id);
    out.atom(r.kind.as_str());
    out.text(&r.sms_code);
    out.int(r.attempts);
    out.list_header(r.services.len());
    for service in &r.services {
        out.atom(service);
    }
    out.nil();
    out.text(&r.push);
    out.text(&r.comments);
    match r.os {
        Some(os) => out.atom(os.as_str()),
        None => out.nil(),
    }
    out.opt_int(r.created);
    out.opt_int(r.last_online);
}

fn profile(out: &mut Out, p: &ProfileRecord) {
    out.tuple(8);
    out.atom("Profile");
    out.binary(p.phone.as_bytes());
    out.binary(&p.data);
    out.text(&p.person_id);
    out.list_header(p.accounts.len());
    for account in &p.accounts {
        roster(out, account);
    }
    out.nil();
    out.int(p.update);
    out.atom(p.presence);
    out.atom(p.status);
}

fn roster(out: &mut Out, r: &RosterRecord) {
    out.tuple(12);
    out.atom("Roster");
    out.int(r.id);
    out.text(&r.names);
    out.text(&r.surnames);
    out.int(r.size);
    out.nil();
    out.nil();
    out.nil();
    out.text(&r.phone);
    out.text(&r.avatar);
    out.int(r.update);
    match r.status {
        Some(status) => out.atom(status),
        None => out.nil(),
    }
}

/// The output buffer, with one writer per ETF shape.
struct Out(Vec<u8>);

impl Out {
    fn tuple(&mut self, arity: u8) {
        self.0.extend_from_slice(&[104, arity]);
    }

    fn pair(&mut self, first: &str, second: &str) {
        self.tuple(2);
        self.atom(first);
        self.atom(second);
    }

    fn atom(&mut self, name: &str) {
        if let Ok(len) = u8::try_from(name.len()) {
            self.0.extend_from_slice(&[119, len]);
            self.0.extend_from_slice(name.as_bytes());
            return;
        }
        // Erlang atoms hold at most 255 characters; cut longer names there.
        let end = name
            .char_indices()
            .nth(MAX_ATOM_CHARS)
            .map_or(name.len(), |(i, _)| i);
        let bytes = &name.as_bytes()[..end];
        let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        self.0.push(118);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(&bytes[..usize::from(len)]);
    }

    fn binary(&mut self, bytes: &[u8]) {
        // A reply never approaches 4 GiB; saturate rather than wrap if one did.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.0.push(109);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(&bytes[..len as usize]);
    }

    fn text(&mut self, text: &Option<String>) {
        match text {
            Some(t) => self.binary(t.as_bytes()),
            None => self.nil(),
        }
    }

    fn nil(&mut self) {
        self.0.push(106);
    }

    fn list_header(&mut self, len: usize) {
        if len > 0 {
            self.0.push(108);
            let len = u32::try_from(len).unwrap_or(u32::MAX);
            self.0.extend_from_slice(&len.to_be_bytes());
        }
    }

    fn int(&mut self, value: i64) {
        if let Ok(small) = u8::try_from(value) {
            self.0.extend_from_slice(&[97, small]);
        } else if let Ok(fix) = i32::try_from(value) {
            self.0.push(98);
            self.0.extend_from_slice(&fix.to_be_bytes());
        } else {
            let digits = value.unsigned_abs().to_le_bytes();
            let used = digits.iter().rposition(|&b| b != 0).map_or(1, |i| i + 1);
            self.0
                .extend_from_slice(&[110, used as u8, u8::from(value < 0)]);
            self.0.extend_from_slice(&digits[..used]);
        }
    }

    fn opt_int(&mut self, value: Option<i64>) {
        match value {
            Some(v) => self.int(v),
            None => self.nil(),
        }
    }
}
