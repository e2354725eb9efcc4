//! Where messages go: an SMTP server or a folder of .eml files.
//!
//! For `smtp://` URLs (plain, or STARTTLS with `?tls=required|opportunistic`) the connections
//! are our own: a `tokio` socket with TCP_NODELAY, handed to lettre's `AsyncSmtpConnection`.
//! lettre writes a message and its end-of-data marker in two writes; with Nagle's algorithm the
//! marker waits for the server's (delayed, ~40 ms) ACK of the message, which capped delivery at
//! about 20 emails/s whatever the server could take. `smtps://` (TLS from the first byte) goes
//! through lettre's own transport, whose socket we cannot reach.
//!
//! lettre's async connections have no read timeout, so every step here runs under
//! [`SMTP_TIMEOUT`].

use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use crate::config::MailTransport;

/// The longest one SMTP step may take: connecting (greeting, EHLO, STARTTLS, login included),
/// or handing over one message and hearing the answer.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where messages go. Cheap to clone.
#[derive(Clone)]
pub enum Mailer {
    /// `smtp://`: connections of our own, with TCP_NODELAY.
    Smtp(Arc<SmtpServer>),
    /// `smtps://`: lettre's transport (one pooled connection).
    SmtpTls(AsyncSmtpTransport<Tokio1Executor>),
    Spool(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    /// The server refused for good (5xx): retrying the same message will not help.
    pub permanent: bool,
    /// No message was handed over: the server could not be reached, or refused the connection
    /// (greeting, TLS, login). The next message would meet the same.
    pub connecting: bool,
    pub message: String,
}

impl MailError {
    fn smtp(e: &lettre::transport::smtp::Error, connecting: bool) -> MailError {
        MailError {
            permanent: e.is_permanent(),
            connecting,
            message: format!("SMTP: {e}"),
        }
    }

    fn timeout(what: &str) -> MailError {
        MailError {
            permanent: false,
            connecting: what == "connecting",
            message: format!("SMTP: timed out {what} ({} s)", SMTP_TIMEOUT.as_secs()),
        }
    }
}

/// An `smtp://` server: where to connect, how to secure and log in.
pub struct SmtpServer {
    host: String,
    port: u16,
    starttls: StartTls,
    credentials: Option<Credentials>,
    hello: ClientId,
}

enum StartTls {
    Never,
    Opportunistic(TlsParameters),
    Required(TlsParameters),
}

impl SmtpServer {
    /// Reads the URL the way lettre's `from_url` does (which has checked it already).
    fn from_url(text: &str) -> anyhow::Result<SmtpServer> {
        let url = Url::parse(text)?;
        let host = match url.host() {
            Some(url::Host::Domain(name)) => name.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => anyhow::bail!("smtp host undefined"),
        };
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (port, starttls) = match tls.as_deref() {
            None => (lettre::transport::smtp::SMTP_PORT, StartTls::Never),
            Some("required") => (
                lettre::transport::smtp::SUBMISSION_PORT,
                StartTls::Required(TlsParameters::new(host.clone())?),
            ),
            Some("opportunistic") => (
                lettre::transport::smtp::SUBMISSION_PORT,
                StartTls::Opportunistic(TlsParameters::new(host.clone())?),
            ),
            Some(other) => anyhow::bail!("unknown tls parameter `{other}`"),
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(
                percent_decode(url.username())?,
                percent_decode(password)?,
            )),
            None => None,
        };
        Ok(SmtpServer {
            host,
            port: url.port().unwrap_or(port),
            starttls,
            credentials,
            hello,
        })
    }

    /// Connects, reads the greeting, says EHLO, upgrades to TLS and logs in as configured.
    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let refused = |e: std::io::Error| MailError {
            permanent: false,
            connecting: true,
            message: format!("SMTP: Connection error: {e}"),
        };
        let socket = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(refused)?;
        // the whole point: each write leaves at once instead of waiting for an ACK
        socket.set_nodelay(true).map_err(refused)?;
        let smtp_error = |e: lettre::transport::smtp::Error| MailError::smtp(&e, true);
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello)
            .await
            .map_err(smtp_error)?;
        let tls = match &self.starttls {
            StartTls::Never => None,
            StartTls::Opportunistic(tls) => conn.can_starttls().then_some(tls),
            StartTls::Required(tls) => Some(tls),
        };
        if let Some(tls) = tls {
            conn.starttls(tls.clone(), &self.hello)
                .await
                .map_err(smtp_error)?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(smtp_error)?;
        }
        Ok(conn)
    }
}

fn percent_decode(text: &str) -> anyhow::Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Ok(String::from_utf8(out)?)
}

impl Mailer {
    pub fn from_settings(transport: &MailTransport) -> anyhow::Result<Mailer> {
        match transport {
            MailTransport::Smtp(url) => {
                let checked = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("MCFP_SMTP_URL: {e}"))?;
                if url.expose().starts_with("smtps:") {
                    return Ok(Mailer::SmtpTls(
                        checked
                            .pool_config(PoolConfig::new().max_size(1))
                            .timeout(Some(SMTP_TIMEOUT))
                            .build(),
                    ));
                }
                let server = SmtpServer::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("MCFP_SMTP_URL: {e}"))?;
                Ok(Mailer::Smtp(Arc::new(server)))
            }
            MailTransport::Spool(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("MCFP_MAIL_SPOOL: cannot create {}: {e}", dir.display())
                })?;
                Ok(Mailer::Spool(AsyncFileTransport::new(dir)))
            }
        }
    }

    /// A session that sends several messages over one connection, opened at the first.
    pub fn session(&self) -> MailSession {
        MailSession {
            mailer: self.clone(),
            connection: None,
        }
    }

    /// Sends one message on a connection of its own. Ok only once the server (or the file
    /// system) has accepted it.
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        let mut session = self.session();
        let sent = session.send(message).await;
        session.close().await;
        sent
    }
}

/// Messages sent one after the other over one SMTP connection; reconnects after a failure.
pub struct MailSession {
    mailer: Mailer,
    connection: Option<AsyncSmtpConnection>,
}

impl MailSession {
    /// Ok only once the server (or the file system) has accepted the message.
    pub async fn send(&mut self, message: Message) -> Result<(), MailError> {
        match &self.mailer {
            Mailer::Smtp(server) => {
                let server = Arc::clone(server);
                self.send_smtp(&server, &message).await
            }
            Mailer::SmtpTls(smtp) => {
                match tokio::time::timeout(SMTP_TIMEOUT * 2, smtp.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(MailError::smtp(&e, false)),
                    Err(_) => Err(MailError::timeout("sending")),
                }
            }
            Mailer::Spool(spool) => spool
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError {
                    permanent: false,
                    connecting: false,
                    message: format!("mail spool: {e}"),
                }),
        }
    }

    async fn send_smtp(&mut self, server: &SmtpServer, message: &Message) -> Result<(), MailError> {
        let mut conn = match self.connection.take() {
            Some(conn) if !conn.has_broken() => conn,
            _ => match tokio::time::timeout(SMTP_TIMEOUT, server.connect()).await {
                Ok(connected) => connected?,
                Err(_) => return Err(MailError::timeout("connecting")),
            },
        };
        let body = message.formatted();
        match tokio::time::timeout(SMTP_TIMEOUT, conn.send(message.envelope(), &body)).await {
            Ok(Ok(_)) => {
                self.connection = Some(conn);
                Ok(())
            }
            Ok(Err(e)) => {
                // lettre has closed the connection if the failure left it unusable
                if !conn.has_broken() {
                    self.connection = Some(conn);
                }
                Err(MailError::smtp(&e, false))
            }
            // the connection is in an unknown state: dropped
            Err(_) => Err(MailError::timeout("sending")),
        }
    }

    /// Says QUIT, briefly, if a connection is open.
    pub async fn close(mut self) {
        if let Some(mut conn) = self.connection.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), conn.quit()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_read_like_lettre_reads_them() {
        let server =
            SmtpServer::from_url("smtp://us%40er:p%2Fss@mail.example.org:2525/client.example")
                .unwrap();
        assert_eq!(
            (server.host.as_str(), server.port),
            ("mail.example.org", 2525)
        );
        assert!(matches!(server.starttls, StartTls::Never));
        assert!(server.credentials.is_some());
        assert_eq!(server.hello, ClientId::Domain("client.example".into()));
        let submission = SmtpServer::from_url("smtp://mail.example.org?tls=required").unwrap();
        assert_eq!(submission.port, 587);
        assert!(matches!(submission.starttls, StartTls::Required(_)));
        let plain = SmtpServer::from_url("smtp://127.0.0.1").unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 25));
        assert!(SmtpServer::from_url("smtp://h?tls=sometimes").is_err());
        assert_eq!(percent_decode("a%20b%zz").unwrap(), "a b%zz");
    }
}
