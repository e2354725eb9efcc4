//! The programme's exports, as files beside the event's pages (`/events/{slug}/…`, not under
//! `/api/v1`): `programme.ics` (iCalendar, to subscribe to) and `schedule.xml` (frab's format,
//! for schedule apps) are public once the programme is published and the event's chairs'
//! always; `programme-indico.csv` (Indico's contribution import) is the chairs' alone, since it
//! has the speakers' emails. Programs read these, not people: they are the API's, with its
//! problem+json errors and a place in its OpenAPI document. Each carries an ETag naming its
//! content, and `If-None-Match` gets a 304.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::accounts::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::http::{ChairedEvent, if_none_match_names};
use crate::programme::{export, frab, ics, indico};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    const ICS: &str = "/events/{slug}/programme.ics";
    const XML: &str = "/events/{slug}/schedule.xml";
    const CSV: &str = "/events/{slug}/programme-indico.csv";
    // every other method is a 405, as on the API (the pages' fallback would say 404)
    cfg.route(ICS, web::get().to(programme_ics))
        .route(ICS, web::route().to(get_only))
        .route(XML, web::get().to(schedule_xml))
        .route(XML, web::route().to(get_only))
        .route(CSV, web::get().to(programme_indico_csv))
        .route(CSV, web::route().to(get_only));
}

async fn get_only() -> AppResult<HttpResponse> {
    Err(AppError::MethodNotAllowed {
        allow: "GET".into(),
    })
}

#[utoipa::path(get, path = "/events/{slug}/programme.ics", tag = "programme", params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/calendar", description = "the programme's talks as iCalendar (RFC 5545) events in UTC, to subscribe to; public once the programme is published, always to the event's chairs; ETag and If-None-Match supported"),
        (status = 304, description = "`If-None-Match` names the current version"),
        (status = 404, description = "no such event, or the programme is not published")))]
pub async fn programme_ics(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (schedule, chair) = export::for_reader(&mut conn, &slug, user.as_ref()).await?;
    let body = ics::render(&schedule, &state.base_url);
    Ok(file(
        &req,
        "ics",
        body,
        "text/calendar; charset=utf-8",
        chair,
        None,
    ))
}

#[utoipa::path(get, path = "/events/{slug}/schedule.xml", tag = "programme", params(("slug" = String, Path)),
    responses((status = 200, content_type = "application/xml", description = "the programme in frab's schedule.xml format (Giggity, ConfClerk), talks only; public once the programme is published, always to the event's chairs; ETag and If-None-Match supported"),
        (status = 304, description = "`If-None-Match` names the current version"),
        (status = 404, description = "no such event, or the programme is not published")))]
pub async fn schedule_xml(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (schedule, chair) = export::for_reader(&mut conn, &slug, user.as_ref()).await?;
    let body = frab::render(&schedule, &state.base_url);
    Ok(file(
        &req,
        "schedule",
        body,
        "application/xml; charset=utf-8",
        chair,
        None,
    ))
}

#[utoipa::path(get, path = "/events/{slug}/programme-indico.csv", tag = "programme", params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", description = "the programme's talks as Indico's \"Import contributions from CSV\" reads them: no header; start (`YYYY-MM-DD HH:MM` in the event's zone), minutes, title, the first speaker's first name, last name, affiliation and email; RFC 4180, UTF-8, text cells starting with `=`, `+`, `-` or `@` prefixed with `'`; for the event's chairs, published or not; ETag and If-None-Match supported"),
        (status = 304, description = "`If-None-Match` names the current version"),
        (status = 403), (status = 404)))]
pub async fn programme_indico_csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let schedule = export::load(&mut conn, &event).await?;
    let body = indico::render(&schedule);
    let filename = format!("{}-programme-indico.csv", event.slug);
    Ok(file(
        &req,
        "indico",
        body,
        "text/csv; charset=utf-8",
        true,
        Some(&filename),
    ))
}

/// The file, or a 304 when the client's `If-None-Match` names it; its ETag is a digest of it.
fn file(
    req: &HttpRequest,
    kind: &str,
    body: String,
    content_type: &str,
    private: bool,
    download_as: Option<&str>,
) -> HttpResponse {
    let digest = Sha256::digest(body.as_bytes());
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{kind}-{tag}\"");
    // a chair's copy may hold what the public does not see yet
    let cache_control = (
        header::CACHE_CONTROL,
        if private {
            "private, no-cache"
        } else {
            "public, no-cache"
        },
    );
    if if_none_match_names(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache_control)
            .finish();
    }
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, etag))
        .insert_header(cache_control)
        .content_type(content_type);
    if let Some(filename) = download_as {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ));
    }
    response.body(body)
}
