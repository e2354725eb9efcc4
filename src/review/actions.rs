//! Review: assignments, conflicts of interest, reviews, the ranking and reviewer reminders.
//! Shared by the JSON API and the pages; who may do what is decided in `auth::policy`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{
    ProposalAccess, event_access, proposal_access, review_standing, track_allows,
};
pub use crate::accounts::policy::{conflict_between, event_conflicts};
use crate::db::events::{self, Event, EventRoleKind};
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::db::reviews::{self as db, ReviewInput};
use crate::domain::conflicts::{ConflictReason, ReviewerIdentity};
use crate::domain::{ProposalId, ProposalState, Transition, UserId, clean_text};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::review::assignment;
use crate::review::ranking::{self, Aggregate};
use crate::state::AppState;

// ---- conflicts ----

/// The proposals a member may review: for a reviewer the assigned ones, or every one when the
/// event lets reviewers review anything; for a chair the ones assigned to them. Never withdrawn,
/// conflicted or outside the member's tracks. (Chairs see every proposal anyway; this is their
/// own review queue.)
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, user.id = %user_id))]
pub async fn reviewable_by(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user_id: UserId,
) -> AppResult<Vec<Proposal>> {
    let Some((role, tracks)) = events::member_role(conn, event.id, user_id).await? else {
        return Ok(Vec::new());
    };
    let Some(identity) = db::user_identity(conn, user_id).await? else {
        return Ok(Vec::new());
    };
    let see_all = event.reviewers_see_all && role == EventRoleKind::Reviewer;
    let assigned: HashSet<ProposalId> = db::assignments_of_event(conn, event.id)
        .await?
        .into_iter()
        .filter(|(reviewer, _)| *reviewer == user_id)
        .map(|(_, proposal)| proposal)
        .collect();
    let candidates: Vec<Proposal> = active_proposals(conn, event)
        .await?
        .into_iter()
        .filter(|p| see_all || assigned.contains(&p.id))
        .filter(|p| track_allows(tracks.as_deref(), p))
        .collect();
    let ids: Vec<ProposalId> = candidates.iter().map(|p| p.id).collect();
    let conflicted = event_conflicts(conn, event, &ids, &[identity]).await?;
    Ok(candidates
        .into_iter()
        .filter(|p| !conflicted.contains_key(&(user_id, p.id)))
        .collect())
}

/// The event's proposals that are not withdrawn, oldest first.
async fn active_proposals(conn: &mut AsyncPgConnection, event: &Event) -> AppResult<Vec<Proposal>> {
    Ok(proposals_db::active_of(conn, event.id, None).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictView {
    pub proposal_id: uuid::Uuid,
    pub reviewer_id: uuid::Uuid,
    pub conflicted: bool,
    /// Why, when conflicted.
    pub reason: Option<ConflictReason>,
}

/// Declares or clears a conflict: a reviewer for themselves, or a chair for any member. A
/// conflict removes the pair's assignment in the same transaction.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %proposal_id))]
pub async fn set_conflict(
    state: &AppState,
    user: &CurrentUser,
    proposal_id: ProposalId,
    reviewer_id: UserId,
    conflicted: bool,
) -> AppResult<ConflictView> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        let chair = event_access(conn, &event, &user).await?.can_manage();
        let stored = db::stored_conflicts(conn, &[proposal.id])
            .await?
            .into_iter()
            .find(|s| s.reviewer == reviewer_id);
        if !chair {
            // a reviewer for themselves: they must be able to see the proposal, unless they are
            // taking back a conflict they declared (which hides it from them)
            let taking_back = reviewer_id == user.id
                && !conflicted
                && stored.is_some_and(|s| s.conflicted && !s.by_chair);
            match proposal_access(conn, &event, &proposal, &user).await? {
                Some(ProposalAccess::Reviewer) => {}
                _ if taking_back => {}
                None => return Err(AppError::NotFound),
                Some(_) => {
                    return Err(AppError::Forbidden(
                        "only its reviewers and the chairs manage a proposal's conflicts".into(),
                    ));
                }
            }
            if reviewer_id != user.id {
                return Err(AppError::Forbidden(
                    "reviewers declare conflicts for themselves only".into(),
                ));
            }
        }
        if events::member_role(conn, event.id, reviewer_id)
            .await?
            .is_none()
        {
            return Err(AppError::Validation(FieldErrors::single(
                "reviewer_id",
                "is not a member of this event",
            )));
        }
        let current = conflict_between(conn, &event, proposal.id, reviewer_id).await?;
        if !conflicted && current == Some(ConflictReason::Speaker) {
            return Err(AppError::conflict(
                "conflicted",
                "a speaker of the proposal is always conflicted with it",
            ));
        }
        if !conflicted && current == Some(ConflictReason::Chair) && !chair {
            return Err(AppError::Forbidden(
                "a chair set this conflict; ask a chair to clear it".into(),
            ));
        }
        let source = if chair { "chair" } else { "reviewer" };
        if conflicted {
            db::upsert_conflict(conn, proposal.id, reviewer_id, true, source, user.id).await?;
            db::remove_assignment(conn, proposal.id, reviewer_id).await?;
        } else if chair {
            // kept as a clearing, so that a same-domain conflict stays cleared
            db::upsert_conflict(conn, proposal.id, reviewer_id, false, source, user.id).await?;
        } else {
            db::delete_conflict(conn, proposal.id, reviewer_id).await?;
        }
        let reason = conflict_between(conn, &event, proposal.id, reviewer_id).await?;
        tracing::info!(proposal = %proposal.id, reviewer = %reviewer_id, conflicted, by = %user.id, "conflict set");
        Ok(ConflictView {
            proposal_id: proposal.id.0,
            reviewer_id: reviewer_id.0,
            conflicted: reason.is_some(),
            reason,
        })
    })
    .await
}

// ---- assignments ----

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedReviewer {
    pub id: uuid::Uuid,
    pub name: String,
    /// `manual` or `auto`.
    pub source: String,
    pub reviewed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentsView {
    pub proposal_id: uuid::Uuid,
    pub reviewers: Vec<AssignedReviewer>,
}

#[tracing::instrument(skip_all, fields(proposal.id = %proposal_id))]
pub async fn assignments_view(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
) -> AppResult<AssignmentsView> {
    let reviewed: HashSet<UserId> = db::reviews_of_proposal(conn, proposal_id)
        .await?
        .into_iter()
        .map(|(r, _)| r.reviewer_id)
        .collect();
    Ok(AssignmentsView {
        proposal_id: proposal_id.0,
        reviewers: db::assignments_of_proposal(conn, proposal_id)
            .await?
            .into_iter()
            .map(|(id, name, source)| AssignedReviewer {
                reviewed: reviewed.contains(&id),
                id: id.0,
                name,
                source,
            })
            .collect(),
    })
}

/// A chair sets the proposal's reviewers to exactly this list (members only, none conflicted or
/// outside their tracks).
#[tracing::instrument(skip_all, fields(user.id = %chair.id, proposal.id = %proposal_id))]
pub async fn set_assignments(
    state: &AppState,
    chair: &CurrentUser,
    proposal_id: ProposalId,
    reviewer_ids: Vec<UserId>,
) -> AppResult<AssignmentsView> {
    let mut conn = state.pool.get().await?;
    let chair = chair.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let event_id = proposals_db::find(conn, proposal_id)
            .await?
            .ok_or(AppError::NotFound)?
            .event_id;
        // the event first, then the proposal: the order automatic assignment takes them in
        db::lock_event(conn, event_id).await?;
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        if proposal_access(conn, &event, &proposal, &chair)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound);
        }
        event_access(conn, &event, &chair).await?.require_manage()?;
        proposal
            .state
            .after(Transition::Review)
            .map_err(|refused| AppError::conflict("reviewer_ids", &refused.to_string()))?;
        let mut wanted: Vec<UserId> = reviewer_ids;
        wanted.sort();
        wanted.dedup();
        let members = db::member_identities(conn, event.id).await?;
        let identities: Vec<ReviewerIdentity> = members.iter().map(|m| m.0.clone()).collect();
        let conflicted = event_conflicts(conn, &event, &[proposal.id], &identities).await?;
        let mut errors = FieldErrors::new();
        for id in &wanted {
            match members.iter().find(|m| m.0.id == *id) {
                None => errors.add(
                    "reviewer_ids",
                    format!("{id} is not a member of this event"),
                ),
                Some((_, _, tracks, name)) => {
                    if let Some(reason) = conflicted.get(&(*id, proposal.id)) {
                        errors.add(
                            "reviewer_ids",
                            format!("{name} is conflicted ({})", reason.describe()),
                        );
                    } else if !track_allows(tracks.as_deref(), &proposal) {
                        errors.add("reviewer_ids", format!("{name} reviews only other tracks"));
                    }
                }
            }
        }
        errors.into_result()?;
        db::remove_assignments_except(conn, proposal.id, &wanted).await?;
        let pairs: Vec<(UserId, ProposalId)> = wanted.iter().map(|r| (*r, proposal.id)).collect();
        db::insert_assignments(conn, &pairs, "manual", Some(chair.id)).await?;
        assignments_view(conn, proposal.id).await
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShortProposal {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    /// How many reviewers it has now, fewer than asked because too few are eligible.
    pub reviewers: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutoAssignOutcome {
    /// New assignments made by this run (0 when re-run).
    pub assigned: usize,
    /// Proposals that could not get enough eligible reviewers.
    pub short: Vec<ShortProposal>,
}

/// Gives every active proposal `per_proposal` reviewers from the event's reviewers, balancing
/// loads and respecting track restrictions, conflicts and existing assignments (see
/// `review::assignment`). One transaction; concurrent runs on one event serialize on its row.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn auto_assign(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    per_proposal: usize,
) -> AppResult<AutoAssignOutcome> {
    let mut conn = state.pool.get().await?;
    let (event, chair_id) = (event.clone(), chair.id);
    conn.transaction::<_, AppError, _>(async move |conn| {
        db::lock_event(conn, event.id).await?;
        let proposals = active_proposals(conn, &event).await?;
        let reviewers: Vec<(ReviewerIdentity, Option<Vec<String>>)> =
            db::member_identities(conn, event.id)
                .await?
                .into_iter()
                .filter(|m| m.1 == EventRoleKind::Reviewer.as_str())
                .map(|(identity, _, tracks, _)| (identity, tracks))
                .collect();
        let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
        let identities: Vec<ReviewerIdentity> = reviewers.iter().map(|r| r.0.clone()).collect();
        let conflicted: Vec<(UserId, ProposalId)> =
            event_conflicts(conn, &event, &ids, &identities)
                .await?
                .into_keys()
                .collect();
        // an assignment that has since become conflicted or left the reviewer's tracks gives the
        // proposal no review: it does not count towards k
        let stale: HashSet<(UserId, ProposalId)> = conflicted.iter().copied().collect();
        let by_id: HashMap<ProposalId, &Proposal> = proposals.iter().map(|p| (p.id, p)).collect();
        let tracks_of: HashMap<UserId, Option<&[String]>> = reviewers
            .iter()
            .map(|(identity, tracks)| (identity.id, tracks.as_deref()))
            .collect();
        let existing: Vec<(UserId, ProposalId)> = db::assignments_of_event(conn, event.id)
            .await?
            .into_iter()
            .filter(|pair| !stale.contains(pair))
            .filter(|(r, p)| {
                by_id.get(p).is_some_and(|proposal| {
                    tracks_of
                        .get(r)
                        .is_none_or(|tracks| track_allows(*tracks, proposal))
                })
            })
            .collect();
        let problem_proposals: Vec<assignment::Proposal<ProposalId, String>> = proposals
            .iter()
            .map(|p| assignment::Proposal {
                id: p.id,
                track: p.track().map(str::to_owned),
            })
            .collect();
        let problem_reviewers: Vec<assignment::Reviewer<UserId, String>> = reviewers
            .iter()
            .map(|(identity, tracks)| assignment::Reviewer {
                id: identity.id,
                tracks: tracks.clone(),
            })
            .collect();
        let plan = assignment::plan(&assignment::Problem {
            proposals: &problem_proposals,
            reviewers: &problem_reviewers,
            conflicts: &conflicted,
            existing: &existing,
            per_proposal,
        });
        let assigned = db::insert_assignments(conn, &plan.new, "auto", Some(chair_id)).await?;
        let titles: HashMap<ProposalId, &str> =
            proposals.iter().map(|p| (p.id, p.title.as_str())).collect();
        tracing::info!(event.slug = %event.slug, assigned, per_proposal, "automatic assignment");
        Ok(AutoAssignOutcome {
            assigned,
            short: plan
                .short
                .iter()
                .map(|(p, reviewers)| ShortProposal {
                    proposal_id: p.0,
                    title: titles.get(p).copied().unwrap_or_default().to_owned(),
                    reviewers: *reviewers,
                })
                .collect(),
        })
    })
    .await
}

// ---- reviews ----

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    pub score: i16,
    /// 1 (not my area) to 3 (I know this area well).
    pub confidence: i16,
    #[serde(default)]
    pub comment_for_chairs: String,
    /// May be sent to the speakers with the decision, if the chairs choose.
    #[serde(default)]
    pub comment_for_speakers: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: uuid::Uuid,
    pub proposal_id: uuid::Uuid,
    pub reviewer_id: uuid::Uuid,
    pub reviewer_name: String,
    /// The reviewer is no longer a member of the event; the review stays.
    pub former_reviewer: bool,
    /// Written by the caller.
    pub mine: bool,
    pub score: i16,
    pub score_label: Option<String>,
    pub confidence: i16,
    pub comment_for_chairs: String,
    pub comment_for_speakers: String,
    /// How many versions the review has had (every change is kept).
    pub versions: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewsView {
    pub items: Vec<ReviewView>,
    /// Reviews not shown because the caller has not submitted their own yet.
    pub hidden: usize,
}

fn review_view(
    event: &Event,
    review: &db::Review,
    reviewer_name: String,
    former: bool,
    versions: i64,
    viewer: UserId,
) -> ReviewView {
    ReviewView {
        id: review.id,
        proposal_id: review.proposal_id.0,
        reviewer_id: review.reviewer_id.0,
        reviewer_name,
        former_reviewer: former,
        mine: review.reviewer_id == viewer,
        score: review.score,
        score_label: crate::review::score_label(event.score_min, event.score_max, review.score)
            .map(str::to_owned),
        confidence: review.confidence,
        comment_for_chairs: review.comment_for_chairs.clone(),
        comment_for_speakers: review.comment_for_speakers.clone(),
        versions,
        created_at: review.created_at,
        updated_at: review.updated_at,
    }
}

/// Writes or changes the caller's review; only while reviewing is open, only by a member who may
/// review the proposal. Every version is kept.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %proposal_id))]
pub async fn save_review(
    state: &AppState,
    user: &CurrentUser,
    proposal_id: ProposalId,
    request: ReviewRequest,
) -> AppResult<ReviewView> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        let access = proposal_access(conn, &event, &proposal, &user).await?;
        let standing = review_standing(conn, &event, &proposal, &user).await?;
        if !standing.may_review(&event, &proposal) {
            return Err(match access {
                None => AppError::NotFound,
                Some(_) if standing.conflict.is_some() => {
                    AppError::Forbidden("you are conflicted with this proposal".into())
                }
                Some(_) => AppError::Forbidden(
                    "only reviewers assigned to this proposal may review it".into(),
                ),
            });
        }
        if !event.review_open_at(Utc::now()) {
            return Err(AppError::Forbidden(
                "reviewing is not open for this event".into(),
            ));
        }
        let mut errors = FieldErrors::new();
        if !(event.score_min..=event.score_max).contains(&request.score) {
            errors.add(
                "score",
                format!(
                    "must be a whole number from {} to {}",
                    event.score_min, event.score_max
                ),
            );
        }
        if !(1..=3).contains(&request.confidence) {
            errors.add("confidence", "must be 1, 2 or 3");
        }
        let for_chairs = errors.check(
            "comment_for_chairs",
            clean_text(&request.comment_for_chairs, 0, 10_000, true),
        );
        let for_speakers = errors.check(
            "comment_for_speakers",
            clean_text(&request.comment_for_speakers, 0, 10_000, true),
        );
        errors.into_result()?;
        let input = ReviewInput {
            score: request.score,
            confidence: request.confidence,
            comment_for_chairs: for_chairs.as_deref().unwrap_or_default(),
            comment_for_speakers: for_speakers.as_deref().unwrap_or_default(),
        };
        let (review, created) = db::upsert_review(conn, proposal.id, user.id, &input).await?;
        let versions = db::version_counts(conn, &[review.id])
            .await?
            .first()
            .map_or(1, |(_, n)| *n);
        tracing::info!(proposal = %proposal.id, reviewer = %user.id, created, "review saved");
        Ok(review_view(
            &event,
            &review,
            user.name.clone(),
            false,
            versions,
            user.id,
        ))
    })
    .await
}

/// The proposal's reviews as the caller may see them: chairs all; a reviewer their own, and the
/// others' only once they have submitted theirs; speakers none (403), anyone else 404.
#[tracing::instrument(skip_all, fields(user.id = %user.id, event.slug = %event.slug))]
pub async fn reviews_for(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    proposal: &Proposal,
    event: &Event,
) -> AppResult<ReviewsView> {
    let access = proposal_access(conn, event, proposal, user)
        .await?
        .ok_or(AppError::NotFound)?;
    if access == ProposalAccess::Speaker {
        return Err(AppError::Forbidden(
            "reviews are for the reviewers and chairs".into(),
        ));
    }
    let rows = db::reviews_of_proposal(conn, proposal.id).await?;
    let members: HashSet<UserId> = db::member_identities(conn, event.id)
        .await?
        .into_iter()
        .map(|m| m.0.id)
        .collect();
    let ids: Vec<uuid::Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    let versions: HashMap<uuid::Uuid, i64> =
        db::version_counts(conn, &ids).await?.into_iter().collect();
    let submitted_own = rows.iter().any(|(r, _)| r.reviewer_id == user.id);
    let sees_all = access == ProposalAccess::Chair || submitted_own;
    let (shown, hidden): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|(r, _)| sees_all || r.reviewer_id == user.id);
    Ok(ReviewsView {
        hidden: hidden.len(),
        items: shown
            .into_iter()
            .map(|(r, name)| {
                let former = !members.contains(&r.reviewer_id);
                let n = versions.get(&r.id).copied().unwrap_or(1);
                review_view(event, &r, name, former, n, user.id)
            })
            .collect(),
    })
}

// ---- the ranking ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankingItem {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub track: Option<String>,
    pub state: ProposalState,
    /// Reviews counted.
    pub n: usize,
    /// Reviewers assigned (k).
    pub assigned: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub stdev: Option<f64>,
    /// Mean corrected for each reviewer's leniency; see the README.
    pub calibrated: Option<f64>,
    /// The scores span at least half the scale.
    pub disagreement: bool,
    /// How many reviews gave each score, from `score_min` to `score_max`.
    pub distribution: Vec<usize>,
    /// Speakers' names (the ranking is for chairs, who always see them).
    pub speakers: Vec<String>,
}

/// The event's ranking, best first, optionally one track's. Reviews by a reviewer who is now
/// conflicted with the proposal do not count.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn ranking(
    conn: &mut AsyncPgConnection,
    event: &Event,
    track: Option<&str>,
) -> AppResult<Vec<RankingItem>> {
    let proposals = active_proposals(conn, event).await?;
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let all_reviews = db::reviews_of_event(conn, event.id).await?;
    let assignments = db::assignments_of_event(conn, event.id).await?;
    // everyone who reviewed or is assigned, members or not any more
    let people: Vec<UserId> = {
        let set: HashSet<UserId> = all_reviews
            .iter()
            .map(|r| r.reviewer_id)
            .chain(assignments.iter().map(|(r, _)| *r))
            .collect();
        set.into_iter().collect()
    };
    let identities = db::user_identities(conn, &people).await?;
    let conflicted = event_conflicts(conn, event, &ids, &identities).await?;
    let counted: Vec<&db::Review> = all_reviews
        .iter()
        .filter(|r| !conflicted.contains_key(&(r.reviewer_id, r.proposal_id)))
        .collect();
    let listed: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| track.is_none() || p.track() == track)
        .collect();
    let listed_ids: Vec<ProposalId> = listed.iter().map(|p| p.id).collect();
    // calibration sees every counted review of the event, whatever the track filter
    let inputs: Vec<ranking::Review<ProposalId, UserId>> = counted
        .iter()
        .map(|r| ranking::Review {
            proposal: r.proposal_id,
            reviewer: r.reviewer_id,
            score: r.score,
            confidence: r.confidence,
        })
        .collect();
    let aggregates: Vec<Aggregate<ProposalId>> =
        ranking::rank(&listed_ids, &inputs, event.score_scale());
    let mut assigned: HashMap<ProposalId, usize> = HashMap::new();
    for (reviewer, proposal) in assignments {
        if !conflicted.contains_key(&(reviewer, proposal)) {
            *assigned.entry(proposal).or_default() += 1;
        }
    }
    let mut distribution: HashMap<ProposalId, Vec<usize>> = HashMap::new();
    let width = (event.score_max - event.score_min + 1).max(1) as usize;
    for r in &counted {
        let bars = distribution
            .entry(r.proposal_id)
            .or_insert_with(|| vec![0; width]);
        if let Some(bar) = bars.get_mut((r.score - event.score_min) as usize) {
            *bar += 1;
        }
    }
    let mut speakers: BTreeMap<ProposalId, Vec<String>> = BTreeMap::new();
    for s in proposals_db::speakers_of(conn, &listed_ids).await? {
        speakers.entry(s.proposal_id).or_default().push(s.name);
    }
    let by_id: HashMap<ProposalId, &Proposal> = listed.iter().map(|p| (p.id, *p)).collect();
    Ok(aggregates
        .into_iter()
        .filter_map(|a| {
            let p = by_id.get(&a.proposal)?;
            Some(RankingItem {
                proposal_id: p.id.0,
                title: p.title.clone(),
                track: p.track().map(str::to_owned),
                state: p.state,
                n: a.n,
                assigned: assigned.get(&p.id).copied().unwrap_or(0),
                mean: a.mean,
                median: a.median,
                stdev: a.stdev,
                calibrated: a.calibrated,
                disagreement: a.disagreement,
                distribution: distribution.remove(&p.id).unwrap_or_else(|| vec![0; width]),
                speakers: speakers.remove(&p.id).unwrap_or_default(),
            })
        })
        .collect())
}

fn number(value: Option<f64>) -> crate::csv::Cell<'static> {
    crate::csv::Cell::Plain(value.map(|v| format!("{v:.3}")).unwrap_or_default())
}

/// The ranking as CSV, best first (for chairs: speakers' names included, emails never).
pub fn ranking_csv(items: &[RankingItem]) -> String {
    use crate::csv::{Cell, CsvWriter};
    let mut csv = CsvWriter::new(&[
        "rank",
        "proposal_id",
        "title",
        "track",
        "state",
        "speakers",
        "n",
        "assigned",
        "mean",
        "median",
        "stdev",
        "calibrated",
        "disagreement",
    ]);
    for (i, item) in items.iter().enumerate() {
        let speakers = item.speakers.join("; ");
        csv.row([
            Cell::Plain((i + 1).to_string()),
            Cell::Plain(item.proposal_id.to_string()),
            Cell::Text(&item.title),
            Cell::Text(item.track.as_deref().unwrap_or("")),
            Cell::Plain(item.state.to_string()),
            Cell::Text(&speakers),
            Cell::Plain(item.n.to_string()),
            Cell::Plain(item.assigned.to_string()),
            number(item.mean),
            number(item.median),
            number(item.stdev),
            number(item.calibrated),
            Cell::Plain(item.disagreement.to_string()),
        ]);
    }
    csv.finish()
}

// ---- reviewers' progress, queues and reminders ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewerProgress {
    pub id: uuid::Uuid,
    pub name: String,
    pub email: String,
    pub tracks: Option<Vec<String>>,
    /// Assignments counted: not withdrawn, not conflicted, within the member's tracks.
    pub assigned: usize,
    /// Of those, reviewed.
    pub done: usize,
    /// Titles still waiting for a review.
    #[serde(skip)]
    pub pending_titles: Vec<String>,
}

/// Done/assigned per reviewer of the event (chairs with assignments included).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn reviewer_progress(
    conn: &mut AsyncPgConnection,
    event: &Event,
) -> AppResult<Vec<ReviewerProgress>> {
    let members = db::member_identities(conn, event.id).await?;
    let proposals = active_proposals(conn, event).await?;
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let identities: Vec<ReviewerIdentity> = members.iter().map(|m| m.0.clone()).collect();
    let conflicted = event_conflicts(conn, event, &ids, &identities).await?;
    let by_id: HashMap<ProposalId, &Proposal> = proposals.iter().map(|p| (p.id, p)).collect();
    let reviewed: HashSet<(UserId, ProposalId)> = db::reviews_of_event(conn, event.id)
        .await?
        .into_iter()
        .map(|r| (r.reviewer_id, r.proposal_id))
        .collect();
    let assignments = db::assignments_of_event(conn, event.id).await?;
    let emails: HashMap<UserId, String> = events::members_of(conn, event.id)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.email))
        .collect();
    Ok(members
        .into_iter()
        .filter_map(|(identity, role, tracks, name)| {
            // what the member may review: the queue's rule, so that a reminder never names a
            // proposal they can no longer see (conflicted, withdrawn, or moved out of their tracks)
            let mine: Vec<ProposalId> = assignments
                .iter()
                .filter(|(r, p)| {
                    *r == identity.id
                        && by_id
                            .get(p)
                            .is_some_and(|proposal| track_allows(tracks.as_deref(), proposal))
                        && !conflicted.contains_key(&(*r, *p))
                })
                .map(|(_, p)| *p)
                .collect();
            if role != EventRoleKind::Reviewer.as_str() && mine.is_empty() {
                return None;
            }
            let pending_titles: Vec<String> = mine
                .iter()
                .filter(|p| !reviewed.contains(&(identity.id, **p)))
                .filter_map(|p| by_id.get(p).map(|proposal| proposal.title.clone()))
                .collect();
            Some(ReviewerProgress {
                id: identity.id.0,
                email: emails.get(&identity.id).cloned().unwrap_or_default(),
                name,
                tracks,
                assigned: mine.len(),
                done: mine.len() - pending_titles.len(),
                pending_titles,
            })
        })
        .collect())
}

/// Emails every reviewer with pending reviews (or just `only`), through the outbox in one
/// transaction. A second click within the same minute queues nothing new.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn remind(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    only: Option<UserId>,
) -> AppResult<usize> {
    let mut conn = state.pool.get().await?;
    let progress = reviewer_progress(&mut conn, event).await?;
    if let Some(id) = only
        && !progress.iter().any(|p| p.id == id.0)
    {
        return Err(AppError::Validation(FieldErrors::single(
            "reviewer_id",
            "is not a reviewer of this event",
        )));
    }
    let link = state
        .base_url
        .join(&format!("events/{}/review", event.slug))
        .map_err(AppError::internal)?
        .to_string();
    let closes = event
        .review_closes_at
        .map(|at| crate::time::in_zone(at, &event.time_zone));
    let minute = Utc::now().timestamp() / 60;
    let mut emails = Vec::new();
    for p in progress
        .into_iter()
        .filter(|p| !p.pending_titles.is_empty() && only.is_none_or(|id| id.0 == p.id))
    {
        let content = crate::mail::templates::ReviewReminder {
            name: p.name.clone(),
            chair: chair.name.clone(),
            event_title: event.title.clone(),
            pending: p.pending_titles.clone(),
            closes: closes.clone(),
            link: link.clone(),
        }
        .render()
        .map_err(AppError::internal)?;
        emails.push((p, content));
    }
    let key = state.settings.secret_key.clone();
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let mut queued = 0;
        for (p, content) in emails {
            let fresh = crate::mail::enqueue(
                conn,
                &key,
                crate::mail::OutgoingEmail {
                    dedupe_key: format!("review-reminder:{event_id}:{}:{minute}", p.id),
                    kind: "review_reminder",
                    event_id: Some(event_id),
                    proposal_id: None,
                    to: crate::mail::mailbox_text(&p.name, &p.email),
                    content,
                    secret: None,
                },
            )
            .await?;
            queued += usize::from(fresh);
        }
        Ok(queued)
    })
    .await
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueItem {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub track: Option<String>,
    pub format: String,
    pub assigned: bool,
    /// The caller's score, once reviewed.
    pub my_score: Option<i16>,
}

/// What a reviewer has to review in the event: pending first, then done, each oldest first.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, user.id = %user.id))]
pub async fn queue(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user: &CurrentUser,
) -> AppResult<Vec<QueueItem>> {
    if event_access(conn, event, user).await?.role.is_none() {
        return Err(AppError::Forbidden(
            "only this event's reviewers have a review queue".into(),
        ));
    }
    let visible = reviewable_by(conn, event, user.id).await?;
    let assigned: HashSet<ProposalId> = db::assignments_of_event(conn, event.id)
        .await?
        .into_iter()
        .filter(|(r, _)| *r == user.id)
        .map(|(_, p)| p)
        .collect();
    let scores: HashMap<ProposalId, i16> = db::reviews_of_event(conn, event.id)
        .await?
        .into_iter()
        .filter(|r| r.reviewer_id == user.id)
        .map(|r| (r.proposal_id, r.score))
        .collect();
    let mut items: Vec<QueueItem> = visible
        .iter()
        .map(|p| QueueItem {
            proposal_id: p.id.0,
            title: p.title.clone(),
            track: p.track().map(str::to_owned),
            format: p.format.clone(),
            assigned: assigned.contains(&p.id),
            my_score: scores.get(&p.id).copied(),
        })
        .collect();
    // pending before done; assigned before merely visible; the list order otherwise
    items.sort_by_key(|i| (i.my_score.is_some(), !i.assigned));
    Ok(items)
}

/// Removes a member; their assignments in the event go, their reviews stay (shown as a former
/// reviewer's). One transaction.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn remove_member(state: &AppState, event: &Event, member: UserId) -> AppResult<bool> {
    let mut conn = state.pool.get().await?;
    let event_id = event.id;
    conn.transaction::<_, AppError, _>(async move |conn| {
        if !events::remove_member(conn, event_id, member).await? {
            return Ok(false);
        }
        db::remove_assignments_in_event(conn, event_id, member).await?;
        Ok(true)
    })
    .await
}
