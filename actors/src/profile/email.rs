//! [`EmailAddress`]: a contact email that passed [`valid_email`], as the edge reads it
//! from an `email` request's data slot.

use std::fmt;

/// Longest address (RFC 5321's path limit less the brackets).
const MAX_EMAIL: usize = 254;
/// Longest local part.
const MAX_LOCAL: usize = 64;

/// Whether `text` looks like a deliverable address: `local@domain`, one `@`, no
/// spaces or control characters, a local part of 1 to 64 bytes, a domain of dot-
/// separated labels (at least two) of letters, digits and inner hyphens.
pub fn valid_email(text: &str) -> bool {
    if text.len() > MAX_EMAIL || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    (1..=MAX_LOCAL).contains(&local.len())
        && !local.contains(['"', '(', ')', ',', ':', ';', '<', '>', '@', '[', '\\', ']'])
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels.len() >= 2
        && labels.iter().all(|l| label_ok(l))
}

/// A plausible contact email (personal data: `Debug` shows its length only).
#[derive(Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The address in `data` (UTF-8, surrounding spaces ignored), if it is a
    /// [`valid_email`]; `data`'s buffer is kept, not copied.
    pub fn parse(data: Vec<u8>) -> Option<EmailAddress> {
        let mut text = String::from_utf8(data).ok()?;
        let trimmed = text.trim();
        if !valid_email(trimmed) {
            return None;
        }
        let start = trimmed.as_ptr() as usize - text.as_ptr() as usize;
        text.truncate(start + trimmed.len());
        text.drain(..start);
        Some(EmailAddress(text))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress(<{} bytes>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_trimmed_plausible_addresses_only() {
        assert_eq!(
            EmailAddress::parse(b"  ann.lee+x@mail.example.org ".to_vec()).map(|e| e.0),
            Some("ann.lee+x@mail.example.org".to_owned())
        );
        for bad in [
            &b""[..],
            b"plain",
            b"@x.org",
            b"a@b",
            b"a@@b.org",
            b"a b@c.org",
            b"a@-b.org",
            b"a@b..org",
            b".a@b.org",
            b"\xff@b.org",
        ] {
            assert_eq!(EmailAddress::parse(bad.to_vec()), None, "{bad:?}");
        }
        assert!(!valid_email(&format!("{}@b.org", "a".repeat(65))));
        let shown = format!("{:?}", EmailAddress::parse(b"a@b.cd".to_vec()).unwrap());
        assert!(!shown.contains("a@b.cd"), "{shown}");
    }
}
