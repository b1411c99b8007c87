//! `migration` and `confirm`: a code sent by SMS to the new phone (with Auth's code
//! length, TTL, attempts, allowed countries, send limits and spend budgets), then the account moves there: profile,
//! accounts and every logged-in session, in one transaction.

use rusqlite::{params, Connection, OptionalExtension};

use super::{
    env::{Fail, ProfileEnv},
    rows::{self, Loaded},
};
use crate::{
    codes::{self, MaySend, SendCode},
    phone::Phone,
    profile::answer::ProfileError,
    secret::Code,
};

/// A pending migration.
struct Pending {
    /// Where to.
    new_phone: String,
    /// HMAC of the code.
    code_hash: Vec<u8>,
    /// When the code was issued, ms.
    code_at: i64,
    /// Wrong codes so far.
    attempts: i64,
    /// When a code was last sent, ms.
    last_send: Option<i64>,
}

fn pending(conn: &Connection, person_id: &str) -> rusqlite::Result<Option<Pending>> {
    conn.prepare_cached(
        "SELECT new_phone, code_hash, code_at, attempts, last_send FROM profile_migration \
         WHERE person_id = ?1",
    )?
    .query_row(params![person_id], |r| {
        Ok(Pending {
            new_phone: r.get(0)?,
            code_hash: r.get(1)?,
            code_at: r.get(2)?,
            attempts: r.get(3)?,
            last_send: r.get(4)?,
        })
    })
    .optional()
}

/// What a migration code is hashed for: this person moving to this phone.
fn scope(person_id: &str, new_phone: &str) -> String {
    format!("migrate:{person_id}:{new_phone}")
}

/// `migration`: records a fresh code for moving `phone`'s account to `to` (replacing
/// an earlier pending migration); the code to send, `None` for a test number.
pub fn start_migration(
    conn: &Connection,
    env: &ProfileEnv,
    phone: &str,
    to: Option<Phone>,
) -> Result<Option<SendCode>, Fail> {
    let new = to.ok_or(ProfileError::InvalidPhone)?;
    let profile = rows::by_phone(conn, phone)?.ok_or(ProfileError::NotAuthorized)?;
    if rows::taken(conn, new.as_str())? {
        return Err(ProfileError::PhoneTaken.into());
    }
    let last_send = pending(conn, &profile.person_id)?.and_then(|p| p.last_send);
    let (code, test) =
        codes::new_code(&env.auth, new.as_str()).map_err(|_| ProfileError::Unavailable)?;
    if !test {
        match codes::may_send(conn, &env.auth, env.now, new.as_str(), last_send)? {
            MaySend::Yes => {}
            MaySend::Limited => return Err(ProfileError::TooManyRequests.into()),
            MaySend::NotAllowed => return Err(ProfileError::InvalidPhone.into()),
        }
        codes::record_send(conn, &env.auth, env.now, new.as_str())?;
    }
    let hash = env
        .key
        .hash(&scope(&profile.person_id, new.as_str()), &code);
    conn.prepare_cached(
        "INSERT OR REPLACE INTO profile_migration \
         (person_id, new_phone, code_hash, code_at, attempts, last_send) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5)",
    )?
    .execute(params![
        profile.person_id,
        new.as_str(),
        hash.to_vec(),
        env.now,
        if test { last_send } else { Some(env.now) }
    ])?;
    Ok((!test).then_some(SendCode { phone: new, code }))
}

/// `confirm`: checks `code` for the pending move of `phone`'s account to `to`, and
/// moves it. A wrong code (or none) is counted (and that count kept).
pub fn confirm(
    conn: &Connection,
    env: &ProfileEnv,
    phone: &str,
    to: Option<&Phone>,
    code: Option<&Code>,
) -> Result<Loaded, Fail> {
    let new = to.ok_or(ProfileError::InvalidPhone)?;
    let profile = rows::by_phone(conn, phone)?.ok_or(ProfileError::NotAuthorized)?;
    let p = pending(conn, &profile.person_id)?
        .filter(|p| p.new_phone == new.as_str())
        .ok_or(ProfileError::SessionNotFound)?;
    if p.attempts >= i64::from(env.auth.max_attempts) {
        return Err(ProfileError::AttemptsExpired.into());
    }
    if env.now - p.code_at >= env.auth.code_ttl_secs as i64 * 1000 {
        return Err(ProfileError::CodeExpired.into());
    }
    let scope = scope(&profile.person_id, new.as_str());
    if !code.is_some_and(|c| env.key.matches(&scope, c, &p.code_hash)) {
        conn.prepare_cached(
            "UPDATE profile_migration SET attempts = attempts + 1 WHERE person_id = ?1",
        )?
        .execute(params![profile.person_id])?;
        return Err(ProfileError::InvalidSmsCode.into());
    }
    if rows::taken(conn, new.as_str())? {
        return Err(ProfileError::PhoneTaken.into());
    }
    let update = rows::next_update(profile.update, env.now);
    conn.prepare_cached("UPDATE profile SET phone = ?1, update_ms = ?2 WHERE person_id = ?3")?
        .execute(params![new.as_str(), update, profile.person_id])?;
    conn.prepare_cached("UPDATE roster_account SET update_ms = ?1 WHERE person_id = ?2")?
        .execute(params![update, profile.person_id])?;
    conn.prepare_cached("DELETE FROM profile_migration WHERE person_id = ?1")?
        .execute(params![profile.person_id])?;
    crate::sessions::move_phone(conn, phone, new.as_str())?;
    Ok(rows::load(conn, new.as_str())?.ok_or(ProfileError::NotAuthorized)?)
}
