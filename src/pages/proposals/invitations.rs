//! Co-speaker invitations: the accept page of the emailed link, accepting it, and sending one
//! again (a speaker's button on the proposal page).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};

use crate::db::events;
use crate::db::proposals as db;
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::invitation::InvitationPage;
use crate::pages::respond::{redirect, render};
use crate::proposals;
use crate::state::AppState;

/// The accept page; signed-out visitors are offered sign-in or registration that come back here.
pub async fn invitation(
    page: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (_, proposal_id, _) = db::find_invitation(&mut conn, &crate::crypto::hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let proposal = db::find(&mut conn, proposal_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let inviter = crate::db::users::find_by_id(&mut conn, proposal.submitter_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &InvitationPage {
            page,
            offer: format!(
                "{inviter} invites you to co-present “{}” at {}.",
                proposal.title, event.title
            ),
            path: format!("/invitations/{}", token.into_inner()),
        },
    )
}

pub async fn accept_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    token: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let proposal_id = proposals::accept_invitation(&state, user.0.id, &token).await?;
    set_flash(
        &req,
        "success",
        "You are now a co-speaker of this proposal.",
    );
    Ok(redirect(&format!("/proposals/{proposal_id}")))
}

/// A speaker or a chair sends a pending invitation again, with a fresh link; a refusal (accepted
/// meanwhile, sent a moment ago) comes back as a message on the proposal's page.
pub async fn resend_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<(crate::domain::ProposalId, uuid::Uuid)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (proposal_id, invitation_id) = path.into_inner();
    let invitation =
        match proposals::resend_invitation(&state, &user.0, proposal_id, invitation_id).await {
            Ok(invitation) => invitation,
            Err(crate::error::AppError::Conflict { errors, .. }) => {
                let message = errors
                    .0
                    .values()
                    .flatten()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| "The invitation cannot be sent again now.".to_owned());
                set_flash(&req, "error", &message);
                return Ok(redirect(&format!("/proposals/{proposal_id}")));
            }
            Err(other) => return Err(other.into()),
        };
    set_flash(
        &req,
        "success",
        &format!(
            "Invitation sent again to {}, with a new link: the link sent before no longer works.",
            invitation.email
        ),
    );
    Ok(redirect(&format!("/proposals/{proposal_id}")))
}
