//! The ranking (chairs): an event's proposals best first by their calibrated score, by track,
//! a page at a time.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::domain::Transition;
use crate::error::FieldErrors;
use crate::pages::context::PageContext;
use crate::pages::distribution::distribution_svg;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::labels::{one_decimal, phase_text, track_name_of};
use crate::pages::respond::render;
use crate::review::{self, RankCursor, RankingCache, RankingItem};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RankingQuery {
    track: Option<String>,
    cursor: Option<String>,
}

/// Rows per page of the ranking page; the CSV has them all.
const PAGE: usize = 100;

pub struct RankedRow {
    pub item: RankingItem,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "ranking.html")]
struct RankingPage {
    page: PageContext,
    event: Event,
    rows: Vec<RankedRow>,
    tracks: Vec<TrackWithSubtopics>,
    track: String,
    phase: String,
    next_cursor: Option<String>,
    /// A page after the first one.
    paged: bool,
    /// This page's own address, where the decision buttons come back to.
    here: String,
}

impl RankingPage {
    fn track_name(&self, key: &Option<String>) -> String {
        track_name_of(&self.tracks, key)
    }
    fn number(value: &Option<f64>) -> String {
        one_decimal(value)
    }
    /// The first page of this track's ranking.
    fn first_link(&self) -> String {
        self.link(None)
    }
    fn next_link(&self, cursor: &str) -> String {
        self.link(Some(cursor))
    }
    fn link(&self, cursor: Option<&str>) -> String {
        ranking_link(&self.event.slug, &self.track, cursor)
    }
    fn decision_word(decision: &Option<crate::domain::Decision>) -> &'static str {
        match decision {
            Some(d) => d.state().as_str(),
            None => "",
        }
    }
    fn csv_link(&self) -> String {
        if self.track.is_empty() {
            format!("/api/v1/events/{}/ranking.csv", self.event.slug)
        } else {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("track", &self.track)
                .finish();
            format!("/api/v1/events/{}/ranking.csv?{query}", self.event.slug)
        }
    }
}

/// The ranking's address for this track filter and page.
fn ranking_link(slug: &str, track: &str, cursor: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !track.is_empty() {
        query.append_pair("track", track);
    }
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    let query = query.finish();
    if query.is_empty() {
        format!("/events/{slug}/ranking")
    } else {
        format!("/events/{slug}/ranking?{query}")
    }
}

/// `GET /events/{slug}/ranking` (chairs): best first by the calibrated score.
pub async fn ranking(
    page: PageContext,
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<RankingQuery>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let track = query
        .track
        .clone()
        .filter(|t| tracks.iter().any(|k| &k.key == t))
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    let cursor = RankCursor::parse(query.cursor.as_deref(), &mut errors);
    errors.into_result()?;
    let (items, next_cursor) = review::ranking_page(
        &mut conn,
        &cache,
        &event,
        Some(track.as_str()).filter(|t| !t.is_empty()),
        PAGE,
        cursor.as_ref(),
    )
    .await?;
    let rows = items
        .into_iter()
        .map(|item| RankedRow {
            chart: distribution_svg(&event, &item.distribution),
            item,
        })
        .collect();
    let here = ranking_link(&event.slug, &track, query.cursor.as_deref());
    render(
        StatusCode::OK,
        &RankingPage {
            here,
            page,
            rows,
            tracks,
            track,
            phase: phase_text(&event, Utc::now()),
            next_cursor,
            paged: cursor.is_some(),
            event,
        },
    )
}
