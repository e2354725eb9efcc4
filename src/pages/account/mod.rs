//! Account pages: registering, signing in and out (`sign_in`), resetting a forgotten password
//! (`password_reset`), and the account page with its API tokens (`page`), the forms that
//! change the account's name, password and email (`changes`), and its speaker profile and photo
//! (`profile`, which also serves the photos).

pub mod changes;
pub mod page;
pub mod password_reset;
pub mod profile;
pub mod sign_in;

use actix_web::web;

/// `/register`, `/login`, `/logout`, `/password-reset…`, `/account…`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(sign_in::register_form))
        .route("/register", web::post().to(sign_in::register))
        .route("/login", web::get().to(sign_in::login_form))
        .route("/login", web::post().to(sign_in::login))
        .route("/logout", web::post().to(sign_in::logout))
        .route(
            "/password-reset",
            web::get().to(password_reset::password_reset_form),
        )
        .route(
            "/password-reset",
            web::post().to(password_reset::password_reset),
        )
        .route(
            "/password-reset/confirm",
            web::get().to(password_reset::password_reset_confirm_form),
        )
        .route(
            "/password-reset/confirm",
            web::post().to(password_reset::password_reset_confirm),
        )
        .route("/account", web::get().to(page::account))
        .route("/account/name", web::post().to(changes::change_name))
        .route(
            "/account/password",
            web::post().to(changes::change_password),
        )
        .route("/account/email", web::post().to(changes::change_email))
        .route(
            "/account/email/confirm",
            web::get().to(changes::confirm_email_form),
        )
        .route(
            "/account/email/confirm",
            web::post().to(changes::confirm_email),
        )
        .route("/account/profile", web::post().to(profile::save_profile))
        .route("/account/photo", web::post().to(profile::upload_photo))
        .route(
            "/account/photo/remove",
            web::post().to(profile::remove_photo),
        )
        .route("/photos/{user_id}/{file}", web::get().to(profile::photo))
        .route("/account/tokens", web::post().to(page::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            web::post().to(page::revoke_token),
        );
}
