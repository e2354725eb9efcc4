//! The chairs' track override of a proposal: the tagger's or the speakers' track corrected.

use actix_web::{HttpRequest, web};
use serde::Deserialize;

use crate::domain::ProposalId;
use crate::error::AppError;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::respond::redirect;
use crate::proposals;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    track: String,
    /// Comma-separated subtopic keys (the form sends one field per checked box, joined by the page).
    #[serde(default)]
    subtopics: String,
}

pub async fn set_track(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<TrackForm>,
) -> PageResult {
    let form = form.0;
    let track = Some(form.track).filter(|t| !t.is_empty());
    let subtopics: Vec<String> = form
        .subtopics
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    match proposals::override_track(&state, &user.0, *id, track.clone(), subtopics).await {
        Ok(_) => {
            let message = if track.is_some() {
                "The track is set."
            } else {
                "The chairs' track is removed."
            };
            set_flash(&req, "success", message);
        }
        Err(AppError::Validation(errors)) => {
            let detail: Vec<String> = errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {}", m.join("; ")))
                .collect();
            set_flash(&req, "error", &detail.join(" · "));
        }
        Err(other) => return Err(other.into()),
    }
    Ok(redirect(&format!("/proposals/{}", *id)))
}
