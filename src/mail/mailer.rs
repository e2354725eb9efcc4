use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailTransport;

/// Where messages go: an SMTP server (one pooled connection) or a folder of .eml files.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Spool(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    /// The server refused for good (5xx): retrying the same message will not help.
    pub permanent: bool,
    pub message: String,
}

impl Mailer {
    pub fn from_settings(transport: &MailTransport) -> anyhow::Result<Mailer> {
        match transport {
            MailTransport::Smtp(url) => {
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| anyhow::anyhow!("MCFP_SMTP_URL: {e}"))?
                    .pool_config(PoolConfig::new().max_size(1))
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build();
                Ok(Mailer::Smtp(smtp))
            }
            MailTransport::Spool(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("MCFP_MAIL_SPOOL: cannot create {}: {e}", dir.display())
                })?;
                Ok(Mailer::Spool(AsyncFileTransport::new(dir)))
            }
        }
    }

    /// Ok only once the server (or the file system) has accepted the message.
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| MailError {
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
            }),
            Mailer::Spool(spool) => spool
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError {
                    permanent: false,
                    message: format!("mail spool: {e}"),
                }),
        }
    }
}
