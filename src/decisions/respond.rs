//! The speakers' answer: an accepted speaker confirms or declines presenting the proposal.

use chrono::Utc;
use diesel_async::AsyncConnection;

use crate::accounts::CurrentUser;
use crate::accounts::policy::proposal_access;
use crate::db::decisions as db;
use crate::db::proposals as proposals_db;
use crate::domain::{ProposalId, ProposalState, Transition};
use crate::error::{AppError, AppResult};
use crate::proposals::{ProposalView, Viewer};
use crate::state::AppState;

/// An accepted speaker confirms (`true`) or declines (`false`) presenting the proposal.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %proposal_id))]
pub async fn respond(
    state: &AppState,
    user: &CurrentUser,
    proposal_id: ProposalId,
    confirm: bool,
) -> AppResult<ProposalView> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        match proposal_access(conn, &event, &proposal, &user).await? {
            None => return Err(AppError::NotFound),
            Some(_) if !proposals_db::is_speaker(conn, &proposal, user.id).await? => {
                return Err(AppError::Forbidden(
                    "only the proposal's speakers confirm or decline it".into(),
                ));
            }
            Some(_) => {}
        }
        let transition = if confirm {
            Transition::Confirm
        } else {
            Transition::Decline
        };
        let target = proposal
            .state
            .after(transition)
            .map_err(|refused| AppError::conflict("state", &refused.to_string()))?;
        if target == proposal.state {
            // answering the same again changes nothing
            return crate::proposals::view(conn, &event, &proposal, Viewer::Speaker).await;
        }
        if confirm && event.confirm_by.is_some_and(|by| by <= Utc::now()) {
            return Err(AppError::conflict(
                "state",
                "the confirmation deadline has passed; please write to the chairs",
            ));
        }
        let updated = db::set_response(conn, proposal.id, target).await?;
        db::audit(
            conn,
            db::AuditEntry {
                proposal_id: proposal.id,
                actor: Some(user.id),
                action: if confirm { "confirm" } else { "decline" },
                before: Some(proposal.state.as_str()),
                after: target.as_str(),
                note: "",
            },
        )
        .await?;
        if !confirm {
            // the other speakers and the chairs hear it in the same transaction
            crate::proposals::tell_others_of_decline(
                conn,
                &key,
                &base_url,
                &event,
                &proposal,
                (user.id, &user.name),
            )
            .await?;
        }
        if !confirm
            && matches!(
                proposal.state,
                ProposalState::Accepted | ProposalState::Confirmed
            )
        {
            // the place this talk held is free: recorded (and maybe filled) in this transaction
            super::promotion::free_place(
                conn,
                (&key, &base_url),
                &event,
                &proposal,
                super::promotion::Reason::Declined,
                Utc::now(),
            )
            .await?;
        }
        tracing::info!(proposal = %proposal.id, state = target.as_str(), "speaker answered");
        crate::proposals::view(conn, &event, &updated, Viewer::Speaker).await
    })
    .await
}
