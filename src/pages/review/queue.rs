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
    /// Of the proposals assigned to the member, how many they reviewed.
    done: usize,
    assigned: usize,
    /// Whether this is the queue's first page (else a link leads back to it).
    first_page: bool,
    /// The next page's cursor, if there is one.
    next_cursor: Option<String>,
}

/// Proposals per page of the review queue.
const QUEUE_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct QueueQuery {
    cursor: Option<String>,
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

/// `GET /events/{slug}/review[?cursor=]`: what the signed-in member has to review, pending
/// first, a page at a time (the API's keyset cursor).
pub async fn queue(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let event = event_by_slug(&mut conn, &slug).await?;
    // an unreadable cursor shows the first page
    let after = query
        .cursor
        .as_deref()
        .and_then(review::decode_queue_cursor);
    let queue = review::queue(&mut conn, &event, &user.0, QUEUE_PAGE, after).await?;
    let (done, assigned) = review::assigned_progress(&mut conn, &event, user.0.id).await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let now = Utc::now();
    render(
        StatusCode::OK,
        &QueuePage {
            page,
            done,
            assigned,
            first_page: after.is_none(),
            next_cursor: queue.next_cursor,
            items: queue.items,
            tracks,
            review_open: event.review_open_at(now),
            phase: phase_text(&event, now),
            event,
        },
    )
}
