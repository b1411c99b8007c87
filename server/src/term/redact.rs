//! `Redacted`: a `Debug` stand-in for secrets (tokens, codes, push tokens).

use std::fmt;

/// Shows whether an optional secret is present, never its value.
pub(crate) struct Redacted<'a>(pub &'a Option<String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Some(<redacted>)"),
            None => f.write_str("None"),
        }
    }
}
