//! The answer to the review form: a saved review goes back to the proposal; a rejected one shows
//! the proposal page again, with the form as typed and its messages (422).

use actix_web::{HttpRequest, web};

use crate::domain::ProposalId;
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::{set_flash, set_flash_in};
use crate::pages::proposals::page::proposal_page;
use crate::pages::proposals::sections::review::ReviewForm;
use crate::pages::respond::redirect;
use crate::review::{self, ReviewRequest};
use crate::state::AppState;

/// `POST /proposals/{id}/review`: saves the viewer's review; a rejected one is shown again with
/// its messages (422).
pub async fn save_review(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    similarity: web::Data<crate::review::SimilarityCache>,
    user: SignedIn,
    id: web::Path<ProposalId>,
    form: CsrfForm<ReviewForm>,
) -> PageResult {
    let form = form.0;
    // unparsable values become out-of-range ones, so that the service checks everything else
    // (who may review, whether reviewing is open) before answering with its field messages
    let typed_criteria = form.criteria();
    let request = ReviewRequest {
        score: Some(form.score.trim().parse().unwrap_or(i16::MIN)),
        criteria: (!typed_criteria.is_empty()).then(|| {
            typed_criteria
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), v.trim().parse().unwrap_or(i64::MIN)))
                .collect()
        }),
        confidence: form.confidence.trim().parse().unwrap_or(0),
        comment_for_chairs: form.comment_for_chairs.clone(),
        comment_for_speakers: form.comment_for_speakers.clone(),
    };
    let mut errors = match review::save_review(&state, &user.0, *id, request).await {
        Ok(_) if form.next() => {
            return match review::next_to_review(&state, &user.0, *id).await? {
                (_, Some(next)) => {
                    set_flash_in(
                        &req,
                        "review",
                        "success",
                        "Your review is saved. Here is the next proposal in your queue.",
                    );
                    Ok(redirect(&format!("/proposals/{next}#review")))
                }
                (slug, None) => {
                    set_flash(
                        &req,
                        "success",
                        "Your review is saved. No proposal is left to review in your queue.",
                    );
                    Ok(redirect(&format!("/events/{slug}/review")))
                }
            };
        }
        Ok(_) => {
            set_flash_in(&req, "review", "success", "Your review is saved.");
            return Ok(redirect(&format!("/proposals/{}#review", *id)));
        }
        Err(AppError::Validation(errors)) => errors,
        Err(AppError::Conflict { errors, .. }) if !errors.is_empty() => errors,
        Err(other) => return Err(other.into()),
    };
    for (field, value, message) in [
        ("score", &form.score, "choose a score"),
        (
            "confidence",
            &form.confidence,
            "choose how confident you are",
        ),
    ] {
        if value.trim().is_empty() && errors.0.contains_key(field) {
            errors.0.insert(field.to_owned(), vec![message.to_owned()]);
        }
    }
    proposal_page(
        page,
        &state,
        &similarity,
        &user.0,
        *id,
        Some((form, errors)),
    )
    .await
}
