//! The HTML side: page context (user, CSRF token, flash), CSRF-checked forms, page errors.

pub mod balance;
pub mod chair_pages;
mod csrf;
pub mod decision_pages;
pub mod event_pages;
pub mod markdown;
pub mod proposal_pages;
pub mod review_pages;
pub mod site;

pub use csrf::{CSRF_FIELD, CsrfForm, rotate as rotate_csrf};

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::{CurrentUser, MaybeUser};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// The accept page of an emailed invitation (co-speaker or event member): an accept button for
/// the signed-in, sign-in and registration links that come back here for everyone else.
#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    pub page: PageContext,
    /// What is offered, as one sentence.
    pub offer: String,
    /// This page's own path, where the accept form posts and sign-in returns.
    pub path: String,
}

/// A form whose only field is its CSRF token (buttons: sign out, withdraw, revoke, accept).
#[derive(Deserialize)]
pub struct EmptyForm {}

/// Cookies a handler or extractor wants on the response (CSRF nonce, flash).
#[derive(Default)]
struct PendingCookies(Vec<Cookie<'static>>);

pub fn add_cookie(req: &HttpRequest, cookie: Cookie<'static>) {
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<PendingCookies>() {
        Some(pending) => pending.0.push(cookie),
        None => {
            extensions.insert(PendingCookies(vec![cookie]));
        }
    }
}

pub async fn pending_cookies_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // No clone of the request may live across `next.call`: routing needs it unshared.
    let mut response = next.call(req).await?;
    let pending = response
        .request()
        .extensions_mut()
        .remove::<PendingCookies>();
    if let Some(PendingCookies(cookies)) = pending {
        for cookie in cookies {
            if let Err(e) = response.response_mut().add_cookie(&cookie) {
                tracing::warn!(error = %e, "could not set a cookie");
            }
        }
    }
    Ok(response)
}

const FLASH_COOKIE: &str = "mcfp_flash";

/// A one-time message shown on the next page after an action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

impl Flash {
    /// Errors interrupt (`alert`); confirmations wait their turn (`status`).
    pub fn role(&self) -> &'static str {
        if self.kind == "error" {
            "alert"
        } else {
            "status"
        }
    }
}

pub fn set_flash(req: &HttpRequest, kind: &str, message: &str) {
    let flash = Flash {
        kind: kind.to_owned(),
        message: message.to_owned(),
    };
    let Ok(json) = serde_json::to_vec(&flash) else {
        return;
    };
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.https());
    add_cookie(
        req,
        Cookie::build(FLASH_COOKIE, URL_SAFE_NO_PAD.encode(json))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(https)
            .finish(),
    );
}

fn take_flash(req: &HttpRequest) -> Option<Flash> {
    let cookie = req.cookie(FLASH_COOKIE)?;
    let mut removal = Cookie::build(FLASH_COOKIE, "").path("/").finish();
    removal.make_removal();
    add_cookie(req, removal);
    let bytes = URL_SAFE_NO_PAD.decode(cookie.value()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// One link of the header's navigation.
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
}

/// One event in the header: the links the signed-in user's role there needs.
pub struct NavEvent {
    pub slug: String,
    pub title: String,
    /// "chair" or "reviewer"; None when the event is only there for its open call.
    pub role: Option<&'static str>,
    pub cfp_open: bool,
    pub links: Vec<NavLink>,
}

impl NavEvent {
    /// The event's own page.
    pub fn home(&self) -> String {
        format!("/events/{}", self.slug)
    }

    fn of(row: crate::db::events::NavEventRow, admin_here: bool, now: DateTime<Utc>) -> NavEvent {
        let role = match row.role.as_deref() {
            Some("chair") => Some("chair"),
            _ if admin_here => Some("chair"),
            Some("reviewer") => Some("reviewer"),
            _ => None,
        };
        let base = format!("/events/{}", row.slug);
        let link = |path: &str, label: &'static str| NavLink {
            href: format!("{base}{path}"),
            label,
        };
        let links = match role {
            Some("chair") => vec![
                link("/dashboard", "Dashboard"),
                link("/ranking", "Ranking"),
                link("/emails", "Emails"),
                link("/outbox", "Outbox"),
                link("/members", "Members"),
                link("/settings", "Settings"),
                link("/review", "My review queue"),
            ],
            Some(_) => vec![link("/review", "My review queue")],
            None => Vec::new(),
        };
        NavEvent {
            cfp_open: row.cfp_opens_at <= now && now < row.cfp_closes_at,
            slug: row.slug,
            title: row.title,
            role,
            links,
        }
    }
}

/// What every page's layout needs.
pub struct PageContext {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// The request's path, without its query: marks the current link of the navigation.
    pub path: String,
    /// The signed-in user's events (member of, or with an open call), loaded once per request.
    pub nav: Vec<NavEvent>,
}

impl PageContext {
    /// The context of a page that is the same for every visitor (no user, no form token).
    pub fn anonymous() -> PageContext {
        PageContext {
            user: None,
            csrf_token: String::new(),
            flash: None,
            path: String::new(),
            nav: Vec::new(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_admin)
    }

    /// Whether `href` is this very page (for `aria-current="page"`).
    pub fn is_current(&self, href: impl AsRef<str>) -> bool {
        self.path == href.as_ref()
    }

    /// The event this page belongs to, when its address says so (`/events/{slug}/…`).
    pub fn current_event(&self) -> Option<&str> {
        event_of_path(&self.path)
    }

    /// The events where the user has a role, with their links.
    pub fn role_nav(&self) -> impl Iterator<Item = &NavEvent> {
        self.nav.iter().filter(|e| !e.links.is_empty())
    }

    pub fn has_role_nav(&self) -> bool {
        self.role_nav().next().is_some()
    }

    /// Where "Submit" leads: the submission form when one call is open, the list of calls when
    /// several are; nothing when none is.
    pub fn submit_link(&self) -> Option<String> {
        let mut open = self.nav.iter().filter(|e| e.cfp_open);
        match (open.next(), open.next()) {
            (Some(only), None) => Some(format!("/events/{}/submit", only.slug)),
            (Some(_), Some(_)) => Some("/".to_owned()),
            _ => None,
        }
    }
}

/// `/events/{slug}` and `/events/{slug}/…` belong to the event `slug` (`/events/new` to none).
fn event_of_path(path: &str) -> Option<&str> {
    let slug = path.strip_prefix("/events/")?.split('/').next()?;
    (!slug.is_empty() && slug != "new").then_some(slug)
}

impl FromRequest for PageContext {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let user = MaybeUser::from_request(&req, payload);
        Box::pin(async move {
            // Pages ignore a bad bearer header (browsers do not send one) rather than failing.
            let user = match user.await {
                Ok(MaybeUser(user)) => user,
                Err(AppError::Unauthorized) => None,
                Err(other) => return Err(PageError::App(other)),
            };
            let state = state_of(&req)?;
            let path = req.path().to_owned();
            let nav = match &user {
                Some(user) => {
                    let now = Utc::now();
                    let here = event_of_path(&path).filter(|_| user.is_admin);
                    let mut conn = state.pool.get().await?;
                    crate::db::events::nav_events(&mut conn, user.id, now, here)
                        .await?
                        .into_iter()
                        .map(|row| {
                            let admin_here = here == Some(row.slug.as_str());
                            NavEvent::of(row, admin_here, now)
                        })
                        .collect()
                }
                None => Vec::new(),
            };
            Ok(PageContext {
                user,
                csrf_token: csrf::token_for(&req, &state.settings),
                flash: take_flash(&req),
                path,
                nav,
            })
        })
    }
}

pub fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, PageError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| PageError::App(AppError::internal("AppState missing")))
}

/// A page that needs a signed-in user: signed-out visitors are sent to the login page.
pub struct SignedIn(pub CurrentUser);

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let user = MaybeUser::from_request(&req, payload);
        Box::pin(async move {
            match user.await {
                Ok(MaybeUser(Some(user))) => Ok(SignedIn(user)),
                Ok(MaybeUser(None)) | Err(AppError::Unauthorized) => {
                    Err(PageError::LoginRequired {
                        next: req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_owned())
                            .unwrap_or_else(|| "/".into()),
                    })
                }
                Err(other) => Err(PageError::App(other)),
            }
        })
    }
}

/// A chair-only page: signed-out visitors go to the login page; the path's `{slug}` event is
/// loaded for a caller who chairs it (404 or 403 otherwise), as `http::ChairedEvent` does.
pub struct SignedInChair {
    pub event: crate::db::events::Event,
    pub user: CurrentUser,
}

impl FromRequest for SignedInChair {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let signed_in = SignedIn::from_request(&req, payload);
        Box::pin(async move {
            let SignedIn(user) = signed_in.await?;
            let chaired = crate::http::ChairedEvent::load(&req, user).await?;
            Ok(SignedInChair {
                event: chaired.event,
                user: chaired.user,
            })
        })
    }
}

/// Errors on HTML routes: a friendly page, or a redirect to the login page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("sign-in required")]
    LoginRequired { next: String },
}

impl From<diesel::result::Error> for PageError {
    fn from(e: diesel::result::Error) -> Self {
        PageError::App(e.into())
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for PageError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        PageError::App(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::App(e) => e.status_code(),
            PageError::LoginRequired { .. } => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::LoginRequired { next } => {
                let location = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                HttpResponse::SeeOther()
                    .insert_header(("Location", location))
                    .finish()
            }
            PageError::App(e) => {
                e.log();
                let status = e.status_code();
                let detail = match e {
                    // the API's terse "not found" reads badly on a page
                    AppError::NotFound => "There is nothing at this address, or nothing you \
                                           may see here."
                        .to_owned(),
                    other => other.public_detail(),
                };
                let page = ErrorPage {
                    status: status.as_u16(),
                    title: e.title(),
                    detail: &detail,
                };
                match page.render() {
                    Ok(body) => HttpResponse::build(status)
                        .content_type("text/html; charset=utf-8")
                        .body(body),
                    Err(_) => HttpResponse::build(status)
                        .content_type("text/plain; charset=utf-8")
                        .body(detail),
                }
            }
        }
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

/// Renders a template as an HTML response with the given status.
pub fn render(status: StatusCode, template: &impl Template) -> PageResult {
    let body = template
        .render()
        .map_err(|e| PageError::App(AppError::internal(format!("rendering a page: {e}"))))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

/// Only same-site paths may follow a login (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs, so "/\t/evil" would become "//evil".
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Validation and conflict messages as one line for a flash.
pub fn messages_of(errors: &FieldErrors) -> String {
    errors
        .0
        .values()
        .flat_map(|m| m.iter().cloned())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An action went wrong in a way the person can fix (a validation or conflict error): say it in
/// a flash on the next page; any other error becomes the error page.
pub fn flash_or_fail(req: &HttpRequest, error: AppError) -> Result<(), PageError> {
    match error {
        AppError::Validation(errors) | AppError::Conflict { errors, .. } if !errors.is_empty() => {
            set_flash(req, "error", &messages_of(&errors));
            Ok(())
        }
        AppError::Conflict { message, .. } => {
            set_flash(req, "error", &message);
            Ok(())
        }
        other => Err(other.into()),
    }
}

/// Every HTML page, the static assets, and the 404 page for everything else.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use self::{chair_pages, decision_pages, event_pages, proposal_pages, review_pages, site};

    cfg.route("/static/style.css", web::get().to(site::stylesheet))
        .route("/static/app.js", web::get().to(site::script))
        .route("/", web::get().to(site::index))
        .route("/events/new", web::get().to(event_pages::new_form))
        .route("/events/new", web::post().to(event_pages::create))
        .route(
            "/events/{slug}/settings",
            web::get().to(event_pages::settings_form),
        )
        .route(
            "/events/{slug}/settings",
            web::post().to(event_pages::save_settings),
        )
        .route(
            "/member-invitations/{token}",
            web::get().to(event_pages::member_invitation),
        )
        .route(
            "/member-invitations/{token}",
            web::post().to(event_pages::accept_member_invitation),
        )
        .route("/events/{slug}", web::get().to(site::event))
        .route(
            "/events/{slug}/submit",
            web::get().to(proposal_pages::submit_form),
        )
        .route(
            "/events/{slug}/submit",
            web::post().to(proposal_pages::submit),
        )
        .route(
            "/events/{slug}/members",
            web::get().to(chair_pages::members),
        )
        .route(
            "/events/{slug}/members",
            web::post().to(chair_pages::add_member),
        )
        .route(
            "/events/{slug}/members/{user_id}/remove",
            web::post().to(chair_pages::remove_member),
        )
        .route(
            "/events/{slug}/dashboard",
            web::get().to(chair_pages::dashboard),
        )
        .route(
            "/proposals/{id}/track",
            web::post().to(chair_pages::set_track),
        )
        .route("/events/{slug}/review", web::get().to(review_pages::queue))
        .route(
            "/events/{slug}/ranking",
            web::get().to(review_pages::ranking),
        )
        .route(
            "/events/{slug}/assignments/auto",
            web::post().to(review_pages::auto_assign),
        )
        .route(
            "/events/{slug}/reviewers/remind",
            web::post().to(review_pages::remind),
        )
        .route(
            "/events/{slug}/review-phase",
            web::post().to(review_pages::review_phase),
        )
        .route(
            "/proposals/{id}/review",
            web::post().to(review_pages::save_review),
        )
        .route(
            "/proposals/{id}/conflict",
            web::post().to(review_pages::declare_conflict),
        )
        .route(
            "/proposals/{id}/assignments",
            web::post().to(review_pages::set_assignments),
        )
        .route(
            "/proposals/{id}/conflicts",
            web::post().to(review_pages::set_conflict),
        )
        .route(
            "/events/{slug}/decisions",
            web::post().to(decision_pages::bulk_decide),
        )
        .route(
            "/events/{slug}/decisions/release",
            web::post().to(decision_pages::release),
        )
        .route(
            "/events/{slug}/publish",
            web::post().to(decision_pages::publish),
        )
        .route(
            "/events/{slug}/unpublish",
            web::post().to(decision_pages::unpublish),
        )
        .route(
            "/events/{slug}/emails",
            web::get().to(decision_pages::email_templates),
        )
        .route(
            "/events/{slug}/emails/{kind}",
            web::post().to(decision_pages::save_template),
        )
        .route(
            "/events/{slug}/emails/{kind}/reset",
            web::post().to(decision_pages::reset_template),
        )
        .route(
            "/events/{slug}/emails/{kind}/preview",
            web::post().to(decision_pages::preview_template),
        )
        .route(
            "/events/{slug}/outbox",
            web::get().to(decision_pages::outbox),
        )
        .route(
            "/events/{slug}/outbox/{id}/retry",
            web::post().to(decision_pages::retry_outbox),
        )
        .route(
            "/events/{slug}/accepted",
            web::get().to(decision_pages::accepted),
        )
        .route(
            "/events/{slug}/accepted.atom",
            web::get().to(decision_pages::accepted_atom),
        )
        .route(
            "/proposals/{id}/decision",
            web::post().to(decision_pages::decide),
        )
        .route(
            "/proposals/{id}/confirm",
            web::get().to(decision_pages::confirm_page),
        )
        .route(
            "/proposals/{id}/confirm",
            web::post().to(decision_pages::confirm),
        )
        .route(
            "/proposals/{id}/decline",
            web::post().to(decision_pages::decline),
        )
        .route("/proposals", web::get().to(proposal_pages::my_proposals))
        .route("/proposals/{id}", web::get().to(proposal_pages::show))
        .route(
            "/proposals/{id}/edit",
            web::get().to(proposal_pages::edit_form),
        )
        .route("/proposals/{id}/edit", web::post().to(proposal_pages::edit))
        .route(
            "/proposals/{id}/withdraw",
            web::post().to(proposal_pages::withdraw),
        )
        .route(
            "/invitations/{token}",
            web::get().to(proposal_pages::invitation),
        )
        .route(
            "/invitations/{token}",
            web::post().to(proposal_pages::accept_invitation),
        )
        .route("/register", web::get().to(site::register_form))
        .route("/register", web::post().to(site::register))
        .route("/login", web::get().to(site::login_form))
        .route("/login", web::post().to(site::login))
        .route("/logout", web::post().to(site::logout))
        .route("/password-reset", web::get().to(site::password_reset_form))
        .route("/password-reset", web::post().to(site::password_reset))
        .route(
            "/password-reset/confirm",
            web::get().to(site::password_reset_confirm_form),
        )
        .route(
            "/password-reset/confirm",
            web::post().to(site::password_reset_confirm),
        )
        .route("/account", web::get().to(site::account))
        .route("/account/tokens", web::post().to(site::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            web::post().to(site::revoke_token),
        )
        .default_service(web::to(page_not_found));
}

async fn page_not_found() -> PageResult {
    Err(PageError::App(AppError::NotFound))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn pages_know_their_event() {
        assert_eq!(super::event_of_path("/events/rust-mc"), Some("rust-mc"));
        assert_eq!(
            super::event_of_path("/events/rust-mc/ranking"),
            Some("rust-mc")
        );
        assert_eq!(super::event_of_path("/events/new"), None);
        assert_eq!(super::event_of_path("/events/"), None);
        assert_eq!(super::event_of_path("/proposals"), None);
    }

    #[test]
    fn next_is_never_off_site() {
        assert_eq!(safe_next(Some("/account")), "/account");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
