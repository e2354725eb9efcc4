//! Proposals, their co-speakers, revisions, and idempotency keys.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{Decision, EventId, ProposalId, ProposalState, UserId};
use crate::schema::{
    co_speakers, idempotency_keys, proposal_revisions, proposals, tag_corrections, users,
};

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

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: ProposalId,
    changes: &ProposalChanges<'_>,
) -> QueryResult<Proposal> {
    diesel::update(proposals::table.find(id))
        .set(changes)
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await
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

/// True when the user is the proposal's submitter or an accepted co-speaker.
pub async fn is_speaker(
    conn: &mut AsyncPgConnection,
    proposal: &Proposal,
    user_id: UserId,
) -> QueryResult<bool> {
    if proposal.submitter_id == user_id {
        return Ok(true);
    }
    let found: Option<uuid::Uuid> = co_speakers::table
        .filter(co_speakers::proposal_id.eq(proposal.id))
        .filter(co_speakers::user_id.eq(user_id))
        .filter(co_speakers::accepted_at.is_not_null())
        .select(co_speakers::id)
        .first(conn)
        .await
        .optional()?;
    Ok(found.is_some())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    pub proposal_id: ProposalId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub primary: bool,
}

#[derive(Debug, Clone, Queryable)]
pub struct CoSpeakerInvite {
    pub proposal_id: ProposalId,
    pub email: String,
    pub accepted: bool,
}

/// Speakers (submitter first, then accepted co-speakers in order) of many proposals, in two queries.
pub async fn speakers_of(
    conn: &mut AsyncPgConnection,
    ids: &[ProposalId],
) -> QueryResult<Vec<Speaker>> {
    let primaries: Vec<(ProposalId, UserId, String, String)> = proposals::table
        .inner_join(users::table.on(users::id.eq(proposals::submitter_id)))
        .filter(proposals::id.eq_any(ids))
        .select((proposals::id, users::id, users::name, users::email))
        .load(conn)
        .await?;
    let co: Vec<(ProposalId, UserId, String, String)> = co_speakers::table
        .inner_join(users::table.on(co_speakers::user_id.eq(users::id.nullable())))
        .filter(co_speakers::proposal_id.eq_any(ids))
        .filter(co_speakers::accepted_at.is_not_null())
        .order((co_speakers::proposal_id, co_speakers::position))
        .select((
            co_speakers::proposal_id,
            users::id,
            users::name,
            users::email,
        ))
        .load(conn)
        .await?;
    let to_speaker = |primary: bool| {
        move |(proposal_id, user_id, name, email)| Speaker {
            proposal_id,
            user_id,
            name,
            email,
            primary,
        }
    };
    Ok(primaries
        .into_iter()
        .map(to_speaker(true))
        .chain(co.into_iter().map(to_speaker(false)))
        .collect())
}

/// Every co-speaker invitation of these proposals, accepted or not.
pub async fn invitations_of(
    conn: &mut AsyncPgConnection,
    ids: &[ProposalId],
) -> QueryResult<Vec<CoSpeakerInvite>> {
    co_speakers::table
        .filter(co_speakers::proposal_id.eq_any(ids))
        .order((co_speakers::proposal_id, co_speakers::position))
        .select((
            co_speakers::proposal_id,
            co_speakers::email,
            co_speakers::accepted_at.is_not_null(),
        ))
        .load(conn)
        .await
}

pub async fn insert_co_speaker(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    email: &str,
    email_normalized: &str,
    token_hash: &[u8],
    position: i32,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    diesel::insert_into(co_speakers::table)
        .values((
            co_speakers::id.eq(id),
            co_speakers::proposal_id.eq(proposal_id),
            co_speakers::email.eq(email),
            co_speakers::email_normalized.eq(email_normalized),
            co_speakers::invite_token_hash.eq(token_hash),
            co_speakers::position.eq(position),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

pub async fn remove_co_speakers(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    emails_normalized: &[String],
) -> QueryResult<usize> {
    diesel::delete(
        co_speakers::table
            .filter(co_speakers::proposal_id.eq(proposal_id))
            .filter(co_speakers::email_normalized.eq_any(emails_normalized)),
    )
    .execute(conn)
    .await
}

/// (co-speaker row id, proposal id, accepted yet) for an invitation token.
pub async fn find_invitation(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<(uuid::Uuid, ProposalId, Option<UserId>)>> {
    co_speakers::table
        .filter(co_speakers::invite_token_hash.eq(token_hash))
        .select((
            co_speakers::id,
            co_speakers::proposal_id,
            co_speakers::user_id,
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn accept_invitation(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    user_id: UserId,
) -> QueryResult<()> {
    diesel::update(
        co_speakers::table
            .find(id)
            .filter(co_speakers::accepted_at.is_null()),
    )
    .set((
        co_speakers::user_id.eq(user_id),
        co_speakers::accepted_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn insert_revision(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    author_id: UserId,
    changes: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(proposal_revisions::table)
        .values((
            proposal_revisions::id.eq(uuid::Uuid::now_v7()),
            proposal_revisions::proposal_id.eq(proposal_id),
            proposal_revisions::author_id.eq(author_id),
            proposal_revisions::changes.eq(changes),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable)]
pub struct Revision {
    pub author_name: String,
    pub changes: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub async fn revisions_of(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> QueryResult<Vec<Revision>> {
    proposal_revisions::table
        .inner_join(users::table.on(users::id.eq(proposal_revisions::author_id)))
        .filter(proposal_revisions::proposal_id.eq(proposal_id))
        .order(proposal_revisions::created_at.asc())
        .select((
            users::name,
            proposal_revisions::changes,
            proposal_revisions::created_at,
        ))
        .load(conn)
        .await
}

/// A tag with less confidence than this is worth a chair's look.
pub const NEEDS_CHECK_BELOW: f32 = 0.7;

/// Who may see which proposals in a list.
pub enum ListScope {
    All,
    /// Submitted by the user or co-presented (accepted invitation).
    SpeakerOf(UserId),
    /// Exactly these (what a reviewer may see, worked out by `crate::review`).
    Only(Vec<ProposalId>),
    /// Every one not withdrawn.
    Active,
}

pub struct ListFilter<'a> {
    pub track: Option<&'a str>,
    pub state: Option<ProposalState>,
    /// Only proposals whose tag deserves a human look (see `NEEDS_CHECK_BELOW`).
    pub needs_check: bool,
    /// Strictly after this (created_at, id).
    pub after: Option<(DateTime<Utc>, ProposalId)>,
    pub limit: i64,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    scope: ListScope,
    filter: ListFilter<'_>,
) -> QueryResult<Vec<Proposal>> {
    let mut query = proposals::table
        .filter(proposals::event_id.eq(event_id))
        .select(Proposal::as_select())
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .limit(filter.limit)
        .into_boxed();
    if let ListScope::SpeakerOf(user_id) = scope {
        let co_presented = co_speakers::table
            .filter(co_speakers::user_id.eq(user_id))
            .filter(co_speakers::accepted_at.is_not_null())
            .select(co_speakers::proposal_id);
        query = query.filter(
            proposals::submitter_id
                .eq(user_id)
                .or(proposals::id.eq_any(co_presented)),
        );
    }
    if matches!(scope, ListScope::Active) {
        query = query.filter(proposals::state.ne(ProposalState::Withdrawn));
    }
    if let ListScope::Only(ids) = scope {
        query = query.filter(proposals::id.eq_any(ids));
    }
    if let Some(track) = filter.track {
        // the effective track: a chair's override, else the speaker's choice, else the tagger's
        query = query.filter(
            proposals::chair_track
                .eq(track)
                .or(proposals::chair_track.is_null().and(
                    proposals::speaker_track
                        .eq(track)
                        .or(proposals::speaker_track
                            .is_null()
                            .and(proposals::auto_track.eq(track))),
                )),
        );
    }
    if let Some(state) = filter.state {
        query = query.filter(proposals::state.eq(state));
    }
    if filter.needs_check {
        // no chair has decided, and the tagger is unsure or the speaker disagrees with it
        query = query.filter(proposals::chair_track.is_null()).filter(
            proposals::auto_confidence
                .lt(NEEDS_CHECK_BELOW)
                .or(proposals::speaker_track.is_not_null().and(
                    proposals::speaker_track
                        .nullable()
                        .ne(proposals::auto_track),
                )),
        );
    }
    if let Some((at, id)) = filter.after {
        query = query.filter(
            proposals::created_at
                .gt(at)
                .or(proposals::created_at.eq(at).and(proposals::id.gt(id))),
        );
    }
    query.load(conn).await
}

/// The event's proposals that are not withdrawn, oldest first; of one track when named.
pub async fn active_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    track: Option<&str>,
) -> QueryResult<Vec<Proposal>> {
    list(
        conn,
        event_id,
        ListScope::Active,
        ListFilter {
            track,
            state: None,
            needs_check: false,
            after: None,
            limit: i64::MAX,
        },
    )
    .await
}

/// Proposals where the user speaks, across all events (newest first), with their event's slug and title.
pub async fn list_for_speaker(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<(Proposal, String, String)>> {
    use crate::schema::events;
    let co_presented = co_speakers::table
        .filter(co_speakers::user_id.eq(user_id))
        .filter(co_speakers::accepted_at.is_not_null())
        .select(co_speakers::proposal_id);
    proposals::table
        .inner_join(events::table)
        .filter(
            proposals::submitter_id
                .eq(user_id)
                .or(proposals::id.eq_any(co_presented)),
        )
        .order(proposals::created_at.desc())
        .select((Proposal::as_select(), events::slug, events::title))
        .load(conn)
        .await
}

// ---- idempotency keys ----

pub enum IdempotencyClaim {
    /// First use of the key: go ahead, then `store_idempotent_response`.
    Fresh,
    /// Seen before with the same request: replay this.
    Replay {
        status: u16,
        body: serde_json::Value,
    },
    /// Seen before with a different request.
    Mismatch,
}

/// Claims the key inside the caller's transaction. A concurrent request with the same key waits
/// on the primary key until this transaction ends, then replays what it stored.
pub async fn claim_idempotency_key(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    key: &str,
    request_hash: &[u8],
) -> QueryResult<IdempotencyClaim> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::created_at.lt(Utc::now() - chrono::Duration::hours(24))),
    )
    .execute(conn)
    .await?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(IdempotencyClaim::Fresh);
    }
    let (hash, status, body): (Vec<u8>, Option<i16>, Option<serde_json::Value>) =
        idempotency_keys::table
            .find((user_id, key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::response_status,
                idempotency_keys::response_body,
            ))
            .first(conn)
            .await?;
    Ok(match (hash == request_hash, status, body) {
        (true, Some(status), Some(body)) => IdempotencyClaim::Replay {
            status: status as u16,
            body,
        },
        _ => IdempotencyClaim::Mismatch,
    })
}

pub async fn store_idempotent_response(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((user_id, key)))
        .set((
            idempotency_keys::response_status.eq(status as i16),
            idempotency_keys::response_body.eq(body),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

// ---- a chair's track override ----

pub async fn set_chair_track(
    conn: &mut AsyncPgConnection,
    proposal: &Proposal,
    chair_id: UserId,
    track: Option<&str>,
    subtopics: &[String],
) -> QueryResult<Proposal> {
    let now = Utc::now();
    let updated = diesel::update(proposals::table.find(proposal.id))
        .set((
            proposals::chair_track.eq(track),
            proposals::chair_subtopics.eq(track.map(|_| subtopics)),
            proposals::chair_set_by.eq(Some(chair_id)),
            proposals::chair_set_at.eq(Some(now)),
        ))
        .returning(Proposal::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(tag_corrections::table)
        .values((
            tag_corrections::id.eq(uuid::Uuid::now_v7()),
            tag_corrections::proposal_id.eq(proposal.id),
            tag_corrections::event_id.eq(proposal.event_id),
            tag_corrections::chair_id.eq(chair_id),
            tag_corrections::title.eq(&proposal.title),
            tag_corrections::abstract_text.eq(&proposal.abstract_text),
            tag_corrections::auto_track.eq(&proposal.auto_track),
            tag_corrections::auto_confidence.eq(proposal.auto_confidence),
            tag_corrections::corrected_track.eq(track),
            tag_corrections::subtopics.eq(subtopics),
        ))
        .execute(conn)
        .await?;
    Ok(updated)
}

#[derive(Debug, Clone, Queryable)]
pub struct TagCorrection {
    pub title: String,
    pub abstract_text: String,
    pub auto_track: Option<String>,
    pub auto_confidence: Option<f32>,
    pub corrected_track: Option<String>,
    pub chair_name: String,
    pub created_at: DateTime<Utc>,
}

pub async fn tag_corrections_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<TagCorrection>> {
    tag_corrections::table
        .inner_join(users::table.on(users::id.eq(tag_corrections::chair_id)))
        .filter(tag_corrections::event_id.eq(event_id))
        .order(tag_corrections::created_at.asc())
        .select((
            tag_corrections::title,
            tag_corrections::abstract_text,
            tag_corrections::auto_track,
            tag_corrections::auto_confidence,
            tag_corrections::corrected_track,
            users::name,
            tag_corrections::created_at,
        ))
        .load(conn)
        .await
}
