//! The speakers' answer to an acceptance: confirm or decline (from the proposal page or the
//! confirmation page), and the confirmation page the acceptance email links to.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::db::events::Event;
use crate::db::proposals as proposals_db;
use crate::decisions;
use crate::domain::{ProposalId, ProposalState};
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::{flash_or_fail, set_flash};
use crate::pages::proposals::sections::answer::AnswerSection;
use crate::pages::respond::{redirect, render};
use crate::proposals::visible_proposal;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct AnswerForm {
    /// `confirm` when the form is on the confirmation page: the answer comes back there.
    #[serde(default)]
    back: String,
}

async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: ProposalId,
    form: AnswerForm,
    confirm: bool,
) -> PageResult {
    let back = if form.back == "confirm" {
        format!("/proposals/{id}/confirm")
    } else {
        format!("/proposals/{id}")
    };
    match decisions::respond(&state, &user.0, id, confirm).await {
        Ok(view) if confirm => set_flash(
            &req,
            "success",
            &format!(
                "Thank you: you confirmed presenting “{}”. See you there!",
                view.title
            ),
        ),
        Ok(view) => set_flash(
            &req,
            "info",
            &format!(
                "You declined presenting “{}”. Thank you for letting the chairs know.",
                view.title
            ),
        ),
        Err(e) => flash_or_fail(&req, e)?,
    }
    Ok(redirect(&back))
}

/// `POST /proposals/{id}/confirm`.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<AnswerForm>,
) -> PageResult {
    answer(req, state, user, *id, form.0, true).await
}

/// `POST /proposals/{id}/decline`.
pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<AnswerForm>,
) -> PageResult {
    answer(req, state, user, *id, form.0, false).await
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    page: PageContext,
    /// None: the signed-in account cannot see the proposal (the link was sent to another one).
    found: Option<ConfirmFound>,
}

struct ConfirmFound {
    event: Event,
    id: uuid::Uuid,
    title: String,
    is_speaker: bool,
    answer: AnswerSection,
}

/// `GET /proposals/{id}/confirm`: the link in the acceptance email. Signed-out visitors sign in
/// first and come back here.
pub async fn confirm_page(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (proposal, event) = match visible_proposal(&mut conn, &user.0, *id).await {
        Ok((proposal, event, _)) => (proposal, event),
        // say who is signed in rather than only "not found": the email may have gone to
        // another of the person's accounts
        Err(AppError::NotFound) => {
            return render(StatusCode::NOT_FOUND, &ConfirmPage { page, found: None });
        }
        Err(other) => return Err(other.into()),
    };
    let is_speaker = proposals_db::is_speaker(&mut conn, &proposal, user.0.id).await?;
    render(
        StatusCode::OK,
        &ConfirmPage {
            page,
            found: Some(ConfirmFound {
                answer: AnswerSection::of(&event, &proposal),
                id: proposal.id.0,
                title: proposal.title,
                is_speaker,
                event,
            }),
        },
    )
}
