//! Delivers outbox rows, at least once, without a transaction open while SMTP talks:
//!
//! 1. **claim**: one short statement leases up to [`BATCH`] due rows to a fresh token until
//!    now + [`LEASE`] (`FOR UPDATE SKIP LOCKED` only while it runs, so workers take different
//!    rows);
//! 2. **send**: the messages go out one after the other over one SMTP connection, outside any
//!    transaction;
//! 3. **record**: right after each message, one statement marks it sent (or its attempt failed),
//!    only if the row still carries the token.
//!
//! A worker that dies between 2 and 3 leaves its rows leased: when the lease runs out they are
//! claimable again, and the message it was sending goes out once more with the same Message-ID
//! (derived from the row id), so receivers can drop the copy. The rest of its batch was never
//! sent and is only delayed. Before each message the batch's lease is renewed when less than
//! [`LEASE_MARGIN`] is left, so a live worker does not lose a row while it sends it (connecting
//! and sending take at most `SMTP_TIMEOUT` each).
//!
//! Stopping ([`OutboxWorker::run`]'s signal): no new message is started; the one in flight
//! finishes and is recorded, the rest of the batch is given back (claimable at once), the SMTP
//! session says QUIT; all within [`STOP_GRACE`] of the message in flight.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use tokio::sync::watch;

use super::mailer::MailSession;
use super::{MailError, Mailer, SECRET_PLACEHOLDER};
use crate::crypto::SecretKey;
use crate::db::DbPool;
use crate::db::outbox::{self, OutboxRow};
use crate::domain::OutboxId;

/// After this many failed attempts a row is marked failed; a chair can retry it.
pub const MAX_ATTEMPTS: i32 = 8;

/// How long a claim holds its rows; renewed while the batch is being sent.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(120);

/// A message is started only with at least this much of the lease left: connecting and
/// sending may take `SMTP_TIMEOUT` (30 s) each.
pub const LEASE_MARGIN: chrono::Duration = chrono::Duration::seconds(70);

/// Rows claimed at once, sent over one SMTP connection.
pub const BATCH: i64 = 50;

/// After the message in flight, how long recording it and giving the rest back may take.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// At most this many rows in one delivery round, so a round ends even if rows keep arriving.
const ROUND_LIMIT: usize = 10_000;

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

/// What to record about a row once its attempt is over.
enum Record {
    Sent,
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Rows leased to this worker and not started yet.
struct Claim {
    token: uuid::Uuid,
    lease_until: DateTime<Utc>,
    rows: VecDeque<OutboxRow>,
}

/// The clock of one delivery round: the round's `now`, plus the time the round has taken.
struct Clock {
    now: DateTime<Utc>,
    started: Instant,
}

impl Clock {
    fn new(now: DateTime<Utc>) -> Self {
        Clock {
            now,
            started: Instant::now(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.now + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }
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

    /// Leases the next batch of rows due at the clock's now.
    async fn claim(&self, clock: &Clock) -> anyhow::Result<Claim> {
        let now = clock.now();
        let token = uuid::Uuid::new_v4();
        let lease_until = now + LEASE;
        let mut conn = self.pool.get().await?;
        let rows = outbox::claim_due(&mut conn, now, lease_until, token, BATCH).await?;
        Ok(Claim {
            token,
            lease_until,
            rows: rows.into(),
        })
    }

    /// Renews the lease of the rows not started yet when less than LEASE_MARGIN is left;
    /// drops any the worker no longer holds.
    async fn keep_lease(&self, claim: &mut Claim, clock: &Clock) -> anyhow::Result<()> {
        let now = clock.now();
        if claim.lease_until - now >= LEASE_MARGIN || claim.rows.is_empty() {
            return Ok(());
        }
        let until = now + LEASE;
        let ids: Vec<OutboxId> = claim.rows.iter().map(|row| row.id).collect();
        let mut conn = self.pool.get().await?;
        let held = outbox::renew_lease(&mut conn, &ids, claim.token, until).await?;
        if held.len() < ids.len() {
            tracing::warn!(
                lost = ids.len() - held.len(),
                "outbox rows were no longer leased to this worker; another worker has them"
            );
            claim.rows.retain(|row| held.contains(&row.id));
        }
        claim.lease_until = until;
        Ok(())
    }

    /// Gives back the rows of the claim not started yet: claimable again at once.
    async fn release(&self, claim: &Claim) {
        let ids: Vec<OutboxId> = claim.rows.iter().map(|row| row.id).collect();
        let released = tokio::time::timeout(STOP_GRACE, async {
            let mut conn = self.pool.get().await?;
            Ok::<_, anyhow::Error>(outbox::release_lease(&mut conn, &ids, claim.token).await?)
        })
        .await;
        match released {
            Ok(Ok(count)) => {
                tracing::info!(outbox.released = count, "gave back unsent outbox rows")
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not give back unsent outbox rows; they are claimable when their lease runs out")
            }
            Err(_) => tracing::warn!(
                "giving back unsent outbox rows timed out; they are claimable when their lease runs out"
            ),
        }
    }

    /// Records the outcome of a row's attempt, if the row is still leased to `token`: a few
    /// tries on fresh connections, within STOP_GRACE. An error leaves the row leased, to be
    /// sent again once the lease runs out.
    async fn record(&self, id: OutboxId, token: uuid::Uuid, record: &Record) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        let mut tries = 0u32;
        loop {
            tries += 1;
            let recorded = tokio::time::timeout_at(deadline, async {
                let mut conn = self.pool.get().await?;
                let held = match record {
                    Record::Sent => outbox::mark_sent(&mut conn, id, token, Utc::now()).await?,
                    Record::Failed { error, retry_at } => {
                        outbox::mark_attempt_failed(&mut conn, id, token, error, *retry_at).await?
                    }
                };
                Ok::<_, anyhow::Error>(held)
            })
            .await;
            match recorded {
                Ok(Ok(true)) => return Ok(()),
                Ok(Ok(false)) => {
                    tracing::warn!(outbox.id = %id, "the outbox row was no longer leased to this worker when its outcome was recorded");
                    return Ok(());
                }
                Ok(Err(e)) if tries < 3 => {
                    tracing::warn!(outbox.id = %id, error = %e, "recording an email's outcome failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(tries))).await;
                }
                Ok(Err(e)) => {
                    return Err(e.context(format!("recording the outcome of outbox row {id}")));
                }
                Err(_) => anyhow::bail!("recording the outcome of outbox row {id} timed out"),
            }
        }
    }

    /// Sends one claimed row and records the outcome. `unreachable` is the connection failure
    /// met earlier in this batch, if any: the rest of the batch meets it too, without trying.
    async fn deliver_row(
        &self,
        session: &mut MailSession,
        token: uuid::Uuid,
        row: &OutboxRow,
        unreachable: &mut Option<MailError>,
        clock: &Clock,
    ) -> anyhow::Result<Outcome> {
        let message = match self.build_message(row) {
            Ok(message) => message,
            Err(problem) => {
                tracing::error!(outbox.id = %row.id, error = %problem, "email cannot be built");
                let record = Record::Failed {
                    error: problem,
                    retry_at: None,
                };
                self.record(row.id, token, &record).await?;
                return Ok(Outcome::Failed);
            }
        };
        let sent = match unreachable {
            Some(e) => Err(e.clone()),
            None => session.send(message).await,
        };
        match sent {
            Ok(()) => {
                self.record(row.id, token, &Record::Sent).await?;
                tracing::info!(outbox.id = %row.id, email.kind = %row.kind, "email sent");
                Ok(Outcome::Sent)
            }
            Err(e) => {
                if e.connecting && unreachable.is_none() {
                    *unreachable = Some(e.clone());
                }
                let attempts = row.attempts + 1;
                let give_up = e.permanent || attempts >= MAX_ATTEMPTS;
                let retry_at = (!give_up).then(|| clock.now() + backoff_after(attempts));
                tracing::warn!(outbox.id = %row.id, attempts, error = %e, give_up, "email delivery failed");
                let record = Record::Failed {
                    error: e.message,
                    retry_at,
                };
                self.record(row.id, token, &record).await?;
                Ok(if give_up {
                    Outcome::Failed
                } else {
                    Outcome::Retrying
                })
            }
        }
    }

    /// Sends the claim's rows in order until they are done or `stop` turns true.
    async fn deliver_claim(
        &self,
        session: &mut MailSession,
        claim: &mut Claim,
        clock: &Clock,
        stop: Option<&watch::Receiver<bool>>,
        report: &mut DeliveryReport,
    ) -> anyhow::Result<()> {
        let mut unreachable = None;
        while !stop.is_some_and(|s| *s.borrow()) {
            self.keep_lease(claim, clock).await?;
            let Some(row) = claim.rows.pop_front() else {
                break;
            };
            match self
                .deliver_row(session, claim.token, &row, &mut unreachable, clock)
                .await?
            {
                Outcome::Sent => report.sent += 1,
                Outcome::Retrying => report.retrying += 1,
                Outcome::Failed => report.failed += 1,
            }
        }
        Ok(())
    }

    /// Claims and sends batch after batch until nothing is due (or `stop` turns true), over
    /// one SMTP session closed at the end.
    async fn deliver(
        &self,
        now: DateTime<Utc>,
        stop: Option<&watch::Receiver<bool>>,
    ) -> anyhow::Result<DeliveryReport> {
        let clock = Clock::new(now);
        let mut session = self.mailer.session();
        let mut report = DeliveryReport::default();
        let mut handled = 0;
        let mut result = Ok(());
        while handled < ROUND_LIMIT && !stop.is_some_and(|s| *s.borrow()) {
            let mut claim = match self.claim(&clock).await {
                Ok(claim) => claim,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if claim.rows.is_empty() {
                break;
            }
            handled += claim.rows.len();
            result = self
                .deliver_claim(&mut session, &mut claim, &clock, stop, &mut report)
                .await;
            if !claim.rows.is_empty() {
                self.release(&claim).await;
            }
            if result.is_err() {
                break;
            }
        }
        session.close().await;
        result.map(|()| report)
    }

    /// Delivers every row due at `now`: batch after batch until none is left. Deterministic
    /// for tests: `now` decides what is due, and whose lease has run out (a row leased by a
    /// worker that died is delivered again by a round whose `now` is past its lease).
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> anyhow::Result<DeliveryReport> {
        self.deliver(now, None).await
    }

    /// Polls until `shutdown` turns true; errors are logged and retried on the next tick. At
    /// the signal, the message in flight is finished and recorded, and the rest of its batch
    /// given back, before this returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("outbox worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = self.deliver(Utc::now(), Some(&shutdown)).await {
                tracing::warn!(error = %e, "outbox delivery round failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                changed = shutdown.changed() => {
                    // the sender is gone: nobody can ask us to stop any more, so stop now
                    if changed.is_err() {
                        break;
                    }
                }
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
