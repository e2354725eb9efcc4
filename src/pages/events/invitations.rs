//! Accepting an emailed invitation to be a chair or a reviewer of an event.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};

use crate::db::events;
use crate::error::AppError;
use crate::events as event_service;
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::invitation::InvitationPage;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

/// The accept page of a chair or reviewer invitation; signed-out visitors sign in or register first.
pub async fn member_invitation(
    page: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let invitation = events::find_member_invitation(&mut conn, &crate::crypto::hash_token(&token))
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, invitation.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(
        StatusCode::OK,
        &InvitationPage {
            page,
            offer: format!(
                "You are invited to be a {} of {}.",
                invitation.role, event.title
            ),
            path: format!("/member-invitations/{}", token.into_inner()),
        },
    )
}

pub async fn accept_member_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    token: web::Path<String>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let event = event_service::accept_member_invitation(&state, &user.0, &token).await?;
    set_flash(
        &req,
        "success",
        &format!("Welcome aboard: you are now part of {}.", event.title),
    );
    Ok(redirect(&format!("/events/{}", event.slug)))
}
