//! Keeping a proposal form that could not be acted on (posted after the session expired, or
//! with a stale CSRF token) so that everything typed comes back after sign-in, without
//! JavaScript: its fields are sealed under the server key in `pending_forms` for a few hours,
//! under the hash of a random token that only the redirect carries. The form page restores
//! them (once: the row is deleted) for the user who signs in; nothing is ever submitted from it.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use chrono::{Duration, Utc};

use crate::accounts::CurrentUser;
use crate::crypto::{hash_token, random_token};
use crate::db::pending_forms;
use crate::error::AppError;
use crate::state::AppState;

/// How long a kept form waits for its sign-in.
const KEPT_FOR_HOURS: i64 = 6;

/// The browser that posted a kept form holds its token in this cookie too: the link alone
/// (shared, or planted) restores nothing in another browser.
const KEPT_COOKIE: &str = "mcfp_kept_form";

fn kept_cookie(state: &AppState, value: String, hours: i64) -> Cookie<'static> {
    Cookie::build(KEPT_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.https())
        .max_age(actix_web::cookie::time::Duration::hours(hours))
        .finish()
}

/// Keeps `form` for the form page at `target`; returns the token that restores it.
pub async fn keep(
    req: &HttpRequest,
    state: &AppState,
    user: Option<&CurrentUser>,
    target: &str,
    form: &impl serde::Serialize,
) -> Result<String, AppError> {
    let token = random_token("");
    let json = serde_json::to_string(form).map_err(AppError::internal)?;
    let sealed = state.settings.secret_key.seal(&json);
    let mut conn = state.pool.get().await?;
    pending_forms::insert(
        &mut conn,
        &hash_token(&token),
        user.map(|u| u.id),
        target,
        &sealed,
        Utc::now() + Duration::hours(KEPT_FOR_HOURS),
    )
    .await?;
    crate::pages::cookies::add_cookie(req, kept_cookie(state, token.clone(), KEPT_FOR_HOURS));
    tracing::info!(
        target,
        "a form posted without a valid session or token was kept"
    );
    Ok(token)
}

/// The form kept under `token` for `target`, taken (it restores once) by `user` in the browser
/// that posted it; None when it is unknown, expired, for another page or browser, or kept for
/// someone else.
pub async fn restore<F: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    target: &str,
    token: &str,
) -> Result<Option<F>, AppError> {
    let same_browser = req
        .cookie(KEPT_COOKIE)
        .is_some_and(|c| crate::crypto::constant_time_eq(c.value().as_bytes(), token.as_bytes()));
    if token.is_empty() || token.len() > 100 || !same_browser {
        return Ok(None);
    }
    crate::pages::cookies::add_cookie(req, kept_cookie(state, String::new(), 0));
    let mut conn = state.pool.get().await?;
    let Some(kept) = pending_forms::take(&mut conn, &hash_token(token), target, user.id).await?
    else {
        return Ok(None);
    };
    Ok(state
        .settings
        .secret_key
        .open(&kept.sealed)
        .and_then(|json| serde_json::from_str(&json).ok()))
}
