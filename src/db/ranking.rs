//! Slim queries behind the chairs' ranking and dashboard: the cache key, and the few columns the
//! calibration, the filters and the reviewers' progress need (never abstracts or comments).

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Float4, Int2, Nullable, Text, Timestamptz, Uuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::{Stream, TryStreamExt};

use crate::db::proposals::NEEDS_CHECK_BELOW;
use crate::domain::conflicts::{SpeakerIdentity, StoredConflict};
use crate::domain::{Decision, EventId, ProposalId, ProposalState, UserId};

/// A proposal's effective track in SQL: a chair's override, else the speaker's choice, else the
/// tagger's (`Proposal::track`).
const TRACK: &str = "COALESCE(p.chair_track, p.speaker_track, p.auto_track)";

/// What a cached ranking was built from: `events.review_version` (bumped by triggers on every
/// change that can change the ranking but a new submission) and the number of the event's
/// proposals (which catches new submissions). Both only grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct RankingKey {
    #[diesel(sql_type = BigInt)]
    pub version: i64,
    #[diesel(sql_type = BigInt)]
    pub proposals: i64,
}

impl RankingKey {
    /// Built from at least everything this key saw.
    pub fn covers(&self, other: &RankingKey) -> bool {
        self.version >= other.version && self.proposals >= other.proposals
    }
}

/// One small query: the event's row by its key and an index-only count on `proposals_event`.
pub async fn ranking_key(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Option<RankingKey>> {
    diesel::sql_query(
        "SELECT e.review_version AS version, \
         (SELECT count(*) FROM proposals p WHERE p.event_id = e.id) AS proposals \
         FROM events e WHERE e.id = $1",
    )
    .bind::<Uuid, _>(event_id)
    .get_result(conn)
    .await
    .optional()
}

/// A proposal as the ranking and the dashboard's filters see it.
#[derive(Debug, Clone, QueryableByName)]
pub struct SlimProposal {
    #[diesel(sql_type = Uuid)]
    pub id: ProposalId,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Text>)]
    pub track: Option<String>,
    #[diesel(sql_type = Text)]
    pub state: ProposalState,
    #[diesel(sql_type = Nullable<Text>)]
    pub decision: Option<Decision>,
    /// The dashboard's "needs a check" (`ListFilter::needs_check`).
    #[diesel(sql_type = Bool)]
    pub needs_check: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub released_decision: Option<Decision>,
    #[diesel(sql_type = Text)]
    pub format: String,
}

/// Every proposal of the event, withdrawn ones included, oldest first.
pub async fn proposals_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<SlimProposal>> {
    let mut rows = Vec::new();
    each_proposal_of_event(conn, event_id, |p| rows.push(p)).await?;
    Ok(rows)
}

/// `proposals_of_event`, one row at a time as it arrives: a caller folding 100,000 rows into
/// something smaller never holds them all.
pub async fn each_proposal_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    each: impl FnMut(SlimProposal),
) -> QueryResult<()> {
    let rows = diesel::sql_query(format!(
        "SELECT p.id, p.created_at, {TRACK} AS track, p.state, p.decision, \
         COALESCE(p.chair_track IS NULL AND (p.auto_confidence < $2 \
             OR (p.speaker_track IS NOT NULL AND p.speaker_track <> p.auto_track)), false) \
             AS needs_check, p.released_decision, p.format \
         FROM proposals p WHERE p.event_id = $1 ORDER BY p.created_at, p.id"
    ))
    .bind::<Uuid, _>(event_id)
    .bind::<Float4, _>(NEEDS_CHECK_BELOW)
    .load_stream(conn)
    .await?;
    for_each(rows, each).await
}

/// Feeds every row of a stream to `each`, stopping at the first error.
async fn for_each<T>(
    mut rows: impl Stream<Item = QueryResult<T>> + Unpin,
    mut each: impl FnMut(T),
) -> QueryResult<()> {
    while let Some(row) = rows.try_next().await? {
        each(row);
    }
    Ok(())
}

/// A review as the calibration sees it.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct SlimReview {
    #[diesel(sql_type = Uuid)]
    pub proposal_id: ProposalId,
    #[diesel(sql_type = Uuid)]
    pub reviewer_id: UserId,
    #[diesel(sql_type = Int2)]
    pub score: i16,
    #[diesel(sql_type = Int2)]
    pub confidence: i16,
}

/// The reviews of the event's proposals that are not withdrawn, one at a time as they arrive
/// (500,000 at 100,000 proposals).
pub async fn each_review_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    each: impl FnMut(SlimReview),
) -> QueryResult<()> {
    let rows = diesel::sql_query(
        "SELECT r.proposal_id, r.reviewer_id, r.score, r.confidence \
         FROM reviews r JOIN proposals p ON p.id = r.proposal_id \
         WHERE p.event_id = $1 AND p.state <> 'withdrawn'",
    )
    .bind::<Uuid, _>(event_id)
    .load_stream(conn)
    .await?;
    for_each(rows, each).await
}

#[derive(QueryableByName)]
struct Pair {
    #[diesel(sql_type = Uuid)]
    reviewer_id: UserId,
    #[diesel(sql_type = Uuid)]
    proposal_id: ProposalId,
}

/// (reviewer, proposal) of every assignment to the event's proposals that are not withdrawn,
/// one at a time as they arrive.
pub async fn each_assignment_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    mut each: impl FnMut(UserId, ProposalId),
) -> QueryResult<()> {
    let rows = diesel::sql_query(
        "SELECT a.reviewer_id, a.proposal_id \
         FROM review_assignments a JOIN proposals p ON p.id = a.proposal_id \
         WHERE p.event_id = $1 AND p.state <> 'withdrawn'",
    )
    .bind::<Uuid, _>(event_id)
    .load_stream(conn)
    .await?;
    for_each(rows, |r: Pair| each(r.reviewer_id, r.proposal_id)).await
}

#[derive(QueryableByName)]
struct SpeakerRow {
    #[diesel(sql_type = Uuid)]
    proposal_id: ProposalId,
    #[diesel(sql_type = Nullable<Uuid>)]
    user_id: Option<UserId>,
    #[diesel(sql_type = Text)]
    email_normalized: String,
}

/// Submitters and co-speakers (invited or accepted) of the event's proposals not withdrawn, those
/// `keep` accepts (read one at a time: an event has one per proposal at least).
pub async fn speakers_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    keep: impl Fn(&SpeakerIdentity) -> bool,
) -> QueryResult<Vec<SpeakerIdentity>> {
    let rows = diesel::sql_query(
        "SELECT p.id AS proposal_id, u.id AS user_id, u.email_normalized \
         FROM proposals p JOIN users u ON u.id = p.submitter_id \
         WHERE p.event_id = $1 AND p.state <> 'withdrawn' \
         UNION ALL \
         SELECT c.proposal_id, c.user_id, c.email_normalized \
         FROM co_speakers c JOIN proposals p ON p.id = c.proposal_id \
         WHERE p.event_id = $1 AND p.state <> 'withdrawn'",
    )
    .bind::<Uuid, _>(event_id)
    .load_stream(conn)
    .await?;
    let mut kept = Vec::new();
    for_each(rows, |r: SpeakerRow| {
        let speaker = SpeakerIdentity {
            proposal: r.proposal_id,
            user: r.user_id,
            email_normalized: r.email_normalized,
        };
        if keep(&speaker) {
            kept.push(speaker);
        }
    })
    .await?;
    Ok(kept)
}

#[derive(QueryableByName)]
struct ConflictRow {
    #[diesel(sql_type = Uuid)]
    proposal_id: ProposalId,
    #[diesel(sql_type = Uuid)]
    reviewer_id: UserId,
    #[diesel(sql_type = Bool)]
    conflicted: bool,
    #[diesel(sql_type = Bool)]
    by_chair: bool,
}

/// Declared, chair-set and chair-cleared conflicts on the event's proposals not withdrawn.
pub async fn stored_conflicts_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<StoredConflict>> {
    let rows: Vec<ConflictRow> = diesel::sql_query(
        "SELECT c.proposal_id, c.reviewer_id, c.conflicted, c.source = 'chair' AS by_chair \
         FROM review_conflicts c JOIN proposals p ON p.id = c.proposal_id \
         WHERE p.event_id = $1 AND p.state <> 'withdrawn'",
    )
    .bind::<Uuid, _>(event_id)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredConflict {
            proposal: r.proposal_id,
            reviewer: r.reviewer_id,
            conflicted: r.conflicted,
            by_chair: r.by_chair,
        })
        .collect())
}

/// A member of the event (chair or reviewer), with their track restriction.
#[derive(Debug, Clone, QueryableByName)]
pub struct Member {
    #[diesel(sql_type = Uuid)]
    pub user_id: UserId,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    pub tracks: Option<Vec<String>>,
}

/// The member may review a proposal of this track (`accounts::policy::track_allows`).
fn track_allowed() -> String {
    format!("(m.tracks IS NULL OR {TRACK} IS NULL OR {TRACK} = ANY(m.tracks))")
}

/// Every member of the event, by name: O(members); their assignments are counted from the
/// ranked event, which has already read every assignment and review.
pub async fn members_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Member>> {
    diesel::sql_query(
        "SELECT u.id AS user_id, u.name, u.email, m.role, m.tracks \
         FROM event_members m JOIN users u ON u.id = m.user_id \
         WHERE m.event_id = $1 \
         ORDER BY u.name, u.id",
    )
    .bind::<Uuid, _>(event_id)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
struct PendingRow {
    #[diesel(sql_type = Uuid)]
    reviewer_id: UserId,
    #[diesel(sql_type = Uuid)]
    proposal_id: ProposalId,
    #[diesel(sql_type = Text)]
    title: String,
}

/// (member, proposal, title) of every assignment counted by `member_progress` not reviewed yet,
/// oldest proposal first.
pub async fn pending_reviews(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(UserId, ProposalId, String)>> {
    let rows: Vec<PendingRow> = diesel::sql_query(format!(
        "SELECT a.reviewer_id, p.id AS proposal_id, p.title \
         FROM review_assignments a \
         JOIN proposals p ON p.id = a.proposal_id \
         JOIN event_members m ON m.event_id = p.event_id AND m.user_id = a.reviewer_id \
         WHERE p.event_id = $1 AND p.state <> 'withdrawn' AND {allowed} \
           AND NOT EXISTS (SELECT 1 FROM reviews r \
               WHERE r.proposal_id = a.proposal_id AND r.reviewer_id = a.reviewer_id) \
         ORDER BY p.created_at, p.id",
        allowed = track_allowed()
    ))
    .bind::<Uuid, _>(event_id)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.reviewer_id, r.proposal_id, r.title))
        .collect())
}

/// The titles of these proposals (a page's).
pub async fn titles_of(
    conn: &mut AsyncPgConnection,
    ids: &[ProposalId],
) -> QueryResult<Vec<(ProposalId, String)>> {
    use crate::schema::proposals;
    proposals::table
        .filter(proposals::id.eq_any(ids))
        .select((proposals::id, proposals::title))
        .load(conn)
        .await
}
