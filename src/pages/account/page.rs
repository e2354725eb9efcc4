//! The account page: the user's name, email and password (changed in `changes`), their roles in
//! events and their API tokens, creating and revoking one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::accounts::{CurrentUser, create_api_token};
use crate::db::users::{self, ApiToken};
use crate::domain::ApiTokenId;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::{CsrfForm, EmptyForm};
use crate::pages::errors::{PageError, PageResult};
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageContext,
    user: CurrentUser,
    roles: Vec<users::EventRole>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    typed: Typed,
    errors: FieldErrors,
    profile: crate::db::profiles::StoredProfile,
    photo_url: Option<String>,
}

/// The account page's forms as typed, shown back with their errors.
#[derive(Default)]
pub struct Typed {
    pub token_name: String,
    pub token_days: String,
    pub display_name: String,
    pub new_email: String,
    /// The profile form as typed (None: show what is stored).
    pub profile: Option<crate::domain::Profile>,
}

impl AccountPage {
    fn fmt_time(at: &DateTime<Utc>) -> String {
        crate::time::utc(*at)
    }
}

pub async fn account_page(
    page: PageContext,
    state: &AppState,
    user: CurrentUser,
    new_token: Option<String>,
    mut typed: Typed,
    errors: FieldErrors,
) -> PageResult {
    if typed.display_name.is_empty() {
        typed.display_name = user.name.clone();
    }
    let mut conn = state.pool.get().await?;
    let roles = users::event_roles(&mut conn, user.id).await?;
    let tokens = users::list_api_tokens(&mut conn, user.id).await?;
    let mut profile = crate::db::profiles::profile_of(&mut conn, user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let photo_url = profile
        .photo
        .as_ref()
        .map(|p| crate::accounts::profile::photo_url(user.id, p));
    if let Some(typed_profile) = typed.profile.take() {
        profile.profile = typed_profile;
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &AccountPage {
            page,
            user,
            roles,
            tokens,
            new_token,
            typed,
            errors,
            profile,
            photo_url,
        },
    )
}

pub async fn account(page: PageContext, state: web::Data<AppState>, user: SignedIn) -> PageResult {
    account_page(
        page,
        &state,
        user.0,
        None,
        Typed::default(),
        FieldErrors::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

pub async fn create_token(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<NewTokenForm>,
) -> PageResult {
    let form = form.0;
    let days = match form.expires_in_days.trim() {
        "" => Ok(None),
        text => text.parse::<i64>().map(Some),
    };
    let outcome = match days {
        Ok(days) => create_api_token(&state, &user.0, &form.name, days).await,
        Err(_) => Err(AppError::Validation(FieldErrors::single(
            "expires_in_days",
            "must be a whole number of days, or empty for no expiry",
        ))),
    };
    match outcome {
        // Shown once, on this response only: it is stored hashed.
        Ok((_, token)) => {
            account_page(
                page,
                &state,
                user.0,
                Some(token),
                Typed::default(),
                FieldErrors::new(),
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            let typed = Typed {
                token_name: form.name,
                token_days: form.expires_in_days,
                ..Typed::default()
            };
            account_page(page, &state, user.0, None, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<ApiTokenId>,
    _form: CsrfForm<EmptyForm>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    if !users::revoke_api_token(&mut conn, user.0.id, path.into_inner()).await? {
        return Err(PageError::App(AppError::NotFound));
    }
    set_flash(&req, "success", "The token is revoked.");
    Ok(redirect("/account"))
}
