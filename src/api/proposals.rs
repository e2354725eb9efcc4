//! Proposals: submit, list, read, edit, withdraw; co-speaker invitations.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::ApiJson;
use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, event_access};
use crate::db::events::{self, Event};
use crate::db::paging::{Page, encode_cursor, parse_params};
use crate::db::proposals::{self as db, ListFilter, ListScope};
use crate::domain::{ProposalId, ProposalSort, ProposalState, SearchText};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::http::ChairedEvent;
use crate::proposals::{
    self, EditPrecondition, ProposalFields, ProposalView, Viewer, visible_proposal,
};
use crate::review::{ChairList, SimilarityCache, chair_page, similar_proposals};
use crate::state::AppState;

/// `?sort=` of the proposal list, as the OpenAPI document shows it (the handler parses it as a
/// `ProposalSort`): a key, `-` in front for descending.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum ProposalListSort {
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "title")]
    Title,
    #[serde(rename = "-title")]
    TitleDesc,
    #[serde(rename = "calibrated")]
    Calibrated,
    #[serde(rename = "-calibrated")]
    CalibratedDesc,
    #[serde(rename = "mean")]
    Mean,
    #[serde(rename = "-mean")]
    MeanDesc,
    #[serde(rename = "reviews")]
    Reviews,
    #[serde(rename = "-reviews")]
    ReviewsDesc,
    #[serde(rename = "confidence")]
    Confidence,
    #[serde(rename = "-confidence")]
    ConfidenceDesc,
}

/// Proposals, their tags and co-speaker invitations; inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/events/{slug}/proposals", web::post().to(create));
    cfg.route("/events/{slug}/proposals", web::get().to(list));
    cfg.route("/proposals/{id}", web::get().to(get));
    cfg.route("/proposals/{id}", web::patch().to(patch));
    cfg.route("/proposals/{id}/withdraw", web::post().to(withdraw));
    cfg.route("/proposals/{id}/submit", web::post().to(submit));
    cfg.route("/proposals/{id}/track", web::put().to(put_track));
    cfg.route(
        "/events/{slug}/tag-corrections.csv",
        web::get().to(tag_corrections_csv),
    );
    cfg.route("/invitations/accept", web::post().to(accept_invitation));
    cfg.route(
        "/proposals/{id}/co-speakers/{invitation_id}/resend",
        web::post().to(resend_invitation),
    );
}

async fn event_by_slug(conn: &mut diesel_async::AsyncPgConnection, slug: &str) -> AppResult<Event> {
    events::find_by_slug(conn, slug)
        .await?
        .ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/api/v1/events/{slug}/proposals", tag = "proposals", request_body = ProposalFields,
    params(("slug" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[!-~](?:[\t -~]{0,198}[!-~])?$",
            description = "1–200 characters of visible ASCII (spaces and tabs inside): a repeat with the same key and body replays the first response for 24 h; the same key with another body is a 422")),
    responses((status = 201, body = ProposalView), (status = 401), (status = 403, description = "the CfP is closed"),
        (status = 404), (status = 409, description = "per-speaker limit reached"), (status = 422), (status = 429)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    slug: web::Path<String>,
    body: ApiJson<ProposalFields>,
) -> AppResult<HttpResponse> {
    let idempotency_key = super::idempotency_key(&req)?;
    let event = {
        let mut conn = state.pool.get().await?;
        event_by_slug(&mut conn, &slug).await?
    };
    // A replay is not a new submission: only count requests that may create something.
    state
        .submit_limiter
        .check_key(&user.id.to_string(), "submit")?;
    let outcome =
        proposals::create(&state, &user, &event, body.0, idempotency_key.as_deref()).await?;
    let status =
        actix_web::http::StatusCode::from_u16(outcome.status).map_err(AppError::internal)?;
    Ok(HttpResponse::build(status).json(outcome.body))
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub track: Option<String>,
    /// `true`: only proposals whose tag needs a human look (unsure tagger, or the speaker disagrees).
    pub needs_check: Option<String>,
    pub state: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    /// Chairs: a full-text search over titles, abstracts and speakers' names.
    pub q: Option<String>,
    /// Chairs: the order (`-` in front for descending).
    pub sort: Option<String>,
    /// Chairs: `<key>:<option>`, only proposals whose answer to that choice question is (or
    /// includes) the option.
    pub answer: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/proposals", tag = "proposals",
    params(("slug" = String, Path),
        ("track" = Option<String>, Query, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$", description = "only this track's proposals"),
        ("needs_check" = Option<String>, Query, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$",
            description = "`true`: only proposals whose tag needs a human look (unsure tagger, or the speaker disagrees); any other value: no filter"),
        ("state" = Option<ProposalState>, Query),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "50 when absent"),
        ("cursor" = Option<String>, Query, pattern = "^[A-Za-z0-9_-]*$", description = "the previous page's `next_cursor` (of the same `sort`)"),
        ("q" = Option<String>, Query, pattern = r"^[^\x00-\x1F\x7F-\x9F]{0,200}$",
            description = "chairs only: a full-text search over titles, abstracts and speakers' names \
            (up to 200 characters; `\"quoted phrase\"`, `or` and `-word` as on a search engine; \
            plain words also match as prefixes, so `ada lov` finds Ada Lovelace)"),
        ("sort" = inline(Option<ProposalListSort>), Query,
            description = "chairs only: the order, `-` in front for descending (`created_at`, the default, is oldest first); \
            proposals without a value (no reviews, withdrawn, no tag) come last either way"),
        ("answer" = Option<String>, Query, pattern = r"^([a-z][a-z0-9_]{0,39}:[^\x00-\x1F\x7F-\x9F]{1,100})?$",
            description = "chairs only: `<key>:<option>` (empty: no filter), only proposals whose answer to that choice or multiple-choice question is (or includes) the option; 422 naming `answer` for a key that is no such question of the event or an option it does not have")),
    responses((status = 200, body = Page<ProposalView>, description = "a speaker sees their own, a chair all"), (status = 401),
        (status = 403, description = "`q`, `sort` or `answer` from someone who is not a chair of the event"),
        (status = 404, description = "no such event"), (status = 422, description = "a bad parameter, named; \
        `q` or `sort` from someone who does not chair the event")))]
pub async fn list(
    state: web::Data<AppState>,
    cache: web::Data<crate::review::RankingCache>,
    user: CurrentUser,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> AppResult<web::Json<Page<ProposalView>>> {
    let mut errors = FieldErrors::new();
    let search = errors
        .check("q", SearchText::parse(query.q.as_deref()))
        .flatten();
    let sort = errors
        .check("sort", ProposalSort::parse(query.sort.as_deref()))
        .unwrap_or_default();
    let (limit, after) = parse_params(
        query.limit.as_deref(),
        // a sorted list has its own cursors (`review::chair_page` reads them)
        query
            .cursor
            .as_deref()
            .filter(|_| sort == ProposalSort::default()),
        &mut errors,
    );
    errors.into_result()?;
    let after = after.map(|(at, id)| (at, ProposalId(id)));
    let state_filter = match query.state.as_deref() {
        None => None,
        Some(text) => Some(ProposalState::parse(text).ok_or_else(|| {
            let states = ProposalState::ALL.map(ProposalState::as_str);
            AppError::Validation(FieldErrors::single(
                "state",
                format!("must be one of: {}", states.join(", ")),
            ))
        })?),
    };
    let mut conn = state.pool.get().await?;
    let event = event_by_slug(&mut conn, &slug).await?;
    let access = event_access(&mut conn, &event, &user).await?;
    let filter = ListFilter {
        track: query.track.as_deref(),
        state: state_filter,
        needs_check: query.needs_check.as_deref() == Some("true"),
        after,
        // one more than asked tells whether there is a next page
        limit: limit + 1,
    };
    // a reviewer who also speaks sees their own proposals as a speaker, the rest as a reviewer
    let mut own: Vec<ProposalId> = Vec::new();
    if access.can_manage() {
        let questions = event.questions();
        let answer = match query.answer.as_deref() {
            None | Some("") => None,
            Some(text) => Some(
                crate::domain::questions::parse_answer_filter(text, &questions).map_err(
                    |message| AppError::Validation(FieldErrors::single("answer", message)),
                )?,
            ),
        };
        let list = ChairList {
            answer: answer.as_ref().map(|(k, o)| (k.as_str(), o.as_str())),
            track: filter.track,
            state: filter.state,
            needs_check: filter.needs_check,
            search: search.as_ref(),
            only_disagreements: false,
            only_missing: false,
            sort,
            cursor: query.cursor.as_deref(),
            limit,
        };
        let ranked = match list.needs_ranking() {
            true => Some(cache.ranked(&mut conn, &event).await?),
            false => None,
        };
        let (rows, next_cursor) = chair_page(&mut conn, &event, ranked.as_deref(), &list).await?;
        let items = proposals::views(&mut conn, &event, &rows, Viewer::Chair).await?;
        return Ok(web::Json(Page { items, next_cursor }));
    }
    if search.is_some() || sort != ProposalSort::default() || query.answer.is_some() {
        return Err(AppError::Forbidden(
            "only the event's chairs may search (q), sort (sort) or filter by answer (answer) this list"
                .into(),
        ));
    }
    let (mut rows, viewer) = if access.is_reviewer() {
        own = db::list_for_speaker(&mut conn, user.id)
            .await?
            .into_iter()
            .filter(|(p, _, _)| p.event_id == event.id)
            .map(|(p, _, _)| p.id)
            .collect();
        let rows = crate::review::reviewer_list(&mut conn, &event, user.id, &own, filter).await?;
        (rows, Viewer::of(ProposalAccess::Reviewer, &event))
    } else {
        let rows = db::list(&mut conn, event.id, ListScope::SpeakerOf(user.id), filter).await?;
        (rows, Viewer::Speaker)
    };
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|p| encode_cursor(p.created_at, p.id.0))
    } else {
        None
    };
    if own.is_empty() {
        let items = proposals::views(&mut conn, &event, &rows, viewer).await?;
        return Ok(web::Json(Page { items, next_cursor }));
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let viewer = if own.contains(&row.id) {
            Viewer::Speaker
        } else {
            viewer
        };
        items.push(proposals::view(&mut conn, &event, row, viewer).await?);
    }
    Ok(web::Json(Page { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "proposals", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "with `ETag: \"<version>\"` (strong): send it back in `If-Match` when you PATCH",
            headers(("ETag" = String, description = "the proposal's version, e.g. `\"3\"`: send it back in `If-Match` when you PATCH"))),
        (status = 401), (status = 404)))]
pub async fn get(
    state: web::Data<AppState>,
    similarity: web::Data<SimilarityCache>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    // a draft is its speaker's only: anyone else gets the 404 of no proposal at all
    if let Some((draft, event)) = proposals::own_draft(&mut conn, &user, *id).await? {
        return Ok(with_etag(proposals::draft_view(&event, &draft, &user)));
    }
    let (proposal, event, access) = visible_proposal(&mut conn, &user, *id).await?;
    let viewer = Viewer::of(access, &event);
    let mut view = proposals::view(&mut conn, &event, &proposal, viewer).await?;
    if viewer == Viewer::Chair {
        view.similar =
            Some(similar_proposals(&similarity, &mut conn, event.id, proposal.id).await?);
    }
    Ok(with_etag(view))
}

/// 200 with the proposal and its version as a strong `ETag`.
fn with_etag(view: ProposalView) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::ETAG,
            EntityTag::new_strong(view.version.to_string()),
        ))
        .json(view)
}

/// Reads `If-Match` (RFC 9110 13.1.1): absent or `*` is no condition; otherwise the list of
/// entity tags, compared strongly (a weak tag, or a tag that is not one of our versions, never
/// matches). Anything that is not an entity tag list is a 400 naming the header.
pub(super) fn if_match(req: &HttpRequest) -> AppResult<EditPrecondition> {
    let malformed = || {
        AppError::BadRequest(
            "the If-Match header must be `*` or a list of entity tags such as `\"3\"` \
             (the ETag of the proposal as you read it)"
                .into(),
        )
    };
    let mut versions = Vec::new();
    let mut any_header = false;
    let mut any_version = false;
    for value in req.headers().get_all(header::IF_MATCH) {
        any_header = true;
        let text = value.to_str().map_err(|_| malformed())?;
        for item in text.split(',').map(str::trim) {
            // `*` matches any version, but the rest of the list must still be well-formed
            if item == "*" {
                any_version = true;
                continue;
            }
            let (weak, quoted) = match item.strip_prefix("W/") {
                Some(rest) => (true, rest),
                None => (false, item),
            };
            let tag = quoted
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .filter(|t| !t.contains('"'))
                .ok_or_else(malformed)?;
            if !weak && let Ok(version) = tag.parse::<i64>() {
                versions.push(version);
            }
        }
    }
    if !any_header || any_version {
        return Ok(EditPrecondition::Any);
    }
    Ok(EditPrecondition::Versions(versions))
}

#[utoipa::path(patch, path = "/api/v1/proposals/{id}", tag = "proposals", request_body = ProposalFields,
    params(("id" = uuid::Uuid, Path),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^[\t ]*(?:\*|(?:W/)?"[\t !#-~]*")(?:[\t ]*,[\t ]*(?:\*|(?:W/)?"[\t !#-~]*"))*[\t ]*$"#,
            description = "the ETag of the proposal as you read it (e.g. `\"3\"`); \
            the edit applies only if nobody changed the proposal since, else 412. Clients should send it: \
            without it (or with `*`) the edit overwrites whatever is current")),
    responses((status = 200, body = ProposalView, description = "with `ETag: \"<version>\"`, the new version",
            headers(("ETag" = String, description = "the proposal's new version"))),
        (status = 400, description = "a malformed If-Match header"),
        (status = 403, description = "the CfP is closed"), (status = 404), (status = 409),
        (status = 412, description = "the proposal changed since the version in If-Match; the problem names the current version"),
        (status = 422)))]
pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
    body: ApiJson<ProposalFields>,
) -> AppResult<HttpResponse> {
    let precondition = if_match(&req)?;
    let view = proposals::update(&state, &user, *id, body.0, precondition).await?;
    Ok(with_etag(view))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/withdraw", tag = "proposals", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "with `ETag: \"<version>\"`; withdrawing a draft deletes it (the answer shows it `withdrawn`, a GET afterwards is a 404)", headers(("ETag" = String, description = "the proposal's version"))), (status = 404), (status = 409)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<HttpResponse> {
    let view = crate::decisions::promotion::withdraw(&state, &user, *id).await?;
    Ok(with_etag(view))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/submit", tag = "proposals", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "the draft is submitted (`state: \"submitted\"`, same id): tagged, the receipt and the co-speakers' invitations emailed, as a direct submission",
            headers(("ETag" = String, description = "the proposal's version"))),
        (status = 401), (status = 403, description = "the CfP is closed"),
        (status = 404, description = "no draft or proposal of the caller's with this id"),
        (status = 409, description = "not a draft (submitted already), or the per-speaker limit is reached"),
        (status = 422, description = "a required field is missing or invalid: the problem names each"), (status = 429)))]
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
) -> AppResult<HttpResponse> {
    state
        .submit_limiter
        .check_key(&user.id.to_string(), "submit")?;
    let view = proposals::submit_draft(&state, &user, *id).await?;
    Ok(with_etag(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct InvitationAccept {
    #[schema(schema_with = crate::domain::schema::invitation_token)]
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "proposals", request_body = InvitationAccept,
    responses((status = 200, body = ProposalView), (status = 409), (status = 422)))]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<InvitationAccept>,
) -> AppResult<web::Json<ProposalView>> {
    let proposal_id = proposals::accept_invitation(&state, user.id, &body.0.token).await?;
    let mut conn = state.pool.get().await?;
    let (proposal, event, _) = visible_proposal(&mut conn, &user, proposal_id).await?;
    Ok(web::Json(
        proposals::view(&mut conn, &event, &proposal, Viewer::Speaker).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/proposals/{id}/co-speakers/{invitation_id}/resend", tag = "proposals",
    params(("id" = uuid::Uuid, Path),
        ("invitation_id" = uuid::Uuid, Path, description = "an id of the proposal's `co_speaker_invitations`")),
    responses((status = 200, body = proposals::CoSpeakerInvitationView,
            description = "the invitation was sent again with a fresh link; the link sent before no longer works"),
        (status = 401),
        (status = 403, description = "the caller may see the proposal but is not one of its speakers"),
        (status = 404, description = "no such proposal for the caller, or no such invitation of it"),
        (status = 409, description = "the invitation was accepted already, or the proposal is withdrawn")))]
pub async fn resend_invitation(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(ProposalId, uuid::Uuid)>,
) -> AppResult<web::Json<proposals::CoSpeakerInvitationView>> {
    let (id, invitation_id) = path.into_inner();
    let invitation = proposals::resend_invitation(&state, &user, id, invitation_id).await?;
    Ok(web::Json((&invitation).into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TrackOverride {
    /// A track key; null removes the override (back to the speaker's choice or the tag).
    #[schema(schema_with = override_track_schema)]
    pub track: Option<String>,
    /// Keys of the track's subtopics (none without a track).
    #[serde(default)]
    #[schema(schema_with = subtopics_schema)]
    pub subtopics: Vec<String>,
}

fn override_track_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::domain::schema::track_choice().description(Some(
        "the key of one of the event's tracks; null or blank removes the override (back to the \
         speaker's choice or the tag)",
    ))
}

fn subtopics_schema() -> utoipa::openapi::schema::ArrayBuilder {
    crate::domain::schema::key_list()
        .description(Some("keys of the track's subtopics; none without a track"))
}

#[utoipa::path(put, path = "/api/v1/proposals/{id}/track", tag = "proposals", request_body = TrackOverride, params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProposalView, description = "tags.source is `chair`"), (status = 403), (status = 404), (status = 422)))]
pub async fn put_track(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ProposalId>,
    body: ApiJson<TrackOverride>,
) -> AppResult<HttpResponse> {
    let body = body.0;
    let view = proposals::override_track(&state, &user, *id, body.track, body.subtopics).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, path = "/api/v1/events/{slug}/tag-corrections.csv", tag = "proposals", params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", description = "the chairs' track corrections as labelled examples"), (status = 403), (status = 404)))]
pub async fn tag_corrections_csv(
    state: web::Data<AppState>,
    ChairedEvent { event, .. }: ChairedEvent,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let rows = db::tag_corrections_of(&mut conn, event.id).await?;
    Ok(crate::http::csv_download(
        &format!("{}-tag-corrections.csv", event.slug),
        proposals::corrections_csv(&rows),
    ))
}
