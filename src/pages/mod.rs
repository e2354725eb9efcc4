//! The HTML side: page context (user, CSRF token, flash), CSRF-checked forms, page errors.

pub mod balance;
pub mod chair_pages;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod decision_pages;
pub mod errors;
pub mod event_pages;
pub mod extract;
pub mod flash;
pub mod invitation;
pub mod markdown;
pub mod proposal_pages;
pub mod respond;
pub mod review_pages;
pub mod site;

pub use context::PageContext;
pub use cookies::pending_cookies_middleware;
pub use csrf::{CsrfForm, EmptyForm, rotate as rotate_csrf};
pub use errors::{PageError, PageResult};
pub use extract::{SignedIn, SignedInChair};
pub use flash::{flash_or_fail, set_flash};
pub use invitation::InvitationPage;
pub use respond::{redirect, render, safe_next};

use actix_web::web;

use crate::error::AppError;

/// Every HTML page, the static assets, and the 404 page for everything else.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use self::{chair_pages, decision_pages, event_pages, proposal_pages, review_pages, site};

    cfg.route("/static/style.css", web::get().to(site::stylesheet))
        .route("/static/app.js", web::get().to(site::script))
        .route("/", web::get().to(site::index))
        .route("/events/new", web::get().to(event_pages::new_form))
        .route("/events/new", web::post().to(event_pages::create))
        .route(
            "/events/{slug}/settings",
            web::get().to(event_pages::settings_form),
        )
        .route(
            "/events/{slug}/settings",
            web::post().to(event_pages::save_settings),
        )
        .route(
            "/member-invitations/{token}",
            web::get().to(event_pages::member_invitation),
        )
        .route(
            "/member-invitations/{token}",
            web::post().to(event_pages::accept_member_invitation),
        )
        .route("/events/{slug}", web::get().to(site::event))
        .route(
            "/events/{slug}/submit",
            web::get().to(proposal_pages::submit_form),
        )
        .route(
            "/events/{slug}/submit",
            web::post().to(proposal_pages::submit),
        )
        .route(
            "/events/{slug}/members",
            web::get().to(chair_pages::members),
        )
        .route(
            "/events/{slug}/members",
            web::post().to(chair_pages::add_member),
        )
        .route(
            "/events/{slug}/members/{user_id}/remove",
            web::post().to(chair_pages::remove_member),
        )
        .route(
            "/events/{slug}/dashboard",
            web::get().to(chair_pages::dashboard),
        )
        .route(
            "/proposals/{id}/track",
            web::post().to(chair_pages::set_track),
        )
        .route("/events/{slug}/review", web::get().to(review_pages::queue))
        .route(
            "/events/{slug}/ranking",
            web::get().to(review_pages::ranking),
        )
        .route(
            "/events/{slug}/assignments/auto",
            web::post().to(review_pages::auto_assign),
        )
        .route(
            "/events/{slug}/reviewers/remind",
            web::post().to(review_pages::remind),
        )
        .route(
            "/events/{slug}/review-phase",
            web::post().to(review_pages::review_phase),
        )
        .route(
            "/proposals/{id}/review",
            web::post().to(review_pages::save_review),
        )
        .route(
            "/proposals/{id}/conflict",
            web::post().to(review_pages::declare_conflict),
        )
        .route(
            "/proposals/{id}/assignments",
            web::post().to(review_pages::set_assignments),
        )
        .route(
            "/proposals/{id}/conflicts",
            web::post().to(review_pages::set_conflict),
        )
        .route(
            "/events/{slug}/decisions",
            web::post().to(decision_pages::bulk_decide),
        )
        .route(
            "/events/{slug}/decisions/release",
            web::post().to(decision_pages::release),
        )
        .route(
            "/events/{slug}/publish",
            web::post().to(decision_pages::publish),
        )
        .route(
            "/events/{slug}/unpublish",
            web::post().to(decision_pages::unpublish),
        )
        .route(
            "/events/{slug}/emails",
            web::get().to(decision_pages::email_templates),
        )
        .route(
            "/events/{slug}/emails/{kind}",
            web::post().to(decision_pages::save_template),
        )
        .route(
            "/events/{slug}/emails/{kind}/reset",
            web::post().to(decision_pages::reset_template),
        )
        .route(
            "/events/{slug}/emails/{kind}/preview",
            web::post().to(decision_pages::preview_template),
        )
        .route(
            "/events/{slug}/outbox",
            web::get().to(decision_pages::outbox),
        )
        .route(
            "/events/{slug}/outbox/{id}/retry",
            web::post().to(decision_pages::retry_outbox),
        )
        .route(
            "/events/{slug}/accepted",
            web::get().to(decision_pages::accepted),
        )
        .route(
            "/events/{slug}/accepted.atom",
            web::get().to(decision_pages::accepted_atom),
        )
        .route(
            "/proposals/{id}/decision",
            web::post().to(decision_pages::decide),
        )
        .route(
            "/proposals/{id}/confirm",
            web::get().to(decision_pages::confirm_page),
        )
        .route(
            "/proposals/{id}/confirm",
            web::post().to(decision_pages::confirm),
        )
        .route(
            "/proposals/{id}/decline",
            web::post().to(decision_pages::decline),
        )
        .route("/proposals", web::get().to(proposal_pages::my_proposals))
        .route("/proposals/{id}", web::get().to(proposal_pages::show))
        .route(
            "/proposals/{id}/edit",
            web::get().to(proposal_pages::edit_form),
        )
        .route("/proposals/{id}/edit", web::post().to(proposal_pages::edit))
        .route(
            "/proposals/{id}/withdraw",
            web::post().to(proposal_pages::withdraw),
        )
        .route(
            "/invitations/{token}",
            web::get().to(proposal_pages::invitation),
        )
        .route(
            "/invitations/{token}",
            web::post().to(proposal_pages::accept_invitation),
        )
        .route("/register", web::get().to(site::register_form))
        .route("/register", web::post().to(site::register))
        .route("/login", web::get().to(site::login_form))
        .route("/login", web::post().to(site::login))
        .route("/logout", web::post().to(site::logout))
        .route("/password-reset", web::get().to(site::password_reset_form))
        .route("/password-reset", web::post().to(site::password_reset))
        .route(
            "/password-reset/confirm",
            web::get().to(site::password_reset_confirm_form),
        )
        .route(
            "/password-reset/confirm",
            web::post().to(site::password_reset_confirm),
        )
        .route("/account", web::get().to(site::account))
        .route("/account/tokens", web::post().to(site::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            web::post().to(site::revoke_token),
        )
        .default_service(web::to(page_not_found));
}

async fn page_not_found() -> PageResult {
    Err(PageError::App(AppError::NotFound))
}
