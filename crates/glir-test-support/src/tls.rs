//! HTTPS in front of the simulator: a TLS endpoint on loopback whose certificate, signed by a
//! CA made for the test, names whatever the test asks. A certificate for another name is how a
//! responder meets a mistyped host or a load balancer's default certificate.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// A TLS endpoint that forwards every connection to a plain-HTTP upstream.
pub struct TlsFront {
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// The test CA's certificate (PEM), for a profile's `ca_bundle`.
    pub ca_pem: String,
    _rt: tokio::runtime::Runtime,
}

impl TlsFront {
    /// Listens on loopback, presents a certificate for `names` (DNS names or IP addresses), and
    /// forwards the decrypted bytes to `upstream` (`host:port`).
    pub fn start(upstream: &str, names: &[&str]) -> TlsFront {
        let (ca_pem, chain, key) = certificate_for(names);
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a usable certificate");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let url = format!(
            "https://{}",
            listener.local_addr().expect("a local address")
        );
        let upstream = upstream.to_owned();
        rt.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    // A client that rejects the certificate ends the handshake: nothing to do.
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    if let Ok(mut plain) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    }
                });
            }
        });
        TlsFront {
            url,
            ca_pem,
            _rt: rt,
        }
    }
}

/// PEM files of a certificate for `names`, signed by a fresh CA, for a server that speaks TLS
/// itself.
pub struct CertificateFiles {
    /// The CA's certificate, for a client to trust.
    pub ca_pem: String,
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

impl CertificateFiles {
    /// Writes `cert.pem` and `key.pem` into `dir`.
    pub fn write(dir: &std::path::Path, names: &[&str]) -> CertificateFiles {
        let (ca, cert, key) = issue(names);
        let files = CertificateFiles {
            ca_pem: ca.pem(),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert.pem()).expect("cert.pem written");
        std::fs::write(&files.key, key.serialize_pem()).expect("key.pem written");
        files
    }
}

type Issued = (
    CertifiedIssuer<'static, KeyPair>,
    rcgen::Certificate,
    KeyPair,
);

/// A fresh CA, a key, and a certificate for `names` the CA signed for that key.
fn issue(names: &[&str]) -> Issued {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "glir test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("a CA key"))
        .expect("a CA certificate");
    let key = KeyPair::generate().expect("a server key");
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let server = CertificateParams::new(names)
        .expect("server parameters")
        .signed_by(&key, &ca)
        .expect("a server certificate");
    (ca, server, key)
}

/// A fresh CA, and a certificate for `names` it signed: (CA PEM, server chain, server key).
fn certificate_for(
    names: &[&str],
) -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let (ca, server, key) = issue(names);
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca.pem(), vec![server.der().clone()], key)
}
