//! Resetting a forgotten password: asking for a link by email, then choosing a new password
//! with it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::{self, session::clear_session_cookie};
use crate::error::{AppError, FieldErrors};
use crate::http::client_ip;
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "password_reset.html")]
struct PasswordResetPage {
    page: PageContext,
    email: String,
    sent: bool,
}

pub async fn password_reset_form(page: PageContext) -> PageResult {
    render(
        StatusCode::OK,
        &PasswordResetPage {
            page,
            email: String::new(),
            sent: false,
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordResetForm {
    #[serde(default)]
    email: String,
}

pub async fn password_reset(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    form: CsrfForm<PasswordResetForm>,
) -> PageResult {
    state
        .rate_limiter
        .check(client_ip(&req), "password-reset")?;
    accounts::request_password_reset(&state, &form.0.email).await?;
    render(
        StatusCode::OK,
        &PasswordResetPage {
            page,
            email: form.0.email,
            sent: true,
        },
    )
}

#[derive(Template)]
#[template(path = "password_reset_confirm.html")]
struct PasswordResetConfirmPage {
    page: PageContext,
    token: String,
    token_live: bool,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn password_reset_confirm_form(
    page: PageContext,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> PageResult {
    let token_live = accounts::reset_token_is_live(&state, &query.token).await?;
    let status = if token_live {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render(
        status,
        &PasswordResetConfirmPage {
            page,
            token: query.into_inner().token,
            token_live,
            errors: FieldErrors::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordResetConfirmForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn password_reset_confirm(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    form: CsrfForm<PasswordResetConfirmForm>,
) -> PageResult {
    state
        .rate_limiter
        .check(client_ip(&req), "password-reset")?;
    let form = form.0;
    match accounts::complete_password_reset(&state, &form.token, &form.password).await {
        Ok(_) => {
            set_flash(
                &req,
                "success",
                "Your password is changed. Sign in with the new one.",
            );
            let mut response = redirect("/login");
            response
                .add_cookie(&clear_session_cookie(&state.settings))
                .map_err(|e| AppError::internal(e.to_string()))?;
            Ok(response)
        }
        Err(AppError::Validation(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordResetConfirmPage {
                page,
                token_live: errors.get("token").is_none(),
                token: form.token,
                errors,
            },
        ),
        Err(other) => Err(other.into()),
    }
}
