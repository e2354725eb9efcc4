//! Assigning reviewers to proposals: a chair's list, and the automatic run that puts the pure
//! planner of `review::assignment` to work (database).

use std::collections::{HashMap, HashSet};

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{
    event_access, event_conflicts, proposal_access, track_allows, track_allows_track,
};
use crate::db::events::{Event, EventRoleKind};
use crate::db::ranking::{self as ranking_db, SlimProposal};
use crate::db::reviews as db;
use crate::domain::conflicts::ReviewerIdentity;
use crate::domain::{ProposalId, ProposalState, Transition, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::review::assignment;
use crate::state::AppState;

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
        // the event, then the proposal (as automatic assignment and every other writer)
        let (proposal, event) =
            crate::accounts::proposal_access::lock_with_event(conn, proposal_id).await?;
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
        let plan = balanced_plan(conn, &event, per_proposal, None).await?;
        let assigned = db::insert_assignments(conn, &plan.new, "auto", Some(chair_id)).await?;
        let short_ids: Vec<ProposalId> = plan.short.iter().map(|(p, _)| *p).collect();
        let titles: HashMap<ProposalId, String> = ranking_db::titles_of(conn, &short_ids)
            .await?
            .into_iter()
            .collect();
        tracing::info!(event.slug = %event.slug, assigned, per_proposal, "automatic assignment");
        Ok(AutoAssignOutcome {
            assigned,
            short: plan
                .short
                .iter()
                .map(|(p, reviewers)| ShortProposal {
                    proposal_id: p.0,
                    title: titles.get(p).cloned().unwrap_or_default(),
                    reviewers: *reviewers,
                })
                .collect(),
        })
    })
    .await
}

/// The balanced plan (`review::assignment`) over the event's active proposals and reviewers,
/// respecting track restrictions, conflicts (a speaker's own proposal included) and existing
/// assignments; with `only`, new pairs for that proposal alone. The caller holds the event lock.
async fn balanced_plan(
    conn: &mut AsyncPgConnection,
    event: &Event,
    per_proposal: usize,
    only: Option<ProposalId>,
) -> AppResult<assignment::Plan<ProposalId, UserId>> {
    // slim rows (id, track, state): the plan needs every active proposal, not their texts
    let proposals: Vec<SlimProposal> = ranking_db::proposals_of_event(conn, event.id)
        .await?
        .into_iter()
        .filter(|p| p.state != ProposalState::Withdrawn)
        .collect();
    let reviewers: Vec<(ReviewerIdentity, Option<Vec<String>>)> =
        db::member_identities(conn, event.id)
            .await?
            .into_iter()
            .filter(|m| m.1 == EventRoleKind::Reviewer.as_str())
            .map(|(identity, _, tracks, _)| (identity, tracks))
            .collect();
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let identities: Vec<ReviewerIdentity> = reviewers.iter().map(|r| r.0.clone()).collect();
    let conflicted: Vec<(UserId, ProposalId)> = event_conflicts(conn, event, &ids, &identities)
        .await?
        .into_keys()
        .collect();
    // an assignment that has since become conflicted or left the reviewer's tracks gives the
    // proposal no review: it does not count towards k
    let stale: HashSet<(UserId, ProposalId)> = conflicted.iter().copied().collect();
    let by_id: HashMap<ProposalId, &SlimProposal> = proposals.iter().map(|p| (p.id, p)).collect();
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
                    .is_none_or(|tracks| track_allows_track(*tracks, proposal.track.as_deref()))
            })
        })
        .collect();
    let problem_proposals: Vec<assignment::Proposal<ProposalId, String>> = proposals
        .iter()
        .map(|p| assignment::Proposal {
            id: p.id,
            track: p.track.clone(),
        })
        .collect();
    let problem_reviewers: Vec<assignment::Reviewer<UserId, String>> = reviewers
        .iter()
        .map(|(identity, tracks)| assignment::Reviewer {
            id: identity.id,
            tracks: tracks.clone(),
        })
        .collect();
    // for one proposal only: every other proposal is closed to new reviewers (all its free
    // pairs count as conflicts), so the plan adds to this one alone while the existing
    // assignments of all still weigh in the reviewers' loads
    let mut conflicts = conflicted;
    if let Some(only) = only {
        let assigned: HashSet<(UserId, ProposalId)> = existing.iter().copied().collect();
        for p in proposals.iter().filter(|p| p.id != only) {
            for r in &reviewers {
                if !assigned.contains(&(r.0.id, p.id)) {
                    conflicts.push((r.0.id, p.id));
                }
            }
        }
    }
    Ok(assignment::plan(&assignment::Problem {
        proposals: &problem_proposals,
        reviewers: &problem_reviewers,
        conflicts: &conflicts,
        existing: &existing,
        per_proposal,
    }))
}

/// A proposal has just become submitted (called in the submission's transaction): while the
/// event's reviewing is open and its `auto_assign` setting is on, it gets the event's
/// `reviewers_per_proposal` reviewers by the balanced algorithm. These assignments are pending
/// notification: the reviewers hear of them in their next digest (`review::queue_digests`).
/// Returns the reviewers assigned.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug, proposal.id = %proposal_id))]
pub async fn on_submitted(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal_id: ProposalId,
) -> AppResult<Vec<UserId>> {
    if !event.auto_assign || !event.review_open_at(chrono::Utc::now()) {
        return Ok(Vec::new());
    }
    db::lock_event(conn, event.id).await?;
    let per_proposal = usize::try_from(event.reviewers_per_proposal.max(1)).unwrap_or(1);
    let plan = balanced_plan(conn, event, per_proposal, Some(proposal_id)).await?;
    let pairs: Vec<(UserId, ProposalId)> = plan
        .new
        .into_iter()
        .filter(|(_, p)| *p == proposal_id)
        .collect();
    db::insert_pending_assignments(conn, &pairs).await?;
    tracing::info!(assigned = pairs.len(), "assigned on submission");
    Ok(pairs.into_iter().map(|(r, _)| r).collect())
}
