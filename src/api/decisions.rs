//! Decisions, their release and emails, the outbox, confirmation, and the published list.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, Page};
use crate::accounts::CurrentUser;
use crate::csv::{Cell, CsvWriter};
use crate::db::decisions::AuditRow;
use crate::decisions::publishing::{self, AcceptedCache, AcceptedList};
use crate::decisions::{
    self, BulkDecision, EmailKind, PreviewEmail, ReleaseSummary, TemplateView, parse_kind,
};
use crate::domain::rules::{TEMPLATE_BODY, TEMPLATE_SUBJECT};
use crate::domain::{OutboxId, ProposalId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::http::ChairedEvent;
use crate::http::conditional;
use crate::mail::outbox_view::{OutboxItem, OutboxQuery, outbox_page};
use crate::proposals::ProposalView;
use crate::proposals::visible_proposal;
use crate::state::AppState;

/// Decisions, their release and the outbox, confirmations, email templates and publishing; inside `/api/v1`.
/// The public list, registered before every other API route: actix tries a scope's routes in
/// order, and at tens of thousands of reads per second the patterns tried before it cost more
/// than serving it from memory does.
pub fn hot_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/accepted", web::get().to(accepted));
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/proposals/{id}/decision", web::put().to(put_decision));
    cfg.route(
        "/proposals/{id}/decision-history",
        web::get().to(decision_history),
    );
    cfg.route("/events/{slug}/decisions", web::post().to(bulk_decide));
    cfg.route("/events/{slug}/decisions/release", web::post().to(release));
    cfg.route(
        "/events/{slug}/decisions/release",
        web::get().to(release_summary),
    );
    cfg.route("/events/{slug}/outbox", web::get().to(list_outbox));
    cfg.route(
        "/events/{slug}/outbox/{id}/retry",
        web::post().to(retry_outbox),
    );
    cfg.route("/proposals/{id}/confirm", web::post().to(confirm));
    cfg.route("/proposals/{id}/decline", web::post().to(decline));
    cfg.route(
        "/events/{slug}/confirmations/remind",
        web::post().to(remind_unconfirmed),
    );
    cfg.route(
        "/events/{slug}/email-templates",
        web::get().to(list_templates),
    );
    cfg.route(
        "/events/{slug}/email-templates/{kind}",
        web::put().to(put_template),
    );
    cfg.route(
        "/events/{slug}/email-templates/{kind}",
        web::delete().to(reset_template),
    );
    cfg.route(
        "/events/{slug}/email-templates/{kind}/preview",
        web::post().to(preview_template),
    );
    cfg.route("/events/{slug}/publish", web::post().to(publish));
    cfg.route("/events/{slug}/publish", web::delete().to(unpublish));
    cfg.route("/events/{slug}/accepted.csv", web::get().to(accepted_csv));
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `accept`, `reject` or `waitlist`
    #[schema(value_type = crate::domain::Decision)]
    pub decision: String,
    #[serde(default)]
    #[schema(schema_with = crate::domain::schema::decision_note)]
    pub note: String,
}

#[utoipa::path(put, path = "/api/v1/proposals/{id}/decision", tag = "decisions", request_body = DecisionRequest,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "the speakers see it only once released"),
        (status = 401), (status = 403), (status = 404), (status = 409, description = "withdrawn"), (status = 422)))]
pub async fn put_decision(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
    body: ApiJson<DecisionRequest>,
) -> AppResult<web::Json<ProposalView>> {
    let body = body.0;
    Ok(web::Json(
        decisions::decide(&state, &user, *id, &body.decision, &body.note).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct BulkOutcome {
    pub decided: usize,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/decisions", tag = "decisions", request_body = BulkDecision,
    params(("slug" = String, Path)),
    responses((status = 200, body = BulkOutcome), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn bulk_decide(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    body: ApiJson<BulkDecision>,
) -> AppResult<web::Json<BulkOutcome>> {
    let conn = state.pool.get().await?;
    drop(conn);
    let decided = decisions::decide_many(&state, &user, &event, body.0).await?;
    Ok(web::Json(BulkOutcome { decided }))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryResponse {
    pub items: Vec<AuditRow>,
}

#[utoipa::path(get, path = "/api/v1/proposals/{id}/decision-history", tag = "decisions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = HistoryResponse, description = "who decided, released, confirmed or declined, and when"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn decision_history(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<web::Json<HistoryResponse>> {
    let mut conn = state.pool.get().await?;
    let (proposal, event, _) = visible_proposal(&mut conn, &user, *id).await?;
    Ok(web::Json(HistoryResponse {
        items: decisions::history(&mut conn, &user, &proposal, &event).await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseOutcome {
    /// Emails queued by this release (0 when everything was released already).
    pub queued: usize,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/decisions/release", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = ReleaseOutcome, description = "decisions become visible; one email per speaker per proposal is queued"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn release(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
) -> AppResult<web::Json<ReleaseOutcome>> {
    let conn = state.pool.get().await?;
    drop(conn);
    let queued = decisions::release(&state, &user, &event).await?;
    Ok(web::Json(ReleaseOutcome { queued }))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/decisions/release", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = ReleaseSummary, description = "what a release would send now"), (status = 401), (status = 403), (status = 404)))]
pub async fn release_summary(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<ReleaseSummary>> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        decisions::release_summary(&mut conn, &event).await?,
    ))
}

// ---- the outbox ----

#[utoipa::path(get, path = "/api/v1/events/{slug}/outbox", tag = "decisions",
    params(("slug" = String, Path), OutboxQuery),
    responses((status = 200, body = Page<OutboxItem>, description = "newest first"), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn list_outbox(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    query: web::Query<OutboxQuery>,
) -> AppResult<web::Json<Page<OutboxItem>>> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(outbox_page(&mut conn, event.id, &query).await?))
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/outbox/{id}/retry", tag = "decisions",
    params(("slug" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 200, body = OutboxItem, description = "queued again, due now"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the email has not failed")))]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    path: web::Path<(String, OutboxId)>,
) -> AppResult<web::Json<OutboxItem>> {
    let (_, id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let row = crate::mail::outbox_view::retry(&mut conn, event.id, id).await?;
    Ok(web::Json(row.into()))
}

// ---- the speakers' answer ----

#[utoipa::path(post, path = "/api/v1/proposals/{id}/confirm", tag = "decisions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "state `confirmed`"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "not accepted, or the deadline has passed")))]
pub async fn confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<web::Json<ProposalView>> {
    Ok(web::Json(
        decisions::respond(&state, &user, *id, true).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/decline", tag = "decisions", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "state `declined`"), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn decline(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<web::Json<ProposalView>> {
    Ok(web::Json(
        decisions::respond(&state, &user, *id, false).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/confirmations/remind", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = ReleaseOutcome, description = "one email per speaker of an accepted, unanswered proposal"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn remind_unconfirmed(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<ReleaseOutcome>> {
    let conn = state.pool.get().await?;
    drop(conn);
    let queued = decisions::remind_unconfirmed(&state, &event).await?;
    Ok(web::Json(ReleaseOutcome { queued }))
}

// ---- email templates ----

#[derive(Serialize, ToSchema)]
pub struct TemplatesResponse {
    pub items: Vec<TemplateView>,
    /// Every placeholder a template may use: (name, meaning).
    pub placeholders: Vec<(String, String)>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/email-templates", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = TemplatesResponse), (status = 401), (status = 403), (status = 404)))]
pub async fn list_templates(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<TemplatesResponse>> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(TemplatesResponse {
        items: decisions::templates_of(&mut conn, &event).await?,
        placeholders: crate::mail::placeholders::PLACEHOLDERS
            .iter()
            .map(|(n, m)| ((*n).to_owned(), (*m).to_owned()))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TemplateRequest {
    #[schema(schema_with = subject_schema)]
    pub subject: String,
    #[schema(schema_with = body_schema)]
    pub body: String,
}

/// Placeholders (`{{speaker_name}}`, sections `{{#track}}…{{/track}}`) are checked when saved.
const TEMPLATE: &str = "placeholders such as `{{speaker_name}}` must be among `placeholders` \
    (GET email-templates), sections such as `{{#track}}…{{/track}}` closed in order";

fn subject_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::domain::schema::text(TEMPLATE_SUBJECT, false, TEMPLATE)
}

fn body_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::domain::schema::text(TEMPLATE_BODY, false, TEMPLATE)
}

fn unsaved_subject_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::domain::schema::text(
        TEMPLATE_SUBJECT,
        true,
        "unsaved wording to try, sent with `body`; the saved one when both are absent",
    )
}

fn unsaved_body_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::domain::schema::text(
        TEMPLATE_BODY,
        true,
        "unsaved wording to try, sent with `subject`; the saved one when both are absent",
    )
}

#[utoipa::path(put, path = "/api/v1/events/{slug}/email-templates/{kind}", tag = "decisions", request_body = TemplateRequest,
    params(("slug" = String, Path), ("kind" = inline(EmailKind), Path)),
    responses((status = 200, body = TemplateView), (status = 401), (status = 403), (status = 404), (status = 422, description = "a template error, caught now rather than when sending")))]
pub async fn put_template(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    path: web::Path<(String, String)>,
    body: ApiJson<TemplateRequest>,
) -> AppResult<web::Json<TemplateView>> {
    let (_, kind) = path.into_inner();
    let conn = state.pool.get().await?;
    drop(conn);
    let kind = parse_kind(&kind)?;
    Ok(web::Json(
        decisions::save_template(&state, &user, &event, kind, &body.0.subject, &body.0.body)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/events/{slug}/email-templates/{kind}", tag = "decisions",
    params(("slug" = String, Path), ("kind" = inline(EmailKind), Path)),
    responses((status = 200, body = TemplateView, description = "back to the shipped wording"), (status = 401), (status = 403), (status = 404)))]
pub async fn reset_template(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    path: web::Path<(String, String)>,
) -> AppResult<web::Json<TemplateView>> {
    let (_, kind) = path.into_inner();
    let conn = state.pool.get().await?;
    drop(conn);
    let kind = parse_kind(&kind)?;
    Ok(web::Json(
        decisions::reset_template(&state, &event, kind).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PreviewRequest {
    /// A proposal of the event.
    pub proposal_id: uuid::Uuid,
    #[schema(schema_with = unsaved_subject_schema)]
    pub subject: Option<String>,
    #[schema(schema_with = unsaved_body_schema)]
    pub body: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewResponse {
    /// One email per speaker, exactly as the release would queue it.
    pub items: Vec<PreviewEmail>,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/email-templates/{kind}/preview", tag = "decisions", request_body = PreviewRequest,
    params(("slug" = String, Path), ("kind" = inline(EmailKind), Path)),
    responses((status = 200, body = PreviewResponse), (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn preview_template(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    path: web::Path<(String, String)>,
    body: ApiJson<PreviewRequest>,
) -> AppResult<web::Json<PreviewResponse>> {
    let (_, kind) = path.into_inner();
    let conn = state.pool.get().await?;
    drop(conn);
    let kind = parse_kind(&kind)?;
    let body = body.0;
    let wording = match (&body.subject, &body.body) {
        (Some(subject), Some(text)) => Some((subject.as_str(), text.as_str())),
        (None, None) => None,
        _ => {
            return Err(AppError::Validation(FieldErrors::single(
                "body",
                "send both subject and body, or neither",
            )));
        }
    };
    Ok(web::Json(PreviewResponse {
        items: decisions::preview(&state, &event, kind, wording, ProposalId(body.proposal_id))
            .await?,
    }))
}

// ---- publishing ----

#[derive(Serialize, ToSchema)]
pub struct PublishResponse {
    pub published_at: Option<DateTime<Utc>>,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/publish", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = PublishResponse, description = "the accepted list is public"), (status = 401), (status = 403), (status = 404)))]
pub async fn publish(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<PublishResponse>> {
    let published_at = publishing::set_published(&state, &event, true).await?;
    Ok(web::Json(PublishResponse { published_at }))
}

#[utoipa::path(delete, path = "/api/v1/events/{slug}/publish", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = PublishResponse, description = "the accepted list is no longer public"), (status = 401), (status = 403), (status = 404)))]
pub async fn unpublish(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<PublishResponse>> {
    let published_at = publishing::set_published(&state, &event, false).await?;
    Ok(web::Json(PublishResponse { published_at }))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/accepted", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = AcceptedList, description = "public once published; ETag and If-None-Match supported"),
        (status = 304), (status = 404, description = "no such event, or not published")))]
pub async fn accepted(
    req: HttpRequest,
    state: web::Data<AppState>,
    cache: web::Data<AcceptedCache>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let list = publishing::accepted(&state, &cache, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    conditional(&req, &list, "json", "application/json", || {
        serde_json::to_string(&*list).map_err(AppError::internal)
    })
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/accepted.csv", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", description = "accepted and confirmed proposals with their speakers, for chairs (published or not)"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn accepted_csv(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let rows = crate::db::decisions::accepted_of(&mut conn, event.id).await?;
    let ids: Vec<_> = rows.iter().map(|p| p.id).collect();
    let speakers = crate::db::proposals::speakers_of(&mut conn, &ids).await?;
    let mut csv = CsvWriter::new(&[
        "proposal_id",
        "title",
        "track",
        "format",
        "state",
        "speakers",
        "emails",
    ]);
    for p in &rows {
        let (names, emails): (Vec<_>, Vec<_>) = speakers
            .iter()
            .filter(|s| s.proposal_id == p.id)
            .map(|s| (s.name.as_str(), s.email.as_str()))
            .unzip();
        let (names, emails) = (names.join("; "), emails.join("; "));
        csv.row([
            Cell::Plain(p.id.to_string()),
            Cell::Text(&p.title),
            Cell::Text(p.track().unwrap_or("")),
            Cell::Text(&p.format),
            Cell::Plain(p.state.to_string()),
            Cell::Text(&names),
            Cell::Text(&emails),
        ]);
    }
    let out = csv.finish();
    Ok(crate::http::csv_download(
        &format!("{}-accepted.csv", event.slug),
        out,
    ))
}
