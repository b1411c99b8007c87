//! Sending verification codes, shared by Auth (`reg`, `resend`, `voice`) and Profile
//! (`migration`): a fresh code or a test number's fixed one; whether it may be sent
//! (the allowed countries, the per-session cooldown, the per-phone hourly limit over
//! `auth_send`, and the hourly spend budgets of `spend.rs`); and delivery by SMS.

use actix::Addr;
use rusqlite::{params, Connection};

use super::{config::AuthConfig, spend};
use crate::{
    channel::{self, Delivery, DeliveryError, SmsActor},
    phone::Phone,
    secret::Code,
};

/// Milliseconds in the rolling window of the per-phone limit.
const HOUR_MS: i64 = 3_600_000;

/// A code to deliver after the commit.
#[derive(Debug)]
pub struct SendCode {
    /// Where to.
    pub phone: Phone,
    /// What (secret).
    pub code: Code,
}

/// A new code for `phone` and whether it is a test number's fixed one (which is not
/// sent and not limited).
pub fn new_code(cfg: &AuthConfig, phone: &str) -> std::io::Result<(Code, bool)> {
    if cfg.test_numbers.covers(phone) {
        return Ok((Code::from_text(&cfg.test_numbers.code), true));
    }
    Ok((Code::generate(cfg.code_length)?, false))
}

/// Whether a code may be sent (test numbers are never asked: they send nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaySend {
    /// Yes: send it, and [`record_send`].
    Yes,
    /// Not now: a cooldown, the phone's hourly limit or an hourly budget
    /// (`too_many_requests`).
    Limited,
    /// Never: the phone is outside `auth.allowed_country_codes` (`invalid_phone`).
    NotAllowed,
}

/// Whether a code may be sent to `phone` at `now`: its country is allowed, it is not
/// within `resend_cooldown_secs` of `last_send` (the asking session's last send),
/// the phone had fewer than `max_sends_per_phone_per_hour` sends in the last hour,
/// and this hour's country and global budgets are not spent.
pub fn may_send(
    conn: &Connection,
    cfg: &AuthConfig,
    now: i64,
    phone: &str,
    last_send: Option<i64>,
) -> rusqlite::Result<MaySend> {
    if !spend::allowed(cfg, phone) {
        return Ok(MaySend::NotAllowed);
    }
    let cooldown = cfg.resend_cooldown_secs as i64 * 1000;
    if last_send.is_some_and(|t| now - t < cooldown) {
        return Ok(MaySend::Limited);
    }
    let sent: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM auth_send WHERE phone = ?1 AND at > ?2")?
        .query_row(params![phone, now - HOUR_MS], |r| r.get(0))?;
    if sent >= i64::from(cfg.max_sends_per_phone_per_hour)
        || !spend::within_budget(conn, cfg, now, phone)?
    {
        return Ok(MaySend::Limited);
    }
    Ok(MaySend::Yes)
}

/// Counts a send against the phone (forgetting its sends older than the window) and
/// against this hour's budgets.
pub fn record_send(
    conn: &Connection,
    cfg: &AuthConfig,
    now: i64,
    phone: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM auth_send WHERE phone = ?1 AND at <= ?2")?
        .execute(params![phone, now - HOUR_MS])?;
    conn.prepare_cached("INSERT INTO auth_send (phone, at) VALUES (?1, ?2)")?
        .execute(params![phone, now])?;
    spend::count(conn, cfg, now, phone)
}

/// How an SMS delivery ended, as the client is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsOutcome {
    /// The provider took it.
    Sent,
    /// The channel's slots and queue (`sms.max_queued`) were full: the server is
    /// busy, not the provider failing; the client is told `too_many_requests`.
    Busy,
    /// The provider failed, or the channel stopped: `sms_not_sent`.
    Failed,
}

/// Delivers `send` by SMS (failures are logged here, with the phone masked and
/// never the code).
pub async fn sms(sms: &Addr<SmsActor>, send: SendCode, what: &str) -> SmsOutcome {
    let delivery = Delivery::sms(
        send.phone.as_str().to_owned(),
        send.code.expose().to_owned(),
    );
    match sms.send(channel::SendCode(delivery)).await {
        Ok(Ok(())) => SmsOutcome::Sent,
        Ok(Err(e)) => {
            log::warn!("{what}: sms to {} failed: {e}", send.phone.masked());
            match e {
                DeliveryError::Busy => SmsOutcome::Busy,
                _ => SmsOutcome::Failed,
            }
        }
        Err(_) => {
            log::warn!(
                "{what}: sms to {} failed: channel stopped",
                send.phone.masked()
            );
            SmsOutcome::Failed
        }
    }
}
