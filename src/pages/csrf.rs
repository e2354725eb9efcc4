//! CSRF protection for every HTML form: a random nonce in an HttpOnly, SameSite cookie, and in
//! each form the HMAC of that nonce under the server key. A cross-site page can neither read the
//! cookie nor compute the HMAC, so it cannot produce a valid form.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::cookies::add_cookie;
use super::errors::PageError;
use super::extract::state_of;
use crate::config::Settings;
use crate::crypto::random_token;
use crate::error::AppError;

const CSRF_COOKIE: &str = "mcfp_csrf";
pub const CSRF_FIELD: &str = "csrf_token";

struct NewNonce(String);

/// The form token for this browser, setting the nonce cookie on first use.
pub fn token_for(req: &HttpRequest, settings: &Settings) -> String {
    let existing = req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32);
    let nonce = match existing {
        Some(nonce) => nonce,
        None => {
            // Several extractors may ask within one request: mint one nonce, not several.
            if let Some(NewNonce(nonce)) = req.extensions().get::<NewNonce>() {
                return settings.secret_key.sign("csrf", nonce);
            }
            let nonce = random_token("");
            req.extensions_mut().insert(NewNonce(nonce.clone()));
            add_cookie(
                req,
                Cookie::build(CSRF_COOKIE, nonce.clone())
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(settings.https())
                    .finish(),
            );
            nonce
        }
    };
    settings.secret_key.sign("csrf", &nonce)
}

/// A fresh nonce when the signed-in identity changes (sign-in, registration), so a form token
/// seen before signing in is worthless afterwards.
pub fn rotate(req: &HttpRequest, settings: &Settings) {
    add_cookie(
        req,
        Cookie::build(CSRF_COOKIE, random_token(""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(settings.https())
            .finish(),
    );
}

fn verify(req: &HttpRequest, settings: &Settings, submitted: Option<&str>) -> bool {
    match (req.cookie(CSRF_COOKIE), submitted) {
        (Some(cookie), Some(token)) => settings.secret_key.verify("csrf", cookie.value(), token),
        _ => false,
    }
}

/// Whether a token sent some other way than a urlencoded form (a multipart upload) checks out.
pub fn token_is_valid(req: &HttpRequest, settings: &Settings, submitted: Option<&str>) -> bool {
    verify(req, settings, submitted)
}

use actix_web::HttpMessage;

/// A urlencoded form whose CSRF token checked out, parsed into `T` (the token field removed).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = CheckedForm::<T>::from_request(req, payload);
        Box::pin(async move {
            let CheckedForm { form, csrf_valid } = form.await?;
            if !csrf_valid {
                return Err(PageError::App(AppError::Forbidden(
                    "this form has expired or was not sent from this site: go back, reload the page and try again".into(),
                )));
            }
            Ok(CsrfForm(form))
        })
    }
}

/// A urlencoded form parsed into `T` (the token field removed) whatever its CSRF token says,
/// with whether the token checked out. Only for a handler that, on a bad token, does nothing
/// but keep what was typed to show it again (a form posted after the session expired): it
/// must act on the form only when `csrf_valid`.
pub struct CheckedForm<T> {
    pub form: T,
    pub csrf_valid: bool,
}

impl<T: DeserializeOwned + 'static> FromRequest for CheckedForm<T> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let form = web::Form::<Vec<(String, String)>>::from_request(&req, payload);
        Box::pin(async move {
            let fields = crate::http::within_body_timeout(form)
                .await?
                .map_err(|e| {
                    PageError::App(match e.as_response_error().status_code().as_u16() {
                        413 => AppError::PayloadTooLarge {
                            limit_bytes: crate::http::BODY_LIMIT_BYTES,
                        },
                        415 => AppError::UnsupportedMediaType("expected a form".into()),
                        _ => AppError::BadRequest(format!("malformed form: {e}")),
                    })
                })?
                .into_inner();
            let state = state_of(&req)?;
            let submitted = fields
                .iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.as_str());
            let csrf_valid = verify(&req, &state.settings, submitted);
            let object: serde_json::Map<String, serde_json::Value> = fields
                .into_iter()
                .filter(|(k, _)| k != CSRF_FIELD)
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            serde_json::from_value(serde_json::Value::Object(object))
                .map(|form| CheckedForm { form, csrf_valid })
                .map_err(|e| PageError::App(AppError::BadRequest(format!("malformed form: {e}"))))
        })
    }
}

/// A form whose only field is its CSRF token (buttons: sign out, withdraw, revoke, accept).
#[derive(Deserialize)]
pub struct EmptyForm {}
