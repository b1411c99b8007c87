//! The devices' TLS settings (`--tls`): one rustls client configuration for the whole
//! run, on the ring provider reqwest already brings. It trusts `--ca FILE` (PEM, one
//! or more certificates), else the Mozilla roots; `--insecure` skips the certificate
//! check for benchmarks against self-signed certificates, yet still verifies the
//! handshake's signatures, so a handshake costs what a verified one does.

use std::{path::Path, sync::Arc};

use tokio_rustls::rustls::{
    self,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    crypto::{self, WebPkiSupportedAlgorithms},
    pki_types::{pem::PemObject, CertificateDer, ServerName, UnixTime},
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// The client configuration for `--ca` (or the Mozilla roots), or for `--insecure`.
pub fn client_config(ca: Option<&Path>, insecure: bool) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(ca)?)
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// The certificates in `ca`, or the Mozilla roots without one.
fn roots(ca: Option<&Path>) -> Result<RootCertStore, String> {
    let Some(path) = ca else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let shown = path.display();
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| format!("--ca {shown}: {e}"))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("--ca {shown}: {e}"))?;
        store.add(cert).map_err(|e| format!("--ca {shown}: {e}"))?;
    }
    if store.is_empty() {
        return Err(format!("--ca {shown}: no PEM certificate in it"));
    }
    Ok(store)
}

/// The name a device checks the server's certificate against (and sends as SNI):
/// `--tls-name`, else the server's address.
pub fn server_name(
    name: Option<&str>,
    server: std::net::IpAddr,
) -> Result<ServerName<'static>, String> {
    match name {
        Some(n) => ServerName::try_from(n.to_owned()).map_err(|e| format!("--tls-name {n}: {e}")),
        None => Ok(ServerName::IpAddress(server.into())),
    }
}

/// `--insecure`: any certificate is taken; the handshake's signatures are still
/// checked with the provider's algorithms.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_empty_ca_file_is_named() {
        let err = client_config(Some(Path::new("/nonexistent/ca.pem")), false).unwrap_err();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = client_config(Some(&empty), false).unwrap_err();
        assert!(err.contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn the_default_roots_and_insecure_build() {
        assert!(client_config(None, false).is_ok());
        assert!(client_config(None, true).is_ok());
    }

    #[test]
    fn server_names() {
        let ip = std::net::IpAddr::from([127, 0, 0, 1]);
        assert!(matches!(
            server_name(None, ip),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(
            server_name(Some("localhost"), ip),
            Ok(ServerName::DnsName(_))
        ));
        assert!(server_name(Some("bad name!"), ip).is_err());
    }
}
