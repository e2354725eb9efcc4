//! Extractors that say who is calling: a bearer token (API login or personal token) or the
//! signed session cookie. Resolved once per request and cached in the request's extensions.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;

use crate::crypto::hash_token;
use crate::db::users::{self, User};
use crate::domain::{ApiTokenId, SessionId, UserId};
use crate::error::AppError;
use crate::state::AppState;

use super::session::{API_TOKEN_PREFIX, SESSION_COOKIE, SESSION_TOKEN_PREFIX, token_from_cookie};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A web session or an API login token (both rows in `sessions`).
    Session(SessionId),
    ApiToken(ApiTokenId),
    /// A trusted server-side action on the user's behalf (the demo seeder, the CLI).
    Internal,
}

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub credential: Credential,
}

impl CurrentUser {
    /// Acts as this user without a request: only for trusted code such as the demo seeder.
    pub fn internal(user: User) -> Self {
        Self::from_user(user, Credential::Internal)
    }

    fn from_user(user: User, credential: Credential) -> Self {
        CurrentUser {
            id: user.id,
            email: user.email,
            name: user.name,
            is_admin: user.is_admin,
            credential,
        }
    }
}

#[derive(Clone)]
struct Resolved(Option<CurrentUser>);

fn bearer_token(req: &HttpRequest) -> Option<Result<String, AppError>> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let text = match header.to_str() {
        Ok(text) => text,
        Err(_) => return Some(Err(AppError::Unauthorized)),
    };
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Some(Ok(token.trim().to_owned()))
        }
        _ => Some(Err(AppError::Unauthorized)),
    }
}

async fn resolve(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    if let Some(Resolved(cached)) = req.extensions().get::<Resolved>() {
        return Ok(cached.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("AppState missing"))?
        .clone();
    let now = Utc::now();
    let resolved = match bearer_token(req) {
        // A bad bearer token is an error, never a silent fall-back to the cookie.
        Some(token) => {
            let token = token?;
            let mut conn = state.pool.get().await?;
            let hash = hash_token(&token);
            let found = if token.starts_with(API_TOKEN_PREFIX) {
                users::find_live_api_token(&mut conn, &hash, now)
                    .await?
                    .map(|(id, user)| CurrentUser::from_user(user, Credential::ApiToken(id)))
            } else if token.starts_with(SESSION_TOKEN_PREFIX) {
                users::find_live_session(&mut conn, &hash, now)
                    .await?
                    .map(|(id, user)| CurrentUser::from_user(user, Credential::Session(id)))
            } else {
                None
            };
            Some(found.ok_or(AppError::Unauthorized)?)
        }
        None => match req
            .cookie(SESSION_COOKIE)
            .and_then(|c| token_from_cookie(&state.settings, c.value()))
        {
            Some(token) => {
                refuse_cross_site_api_write(req)?;
                let mut conn = state.pool.get().await?;
                users::find_live_session(&mut conn, &hash_token(&token), now)
                    .await?
                    .map(|(id, user)| CurrentUser::from_user(user, Credential::Session(id)))
            }
            None => None,
        },
    };
    req.extensions_mut().insert(Resolved(resolved.clone()));
    Ok(resolved)
}

/// The session cookie rides along with any request the browser makes, so a write to the JSON API
/// authenticated by it must prove it comes from our own pages: it must be JSON, which a form on
/// another site cannot send and a script on another origin cannot send without a CORS preflight
/// (never granted). Forms, the other cookie-authenticated writes, carry a CSRF token instead.
fn refuse_cross_site_api_write(req: &HttpRequest) -> Result<(), AppError> {
    let safe = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    if safe || !req.path().starts_with("/api/") {
        return Ok(());
    }
    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v.split(';').next().unwrap_or("").trim();
            mime.eq_ignore_ascii_case("application/json")
        });
    if is_json {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "with the session cookie, API writes must send Content-Type: application/json (or use a bearer token)".into(),
        ))
    }
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req).await?.ok_or(AppError::Unauthorized) })
    }
}

/// Anonymous visitors welcome; a bad bearer token is still a 401.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req).await.map(MaybeUser) })
    }
}
