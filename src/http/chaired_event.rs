//! The event of the request path's `{slug}`, for a caller who chairs it: the one place that
//! loads "the event as its chair" for every chair-only route of the API and the pages.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::accounts::CurrentUser;
use crate::accounts::policy::managed_event;
use crate::db::events::Event;
use crate::error::AppError;
use crate::state::AppState;

/// 401 without a credential, 404 when no event has the slug, 403 when the caller does not
/// chair it (site admins do).
pub struct ChairedEvent {
    pub event: Event,
    pub user: CurrentUser,
}

impl ChairedEvent {
    /// The path's event for `user`, who must chair it.
    pub async fn load(req: &HttpRequest, user: CurrentUser) -> Result<ChairedEvent, AppError> {
        let slug = req.match_info().get("slug").ok_or(AppError::NotFound)?;
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| AppError::internal("AppState missing"))?;
        let mut conn = state.pool.get().await?;
        let event = managed_event(&mut conn, slug, &user).await?;
        Ok(ChairedEvent { event, user })
    }
}

impl FromRequest for ChairedEvent {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let user = CurrentUser::from_request(&req, payload);
        Box::pin(async move { ChairedEvent::load(&req, user.await?).await })
    }
}
