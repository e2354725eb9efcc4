//! The transactional outbox: rows written beside the state change that causes them,
//! claimed by workers with FOR UPDATE SKIP LOCKED.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

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

#[derive(Debug, Clone, Queryable, Selectable)]
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
}

/// Inserts the row unless its dedupe key exists; true when inserted.
pub async fn insert(conn: &mut AsyncPgConnection, row: NewOutboxRow<'_>) -> QueryResult<bool> {
    let inserted = diesel::insert_into(outbox::table)
        .values(&row)
        .on_conflict(outbox::dedupe_key)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Locks the next due row for this transaction; other workers skip it.
pub async fn claim_next_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::state.eq("queued"))
        .filter(outbox::next_attempt_at.le(now))
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .select(OutboxRow::as_select())
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: OutboxId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::state.eq("sent"),
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
            // the secret has done its job
            outbox::secret_sealed.eq(None::<Vec<u8>>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when None.
pub async fn mark_attempt_failed(
    conn: &mut AsyncPgConnection,
    id: OutboxId,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let error: String = error.chars().take(2000).collect();
    match retry_at {
        Some(at) => diesel::update(outbox::table.find(id))
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(error),
                outbox::next_attempt_at.eq(at),
            ))
            .execute(conn)
            .await
            .map(|_| ()),
        None => diesel::update(outbox::table.find(id))
            .set((
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_error.eq(error),
                outbox::state.eq("failed"),
            ))
            .execute(conn)
            .await
            .map(|_| ()),
    }
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
    ))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}
