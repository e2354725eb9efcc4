//! The event's outbox as the chairs read it: newest first, filtered by state, paged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::outbox::{self, OutboxRow};
use crate::db::paging::Page;
use crate::domain::OutboxId;
use crate::error::{AppError, AppResult, FieldErrors};

#[derive(Serialize, ToSchema)]
pub struct OutboxItem {
    pub id: uuid::Uuid,
    pub to: String,
    pub subject: String,
    pub kind: String,
    pub proposal_id: Option<uuid::Uuid>,
    /// `queued`, `sent` or `failed`
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    /// The `Reply-To` it carries: the event's contact address when it was written.
    pub reply_to: Option<String>,
    /// The text part (a secret link shows as a placeholder: it is filled in at send time).
    pub body_text: String,
}

impl From<OutboxRow> for OutboxItem {
    fn from(row: OutboxRow) -> Self {
        OutboxItem {
            id: row.id.0,
            to: row.recipient,
            subject: row.subject,
            kind: row.kind,
            proposal_id: row.proposal_id,
            state: row.state,
            attempts: row.attempts,
            last_error: row.last_error,
            sent_at: row.sent_at,
            created_at: row.created_at,
            next_attempt_at: row.next_attempt_at,
            reply_to: row.reply_to,
            body_text: row.body_text,
        }
    }
}

/// `?state=&limit=&cursor=` (read as text, so that a bad value is a 422 naming it).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only the emails in this state; empty: every state.
    #[param(schema_with = state_filter_schema)]
    pub state: Option<String>,
    /// 50 when absent.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

const STATES: [&str; 3] = ["queued", "sent", "failed"];

fn state_filter_schema() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(STATES.into_iter().chain([""])))
        .description(Some("only the emails in this state; empty: every state"))
}

fn outbox_cursor(row: &OutboxRow) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", row.created_at.timestamp_micros(), row.id))
}

fn parse_outbox_cursor(text: &str) -> Option<(DateTime<Utc>, OutboxId)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
    let (micros, id) = text.split_once('|')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        OutboxId(id.parse().ok()?),
    ))
}

/// The event's outbox page by page, newest first, with `?state=` and `?limit=&cursor=`.
#[tracing::instrument(skip_all, fields(event.id = %event_id))]
pub async fn outbox_page(
    conn: &mut diesel_async::AsyncPgConnection,
    event_id: crate::domain::EventId,
    query: &OutboxQuery,
) -> AppResult<Page<OutboxItem>> {
    let mut errors = FieldErrors::new();
    let limit = match query.limit.as_deref() {
        None => 50,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                errors.add("limit", "must be a whole number from 1 to 500");
                50
            }
        },
    };
    let before = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => {
            let cursor = parse_outbox_cursor(text);
            if cursor.is_none() {
                errors.add("cursor", "is not a cursor this API returned");
            }
            cursor
        }
    };
    let state = query.state.as_deref().filter(|s| !s.is_empty());
    if state.is_some_and(|s| !STATES.contains(&s)) {
        errors.add("state", "must be queued, sent or failed");
    }
    errors.into_result()?;
    let mut rows = outbox::list_for_event(conn, event_id, state, before, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(outbox_cursor)
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(OutboxItem::from).collect(),
        next_cursor,
    })
}

/// A chair's retry of a failed email of the event: queued again, due now. 404 for an email of
/// another event, 409 for one that has not failed.
#[tracing::instrument(skip_all, fields(event.id = %event_id))]
pub async fn retry(
    conn: &mut diesel_async::AsyncPgConnection,
    event_id: crate::domain::EventId,
    id: OutboxId,
) -> AppResult<OutboxRow> {
    let row = outbox::find(conn, id)
        .await?
        .filter(|row| row.event_id == Some(event_id))
        .ok_or(AppError::NotFound)?;
    if !outbox::retry_failed(conn, event_id, row.id).await? {
        return Err(AppError::conflict(
            "id",
            "only a failed email can be retried",
        ));
    }
    tracing::info!(outbox.id = %row.id, "email queued again by a chair");
    outbox::find(conn, row.id).await?.ok_or(AppError::NotFound)
}
