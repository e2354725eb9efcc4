//! The chairs' emails to a selection of speakers: preview and send (`decisions::mailing`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiJson;
use crate::decisions::mailing::{self, MailingPreview, MailingRequest, MailingSent};
use crate::error::AppResult;
use crate::http::ChairedEvent;
use crate::state::AppState;

/// Inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/emails", web::post().to(send));
    cfg.route("/events/{slug}/emails", web::get().to(history));
    cfg.route("/events/{slug}/emails/preview", web::post().to(preview));
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/emails/preview", tag = "decisions", request_body = MailingRequest,
    params(("slug" = String, Path)),
    responses((status = 200, body = MailingPreview, description = "the exact messages sending would queue now (the first 50) and how many"),
        (status = 401), (status = 403, description = "not a chair of the event"), (status = 404),
        (status = 422, description = "`to` selects nothing (no state, track or proposal), `to.tracks` names a track the event lacks, `to.proposal_ids` a proposal of another event, or `subject`/`body` uses an unknown placeholder or an unclosed section")))]
pub async fn preview(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    body: ApiJson<MailingRequest>,
) -> AppResult<web::Json<MailingPreview>> {
    Ok(web::Json(mailing::preview(&state, &event, &body.0).await?))
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/emails", tag = "decisions", request_body = MailingRequest,
    params(("slug" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~](?:[\t -~]{0,198}[!-~])?$",
            description = "1–200 characters of visible ASCII (spaces and tabs inside): a repeat with the same key and body replays the first response for 24 h and sends nothing; the same key with another body is a 422")),
    responses((status = 202, body = MailingSent, description = "one email per person (submitters and accepted co-speakers of the selected proposals, by normalized address) is queued in the outbox, with the event's contact address as Reply-To"),
        (status = 401), (status = 403, description = "not a chair of the event"), (status = 404),
        (status = 422, description = "as for the preview, and `to` when the selection reaches no speaker")))]
pub async fn send(
    req: HttpRequest,
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    body: ApiJson<MailingRequest>,
) -> AppResult<HttpResponse> {
    let idempotency_key = super::idempotency_key(&req)?;
    let sent = mailing::send(&state, &user, &event, body.0, idempotency_key.as_deref()).await?;
    Ok(HttpResponse::Accepted().json(sent))
}

#[derive(Serialize, ToSchema)]
pub struct MailingHistoryItem {
    pub id: uuid::Uuid,
    /// The chair who sent it (null once their account is gone).
    pub sent_by: Option<String>,
    /// The `to` it was sent with.
    pub selection: serde_json::Value,
    pub subject: String,
    pub body: String,
    pub recipients: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct MailingHistory {
    /// Newest first.
    pub items: Vec<MailingHistoryItem>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/emails", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = MailingHistory, description = "the chairs' past emails to speakers, newest first"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn history(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<MailingHistory>> {
    let items = mailing::history(&state, &event)
        .await?
        .into_iter()
        .map(|m| MailingHistoryItem {
            id: m.id,
            sent_by: m.sent_by_name,
            selection: m.selection,
            subject: m.subject,
            body: m.body,
            recipients: m.recipients,
            created_at: m.created_at,
        })
        .collect();
    Ok(web::Json(MailingHistory { items }))
}
