//! Secrets: session tokens and verification codes from the OS CSPRNG, stored only as
//! hashes (SHA-256 for tokens, HMAC-SHA256 under a server key for codes) and compared
//! in constant time. Nothing here implements Display or a revealing Debug.

use std::{fmt, io, io::Read, io::Write, path::Path};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::files;

/// Bytes of randomness in a session token (at least 128 bits: docs/protocol.md).
const TOKEN_BYTES: usize = 16;

/// Fills `buf` from the OS CSPRNG.
fn random(buf: &mut [u8]) -> io::Result<()> {
    getrandom::fill(buf).map_err(|e| io::Error::other(e.to_string()))
}

/// A session token as issued to a device: 32 hex characters.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A fresh random token.
    pub fn generate() -> io::Result<Token> {
        let mut b = [0u8; TOKEN_BYTES];
        random(&mut b)?;
        Ok(Token(hex::encode(b)))
    }

    /// Wraps a token a client presented.
    pub fn from_client(text: &str) -> Token {
        Token(text.to_owned())
    }

    /// The text, to send to its owner only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps.
    pub fn hash(&self) -> [u8; 32] {
        Token::hash_text(&self.0)
    }

    /// Whether this token hashes to `stored`, in constant time.
    pub fn matches(&self, stored: &[u8]) -> bool {
        Token::text_matches(&self.0, stored)
    }

    /// What the store keeps for a token a client presented, without copying it.
    pub fn hash_text(text: &str) -> [u8; 32] {
        Sha256::digest(text.as_bytes()).into()
    }

    /// Whether the token `text` hashes to `stored`, in constant time, without copying it.
    pub fn text_matches(text: &str, stored: &[u8]) -> bool {
        Token::hash_text(text).ct_eq(stored).into()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// A verification code: `length` decimal digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    /// A fresh uniform random code of `length` digits.
    pub fn generate(length: usize) -> io::Result<Code> {
        let mut digits = String::with_capacity(length);
        let mut buf = [0u8; 32];
        while digits.len() < length {
            random(&mut buf)?;
            // Rejection sampling: 250 is the largest multiple of 10 below 256.
            for b in buf.iter().filter(|b| **b < 250) {
                if digits.len() == length {
                    break;
                }
                digits.push(char::from(b'0' + b % 10));
            }
        }
        Ok(Code(digits))
    }

    /// A fixed code (test numbers) or one a client sent.
    pub fn from_text(text: &str) -> Code {
        Code(text.trim().to_owned())
    }

    /// The digits, for the delivery channel only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(<redacted>)")
    }
}

/// The server key that codes are hashed under, kept in the data folder.
#[derive(Clone)]
pub struct CodeKey([u8; 32]);

impl CodeKey {
    /// Loads `path`, creating it (mode 0600, its folder 0700) with a fresh random
    /// key if absent.
    ///
    /// Refuses (`PermissionDenied`, naming the file and its mode) a key file that
    /// gives group or others any access: whoever reads it can test guesses of
    /// every code hash offline.
    pub fn load_or_create(path: &Path) -> io::Result<CodeKey> {
        match std::fs::File::open(path) {
            Ok(mut file) => {
                // The mode of the file opened, not of whatever the path names later.
                if let Some(mode) = files::shared_bits(&file.metadata()?) {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!(
                            "{} has mode {mode:04o}: group or others can read or change the key \
                             codes are hashed under; `chmod 600` it",
                            path.display()
                        ),
                    ));
                }
                let mut bytes = Vec::with_capacity(32);
                file.read_to_end(&mut bytes)?;
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{} is not a 32-byte key", path.display()),
                    )
                })?;
                Ok(CodeKey(key))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                random(&mut key)?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    files::create_dir_all(dir)?;
                }
                let mut f = files::options().write(true).create_new(true).open(path)?;
                f.write_all(&key)?;
                f.sync_all()?;
                Ok(CodeKey(key))
            }
            Err(e) => Err(e),
        }
    }

    /// A key for tests.
    pub fn from_bytes(key: [u8; 32]) -> CodeKey {
        CodeKey(key)
    }

    /// The stored form of `code` for the session `scope` (its ClientId): a code hash
    /// is useless for any other session.
    pub fn hash(&self, scope: &str, code: &Code) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(code.0.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Whether `code` is the one stored for `scope`, in constant time.
    pub fn matches(&self, scope: &str, code: &Code, stored: &[u8]) -> bool {
        self.hash(scope, code).ct_eq(stored).into()
    }
}

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn tokens_are_128_bit_hex_and_distinct() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_eq!(a.expose().len(), 32);
        assert!(a.expose().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(a.matches(&a.hash()));
        assert!(!b.matches(&a.hash()));
        assert_eq!(format!("{a:?}"), "Token(<redacted>)");
    }

    #[test]
    fn codes_have_the_length_and_spread_over_digits() {
        let mut seen = [0u32; 10];
        for _ in 0..200 {
            let c = Code::generate(6).unwrap();
            assert_eq!(c.expose().len(), 6);
            for d in c.expose().bytes() {
                seen[(d - b'0') as usize] += 1;
            }
        }
        assert!(seen.iter().all(|n| *n > 60), "{seen:?}");
        assert!(!format!("{:?}", Code::from_text("123456")).contains("123456"));
    }

    #[test]
    fn code_hash_is_scoped_and_keyed() {
        let k1 = CodeKey::from_bytes([1; 32]);
        let k2 = CodeKey::from_bytes([2; 32]);
        let c = Code::from_text("123456");
        let h = k1.hash("emqttd_reg_a", &c);
        assert!(k1.matches("emqttd_reg_a", &c, &h));
        assert!(!k1.matches("emqttd_reg_b", &c, &h));
        assert!(!k2.matches("emqttd_reg_a", &c, &h));
        assert!(!k1.matches("emqttd_reg_a", &Code::from_text("123457"), &h));
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/server.key");
        let a = CodeKey::load_or_create(&path).unwrap();
        let b = CodeKey::load_or_create(&path).unwrap();
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        fs::write(&path, b"short").unwrap();
        assert!(CodeKey::load_or_create(&path).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_may_read_or_write_is_refused_by_name() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/server.key");
        let made = CodeKey::load_or_create(&path).unwrap();
        let folder = fs::metadata(dir.path().join("data")).unwrap();
        assert_eq!(folder.permissions().mode() & 0o777, 0o700);

        for mode in [0o640, 0o604, 0o620, 0o602, 0o644] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let err = CodeKey::load_or_create(&path).expect_err("shared key file");
            assert_eq!(err.kind(), io::ErrorKind::PermissionDenied, "{mode:o}");
            let text = err.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
            assert!(text.contains(&format!("{mode:o}")), "{text}");
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(
            CodeKey::load_or_create(&path).unwrap().0,
            made.0,
            "owner-only is fine"
        );
    }
}
