//! Event pages: an event's public page (`page`); creating an event and changing its settings
//! (`settings`, with the form in `form` and its text fields read and written in `fields`); its
//! members and their invitations (`members`); accepting an invitation to be one (`invitations`).

pub mod fields;
pub mod form;
pub mod invitations;
pub mod members;
pub mod page;
pub mod questions;
pub mod settings;

use actix_web::web;

/// `/events/new`, an event's page, settings and members, `/member-invitations/{token}`.
/// `/events/new` comes before `/events/{slug}`, which would take "new" for a slug.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/new", web::get().to(settings::new_form))
        .route("/events/new", web::post().to(settings::create))
        .route(
            "/events/{slug}/settings",
            web::get().to(settings::settings_form),
        )
        .route(
            "/events/{slug}/settings",
            web::post().to(settings::save_settings),
        )
        .route(
            "/member-invitations/{token}",
            web::get().to(invitations::member_invitation),
        )
        .route(
            "/member-invitations/{token}",
            web::post().to(invitations::accept_member_invitation),
        )
        .route("/events/{slug}", web::get().to(page::event))
        .route(
            "/events/{slug}/questions",
            web::get().to(questions::questions_form),
        )
        .route(
            "/events/{slug}/questions",
            web::post().to(questions::save_questions),
        )
        .route("/events/{slug}/members", web::get().to(members::members))
        .route(
            "/events/{slug}/members",
            web::post().to(members::add_member),
        )
        .route(
            "/events/{slug}/members/{user_id}/remove",
            web::post().to(members::remove_member),
        )
        .route(
            "/events/{slug}/member-invitations/{invitation_id}/cancel",
            web::post().to(members::cancel_invitation),
        );
}
