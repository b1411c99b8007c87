//! TLS with rustls on the ring provider (the one reqwest already builds; no OpenSSL):
//! the certificate chain and key read from PEM files, served by a resolver that a
//! reload swaps, so new handshakes get the new pair while open connections keep
//! theirs. A pair that fails to load is refused whole: at start-up roster exits
//! naming the file, on reload the old pair stays.
//!
//! rustls asks clients for no certificate (`with_no_client_auth`), and serves its own
//! as it is: an expired or self-signed server certificate is the client's to refuse.

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use rustls::{
    crypto::CryptoProvider,
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
    ServerConfig,
};
use tokio_rustls::TlsAcceptor;

use super::config::{TlsConfig, TlsVersion};

/// Why a certificate or key could not be used; names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file is unreadable, holds nothing usable, or the pair does not match.
    #[error("TLS file {path}: {reason}")]
    File {
        /// The file at fault.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The server's certificate and key, swappable while handshakes run.
pub struct TlsKeys {
    /// The certificate chain's PEM file.
    cert: PathBuf,
    /// The private key's PEM file.
    key: PathBuf,
    /// Signs handshakes; parses keys.
    provider: Arc<CryptoProvider>,
    /// The pair new handshakes get.
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for TlsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key's bytes are never shown: only where it lives.
        f.debug_struct("TlsKeys")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TlsKeys {
    /// Reads the pair `[tls]` names.
    pub fn load(config: &TlsConfig) -> Result<Arc<TlsKeys>, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let pair = read_pair(&config.cert, &config.key, &provider)?;
        Ok(Arc::new(TlsKeys {
            cert: config.cert.clone(),
            key: config.key.clone(),
            provider,
            current: RwLock::new(Arc::new(pair)),
        }))
    }

    /// Re-reads both files; new handshakes use the new pair. On an error the old pair
    /// stays in use.
    pub fn reload(&self) -> Result<(), TlsError> {
        let pair = read_pair(&self.cert, &self.key, &self.provider)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(pair);
        Ok(())
    }

    /// The certificate chain's file, for logs.
    pub fn cert_path(&self) -> &Path {
        &self.cert
    }

    /// An acceptor serving these keys to clients of `min_version` and later.
    pub fn acceptor(self: &Arc<Self>, min_version: TlsVersion) -> Result<TlsAcceptor, TlsError> {
        let versions: &[&rustls::SupportedProtocolVersion] = match min_version {
            TlsVersion::V1_2 => &[&rustls::version::TLS13, &rustls::version::TLS12],
            TlsVersion::V1_3 => &[&rustls::version::TLS13],
        };
        let config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(versions)?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for TlsKeys {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

/// Reads a chain and its key and checks that they belong together.
fn read_pair(cert: &Path, key: &Path, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
    let fail = |path: &Path, reason: String| TlsError::File {
        path: path.display().to_string(),
        reason,
    };
    let cert_pem = std::fs::read(cert).map_err(|e| fail(cert, e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(cert, format!("not PEM certificates: {e:?}")))?;
    if chain.is_empty() {
        return Err(fail(cert, "no CERTIFICATE in it".into()));
    }
    let key_pem = std::fs::read(key).map_err(|e| fail(key, e.to_string()))?;
    // The key's error names its kind only: a key's bytes never reach a log.
    let private = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| fail(key, "no PRIVATE KEY in it".into()))?;
    CertifiedKey::from_der(chain, private, provider).map_err(|e| {
        let reason = match e {
            rustls::Error::InconsistentKeys(_) => {
                format!("does not match the certificate in {}", cert.display())
            }
            other => format!("unusable key: {other}"),
        };
        fail(key, reason)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed pair for `localhost` in `dir`: (cert, key) paths.
    fn pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let c = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let (cert, key) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&cert, c.cert.pem()).unwrap();
        std::fs::write(&key, c.signing_key.serialize_pem()).unwrap();
        (cert, key)
    }

    fn config(cert: &Path, key: &Path) -> TlsConfig {
        TlsConfig {
            cert: cert.into(),
            key: key.into(),
            ..TlsConfig::default()
        }
    }

    fn served(keys: &TlsKeys) -> Vec<u8> {
        keys.current.read().unwrap().cert[0].to_vec()
    }

    #[test]
    fn loads_a_pair_and_builds_acceptors_for_each_minimum() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = pair(dir.path(), "a");
        let keys = TlsKeys::load(&config(&cert, &key)).unwrap();
        keys.acceptor(TlsVersion::V1_2).unwrap();
        keys.acceptor(TlsVersion::V1_3).unwrap();
        let shown = format!("{keys:?}");
        assert!(
            shown.contains("a.key") && !shown.contains("PRIVATE"),
            "{shown}"
        );
    }

    #[test]
    fn a_bad_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = pair(dir.path(), "a");
        let (_, other_key) = pair(dir.path(), "b");
        let missing = dir.path().join("missing.crt");
        let err = TlsKeys::load(&config(&missing, &key)).unwrap_err();
        assert!(err.to_string().contains("missing.crt"), "{err}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate\n").unwrap();
        let err = TlsKeys::load(&config(&junk, &key)).unwrap_err();
        assert!(err.to_string().contains("junk.pem"), "{err}");
        let err = TlsKeys::load(&config(&cert, &junk)).unwrap_err();
        assert!(err.to_string().contains("junk.pem"), "{err}");
        // The certificate as its own key: not a private key.
        let err = TlsKeys::load(&config(&cert, &cert)).unwrap_err();
        assert!(err.to_string().contains("a.crt"), "{err}");
        let err = TlsKeys::load(&config(&cert, &other_key)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("b.key") && text.contains("does not match"),
            "{text}"
        );
    }

    #[test]
    fn reload_swaps_the_pair_or_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = pair(dir.path(), "live");
        let keys = TlsKeys::load(&config(&cert, &key)).unwrap();
        let first = served(&keys);
        std::fs::write(&cert, "garbage").unwrap();
        assert!(keys.reload().is_err());
        assert_eq!(served(&keys), first, "a bad file keeps the old pair");
        let (new_cert, new_key) = pair(dir.path(), "next");
        std::fs::rename(new_cert, &cert).unwrap();
        std::fs::rename(new_key, &key).unwrap();
        keys.reload().unwrap();
        assert_ne!(served(&keys), first, "the new pair is served");
    }
}
