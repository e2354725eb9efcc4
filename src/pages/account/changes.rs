//! The account page's forms that change the account: the name, the password, the email (and
//! the page its emailed confirmation link opens).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::page::{Typed, account_page};
use crate::accounts::change;
use crate::error::{AppError, FieldErrors};
use crate::pages::context::PageContext;
use crate::pages::csrf::CsrfForm;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash_in;
use crate::pages::respond::{redirect, render};
use crate::state::AppState;

/// The service's field names to the ids of this page's inputs (the token form has a `name`).
fn on_page(errors: FieldErrors, renames: &[(&str, &str)]) -> FieldErrors {
    let mut renamed = FieldErrors::new();
    for (field, messages) in errors.0 {
        let target = renames
            .iter()
            .find(|(from, _)| *from == field)
            .map_or(field.as_str(), |(_, to)| to);
        for m in messages {
            renamed.add(target, m);
        }
    }
    renamed
}

#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    display_name: String,
}

pub async fn change_name(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<NameForm>,
) -> PageResult {
    let name = form.0.display_name;
    match change::change_name(&state, &user.0, &name).await {
        Ok(()) => {
            set_flash_in(&req, "profile", "success", "Your name is saved.");
            Ok(redirect("/account#profile"))
        }
        Err(AppError::Validation(errors)) => {
            let typed = Typed {
                display_name: name,
                ..Typed::default()
            };
            let errors = on_page(errors, &[("name", "display_name")]);
            account_page(page, &state, user.0, None, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<PasswordForm>,
) -> PageResult {
    let form = form.0;
    match change::change_password(&state, &user.0, &form.current_password, &form.new_password).await
    {
        Ok(()) => {
            set_flash_in(
                &req,
                "password",
                "success",
                "Your password is changed. Your other sessions are signed out.",
            );
            Ok(redirect("/account#password"))
        }
        Err(AppError::Validation(errors)) => {
            account_page(page, &state, user.0, None, Typed::default(), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    email_password: String,
}

pub async fn change_email(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<EmailForm>,
) -> PageResult {
    let form = form.0;
    match change::request_email_change(&state, &user.0, &form.new_email, &form.email_password).await
    {
        Ok(()) => {
            set_flash_in(
                &req,
                "email",
                "success",
                &format!(
                    "We sent a confirmation link to {}. Your address changes when you open it.",
                    form.new_email.trim()
                ),
            );
            Ok(redirect("/account#email"))
        }
        Err(AppError::Validation(errors)) => {
            let typed = Typed {
                new_email: form.new_email,
                ..Typed::default()
            };
            let errors = on_page(
                errors,
                &[
                    ("email", "new_email"),
                    ("current_password", "email_password"),
                ],
            );
            account_page(page, &state, user.0, None, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "account_email_confirm.html")]
struct ConfirmEmailPage {
    page: PageContext,
    token: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET /account/email/confirm?token=…`: the emailed link; a button confirms (a link scanner
/// that follows links changes nothing).
pub async fn confirm_email_form(
    page: PageContext,
    _user: SignedIn,
    query: web::Query<TokenQuery>,
) -> PageResult {
    render(
        StatusCode::OK,
        &ConfirmEmailPage {
            page,
            token: query.into_inner().token,
            error: None,
        },
    )
}

pub async fn confirm_email(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
    form: CsrfForm<TokenQuery>,
) -> PageResult {
    let token = form.0.token;
    match change::confirm_email_change(&state, &user.0, &token).await {
        Ok(email) => {
            set_flash_in(
                &req,
                "email",
                "success",
                &format!("Your email address is now {email}."),
            );
            Ok(redirect("/account#email"))
        }
        Err(AppError::Validation(errors)) => {
            let error = errors
                .0
                .into_values()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ConfirmEmailPage {
                    page,
                    token,
                    error: Some(error),
                },
            )
        }
        Err(other) => Err(other.into()),
    }
}
