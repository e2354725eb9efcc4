//! Delivers outbox rows, at least once, without a transaction open while SMTP talks:
//!
//! 1. **claim**: one short statement leases up to [`BATCH`] due rows to a fresh token until
//!    now + [`LEASE`] (`FOR UPDATE SKIP LOCKED` only while it runs, so workers take different
//!    rows);
//! 2. **send**: the messages go out one after the other over one SMTP connection, outside any
//!    transaction;
//! 3. **record**: as soon as the server has answered a message, a short transaction marks it sent
//!    (or its attempt failed), only if the row still carries the token; it runs while the next
//!    message is being handed over, and commits without waiting for the disk flush (see
//!    `db::outbox::mark_sent`).
//!
//! A worker that dies between 2 and 3 leaves its rows leased: when the lease runs out they are
//! claimable again, and the message it was sending (and the one before, if its record had not
//! committed yet) goes out once more with the same Message-ID (derived from the row id), so
//! receivers can drop the copy. The rest of its batch was never sent and is only delayed. Before each message the batch's lease is renewed when less than
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

use super::mailer::{MailSession, SMTP_TIMEOUT};
use super::{MailError, Mailer, SECRET_PLACEHOLDER};
use crate::crypto::SecretKey;
use crate::db::outbox::{self, OutboxRow};
use crate::db::{DbPool, PooledConn};
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
    /// Run at the start of each round with its `now`, e.g. to queue reviewers' digests.
    before_round: Option<RoundJob>,
}

/// A job the worker runs at the start of each round, given the round's `now`; it queues mail
/// for that round (startup wires in `review::queue_digests`). It logs its own failures.
pub type RoundJob = std::sync::Arc<
    dyn Fn(DateTime<Utc>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send
        + Sync,
>;

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

/// A round's database connection: taken from the pool at first use and kept (never inside a
/// transaction between statements; no checkout and ping per statement); dropped after an
/// error or a timeout, so the next use takes a fresh one.
struct Db<'a> {
    pool: &'a DbPool,
    conn: Option<PooledConn>,
}

impl Db<'_> {
    async fn conn(&mut self) -> anyhow::Result<&mut PooledConn> {
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => self.pool.get().await?,
        };
        Ok(self.conn.insert(conn))
    }

    /// Runs `work` on the connection within `deadline`; drops the connection if it fails.
    async fn run<T>(
        &mut self,
        deadline: tokio::time::Instant,
        work: impl AsyncFnOnce(&mut PooledConn) -> diesel::QueryResult<T>,
    ) -> anyhow::Result<T> {
        let done = tokio::time::timeout_at(deadline, async {
            let conn = self.conn().await?;
            Ok::<_, anyhow::Error>(work(conn).await?)
        })
        .await;
        match done {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.conn = None;
                Err(e)
            }
            Err(_) => {
                self.conn = None;
                anyhow::bail!("the database did not answer in time")
            }
        }
    }
}

/// One delivery round: its clock, database connection and SMTP session.
struct Round<'a> {
    worker: &'a OutboxWorker,
    clock: Clock,
    db: Db<'a>,
    session: MailSession,
    stop: Option<&'a watch::Receiver<bool>>,
    report: DeliveryReport,
}

impl Round<'_> {
    fn stopping(&self) -> bool {
        self.stop.is_some_and(|stop| *stop.borrow())
    }

    /// Leases the next batch of rows due at the clock's now.
    async fn claim(&mut self) -> anyhow::Result<Claim> {
        let now = self.clock.now();
        let token = uuid::Uuid::new_v4();
        let lease_until = now + LEASE;
        let deadline = tokio::time::Instant::now() + SMTP_TIMEOUT;
        let rows = self
            .db
            .run(deadline, async |conn| {
                outbox::claim_due(conn, now, lease_until, token, BATCH).await
            })
            .await?;
        Ok(Claim {
            token,
            lease_until,
            rows: rows.into(),
        })
    }

    /// Renews the lease of the rows not started yet when less than LEASE_MARGIN is left;
    /// drops any the worker no longer holds.
    async fn keep_lease(&mut self, claim: &mut Claim) -> anyhow::Result<()> {
        let now = self.clock.now();
        if claim.lease_until - now >= LEASE_MARGIN || claim.rows.is_empty() {
            return Ok(());
        }
        let until = now + LEASE;
        let ids: Vec<OutboxId> = claim.rows.iter().map(|row| row.id).collect();
        let token = claim.token;
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        let held = self
            .db
            .run(deadline, async |conn| {
                outbox::renew_lease(conn, &ids, token, until).await
            })
            .await?;
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
    async fn release(&mut self, claim: &Claim) {
        let ids: Vec<OutboxId> = claim.rows.iter().map(|row| row.id).collect();
        let token = claim.token;
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        match self
            .db
            .run(deadline, async |conn| {
                outbox::release_lease(conn, &ids, token).await
            })
            .await
        {
            Ok(count) => tracing::info!(outbox.released = count, "gave back unsent outbox rows"),
            Err(e) => tracing::warn!(
                error = %e,
                "could not give back unsent outbox rows; they are claimable when their lease runs out"
            ),
        }
    }

    /// Sends the claim's rows in order until they are done or the round is stopping. A
    /// message's outcome is recorded while the next message is being sent (the database and
    /// the SMTP server each wait less for the other); the last one before this returns.
    async fn deliver_claim(&mut self, claim: &mut Claim) -> anyhow::Result<()> {
        let mut unreachable: Option<MailError> = None;
        let mut pending: Option<Outcome> = None;
        loop {
            let mut next = None;
            if !self.stopping() {
                if claim.lease_until - self.clock.now() < LEASE_MARGIN {
                    self.record(pending.take()).await?;
                    self.keep_lease(claim).await?;
                }
                next = claim.rows.pop_front();
            }
            let Some(row) = next else {
                return self.record(pending.take()).await;
            };
            let message = match self.worker.build_message(&row) {
                Ok(message) => message,
                Err(problem) => {
                    tracing::error!(outbox.id = %row.id, error = %problem, "email cannot be built");
                    self.record(pending.take()).await?;
                    let record = Record::Failed {
                        error: problem,
                        retry_at: None,
                    };
                    pending = Some(Outcome::of(&row, claim.token, record, Tally::Failed));
                    continue;
                }
            };
            let send = async {
                match &unreachable {
                    Some(e) => Err(e.clone()),
                    None => self.session.send(message).await,
                }
            };
            let (sent, recorded) = tokio::join!(send, record(&mut self.db, pending.take()));
            let report = recorded?;
            self.report.add(report);
            pending = Some(match sent {
                Ok(()) => Outcome::of(&row, claim.token, Record::Sent, Tally::Sent),
                Err(e) => {
                    if e.connecting && unreachable.is_none() {
                        unreachable = Some(e.clone());
                    }
                    let attempts = row.attempts + 1;
                    let give_up = e.permanent || attempts >= MAX_ATTEMPTS;
                    let retry_at = (!give_up).then(|| self.clock.now() + backoff_after(attempts));
                    tracing::warn!(outbox.id = %row.id, attempts, error = %e, give_up, "email delivery failed");
                    let record = Record::Failed {
                        error: e.message,
                        retry_at,
                    };
                    let tally = if give_up {
                        Tally::Failed
                    } else {
                        Tally::Retrying
                    };
                    Outcome::of(&row, claim.token, record, tally)
                }
            });
        }
    }

    /// Records an outcome now (see [`record`]) and counts it.
    async fn record(&mut self, outcome: Option<Outcome>) -> anyhow::Result<()> {
        let report = record(&mut self.db, outcome).await?;
        self.report.add(report);
        Ok(())
    }

    /// Claims and sends batch after batch until nothing is due or the round is stopping;
    /// gives back whatever was claimed and not started.
    async fn deliver(&mut self) -> anyhow::Result<()> {
        let mut handled = 0;
        while handled < ROUND_LIMIT && !self.stopping() {
            let mut claim = self.claim().await?;
            if claim.rows.is_empty() {
                break;
            }
            handled += claim.rows.len();
            let delivered = self.deliver_claim(&mut claim).await;
            if !claim.rows.is_empty() {
                self.release(&claim).await;
            }
            delivered?;
        }
        Ok(())
    }
}

/// How an attempt counts in the round's report.
enum Tally {
    Sent,
    Retrying,
    Failed,
}

/// A row's attempt, over, and what to record about it.
struct Outcome {
    id: OutboxId,
    kind: String,
    token: uuid::Uuid,
    record: Record,
    tally: Tally,
}

impl Outcome {
    fn of(row: &OutboxRow, token: uuid::Uuid, record: Record, tally: Tally) -> Outcome {
        Outcome {
            id: row.id,
            kind: row.kind.clone(),
            token,
            record,
            tally,
        }
    }
}

impl DeliveryReport {
    fn add(&mut self, other: DeliveryReport) {
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.failed += other.failed;
    }
}

/// Records the outcome of a row's attempt, if the row is still leased to the outcome's token:
/// up to three tries (a fresh connection after a failure), within STOP_GRACE. Returns how it
/// counts. An error leaves the row leased, to be sent again once the lease runs out.
async fn record(db: &mut Db<'_>, outcome: Option<Outcome>) -> anyhow::Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let Some(Outcome {
        id,
        kind,
        token,
        record,
        tally,
    }) = outcome
    else {
        return Ok(report);
    };
    let deadline = tokio::time::Instant::now() + STOP_GRACE;
    let mut tries = 0u32;
    loop {
        tries += 1;
        let recorded = db
            .run(deadline, async |conn| match &record {
                Record::Sent => outbox::mark_sent(conn, id, token, Utc::now()).await,
                Record::Failed { error, retry_at } => {
                    outbox::mark_attempt_failed(conn, id, token, error, *retry_at).await
                }
            })
            .await;
        match recorded {
            Ok(held) => {
                if !held {
                    tracing::warn!(
                        outbox.id = %id,
                        "the outbox row was no longer leased to this worker when its outcome was recorded"
                    );
                }
                break;
            }
            Err(e) if tries < 3 && tokio::time::Instant::now() < deadline => {
                tracing::warn!(outbox.id = %id, error = %e, "recording an email's outcome failed; trying again");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(tries))).await;
            }
            Err(e) => return Err(e.context(format!("recording the outcome of outbox row {id}"))),
        }
    }
    match tally {
        Tally::Sent => {
            tracing::info!(outbox.id = %id, email.kind = %kind, "email sent");
            report.sent = 1;
        }
        Tally::Retrying => report.retrying = 1,
        Tally::Failed => report.failed = 1,
    }
    Ok(report)
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
            before_round: None,
        }
    }

    /// Runs `job` at the start of each round (before the rows due are claimed).
    pub fn before_each_round(mut self, job: RoundJob) -> Self {
        self.before_round = Some(job);
        self
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
        let mut builder = Message::builder().from(self.from.clone()).to(to);
        // the event's contact address, as it was when the email was written (validated then)
        if let Some(reply_to) = row.reply_to.as_deref().and_then(|r| r.parse().ok()) {
            builder = builder.reply_to(reply_to);
        }
        builder
            .subject(row.subject.clone())
            .message_id(Some(super::message_id(row.id, &self.message_id_host)))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("building the message: {e}"))
    }

    /// A round: batch after batch until nothing is due at `now` or `stop` turns true; one
    /// database connection and one SMTP session, closed at the end.
    async fn deliver(
        &self,
        now: DateTime<Utc>,
        stop: Option<&watch::Receiver<bool>>,
    ) -> anyhow::Result<DeliveryReport> {
        if let Some(job) = &self.before_round {
            job(now).await;
        }
        let mut round = Round {
            worker: self,
            clock: Clock::new(now),
            db: Db {
                pool: &self.pool,
                conn: None,
            },
            session: self.mailer.session(),
            stop,
            report: DeliveryReport::default(),
        };
        let delivered = round.deliver().await;
        round.session.close().await;
        delivered.map(|()| round.report)
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
