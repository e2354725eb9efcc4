//! Account pages (register, login, logout, password reset, account and API tokens) and the
//! public pages (home, an event's call for proposals).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{
    CsrfForm, PageContext, PageError, PageResult, SignedIn, redirect, render, safe_next, set_flash,
};
use crate::accounts::create_api_token;
use crate::accounts::session::clear_session_cookie;
use crate::accounts::{self, Registration};
use crate::accounts::{Credential, CurrentUser};
use crate::db::events::{self, Event, TrackWithSubtopics};
use crate::db::users::{self, ApiToken};
use crate::domain::ApiTokenId;
use crate::error::{AppError, FieldErrors};
use crate::http::client_ip;
use crate::state::AppState;
use crate::time::in_zone;

// ---- home and events ----

pub struct EventSummary {
    pub slug: String,
    pub title: String,
    pub cfp_open: bool,
    pub closes: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    page: PageContext,
    events: Vec<EventSummary>,
}

pub async fn index(page: PageContext, state: web::Data<AppState>) -> PageResult {
    let mut conn = state.pool.get().await?;
    let now = Utc::now();
    let events = events::list_events(&mut conn)
        .await?
        .into_iter()
        .map(|e| EventSummary {
            cfp_open: e.cfp_open_at(now),
            closes: in_zone(e.cfp_closes_at, &e.time_zone),
            slug: e.slug,
            title: e.title,
        })
        .collect();
    render(StatusCode::OK, &IndexPage { page, events })
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    page: PageContext,
    event: Event,
    description_html: String,
    tracks: Vec<TrackWithSubtopics>,
    cfp_open: bool,
    opens: String,
    closes: String,
    closes_rfc3339: String,
    can_manage: bool,
    /// A chair or reviewer: has a review queue.
    is_member: bool,
    review_open: bool,
}

pub async fn event(
    page: PageContext,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let event = events::find_by_slug(&mut conn, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let (can_manage, is_member) = match &page.user {
        Some(user) => {
            let access = crate::accounts::policy::event_access(&mut conn, &event, user).await?;
            (access.can_manage(), access.role.is_some())
        }
        None => (false, false),
    };
    render(
        StatusCode::OK,
        &EventPage {
            can_manage,
            is_member,
            review_open: event.review_open_at(Utc::now()),
            page,
            description_html: super::markdown::render(&event.description),
            tracks,
            cfp_open: event.cfp_open_at(Utc::now()),
            opens: in_zone(event.cfp_opens_at, &event.time_zone),
            closes: in_zone(event.cfp_closes_at, &event.time_zone),
            closes_rfc3339: event.cfp_closes_at.to_rfc3339(),
            event,
        },
    )
}

// ---- register ----

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: PageContext,
    email: String,
    name: String,
    next: String,
    errors: FieldErrors,
}

pub async fn register_form(page: PageContext, query: web::Query<NextQuery>) -> PageResult {
    render(
        StatusCode::OK,
        &RegisterPage {
            page,
            email: String::new(),
            name: String::new(),
            next: safe_next(query.next.as_deref()),
            errors: FieldErrors::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn register(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    form: CsrfForm<RegisterForm>,
) -> PageResult {
    state.rate_limiter.check(client_ip(&req), "register")?;
    let form = form.0;
    let outcome = match Registration::parse(&form.email, &form.name, &form.password) {
        Ok(registration) => accounts::register(&state, registration, false).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(user) => {
            let (_, cookie) = accounts::sign_in(&state, user.id, &req).await?;
            super::rotate_csrf(&req, &state.settings);
            set_flash(
                &req,
                "success",
                &format!("Welcome, {}! Your account is ready.", user.name),
            );
            let mut response = redirect(&safe_next(form.next.as_deref()));
            response
                .add_cookie(&cookie)
                .map_err(|e| AppError::internal(e.to_string()))?;
            Ok(response)
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                page,
                email: form.email,
                name: form.name,
                next: safe_next(form.next.as_deref()),
                errors,
            },
        ),
        Err(other) => Err(other.into()),
    }
}

// ---- login and logout ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageContext,
    email: String,
    next: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(page: PageContext, query: web::Query<NextQuery>) -> PageResult {
    render(
        StatusCode::OK,
        &LoginPage {
            page,
            email: String::new(),
            next: safe_next(query.next.as_deref()),
            errors: FieldErrors::new(),
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    req: HttpRequest,
    page: PageContext,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> PageResult {
    state.rate_limiter.check(client_ip(&req), "login")?;
    let form = form.0;
    let next = safe_next(form.next.as_deref());
    match accounts::authenticate(&state, &form.email, &form.password).await {
        Ok(user) => {
            let (_, cookie) = accounts::sign_in(&state, user.id, &req).await?;
            super::rotate_csrf(&req, &state.settings);
            set_flash(&req, "success", &format!("Signed in as {}.", user.email));
            let mut response = redirect(&next);
            response
                .add_cookie(&cookie)
                .map_err(|e| AppError::internal(e.to_string()))?;
            Ok(response)
        }
        Err(AppError::InvalidCredentials) => render(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                page,
                email: form.email,
                next,
                errors: FieldErrors::single("password", "The email or the password is wrong."),
            },
        ),
        Err(other) => Err(other.into()),
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    _form: CsrfForm<super::EmptyForm>,
) -> PageResult {
    if let Credential::Session(id) = user.0.credential {
        let mut conn = state.pool.get().await?;
        users::revoke_session(&mut conn, id).await?;
    }
    set_flash(&req, "info", "You are signed out.");
    let mut response = redirect("/");
    response
        .add_cookie(&clear_session_cookie(&state.settings))
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(response)
}

// ---- password reset ----

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

// ---- account and API tokens ----

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: PageContext,
    user: CurrentUser,
    roles: Vec<users::EventRole>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    /// The new-token form as typed: (name, expiry in days).
    token_name: String,
    token_days: String,
    errors: FieldErrors,
}

impl AccountPage {
    fn fmt_time(at: &DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

async fn account_page(
    page: PageContext,
    state: &AppState,
    user: CurrentUser,
    new_token: Option<String>,
    (token_name, token_days): (String, String),
    errors: FieldErrors,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let roles = users::event_roles(&mut conn, user.id).await?;
    let tokens = users::list_api_tokens(&mut conn, user.id).await?;
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
            token_name,
            token_days,
            errors,
        },
    )
}

pub async fn account(page: PageContext, state: web::Data<AppState>, user: SignedIn) -> PageResult {
    account_page(
        page,
        &state,
        user.0,
        None,
        (String::new(), String::new()),
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
                (String::new(), String::new()),
                FieldErrors::new(),
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            let typed = (form.name, form.expires_in_days);
            account_page(page, &state, user.0, None, typed, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    path: web::Path<uuid::Uuid>,
    _form: CsrfForm<super::EmptyForm>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    if !users::revoke_api_token(&mut conn, user.0.id, ApiTokenId(path.into_inner())).await? {
        return Err(PageError::App(AppError::NotFound));
    }
    set_flash(&req, "success", "The token is revoked.");
    Ok(redirect("/account"))
}

/// The hand-written stylesheet and the small script, compiled into the binary.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../templates/static/style.css"))
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../templates/static/app.js"))
}
