//! Chairs decide: one proposal, or many at once (not yet visible to the speakers), and the
//! decision trail.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::CurrentUser;
use crate::accounts::policy::{ProposalAccess, event_access, proposal_access};
use crate::db::decisions as db;
use crate::db::events::Event;
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::domain::rules::DECISION_NOTE;
use crate::domain::{Decision, ProposalId, ProposalState, Transition};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::proposals::{ProposalView, Viewer};
use crate::state::AppState;

fn parse_decision(text: &str) -> AppResult<Decision> {
    Decision::parse(text).ok_or_else(|| {
        AppError::Validation(FieldErrors::single(
            "decision",
            "must be \"accept\", \"reject\" or \"waitlist\"",
        ))
    })
}

fn parse_note(note: &str) -> AppResult<String> {
    DECISION_NOTE
        .clean(note)
        .map_err(|e| AppError::Validation(FieldErrors::single("note", e.to_string())))
}

/// Records a chair's decision (not yet visible to the speakers), audited before → after.
async fn decide_locked(
    conn: &mut AsyncPgConnection,
    chair: &CurrentUser,
    proposal: &Proposal,
    decision: Decision,
    note: &str,
) -> AppResult<Proposal> {
    proposal
        .state
        .after(Transition::Decide)
        .map_err(|refused| AppError::conflict("decision", &refused.to_string()))?;
    let updated = db::set_decision(conn, proposal.id, decision, note, Some(chair.id)).await?;
    db::audit(
        conn,
        db::AuditEntry {
            proposal_id: proposal.id,
            actor: Some(chair.id),
            action: "decide",
            before: proposal.decision.map(Decision::as_str),
            after: decision.as_str(),
            note,
        },
    )
    .await?;
    Ok(updated)
}

/// `PUT /proposals/{id}/decision`: one proposal, one transaction.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, proposal.id = %proposal_id))]
pub async fn decide(
    state: &AppState,
    chair: &CurrentUser,
    proposal_id: ProposalId,
    decision: &str,
    note: &str,
) -> AppResult<ProposalView> {
    let decision = parse_decision(decision)?;
    let note = parse_note(note)?;
    let mut conn = state.pool.get().await?;
    let chair = chair.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        let (proposal, event) = crate::proposals::lock_with_event(conn, proposal_id).await?;
        if proposal_access(conn, &event, &proposal, &chair)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound);
        }
        event_access(conn, &event, &chair).await?.require_manage()?;
        let updated = decide_locked(conn, &chair, &proposal, decision, &note).await?;
        tracing::info!(proposal = %proposal.id, decision = decision.as_str(), "decided");
        crate::proposals::view(conn, &event, &updated, Viewer::Chair).await
    })
    .await
}

/// Which proposals a bulk decision covers.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkDecision {
    /// These proposals of the event…
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub proposal_ids: Vec<uuid::Uuid>,
    /// …or every active proposal of this track (e.g. "reject the rest of the track"); one of
    /// the two, not both.
    pub track: Option<String>,
    /// Only proposals without a decision yet.
    #[serde(default)]
    pub undecided_only: bool,
    /// `accept`, `reject` or `waitlist`
    #[schema(value_type = Decision)]
    pub decision: String,
    #[serde(default)]
    #[schema(schema_with = crate::domain::schema::decision_note)]
    pub note: String,
}

/// Decides many proposals at once, in one transaction; returns how many were decided.
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn decide_many(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    request: BulkDecision,
) -> AppResult<usize> {
    let decision = parse_decision(&request.decision)?;
    let note = parse_note(&request.note)?;
    if request.proposal_ids.is_empty() == request.track.is_none() {
        return Err(AppError::Validation(FieldErrors::single(
            "proposal_ids",
            "name the proposals, or a track (not both)",
        )));
    }
    if request.proposal_ids.len() > 1000 {
        return Err(AppError::Validation(FieldErrors::single(
            "proposal_ids",
            "at most 1000 at once",
        )));
    }
    let mut conn = state.pool.get().await?;
    let (chair, event_id) = (chair.clone(), event.id);
    conn.transaction::<_, AppError, _>(async move |conn| {
        // the event before its proposals, as every writer takes them (db::reviews::lock_event)
        crate::db::reviews::lock_event(conn, event_id).await?;
        let chosen: Vec<Proposal> = match request.track.as_deref() {
            Some(track) => {
                let decidable: Vec<ProposalState> = ProposalState::ALL
                    .into_iter()
                    .filter(|s| s.allows(Transition::Decide))
                    .collect();
                proposals_db::in_states(conn, event_id, &decidable, Some(track)).await?
            }
            None => {
                let ids: Vec<ProposalId> = request
                    .proposal_ids
                    .iter()
                    .copied()
                    .map(ProposalId)
                    .collect();
                let found = proposals_db::of_event_by_ids(conn, event_id, &ids).await?;
                let mut chosen = Vec::with_capacity(ids.len());
                for id in &ids {
                    match found.iter().find(|p| p.id == *id) {
                        Some(p) => chosen.push(p.clone()),
                        None => {
                            return Err(AppError::Validation(FieldErrors::single(
                                "proposal_ids",
                                format!("{id} is not a proposal of this event"),
                            )));
                        }
                    }
                }
                chosen
            }
        };
        let mut decided = 0;
        for proposal in chosen {
            if request.undecided_only && proposal.decision.is_some() {
                continue;
            }
            let locked = proposals_db::find_for_update(conn, proposal.id)
                .await?
                .ok_or(AppError::NotFound)?;
            // judged on the locked row: a decision taken meanwhile is not overwritten
            if !locked.state.allows(Transition::Decide)
                || (request.undecided_only && locked.decision.is_some())
            {
                continue;
            }
            decide_locked(conn, &chair, &locked, decision, &note).await?;
            decided += 1;
        }
        tracing::info!(decided, decision = decision.as_str(), "bulk decision");
        Ok(decided)
    })
    .await
}

/// The decision trail of a proposal, for its chairs.
#[tracing::instrument(skip_all, fields(user.id = %user.id, event.slug = %event.slug))]
pub async fn history(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    proposal: &Proposal,
    event: &Event,
) -> AppResult<Vec<db::AuditRow>> {
    match proposal_access(conn, event, proposal, user).await? {
        Some(ProposalAccess::Chair) => Ok(db::audit_of(conn, proposal.id).await?),
        Some(_) => Err(AppError::forbidden()),
        None => Err(AppError::NotFound),
    }
}
