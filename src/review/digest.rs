//! The digest of new assignments: assignments made on submission (`assign::on_submitted`) wait
//! with `notified_at` NULL; each delivery round of the outbox worker calls `queue_digests`,
//! which writes at most one email per reviewer per interval (an hour by default,
//! `MCFP_REVIEW_DIGEST_MINUTES`) listing all their assignments since the last one. The email is
//! queued in the transaction that marks them notified and records the digest's time.

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::crypto::SecretKey;
use crate::db::reviews as db;
use crate::error::{AppError, AppResult};
use crate::mail::templates::{DigestItem, ReviewDigest};
use crate::mail::{self, OutgoingEmail};

/// Queues the digests due at `now`: for each reviewer with assignments pending notification
/// whose last digest is at least `interval` old. One transaction per reviewer. Returns how many
/// digests were queued.
#[tracing::instrument(skip_all)]
pub async fn queue_digests(
    conn: &mut AsyncPgConnection,
    key: &SecretKey,
    base_url: &url::Url,
    now: DateTime<Utc>,
    interval: Duration,
) -> AppResult<usize> {
    let since = now - interval;
    let mut queued = 0;
    for (reviewer, name, email) in db::reviewers_due_a_digest(conn, since).await? {
        let fresh = conn
            .transaction::<_, AppError, _>(async |conn| {
                if !db::claim_digest_slot(conn, reviewer, now, since).await? {
                    return Ok(false);
                }
                let pending = db::take_pending_assignments(conn, reviewer, now).await?;
                if pending.is_empty() {
                    return Ok(false);
                }
                let mut items = Vec::with_capacity(pending.len());
                for p in &pending {
                    items.push(DigestItem {
                        title: p.title.clone(),
                        event_title: p.event_title.clone(),
                        link: base_url
                            .join(&format!("proposals/{}#review", p.proposal_id))
                            .map_err(AppError::internal)?
                            .to_string(),
                    });
                }
                // one event's queue when all are of one event, else the first's
                let queue_link = base_url
                    .join(&format!("events/{}/review", pending[0].event_slug))
                    .map_err(AppError::internal)?
                    .to_string();
                let content = ReviewDigest {
                    name: name.clone(),
                    items,
                    queue_link,
                }
                .render()
                .map_err(AppError::internal)?;
                let single_event = pending.iter().all(|p| p.event_id == pending[0].event_id);
                let dedupe_key = format!("review-digest:{}:{}", reviewer.0, now.timestamp_micros());
                let fresh = mail::enqueue(
                    conn,
                    key,
                    OutgoingEmail {
                        dedupe_key: dedupe_key.clone(),
                        kind: "review_digest",
                        event_id: single_event.then(|| crate::domain::EventId(pending[0].event_id)),
                        proposal_id: None,
                        to: mail::mailbox_text(&name, &email),
                        content,
                        secret: None,
                    },
                )
                .await?;
                // due in the round that queued it
                crate::db::outbox::due_by(conn, &dedupe_key, now).await?;
                Ok(fresh)
            })
            .await?;
        queued += usize::from(fresh);
    }
    if queued > 0 {
        tracing::info!(queued, "review digests queued");
    }
    Ok(queued)
}
