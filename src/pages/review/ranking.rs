//! The ranking (chairs): an event's proposals best first by their calibrated score, by track.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::pages::context::PageContext;
use crate::pages::distribution::distribution_svg;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::labels::{one_decimal, phase_text, track_name_of};
use crate::pages::respond::render;
use crate::review::{self, RankingItem};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RankingQuery {
    track: Option<String>,
}

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
}

impl RankingPage {
    fn track_name(&self, key: &Option<String>) -> String {
        track_name_of(&self.tracks, key)
    }
    fn number(value: &Option<f64>) -> String {
        one_decimal(value)
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

/// `GET /events/{slug}/ranking` (chairs): best first by the calibrated score.
pub async fn ranking(
    page: PageContext,
    state: web::Data<AppState>,
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
    let items = review::ranking(
        &mut conn,
        &event,
        Some(track.as_str()).filter(|t| !t.is_empty()),
    )
    .await?;
    let rows = items
        .into_iter()
        .map(|item| RankedRow {
            chart: distribution_svg(&event, &item.distribution),
            item,
        })
        .collect();
    render(
        StatusCode::OK,
        &RankingPage {
            page,
            rows,
            tracks,
            track,
            phase: phase_text(&event, Utc::now()),
            event,
        },
    )
}
