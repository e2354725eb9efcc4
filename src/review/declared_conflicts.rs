//! Declaring and clearing conflicts of interest between a member and a proposal (database; the
//! rules that find conflicts are the pure `review::conflicts`).

use diesel_async::AsyncConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, conflict_between, event_access, proposal_access};
use crate::db::events;
use crate::db::reviews as db;
use crate::domain::conflicts::ConflictReason;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

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
        let (proposal, event) = crate::accounts::proposal_access::lock_with_event(conn, proposal_id).await?;
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
