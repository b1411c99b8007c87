//! Test certificates, made at test time with rcgen: a CA, server pairs it signs for
//! 127.0.0.1 and localhost (a second one for rotation), and what clients need to trust
//! the CA (its PEM file; a rustls client config; rumqttc options over TLS).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rumqttc::{MqttOptions, TlsConfiguration, Transport};
use rustls::{pki_types::CertificateDer, ClientConfig, RootCertStore};

use super::harness::options;

/// A test CA whose files live in a folder.
pub struct TestCa {
    /// The CA certificate's PEM file, for clients to trust.
    pub ca: PathBuf,
    /// The folder the files are written to.
    dir: PathBuf,
    /// Signs server certificates.
    issuer: Issuer<'static, KeyPair>,
    /// The CA certificate, for rustls clients.
    der: CertificateDer<'static>,
}

/// A server certificate (with the CA after it: a chain) and its key, as files.
pub struct ServerPair {
    /// The chain's PEM file.
    pub cert: PathBuf,
    /// The key's PEM file.
    pub key: PathBuf,
    /// The leaf certificate, to compare with what a handshake shows.
    pub der: Vec<u8>,
}

impl TestCa {
    /// A new CA, its certificate written to `dir/ca.pem`.
    pub fn new(dir: &Path) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "roster test CA");
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, cert.pem()).unwrap();
        TestCa {
            ca,
            dir: dir.to_owned(),
            issuer: Issuer::new(params, key),
            der: cert.der().clone(),
        }
    }

    /// A server pair for 127.0.0.1 and localhost: `dir/<name>.crt` and `<name>.key`.
    pub fn server_pair(&self, name: &str) -> ServerPair {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, format!("roster test server {name}"));
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let ca_pem = std::fs::read_to_string(&self.ca).unwrap();
        let pair = ServerPair {
            cert: self.dir.join(format!("{name}.crt")),
            key: self.dir.join(format!("{name}.key")),
            der: cert.der().to_vec(),
        };
        std::fs::write(&pair.cert, cert.pem() + &ca_pem).unwrap();
        std::fs::write(&pair.key, key.serialize_pem()).unwrap();
        pair
    }

    /// A rustls client config trusting this CA only (TLS 1.2 and 1.3).
    pub fn client_config(&self) -> Arc<ClientConfig> {
        self.client_config_for(rustls::DEFAULT_VERSIONS)
    }

    /// A rustls client config trusting this CA, offering `versions` only.
    pub fn client_config_for(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }

    /// rumqttc options for a client of the TLS listener at `addr`, trusting this CA.
    pub fn tls_options(&self, addr: SocketAddr, client_id: &str) -> MqttOptions {
        let mut o = options(addr, client_id);
        let tls = TlsConfiguration::Rustls(self.client_config());
        o.set_transport(Transport::tls_with_config(tls));
        o
    }
}

/// The certificate the TLS listener at `addr` shows a new handshake (its leaf's DER).
pub async fn served_certificate(ca: &TestCa, addr: SocketAddr) -> Vec<u8> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(ca.client_config());
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let (_, session) = tls.get_ref();
    session.peer_certificates().expect("a certificate")[0].to_vec()
}
