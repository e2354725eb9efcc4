//! Drafts (`proposal_drafts`): a speaker's unfinished proposals, in a table no chair's query
//! reads. Submitting one inserts it into `proposals` under the same id and deletes it here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{EventId, ProposalId, UserId};
use crate::schema::proposal_drafts;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposal_drafts)]
pub struct Draft {
    pub id: ProposalId,
    pub event_id: EventId,
    pub submitter_id: UserId,
    pub title: String,
    pub abstract_text: String,
    pub notes: String,
    pub format: String,
    pub speaker_track: Option<String>,
    pub co_speakers: Vec<String>,
    pub links: Vec<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub answers: serde_json::Value,
}

/// A draft's content, as written on creation and on every save.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = proposal_drafts, treat_none_as_null = true)]
pub struct DraftContent<'a> {
    pub title: &'a str,
    pub abstract_text: &'a str,
    pub notes: &'a str,
    pub format: &'a str,
    pub speaker_track: Option<&'a str>,
    pub co_speakers: &'a [String],
    pub links: &'a [String],
    pub answers: &'a serde_json::Value,
}

pub async fn insert_draft(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
    event_id: EventId,
    submitter_id: UserId,
    content: &DraftContent<'_>,
) -> QueryResult<Draft> {
    diesel::insert_into(proposal_drafts::table)
        .values((
            proposal_drafts::id.eq(id),
            proposal_drafts::event_id.eq(event_id),
            proposal_drafts::submitter_id.eq(submitter_id),
            content,
        ))
        .returning(Draft::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_draft(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
) -> QueryResult<Option<Draft>> {
    proposal_drafts::table
        .find(id)
        .select(Draft::as_select())
        .first(conn)
        .await
        .optional()
}

/// The draft, locked for the rest of the transaction (saves and the submission serialize on it).
pub async fn find_draft_for_update(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
) -> QueryResult<Option<Draft>> {
    proposal_drafts::table
        .find(id)
        .select(Draft::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Saves a draft's content, bumping its version; None when it is gone.
pub async fn update_draft(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
    content: &DraftContent<'_>,
) -> QueryResult<Option<Draft>> {
    diesel::update(proposal_drafts::table.find(id))
        .set((
            content,
            proposal_drafts::version.eq(proposal_drafts::version + 1),
            proposal_drafts::updated_at.eq(Utc::now()),
        ))
        .returning(Draft::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn delete_draft(conn: &mut AsyncPgConnection, id: ProposalId) -> QueryResult<usize> {
    diesel::delete(proposal_drafts::table.find(id))
        .execute(conn)
        .await
}

/// A user's drafts in every event, the latest saved first.
pub async fn drafts_of(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<Draft>> {
    proposal_drafts::table
        .filter(proposal_drafts::submitter_id.eq(user))
        .order((proposal_drafts::updated_at.desc(), proposal_drafts::id))
        .select(Draft::as_select())
        .load(conn)
        .await
}
