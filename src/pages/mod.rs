//! The HTML side, one file or folder per job.
//!
//! Underneath every page, lowest first: `errors` (page errors and the error page), `cookies`
//! (cookies set on the way out), `respond` (render, redirect), `flash`, `extract` (the
//! signed-in extractors), `csrf` (CSRF-checked forms), `context` (what every layout needs);
//! parts pages share: `markdown`, `labels`, `distribution`, `balance`, `invitation`.
//!
//! Above them the pages, by capability, each registering its own routes: `assets`, `home`,
//! `account/`, `events/`, `proposals/` (the proposal page is composed from the `sections/` of
//! the review and the decisions), `review/`, `decisions/`, `dashboard`, `accepted`, `programme` (the chairs' board).

pub mod accepted;
pub mod account;
pub mod assets;
pub mod balance;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod dashboard;
pub mod decisions;
pub mod distribution;
pub mod errors;
pub mod events;
pub mod extract;
pub mod flash;
pub mod home;
pub mod invitation;
pub mod labels;
pub mod live;
pub mod markdown;
pub mod programme;
pub mod proposals;
pub mod respond;
pub mod review;

pub use cookies::pending_cookies_middleware;
pub use errors::sign_in_redirects_middleware;
pub use events::page::AnonymousPages;

use actix_web::web;

use crate::error::AppError;
use errors::{PageError, PageResult};

/// Every HTML page, the static assets, and the 404 page for everything else. Paths of different
/// capabilities never overlap, so their order does not matter; where it does (`/events/new`
/// before `/events/{slug}`), it is inside one capability's `routes`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    assets::routes(cfg);
    home::routes(cfg);
    events::routes(cfg);
    proposals::routes(cfg);
    review::routes(cfg);
    decisions::routes(cfg);
    dashboard::routes(cfg);
    accepted::routes(cfg);
    live::routes(cfg);
    programme::routes(cfg);
    account::routes(cfg);
    // last: whatever no page above answers
    cfg.default_service(web::to(page_not_found));
}

async fn page_not_found() -> PageResult {
    Err(PageError::App(AppError::NotFound))
}
