//! The transactional outbox: rows written beside the state change that causes them, leased
//! to workers in short statements (`FOR UPDATE SKIP LOCKED` only while a claim runs).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, OutboxId};
use crate::schema::outbox;

#[derive(Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutboxRow<'a> {
    pub id: OutboxId,
    pub dedupe_key: &'a str,
    pub kind: &'a str,
    pub event_id: Option<EventId>,
    pub proposal_id: Option<uuid::Uuid>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub secret_sealed: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: OutboxId,
    pub dedupe_key: String,
    pub kind: String,
    pub event_id: Option<EventId>,
    pub proposal_id: Option<uuid::Uuid>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub secret_sealed: Option<Vec<u8>>,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The event's contact address when the email was written: its `Reply-To`.
    pub reply_to: Option<String>,
}

/// Inserts the row unless its dedupe key exists; true when inserted. Its `reply_to` is the
/// contact address of its event (if any) at this moment, read in the same statement.
pub async fn insert(conn: &mut AsyncPgConnection, row: NewOutboxRow<'_>) -> QueryResult<bool> {
    use crate::schema::events;
    let reply_to = events::table
        .filter(events::id.nullable().eq(row.event_id))
        .select(events::contact_email)
        .single_value()
        .assume_not_null();
    let inserted = diesel::insert_into(outbox::table)
        .values((&row, outbox::reply_to.eq(reply_to.nullable())))
        .on_conflict(outbox::dedupe_key)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Makes the unsent email named `dedupe_key` due at `at` at the latest: a job that queues mail
/// for the round it runs in (the reviewers' digests) has it sent in that same round.
pub async fn due_by(
    conn: &mut AsyncPgConnection,
    dedupe_key: &str,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::dedupe_key.eq(dedupe_key))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.gt(at)),
    )
    .set(outbox::next_attempt_at.eq(at))
    .execute(conn)
    .await
}

/// Deletes the queued emails named `dedupe_key` or `dedupe_key:…` that no worker holds a
/// lease on: an invitation whose link was renewed or cancelled before its email went out, which
/// would carry a dead link. One being sent stays (it may be on the wire already); a claim that
/// runs at the same time takes the row first or finds it gone. Returns how many.
pub async fn delete_unsent(
    conn: &mut AsyncPgConnection,
    dedupe_key: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let escaped: String = dedupe_key
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    diesel::delete(
        outbox::table
            .filter(
                outbox::dedupe_key
                    .eq(dedupe_key)
                    .or(outbox::dedupe_key.like(format!("{escaped}:%"))),
            )
            .filter(outbox::state.eq("queued"))
            .filter(
                outbox::lease_until
                    .is_null()
                    .or(outbox::lease_until.le(now)),
            ),
    )
    .execute(conn)
    .await
}

/// When the newest email named `dedupe_key` or `dedupe_key:…` was queued, if any.
pub async fn last_queued_at(
    conn: &mut AsyncPgConnection,
    dedupe_key: &str,
) -> QueryResult<Option<DateTime<Utc>>> {
    let escaped: String = dedupe_key
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    outbox::table
        .filter(
            outbox::dedupe_key
                .eq(dedupe_key)
                .or(outbox::dedupe_key.like(format!("{escaped}:%"))),
        )
        .select(diesel::dsl::max(outbox::created_at))
        .first(conn)
        .await
}

/// Leases up to `limit` rows due at `now` (queued, their attempt due, no lease or one that ran
/// out by `now`) to `token` until `lease_until`, in one statement: the rows are locked only
/// while it runs (`FOR UPDATE SKIP LOCKED`, so concurrent claims take different rows), and no
/// transaction stays open afterwards. Returned in delivery order (due first, then by id).
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    token: uuid::Uuid,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    // (diesel's DSL has no UPDATE … WHERE id IN (a locking subquery with LIMIT))
    let mut rows: Vec<OutboxRow> = diesel::sql_query(
        "UPDATE outbox SET lease_until = $1, lease_token = $2 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE state = 'queued' AND next_attempt_at <= $3 \
                        AND (lease_until IS NULL OR lease_until <= $3) \
                      ORDER BY next_attempt_at, id LIMIT $4 \
                      FOR UPDATE SKIP LOCKED) \
         RETURNING outbox.*",
    )
    .bind::<Timestamptz, _>(lease_until)
    .bind::<diesel::sql_types::Uuid, _>(token)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    rows.sort_by_key(|row| (row.next_attempt_at, row.id));
    Ok(rows)
}

/// Extends the lease of those of `ids` still leased to `token` and queued; returns them.
pub async fn renew_lease(
    conn: &mut AsyncPgConnection,
    ids: &[OutboxId],
    token: uuid::Uuid,
    lease_until: DateTime<Utc>,
) -> QueryResult<Vec<OutboxId>> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::lease_token.eq(token))
            .filter(outbox::state.eq("queued")),
    )
    .set(outbox::lease_until.eq(lease_until))
    .returning(outbox::id)
    .get_results(conn)
    .await
}

/// Gives back the leases of those of `ids` still leased to `token` and queued (a worker
/// stopping with claimed rows it did not start): claimable again at once. Returns how many.
pub async fn release_lease(
    conn: &mut AsyncPgConnection,
    ids: &[OutboxId],
    token: uuid::Uuid,
) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::lease_token.eq(token))
            .filter(outbox::state.eq("queued")),
    )
    .set((
        outbox::lease_until.eq(None::<DateTime<Utc>>),
        outbox::lease_token.eq(None::<uuid::Uuid>),
    ))
    .execute(conn)
    .await
}

/// The row `id`, if still leased to the token and queued (see [`leased`]).
type Leased = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<outbox::table, OutboxId>,
        diesel::dsl::Eq<outbox::lease_token, uuid::Uuid>,
    >,
    diesel::dsl::Eq<outbox::state, &'static str>,
>;

/// The row leased to `token`, still queued: what a worker may record an outcome on.
fn leased(id: OutboxId, token: uuid::Uuid) -> Leased {
    outbox::table
        .find(id)
        .filter(outbox::lease_token.eq(token))
        .filter(outbox::state.eq("queued"))
}

/// Lets the current transaction commit without waiting for its WAL record to reach the disk
/// (a few ms each, which capped delivery at ~200 emails/s). Used for recording an email's
/// outcome only: a crash of the database server may forget the last fraction of a second of
/// such records, and a row whose "sent" was forgotten is leased and sent again, with the same
/// Message-ID, which at-least-once delivery allows. Nothing is ever half-written.
async fn without_flush(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SET LOCAL synchronous_commit TO off")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks the row sent and ends its lease, if it is still leased to `token`; false when the
/// lease was lost (it ran out and another worker took the row).
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: OutboxId,
    token: uuid::Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let updated = conn
        .transaction(async |conn| {
            without_flush(conn).await?;
            diesel::update(leased(id, token))
                .set((
                    outbox::state.eq("sent"),
                    outbox::sent_at.eq(now),
                    outbox::attempts.eq(outbox::attempts + 1),
                    outbox::last_error.eq(None::<String>),
                    outbox::last_error_at.eq(None::<DateTime<Utc>>),
                    // the secret has done its job
                    outbox::secret_sealed.eq(None::<Vec<u8>>),
                    outbox::lease_until.eq(None::<DateTime<Utc>>),
                    outbox::lease_token.eq(None::<uuid::Uuid>),
                ))
                .execute(conn)
                .await
        })
        .await?;
    Ok(updated == 1)
}

/// Records a failed attempt (what and when) and ends the lease: retried at `retry_at`, or failed
/// for good when None. False when the lease was lost.
pub async fn mark_attempt_failed(
    conn: &mut AsyncPgConnection,
    id: OutboxId,
    token: uuid::Uuid,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<bool> {
    let error: String = error.chars().take(2000).collect();
    let failed_at = Utc::now();
    let updated = conn
        .transaction(async |conn| {
            without_flush(conn).await?;
            match retry_at {
                Some(at) => {
                    diesel::update(leased(id, token))
                        .set((
                            outbox::attempts.eq(outbox::attempts + 1),
                            outbox::last_error.eq(error),
                            outbox::last_error_at.eq(failed_at),
                            outbox::next_attempt_at.eq(at),
                            outbox::lease_until.eq(None::<DateTime<Utc>>),
                            outbox::lease_token.eq(None::<uuid::Uuid>),
                        ))
                        .execute(conn)
                        .await
                }
                None => {
                    diesel::update(leased(id, token))
                        .set((
                            outbox::attempts.eq(outbox::attempts + 1),
                            outbox::last_error.eq(error),
                            outbox::last_error_at.eq(failed_at),
                            outbox::state.eq("failed"),
                            outbox::lease_until.eq(None::<DateTime<Utc>>),
                            outbox::lease_token.eq(None::<uuid::Uuid>),
                        ))
                        .execute(conn)
                        .await
                }
            }
        })
        .await?;
    Ok(updated == 1)
}

/// (state, count) for every state present: the outbox depth for /metrics.
pub async fn count_by_state(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::state)
        .select((outbox::state, diesel::dsl::count_star()))
        .load(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: OutboxId) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The event's emails, newest first, strictly before the cursor (created_at, id).
pub async fn list_for_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    state: Option<&str>,
    before: Option<(DateTime<Utc>, OutboxId)>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox::table
        .filter(outbox::event_id.eq(event_id))
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .limit(limit)
        .select(OutboxRow::as_select())
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(outbox::state.eq(state));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            outbox::created_at
                .lt(at)
                .or(outbox::created_at.eq(at).and(outbox::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// Queues a failed email again, due now; false when it is not (or no longer) failed.
pub async fn retry_failed(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    id: OutboxId,
) -> QueryResult<bool> {
    let updated = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::event_id.eq(event_id))
            .filter(outbox::state.eq("failed")),
    )
    // a fresh round of attempts: one transient failure must not fail it again at once
    .set((
        outbox::state.eq("queued"),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(Utc::now()),
        outbox::lease_until.eq(None::<DateTime<Utc>>),
        outbox::lease_token.eq(None::<uuid::Uuid>),
    ))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}
