//! Cookies a handler or an extractor wants on the response (the CSRF nonce, the flash), and the
//! middleware that sets them once the handler has answered.

use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};

/// Cookies a handler or extractor wants on the response (CSRF nonce, flash).
#[derive(Default)]
struct PendingCookies(Vec<Cookie<'static>>);

pub fn add_cookie(req: &HttpRequest, cookie: Cookie<'static>) {
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<PendingCookies>() {
        Some(pending) => pending.0.push(cookie),
        None => {
            extensions.insert(PendingCookies(vec![cookie]));
        }
    }
}

pub async fn pending_cookies_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // No clone of the request may live across `next.call`: routing needs it unshared.
    let mut response = next.call(req).await?;
    let pending = response
        .request()
        .extensions_mut()
        .remove::<PendingCookies>();
    if let Some(PendingCookies(cookies)) = pending {
        for cookie in cookies {
            if let Err(e) = response.response_mut().add_cookie(&cookie) {
                tracing::warn!(error = %e, "could not set a cookie");
            }
        }
    }
    Ok(response)
}
