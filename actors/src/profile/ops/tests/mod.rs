//! The Profile operations on an in-memory database with every migration, "now" set
//! by hand; sessions are written straight into `auth_session`. Shared helpers here,
//! tests in `change.rs` (get/set/update/remove/email) and `migrate.rs`.

mod change;
mod migrate;

use std::sync::Arc;

use rusqlite::{params, Connection};

use super::{acting::caller_phone, *};
use crate::{
    codes::{AuthConfig, SendCode},
    phone::{Phone, PhoneSlot},
    profile::{
        answer::ProfileError,
        config::ProfileConfig,
        email::{valid_email, EmailAddress},
        request::{AccountChange, Change, Update},
    },
    secret::{Code, CodeKey, Token},
};

fn db() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    for m in crate::store::MIGRATIONS {
        c.execute_batch(m).unwrap();
    }
    c
}

fn ctx(now: i64) -> ProfileEnv {
    let mut auth = AuthConfig::default();
    auth.test_numbers.enabled = true;
    ProfileEnv {
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

fn edits(accounts: Vec<AccountChange>, data: Option<&[u8]>) -> Change {
    Change {
        phone: PhoneSlot::Absent,
        data: data.map(<[u8]>::to_vec),
        accounts,
    }
}

fn named(id: Option<i64>, names: &str) -> AccountChange {
    AccountChange {
        id,
        names: Some(names.into()),
        ..AccountChange::default()
    }
}

fn removing(id: i64) -> AccountChange {
    AccountChange {
        id: Some(id),
        remove: true,
        ..AccountChange::default()
    }
}

/// A phone slot as the edge reads it for `migration` and `confirm`.
fn slot_phone(slot: Option<&str>) -> Option<Phone> {
    PhoneSlot::parse(slot).phone()
}

/// `migration` with its phone slot as the edge reads it.
fn migrate_to(
    c: &Connection,
    env: &ProfileEnv,
    phone: &str,
    slot: Option<&str>,
) -> Result<Option<SendCode>, Fail> {
    start_migration(c, env, phone, slot_phone(slot))
}

/// `confirm` with its phone and data slots as the edge reads them.
fn confirm_slots(
    c: &Connection,
    env: &ProfileEnv,
    phone: &str,
    slot: Option<&str>,
    data: Option<&[u8]>,
) -> Result<Loaded, Fail> {
    let code = data
        .and_then(|d| std::str::from_utf8(d).ok())
        .map(Code::from_text);
    confirm(c, env, phone, slot_phone(slot).as_ref(), code.as_ref())
}

/// `email` with its data slot as the edge reads it.
fn email_data(c: &Connection, phone: &str, data: Option<&[u8]>) -> Result<(), Fail> {
    let address = data.and_then(|d| EmailAddress::parse(d.to_vec()));
    email(c, phone, address.as_ref())
}
