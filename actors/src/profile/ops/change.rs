//! `set` and `update`: replace the data (when given) and edit the accounts, checked in
//! full before anything is written; `update` only from the stored update time.

use std::collections::BTreeSet;

use rusqlite::{params, Connection};

use super::{
    env::{Fail, ProfileEnv},
    rows::{self, Loaded},
};
use crate::profile::{
    answer::ProfileError,
    request::{AccountChange, Change, Update},
};

/// One planned change to an account.
enum Step<'a> {
    /// Create an account from this entry.
    Create(&'a AccountChange),
    /// Replace the given fields of account `id`.
    Edit(i64, &'a AccountChange),
    /// Delete account `id`.
    Remove(i64),
}

/// Checks every entry against the profile's accounts and the limits; the steps to
/// apply, in request order.
fn plan<'a>(
    env: &ProfileEnv,
    known: Vec<i64>,
    entries: &'a [AccountChange],
) -> Result<Vec<Step<'a>>, ProfileError> {
    let mut live: BTreeSet<i64> = known.into_iter().collect();
    let mut created = 0usize;
    let mut steps = Vec::with_capacity(entries.len());
    for e in entries {
        let long =
            |t: &Option<String>| t.as_ref().is_some_and(|t| t.len() > env.cfg.max_text_bytes);
        if long(&e.names) || long(&e.surnames) || long(&e.avatar) {
            return Err(ProfileError::DataTooLarge);
        }
        steps.push(match (e.id, e.remove) {
            (None, false) => {
                created += 1;
                Step::Create(e)
            }
            (None, true) => return Err(ProfileError::AccountNotFound),
            (Some(id), _) if !live.contains(&id) => return Err(ProfileError::AccountNotFound),
            (Some(id), true) => {
                live.remove(&id);
                Step::Remove(id)
            }
            (Some(_), false) if e.names.is_none() && e.surnames.is_none() && e.avatar.is_none() => {
                continue;
            }
            (Some(id), false) => Step::Edit(id, e),
        });
    }
    let total = live.len() + created;
    if total == 0 {
        return Err(ProfileError::LastAccount);
    }
    if total > env.cfg.max_accounts {
        return Err(ProfileError::TooManyAccounts);
    }
    Ok(steps)
}

/// `set` on the profile of `phone`.
pub fn set(conn: &Connection, env: &ProfileEnv, phone: &str, req: &Change) -> Result<Loaded, Fail> {
    apply(conn, env, phone, req, |_| false)
}

/// `update` on the profile of `phone`: `set`, unless the stored update time is not
/// the one the request saw.
pub fn update(
    conn: &Connection,
    env: &ProfileEnv,
    phone: &str,
    req: &Update,
) -> Result<Loaded, Fail> {
    apply(conn, env, phone, &req.change, |stored| {
        req.update != Some(stored)
    })
}

/// Applies `req` to the profile of `phone`, unless `stale` says its update time is.
fn apply(
    conn: &Connection,
    env: &ProfileEnv,
    phone: &str,
    req: &Change,
    stale: impl FnOnce(i64) -> bool,
) -> Result<Loaded, Fail> {
    let profile = rows::by_phone(conn, phone)?.ok_or(ProfileError::NotAuthorized)?;
    if stale(profile.update) {
        return Err(ProfileError::StaleUpdate.into());
    }
    if req
        .data
        .as_ref()
        .is_some_and(|d| d.len() > env.cfg.max_data_bytes)
    {
        return Err(ProfileError::DataTooLarge.into());
    }
    let known = rows::account_ids(conn, &profile.person_id)?;
    let steps = plan(env, known, &req.accounts)?;
    let update = rows::next_update(profile.update, env.now);
    conn.prepare_cached(
        "UPDATE profile SET data = COALESCE(?1, data), update_ms = ?2 WHERE person_id = ?3",
    )?
    .execute(params![req.data, update, profile.person_id])?;
    for step in steps {
        match step {
            Step::Create(e) => {
                conn.prepare_cached(
                    "INSERT INTO roster_account \
                     (person_id, names, surnames, avatar, update_ms, created) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    profile.person_id,
                    e.names,
                    e.surnames,
                    e.avatar,
                    update,
                    env.now
                ])?;
            }
            Step::Edit(id, e) => {
                conn.prepare_cached(
                    "UPDATE roster_account SET names = COALESCE(?1, names), \
                     surnames = COALESCE(?2, surnames), avatar = COALESCE(?3, avatar), \
                     update_ms = ?4 WHERE id = ?5",
                )?
                .execute(params![e.names, e.surnames, e.avatar, update, id])?;
            }
            Step::Remove(id) => {
                conn.prepare_cached("DELETE FROM roster_account WHERE id = ?1")?
                    .execute(params![id])?;
            }
        }
    }
    Ok(rows::load(conn, phone)?.ok_or(ProfileError::NotAuthorized)?)
}
