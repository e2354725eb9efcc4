//! Proposal pages: the speakers' form (`form`: submit, edit, withdraw) and their list (`list`);
//! the proposal page (`page`), composed of its `timeline` and of the `sections` the viewer may
//! see; the chairs' track override (`track`); co-speaker invitations, accepted and sent again (`invitations`).

pub mod answers;
pub mod form;
pub mod invitations;
pub mod list;
pub mod page;
pub mod pending;
pub mod profile_fields;
pub mod sections;
pub mod timeline;
pub mod track;

use actix_web::web;

/// The submission form of an event, `/proposals…`, `/invitations/{token}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/submit", web::get().to(form::submit_form))
        .route("/events/{slug}/submit", web::post().to(form::submit))
        .route("/proposals/{id}/track", web::post().to(track::set_track))
        .route("/proposals", web::get().to(list::my_proposals))
        .route("/proposals/{id}", web::get().to(page::show))
        .route("/proposals/{id}/edit", web::get().to(form::edit_form))
        .route("/proposals/{id}/edit", web::post().to(form::edit))
        .route("/proposals/{id}/withdraw", web::post().to(form::withdraw))
        .route(
            "/invitations/{token}",
            web::get().to(invitations::invitation),
        )
        .route(
            "/invitations/{token}",
            web::post().to(invitations::accept_invitation),
        )
        .route(
            "/proposals/{id}/co-speakers/{invitation_id}/resend",
            web::post().to(invitations::resend_invitation),
        );
}
