//! `email`: the contact email carried in the data slot, kept on the person.

use rusqlite::{params, Connection};

use super::{rows, Fail};
use crate::profile::answer::ProfileError;

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

/// Stores the email in `data` (UTF-8, surrounding spaces ignored) on `phone`'s person.
pub fn email(conn: &Connection, phone: &str, data: Option<&[u8]>) -> Result<(), Fail> {
    let text = data
        .and_then(|d| std::str::from_utf8(d).ok())
        .map(str::trim)
        .filter(|t| valid_email(t))
        .ok_or(ProfileError::InvalidEmail)?;
    let profile = rows::by_phone(conn, phone)?.ok_or(ProfileError::NotAuthorized)?;
    conn.prepare_cached("UPDATE person SET email = ?1 WHERE id = ?2")?
        .execute(params![text, profile.person_id])?;
    Ok(())
}
