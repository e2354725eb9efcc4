//! Conditional GET for the published lists: ETag, `If-None-Match` and 304.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::decisions::publishing::AcceptedList;
use crate::error::AppResult;

/// True when the client's `If-None-Match` names `etag` (or is `*`), compared weakly
/// (RFC 9110 §13.1.2): `W/"…"` matches too, since proxies that compress a response weaken it.
pub fn if_none_match_names(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
        })
}

/// Answers with the list's representation, or a 304 when the client's `If-None-Match` already
/// names this version.
pub fn conditional(
    req: &HttpRequest,
    list: &AcceptedList,
    representation: &str,
    content_type: &str,
    body: impl FnOnce() -> AppResult<String>,
) -> AppResult<HttpResponse> {
    respond_versioned(
        req,
        &list.etag(representation),
        "public, no-cache",
        content_type,
        || list.rendered(representation, body),
    )
}

/// Answers with `body` under `etag`, or a 304 without computing it when the client's
/// `If-None-Match` already names `etag`. The comparison is the weak one (RFC 9110 §13.1.2):
/// `W/"…"` matches too, since proxies that compress a response weaken its ETag.
pub fn respond_versioned(
    req: &HttpRequest,
    etag: &str,
    cache_control: &'static str,
    content_type: &str,
    body: impl FnOnce() -> AppResult<actix_web::web::Bytes>,
) -> AppResult<HttpResponse> {
    let cache_control = (header::CACHE_CONTROL, cache_control);
    if if_none_match_names(req, etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache_control)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header(cache_control)
        .content_type(content_type)
        .body(body()?))
}
