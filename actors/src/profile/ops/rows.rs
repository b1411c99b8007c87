//! Reading a profile: its row, its accounts, the sessions of its phone; and the rule
//! for the next update time.

use rusqlite::{params, Connection, OptionalExtension};

use crate::profile::answer::{AccountView, Presence, ProfileView};

/// A `profile` row.
#[derive(Debug, Clone)]
pub struct ProfileRow {
    /// Stable key.
    pub person_id: String,
    /// Current phone, digits.
    pub phone: String,
    /// Opaque client data.
    pub data: Vec<u8>,
    /// Update time, ms.
    pub update: i64,
}

/// A profile with the sessions of its phone, as the operations hand it to the actor.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The profile (presence not yet known: the actor asks the hub).
    pub view: ProfileView,
    /// ClientIds of the phone's logged-in sessions, for presence and fan-out.
    pub sessions: Vec<String>,
}

/// The update time after `stored` at `now`: the clock, but always past `stored`, so
/// it strictly increases even for two changes in one millisecond.
pub fn next_update(stored: i64, now: i64) -> i64 {
    now.max(stored.saturating_add(1))
}

/// The profile of `phone`.
pub fn by_phone(conn: &Connection, phone: &str) -> rusqlite::Result<Option<ProfileRow>> {
    conn.prepare_cached("SELECT person_id, phone, data, update_ms FROM profile WHERE phone = ?1")?
        .query_row(params![phone], |r| {
            Ok(ProfileRow {
                person_id: r.get(0)?,
                phone: r.get(1)?,
                data: r.get(2)?,
                update: r.get(3)?,
            })
        })
        .optional()
}

/// Whether some profile has `phone`.
pub fn taken(conn: &Connection, phone: &str) -> rusqlite::Result<bool> {
    Ok(by_phone(conn, phone)?.is_some())
}

/// The account ids of a profile.
pub fn account_ids(conn: &Connection, person_id: &str) -> rusqlite::Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM roster_account WHERE person_id = ?1 ORDER BY id")?;
    let ids = stmt.query_map(params![person_id], |r| r.get(0))?;
    ids.collect()
}

fn accounts(conn: &Connection, p: &ProfileRow) -> rusqlite::Result<Vec<AccountView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, names, surnames, avatar, update_ms FROM roster_account \
         WHERE person_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![p.person_id], |r| {
        Ok(AccountView {
            id: r.get(0)?,
            names: r.get(1)?,
            surnames: r.get(2)?,
            avatar: r.get(3)?,
            phone: p.phone.clone(),
            update: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// The profile of `phone` with its accounts and sessions, if it has one.
pub fn load(conn: &Connection, phone: &str) -> rusqlite::Result<Option<Loaded>> {
    let Some(p) = by_phone(conn, phone)? else {
        return Ok(None);
    };
    let accounts = accounts(conn, &p)?;
    let sessions = crate::sessions::logged_in_ids(conn, &p.phone)?;
    Ok(Some(Loaded {
        view: ProfileView {
            phone: p.phone,
            data: p.data,
            person_id: p.person_id,
            accounts,
            update: p.update,
            presence: Presence::Offline,
        },
        sessions,
    }))
}
