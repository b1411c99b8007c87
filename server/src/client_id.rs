//! ClientId rules (docs/protocol.md): registering `emqttd_reg_`/`reg_` ids, logged-in
//! `emqttd_` ids, and `<symbols>` that never begin with `reg_`.

use std::{fmt, sync::Arc};

/// Longest `<symbols>` part of a ClientId.
const MAX_SYMBOLS: usize = 128;

/// What kind of device a ClientId names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKind {
    /// `emqttd_reg_<symbols>` or `reg_<symbols>`: anonymous, never persisted.
    Registering,
    /// `emqttd_<symbols>`: must present its session token as the MQTT password.
    LoggedIn,
}

/// A ClientId that passed the rules; cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientId {
    /// The full id as the client sent it.
    id: Arc<str>,
    /// Which rule it matched.
    kind: ClientKind,
}

/// The id breaks the rules: CONNACK 2 (identifier rejected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("client id rejected: {0}")]
pub struct BadClientId(&'static str);

impl ClientId {
    /// Checks `id` against the ClientId rules.
    pub fn parse(id: &str) -> Result<ClientId, BadClientId> {
        let (kind, symbols) = if let Some(s) = id.strip_prefix("emqttd_reg_") {
            (ClientKind::Registering, s)
        } else if let Some(s) = id.strip_prefix("reg_") {
            (ClientKind::Registering, s)
        } else if let Some(s) = id.strip_prefix("emqttd_") {
            (ClientKind::LoggedIn, s)
        } else {
            return Err(BadClientId("no emqttd_ or reg_ prefix"));
        };
        if symbols.is_empty() || symbols.len() > MAX_SYMBOLS {
            return Err(BadClientId("symbols must be 1 to 128 characters"));
        }
        if !symbols
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(BadClientId("symbols must be A-Z a-z 0-9 _ -"));
        }
        if symbols.starts_with("reg_") {
            // `emqttd_reg_reg_x` would log in as `emqttd_reg_x`, itself a registering
            // id (and `emqttd_reg_x` is `emqttd_` + `reg_x`): one id, two meanings.
            return Err(BadClientId("symbols must not begin with reg_"));
        }
        Ok(ClientId {
            id: id.into(),
            kind,
        })
    }

    /// The full id.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// Registering or logged in.
    pub fn kind(&self) -> ClientKind {
        self.kind
    }

    /// The `<symbols>` part, shared by a device's reg id and its logged-in id.
    pub fn symbols(&self) -> &str {
        let id: &str = &self.id;
        id.strip_prefix("emqttd_reg_")
            .or_else(|| id.strip_prefix("reg_"))
            .or_else(|| id.strip_prefix("emqttd_"))
            .unwrap_or(id)
    }

    /// The full id, shared (no copy): for the registry's keys.
    pub fn shared(&self) -> Arc<str> {
        self.id.clone()
    }

    /// The topic this client's replies go to.
    pub fn actions_topic(&self) -> String {
        format!("actions/1/api/{}", self.id)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registering_ids() {
        for id in ["emqttd_reg_abc", "reg_A-b_9", "emqttd_reg_x"] {
            let c = ClientId::parse(id).unwrap();
            assert_eq!(c.kind(), ClientKind::Registering, "{id}");
        }
        assert_eq!(ClientId::parse("emqttd_reg_abc").unwrap().symbols(), "abc");
        assert_eq!(ClientId::parse("reg_abc").unwrap().symbols(), "abc");
    }

    #[test]
    fn logged_in_ids() {
        let c = ClientId::parse("emqttd_abc").unwrap();
        assert_eq!(c.kind(), ClientKind::LoggedIn);
        assert_eq!(c.symbols(), "abc");
        assert_eq!(c.actions_topic(), "actions/1/api/emqttd_abc");
    }

    #[test]
    fn rejected_ids() {
        let long = format!("emqttd_{}", "a".repeat(129));
        for id in [
            "",
            "abc",
            "emqttd_",
            "reg_",
            "emqttd_reg_",
            "emqttd_a b",
            "emqttd_é",
            "emqttd_a/b",
            &long,
        ] {
            assert!(ClientId::parse(id).is_err(), "{id:?} should be rejected");
        }
        assert!(ClientId::parse(&format!("emqttd_{}", "a".repeat(128))).is_ok());
    }

    /// The logged-in id a registering id becomes on verify: `emqttd_<symbols>`.
    fn logged_in_as(id: &ClientId) -> String {
        format!("emqttd_{}", id.symbols())
    }

    #[test]
    fn symbols_beginning_with_reg_are_rejected_in_every_form() {
        for id in [
            "emqttd_reg_reg_x",
            "reg_reg_x",
            "emqttd_reg_reg_",
            "reg_reg_",
            "emqttd_reg_reg_reg_x",
            "reg_reg_reg_x",
        ] {
            let err = ClientId::parse(id).expect_err(id);
            assert!(err.to_string().contains("reg_"), "{id}: {err}");
        }
        // `emqttd_reg_x` is registering, never logged in: `reg_` in front of the
        // symbols is the registering prefix, not part of them.
        assert_eq!(
            ClientId::parse("emqttd_reg_x").unwrap().kind(),
            ClientKind::Registering
        );
        // `reg` alone, `reg` inside, another case: none is the prefix.
        for id in [
            "emqttd_reg",
            "reg_reg",
            "emqttd_reg_reg",
            "emqttd_regx",
            "reg_xreg_",
            "emqttd_x_reg_y",
            "emqttd_REG_x",
            "reg_Reg_x",
        ] {
            assert!(ClientId::parse(id).is_ok(), "{id:?} should be accepted");
        }
    }

    #[test]
    fn no_registering_id_logs_in_as_a_registering_id() {
        // Every symbols string of up to five of `r e g _ x`, behind either registering
        // prefix: each accepted id becomes a logged-in id that parses as logged in,
        // with the same symbols. So no device can knock out another's reg id by
        // verifying.
        let alphabet = ['r', 'e', 'g', '_', 'x'];
        let mut level = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..5 {
            level = level
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(level.iter().cloned());
        }
        let mut accepted = 0;
        for symbols in &all {
            for prefix in ["emqttd_reg_", "reg_"] {
                let Ok(id) = ClientId::parse(&format!("{prefix}{symbols}")) else {
                    continue;
                };
                accepted += 1;
                let logged = ClientId::parse(&logged_in_as(&id)).unwrap();
                assert_eq!(logged.kind(), ClientKind::LoggedIn, "{id}");
                assert_eq!(logged.symbols(), id.symbols(), "{id}");
            }
        }
        assert!(accepted > 1000, "{accepted}");
    }
}
