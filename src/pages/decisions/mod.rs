//! Decision pages: the chairs' decisions, their release and the publication of the accepted
//! list (`decide`); the speakers' answer (`answer`); the decision emails' wording with its
//! preview (`emails`); the outbox (`outbox`). Every rule is the service's (`crate::decisions`,
//! `crate::decisions::publishing`, `accounts::policy`): these handlers only turn forms into
//! calls and outcomes into pages, flashes and redirects.

pub mod answer;
pub mod decide;
pub mod emails;
pub mod mailing;
pub mod outbox;
pub mod promotions;

use actix_web::web;

/// An event's decisions, release, publication, emails and outbox; a proposal's decision and
/// its speakers' answer.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/events/{slug}/decisions",
        web::post().to(decide::bulk_decide),
    )
    .route(
        "/events/{slug}/decisions/release",
        web::post().to(decide::release),
    )
    .route("/events/{slug}/publish", web::post().to(decide::publish))
    .route(
        "/events/{slug}/unpublish",
        web::post().to(decide::unpublish),
    )
    .route(
        "/events/{slug}/emails",
        web::get().to(emails::email_templates),
    )
    .route(
        "/events/{slug}/emails/{kind}",
        web::post().to(emails::save_template),
    )
    .route(
        "/events/{slug}/emails/{kind}/reset",
        web::post().to(emails::reset_template),
    )
    .route(
        "/events/{slug}/emails/{kind}/preview",
        web::post().to(emails::preview_template),
    )
    .route("/events/{slug}/mail", web::get().to(mailing::mail_form))
    .route("/events/{slug}/mail", web::post().to(mailing::mail))
    .route("/events/{slug}/outbox", web::get().to(outbox::outbox))
    .route(
        "/events/{slug}/promotions/{vacancy_id}",
        web::post().to(promotions::promote),
    )
    .route(
        "/events/{slug}/promotions/{vacancy_id}/dismiss",
        web::post().to(promotions::dismiss),
    )
    .route(
        "/events/{slug}/outbox/{id}/retry",
        web::post().to(outbox::retry_outbox),
    )
    .route("/proposals/{id}/decision", web::post().to(decide::decide))
    .route(
        "/proposals/{id}/confirm",
        web::get().to(answer::confirm_page),
    )
    .route("/proposals/{id}/confirm", web::post().to(answer::confirm))
    .route("/proposals/{id}/decline", web::post().to(answer::decline));
}
