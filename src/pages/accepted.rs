//! The public list of accepted talks (404 until published), live on the page, and its Atom
//! feed.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::balance::{TrackBalance, track_balance};
use super::context::PageContext;
use super::errors::PageResult;
use super::markdown;
use crate::accounts::session::SESSION_COOKIE;
use crate::decisions::publishing::{self, AcceptedCache, AcceptedItem, AcceptedList};
use crate::error::AppError;
use crate::http::conditional;
use crate::state::AppState;

/// One talk of the public list.
struct TalkView {
    id: uuid::Uuid,
    title: String,
    speakers: String,
    subtopics: Vec<String>,
    format: String,
    minutes: i32,
    abstract_html: String,
    /// The speakers who wrote a profile: affiliation, bio (rendered), photo.
    profiles: Vec<SpeakerProfileView>,
}

struct SpeakerProfileView {
    name: String,
    affiliation: String,
    bio_html: String,
    photo_url: Option<String>,
}

struct TrackGroup {
    name: String,
    minutes: i32,
    talks: Vec<TalkView>,
}

/// The list proper: the page's live part, and the `?fragment=1` representation.
#[derive(Template)]
#[template(path = "accepted_list.html")]
struct AcceptedFragment {
    groups: Vec<TrackGroup>,
    balance: TrackBalance,
    total_talks: usize,
}

#[derive(Template)]
#[template(path = "accepted.html")]
struct AcceptedPage {
    page: PageContext,
    slug: String,
    title: String,
    published_on: String,
    etag: String,
    /// The rendered `AcceptedFragment`.
    list_html: String,
    /// The browser carries a session cookie: the header offers the account's links instead
    /// of signing in. Read from the cookie's presence alone (no database), so each variant is
    /// still one cached body.
    signed_in: bool,
}

fn talk_view(list: &AcceptedList, item: &AcceptedItem) -> TalkView {
    TalkView {
        id: item.id,
        title: item.title.clone(),
        speakers: item
            .speakers
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        subtopics: item
            .subtopics
            .iter()
            .map(|key| list.subtopic_name(&item.track, key))
            .collect(),
        format: item.format_name.clone(),
        minutes: item.minutes,
        abstract_html: markdown::render(&item.abstract_text),
        profiles: item
            .speakers
            .iter()
            .filter(|s| !s.affiliation.is_empty() || !s.bio.is_empty() || s.photo_url.is_some())
            .map(|s| SpeakerProfileView {
                name: s.name.clone(),
                affiliation: s.affiliation.clone(),
                bio_html: markdown::render(&s.bio),
                photo_url: s.photo_url.clone(),
            })
            .collect(),
    }
}

impl AcceptedFragment {
    fn of(list: &AcceptedList) -> AcceptedFragment {
        let groups: Vec<TrackGroup> = list
            .by_track()
            .into_iter()
            .map(|(name, items)| TrackGroup {
                name,
                minutes: items.iter().map(|i| i.minutes).sum(),
                talks: items.iter().map(|i| talk_view(list, i)).collect(),
            })
            .collect();
        let tracks: Vec<String> = list.tracks.iter().map(|t| t.name.clone()).collect();
        let talks: Vec<(String, i32)> = list
            .items
            .iter()
            .map(|i| (list.track_name(&i.track), i.minutes))
            .collect();
        // The programme's minute budget is the chairs' working figure, not news for the public
        // ("60 minutes left"): the public chart shows the talks without it.
        let balance = track_balance(&tracks, &talks, None);
        AcceptedFragment {
            total_talks: list.items.len(),
            groups,
            balance,
        }
    }
}

#[derive(Deserialize)]
pub struct AcceptedQuery {
    fragment: Option<String>,
}

/// `GET /events/{slug}/accepted`: the public list of accepted talks (404 until published),
/// with the API's ETag and Cache-Control. The page is the same for every visitor (no name in
/// the header, no form token), so that a shared cache may keep it; `?fragment=1` is the list
/// alone, which the page's script polls for live updates.
pub async fn accepted(
    req: HttpRequest,
    state: web::Data<AppState>,
    cache: web::Data<AcceptedCache>,
    slug: web::Path<String>,
    query: web::Query<AcceptedQuery>,
) -> PageResult {
    let list = publishing::accepted(&state, &cache, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let html = "text/html; charset=utf-8";
    let failed = |e: askama::Error| AppError::internal(format!("rendering a page: {e}"));
    if query.fragment.as_deref() == Some("1") {
        return Ok(conditional(&req, &list, "fragment", html, || {
            AcceptedFragment::of(&list).render().map_err(failed)
        })?);
    }
    let signed_in = req.cookie(SESSION_COOKIE).is_some();
    let representation = if signed_in { "html-signed-in" } else { "html" };
    let mut response = conditional(&req, &list, representation, html, || {
        AcceptedPage {
            page: PageContext::anonymous(),
            slug: list.event.clone(),
            title: list.title.clone(),
            published_on: crate::time::in_zone(list.published_at, &list.time_zone),
            etag: list.etag("fragment"),
            list_html: AcceptedFragment::of(&list).render().map_err(failed)?,
            signed_in,
        }
        .render()
        .map_err(failed)
    })?;
    // The two variants differ by the cookie: a shared cache keeps only the anonymous one.
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    if signed_in {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(response)
}

/// `GET /events/{slug}/accepted.atom`: the accepted talks as an Atom feed.
pub async fn accepted_atom(
    req: HttpRequest,
    state: web::Data<AppState>,
    cache: web::Data<AcceptedCache>,
    slug: web::Path<String>,
) -> PageResult {
    let list = publishing::accepted(&state, &cache, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let url = |path: String| -> Result<String, AppError> {
        Ok(state
            .base_url
            .join(&path)
            .map_err(AppError::internal)?
            .to_string())
    };
    let page_url = url(format!("events/{}/accepted", list.event))?;
    let feed_url = url(format!("events/{}/accepted.atom", list.event))?;
    Ok(conditional(
        &req,
        &list,
        "atom",
        "application/atom+xml; charset=utf-8",
        || Ok(publishing::atom(&list, &page_url, &feed_url)),
    )?)
}

/// `/events/{slug}/accepted` and its Atom feed.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/accepted", web::get().to(accepted))
        .route("/events/{slug}/accepted.atom", web::get().to(accepted_atom));
}
