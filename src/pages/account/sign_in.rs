//! Registering, signing in and signing out.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::session::clear_session_cookie;
use crate::accounts::{self, Credential, Registration};
use crate::db::events::{self, EventRoleKind};
use crate::db::users;
use crate::error::{AppError, FieldErrors};
use crate::http::client_ip;
use crate::pages::context::PageContext;
use crate::pages::csrf::{self, CsrfForm, EmptyForm};
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::flash::set_flash;
use crate::pages::respond::{redirect, render, safe_next};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: PageContext,
    email: String,
    name: String,
    next: String,
    errors: FieldErrors,
}

impl RegisterPage {
    /// "Sign in" instead, keeping where the visitor was going.
    fn login_link(&self) -> String {
        login_path(&self.next)
    }
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
    let next = safe_next(form.next.as_deref());
    let outcome = match Registration::parse(&form.email, &form.name, &form.password) {
        Ok(registration) => accounts::sign_up(&state, registration).await,
        Err(e) => Err(e),
    };
    match outcome {
        // The same answer whether the email was new or already had an account (whose owner is
        // emailed): nobody is signed in here, the password signs in on the next page.
        Ok(_) => {
            set_flash(&req, "success", REGISTERED);
            Ok(redirect(&login_path(&next)))
        }
        Err(AppError::Validation(errors)) | Err(AppError::Conflict { errors, .. }) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                page,
                email: form.email,
                name: form.name,
                next,
                errors,
            },
        ),
        Err(other) => Err(other.into()),
    }
}

/// What the register page says after any valid registration: it cannot tell a new account from
/// an address that already had one.
pub const REGISTERED: &str = "Thank you! Sign in with your email and password to continue. \
    If this email already had an account, nothing was changed and we have emailed its owner.";

/// The sign-in page, coming back to `next` afterwards.
fn login_path(next: &str) -> String {
    with_next("/login", next)
}

/// `path` carrying `next` in its query, when there is somewhere to come back to.
fn with_next(path: &str, next: &str) -> String {
    if next == "/" {
        return path.to_owned();
    }
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{path}?next={encoded}")
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageContext,
    email: String,
    next: String,
    errors: FieldErrors,
}

impl LoginPage {
    /// "Create an account" instead, keeping where the visitor was going.
    fn register_link(&self) -> String {
        with_next("/register", &self.next)
    }
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
            csrf::rotate(&req, &state.settings);
            set_flash(&req, "success", &format!("Signed in as {}.", user.email));
            let target = if next == "/" {
                let mut conn = state.pool.get().await?;
                landing(&events::roles_of_user(&mut conn, user.id).await?)
            } else {
                next
            };
            let mut response = redirect(&target);
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

/// Where signing in lands without a `next`: a chair's dashboard, else a reviewer's queue, when
/// that role is held in exactly one event; otherwise the home page, which lists them all.
fn landing(roles: &[(String, EventRoleKind)]) -> String {
    let only = |kind: EventRoleKind| {
        let mut held = roles.iter().filter(|(_, role)| *role == kind);
        match (held.next(), held.next()) {
            (Some((slug, _)), None) => Some(slug.clone()),
            _ => None,
        }
    };
    let chairs = roles.iter().any(|(_, role)| *role == EventRoleKind::Chair);
    match (only(EventRoleKind::Chair), only(EventRoleKind::Reviewer)) {
        (Some(slug), _) => format!("/events/{slug}/dashboard"),
        // several events to chair: the home page lists them, and beats one review queue
        (None, Some(slug)) if !chairs => format!("/events/{slug}/review"),
        _ => "/".to_owned(),
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: SignedIn,
    _form: CsrfForm<EmptyForm>,
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
