//! The outbox page (chairs): the event's emails, newest first, with their delivery state; a
//! failed one can be queued again.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;

use crate::db::events::Event;
use crate::domain::OutboxId;
use crate::error::AppError;
use crate::mail::outbox_view::{OutboxItem, OutboxQuery, outbox_page};
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedInChair;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;
use crate::time::in_zone;

/// A time of the outbox, short: "2026-11-24 01:02" in the event's time zone, and the long
/// form (with UTC) for its tooltip.
struct ShortTime {
    short: String,
    long: String,
    rfc3339: String,
}

impl ShortTime {
    fn of(event: &Event, time: chrono::DateTime<chrono::Utc>) -> ShortTime {
        let short = match event.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => time.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            Err(_) => time.format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        ShortTime {
            short,
            long: in_zone(time, &event.time_zone),
            rfc3339: time.to_rfc3339(),
        }
    }
}

struct OutboxRowView {
    item: OutboxItem,
    kind: String,
    created: ShortTime,
    sent: Option<ShortTime>,
    next_attempt: ShortTime,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    page: PageContext,
    event: Event,
    rows: Vec<OutboxRowView>,
    state: String,
    next_cursor: Option<String>,
    /// A page after the first one.
    paged: bool,
}

impl OutboxPage {
    fn first_link(&self) -> String {
        if self.state.is_empty() {
            format!("/events/{}/outbox", self.event.slug)
        } else {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("state", &self.state)
                .finish();
            format!("/events/{}/outbox?{query}", self.event.slug)
        }
    }
    fn next_link(&self, cursor: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("state", &self.state)
            .append_pair("cursor", cursor)
            .finish();
        format!("/events/{}/outbox?{query}", self.event.slug)
    }
}

/// `GET /events/{slug}/outbox` (chairs): the event's emails, newest first, `?state=` and
/// `?cursor=` as in the API.
pub async fn outbox(
    page: PageContext,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    query: web::Query<OutboxQuery>,
) -> PageResult {
    let query = query.into_inner();
    let mut conn = state.pool.get().await?;
    let listed = outbox_page(&mut conn, event.id, &query).await?;
    let rows = listed
        .items
        .into_iter()
        .map(|item| OutboxRowView {
            kind: item.kind.replace('_', " "),
            created: ShortTime::of(&event, item.created_at),
            sent: item.sent_at.map(|t| ShortTime::of(&event, t)),
            next_attempt: ShortTime::of(&event, item.next_attempt_at),
            item,
        })
        .collect();
    render(
        StatusCode::OK,
        &OutboxPage {
            page,
            rows,
            paged: query.cursor.is_some(),
            state: query.state.unwrap_or_default(),
            next_cursor: listed.next_cursor,
            event,
        },
    )
}

/// `POST /events/{slug}/outbox/{id}/retry`: a failed email is queued again, due now.
pub async fn retry_outbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedInChair { event, .. }: SignedInChair,
    path: web::Path<(String, OutboxId)>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let (_, id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    match crate::mail::outbox_view::retry(&mut conn, event.id, id).await {
        Ok(row) => set_flash(
            &req,
            "success",
            &format!("The email to {} is queued again.", row.recipient),
        ),
        Err(AppError::Conflict { .. }) => {
            set_flash(&req, "error", "Only a failed email can be retried.")
        }
        Err(other) => return Err(other.into()),
    }
    Ok(redirect(&format!("/events/{}/outbox", event.slug)))
}
