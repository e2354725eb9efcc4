//! Moving the review phase along (chairs): reminding the reviewers with pending reviews, and
//! opening or closing reviewing.

use actix_web::{HttpRequest, web};
use chrono::Utc;
use serde::Deserialize;

use crate::domain::UserId;
use crate::error::AppError;
use crate::events::EventPatch;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::flash::{flash_or_fail_in, set_flash_in};
use crate::pages::labels::phase_text;
use crate::pages::respond::redirect;
use crate::review;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RemindForm {
    #[serde(default)]
    reviewer_id: String,
}

/// `POST /events/{slug}/reviewers/remind`: one reviewer (`reviewer_id`), or everyone with
/// pending reviews.
pub async fn remind(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, user }: SignedInChair,
    form: CsrfForm<RemindForm>,
) -> PageResult {
    let only = match form.0.reviewer_id.trim() {
        "" => None,
        raw => Some(UserId(uuid::Uuid::parse_str(raw).map_err(|_| {
            AppError::BadRequest("malformed form: reviewer_id".into())
        })?)),
    };
    match review::remind(&state, &user, &event, only).await {
        Ok(queued) => {
            let message = match queued {
                0 => "No reminder queued: nobody has pending reviews, or they were reminded a moment ago.".to_owned(),
                1 => "1 reminder queued.".to_owned(),
                n => format!("{n} reminders queued."),
            };
            set_flash_in(&req, "reviewers", "success", &message);
        }
        Err(e) => flash_or_fail_in(&req, "reviewers", e)?,
    }
    Ok(redirect(&format!(
        "/events/{}/dashboard#reviewers",
        event.slug
    )))
}

#[derive(Deserialize)]
pub struct PhaseForm {
    #[serde(default)]
    action: String,
}

/// `POST /events/{slug}/review-phase`: `action=open` opens reviewing now (until closed),
/// `action=close` closes it now.
pub async fn review_phase(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    form: CsrfForm<PhaseForm>,
) -> PageResult {
    let open = match form.0.action.as_str() {
        "open" => true,
        "close" => false,
        _ => {
            return Err(AppError::BadRequest("action must be open or close".into()).into());
        }
    };
    let slug = event.slug.clone();
    let patch = EventPatch {
        review_open: Some(open),
        ..Default::default()
    };
    match crate::events::apply_patch(&state, event, patch).await {
        Ok(event) => {
            let now = Utc::now();
            let kind = if event.review_open_at(now) == open {
                "success"
            } else {
                "info"
            };
            set_flash_in(&req, "phase", kind, &phase_text(&event, now));
        }
        Err(e) => flash_or_fail_in(&req, "phase", e)?,
    }
    Ok(redirect(&format!("/events/{slug}/dashboard#phase")))
}
