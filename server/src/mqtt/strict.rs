//! MQTT 3.1.1 rules `mqtt-protocol` 0.12 does not check, applied to a whole frame
//! before the crate decodes it. The crate reads a length-prefixed field with
//! `take(n).read_to_end`, which stops short at the end of the packet without an
//! error: a client id claiming 100 bytes with 5 left is read as those 5 and the
//! CONNECT accepted. It also takes a string holding U+0000 and a SUBSCRIBE or
//! UNSUBSCRIBE with no topic filter. Each is a protocol violation that closes the
//! connection; the walk below reads only the fields those rules need.

/// A protocol violation in a frame's bytes; the message names the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// A field (a length-prefixed one, or a fixed one) runs past the end of the
    /// packet that the remaining length gives.
    #[error("[MQTT-2.2.3] {0} runs past the end of the packet")]
    Overrun(&'static str),
    /// A UTF-8 string field holds the null character.
    #[error("[MQTT-1.5.3-2] {0} contains U+0000")]
    Nul(&'static str),
    /// A SUBSCRIBE whose payload holds no topic filter.
    #[error("[MQTT-3.8.3-3] SUBSCRIBE with no topic filter")]
    EmptySubscribe,
    /// An UNSUBSCRIBE whose payload holds no topic filter.
    #[error("[MQTT-3.10.3-2] UNSUBSCRIBE with no topic filter")]
    EmptyUnsubscribe,
}

/// MQTT control packet types that carry strings.
const CONNECT: u8 = 1;
const PUBLISH: u8 = 3;
const SUBSCRIBE: u8 = 8;
const UNSUBSCRIBE: u8 = 10;

/// CONNECT flags that announce payload fields.
const WILL_FLAG: u8 = 0x04;
const PASSWORD_FLAG: u8 = 0x40;
const USER_NAME_FLAG: u8 = 0x80;

/// Checks the frame whose first byte is `first` and whose body (after the fixed
/// header) is `body`. Packets without strings pass untouched.
pub fn check(first: u8, body: &[u8]) -> Result<(), Violation> {
    let mut b = Body(body);
    match first >> 4 {
        CONNECT => {
            b.string("protocol name")?;
            b.skip(1, "protocol level")?;
            let flags = b.byte("connect flags")?;
            b.skip(2, "keep alive")?;
            b.string("client identifier")?;
            if flags & WILL_FLAG != 0 {
                b.string("will topic")?;
                b.field("will message")?;
            }
            if flags & USER_NAME_FLAG != 0 {
                b.string("user name")?;
            }
            if flags & PASSWORD_FLAG != 0 {
                // Binary data in 3.1.1: its length is checked, not its bytes.
                b.field("password")?;
            }
        }
        PUBLISH => b.string("topic name")?,
        SUBSCRIBE => {
            b.skip(2, "packet identifier")?;
            if b.0.is_empty() {
                return Err(Violation::EmptySubscribe);
            }
            while !b.0.is_empty() {
                b.string("topic filter")?;
                b.skip(1, "requested QoS")?;
            }
        }
        UNSUBSCRIBE => {
            b.skip(2, "packet identifier")?;
            if b.0.is_empty() {
                return Err(Violation::EmptyUnsubscribe);
            }
            while !b.0.is_empty() {
                b.string("topic filter")?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// What is left of a packet body, read from the front.
struct Body<'a>(&'a [u8]);

impl<'a> Body<'a> {
    /// Takes `n` bytes.
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Violation> {
        if self.0.len() < n {
            return Err(Violation::Overrun(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    /// Skips a fixed field of `n` bytes.
    fn skip(&mut self, n: usize, what: &'static str) -> Result<(), Violation> {
        self.take(n, what).map(|_| ())
    }

    /// Takes a one-byte field.
    fn byte(&mut self, what: &'static str) -> Result<u8, Violation> {
        Ok(self.take(1, what)?[0])
    }

    /// Takes a two-byte length and the bytes it announces.
    fn field(&mut self, what: &'static str) -> Result<&'a [u8], Violation> {
        let len = self.take(2, what)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        self.take(len, what)
    }

    /// Takes a UTF-8 string field, refusing U+0000 (a 0x00 byte: in valid UTF-8 it
    /// encodes nothing else; the crate checks the rest of the UTF-8).
    fn string(&mut self, what: &'static str) -> Result<(), Violation> {
        if self.field(what)?.contains(&0) {
            return Err(Violation::Nul(what));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CONNECT body: "MQTT", level 4, `flags`, keep-alive 60, then `payload`.
    fn connect(flags: u8, payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 4, b'M', b'Q', b'T', b'T', 4, flags, 0, 60];
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn well_formed_packets_pass() {
        assert_eq!(check(0x10, &connect(0x02, b"\0\x05reg_x")), Ok(()));
        // Will, user name and password, all present and in bounds.
        let all = connect(0xC6, b"\0\x05reg_x\0\x01t\0\x02hi\0\x01u\0\x03\0\0\0");
        assert_eq!(check(0x10, &all), Ok(()), "a password may hold 0x00");
        assert_eq!(check(0x30, b"\0\x03a/b payload \0 bytes"), Ok(()));
        assert_eq!(check(0x82, b"\0\x01\0\x03a/b\x01\0\x01c\0"), Ok(()));
        assert_eq!(check(0xA2, b"\0\x01\0\x03a/b\0\x01c"), Ok(()));
        // Packets without strings are not looked at.
        assert_eq!(check(0xC0, b""), Ok(()));
        assert_eq!(check(0x40, b"\0\x01"), Ok(()));
    }

    #[test]
    fn a_string_longer_than_the_packet_is_an_overrun() {
        // The client id claims 100 bytes; 5 follow (the crate would read "reg_x").
        assert_eq!(
            check(0x10, &connect(0x02, b"\0\x64reg_x")),
            Err(Violation::Overrun("client identifier"))
        );
        // The length itself cut in half.
        assert_eq!(
            check(0x10, &connect(0x02, b"\0")),
            Err(Violation::Overrun("client identifier"))
        );
        // A user name flagged and missing; a password running past the end.
        assert_eq!(
            check(0x10, &connect(0x82, b"\0\x01x")),
            Err(Violation::Overrun("user name"))
        );
        assert_eq!(
            check(0x10, &connect(0xC2, b"\0\x01x\0\x01u\0\x09pw")),
            Err(Violation::Overrun("password"))
        );
        assert_eq!(
            check(0x10, &connect(0x06, b"\0\x01x\0\x01t\0\x09m")),
            Err(Violation::Overrun("will message"))
        );
        assert_eq!(
            check(0x10, &[0, 4, b'M', b'Q', b'T', b'T', 4]),
            Err(Violation::Overrun("connect flags"))
        );
        assert_eq!(
            check(0x30, b"\0\x20events/short"),
            Err(Violation::Overrun("topic name"))
        );
        assert_eq!(
            check(0x82, b"\0\x01\0\x09a/b\x01"),
            Err(Violation::Overrun("topic filter"))
        );
        assert_eq!(
            check(0x82, b"\0\x01\0\x03a/b"),
            Err(Violation::Overrun("requested QoS"))
        );
        assert_eq!(
            check(0xA2, b"\0\x01\0\x09a/b"),
            Err(Violation::Overrun("topic filter"))
        );
    }

    #[test]
    fn nul_in_a_string_is_refused() {
        assert_eq!(
            check(0x30, b"\0\x05ev\0ts"),
            Err(Violation::Nul("topic name"))
        );
        assert_eq!(
            check(0x82, b"\0\x01\0\x03a/b\x01\0\x02\0c\0"),
            Err(Violation::Nul("topic filter"))
        );
        assert_eq!(
            check(0xA2, b"\0\x01\0\x02c\0"),
            Err(Violation::Nul("topic filter"))
        );
        assert_eq!(
            check(0x10, &connect(0x02, b"\0\x03a\0b")),
            Err(Violation::Nul("client identifier"))
        );
        assert_eq!(
            check(0x10, &connect(0x82, b"\0\x01x\0\x02u\0")),
            Err(Violation::Nul("user name"))
        );
        assert_eq!(
            check(0x10, &connect(0x06, b"\0\x01x\0\x02\0t\0\0")),
            Err(Violation::Nul("will topic"))
        );
        let err = check(0x30, b"\0\x01\0").unwrap_err();
        assert_eq!(err.to_string(), "[MQTT-1.5.3-2] topic name contains U+0000");
    }

    #[test]
    fn subscribe_and_unsubscribe_need_a_filter() {
        assert_eq!(check(0x82, b"\0\x01"), Err(Violation::EmptySubscribe));
        assert_eq!(check(0xA2, b"\0\x01"), Err(Violation::EmptyUnsubscribe));
        assert_eq!(
            check(0x82, b"\0\x01").unwrap_err().to_string(),
            "[MQTT-3.8.3-3] SUBSCRIBE with no topic filter"
        );
        assert_eq!(
            check(0xA2, b"\0\x01").unwrap_err().to_string(),
            "[MQTT-3.10.3-2] UNSUBSCRIBE with no topic filter"
        );
        // Not even a packet identifier.
        assert_eq!(
            check(0x82, b""),
            Err(Violation::Overrun("packet identifier"))
        );
    }
}
