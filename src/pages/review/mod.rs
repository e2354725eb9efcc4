//! Review pages: the reviewer's queue (`queue`); the answer to the review form (`form`; the form
//! itself is a section of the proposal page); conflicts of interest (`conflicts`); the chairs'
//! assignments (`assignment`), review phase and reminders (`phase`); the ranking (`ranking`).
//! Every decision about who may do what is the service's (`crate::review`, `accounts::policy`);
//! these handlers only turn forms into calls and outcomes into pages, flashes and redirects.

pub mod assignment;
pub mod conflicts;
pub mod criteria;
pub mod form;
pub mod phase;
pub mod queue;
pub mod ranking;

use actix_web::web;

/// An event's review queue, ranking and review actions; a proposal's review, conflicts and
/// assignments.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/review", web::get().to(queue::queue))
        .route("/events/{slug}/ranking", web::get().to(ranking::ranking))
        .route(
            "/events/{slug}/assignments/auto",
            web::post().to(assignment::auto_assign),
        )
        .route(
            "/events/{slug}/reviewers/remind",
            web::post().to(phase::remind),
        )
        .route(
            "/events/{slug}/review-phase",
            web::post().to(phase::review_phase),
        )
        .route(
            "/events/{slug}/review-criteria",
            web::get().to(criteria::criteria_form),
        )
        .route(
            "/events/{slug}/review-criteria",
            web::post().to(criteria::save_criteria),
        )
        .route("/proposals/{id}/review", web::post().to(form::save_review))
        .route(
            "/proposals/{id}/conflict",
            web::post().to(conflicts::declare_conflict),
        )
        .route(
            "/proposals/{id}/assignments",
            web::post().to(assignment::set_assignments),
        )
        .route(
            "/proposals/{id}/conflicts",
            web::post().to(conflicts::set_conflict),
        );
}
