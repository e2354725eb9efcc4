//! The reviewer's queue: what a member may review in an event, and their list of it (database).

use std::collections::{HashMap, HashSet};

use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::active_proposals;
use crate::accounts::CurrentUser;
use crate::accounts::policy::{event_access, event_conflicts, track_allows};
use crate::db::events::{self, Event, EventRoleKind};
use crate::db::proposals::Proposal;
use crate::db::reviews as db;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, AppResult};

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
