//! The web session cookie: an opaque random token, signed, HttpOnly, SameSite=Lax; the
//! server keeps only its hash, so a session can be revoked and a stolen database holds no tokens.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

use crate::config::Settings;
use crate::crypto::{hash_token, random_token};
use crate::db::users;
use crate::domain::UserId;

pub const SESSION_COOKIE: &str = "mcfp_session";
/// Session tokens (cookie and API login) start with this; personal API tokens with `API_TOKEN_PREFIX`.
pub const SESSION_TOKEN_PREFIX: &str = "mcfps_";
pub const API_TOKEN_PREFIX: &str = "mcfpt_";

pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn start_session(
    conn: &mut AsyncPgConnection,
    settings: &Settings,
    user_id: UserId,
    user_agent: Option<&str>,
) -> diesel::QueryResult<NewSession> {
    let token = random_token(SESSION_TOKEN_PREFIX);
    let expires_at = Utc::now() + Duration::hours(settings.session_ttl_hours);
    let agent = user_agent.map(|a| a.chars().take(300).collect::<String>());
    users::insert_session(
        conn,
        user_id,
        &hash_token(&token),
        expires_at,
        agent.as_deref(),
    )
    .await?;
    Ok(NewSession { token, expires_at })
}

pub fn session_cookie(settings: &Settings, session: &NewSession) -> Cookie<'static> {
    let signature = settings.secret_key.sign("session-cookie", &session.token);
    let seconds = (session.expires_at - Utc::now()).num_seconds().max(0);
    Cookie::build(SESSION_COOKIE, format!("{}.{signature}", session.token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.https())
        .max_age(CookieDuration::seconds(seconds))
        .finish()
}

pub fn clear_session_cookie(settings: &Settings) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.https())
        .finish();
    cookie.make_removal();
    cookie
}

/// The session token in a cookie value, if its signature is ours.
pub fn token_from_cookie(settings: &Settings, value: &str) -> Option<String> {
    let (token, signature) = value.rsplit_once('.')?;
    settings
        .secret_key
        .verify("session-cookie", token, signature)
        .then(|| token.to_owned())
}
