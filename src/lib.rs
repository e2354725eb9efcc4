//! mcfp: the microconference call-for-proposals service.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod decisions;
pub mod demo;
pub mod domain;
pub mod email;
pub mod error;
pub mod event_admin;
pub mod health;
pub mod metrics;
pub mod proposals;
pub mod publishing;
pub mod rate_limit;
pub mod review;
pub mod reviews;
pub mod schema;
pub mod startup;
pub mod tagging;
pub mod telemetry;
pub mod web;

use actix_web::{HttpRequest, web as aw};

/// Every route of the service, in one table.
pub fn routes(cfg: &mut aw::ServiceConfig) {
    use crate::api::{auth, classify, decisions, events, openapi, proposals, review};
    use crate::web::{
        chair_pages, decision_pages, event_pages, pages, proposal_pages, review_pages,
    };

    cfg.route("/healthz", aw::get().to(health::healthz))
        .route("/readyz", aw::get().to(health::readyz))
        .route("/metrics", aw::get().to(health::metrics))
        .route("/static/style.css", aw::get().to(pages::stylesheet))
        .route("/static/app.js", aw::get().to(pages::script))
        .service(
            aw::scope("/api/v1")
                .route("/openapi.json", aw::get().to(openapi::openapi_json))
                .route("/auth/register", aw::post().to(auth::register))
                .route("/auth/login", aw::post().to(auth::login))
                .route("/auth/logout", aw::post().to(auth::logout))
                .route("/auth/password-reset", aw::post().to(auth::password_reset))
                .route(
                    "/auth/password-reset/confirm",
                    aw::post().to(auth::password_reset_confirm),
                )
                .route("/me", aw::get().to(auth::me))
                .route("/me/tokens", aw::get().to(auth::list_tokens))
                .route("/me/tokens", aw::post().to(auth::create_token))
                .route("/me/tokens/{id}", aw::delete().to(auth::revoke_token))
                .route("/events", aw::post().to(events::create_event))
                .route("/events/{slug}", aw::get().to(events::get_event))
                .route("/events/{slug}", aw::patch().to(events::patch_event))
                .route("/events/{slug}/members", aw::put().to(events::put_member))
                .route(
                    "/events/{slug}/members/{user_id}",
                    aw::delete().to(events::delete_member),
                )
                .route(
                    "/member-invitations/accept",
                    aw::post().to(events::accept_member_invitation),
                )
                .route("/events/{slug}/proposals", aw::post().to(proposals::create))
                .route("/events/{slug}/proposals", aw::get().to(proposals::list))
                .route("/proposals/{id}", aw::get().to(proposals::get))
                .route("/proposals/{id}", aw::patch().to(proposals::patch))
                .route(
                    "/proposals/{id}/withdraw",
                    aw::post().to(proposals::withdraw),
                )
                .route("/proposals/{id}/track", aw::put().to(proposals::put_track))
                .route(
                    "/events/{slug}/tag-corrections.csv",
                    aw::get().to(proposals::tag_corrections_csv),
                )
                .route(
                    "/invitations/accept",
                    aw::post().to(proposals::accept_invitation),
                )
                .route(
                    "/events/{slug}/assignments/auto",
                    aw::post().to(review::auto_assign),
                )
                .route(
                    "/proposals/{id}/assignments",
                    aw::put().to(review::put_assignments),
                )
                .route(
                    "/proposals/{id}/assignments",
                    aw::get().to(review::get_assignments),
                )
                .route(
                    "/proposals/{id}/conflicts",
                    aw::put().to(review::put_conflict),
                )
                .route("/proposals/{id}/review", aw::put().to(review::put_review))
                .route("/proposals/{id}/reviews", aw::get().to(review::get_reviews))
                .route("/events/{slug}/ranking", aw::get().to(review::ranking))
                .route(
                    "/events/{slug}/ranking.csv",
                    aw::get().to(review::ranking_csv),
                )
                .route("/events/{slug}/reviewers", aw::get().to(review::reviewers))
                .route(
                    "/events/{slug}/reviewers/remind",
                    aw::post().to(review::remind),
                )
                .route("/events/{slug}/review-queue", aw::get().to(review::queue))
                .route(
                    "/proposals/{id}/decision",
                    aw::put().to(decisions::put_decision),
                )
                .route(
                    "/proposals/{id}/decision-history",
                    aw::get().to(decisions::decision_history),
                )
                .route(
                    "/events/{slug}/decisions",
                    aw::post().to(decisions::bulk_decide),
                )
                .route(
                    "/events/{slug}/decisions/release",
                    aw::post().to(decisions::release),
                )
                .route(
                    "/events/{slug}/decisions/release",
                    aw::get().to(decisions::release_summary),
                )
                .route(
                    "/events/{slug}/outbox",
                    aw::get().to(decisions::list_outbox),
                )
                .route(
                    "/events/{slug}/outbox/{id}/retry",
                    aw::post().to(decisions::retry_outbox),
                )
                .route("/proposals/{id}/confirm", aw::post().to(decisions::confirm))
                .route("/proposals/{id}/decline", aw::post().to(decisions::decline))
                .route(
                    "/events/{slug}/confirmations/remind",
                    aw::post().to(decisions::remind_unconfirmed),
                )
                .route(
                    "/events/{slug}/email-templates",
                    aw::get().to(decisions::list_templates),
                )
                .route(
                    "/events/{slug}/email-templates/{kind}",
                    aw::put().to(decisions::put_template),
                )
                .route(
                    "/events/{slug}/email-templates/{kind}",
                    aw::delete().to(decisions::reset_template),
                )
                .route(
                    "/events/{slug}/email-templates/{kind}/preview",
                    aw::post().to(decisions::preview_template),
                )
                .route("/events/{slug}/publish", aw::post().to(decisions::publish))
                .route(
                    "/events/{slug}/publish",
                    aw::delete().to(decisions::unpublish),
                )
                .route("/events/{slug}/accepted", aw::get().to(decisions::accepted))
                .route(
                    "/events/{slug}/accepted.csv",
                    aw::get().to(decisions::accepted_csv),
                )
                .route("/classify", aw::post().to(classify::classify))
                .default_service(aw::to(api_not_found)),
        )
        .route("/", aw::get().to(pages::index))
        .route("/events/new", aw::get().to(event_pages::new_form))
        .route("/events/new", aw::post().to(event_pages::create))
        .route(
            "/events/{slug}/settings",
            aw::get().to(event_pages::settings_form),
        )
        .route(
            "/events/{slug}/settings",
            aw::post().to(event_pages::save_settings),
        )
        .route(
            "/member-invitations/{token}",
            aw::get().to(event_pages::member_invitation),
        )
        .route(
            "/member-invitations/{token}",
            aw::post().to(event_pages::accept_member_invitation),
        )
        .route("/events/{slug}", aw::get().to(pages::event))
        .route(
            "/events/{slug}/submit",
            aw::get().to(proposal_pages::submit_form),
        )
        .route(
            "/events/{slug}/submit",
            aw::post().to(proposal_pages::submit),
        )
        .route("/events/{slug}/members", aw::get().to(chair_pages::members))
        .route(
            "/events/{slug}/members",
            aw::post().to(chair_pages::add_member),
        )
        .route(
            "/events/{slug}/members/{user_id}/remove",
            aw::post().to(chair_pages::remove_member),
        )
        .route(
            "/events/{slug}/dashboard",
            aw::get().to(chair_pages::dashboard),
        )
        .route(
            "/proposals/{id}/track",
            aw::post().to(chair_pages::set_track),
        )
        .route("/events/{slug}/review", aw::get().to(review_pages::queue))
        .route(
            "/events/{slug}/ranking",
            aw::get().to(review_pages::ranking),
        )
        .route(
            "/events/{slug}/assignments/auto",
            aw::post().to(review_pages::auto_assign),
        )
        .route(
            "/events/{slug}/reviewers/remind",
            aw::post().to(review_pages::remind),
        )
        .route(
            "/events/{slug}/review-phase",
            aw::post().to(review_pages::review_phase),
        )
        .route(
            "/proposals/{id}/review",
            aw::post().to(review_pages::save_review),
        )
        .route(
            "/proposals/{id}/conflict",
            aw::post().to(review_pages::declare_conflict),
        )
        .route(
            "/proposals/{id}/assignments",
            aw::post().to(review_pages::set_assignments),
        )
        .route(
            "/proposals/{id}/conflicts",
            aw::post().to(review_pages::set_conflict),
        )
        .route(
            "/events/{slug}/decisions",
            aw::post().to(decision_pages::bulk_decide),
        )
        .route(
            "/events/{slug}/decisions/release",
            aw::post().to(decision_pages::release),
        )
        .route(
            "/events/{slug}/publish",
            aw::post().to(decision_pages::publish),
        )
        .route(
            "/events/{slug}/unpublish",
            aw::post().to(decision_pages::unpublish),
        )
        .route(
            "/events/{slug}/emails",
            aw::get().to(decision_pages::email_templates),
        )
        .route(
            "/events/{slug}/emails/{kind}",
            aw::post().to(decision_pages::save_template),
        )
        .route(
            "/events/{slug}/emails/{kind}/reset",
            aw::post().to(decision_pages::reset_template),
        )
        .route(
            "/events/{slug}/emails/{kind}/preview",
            aw::post().to(decision_pages::preview_template),
        )
        .route(
            "/events/{slug}/outbox",
            aw::get().to(decision_pages::outbox),
        )
        .route(
            "/events/{slug}/outbox/{id}/retry",
            aw::post().to(decision_pages::retry_outbox),
        )
        .route(
            "/events/{slug}/accepted",
            aw::get().to(decision_pages::accepted),
        )
        .route(
            "/events/{slug}/accepted.atom",
            aw::get().to(decision_pages::accepted_atom),
        )
        .route(
            "/proposals/{id}/decision",
            aw::post().to(decision_pages::decide),
        )
        .route(
            "/proposals/{id}/confirm",
            aw::get().to(decision_pages::confirm_page),
        )
        .route(
            "/proposals/{id}/confirm",
            aw::post().to(decision_pages::confirm),
        )
        .route(
            "/proposals/{id}/decline",
            aw::post().to(decision_pages::decline),
        )
        .route("/proposals", aw::get().to(proposal_pages::my_proposals))
        .route("/proposals/{id}", aw::get().to(proposal_pages::show))
        .route(
            "/proposals/{id}/edit",
            aw::get().to(proposal_pages::edit_form),
        )
        .route("/proposals/{id}/edit", aw::post().to(proposal_pages::edit))
        .route(
            "/proposals/{id}/withdraw",
            aw::post().to(proposal_pages::withdraw),
        )
        .route(
            "/invitations/{token}",
            aw::get().to(proposal_pages::invitation),
        )
        .route(
            "/invitations/{token}",
            aw::post().to(proposal_pages::accept_invitation),
        )
        .route("/register", aw::get().to(pages::register_form))
        .route("/register", aw::post().to(pages::register))
        .route("/login", aw::get().to(pages::login_form))
        .route("/login", aw::post().to(pages::login))
        .route("/logout", aw::post().to(pages::logout))
        .route("/password-reset", aw::get().to(pages::password_reset_form))
        .route("/password-reset", aw::post().to(pages::password_reset))
        .route(
            "/password-reset/confirm",
            aw::get().to(pages::password_reset_confirm_form),
        )
        .route(
            "/password-reset/confirm",
            aw::post().to(pages::password_reset_confirm),
        )
        .route("/account", aw::get().to(pages::account))
        .route("/account/tokens", aw::post().to(pages::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            aw::post().to(pages::revoke_token),
        )
        .default_service(aw::to(page_not_found));
}

async fn api_not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, error::AppError> {
    tracing::debug!(path = %req.path(), "no such API route");
    Err(error::AppError::NotFound)
}

async fn page_not_found() -> web::PageResult {
    Err(web::PageError::App(error::AppError::NotFound))
}
