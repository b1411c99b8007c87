//! The connection a request came from, as the edge vouches for it: the one caller type
//! Auth and Profile both take.

use std::{fmt, sync::Arc};

/// Who asks: the connection's own identity, never what a request claims.
#[derive(Clone)]
pub struct Caller {
    /// Its ClientId.
    pub client_id: String,
    /// Logged in (an `emqttd_` id whose token was checked at CONNECT).
    pub logged_in: bool,
    /// The token it connected with (logged-in only; secret). Checked again in every
    /// job that acts for the session (or against the Profile cache, which forgets a
    /// session when it dies), so a connection whose session died acts for nobody.
    pub token: Option<Arc<str>>,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("client_id", &self.client_id)
            .field("logged_in", &self.logged_in)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token() {
        let c = Caller {
            client_id: "emqttd_a".into(),
            logged_in: true,
            token: Some("s3cr3t".into()),
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cr3t") && shown.contains("emqttd_a"),
            "{shown}"
        );
    }
}
