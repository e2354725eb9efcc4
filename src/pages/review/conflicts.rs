//! Conflicts of interest: a member declares one with a proposal; a chair sets or clears a
//! member's.

use actix_web::{HttpRequest, web};
use serde::Deserialize;

use crate::db::events;
use crate::db::proposals as proposals_db;
use crate::domain::{ProposalId, UserId};
use crate::error::AppError;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::{flash_or_fail, set_flash};
use crate::pages::respond::redirect;
use crate::review;
use crate::state::AppState;

/// `POST /proposals/{id}/conflict`: the viewer declares a conflict of interest with the
/// proposal; a reviewer no longer sees it and goes back to their queue.
pub async fn declare_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let proposal_id = *id;
    review::set_conflict(&state, &user.0, proposal_id, user.0.id, true).await?;
    let mut conn = state.pool.get().await?;
    let proposal = proposals_db::find(&mut conn, proposal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let still_sees =
        crate::accounts::policy::proposal_access(&mut conn, &event, &proposal, &user.0).await?;
    if still_sees.is_some() {
        set_flash(
            &req,
            "info",
            "Your conflict of interest is recorded; you are no longer assigned to this proposal.",
        );
        return Ok(redirect(&format!("/proposals/{}", *id)));
    }
    set_flash(
        &req,
        "info",
        &format!(
            "Your conflict of interest with “{}” is recorded: it is no longer in your queue.",
            proposal.title
        ),
    );
    Ok(redirect(&format!("/events/{}/review", event.slug)))
}

#[derive(Deserialize)]
pub struct ConflictForm {
    #[serde(default)]
    reviewer_id: String,
    #[serde(default)]
    conflicted: String,
}

/// `POST /proposals/{id}/conflicts`: a chair sets or clears a member's conflict.
pub async fn set_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<ConflictForm>,
) -> PageResult {
    let reviewer = uuid::Uuid::parse_str(form.0.reviewer_id.trim())
        .map_err(|_| AppError::BadRequest("malformed form: reviewer_id".into()))?;
    let conflicted = match form.0.conflicted.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("malformed form: conflicted".into()).into()),
    };
    match review::set_conflict(&state, &user.0, *id, UserId(reviewer), conflicted).await {
        Ok(view) => {
            let message = match (view.conflicted, view.reason) {
                (true, Some(reason)) => format!(
                    "The member is conflicted ({}) and not assigned.",
                    reason.describe()
                ),
                (true, None) => "The member is conflicted and not assigned.".to_owned(),
                (false, _) => "The conflict is cleared.".to_owned(),
            };
            set_flash(&req, "success", &message);
        }
        Err(e) => flash_or_fail(&req, e)?,
    }
    // a reviewer clearing their own declaration may not see the proposal after all: the service
    // decided; the proposal page answers for itself
    Ok(redirect(&format!("/proposals/{}#conflicts", *id)))
}
