//! Decisions and their audit trail, releases, the chairs' email templates, the accepted list.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::proposals::Proposal;
use crate::domain::{Decision, EventId, ProposalId, ProposalState, UserId};
use crate::schema::{decision_audit, email_templates, events, proposals, users};

pub async fn set_decision(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    decision: Decision,
    note: &str,
    chair: Option<UserId>,
) -> QueryResult<Proposal> {
    diesel::update(proposals::table.find(proposal_id))
        .set((
            proposals::decision.eq(Some(decision)),
            proposals::decision_note.eq(note),
            proposals::decided_by.eq(chair),
            proposals::decided_at.eq(Some(Utc::now())),
        ))
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await
}

pub struct AuditEntry<'a> {
    pub proposal_id: ProposalId,
    pub actor: Option<UserId>,
    /// `decide`, `release`, `confirm`, `decline` or `promote`
    pub action: &'a str,
    pub before: Option<&'a str>,
    pub after: &'a str,
    pub note: &'a str,
}

pub async fn audit(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(decision_audit::table)
        .values((
            decision_audit::id.eq(uuid::Uuid::now_v7()),
            decision_audit::proposal_id.eq(entry.proposal_id),
            decision_audit::actor_id.eq(entry.actor),
            decision_audit::action.eq(entry.action),
            decision_audit::before.eq(entry.before),
            decision_audit::after.eq(entry.after),
            decision_audit::note.eq(entry.note),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub actor: Option<String>,
    pub action: String,
    pub before: Option<String>,
    pub after: String,
    pub note: String,
    pub at: DateTime<Utc>,
}

pub async fn audit_of(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> QueryResult<Vec<AuditRow>> {
    decision_audit::table
        .left_join(users::table.on(decision_audit::actor_id.eq(users::id.nullable())))
        .filter(decision_audit::proposal_id.eq(proposal_id))
        .order((decision_audit::created_at.asc(), decision_audit::id.asc()))
        .select((
            users::name.nullable(),
            decision_audit::action,
            decision_audit::before,
            decision_audit::after,
            decision_audit::note,
            decision_audit::created_at,
        ))
        .load(conn)
        .await
}

/// Proposals whose current decision has not been released yet, locked for the release.
pub async fn unreleased_for_update(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Proposal>> {
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::decision.is_not_null())
        .filter(proposals::state.ne(ProposalState::Withdrawn))
        .filter(
            proposals::released_decision
                .is_null()
                .or(proposals::released_decision
                    .nullable()
                    .ne(proposals::decision)),
        )
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .select(Proposal::as_select())
        .for_update()
        .load(conn)
        .await
}

pub async fn mark_released(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    decision: Decision,
    state: ProposalState,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::update(proposals::table.find(proposal_id))
        .set((
            proposals::released_decision.eq(Some(decision)),
            proposals::released_at.eq(Some(now)),
            proposals::state.eq(state),
            proposals::responded_at.eq(None::<DateTime<Utc>>),
            proposals::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An accepted speaker's answer: `Confirmed` or `Declined`.
pub async fn set_response(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    state: ProposalState,
) -> QueryResult<Proposal> {
    let now = Utc::now();
    diesel::update(proposals::table.find(proposal_id))
        .set((
            proposals::state.eq(state),
            proposals::responded_at.eq(Some(now)),
            proposals::updated_at.eq(now),
        ))
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await
}

/// Accepted (released) proposals whose speakers have not answered yet.
pub async fn unconfirmed(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Proposal>> {
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::state.eq(ProposalState::Accepted))
        .order(proposals::title.asc())
        .select(Proposal::as_select())
        .load(conn)
        .await
}

// ---- email templates ----

pub async fn template_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    kind: &str,
) -> QueryResult<Option<(String, String)>> {
    email_templates::table
        .find((event_id, kind))
        .select((email_templates::subject, email_templates::body))
        .first(conn)
        .await
        .optional()
}

pub async fn upsert_template(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    kind: &str,
    subject: &str,
    body: &str,
    by: UserId,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(email_templates::table)
        .values((
            email_templates::event_id.eq(event_id),
            email_templates::kind.eq(kind),
            email_templates::subject.eq(subject),
            email_templates::body.eq(body),
            email_templates::updated_by.eq(Some(by)),
            email_templates::updated_at.eq(now),
        ))
        .on_conflict((email_templates::event_id, email_templates::kind))
        .do_update()
        .set((
            email_templates::subject.eq(subject),
            email_templates::body.eq(body),
            email_templates::updated_by.eq(Some(by)),
            email_templates::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete_template(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    kind: &str,
) -> QueryResult<usize> {
    diesel::delete(email_templates::table.find((event_id, kind)))
        .execute(conn)
        .await
}

// ---- publishing ----

pub async fn set_published(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    published: bool,
) -> QueryResult<Option<DateTime<Utc>>> {
    let now = Utc::now();
    if published {
        // publishing again keeps the first date
        diesel::update(
            events::table
                .find(event_id)
                .filter(events::published_at.is_null()),
        )
        .set((
            events::published_at.eq(Some(now)),
            events::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    } else {
        diesel::update(events::table.find(event_id))
            .set((
                events::published_at.eq(None::<DateTime<Utc>>),
                events::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
    }
    events::table
        .find(event_id)
        .select(events::published_at)
        .first(conn)
        .await
}

/// Accepted and confirmed proposals of the event, by title.
pub async fn accepted_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Proposal>> {
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::state.eq_any([ProposalState::Accepted, ProposalState::Confirmed]))
        .order((proposals::title.asc(), proposals::id.asc()))
        .select(Proposal::as_select())
        .load(conn)
        .await
}

#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct Fingerprint {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub event_id: EventId,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    /// Changes whenever anything the public list shows changes (see the migration's trigger).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub version: String,
}

/// One cheap query: whether the event's accepted list is published, and a version of what it
/// shows, so that every server process sees a change made through any other at once.
pub async fn fingerprint(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> QueryResult<Option<Fingerprint>> {
    // one row by its unique key: `public_version` is bumped by triggers (migration 000009)
    diesel::sql_query(
        "SELECT id AS event_id, published_at, \
         concat_ws('/', updated_at, public_version) AS version \
         FROM events WHERE slug = $1",
    )
    .bind::<diesel::sql_types::Text, _>(slug)
    .get_result(conn)
    .await
    .optional()
}
