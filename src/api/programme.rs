//! The programme: chairs write it whole and publish it; the public reads it once published.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiJson;
use crate::accounts::CurrentUser;
use crate::error::AppResult;
use crate::http::ChairedEvent;
use crate::programme::live::ProgrammeNow;
use crate::programme::public::ProgrammeCache;
use crate::programme::{self, Programme, ProgrammeInput};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/programme", web::get().to(get_programme));
    cfg.route("/events/{slug}/programme", web::put().to(put_programme));
    cfg.route("/events/{slug}/programme/now", web::get().to(programme_now));
    cfg.route(
        "/events/{slug}/programme/publish",
        web::post().to(publish_programme),
    );
    cfg.route(
        "/events/{slug}/programme/publish",
        web::delete().to(unpublish_programme),
    );
}

#[utoipa::path(put, path = "/api/v1/events/{slug}/programme", tag = "programme", params(("slug" = String, Path)),
    request_body = ProgrammeInput,
    responses((status = 200, body = Programme, description = "the programme, replaced whole, with each item's computed times"),
        (status = 401), (status = 403), (status = 404),
        (status = 422, description = "errors by field, e.g. `blocks[1].items[3].proposal_id`: a talk not accepted or confirmed or not of the event, a talk placed twice, the first item ending after its block's end, a block ending before it starts")))]
pub async fn put_programme(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    body: ApiJson<ProgrammeInput>,
) -> AppResult<web::Json<Programme>> {
    Ok(web::Json(programme::replace(&state, &event, body.0).await?))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/programme", tag = "programme", params(("slug" = String, Path)),
    responses((status = 200, body = Programme, description = "public once published, always to the event's chairs; ETag and If-None-Match supported"),
        (status = 304), (status = 404, description = "no such event, or the programme is not published")))]
pub async fn get_programme(
    req: HttpRequest,
    state: web::Data<AppState>,
    cache: web::Data<ProgrammeCache>,
    user: Option<CurrentUser>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (programme, chair) =
        programme::public::readable(&state, &cache, user.as_ref(), &slug).await?;
    crate::http::respond_versioned(
        &req,
        &programme.etag,
        cache_control(chair),
        "application/json",
        || Ok(programme.json.clone()),
    )
}

fn cache_control(chair: bool) -> &'static str {
    if chair {
        "private, no-cache"
    } else {
        "public, no-cache"
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NowQuery {
    /// The instant to ask about (RFC 3339 with an offset); now when absent.
    #[param(value_type = Option<String>, format = DateTime)]
    pub at: Option<DateTime<FixedOffset>>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/programme/now", tag = "programme", params(("slug" = String, Path), NowQuery),
    responses((status = 200, body = ProgrammeNow, description = "per room, what runs at the instant and what comes next; from the published programme (the chairs' own before publishing)"),
        (status = 404, description = "no such event, or the programme is not published")))]
pub async fn programme_now(
    state: web::Data<AppState>,
    cache: web::Data<ProgrammeCache>,
    user: Option<CurrentUser>,
    slug: web::Path<String>,
    query: web::Query<NowQuery>,
) -> AppResult<HttpResponse> {
    let (programme, chair) =
        programme::public::readable(&state, &cache, user.as_ref(), &slug).await?;
    // to the second: the answer names the instant it was computed for
    let at = query
        .at
        .map_or_else(Utc::now, |at| at.with_timezone(&Utc))
        .trunc_subsecs(0);
    let now = programme::live::at(&programme.programme, at, &programme.time_zone);
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            if chair {
                "private, no-store"
            } else {
                "no-store"
            },
        ))
        .json(now))
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammePublished {
    pub published_at: Option<DateTime<Utc>>,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/programme/publish", tag = "programme", params(("slug" = String, Path)),
    responses((status = 200, body = ProgrammePublished, description = "the programme is public"), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the programme is empty")))]
pub async fn publish_programme(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<ProgrammePublished>> {
    let published_at = programme::set_published(&state, &event, true).await?;
    Ok(web::Json(ProgrammePublished { published_at }))
}

#[utoipa::path(delete, path = "/api/v1/events/{slug}/programme/publish", tag = "programme", params(("slug" = String, Path)),
    responses((status = 204, description = "the programme is no longer public"), (status = 401), (status = 403), (status = 404)))]
pub async fn unpublish_programme(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<HttpResponse> {
    programme::set_published(&state, &event, false).await?;
    Ok(HttpResponse::NoContent().finish())
}
