//! The OpenAPI document, generated from the handlers' annotations at compile time.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{auth, classify, decisions, events, proposals, review};

#[derive(OpenApi)]
#[openapi(
    info(title = "mcfp API", version = "1", description = "The microconference call-for-proposals service. Errors are application/problem+json (RFC 9457)."),
    paths(
        auth::register, auth::login, auth::logout, auth::password_reset, auth::password_reset_confirm,
        auth::me, auth::create_token, auth::list_tokens, auth::revoke_token,
        events::create_event, events::get_event, events::patch_event, events::put_member, events::delete_member, events::accept_member_invitation,
        proposals::create, proposals::list, proposals::get, proposals::patch, proposals::withdraw,
        proposals::accept_invitation, proposals::put_track, proposals::tag_corrections_csv, classify::classify,
        review::auto_assign, review::put_assignments, review::get_assignments, review::put_conflict,
        review::put_review, review::get_reviews, review::ranking, review::ranking_csv,
        review::reviewers, review::remind, review::queue,
        decisions::put_decision, decisions::bulk_decide, decisions::decision_history, decisions::release,
        decisions::release_summary, decisions::list_outbox, decisions::retry_outbox, decisions::confirm,
        decisions::decline, decisions::remind_unconfirmed, decisions::list_templates, decisions::put_template,
        decisions::reset_template, decisions::preview_template, decisions::publish, decisions::unpublish,
        decisions::accepted, decisions::accepted_csv,
    ),
    tags((name = "accounts"), (name = "events"), (name = "proposals"), (name = "review"), (name = "decisions"))
)]
pub struct ApiDoc;

pub async fn openapi_json() -> HttpResponse {
    match ApiDoc::openapi().to_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::AppError::internal(
            format!("OpenAPI document: {e}"),
        )),
    }
}
