//! The chairs' questions on the submission form, and the proposals CSV (with a column per
//! question); inside `/api/v1`.

use actix_web::{HttpResponse, web};

use super::ApiJson;
use crate::accounts::CurrentUser;
use crate::db::events;
use crate::error::{AppError, AppResult};
use crate::events::questions::{self, QuestionsRequest, QuestionsView};
use crate::http::ChairedEvent;
use crate::review::RankingCache;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/questions", web::get().to(get_questions));
    cfg.route("/events/{slug}/questions", web::put().to(put_questions));
    cfg.route("/events/{slug}/proposals.csv", web::get().to(proposals_csv));
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/questions", tag = "events",
    params(("slug" = String, Path)),
    responses((status = 200, body = QuestionsView, description = "the questions of the submission form, by position (public: the form needs them); `retired_questions` only for the event's chairs"),
        (status = 404)))]
pub async fn get_questions(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    user: Option<CurrentUser>,
    slug: web::Path<String>,
) -> AppResult<web::Json<QuestionsView>> {
    // a chair also sees the retired questions; anyone else (signed in or not) the form's
    if let Some(user) = user
        && let Ok(chaired) = ChairedEvent::load(&req, user).await
    {
        return Ok(web::Json(questions::chairs_view(&chaired.event)));
    }
    let mut conn = state.pool.get().await?;
    let event = events::find_by_slug(&mut conn, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(web::Json(questions::public_view(&event)))
}

#[utoipa::path(put, path = "/api/v1/events/{slug}/questions", tag = "events", request_body = QuestionsRequest,
    params(("slug" = String, Path)),
    responses((status = 200, body = QuestionsView, description = "replaced; a question left out moves to `retired_questions` (its answers stay, readable to the chairs), a key that comes back is un-retired; no answer is rewritten"),
        (status = 401), (status = 403), (status = 404),
        (status = 409, description = "two questions share a key (names the later one, e.g. `questions[1].key`)"),
        (status = 422, description = "names the field, e.g. `questions[0].options` (a choice needs 2 to 20 options, none twice; other kinds none) or `questions[0].formats[0]` (not one of the event's formats)")))]
pub async fn put_questions(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    body: ApiJson<QuestionsRequest>,
) -> AppResult<web::Json<QuestionsView>> {
    Ok(web::Json(
        questions::set_questions(&state, &event, body.0.questions).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/proposals.csv", tag = "events",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", description = "one row per proposal (withdrawn ones too, drafts never): `id,title,state,decision,format,track,subtopics,speakers,<a column per question, current then removed, headed by its key>,reviews,mean,calibrated`; RFC 4180, UTF-8, cells starting with `=`, `+`, `-` or `@` prefixed with `'`"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn proposals_csv(
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let body = crate::proposals::proposals_csv(&mut conn, &cache, &event).await?;
    Ok(crate::http::csv_download(
        &format!("{}-proposals.csv", event.slug),
        body,
    ))
}
