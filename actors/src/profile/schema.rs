//! The Profile tables: one person and one profile per phone account, its `'Roster'`
//! accounts, and pending phone migrations. Keyed by the person id, which survives a
//! migration; only `profile.phone` (and the sessions' phone) change then.

/// Migration creating the Profile tables, and a profile with one account for every
/// phone that already has a logged-in session (accounts made before this migration).
pub const SCHEMA: &str = "
CREATE TABLE person (
    id      TEXT PRIMARY KEY NOT NULL,      -- person_id: 32 hex characters, random
    email   TEXT,                           -- contact email (Profile/email)
    created INTEGER NOT NULL                -- ms
);
CREATE TABLE profile (
    person_id TEXT PRIMARY KEY NOT NULL REFERENCES person(id),
    phone     TEXT NOT NULL UNIQUE,         -- digits
    data      BLOB NOT NULL DEFAULT x'',    -- opaque, at most profile.max_data_bytes
    update_ms INTEGER NOT NULL,             -- strictly increasing per account
    created   INTEGER NOT NULL
);
CREATE TABLE roster_account (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,  -- network-visible, never reused
    person_id TEXT NOT NULL REFERENCES profile(person_id),
    names     TEXT,
    surnames  TEXT,
    avatar    TEXT,
    update_ms INTEGER NOT NULL,
    created   INTEGER NOT NULL
);
CREATE INDEX roster_account_person ON roster_account(person_id);
CREATE TABLE profile_migration (
    person_id TEXT PRIMARY KEY NOT NULL REFERENCES profile(person_id),
    new_phone TEXT NOT NULL,                -- digits
    code_hash BLOB NOT NULL,                -- HMAC of the code, scoped to both phones
    code_at   INTEGER NOT NULL,             -- ms the code was issued
    attempts  INTEGER NOT NULL DEFAULT 0,
    last_send INTEGER                       -- ms of the last code sent (cooldown)
);

CREATE TEMP TABLE profile_backfill AS
    SELECT phone, lower(hex(randomblob(16))) AS person_id,
           CAST(strftime('%s', 'now') AS INTEGER) * 1000 AS now
    FROM (SELECT DISTINCT phone FROM auth_session WHERE logged_in = 1);
INSERT INTO person (id, created) SELECT person_id, now FROM profile_backfill;
INSERT INTO profile (person_id, phone, update_ms, created)
    SELECT person_id, phone, now, now FROM profile_backfill;
INSERT INTO roster_account (person_id, update_ms, created)
    SELECT person_id, now, now FROM profile_backfill;
DROP TABLE profile_backfill;
UPDATE auth_session
    SET user_id = (SELECT person_id FROM profile WHERE profile.phone = auth_session.phone)
    WHERE logged_in = 1;
";
