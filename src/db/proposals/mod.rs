//! Proposals: the row and its writes here; co-speakers, revisions, lists, idempotency keys and
//! the chairs' tag corrections in the files beside this one.

mod drafts;
mod idempotency;
mod lists;
mod revisions;
mod search;
pub mod sheet;
mod speakers;
mod tag_corrections;

pub use drafts::{
    Draft, DraftContent, delete_draft, drafts_of, find_draft, find_draft_for_update, insert_draft,
    update_draft,
};
pub use idempotency::{IdempotencyClaim, claim_idempotency_key, store_idempotent_response};
pub use lists::{
    ListFilter, ListScope, NEEDS_CHECK_BELOW, ProposalChoiceRow, active_choices, decision_counts,
    in_states, list, list_for_speaker, of_event_by_ids,
};
pub use revisions::{Revision, insert_revision, revisions_of};
pub use search::{ChairFilter, ColumnSort, ColumnValue, chair_list, search_matches};
pub use speakers::{
    CoSpeakerInvite, Speaker, accept_invitation, co_speaker_invitation, find_invitation,
    insert_co_speaker, invitations_of, is_speaker, remove_co_speakers, renew_invitation_token,
    speakers_of,
};
pub use tag_corrections::{TagCorrection, set_chair_track, tag_corrections_of};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{Decision, EventId, ProposalId, ProposalState, UserId};
use crate::schema::proposals;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct Proposal {
    pub id: ProposalId,
    pub event_id: EventId,
    pub submitter_id: UserId,
    pub title: String,
    pub abstract_text: String,
    pub notes: String,
    pub format: String,
    pub links: Vec<String>,
    pub state: ProposalState,
    pub speaker_track: Option<String>,
    pub auto_track: Option<String>,
    pub auto_confidence: Option<f32>,
    pub auto_subtopics: Vec<String>,
    pub auto_evidence: Vec<String>,
    pub chair_track: Option<String>,
    pub chair_subtopics: Option<Vec<String>>,
    pub chair_set_by: Option<UserId>,
    pub chair_set_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub decision: Option<Decision>,
    pub decision_note: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub released_decision: Option<Decision>,
    pub released_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    /// Bumped by every edit of the speaker-editable content; the API's ETag.
    pub version: i64,
    /// Answers to the event's questions, by key (`domain::questions`).
    pub answers: serde_json::Value,
}

impl Proposal {
    /// The track it counts under: a chair's override, else the speaker's choice, else the tag.
    pub fn track(&self) -> Option<&str> {
        self.chair_track
            .as_deref()
            .or(self.speaker_track.as_deref())
            .or(self.auto_track.as_deref())
    }
}

#[derive(Insertable)]
#[diesel(table_name = proposals)]
pub struct NewProposal<'a> {
    pub id: ProposalId,
    pub event_id: EventId,
    pub submitter_id: UserId,
    pub title: &'a str,
    pub abstract_text: &'a str,
    pub notes: &'a str,
    pub format: &'a str,
    pub links: &'a [String],
    pub speaker_track: Option<&'a str>,
    pub auto_track: &'a str,
    pub auto_confidence: f32,
    pub auto_subtopics: &'a [String],
    pub auto_evidence: &'a [String],
    pub answers: &'a serde_json::Value,
}

/// The fields a speaker's edit may change (None: unchanged).
#[derive(AsChangeset, Default)]
#[diesel(table_name = proposals)]
pub struct ProposalChanges<'a> {
    pub title: Option<&'a str>,
    pub abstract_text: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub format: Option<&'a str>,
    pub links: Option<&'a [String]>,
    pub speaker_track: Option<Option<&'a str>>,
    pub auto_track: Option<&'a str>,
    pub auto_confidence: Option<f32>,
    pub auto_subtopics: Option<&'a [String]>,
    pub auto_evidence: Option<&'a [String]>,
    pub answers: Option<&'a serde_json::Value>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewProposal<'_>) -> QueryResult<Proposal> {
    diesel::insert_into(proposals::table)
        .values(&new)
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: ProposalId) -> QueryResult<Option<Proposal>> {
    proposals::table
        .find(id)
        .select(Proposal::as_select())
        .first(conn)
        .await
        .optional()
}

/// The event a proposal belongs to.
pub async fn event_of(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
) -> QueryResult<Option<EventId>> {
    proposals::table
        .find(id)
        .select(proposals::event_id)
        .first(conn)
        .await
        .optional()
}

/// Locks the row for the rest of the transaction (edits and withdrawals serialize on it).
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
) -> QueryResult<Option<Proposal>> {
    proposals::table
        .find(id)
        .select(Proposal::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Writes a speaker's edit if the proposal is still at `expected_version` (None: whatever it is),
/// bumping the version when `bump` (something changed) in the same statement. None when the
/// version moved on: the check and the write are one statement, so two edits made from the same
/// version cannot both succeed.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
    expected_version: Option<i64>,
    changes: &ProposalChanges<'_>,
    bump: bool,
) -> QueryResult<Option<Proposal>> {
    let bumped = proposals::version.eq(proposals::version + i64::from(bump));
    let target = proposals::table.find(id);
    match expected_version {
        Some(version) => {
            diesel::update(target.filter(proposals::version.eq(version)))
                .set((changes, bumped))
                .returning(Proposal::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set((changes, bumped))
                .returning(Proposal::as_returning())
                .get_result(conn)
                .await
        }
    }
    .optional()
}

pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
    state: ProposalState,
) -> QueryResult<Proposal> {
    let now = Utc::now();
    let withdrawn_at = state.is_withdrawn().then_some(now);
    diesel::update(proposals::table.find(id))
        .set((
            proposals::state.eq(state),
            proposals::updated_at.eq(now),
            proposals::withdrawn_at.eq(withdrawn_at),
        ))
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await
}

/// Serialises one speaker's submissions to one event until the transaction ends, so that
/// counting their proposals and inserting one cannot interleave with another request's (the
/// per-speaker cap would not hold under concurrent requests otherwise).
pub async fn lock_submissions_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    submitter: UserId,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))")
        .bind::<diesel::sql_types::Text, _>(event_id.to_string())
        .bind::<diesel::sql_types::Text, _>(submitter.to_string())
        .execute(conn)
        .await
        .map(|_| ())
}

/// Proposals the user submitted to the event that are still in the running.
pub async fn count_active_by_submitter(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    user_id: UserId,
) -> QueryResult<i64> {
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::submitter_id.eq(user_id))
        .filter(proposals::state.ne(ProposalState::Withdrawn))
        .count()
        .get_result(conn)
        .await
}
