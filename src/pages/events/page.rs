//! An event's public page: its call for proposals with tracks and dates, and the links its
//! chairs and reviewers need.
//!
//! What an anonymous visitor sees is the same for everybody, so it is rendered once and served
//! from memory until the event changes (`db::public_changes`) or the call opens or closes.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::{self, Bytes};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::db::public_changes::Watermark;
use crate::error::AppError;
use crate::pages::context::PageContext;
use crate::pages::errors::{PageError, PageResult};
use crate::pages::markdown;
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

/// An anonymous visitor's page of an event, rendered once.
struct CachedPage {
    event_id: uuid::Uuid,
    /// Read before the event was loaded.
    loaded: Option<Watermark>,
    /// The call opens or closes then: `cfp_open` changes.
    until: Option<DateTime<Utc>>,
    body: Bytes,
}

/// Anonymous visitors' pages by event slug.
#[derive(Default)]
pub struct AnonymousPages {
    pages: Mutex<HashMap<String, CachedPage>>,
}

impl AnonymousPages {
    fn current(&self, slug: &str, state: &AppState, now: DateTime<Utc>) -> Option<Bytes> {
        let pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let page = pages.get(slug)?;
        (page.until.is_none_or(|until| now < until)
            && state
                .public_changes
                .unchanged_since(page.event_id, page.loaded))
        .then(|| page.body.clone())
    }

    fn put(&self, slug: &str, page: CachedPage) {
        self.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(slug.to_owned(), page);
    }
}

fn html(body: Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Nothing in the request can make its page differ from everybody's: no session cookie, no
/// bearer token, no flash. (A page for such a request mints no form token either: it has no
/// form; the pages with forms mint their own.)
fn looks_anonymous(req: &HttpRequest) -> bool {
    req.cookie(crate::accounts::session::SESSION_COOKIE)
        .is_none()
        && !req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
        && !crate::pages::flash::has_flash(req)
}

pub async fn event(
    req: HttpRequest,
    state: web::Data<AppState>,
    anonymous_pages: web::Data<AnonymousPages>,
    slug: web::Path<String>,
) -> PageResult {
    let now = Utc::now();
    if looks_anonymous(&req)
        && let Some(body) = anonymous_pages.current(&slug, &state, now)
    {
        return Ok(html(body));
    }
    let page = PageContext::extract(&req).await?;
    let anonymous = page.user.is_none() && page.flash.is_none();
    let loaded = state.public_changes.watermark();
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
    drop(conn);
    let event_id = event.id.0;
    let until = [event.cfp_opens_at, event.cfp_closes_at]
        .into_iter()
        .filter(|at| *at > now)
        .min();
    let body = EventPage {
        can_manage,
        is_member,
        review_open: event.review_open_at(now),
        page,
        description_html: markdown::render(&event.description),
        tracks,
        cfp_open: event.cfp_open_at(now),
        opens: in_zone(event.cfp_opens_at, &event.time_zone),
        closes: in_zone(event.cfp_closes_at, &event.time_zone),
        closes_rfc3339: event.cfp_closes_at.to_rfc3339(),
        event,
    }
    .render()
    .map_err(|e| PageError::App(AppError::internal(format!("rendering a page: {e}"))))?;
    let body = Bytes::from(body);
    if anonymous {
        anonymous_pages.put(
            &slug,
            CachedPage {
                event_id,
                loaded,
                until,
                body: body.clone(),
            },
        );
    }
    Ok(html(body))
}
