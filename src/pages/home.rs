//! The home page: every event, and whether its call for proposals is open.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::Utc;

use super::context::PageContext;
use super::errors::PageResult;
use super::respond::render;
use crate::db::events;
use crate::state::AppState;
use crate::time::in_zone;

pub struct EventSummary {
    pub slug: String,
    pub title: String,
    pub cfp_open: bool,
    pub closes: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    page: PageContext,
    events: Vec<EventSummary>,
}

pub async fn index(page: PageContext, state: web::Data<AppState>) -> PageResult {
    let mut conn = state.pool.get().await?;
    let now = Utc::now();
    let events = events::list_events(&mut conn)
        .await?
        .into_iter()
        .map(|e| EventSummary {
            cfp_open: e.cfp_open_at(now),
            closes: in_zone(e.cfp_closes_at, &e.time_zone),
            slug: e.slug,
            title: e.title,
        })
        .collect();
    render(StatusCode::OK, &IndexPage { page, events })
}

/// `/`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index));
}
