//! The Auth tables: one row per session (pending or logged in) and the send history
//! behind the per-phone hourly limit.

/// Migration creating the Auth tables.
pub const SCHEMA: &str = "
CREATE TABLE auth_session (
    client_id   TEXT PRIMARY KEY,          -- emqttd_reg_x / reg_x pending, emqttd_x logged in
    token_hash  BLOB NOT NULL UNIQUE,      -- SHA-256 of the token
    phone       TEXT NOT NULL,             -- digits
    logged_in   INTEGER NOT NULL,          -- 0 pending, 1 logged in
    dev_key     TEXT,
    user_id     TEXT,
    services    TEXT NOT NULL DEFAULT '',  -- atoms, comma-separated
    code_hash   BLOB,                      -- HMAC of the pending code
    code_at     INTEGER,                   -- ms the code was issued
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_send   INTEGER,                   -- ms of the last code sent for this session
    push        TEXT,
    os          TEXT,
    comments    TEXT,
    created     INTEGER NOT NULL,
    last_online INTEGER
);
CREATE INDEX auth_session_phone ON auth_session(phone);
CREATE INDEX auth_session_user ON auth_session(user_id);
CREATE TABLE auth_send (
    phone TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX auth_send_phone_at ON auth_send(phone, at);
";
