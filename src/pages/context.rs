//! What every page's layout needs (`PageContext`): the user, the form token, the flash, the
//! current path and the header's navigation, loaded once per request.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};

use super::csrf;
use super::errors::PageError;
use super::extract::state_of;
use super::flash::{Flash, take_flash};
use crate::accounts::{CurrentUser, MaybeUser};
use crate::error::AppError;

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
                link("/programme", "Programme"),
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
    /// Whether a section of the page has shown the flash meant for it.
    flash_shown: std::cell::Cell<bool>,
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
            flash_shown: std::cell::Cell::new(false),
        }
    }

    /// The flash shown at the top of the page: one not meant for a section.
    pub fn flash_at_top(&self) -> Option<&Flash> {
        self.flash.as_ref().filter(|f| f.section.is_none())
    }

    /// The flash meant for the section `id`, shown inside it (by the `section_flash` macro).
    pub fn flash_in(&self, id: &str) -> Option<&Flash> {
        let flash = self
            .flash
            .as_ref()
            .filter(|f| f.section.as_deref() == Some(id))?;
        self.flash_shown.set(true);
        Some(flash)
    }

    /// A flash meant for a section this page did not show (it may be hidden for this user by
    /// now): shown at the end of the page rather than lost.
    pub fn flash_left_over(&self) -> Option<&Flash> {
        self.flash
            .as_ref()
            .filter(|f| f.section.is_some() && !self.flash_shown.get())
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
                flash_shown: std::cell::Cell::new(false),
            })
        })
    }
}

#[cfg(test)]
mod tests {
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
}
