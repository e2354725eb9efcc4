//! `/events/{slug}/live`: what is on now and next in each room, with a countdown, and the whole
//! running order below. Rendered complete on the server (it works without JavaScript); the
//! page's script then polls the cached programme (`GET /api/v1/events/{slug}/programme`, a 304
//! while it is unchanged), moves "now" and "next" as time passes and shows each time in the
//! viewer's zone as well as the event's.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web;
use askama::Template;
use chrono::{DateTime, Utc};

use super::context::PageContext;
use super::errors::PageResult;
use crate::error::AppError;
use crate::programme::live::LiveItem;
use crate::programme::public::ProgrammeCache;
use crate::programme::{self, ItemKind, ProgrammeItem};
use crate::state::AppState;

/// One item as the page shows it: times in the event's zone, and the instants for the script.
struct ItemView {
    talk: bool,
    title: String,
    speakers: String,
    starts_at: String,
    ends_at: String,
    /// `HH:MM` in the event's zone.
    starts: String,
    ends: String,
    minutes: i32,
    current: bool,
}

impl ItemView {
    fn of(item: &ProgrammeItem, zone: &str, now: DateTime<Utc>) -> ItemView {
        let clock = |at: DateTime<Utc>| match zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => at.with_timezone(&tz).format("%H:%M").to_string(),
            Err(_) => at.format("%H:%M").to_string(),
        };
        let (starts, ends) = item.span;
        ItemView {
            talk: item.kind == ItemKind::Talk,
            title: item.title.clone(),
            speakers: item
                .speakers
                .iter()
                .map(|s| {
                    if s.affiliation.is_empty() {
                        s.name.clone()
                    } else {
                        format!("{} ({})", s.name, s.affiliation)
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
            starts_at: item.starts_at.clone(),
            ends_at: item.ends_at.clone(),
            starts: clock(starts),
            ends: clock(ends),
            minutes: item.minutes,
            current: starts <= now && now < ends,
        }
    }

    fn of_live(live: &LiveItem, zone: &str, now: DateTime<Utc>) -> ItemView {
        ItemView::of(&live.item, zone, now)
    }
}

/// What a block without a room is shown under (the page's script says the same).
const UNNAMED_ROOM: &str = "Main room";

/// A room's now and next.
struct RoomView {
    room: String,
    now: Vec<ItemView>,
    next: Option<ItemView>,
}

struct BlockView {
    title: String,
    room: String,
    date: String,
    items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "programme_live.html")]
struct LivePage {
    page: PageContext,
    slug: String,
    title: String,
    time_zone: String,
    /// The instant the page was rendered at, RFC 3339, and as the event's clock shows it.
    now_at: String,
    now_clock: String,
    rooms: Vec<RoomView>,
    blocks: Vec<BlockView>,
    etag: String,
    /// A chair looking at a programme the public cannot see yet.
    unpublished: bool,
}

/// `GET /events/{slug}/live`: 404 until the programme is published, except to the chairs.
pub async fn live(
    state: web::Data<AppState>,
    cache: web::Data<ProgrammeCache>,
    page: PageContext,
    slug: web::Path<String>,
) -> PageResult {
    let (published, _) =
        programme::public::readable(&state, &cache, page.user.as_ref(), &slug).await?;
    let now = Utc::now();
    let zone = published.time_zone.as_str();
    let live = programme::live::at(&published.programme, now, zone);
    let mut rooms: Vec<RoomView> = Vec::new();
    for block in &published.programme.blocks {
        if !rooms.iter().any(|r| r.room == block.room) {
            rooms.push(RoomView {
                room: block.room.clone(),
                now: Vec::new(),
                next: None,
            });
        }
    }
    for room in &mut rooms {
        room.now = live
            .now
            .iter()
            .filter(|i| i.room == room.room)
            .map(|i| ItemView::of_live(i, zone, now))
            .collect();
        room.next = live
            .next
            .iter()
            .find(|i| i.room == room.room)
            .map(|i| ItemView::of_live(i, zone, now));
    }
    for room in &mut rooms {
        if room.room.is_empty() {
            room.room = UNNAMED_ROOM.into();
        }
    }
    let date = |at: DateTime<Utc>| match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format("%A %-d %B %Y").to_string(),
        Err(_) => at.format("%A %-d %B %Y").to_string(),
    };
    let blocks = published
        .programme
        .blocks
        .iter()
        .map(|block| BlockView {
            title: block.title.clone(),
            room: block.room.clone(),
            date: block
                .items
                .first()
                .map_or_else(String::new, |i| date(i.span.0)),
            items: block
                .items
                .iter()
                .map(|item| ItemView::of(item, zone, now))
                .collect(),
        })
        .collect();
    let body = LivePage {
        page,
        slug: published.slug.clone(),
        title: published.title.clone(),
        time_zone: zone.to_owned(),
        now_at: live.at.clone(),
        now_clock: crate::time::in_zone(now, zone),
        rooms,
        blocks,
        etag: published.etag.clone(),
        unpublished: published.programme.published_at.is_none(),
    }
    .render()
    .map_err(|e| AppError::internal(format!("rendering a page: {e}")))?;
    let mut response = actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body);
    // what is "now" changes by the minute: never kept by a cache
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/live", web::get().to(live));
}
