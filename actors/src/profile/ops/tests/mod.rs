//! The Profile operations on an in-memory database with every migration, "now" set
//! by hand; sessions are written straight into `auth_session`. Shared helpers here,
//! tests in `change.rs` (get/set/update/remove/email) and `migrate.rs`.

mod change;
mod migrate;

use std::sync::Arc;

use rusqlite::{params, Connection};

use super::*;
use crate::{
    auth::AuthConfig,
    profile::{
        answer::ProfileError,
        config::ProfileConfig,
        request::{ProfileRequest, ProfileStatus, RosterEntry},
    },
    secret::{CodeKey, Token},
};

fn db() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    for m in crate::store::MIGRATIONS {
        c.execute_batch(m).unwrap();
    }
    c
}

fn ctx(now: i64) -> Ctx {
    let mut auth = AuthConfig::default();
    auth.test_numbers.enabled = true;
    Ctx {
        cfg: Arc::new(ProfileConfig {
            max_data_bytes: 16,
            max_text_bytes: 8,
            max_accounts: 3,
            cache_mib: 0,
        }),
        auth: Arc::new(auth),
        key: CodeKey::from_bytes([9; 32]),
        now,
    }
}

/// A logged-in session `id` on `phone` with token `tok-<id>`, as verify leaves it.
fn login(c: &Connection, id: &str, phone: &str, now: i64) -> String {
    let person = ensure(c, phone, now).unwrap();
    c.execute(
        "INSERT INTO auth_session (client_id, token_hash, phone, logged_in, user_id, created) \
         VALUES (?1, ?2, ?3, 1, ?4, ?5)",
        params![
            id,
            Token::from_client(&format!("tok-{id}")).hash().to_vec(),
            phone,
            person,
            now
        ],
    )
    .unwrap();
    person
}

fn err<T: std::fmt::Debug>(r: Result<T, Fail>) -> ProfileError {
    match r {
        Err(Fail::Answer(e)) => e,
        other => panic!("expected a Profile error, got {other:?}"),
    }
}

fn view(c: &Connection, phone: &str) -> Loaded {
    load(c, phone).unwrap().expect("a profile")
}

fn set(accounts: Vec<RosterEntry>, data: Option<&[u8]>) -> ProfileRequest {
    ProfileRequest {
        accounts,
        data: data.map(<[u8]>::to_vec),
        ..ProfileRequest::new(ProfileStatus::Set)
    }
}

fn named(id: Option<i64>, names: &str) -> RosterEntry {
    RosterEntry {
        id,
        names: Some(names.into()),
        ..RosterEntry::default()
    }
}

fn removing(id: i64) -> RosterEntry {
    RosterEntry {
        id: Some(id),
        status: Some("remove".into()),
        ..RosterEntry::default()
    }
}
