//! Accounts: who is calling (sessions, bearer tokens), what they may do (one policy per
//! resource), and the account actions both adapters share: register, sign in, reset a password.

pub mod change;
mod identity;
pub mod password;
pub mod photo;
pub mod policy;
pub mod profile;
pub mod proposal_access;
pub mod session;

pub use identity::{Credential, CurrentUser, MaybeUser};
pub use policy::AdminUser;

use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;

use crate::accounts::password::{hash_password, verify_password};
use crate::accounts::session::API_TOKEN_PREFIX;
use crate::accounts::session::{
    NewSession, SESSION_COOKIE, session_cookie, start_session, token_from_cookie,
};
use crate::crypto::{hash_token, random_token};
use crate::db::users::{self, InsertOutcome, NewUser, User};
use crate::domain::rules::TOKEN_NAME;
use crate::domain::{EmailAddress, NewPassword, PersonName, UserId};
use crate::error::{AppError, FieldErrors};
use crate::mail::templates::{PasswordReset, RegistrationAttempt};
use crate::mail::{self, OutgoingEmail, SECRET_PLACEHOLDER};
use crate::state::AppState;

pub const RESET_VALID_MINUTES: i64 = 60;
/// A new reset link for the same account at most this often.
pub const RESET_THROTTLE_MINUTES: i64 = 2;
const RESET_TOKEN_PREFIX: &str = "mcfpr_";

/// Starts a session for the user who just proved who they are: the session (its token is the
/// API's bearer token) and the cookie that carries it for the web.
#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn sign_in(
    state: &AppState,
    user_id: UserId,
    req: &actix_web::HttpRequest,
) -> Result<(NewSession, actix_web::cookie::Cookie<'static>), AppError> {
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok());
    // A browser that held another session (someone else's, or an older one) loses it: one
    // browser, one signed-in account.
    let previous = req
        .cookie(SESSION_COOKIE)
        .and_then(|cookie| token_from_cookie(&state.settings, cookie.value()))
        .map(|token| hash_token(&token));
    let user_agent = user_agent.map(str::to_owned);
    let mut conn = state.pool.get().await?;
    let session = conn
        .transaction::<_, AppError, _>(async |conn| {
            if let Some(previous) = &previous {
                let revoked = users::revoke_session_by_token_hash(conn, previous).await?;
                if revoked > 0 {
                    tracing::info!(user.id = %user_id, "the browser's previous session revoked at sign-in");
                }
            }
            Ok(start_session(conn, &state.settings, user_id, user_agent.as_deref()).await?)
        })
        .await?;
    let cookie = session_cookie(&state.settings, &session);
    Ok((session, cookie))
}

pub struct Registration {
    pub email: EmailAddress,
    pub name: PersonName,
    pub password: NewPassword,
}

impl Registration {
    /// Parses every field, collecting all the problems at once.
    pub fn parse(email: &str, name: &str, password: &str) -> Result<Registration, AppError> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", EmailAddress::parse(email));
        let name = errors.check("name", PersonName::parse(name));
        let password = errors.check("password", NewPassword::parse(password));
        match (email, name, password) {
            (Some(email), Some(name), Some(password)) => Ok(Registration {
                email,
                name,
                password,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// Creates the account; 409 on an email that exists in any letter case. For the operators'
/// tools (the CLI, the demo); the public adapters use `sign_up`, which does not tell.
#[tracing::instrument(skip_all)]
pub async fn register(
    state: &AppState,
    registration: Registration,
    is_admin: bool,
) -> Result<User, AppError> {
    let hash = hash_password(registration.password).await?;
    let mut conn = state.pool.get().await?;
    let outcome = users::insert_user(
        &mut conn,
        NewUser {
            id: UserId::new(),
            email: registration.email.as_str(),
            email_normalized: registration.email.normalized(),
            name: registration.name.as_str(),
            password_hash: &hash,
            is_admin,
        },
    )
    .await?;
    match outcome {
        InsertOutcome::Inserted(user) => {
            tracing::info!(user.id = %user.id, "account registered");
            Ok(user)
        }
        InsertOutcome::Duplicate => Err(AppError::conflict(
            "email",
            "an account with this email already exists",
        )),
    }
}

/// What a public registration answers: the same shape whether the email was new or not.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// The new account's id; for an email that already has an account, a fresh id that was
    /// never stored (nothing tells the caller the address is taken).
    pub id: UserId,
    pub email: String,
    pub name: String,
}

/// A public registration (the API and the register page): creates the account when the email is
/// new; when it already has one, changes nothing, emails its owner (in the same transaction, at
/// most once an hour per account) and answers exactly as for a new account. The password is
/// hashed either way, so the time taken says nothing either. Nobody is signed in here: the
/// caller signs in with the password next, which only the owner of the address can.
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, registration: Registration) -> Result<SignUp, AppError> {
    let hash = hash_password(registration.password).await?;
    let id = UserId::new();
    let key = state.settings.secret_key.clone();
    let base_url = state.base_url.clone();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let outcome = users::insert_user(
            conn,
            NewUser {
                id,
                email: registration.email.as_str(),
                email_normalized: registration.email.normalized(),
                name: registration.name.as_str(),
                password_hash: &hash,
                is_admin: false,
            },
        )
        .await?;
        match outcome {
            InsertOutcome::Inserted(user) => {
                tracing::info!(user.id = %user.id, "account registered");
            }
            InsertOutcome::Duplicate => {
                let owner = users::find_by_email(conn, registration.email.normalized())
                    .await?
                    .ok_or_else(|| AppError::internal("a duplicate email without its account"))?;
                tell_owner_of_registration_attempt(conn, &key, &base_url, &owner).await?;
                tracing::info!(user.id = %owner.id, "registration with a taken email: owner told");
            }
        }
        Ok(SignUp {
            id,
            email: registration.email.as_str().to_owned(),
            name: registration.name.as_str().to_owned(),
        })
    })
    .await
}

/// Queues "someone tried to register with your address" to the account's owner: one an hour.
async fn tell_owner_of_registration_attempt(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &crate::crypto::SecretKey,
    base_url: &url::Url,
    owner: &User,
) -> Result<(), AppError> {
    let link = |path: &str| {
        base_url
            .join(path)
            .map(|u| u.to_string())
            .map_err(AppError::internal)
    };
    let content = RegistrationAttempt {
        name: owner.name.clone(),
        sign_in_link: link("/login")?,
        reset_link: link("/password-reset")?,
        base_url: base_url.to_string(),
    }
    .render()
    .map_err(AppError::internal)?;
    mail::enqueue(
        conn,
        key,
        OutgoingEmail {
            // repeated attempts within the hour: one email, not a flood
            dedupe_key: format!(
                "registration-attempt:{}:{}",
                owner.id,
                Utc::now().format("%Y-%m-%dT%H")
            ),
            kind: "registration_attempt",
            event_id: None,
            proposal_id: None,
            to: mail::mailbox_text(&owner.name, &owner.email),
            content,
            secret: None,
        },
    )
    .await?;
    Ok(())
}

/// The user whose email and password match; the same error (and the same time) otherwise.
#[tracing::instrument(skip_all)]
pub async fn authenticate(state: &AppState, email: &str, password: &str) -> Result<User, AppError> {
    let user = match EmailAddress::parse(email) {
        Ok(email) => {
            let mut conn = state.pool.get().await?;
            users::find_by_email(&mut conn, email.normalized()).await?
        }
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    // Always verify: against the dummy hash when the email is unknown, so timing says nothing.
    let matches = verify_password(password.to_owned(), stored).await?;
    match user {
        Some(user) if matches => Ok(user),
        _ => Err(AppError::InvalidCredentials),
    }
}

/// Queues a reset email when the account exists. Says nothing either way (no enumeration).
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(state: &AppState, email: &str) -> Result<(), AppError> {
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    let mut conn = state.pool.get().await?;
    let Some(user) = users::find_by_email(&mut conn, email.normalized()).await? else {
        return Ok(());
    };
    // One link per account every few minutes: nobody can flood someone's inbox.
    if let Some(latest) = users::latest_password_reset(&mut conn, user.id).await?
        && Utc::now() - latest < Duration::minutes(RESET_THROTTLE_MINUTES)
    {
        tracing::info!(user.id = %user.id, "password reset throttled");
        return Ok(());
    }
    let token = random_token(RESET_TOKEN_PREFIX);
    let mut link = state
        .base_url
        .join("/password-reset/confirm")
        .map_err(AppError::internal)?;
    link.set_query(Some(&format!("token={SECRET_PLACEHOLDER}")));
    let content = PasswordReset {
        name: user.name.clone(),
        link: link.to_string(),
        valid_minutes: RESET_VALID_MINUTES,
        base_url: state.base_url.to_string(),
    }
    .render()
    .map_err(AppError::internal)?;
    let key = state.settings.secret_key.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let expires_at = Utc::now() + Duration::minutes(RESET_VALID_MINUTES);
        let reset_id =
            users::insert_password_reset(conn, user.id, &hash_token(&token), expires_at).await?;
        mail::enqueue(
            conn,
            &key,
            OutgoingEmail {
                dedupe_key: format!("password-reset:{reset_id}"),
                kind: "password_reset",
                event_id: None,
                proposal_id: None,
                to: mail::mailbox_text(&user.name, &user.email),
                content,
                secret: Some(&token),
            },
        )
        .await?;
        Ok(())
    })
    .await
}

#[tracing::instrument(skip_all)]
pub async fn reset_token_is_live(state: &AppState, token: &str) -> Result<bool, AppError> {
    let mut conn = state.pool.get().await?;
    Ok(users::password_reset_is_live(&mut conn, &hash_token(token), Utc::now()).await?)
}

/// Sets the new password if the token is live and unused, and signs out every session.
#[tracing::instrument(skip_all)]
pub async fn complete_password_reset(
    state: &AppState,
    token: &str,
    password: &str,
) -> Result<UserId, AppError> {
    let password = NewPassword::parse(password)
        .map_err(|e| AppError::Validation(FieldErrors::single("password", e.to_string())))?;
    let hash = hash_password(password).await?;
    let token_hash = hash_token(token);
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let user_id = users::consume_password_reset(conn, &token_hash, Utc::now())
            .await?
            .ok_or_else(|| {
                AppError::Validation(FieldErrors::single(
                    "token",
                    "this reset link is invalid, expired or already used; ask for a new one",
                ))
            })?;
        users::set_password(conn, user_id, &hash).await?;
        let revoked = users::revoke_all_sessions(conn, user_id).await?;
        users::revoke_all_api_tokens(conn, user_id).await?;
        users::expire_password_resets(conn, user_id).await?;
        tracing::info!(user.id = %user_id, sessions.revoked = revoked, "password reset");
        Ok(user_id)
    })
    .await
}

/// Parses and creates a personal API token; the raw token is returned once and stored hashed.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn create_api_token(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    expires_in_days: Option<i64>,
) -> Result<(users::ApiToken, String), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", TOKEN_NAME.clean(name));
    if expires_in_days.is_some_and(|days| !(1..=3650).contains(&days)) {
        errors.add(
            "expires_in_days",
            "must be a whole number of days from 1 to 3650",
        );
    }
    errors.into_result()?;
    let name = name.unwrap_or_default();
    let token = random_token(API_TOKEN_PREFIX);
    let expires_at = expires_in_days.map(|d| Utc::now() + Duration::days(d));
    let mut conn = state.pool.get().await?;
    let row =
        users::insert_api_token(&mut conn, user.id, &name, &hash_token(&token), expires_at).await?;
    Ok((row, token))
}
