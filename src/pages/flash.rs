//! The flash: a one-time message shown on the next page after an action (kept in a cookie
//! meanwhile), and how an action's fixable errors become one.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::cookies::add_cookie;
use super::errors::PageError;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

const FLASH_COOKIE: &str = "mcfp_flash";

/// A one-time message shown on the next page after an action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

impl Flash {
    /// Errors interrupt (`alert`); confirmations wait their turn (`status`).
    pub fn role(&self) -> &'static str {
        if self.kind == "error" {
            "alert"
        } else {
            "status"
        }
    }
}

pub fn set_flash(req: &HttpRequest, kind: &str, message: &str) {
    let flash = Flash {
        kind: kind.to_owned(),
        message: message.to_owned(),
    };
    let Ok(json) = serde_json::to_vec(&flash) else {
        return;
    };
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.https());
    add_cookie(
        req,
        Cookie::build(FLASH_COOKIE, URL_SAFE_NO_PAD.encode(json))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(https)
            .finish(),
    );
}

/// The flash for this page, removed from the browser as it is shown.
/// Whether the request carries a flash to show (without taking it).
pub fn has_flash(req: &HttpRequest) -> bool {
    req.cookie(FLASH_COOKIE).is_some()
}

pub fn take_flash(req: &HttpRequest) -> Option<Flash> {
    let cookie = req.cookie(FLASH_COOKIE)?;
    let mut removal = Cookie::build(FLASH_COOKIE, "").path("/").finish();
    removal.make_removal();
    add_cookie(req, removal);
    let bytes = URL_SAFE_NO_PAD.decode(cookie.value()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Validation and conflict messages as one line for a flash.
pub fn messages_of(errors: &FieldErrors) -> String {
    errors
        .0
        .values()
        .flat_map(|m| m.iter().cloned())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An action went wrong in a way the person can fix (a validation or conflict error): say it in
/// a flash on the next page; any other error becomes the error page.
pub fn flash_or_fail(req: &HttpRequest, error: AppError) -> Result<(), PageError> {
    match error {
        AppError::Validation(errors) | AppError::Conflict { errors, .. } if !errors.is_empty() => {
            set_flash(req, "error", &messages_of(&errors));
            Ok(())
        }
        AppError::Conflict { message, .. } => {
            set_flash(req, "error", &message);
            Ok(())
        }
        other => Err(other.into()),
    }
}
