//! Review assignments, stored conflicts, reviews and their history.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::conflicts::{ReviewerIdentity, SpeakerIdentity, StoredConflict};
use crate::domain::{EventId, ProposalId, ProposalState, UserId};
use crate::schema::{
    co_speakers, event_members, events, proposals, review_assignments, review_conflicts,
    review_history, reviews, users,
};

// ---- assignments ----

/// Every (reviewer, proposal) assignment of the event.
pub async fn assignments_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(UserId, ProposalId)>> {
    review_assignments::table
        .inner_join(proposals::table)
        .filter(proposals::event_id.eq(event_id))
        .select((
            review_assignments::reviewer_id,
            review_assignments::proposal_id,
        ))
        .load(conn)
        .await
}

/// The proposal's assigned reviewers: (id, name, source).
pub async fn assignments_of_proposal(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> QueryResult<Vec<(UserId, String, String)>> {
    review_assignments::table
        .inner_join(users::table.on(users::id.eq(review_assignments::reviewer_id)))
        .filter(review_assignments::proposal_id.eq(proposal_id))
        .order(users::name.asc())
        .select((users::id, users::name, review_assignments::source))
        .load(conn)
        .await
}

pub async fn is_assigned(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    reviewer_id: UserId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        review_assignments::table
            .filter(review_assignments::proposal_id.eq(proposal_id))
            .filter(review_assignments::reviewer_id.eq(reviewer_id)),
    ))
    .get_result(conn)
    .await
}

/// Adds these (reviewer, proposal) pairs; pairs already assigned are left as they are.
/// Returns how many were new.
pub async fn insert_assignments(
    conn: &mut AsyncPgConnection,
    pairs: &[(UserId, ProposalId)],
    source: &str,
    assigned_by: Option<UserId>,
) -> QueryResult<usize> {
    let mut added = 0;
    // in chunks, to stay far below PostgreSQL's bind-parameter limit
    for chunk in pairs.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(reviewer, proposal)| {
                (
                    review_assignments::proposal_id.eq(*proposal),
                    review_assignments::reviewer_id.eq(*reviewer),
                    review_assignments::source.eq(source),
                    review_assignments::assigned_by.eq(assigned_by),
                )
            })
            .collect();
        added += diesel::insert_into(review_assignments::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(added)
}

/// Adds these (reviewer, proposal) pairs as made automatically on submission, pending their
/// digest email (`notified_at` NULL); pairs already assigned are left as they are.
pub async fn insert_pending_assignments(
    conn: &mut AsyncPgConnection,
    pairs: &[(UserId, ProposalId)],
) -> QueryResult<usize> {
    let rows: Vec<_> = pairs
        .iter()
        .map(|(reviewer, proposal)| {
            (
                review_assignments::proposal_id.eq(*proposal),
                review_assignments::reviewer_id.eq(*reviewer),
                review_assignments::source.eq("auto"),
                review_assignments::notified_at.eq(None::<DateTime<Utc>>),
            )
        })
        .collect();
    diesel::insert_into(review_assignments::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
}

/// One assignment not yet told to its reviewer, with what the digest shows.
#[derive(Debug, Clone, QueryableByName)]
pub struct PendingAssignment {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub proposal_id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub event_id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_slug: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_title: String,
}

/// Reviewers with assignments pending their digest whose last digest is older than `since`
/// (or who never had one), with their name and email.
pub async fn reviewers_due_a_digest(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
) -> QueryResult<Vec<(UserId, String, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        email: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT u.id, u.name, u.email FROM users u \
         WHERE EXISTS (SELECT 1 FROM review_assignments a \
                       WHERE a.reviewer_id = u.id AND a.notified_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM review_digests d \
                         WHERE d.reviewer_id = u.id AND d.last_sent_at > $1) \
         ORDER BY u.id",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (UserId(r.id), r.name, r.email))
        .collect())
}

/// Claims the reviewer's digest slot at `now`: true when their last digest is older than
/// `since` (or there was none), and records `now` as the last; false when another digest has
/// been sent since. Serializes concurrent workers on the reviewer's row.
pub async fn claim_digest_slot(
    conn: &mut AsyncPgConnection,
    reviewer: UserId,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> QueryResult<bool> {
    let claimed = diesel::sql_query(
        "INSERT INTO review_digests (reviewer_id, last_sent_at) VALUES ($1, $2) \
         ON CONFLICT (reviewer_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at \
         WHERE review_digests.last_sent_at <= $3",
    )
    .bind::<diesel::sql_types::Uuid, _>(reviewer.0)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .execute(conn)
    .await?;
    Ok(claimed == 1)
}

/// The reviewer's assignments pending their digest (proposals not withdrawn), locked, marked
/// notified at `now`, oldest first.
pub async fn take_pending_assignments(
    conn: &mut AsyncPgConnection,
    reviewer: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Vec<PendingAssignment>> {
    diesel::sql_query(
        "WITH taken AS ( \
            UPDATE review_assignments SET notified_at = $2 \
            WHERE reviewer_id = $1 AND notified_at IS NULL \
            RETURNING proposal_id, created_at) \
         SELECT p.id AS proposal_id, p.title, e.id AS event_id, e.slug AS event_slug, \
                e.title AS event_title \
         FROM taken JOIN proposals p ON p.id = taken.proposal_id \
         JOIN events e ON e.id = p.event_id \
         WHERE p.state <> 'withdrawn' \
         ORDER BY e.slug, taken.created_at, p.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(reviewer.0)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .load(conn)
    .await
}

/// Removes the proposal's assignments of reviewers not in `keep`.
pub async fn remove_assignments_except(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    keep: &[UserId],
) -> QueryResult<usize> {
    diesel::delete(
        review_assignments::table
            .filter(review_assignments::proposal_id.eq(proposal_id))
            .filter(diesel::dsl::not(
                review_assignments::reviewer_id.eq_any(keep),
            )),
    )
    .execute(conn)
    .await
}

pub async fn remove_assignment(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    reviewer_id: UserId,
) -> QueryResult<usize> {
    diesel::delete(
        review_assignments::table
            .filter(review_assignments::proposal_id.eq(proposal_id))
            .filter(review_assignments::reviewer_id.eq(reviewer_id)),
    )
    .execute(conn)
    .await
}

/// Drops a (former) member's assignments in the event; their reviews stay.
pub async fn remove_assignments_in_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    reviewer_id: UserId,
) -> QueryResult<usize> {
    let of_event = proposals::table
        .filter(proposals::event_id.eq(event_id))
        .select(proposals::id);
    diesel::delete(
        review_assignments::table
            .filter(review_assignments::reviewer_id.eq(reviewer_id))
            .filter(review_assignments::proposal_id.eq_any(of_event)),
    )
    .execute(conn)
    .await
}

// ---- identities and stored conflicts ----

/// The event's members (chairs and reviewers) as conflict inputs, with role and track restriction.
pub async fn member_identities(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(ReviewerIdentity, String, Option<Vec<String>>, String)>> {
    type Row = (UserId, String, String, Option<Vec<String>>, String);
    let rows: Vec<Row> = event_members::table
        .inner_join(users::table)
        .filter(event_members::event_id.eq(event_id))
        .order(users::name.asc())
        .select((
            users::id,
            users::email_normalized,
            event_members::role,
            event_members::tracks,
            users::name,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email_normalized, role, tracks, name)| {
            (
                ReviewerIdentity {
                    id,
                    email_normalized,
                },
                role,
                tracks,
                name,
            )
        })
        .collect())
}

pub async fn user_identity(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Option<ReviewerIdentity>> {
    users::table
        .find(user_id)
        .select(users::email_normalized)
        .first::<String>(conn)
        .await
        .optional()
        .map(|email| {
            email.map(|email_normalized| ReviewerIdentity {
                id: user_id,
                email_normalized,
            })
        })
}

pub async fn user_identities(
    conn: &mut AsyncPgConnection,
    ids: &[UserId],
) -> QueryResult<Vec<ReviewerIdentity>> {
    let rows: Vec<(UserId, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::email_normalized))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, email_normalized)| ReviewerIdentity {
            id,
            email_normalized,
        })
        .collect())
}

/// Submitters and co-speakers (invited or accepted) of these proposals.
pub async fn speaker_identities(
    conn: &mut AsyncPgConnection,
    proposal_ids: &[ProposalId],
) -> QueryResult<Vec<SpeakerIdentity>> {
    let submitters: Vec<(ProposalId, UserId, String)> = proposals::table
        .inner_join(users::table.on(users::id.eq(proposals::submitter_id)))
        .filter(proposals::id.eq_any(proposal_ids))
        .select((proposals::id, users::id, users::email_normalized))
        .load(conn)
        .await?;
    let co: Vec<(ProposalId, Option<UserId>, String)> = co_speakers::table
        .filter(co_speakers::proposal_id.eq_any(proposal_ids))
        .select((
            co_speakers::proposal_id,
            co_speakers::user_id,
            co_speakers::email_normalized,
        ))
        .load(conn)
        .await?;
    Ok(submitters
        .into_iter()
        .map(|(proposal, user, email_normalized)| SpeakerIdentity {
            proposal,
            user: Some(user),
            email_normalized,
        })
        .chain(
            co.into_iter()
                .map(|(proposal, user, email_normalized)| SpeakerIdentity {
                    proposal,
                    user,
                    email_normalized,
                }),
        )
        .collect())
}

/// Stored conflicts for these proposals.
pub async fn stored_conflicts(
    conn: &mut AsyncPgConnection,
    proposal_ids: &[ProposalId],
) -> QueryResult<Vec<StoredConflict>> {
    let rows: Vec<(ProposalId, UserId, bool, String)> = review_conflicts::table
        .filter(review_conflicts::proposal_id.eq_any(proposal_ids))
        .select((
            review_conflicts::proposal_id,
            review_conflicts::reviewer_id,
            review_conflicts::conflicted,
            review_conflicts::source,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(proposal, reviewer, conflicted, source)| StoredConflict {
            proposal,
            reviewer,
            conflicted,
            by_chair: source == "chair",
        })
        .collect())
}

pub async fn upsert_conflict(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    reviewer_id: UserId,
    conflicted: bool,
    source: &str,
    set_by: UserId,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(review_conflicts::table)
        .values((
            review_conflicts::proposal_id.eq(proposal_id),
            review_conflicts::reviewer_id.eq(reviewer_id),
            review_conflicts::conflicted.eq(conflicted),
            review_conflicts::source.eq(source),
            review_conflicts::set_by.eq(Some(set_by)),
            review_conflicts::updated_at.eq(now),
        ))
        .on_conflict((review_conflicts::proposal_id, review_conflicts::reviewer_id))
        .do_update()
        .set((
            review_conflicts::conflicted.eq(conflicted),
            review_conflicts::source.eq(source),
            review_conflicts::set_by.eq(Some(set_by)),
            review_conflicts::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete_conflict(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    reviewer_id: UserId,
) -> QueryResult<usize> {
    diesel::delete(
        review_conflicts::table
            .filter(review_conflicts::proposal_id.eq(proposal_id))
            .filter(review_conflicts::reviewer_id.eq(reviewer_id)),
    )
    .execute(conn)
    .await
}

// ---- reviews ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
pub struct Review {
    pub id: uuid::Uuid,
    pub proposal_id: ProposalId,
    pub reviewer_id: UserId,
    pub score: i16,
    pub confidence: i16,
    pub comment_for_chairs: String,
    pub comment_for_speakers: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Per-criterion scores `{key: score}` when the event had criteria at the review's writing.
    pub criteria: Option<serde_json::Value>,
}

pub struct ReviewInput<'a> {
    pub score: i16,
    pub criteria: Option<&'a serde_json::Value>,
    pub confidence: i16,
    pub comment_for_chairs: &'a str,
    pub comment_for_speakers: &'a str,
}

/// Creates or replaces the reviewer's review of the proposal, and records the new version in
/// the history. Returns the review and whether it is new.
pub async fn upsert_review(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    reviewer_id: UserId,
    input: &ReviewInput<'_>,
) -> QueryResult<(Review, bool)> {
    let now = Utc::now();
    let inserted: Option<Review> = diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(uuid::Uuid::now_v7()),
            reviews::proposal_id.eq(proposal_id),
            reviews::reviewer_id.eq(reviewer_id),
            reviews::score.eq(input.score),
            reviews::confidence.eq(input.confidence),
            reviews::comment_for_chairs.eq(input.comment_for_chairs),
            reviews::comment_for_speakers.eq(input.comment_for_speakers),
            reviews::criteria.eq(input.criteria),
        ))
        .on_conflict_do_nothing()
        .returning(Review::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    let (review, created) = match inserted {
        Some(review) => (review, true),
        None => {
            let review = diesel::update(
                reviews::table
                    .filter(reviews::proposal_id.eq(proposal_id))
                    .filter(reviews::reviewer_id.eq(reviewer_id)),
            )
            .set((
                reviews::score.eq(input.score),
                reviews::confidence.eq(input.confidence),
                reviews::comment_for_chairs.eq(input.comment_for_chairs),
                reviews::comment_for_speakers.eq(input.comment_for_speakers),
                reviews::criteria.eq(input.criteria),
                reviews::updated_at.eq(now),
            ))
            .returning(Review::as_returning())
            .get_result(conn)
            .await?;
            (review, false)
        }
    };
    diesel::insert_into(review_history::table)
        .values((
            review_history::id.eq(uuid::Uuid::now_v7()),
            review_history::review_id.eq(review.id),
            review_history::score.eq(review.score),
            review_history::confidence.eq(review.confidence),
            review_history::comment_for_chairs.eq(&review.comment_for_chairs),
            review_history::comment_for_speakers.eq(&review.comment_for_speakers),
            review_history::recorded_at.eq(now),
            review_history::criteria.eq(&review.criteria),
        ))
        .execute(conn)
        .await?;
    Ok((review, created))
}

/// A proposal's reviews with their authors' names, oldest first.
pub async fn reviews_of_proposal(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> QueryResult<Vec<(Review, String)>> {
    reviews::table
        .inner_join(users::table)
        .filter(reviews::proposal_id.eq(proposal_id))
        .order(reviews::created_at.asc())
        .select((Review::as_select(), users::name))
        .load(conn)
        .await
}

/// Which of these proposals nobody has reviewed yet (one query).
pub async fn unreviewed_among(
    conn: &mut AsyncPgConnection,
    proposal_ids: &[ProposalId],
) -> QueryResult<Vec<ProposalId>> {
    use crate::schema::proposals;
    proposals::table
        .filter(proposals::id.eq_any(proposal_ids))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            reviews::table.filter(reviews::proposal_id.eq(proposals::id)),
        )))
        .select(proposals::id)
        .load(conn)
        .await
}

/// Every review of the event's proposals that are not withdrawn.
pub async fn reviews_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Review>> {
    reviews::table
        .inner_join(proposals::table)
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::state.ne(ProposalState::Withdrawn))
        .select(Review::as_select())
        .load(conn)
        .await
}

pub async fn count_reviews_of_event(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<i64> {
    reviews::table
        .inner_join(proposals::table)
        .filter(proposals::event_id.eq(event_id))
        .count()
        .get_result(conn)
        .await
}

/// How many versions each review has had (1 = never changed).
pub async fn version_counts(
    conn: &mut AsyncPgConnection,
    review_ids: &[uuid::Uuid],
) -> QueryResult<Vec<(uuid::Uuid, i64)>> {
    review_history::table
        .filter(review_history::review_id.eq_any(review_ids))
        .group_by(review_history::review_id)
        .select((review_history::review_id, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Serializes the writes of one event that lock its proposals: taken before any proposal row,
/// always (`proposals::lock_with_event`), since the review_version triggers update the event row
/// after them, and a transaction holding a proposal while waiting for the event would deadlock
/// with one holding the event while waiting for that proposal. NO KEY UPDATE, as the triggers'
/// own UPDATE takes: inserts that merely reference the event (a submission) are not held up.
pub async fn lock_event(conn: &mut AsyncPgConnection, event_id: EventId) -> QueryResult<()> {
    events::table
        .find(event_id)
        .select(events::id)
        .for_no_key_update()
        .first::<EventId>(conn)
        .await
        .map(|_| ())
}

/// Names of these users (for former reviewers, who are no longer members).
pub async fn names_of(
    conn: &mut AsyncPgConnection,
    ids: &[UserId],
) -> QueryResult<Vec<(UserId, String)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)
        .await
}

// ---- the reviewer's queue ----

/// Whose queue, of which event: the member, whether they may review every proposal (a
/// reviewer where `reviewers_see_all`), and their track restriction.
#[derive(Debug, Clone)]
pub struct QueueScope {
    pub event_id: EventId,
    pub reviewer_id: UserId,
    pub see_all: bool,
    pub tracks: Option<Vec<String>>,
}

/// A row's place in the queue's order: its segment (0 pending and assigned, 1 pending and
/// merely visible, 2 done and assigned, 3 done and merely visible), then oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueKey {
    pub segment: i32,
    pub created_at: DateTime<Utc>,
    pub id: uuid::Uuid,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct QueueRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub segment: i32,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub track: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub format: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::SmallInt>)]
    pub my_score: Option<i16>,
}

impl QueueRow {
    pub fn key(&self) -> QueueKey {
        QueueKey {
            segment: self.segment,
            created_at: self.created_at,
            id: self.id,
        }
    }
}

/// The queue's candidates strictly after `after`, at most `limit`, in queue order: the event's
/// proposals that are not withdrawn, within the member's tracks, assigned to them (or, with
/// `see_all`, any), with their score once reviewed. Conflicts are not judged here.
///
/// Each segment is its own sub-query, ordered and limited by an index (a reviewer's
/// assignments or reviews; the event's proposals by (created_at, id)), so a page costs what it
/// shows plus the reviewer's own rows, never the whole event.
pub async fn queue_candidates(
    conn: &mut AsyncPgConnection,
    scope: &QueueScope,
    after: Option<QueueKey>,
    limit: i64,
) -> QueryResult<Vec<QueueRow>> {
    use diesel::sql_types::{Array, Bool, Integer, Nullable, Text, Timestamptz, Uuid};
    // $1 event, $2 reviewer, $3 see_all, $4 tracks, $5..$7 the cursor, $8 limit
    const COMMON: &str = "p.event_id = $1 AND p.state <> 'withdrawn' \
        AND ($4::text[] IS NULL OR COALESCE(p.chair_track, p.speaker_track, p.auto_track) IS NULL \
             OR COALESCE(p.chair_track, p.speaker_track, p.auto_track) = ANY($4::text[]))";
    const COLUMNS: &str = "p.id, p.title, \
        COALESCE(p.chair_track, p.speaker_track, p.auto_track) AS track, p.format, p.created_at";
    const ASSIGNED: &str = "EXISTS (SELECT 1 FROM review_assignments a WHERE a.proposal_id = p.id AND a.reviewer_id = $2)";
    const REVIEWED: &str =
        "EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = p.id AND r.reviewer_id = $2)";
    let after_in = |segment: i32| {
        format!("({segment} > $5 OR ({segment} = $5 AND (p.created_at, p.id) > ($6, $7)))")
    };
    let branches = [
        // The reviewer's unreviewed assignments first, fenced (OFFSET 0) so the planner cannot
        // walk the event's proposals in page order probing each: with every assignment reviewed
        // that walk read the whole event (15 ms at 5,000 proposals) to find nothing.
        format!(
            "SELECT 0 AS segment, {COLUMNS}, NULL::int2 AS my_score \
             FROM (SELECT a0.proposal_id FROM review_assignments a0 \
                   WHERE a0.reviewer_id = $2 AND NOT EXISTS (SELECT 1 FROM reviews r \
                         WHERE r.proposal_id = a0.proposal_id AND r.reviewer_id = $2) \
                   OFFSET 0) pending \
             JOIN proposals p ON p.id = pending.proposal_id \
             WHERE {COMMON} AND {}",
            after_in(0)
        ),
        format!(
            "SELECT 1 AS segment, {COLUMNS}, NULL::int2 AS my_score FROM proposals p \
             WHERE $3 AND {COMMON} AND NOT {ASSIGNED} AND NOT {REVIEWED} AND {}",
            after_in(1)
        ),
        format!(
            "SELECT 2 AS segment, {COLUMNS}, r2.score AS my_score \
             FROM review_assignments a2 JOIN proposals p ON p.id = a2.proposal_id \
             JOIN reviews r2 ON r2.proposal_id = p.id AND r2.reviewer_id = $2 \
             WHERE a2.reviewer_id = $2 AND {COMMON} AND {}",
            after_in(2)
        ),
        format!(
            "SELECT 3 AS segment, {COLUMNS}, r3.score AS my_score \
             FROM reviews r3 JOIN proposals p ON p.id = r3.proposal_id \
             WHERE r3.reviewer_id = $2 AND $3 AND {COMMON} AND NOT {ASSIGNED} AND {}",
            after_in(3)
        ),
    ];
    let sql = format!(
        "SELECT * FROM ({}) q ORDER BY segment, created_at, id LIMIT $8",
        branches
            .iter()
            .map(|b| format!("({b} ORDER BY p.created_at, p.id LIMIT $8)"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    );
    let (segment, at, id) = match after {
        Some(key) => (key.segment, key.created_at, key.id),
        None => (-1, DateTime::<Utc>::UNIX_EPOCH, uuid::Uuid::nil()),
    };
    diesel::sql_query(sql)
        .bind::<Uuid, _>(scope.event_id)
        .bind::<Uuid, _>(scope.reviewer_id)
        .bind::<Bool, _>(scope.see_all)
        .bind::<Nullable<Array<Text>>, _>(scope.tracks.clone())
        .bind::<Integer, _>(segment)
        .bind::<Timestamptz, _>(at)
        .bind::<Uuid, _>(id)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
        .await
}

/// How many of the reviewer's assigned proposals (not withdrawn, within their tracks) there
/// are, with ids; for the queue page's progress (conflicts are judged by the caller).
pub async fn assigned_in_event(
    conn: &mut AsyncPgConnection,
    scope: &QueueScope,
) -> QueryResult<Vec<(ProposalId, bool)>> {
    use diesel::sql_types::{Array, Bool, Nullable, Text, Uuid};
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Uuid)]
        id: uuid::Uuid,
        #[diesel(sql_type = Bool)]
        reviewed: bool,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT p.id, EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = p.id AND r.reviewer_id = $2) AS reviewed \
         FROM review_assignments a JOIN proposals p ON p.id = a.proposal_id \
         WHERE a.reviewer_id = $2 AND p.event_id = $1 AND p.state <> 'withdrawn' \
         AND ($3::text[] IS NULL OR COALESCE(p.chair_track, p.speaker_track, p.auto_track) IS NULL \
              OR COALESCE(p.chair_track, p.speaker_track, p.auto_track) = ANY($3::text[]))",
    )
    .bind::<Uuid, _>(scope.event_id)
    .bind::<Uuid, _>(scope.reviewer_id)
    .bind::<Nullable<Array<Text>>, _>(scope.tracks.clone())
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (ProposalId(r.id), r.reviewed))
        .collect())
}
