//! The account's own changes: its name, its password (the current one required; the other
//! sessions signed out), and its email (confirmed by a link to the new address, through the
//! outbox, with a notice to the old one).

use chrono::{Duration, Utc};
use diesel_async::AsyncConnection;

use super::identity::{Credential, CurrentUser};
use super::password::{hash_password, verify_password};
use crate::crypto::{hash_token, random_token};
use crate::db::users;
use crate::domain::{EmailAddress, NewPassword, PersonName};
use crate::error::{AppError, FieldErrors};
use crate::mail::templates::{EmailChange, EmailChangeNotice};
use crate::mail::{self, OutgoingEmail, SECRET_PLACEHOLDER};
use crate::state::AppState;

pub const EMAIL_CHANGE_VALID_HOURS: i64 = 24;
const EMAIL_CHANGE_TOKEN_PREFIX: &str = "mcfpe_";

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Validation(FieldErrors::single(field, message))
}

/// The current password, checked against the account's hash (off the async threads).
async fn require_password(
    state: &AppState,
    user: &CurrentUser,
    current: &str,
) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    let stored = users::find_by_id(&mut conn, user.id)
        .await?
        .map(|u| u.password_hash);
    drop(conn);
    if current.is_empty() || !verify_password(current.to_owned(), stored).await? {
        return Err(invalid("current_password", "is not your current password"));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn change_name(state: &AppState, user: &CurrentUser, name: &str) -> Result<(), AppError> {
    let name = PersonName::parse(name).map_err(|e| invalid("name", e.to_string()))?;
    let mut conn = state.pool.get().await?;
    users::set_name(&mut conn, user.id, name.as_str()).await?;
    tracing::info!("name changed");
    Ok(())
}

/// Sets a new password when the current one is right; signs out every other session (this
/// one stays signed in).
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let new = NewPassword::parse(new).map_err(|e| invalid("new_password", e.to_string()));
    require_password(state, user, current).await?;
    let hash = hash_password(new?).await?;
    let keep = match user.credential {
        Credential::Session(id) => Some(id),
        _ => None,
    };
    let user_id = user.id;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        users::set_password(conn, user_id, &hash).await?;
        let revoked = users::revoke_other_sessions(conn, user_id, keep).await?;
        tracing::info!(sessions.revoked = revoked, "password changed");
        Ok(())
    })
    .await
}

/// Emails a confirmation link to the new address (and a notice to the current one), in one
/// transaction with the stored (hashed) token. The address changes when the link is used.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn request_email_change(
    state: &AppState,
    user: &CurrentUser,
    new_email: &str,
    current_password: &str,
) -> Result<(), AppError> {
    let email = EmailAddress::parse(new_email).map_err(|e| invalid("email", e.to_string()));
    require_password(state, user, current_password).await?;
    let email = email?;
    if email.normalized() == user.email.to_lowercase() {
        return Err(invalid("email", "is already your address"));
    }
    let mut conn = state.pool.get().await?;
    if users::find_by_email(&mut conn, email.normalized())
        .await?
        .is_some()
    {
        return Err(invalid(
            "email",
            "another account uses this address: choose another one",
        ));
    }
    let token = random_token(EMAIL_CHANGE_TOKEN_PREFIX);
    let mut link = state
        .base_url
        .join("/account/email/confirm")
        .map_err(AppError::internal)?;
    link.set_query(Some(&format!("token={SECRET_PLACEHOLDER}")));
    let confirmation = EmailChange {
        name: user.name.clone(),
        link: link.to_string(),
        valid_hours: EMAIL_CHANGE_VALID_HOURS,
        base_url: state.base_url.to_string(),
    }
    .render()
    .map_err(AppError::internal)?;
    let notice = EmailChangeNotice {
        name: user.name.clone(),
        new_email: email.as_str().to_owned(),
        account_link: state
            .base_url
            .join("/account")
            .map_err(AppError::internal)?
            .to_string(),
        base_url: state.base_url.to_string(),
    }
    .render()
    .map_err(AppError::internal)?;
    let key = state.settings.secret_key.clone();
    let (user_id, name, old_email) = (user.id, user.name.clone(), user.email.clone());
    conn.transaction::<_, AppError, _>(async move |conn| {
        // one live link at a time: a newer request voids the older ones
        users::expire_email_changes(conn, user_id).await?;
        let expires_at = Utc::now() + Duration::hours(EMAIL_CHANGE_VALID_HOURS);
        let change_id = users::insert_email_change(
            conn,
            user_id,
            email.as_str(),
            &hash_token(&token),
            expires_at,
        )
        .await?;
        mail::enqueue(
            conn,
            &key,
            OutgoingEmail {
                dedupe_key: format!("email-change:{change_id}"),
                kind: "email_change",
                event_id: None,
                proposal_id: None,
                to: mail::mailbox_text(&name, email.as_str()),
                content: confirmation,
                secret: Some(&token),
            },
        )
        .await?;
        mail::enqueue(
            conn,
            &key,
            OutgoingEmail {
                dedupe_key: format!("email-change-notice:{change_id}"),
                kind: "email_change_notice",
                event_id: None,
                proposal_id: None,
                to: mail::mailbox_text(&name, &old_email),
                content: notice,
                secret: None,
            },
        )
        .await?;
        tracing::info!("email change requested");
        Ok(())
    })
    .await
}

/// Uses the link: the signed-in user's live, unused token sets their address. Returns it.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn confirm_email_change(
    state: &AppState,
    user: &CurrentUser,
    token: &str,
) -> Result<String, AppError> {
    let token_hash = hash_token(token.trim());
    let user_id = user.id;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async move |conn| {
        let new_email = users::consume_email_change(conn, user_id, &token_hash, Utc::now())
            .await?
            .ok_or_else(|| {
                invalid(
                    "token",
                    "this link is invalid, expired, already used or meant for another account; \
                     ask for a new one from your account page",
                )
            })?;
        let email = EmailAddress::parse(&new_email).map_err(AppError::internal)?;
        if !users::set_email(conn, user_id, email.as_str(), email.normalized()).await? {
            return Err(invalid(
                "email",
                "another account uses this address now: choose another one",
            ));
        }
        users::expire_email_changes(conn, user_id).await?;
        tracing::info!("email changed");
        Ok(new_email)
    })
    .await
}
