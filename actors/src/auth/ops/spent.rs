//! JWTs already used: each one that confirmed a device is kept in `auth_jwt_used`
//! until it would be refused anyway, so one token confirms one device, across
//! restarts. Rows past their time are deleted as new ones come.

use rusqlite::{params, Connection};

use crate::auth::jwt::Confirmed;

/// Records `c` as used at `now` (unix ms); whether this was its first use.
pub fn first_use(conn: &Connection, c: &Confirmed, now: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("DELETE FROM auth_jwt_used WHERE expires <= ?1")?
        .execute(params![now])?;
    let added = conn
        .prepare_cached("INSERT OR IGNORE INTO auth_jwt_used (hash, expires) VALUES (?1, ?2)")?
        .execute(params![&c.key[..], c.expires_ms])?;
    Ok(added == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwt_is_used_once_until_it_expires_then_forgotten() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in crate::store::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        let c = Confirmed {
            key: [7; 32],
            expires_ms: 2_000,
        };
        assert!(first_use(&conn, &c, 1_000).unwrap());
        assert!(!first_use(&conn, &c, 1_999).unwrap(), "a replay");
        let other = Confirmed {
            key: [8; 32],
            expires_ms: 9_000,
        };
        assert!(first_use(&conn, &other, 2_000).unwrap());
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM auth_jwt_used", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1, "the expired one was pruned by the insert");
    }
}
