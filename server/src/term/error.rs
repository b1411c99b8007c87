//! `InvalidData`: why a payload was refused, safe to write to a debug log.

use std::fmt;

/// A payload that is not a well-formed, supported request.
///
/// The router answers it with `{io,{error,invalid_data},Tail}`. `reason` is for
/// the debug log: it names the rule or field that failed, never field contents
/// or payload bytes. `Debug` redacts `auth_token`.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid data: {reason}")]
pub struct InvalidData {
    /// What was wrong, e.g. `"Auth.type: unknown atom"`; no field contents.
    pub reason: String,
    /// The request's token when the term was an `'Auth'` tuple whose token slot
    /// was readable (`Some("")` when that slot was absent), so the reply can echo
    /// it as `{'Auth',Token}`; `None` for anything else.
    pub auth_token: Option<String>,
}

impl InvalidData {
    /// A refusal with this reason and no token.
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            auth_token: None,
        }
    }

    /// The same refusal, carrying the token of the `'Auth'` tuple it came from.
    pub(crate) fn with_token(mut self, token: Option<&str>) -> Self {
        self.auth_token = Some(token.unwrap_or_default().to_owned());
        self
    }
}

impl fmt::Debug for InvalidData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvalidData")
            .field("reason", &self.reason)
            .field(
                "auth_token",
                &crate::term::redact::Redacted(&self.auth_token),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_token() {
        let e = InvalidData::new("Auth.type: unknown atom").with_token(Some("s3cr3t"));
        assert_eq!(e.auth_token.as_deref(), Some("s3cr3t"));
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("Auth.type: unknown atom"));
        assert_eq!(
            InvalidData::new("x").with_token(None).auth_token.as_deref(),
            Some("")
        );
    }
}
