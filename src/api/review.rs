//! Review: assignments, conflicts, reviews, the ranking, reviewers' progress and reminders.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::accounts::CurrentUser;
use crate::accounts::policy::managed_event;
use crate::db::events;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::http::ChairedEvent;
use crate::proposals::visible_proposal;
use crate::review::{
    self, AssignmentsView, AutoAssignOutcome, ConflictView, CriteriaRequest, CriteriaView,
    QueueItem, RankCursor, RankingCache, RankingItem, ReviewRequest, ReviewView, ReviewerProgress,
    ReviewsView,
};
use crate::state::AppState;

/// Review: assignments, conflicts, reviews, the ranking, reviewers and the queue; inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/events/{slug}/assignments/auto",
        web::post().to(auto_assign),
    );
    cfg.route(
        "/proposals/{id}/assignments",
        web::put().to(put_assignments),
    );
    cfg.route(
        "/proposals/{id}/assignments",
        web::get().to(get_assignments),
    );
    cfg.route("/proposals/{id}/conflicts", web::put().to(put_conflict));
    cfg.route("/proposals/{id}/review", web::put().to(put_review));
    cfg.route("/proposals/{id}/reviews", web::get().to(get_reviews));
    cfg.route("/events/{slug}/ranking", web::get().to(ranking));
    cfg.route("/events/{slug}/ranking.csv", web::get().to(ranking_csv));
    cfg.route("/events/{slug}/reviewers", web::get().to(reviewers));
    cfg.route("/events/{slug}/reviewers/remind", web::post().to(remind));
    cfg.route("/events/{slug}/review-queue", web::get().to(queue));
    cfg.route(
        "/events/{slug}/review-criteria",
        web::get().to(get_review_criteria),
    );
    cfg.route(
        "/events/{slug}/review-criteria",
        web::put().to(put_review_criteria),
    );
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/review-criteria", tag = "review",
    params(("slug" = String, Path)),
    responses((status = 200, body = CriteriaView, description = "empty: reviews give a single score"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn get_review_criteria(
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<CriteriaView>> {
    Ok(web::Json(review::criteria_view(&event)))
}

#[utoipa::path(put, path = "/api/v1/events/{slug}/review-criteria", tag = "review", request_body = CriteriaRequest,
    params(("slug" = String, Path)),
    responses((status = 200, body = CriteriaView, description = "replaced; reviews already written keep their stored score and per-criterion answers, and their next save answers the new criteria"),
        (status = 401), (status = 403), (status = 404),
        (status = 409, description = "two criteria share a key (names the later one, e.g. `criteria[1].key`)"),
        (status = 422, description = "names the field, e.g. `criteria[0].key`")))]
pub async fn put_review_criteria(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
    body: ApiJson<CriteriaRequest>,
) -> AppResult<web::Json<CriteriaView>> {
    Ok(web::Json(
        review::set_criteria(&state, &event, body.0.criteria).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AutoAssignRequest {
    /// How many reviewers every proposal should have.
    #[serde(deserialize_with = "crate::domain::whole_number::required")]
    #[schema(minimum = 1, maximum = 20)]
    pub reviewers_per_proposal: i64,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/assignments/auto", tag = "review", request_body = AutoAssignRequest,
    params(("slug" = String, Path)),
    responses((status = 200, body = AutoAssignOutcome, description = "existing assignments are kept; a re-run assigns 0"),
        (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn auto_assign(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    body: ApiJson<AutoAssignRequest>,
) -> AppResult<web::Json<AutoAssignOutcome>> {
    let conn = state.pool.get().await?;
    drop(conn);
    let k = body.0.reviewers_per_proposal;
    if !(1..=20).contains(&k) {
        return Err(AppError::Validation(FieldErrors::single(
            "reviewers_per_proposal",
            "must be a whole number from 1 to 20",
        )));
    }
    Ok(web::Json(
        review::auto_assign(&state, &user, &event, k as usize).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AssignmentsRequest {
    /// The proposal's reviewers, replacing the current list: members of the event, not
    /// conflicted with the proposal, allowed its track.
    #[schema(max_items = 50)]
    pub reviewer_ids: Vec<uuid::Uuid>,
}

#[utoipa::path(put, path = "/api/v1/proposals/{id}/assignments", tag = "review", request_body = AssignmentsRequest,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = AssignmentsView), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "the proposal is withdrawn"), (status = 422, description = "not a member, conflicted, or outside the reviewer's tracks")))]
pub async fn put_assignments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
    body: ApiJson<AssignmentsRequest>,
) -> AppResult<web::Json<AssignmentsView>> {
    if body.0.reviewer_ids.len() > 50 {
        return Err(AppError::Validation(FieldErrors::single(
            "reviewer_ids",
            "at most 50 reviewers",
        )));
    }
    let ids = body.0.reviewer_ids.into_iter().map(UserId).collect();
    Ok(web::Json(
        review::set_assignments(&state, &user, *id, ids).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/proposals/{id}/assignments", tag = "review", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = AssignmentsView), (status = 401), (status = 403), (status = 404)))]
pub async fn get_assignments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<web::Json<AssignmentsView>> {
    let mut conn = state.pool.get().await?;
    let (proposal, event, _) = visible_proposal(&mut conn, &user, *id).await?;
    managed_event(&mut conn, &event.slug, &user).await?;
    Ok(web::Json(
        review::assignments_view(&mut conn, proposal.id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ConflictRequest {
    pub reviewer_id: uuid::Uuid,
    pub conflicted: bool,
}

#[utoipa::path(put, path = "/api/v1/proposals/{id}/conflicts", tag = "review", request_body = ConflictRequest,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ConflictView, description = "a conflict also removes the pair's assignment"),
        (status = 401), (status = 403, description = "a reviewer for someone else, or clearing a chair's conflict"), (status = 404),
        (status = 409, description = "a speaker's own conflict cannot be cleared"), (status = 422)))]
pub async fn put_conflict(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
    body: ApiJson<ConflictRequest>,
) -> AppResult<web::Json<ConflictView>> {
    let body = body.0;
    Ok(web::Json(
        review::set_conflict(
            &state,
            &user,
            *id,
            UserId(body.reviewer_id),
            body.conflicted,
        )
        .await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/proposals/{id}/review", tag = "review", request_body = ReviewRequest,
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ReviewView, description = "created or changed; every version is kept"),
        (status = 401), (status = 403, description = "not assigned, conflicted, or reviewing is not open"), (status = 404), (status = 422)))]
pub async fn put_review(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
    body: ApiJson<ReviewRequest>,
) -> AppResult<web::Json<ReviewView>> {
    Ok(web::Json(
        review::save_review(&state, &user, *id, body.0).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/proposals/{id}/reviews", tag = "review", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ReviewsView, description = "a reviewer sees the others' reviews only after submitting their own"),
        (status = 401), (status = 403, description = "speakers"), (status = 404)))]
pub async fn get_reviews(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<web::Json<ReviewsView>> {
    let mut conn = state.pool.get().await?;
    let proposal = crate::db::proposals::find(&mut conn, *id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = events::find_by_id(&mut conn, proposal.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(web::Json(
        review::reviews_for(&mut conn, &user, &proposal, &event).await?,
    ))
}

#[derive(Deserialize)]
pub struct RankingQuery {
    pub track: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingResponse {
    pub items: Vec<RankingItem>,
    /// The next page's `?cursor=`; null on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/ranking", tag = "review",
    params(("slug" = String, Path),
        ("track" = Option<String>, Query, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", description = "only this track's proposals"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "50 when absent"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]*$", description = "the previous page's `next_cursor`; if the ranking changed in between, the page goes on after that proposal where it now stands, so items may repeat or be missed: start again from the first page for a consistent list")),
    responses((status = 200, body = RankingResponse, description = "best first by the calibrated score, one page"),
        (status = 401), (status = 403), (status = 404), (status = 422, description = "a bad `limit` or `cursor`")))]
pub async fn ranking(
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    ChairedEvent { event, .. }: ChairedEvent,
    query: web::Query<RankingQuery>,
) -> AppResult<web::Json<RankingResponse>> {
    let mut errors = FieldErrors::new();
    let (limit, _) = crate::db::paging::parse_params(query.limit.as_deref(), None, &mut errors);
    let cursor = RankCursor::parse(query.cursor.as_deref(), &mut errors);
    errors.into_result()?;
    let mut conn = state.pool.get().await?;
    let (items, next_cursor) = review::ranking_page(
        &mut conn,
        &cache,
        &event,
        query.track.as_deref(),
        limit as usize,
        cursor.as_ref(),
    )
    .await?;
    Ok(web::Json(RankingResponse { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/ranking.csv", tag = "review",
    params(("slug" = String, Path),
        ("track" = Option<String>, Query, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", description = "only this track's proposals")),
    responses((status = 200, content_type = "text/csv", description = "the ranking's aggregates, best first, all of them"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn ranking_csv(
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    ChairedEvent { event, .. }: ChairedEvent,
    query: web::Query<RankingQuery>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let items = review::whole_ranking(&mut conn, &cache, &event, query.track.as_deref()).await?;
    Ok(crate::http::csv_download(
        &format!("{}-ranking.csv", event.slug),
        review::ranking_csv(&items),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewersResponse {
    pub items: Vec<ReviewerProgress>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/reviewers", tag = "review", params(("slug" = String, Path)),
    responses((status = 200, body = ReviewersResponse, description = "done/assigned per reviewer"), (status = 401), (status = 403), (status = 404)))]
pub async fn reviewers(
    state: web::Data<AppState>,
    cache: web::Data<RankingCache>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<web::Json<ReviewersResponse>> {
    let mut conn = state.pool.get().await?;
    let ranked = cache.ranked(&mut conn, &event).await?;
    Ok(web::Json(ReviewersResponse {
        items: review::reviewer_progress(&mut conn, &event, &ranked).await?,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct RemindRequest {
    /// Only this reviewer; everyone with pending reviews when absent.
    pub reviewer_id: Option<uuid::Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct RemindResponse {
    pub queued: usize,
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/reviewers/remind", tag = "review", request_body = RemindRequest,
    params(("slug" = String, Path)),
    responses((status = 200, body = RemindResponse, description = "one email per reviewer with pending reviews, through the outbox"),
        (status = 401), (status = 403), (status = 404), (status = 422)))]
pub async fn remind(
    state: web::Data<AppState>,
    ChairedEvent { event, user }: ChairedEvent,
    body: ApiJson<RemindRequest>,
) -> AppResult<web::Json<RemindResponse>> {
    let conn = state.pool.get().await?;
    drop(conn);
    let queued = review::remind(&state, &user, &event, body.0.reviewer_id.map(UserId)).await?;
    Ok(web::Json(RemindResponse { queued }))
}

#[derive(Serialize, ToSchema)]
pub struct QueueResponse {
    pub items: Vec<QueueItem>,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
    pub review_open: bool,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/review-queue", tag = "review",
    params(("slug" = String, Path), ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "50 when absent"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]*$", description = "the previous page's `next_cursor`")),
    responses((status = 200, body = QueueResponse, description = "the caller's proposals to review, a page at a time: pending before done, assigned before merely visible, then oldest first"),
        (status = 401), (status = 403), (status = 404), (status = 422, description = "a bad `limit` or `cursor`")))]
pub async fn queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    slug: web::Path<String>,
    query: web::Query<QueueQuery>,
) -> AppResult<web::Json<QueueResponse>> {
    let mut errors = FieldErrors::new();
    let (limit, _) = crate::db::paging::parse_params(query.limit.as_deref(), None, &mut errors);
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => {
            let key = review::decode_queue_cursor(text);
            if key.is_none() {
                errors.add("cursor", "is not a cursor this API returned");
            }
            key
        }
    };
    errors.into_result()?;
    let mut conn = state.pool.get().await?;
    let event = events::find_by_slug(&mut conn, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = review::queue(&mut conn, &event, &user, limit, after).await?;
    Ok(web::Json(QueueResponse {
        items: page.items,
        next_cursor: page.next_cursor,
        review_open: event.review_open_at(chrono::Utc::now()),
    }))
}
