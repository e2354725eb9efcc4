//! The extractors page handlers share: a signed-in user (`SignedIn`), a chair of the path's
//! event (`SignedInChair`), and `state_of`, the application state for an extractor.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::errors::PageError;
use crate::accounts::{CurrentUser, MaybeUser};
use crate::error::AppError;
use crate::state::AppState;

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
