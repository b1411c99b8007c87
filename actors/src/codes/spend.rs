//! The SMS spend guard (what Twilio Verify and Firebase call fraud protection): SMS
//! pumping registers premium-rate numbers to earn on every code sent, so beyond the
//! per-phone limit, sends are bounded per clock hour in all (`auth.max_sends_per_hour`)
//! and per country (`auth.max_sends_per_country_per_hour`), counted in
//! `auth_send_hour` so the counts survive a restart and hold for every process on the
//! database. A cap that refuses a send logs one warning per hour (the row's `warned`
//! flag). `auth.allowed_country_codes` is checked by [`allowed`]. The server has no
//! metrics yet: when it has, sends and refusals per scope belong there too.

use rusqlite::{params, Connection, OptionalExtension};

use super::{config::AuthConfig, country};

/// Milliseconds in one counting period (clock hours, UTC).
const HOUR_MS: i64 = 3_600_000;
/// The scope of the global count.
const ALL: &str = "*";

/// Whether codes may be sent to `phone` at all: `auth.allowed_country_codes` is empty
/// or it starts with one of them.
pub fn allowed(cfg: &AuthConfig, phone: &str) -> bool {
    cfg.allowed_country_codes.is_empty()
        || country::allowed_prefix(&cfg.allowed_country_codes, phone).is_some()
}

/// The caps that apply to `phone`: (scope, cap, the key named in the warning).
fn caps(cfg: &AuthConfig, phone: &str) -> [(String, u32, &'static str); 2] {
    let country = country::country(&cfg.allowed_country_codes, phone);
    [
        (
            format!("+{country}"),
            cfg.max_sends_per_country_per_hour,
            "auth.max_sends_per_country_per_hour",
        ),
        (
            ALL.to_owned(),
            cfg.max_sends_per_hour,
            "auth.max_sends_per_hour",
        ),
    ]
}

/// Whether this hour's budgets leave room for one more send to `phone` at `now`. A
/// cap that refuses is logged, once per hour and scope.
pub fn within_budget(
    conn: &Connection,
    cfg: &AuthConfig,
    now: i64,
    phone: &str,
) -> rusqlite::Result<bool> {
    let hour = now.div_euclid(HOUR_MS);
    for (scope, cap, key) in caps(cfg, phone) {
        if cap == 0 {
            continue;
        }
        let sent: i64 = conn
            .prepare_cached("SELECT sends FROM auth_send_hour WHERE scope = ?1 AND hour = ?2")?
            .query_row(params![scope, hour], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        if sent < i64::from(cap) {
            continue;
        }
        let first = conn
            .prepare_cached(
                "UPDATE auth_send_hour SET warned = 1 \
                 WHERE scope = ?1 AND hour = ?2 AND warned = 0",
            )?
            .execute(params![scope, hour])?;
        if first > 0 {
            let whom = if scope == ALL {
                "all phones".to_owned()
            } else {
                format!("country code {scope}")
            };
            log::warn!(
                "auth: {key} = {cap} reached for {whom}: reg, resend, voice and migration \
                 codes answer too_many_requests until the hour ends (UTC)"
            );
        }
        return Ok(false);
    }
    Ok(true)
}

/// Counts a send to `phone` at `now` in this hour's budgets, forgetting past hours.
pub fn count(conn: &Connection, cfg: &AuthConfig, now: i64, phone: &str) -> rusqlite::Result<()> {
    let hour = now.div_euclid(HOUR_MS);
    conn.prepare_cached("DELETE FROM auth_send_hour WHERE hour < ?1")?
        .execute(params![hour])?;
    for (scope, _, _) in caps(cfg, phone) {
        conn.prepare_cached(
            "INSERT INTO auth_send_hour (scope, hour, sends) VALUES (?1, ?2, 1) \
             ON CONFLICT (scope, hour) DO UPDATE SET sends = sends + 1",
        )?
        .execute(params![scope, hour])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for sql in crate::store::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        conn
    }

    fn cfg(global: u32, per_country: u32, allowed: &[&str]) -> AuthConfig {
        AuthConfig {
            max_sends_per_hour: global,
            max_sends_per_country_per_hour: per_country,
            allowed_country_codes: allowed.iter().map(|s| s.to_string()).collect(),
            ..AuthConfig::default()
        }
    }

    #[test]
    fn the_allow_list_is_by_prefix_and_empty_allows_all() {
        assert!(allowed(&cfg(0, 0, &[]), "447700900123"));
        let c = cfg(0, 0, &["380", "+39"]);
        assert!(allowed(&c, "380501234567"));
        assert!(allowed(&c, "393471234567"));
        assert!(!allowed(&c, "447700900123"));
    }

    #[test]
    fn the_global_cap_counts_every_phone_per_clock_hour() {
        let (conn, c) = (db(), cfg(2, 0, &[]));
        let t = 10 * HOUR_MS;
        for phone in ["380501234567", "447700900123"] {
            assert!(within_budget(&conn, &c, t, phone).unwrap());
            count(&conn, &c, t, phone).unwrap();
        }
        assert!(!within_budget(&conn, &c, t + 1, "14155550100").unwrap());
        assert!(within_budget(&conn, &c, t + HOUR_MS, "14155550100").unwrap());
        count(&conn, &c, t + HOUR_MS, "14155550100").unwrap();
        let rows: i64 = conn
            .query_row(
                "SELECT count(*) FROM auth_send_hour WHERE hour = 10",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 0, "the past hour is forgotten");
    }

    #[test]
    fn the_country_cap_counts_each_country_alone() {
        let (conn, c) = (db(), cfg(0, 1, &[]));
        let t = 5 * HOUR_MS;
        count(&conn, &c, t, "380501234567").unwrap();
        assert!(!within_budget(&conn, &c, t, "380507654321").unwrap());
        assert!(within_budget(&conn, &c, t, "393471234567").unwrap());
        // With an allow-list, its longest entry is the country.
        let c = cfg(0, 1, &["1", "1876"]);
        count(&conn, &c, t, "18765550100").unwrap();
        assert!(!within_budget(&conn, &c, t, "18765550199").unwrap());
        assert!(within_budget(&conn, &c, t, "14155550100").unwrap());
    }
}
