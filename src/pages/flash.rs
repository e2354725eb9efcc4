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
    /// The id of the page section the action's redirect jumps to (`review` for
    /// `/proposals/{id}#review`): the message is shown inside it, where the eye lands, rather
    /// than at the top of the page, scrolled out of view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
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
    store(
        req,
        Flash {
            kind: kind.to_owned(),
            message: message.to_owned(),
            section: None,
        },
    );
}

/// A flash for the section `section` of the next page: pair it with a redirect to
/// `…#{section}`, and the message shows inside that section.
pub fn set_flash_in(req: &HttpRequest, section: &str, kind: &str, message: &str) {
    store(
        req,
        Flash {
            kind: kind.to_owned(),
            message: message.to_owned(),
            section: Some(section.to_owned()),
        },
    );
}

fn store(req: &HttpRequest, flash: Flash) {
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
    flash_or_fail_at(req, None, error)
}

/// [`flash_or_fail`] for an action that redirects to `…#{section}`: the message shows there.
pub fn flash_or_fail_in(
    req: &HttpRequest,
    section: &str,
    error: AppError,
) -> Result<(), PageError> {
    flash_or_fail_at(req, Some(section), error)
}

fn flash_or_fail_at(
    req: &HttpRequest,
    section: Option<&str>,
    error: AppError,
) -> Result<(), PageError> {
    let message = match error {
        AppError::Validation(errors) | AppError::Conflict { errors, .. } if !errors.is_empty() => {
            messages_of(&errors)
        }
        AppError::Conflict { message, .. } => message,
        other => return Err(other.into()),
    };
    match section {
        Some(section) => set_flash_in(req, section, "error", &message),
        None => set_flash(req, "error", &message),
    }
    Ok(())
}
