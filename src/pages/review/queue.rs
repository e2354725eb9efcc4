//! The reviewer's queue: what the signed-in member has to review in an event, pending first.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedIn;
use crate::pages::labels::{phase_text, score_text, track_name_of};
use crate::pages::respond::render;
use crate::review::{self, QueueItem};
use crate::state::AppState;

async fn event_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> Result<Event, PageError> {
    Ok(events::find_by_slug(conn, slug)
        .await?
        .ok_or(AppError::NotFound)?)
}

#[derive(Template)]
#[template(path = "review_queue.html")]
struct QueuePage {
    page: PageContext,
    event: Event,
    items: Vec<QueueItem>,
    tracks: Vec<TrackWithSubtopics>,
    review_open: bool,
    phase: String,
    done: usize,
    /// All of the reviewer's proposals, of which `items` is one page.
    total: usize,
    page_number: usize,
    pages: usize,
}

/// Proposals per page of the review queue.
const QUEUE_PAGE: usize = 50;

#[derive(Deserialize)]
pub struct QueueQuery {
    page: Option<String>,
}

impl QueuePage {
    fn track_name(&self, key: &Option<String>) -> String {
        track_name_of(&self.tracks, key)
    }
    fn format_name(&self, key: &str) -> String {
        self.event
            .formats()
            .into_iter()
            .find(|f| f.key == key)
            .map_or_else(|| key.to_owned(), |f| f.name)
    }
    fn score(&self, score: &i16) -> String {
        score_text(&self.event, *score)
    }
}

/// `GET /events/{slug}/review`: what the signed-in member has to review, pending first.
pub async fn queue(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let event = event_by_slug(&mut conn, &slug).await?;
    let all = review::queue(&mut conn, &event, &user.0).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let now = Utc::now();
    let pages = all.len().div_ceil(QUEUE_PAGE).max(1);
    // an out-of-range or unreadable page number shows the nearest page
    let page_number = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let done = all.iter().filter(|i| i.my_score.is_some()).count();
    let total = all.len();
    let items: Vec<QueueItem> = all
        .into_iter()
        .skip((page_number - 1) * QUEUE_PAGE)
        .take(QUEUE_PAGE)
        .collect();
    render(
        StatusCode::OK,
        &QueuePage {
            page,
            done,
            total,
            page_number,
            pages,
            items,
            tracks,
            review_open: event.review_open_at(now),
            phase: phase_text(&event, now),
            event,
        },
    )
}
