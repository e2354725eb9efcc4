//! Delivers outbox rows: claim one due row (FOR UPDATE SKIP LOCKED), send it, and record the
//! outcome in the same transaction. A crash after the SMTP server accepted but before commit
//! leaves the row queued; the resend carries the same Message-ID, derived from the row id.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use tokio::sync::watch;

use super::{Mailer, SECRET_PLACEHOLDER};
use crate::crypto::SecretKey;
use crate::db::DbPool;
use crate::db::outbox::{self, OutboxRow};

/// After this many failed attempts a row is marked failed; a chair can retry it.
pub const MAX_ATTEMPTS: i32 = 8;

/// Wait before attempt `attempts + 1`: 30 s doubling, capped at one hour.
pub fn backoff_after(attempts: i32) -> chrono::Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    let seconds = 30i64.saturating_mul(1i64 << exponent).min(3600);
    chrono::Duration::seconds(seconds)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct OutboxWorker {
    pool: DbPool,
    mailer: Mailer,
    key: SecretKey,
    from: Mailbox,
    /// Host part of Message-IDs.
    message_id_host: String,
}

enum Outcome {
    Sent,
    Retrying,
    Failed,
}

impl OutboxWorker {
    pub fn new(
        pool: DbPool,
        mailer: Mailer,
        key: SecretKey,
        from: Mailbox,
        message_id_host: String,
    ) -> Self {
        OutboxWorker {
            pool,
            mailer,
            key,
            from,
            message_id_host,
        }
    }

    fn build_message(&self, row: &OutboxRow) -> Result<Message, String> {
        let (text, html) = match &row.secret_sealed {
            Some(sealed) => {
                let secret = self
                    .key
                    .open(sealed)
                    .ok_or("the sealed secret does not open with the current MCFP_SECRET_KEY")?;
                (
                    row.body_text.replace(SECRET_PLACEHOLDER, &secret),
                    row.body_html.replace(SECRET_PLACEHOLDER, &secret),
                )
            }
            None => (row.body_text.clone(), row.body_html.clone()),
        };
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient `{}`: {e}", row.recipient))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(format!("<{}@{}>", row.id, self.message_id_host)))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("building the message: {e}"))
    }

    /// Sends at most one due row; None when nothing is due.
    async fn deliver_one(&self, now: DateTime<Utc>) -> anyhow::Result<Option<Outcome>> {
        let mut conn = self.pool.get().await?;
        let outcome = conn
            .transaction::<_, anyhow::Error, _>(async move |conn| {
                    let Some(row) = outbox::claim_next_due(conn, now).await? else {
                        return Ok(None);
                    };
                    let message = match self.build_message(&row) {
                        Ok(message) => message,
                        Err(problem) => {
                            tracing::error!(outbox.id = %row.id, error = %problem, "email cannot be built");
                            outbox::mark_attempt_failed(conn, row.id, &problem, None).await?;
                            return Ok(Some(Outcome::Failed));
                        }
                    };
                    match self.mailer.send(message).await {
                        Ok(()) => {
                            outbox::mark_sent(conn, row.id, Utc::now()).await?;
                            tracing::info!(outbox.id = %row.id, email.kind = %row.kind, "email sent");
                            Ok(Some(Outcome::Sent))
                        }
                        Err(e) => {
                            let attempts = row.attempts + 1;
                            let give_up = e.permanent || attempts >= MAX_ATTEMPTS;
                            let retry_at = (!give_up).then(|| now + backoff_after(attempts));
                            tracing::warn!(outbox.id = %row.id, attempts, error = %e, give_up, "email delivery failed");
                            outbox::mark_attempt_failed(conn, row.id, &e.message, retry_at).await?;
                            Ok(Some(if give_up { Outcome::Failed } else { Outcome::Retrying }))
                        }
                    }
            })
            .await?;
        Ok(outcome)
    }

    /// Delivers every row due at `now`, one transaction each. Deterministic for tests.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        // Bounded so one call cannot spin forever if rows keep arriving.
        for _ in 0..10_000 {
            match self.deliver_one(now).await? {
                None => break,
                Some(Outcome::Sent) => report.sent += 1,
                Some(Outcome::Retrying) => report.retrying += 1,
                Some(Outcome::Failed) => report.failed += 1,
            }
        }
        Ok(report)
    }

    /// Polls until `shutdown` turns true; errors are logged and retried on the next tick.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("outbox worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = self.deliver_due(Utc::now()).await {
                tracing::warn!(error = %e, "outbox delivery round failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("outbox worker stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_after(1).num_seconds(), 30);
        assert_eq!(backoff_after(2).num_seconds(), 60);
        assert_eq!(backoff_after(3).num_seconds(), 120);
        assert_eq!(backoff_after(7).num_seconds(), 1920);
        assert_eq!(backoff_after(8).num_seconds(), 3600);
        assert_eq!(backoff_after(50).num_seconds(), 3600);
    }
}
