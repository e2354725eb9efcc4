//! An event's public page: its call for proposals with tracks and dates, and the links its
//! chairs and reviewers need.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::Utc;

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::errors::PageResult;
use crate::pages::markdown;
use crate::pages::respond::render;
use crate::state::AppState;
use crate::time::in_zone;

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    page: PageContext,
    event: Event,
    description_html: String,
    tracks: Vec<TrackWithSubtopics>,
    cfp_open: bool,
    opens: String,
    closes: String,
    closes_rfc3339: String,
    can_manage: bool,
    /// A chair or reviewer: has a review queue.
    is_member: bool,
    review_open: bool,
}

pub async fn event(
    page: PageContext,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let event = events::find_by_slug(&mut conn, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let (can_manage, is_member) = match &page.user {
        Some(user) => {
            let access = crate::accounts::policy::event_access(&mut conn, &event, user).await?;
            (access.can_manage(), access.role.is_some())
        }
        None => (false, false),
    };
    render(
        StatusCode::OK,
        &EventPage {
            can_manage,
            is_member,
            review_open: event.review_open_at(Utc::now()),
            page,
            description_html: markdown::render(&event.description),
            tracks,
            cfp_open: event.cfp_open_at(Utc::now()),
            opens: in_zone(event.cfp_opens_at, &event.time_zone),
            closes: in_zone(event.cfp_closes_at, &event.time_zone),
            closes_rfc3339: event.cfp_closes_at.to_rfc3339(),
            event,
        },
    )
}
