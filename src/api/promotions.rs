//! Waitlist promotion for the chairs: the open vacancies with their suggestions (and who was
//! reminded to confirm), filling one, dismissing one.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiJson;
use crate::decisions::promotion::{self, PromoteRequest, PromotionsView};
use crate::error::AppResult;
use crate::http::ChairedEvent;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/promotions", web::get().to(get_promotions));
    cfg.route(
        "/events/{slug}/promotions/{vacancy_id}",
        web::post().to(promote),
    );
    cfg.route(
        "/events/{slug}/promotions/{vacancy_id}",
        web::delete().to(dismiss),
    );
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/promotions", tag = "decisions", params(("slug" = String, Path)),
    responses((status = 200, body = PromotionsView, description = "the event's promotion settings, its open vacancies (places freed by declined, withdrawn or lapsed accepted talks) each with the best-ranked waitlisted talk of its track that fits its minutes (none while `waitlist_promotion` is `off`), and the proposals reminded automatically to confirm"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn get_promotions(
    state: web::Data<AppState>,
    cache: web::Data<crate::review::RankingCache>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<PromotionsView>> {
    let mut conn = state.pool.get().await?;
    let ranked = cache.ranked(&mut conn, &event).await?;
    Ok(web::Json(
        promotion::promotions(&mut conn, &event, Some(&ranked)).await?,
    ))
}

/// The talk a promotion accepted and released.
#[derive(Serialize, ToSchema)]
pub struct Promoted {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    #[schema(value_type = crate::domain::ProposalState)]
    pub state: crate::domain::ProposalState,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/promotions/{vacancy_id}", tag = "decisions",
    params(("slug" = String, Path), ("vacancy_id" = uuid::Uuid, Path)),
    request_body(content = PromoteRequest, description = "`{}` accepts the suggestion; `{\"proposal_id\": …}` a waitlisted proposal of the event instead"),
    responses((status = 200, body = Promoted, description = "the talk is accepted and released in one transaction: its speakers are emailed once, the decision audit says so, and it takes the freed talk's programme item if that was placed"),
        (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the vacancy is resolved already, no waitlisted talk fits, the named proposal is not waitlisted, or accepting it would exceed `slot_minutes`"),
        (status = 422, description = "`proposal_id` is not a proposal of this event")))]
pub async fn promote(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    path: web::Path<(String, uuid::Uuid)>,
    body: ApiJson<PromoteRequest>,
) -> AppResult<web::Json<Promoted>> {
    let promoted = promotion::promote(&state, &user, &event, path.1, body.0).await?;
    Ok(web::Json(Promoted {
        proposal_id: promoted.id.0,
        title: promoted.title,
        state: promoted.state,
    }))
}

#[utoipa::path(delete, path = "/api/v1/events/{slug}/promotions/{vacancy_id}", tag = "decisions",
    params(("slug" = String, Path), ("vacancy_id" = uuid::Uuid, Path)),
    responses((status = 204, description = "the place stays empty; the vacancy is closed"),
        (status = 401), (status = 403), (status = 404), (status = 409, description = "resolved already")))]
pub async fn dismiss(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    path: web::Path<(String, uuid::Uuid)>,
) -> AppResult<HttpResponse> {
    promotion::dismiss(&state, &event, path.1).await?;
    Ok(HttpResponse::NoContent().finish())
}
