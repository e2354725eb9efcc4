//! The programme: chairs write it whole and publish it; the public reads it once published.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiJson;
use crate::accounts::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::http::ChairedEvent;
use crate::programme::{self, Programme, ProgrammeInput};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/programme", web::get().to(get_programme));
    cfg.route("/events/{slug}/programme", web::put().to(put_programme));
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
    user: Option<CurrentUser>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let chaired = match &user {
        Some(user) => crate::accounts::policy::managed_event(&mut conn, &slug, user)
            .await
            .ok(),
        None => None,
    };
    let chair = chaired.is_some();
    let event = match chaired {
        Some(event) => event,
        None => crate::db::events::find_by_slug(&mut conn, &slug)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let view = programme::view(&mut conn, &event).await?;
    if view.published_at.is_none() && !chair {
        return Err(AppError::NotFound);
    }
    let (etag, body) = view.etag()?;
    let cache_control = (
        header::CACHE_CONTROL,
        if chair {
            "private, no-cache"
        } else {
            "public, no-cache"
        },
    );
    let matches = crate::http::if_none_match_names(&req, &etag);
    if matches {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache_control)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache_control)
        .content_type("application/json")
        .body(body))
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
