//! Writing a review and reading a proposal's reviews as the caller may see them (database).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, proposal_access, review_standing};
use crate::db::events::Event;
use crate::db::proposals::Proposal;
use crate::db::reviews::{self as db, ReviewInput};
use crate::domain::rules::REVIEW_COMMENT;
use crate::domain::{ProposalId, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// On the event's scale, `score_min` to `score_max` (within 0–10). Required when the event
    /// has no review criteria; with criteria it is computed (their weighted mean, rounded) and
    /// a score sent is ignored.
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 0, maximum = 10)]
    pub score: Option<i16>,
    /// When the event has review criteria: a score on the event's scale for each criterion,
    /// by key (every criterion, no other key). 422 names `criteria.<key>`.
    #[serde(
        default,
        deserialize_with = "crate::domain::whole_number::optional_map"
    )]
    #[schema(value_type = Option<HashMap<String, i64>>)]
    pub criteria: Option<std::collections::BTreeMap<String, i64>>,
    /// 1 (not my area) to 3 (I know this area well).
    #[serde(deserialize_with = "crate::domain::whole_number::required")]
    #[schema(minimum = 1, maximum = 3)]
    pub confidence: i16,
    #[serde(default)]
    #[schema(schema_with = crate::domain::schema::review_comment)]
    pub comment_for_chairs: String,
    /// May be sent to the speakers with the decision, if the chairs choose.
    #[serde(default)]
    #[schema(schema_with = comment_for_speakers_schema)]
    pub comment_for_speakers: String,
}

fn comment_for_speakers_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::domain::schema::text(
        crate::domain::rules::REVIEW_COMMENT,
        false,
        "may be sent to the speakers with the decision, if the chairs choose",
    )
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: uuid::Uuid,
    pub proposal_id: uuid::Uuid,
    pub reviewer_id: uuid::Uuid,
    pub reviewer_name: String,
    /// The reviewer is no longer a member of the event; the review stays.
    pub former_reviewer: bool,
    /// Written by the caller.
    pub mine: bool,
    /// With criteria: their weighted mean, rounded to a whole number (halves up).
    pub score: i16,
    pub score_label: Option<String>,
    /// Per-criterion scores `{key: score}` when the event had criteria at the review's last
    /// save; null for a single-score review.
    #[schema(value_type = Option<HashMap<String, i16>>)]
    pub criteria: Option<serde_json::Value>,
    pub confidence: i16,
    pub comment_for_chairs: String,
    pub comment_for_speakers: String,
    /// How many versions the review has had (every change is kept).
    pub versions: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewsView {
    pub items: Vec<ReviewView>,
    /// Reviews not shown because the caller has not submitted their own yet.
    pub hidden: usize,
}

fn review_view(
    event: &Event,
    review: &db::Review,
    reviewer_name: String,
    former: bool,
    versions: i64,
    viewer: UserId,
) -> ReviewView {
    ReviewView {
        id: review.id,
        proposal_id: review.proposal_id.0,
        reviewer_id: review.reviewer_id.0,
        reviewer_name,
        former_reviewer: former,
        mine: review.reviewer_id == viewer,
        score: review.score,
        score_label: crate::review::score_label(event.score_min, event.score_max, review.score)
            .map(str::to_owned),
        criteria: review.criteria.clone(),
        confidence: review.confidence,
        comment_for_chairs: review.comment_for_chairs.clone(),
        comment_for_speakers: review.comment_for_speakers.clone(),
        versions,
        created_at: review.created_at,
        updated_at: review.updated_at,
    }
}

/// Writes or changes the caller's review; only while reviewing is open, only by a member who may
/// review the proposal. Every version is kept.
#[tracing::instrument(skip_all, fields(user.id = %user.id, proposal.id = %proposal_id))]
pub async fn save_review(
    state: &AppState,
    user: &CurrentUser,
    proposal_id: ProposalId,
    request: ReviewRequest,
) -> AppResult<ReviewView> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) =
            crate::accounts::proposal_access::lock_with_event(conn, proposal_id).await?;
        let access = proposal_access(conn, &event, &proposal, &user).await?;
        let standing = review_standing(conn, &event, &proposal, &user).await?;
        if !standing.may_review(&event, &proposal) {
            return Err(match access {
                None => AppError::NotFound,
                Some(_) if standing.conflict.is_some() => {
                    AppError::Forbidden("you are conflicted with this proposal".into())
                }
                Some(_) => AppError::Forbidden(
                    "only reviewers assigned to this proposal may review it".into(),
                ),
            });
        }
        if !event.review_open_at(Utc::now()) {
            return Err(AppError::Forbidden(
                "reviewing is not open for this event".into(),
            ));
        }
        let mut errors = FieldErrors::new();
        let criteria = crate::review::criteria_of(&event);
        let mut score = request.score.unwrap_or(i16::MIN);
        let mut per_criterion = None;
        if criteria.is_empty() {
            if request.criteria.as_ref().is_some_and(|c| !c.is_empty()) {
                errors.add(
                    "criteria",
                    "this event has no review criteria: send a score",
                );
            }
            if !(event.score_min..=event.score_max).contains(&score) {
                errors.add(
                    "score",
                    format!(
                        "must be a whole number from {} to {}",
                        event.score_min, event.score_max
                    ),
                );
            }
        } else {
            let empty = std::collections::BTreeMap::new();
            match crate::review::check_scores(
                &event,
                &criteria,
                request.criteria.as_ref().unwrap_or(&empty),
            ) {
                Ok((kept, weighted)) => {
                    score = weighted;
                    per_criterion = Some(serde_json::to_value(kept).map_err(AppError::internal)?);
                }
                Err(criteria_errors) => {
                    for (field, messages) in criteria_errors.0 {
                        for message in messages {
                            errors.add(&field, message);
                        }
                    }
                }
            }
        }
        if !(1..=3).contains(&request.confidence) {
            errors.add("confidence", "must be 1, 2 or 3");
        }
        let for_chairs = errors.check(
            "comment_for_chairs",
            REVIEW_COMMENT.clean(&request.comment_for_chairs),
        );
        let for_speakers = errors.check(
            "comment_for_speakers",
            REVIEW_COMMENT.clean(&request.comment_for_speakers),
        );
        errors.into_result()?;
        let input = ReviewInput {
            score,
            criteria: per_criterion.as_ref(),
            confidence: request.confidence,
            comment_for_chairs: for_chairs.as_deref().unwrap_or_default(),
            comment_for_speakers: for_speakers.as_deref().unwrap_or_default(),
        };
        let (review, created) = db::upsert_review(conn, proposal.id, user.id, &input).await?;
        let versions = db::version_counts(conn, &[review.id])
            .await?
            .first()
            .map_or(1, |(_, n)| *n);
        tracing::info!(proposal = %proposal.id, reviewer = %user.id, created, "review saved");
        Ok(review_view(
            &event,
            &review,
            user.name.clone(),
            false,
            versions,
            user.id,
        ))
    })
    .await
}

/// The proposal's reviews as the caller may see them: chairs all; a reviewer their own, and the
/// others' only once they have submitted theirs; speakers none (403), anyone else 404.
#[tracing::instrument(skip_all, fields(user.id = %user.id, event.slug = %event.slug))]
pub async fn reviews_for(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    proposal: &Proposal,
    event: &Event,
) -> AppResult<ReviewsView> {
    let access = proposal_access(conn, event, proposal, user)
        .await?
        .ok_or(AppError::NotFound)?;
    if access == ProposalAccess::Speaker {
        return Err(AppError::Forbidden(
            "reviews are for the reviewers and chairs".into(),
        ));
    }
    let rows = db::reviews_of_proposal(conn, proposal.id).await?;
    let members: HashSet<UserId> = db::member_identities(conn, event.id)
        .await?
        .into_iter()
        .map(|m| m.0.id)
        .collect();
    let ids: Vec<uuid::Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    let versions: HashMap<uuid::Uuid, i64> =
        db::version_counts(conn, &ids).await?.into_iter().collect();
    let submitted_own = rows.iter().any(|(r, _)| r.reviewer_id == user.id);
    let sees_all = access == ProposalAccess::Chair || submitted_own;
    let (shown, hidden): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|(r, _)| sees_all || r.reviewer_id == user.id);
    Ok(ReviewsView {
        hidden: hidden.len(),
        items: shown
            .into_iter()
            .map(|(r, name)| {
                let former = !members.contains(&r.reviewer_id);
                let n = versions.get(&r.id).copied().unwrap_or(1);
                review_view(event, &r, name, former, n, user.id)
            })
            .collect(),
    })
}
