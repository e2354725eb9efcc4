//! The dashboard's "Suggested from the waitlist" buttons: accept and release the suggested talk
//! into a freed place, or dismiss the place. Forms with a CSRF token; no JavaScript needed.

use actix_web::{HttpRequest, web};

use crate::decisions::promotion::{self, PromoteRequest};
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::flash::{flash_or_fail, set_flash};
use crate::pages::respond::redirect;
use crate::state::AppState;

/// `POST /events/{slug}/promotions/{vacancy_id}`: the suggestion is accepted and released.
pub async fn promote(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    path: web::Path<(String, uuid::Uuid)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    match promotion::promote(&state, &user, &event, path.1, PromoteRequest::default()).await {
        Ok(promoted) => set_flash(
            &req,
            "success",
            &format!(
                "“{}” is accepted and released: its speakers are emailed once.",
                promoted.title
            ),
        ),
        Err(e) => flash_or_fail(&req, e)?,
    }
    Ok(redirect(&format!(
        "/events/{}/dashboard#promotions",
        event.slug
    )))
}

/// `POST /events/{slug}/promotions/{vacancy_id}/dismiss`: the place stays empty.
pub async fn dismiss(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, uuid::Uuid)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    match promotion::dismiss(&state, &event, path.1).await {
        Ok(()) => set_flash(&req, "info", "Dismissed: the place stays empty."),
        Err(e) => flash_or_fail(&req, e)?,
    }
    Ok(redirect(&format!(
        "/events/{}/dashboard#promotions",
        event.slug
    )))
}
