//! Waitlist promotion: a place an accepted talk frees (declined, withdrawn before its release, or
//! lapsed past `confirm_by`) is recorded as a vacancy in the transaction that frees it; then, per
//! the event's `waitlist_promotion`, nothing more (`off`), a suggestion the chairs accept in one
//! click (`suggest`), or the best candidate accepted and released at once (`auto`). The
//! candidate is the best-ranked (calibrated ranking) waitlisted talk of the same track whose
//! format fits the freed minutes. Its acceptance goes through the release's own path, so its
//! speakers get one acceptance email each, deduplicated like any release.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::release::{Wording, release_one};
use crate::accounts::CurrentUser;
use crate::db::decisions as decisions_db;
use crate::db::events::{self, Event};
use crate::db::promotion::{self as db, NewVacancy, Vacancy};
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::domain::{Decision, ProposalId, ProposalState, UserId};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::review::RankedEvent;
use crate::state::AppState;

/// The values of `waitlist_promotion`.
pub const MODES: [&str; 3] = ["off", "suggest", "auto"];

/// Why a place was freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Declined,
    Withdrawn,
    Lapsed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Declined => "declined",
            Reason::Withdrawn => "withdrawn",
            Reason::Lapsed => "lapsed",
        }
    }
}

pub use super::emails::MailContext;

/// A format's minutes in the event (0 for a format the event no longer has: nothing fits).
fn format_minutes(event: &Event, format: &str) -> i32 {
    event
        .formats()
        .into_iter()
        .find(|f| f.key == format)
        .map_or(0, |f| f.minutes)
}

/// Records the place `freed` gives up, in the caller's transaction (which holds the event's
/// lock), and in `auto` mode fills it at once. Once per proposal: a second call does nothing.
pub async fn free_place(
    conn: &mut AsyncPgConnection,
    mail: MailContext<'_>,
    event: &Event,
    freed: &Proposal,
    reason: Reason,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let minutes = match crate::db::programme::item_minutes(conn, freed.id).await? {
        Some(placed) => placed,
        None => format_minutes(event, &freed.format),
    };
    let Some(vacancy) = db::insert_vacancy(
        conn,
        NewVacancy {
            event_id: event.id,
            freed: freed.id,
            reason: reason.as_str(),
            track: freed.track(),
            minutes,
            at: now,
        },
    )
    .await?
    else {
        return Ok(());
    };
    let (mode, _) = db::settings_of(conn, event.id).await?;
    tracing::info!(proposal = %freed.id, reason = reason.as_str(), mode, "a place was freed");
    if mode == "auto" {
        let suggested = suggestions(conn, event, std::slice::from_ref(&vacancy), None).await?;
        if let Some(Some(candidate)) = suggested.into_iter().next() {
            promote_locked(
                conn,
                mail,
                event,
                &vacancy,
                &freed.title,
                candidate.id,
                None,
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// The best candidate for each vacancy, in a constant number of queries: the waitlisted talks,
/// the ranking (computed in the caller's transaction unless given, e.g. the dashboard's cached
/// one), nothing per vacancy. A talk is suggested for one vacancy at most (the oldest).
pub async fn suggestions(
    conn: &mut AsyncPgConnection,
    event: &Event,
    vacancies: &[Vacancy],
    ranked: Option<&RankedEvent>,
) -> AppResult<Vec<Option<Proposal>>> {
    if vacancies.is_empty() {
        return Ok(Vec::new());
    }
    let waitlisted = db::waitlisted(conn, event.id).await?;
    if waitlisted.is_empty() {
        return Ok(vec![None; vacancies.len()]);
    }
    let computed;
    let ranked = match ranked {
        Some(ranked) => ranked,
        None => {
            let key = crate::db::ranking::ranking_key(conn, event.id)
                .await?
                .ok_or(AppError::NotFound)?;
            computed = crate::review::compute_ranking(conn, event, key).await?;
            &computed
        }
    };
    // best first: the calibrated ranking's position; unranked ones last, oldest first
    let mut candidates: Vec<(usize, i32, Proposal)> = waitlisted
        .into_iter()
        .map(|p| {
            let position = ranked.position(p.id).unwrap_or(usize::MAX);
            (position, format_minutes(event, &p.format), p)
        })
        .collect();
    candidates.sort_by_key(|(position, _, _)| *position);
    let mut taken = vec![false; candidates.len()];
    Ok(vacancies
        .iter()
        .map(|v| {
            let found = candidates
                .iter()
                .enumerate()
                .position(|(i, (_, minutes, p))| {
                    !taken[i]
                        && *minutes > 0
                        && *minutes <= v.minutes
                        && p.track() == v.track.as_deref()
                })?;
            taken[found] = true;
            Some(candidates[found].2.clone())
        })
        .collect())
}

/// Accepts and releases `candidate` into the vacancy, in the caller's transaction holding the
/// event's lock: audited (by `actor`, or "waitlist promotion" when None), its speakers emailed
/// through the release's path, the freed programme item handed over, the vacancy closed.
#[allow(clippy::too_many_arguments)]
async fn promote_locked(
    conn: &mut AsyncPgConnection,
    mail: MailContext<'_>,
    event: &Event,
    vacancy: &Vacancy,
    freed_title: &str,
    candidate: ProposalId,
    actor: Option<UserId>,
    now: DateTime<Utc>,
) -> AppResult<Proposal> {
    let proposal = proposals_db::find_for_update(conn, candidate)
        .await?
        .filter(|p| p.event_id == event.id)
        .ok_or_else(|| {
            AppError::Validation(FieldErrors::single(
                "proposal_id",
                "is not a proposal of this event",
            ))
        })?;
    if proposal.state != ProposalState::Waitlisted || proposal.decision != Some(Decision::Waitlist)
    {
        return Err(AppError::conflict(
            "proposal_id",
            "the proposal is not on the waitlist (any more)",
        ));
    }
    let minutes = format_minutes(event, &proposal.format);
    if let Some(cap) = event.slot_minutes {
        let formats = event.formats();
        let held: i64 = db::accepted_formats(conn, event.id)
            .await?
            .into_iter()
            .map(|(format, n)| {
                n * i64::from(
                    formats
                        .iter()
                        .find(|f| f.key == format)
                        .map_or(0, |f| f.minutes),
                )
            })
            .sum();
        if held + i64::from(minutes) > i64::from(cap) {
            return Err(AppError::conflict(
                "proposal_id",
                "accepting it would exceed the programme's minutes (slot_minutes)",
            ));
        }
    }
    let note = format!(
        "waitlist promotion: freed by “{freed_title}” ({})",
        vacancy.reason
    );
    let accepted =
        decisions_db::set_decision(conn, proposal.id, Decision::Accept, &note, actor).await?;
    decisions_db::audit(
        conn,
        decisions_db::AuditEntry {
            proposal_id: proposal.id,
            actor,
            action: "promote",
            before: Some(Decision::Waitlist.as_str()),
            after: Decision::Accept.as_str(),
            note: &note,
        },
    )
    .await?;
    let wording = Wording::load(conn, event).await?;
    let queued = release_one(conn, mail, event, &wording, &accepted, actor).await?;
    crate::db::programme::hand_over_item(
        conn,
        event.id,
        vacancy.freed_proposal_id,
        proposal.id,
        minutes,
    )
    .await?;
    db::resolve(conn, vacancy.id, Some(proposal.id), now).await?;
    tracing::info!(proposal = %proposal.id, freed = %vacancy.freed_proposal_id, queued, "promoted from the waitlist");
    // as released
    Ok(proposals_db::find(conn, proposal.id)
        .await?
        .unwrap_or(accepted))
}

/// A talk suggested for a vacancy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionView {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub format: String,
    pub minutes: i32,
}

/// An open vacancy, with the talk suggested for it (null: none fits, or promotion is off).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VacancyView {
    pub id: uuid::Uuid,
    pub freed_proposal_id: uuid::Uuid,
    pub freed_title: String,
    /// `declined`, `withdrawn` or `lapsed`
    pub reason: String,
    pub track: Option<String>,
    /// The freed minutes: the programme item's if the talk was placed, else its format's.
    pub minutes: i32,
    pub created_at: DateTime<Utc>,
    pub suggestion: Option<SuggestionView>,
}

/// An automatic confirmation reminder that was sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReminderView {
    pub proposal_id: uuid::Uuid,
    pub title: String,
    pub sent_at: DateTime<Utc>,
}

/// The chairs' view: the settings, the open vacancies with their suggestions, who was reminded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PromotionsView {
    /// `off`, `suggest` or `auto`
    pub waitlist_promotion: String,
    pub confirm_reminder_days: Option<i32>,
    pub vacancies: Vec<VacancyView>,
    pub reminded: Vec<ReminderView>,
}

/// The promotions view of an event (the caller chairs it).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn promotions(
    conn: &mut AsyncPgConnection,
    event: &Event,
    ranked: Option<&RankedEvent>,
) -> AppResult<PromotionsView> {
    let (mode, days) = db::settings_of(conn, event.id).await?;
    let open = db::open_vacancies(conn, event.id).await?;
    let rows: Vec<Vacancy> = open.iter().map(|(v, _)| v.clone()).collect();
    let suggested = if mode == "off" {
        vec![None; rows.len()]
    } else {
        suggestions(conn, event, &rows, ranked).await?
    };
    let vacancies = open
        .into_iter()
        .zip(suggested)
        .map(|((v, freed_title), s)| VacancyView {
            id: v.id,
            freed_proposal_id: v.freed_proposal_id.0,
            freed_title,
            reason: v.reason,
            track: v.track,
            minutes: v.minutes,
            created_at: v.created_at,
            suggestion: s.map(|p| SuggestionView {
                proposal_id: p.id.0,
                minutes: format_minutes(event, &p.format),
                title: p.title,
                format: p.format,
            }),
        })
        .collect();
    let reminded = db::reminded(conn, event.id)
        .await?
        .into_iter()
        .map(|(id, title, sent_at)| ReminderView {
            proposal_id: id.0,
            title,
            sent_at,
        })
        .collect();
    Ok(PromotionsView {
        waitlist_promotion: mode,
        confirm_reminder_days: days,
        vacancies,
        reminded,
    })
}

/// Which talk fills the vacancy: the suggestion when none is named.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteRequest {
    /// A waitlisted proposal of the event; absent: the suggested one.
    pub proposal_id: Option<uuid::Uuid>,
}

/// A chair fills the vacancy with the suggestion (or the named waitlisted talk), accepting and
/// releasing it in one transaction. Serialized on the event's lock: a second click finds the
/// vacancy resolved (409).
#[tracing::instrument(skip_all, fields(user.id = %chair.id, event.slug = %event.slug))]
pub async fn promote(
    state: &AppState,
    chair: &CurrentUser,
    event: &Event,
    vacancy_id: uuid::Uuid,
    request: PromoteRequest,
) -> AppResult<Proposal> {
    let mut conn = state.pool.get().await?;
    let (chair_id, event_id) = (chair.id, event.id);
    conn.transaction::<_, AppError, _>(async move |conn| {
        crate::db::reviews::lock_event(conn, event_id).await?;
        let event = events::find_by_id(conn, event_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let vacancy = open_vacancy(conn, &event, vacancy_id).await?;
        let candidate = match request.proposal_id {
            Some(id) => ProposalId(id),
            None => suggestions(conn, &event, std::slice::from_ref(&vacancy), None)
                .await?
                .into_iter()
                .flatten()
                .next()
                .map(|p| p.id)
                .ok_or_else(|| {
                    AppError::conflict("proposal_id", "no waitlisted talk fits this place")
                })?,
        };
        let freed_title = proposals_db::find(conn, vacancy.freed_proposal_id)
            .await?
            .map(|p| p.title)
            .unwrap_or_default();
        let mail = (&state.settings.secret_key, &state.base_url);
        promote_locked(
            conn,
            mail,
            &event,
            &vacancy,
            &freed_title,
            candidate,
            Some(chair_id),
            Utc::now(),
        )
        .await
    })
    .await
}

async fn open_vacancy(
    conn: &mut AsyncPgConnection,
    event: &Event,
    vacancy_id: uuid::Uuid,
) -> AppResult<Vacancy> {
    let vacancy = db::vacancy_for_update(conn, event.id, vacancy_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if vacancy.resolved_at.is_some() {
        return Err(AppError::conflict(
            "vacancy",
            "this place was filled or dismissed already",
        ));
    }
    Ok(vacancy)
}

/// A chair leaves the place empty: the vacancy is closed without a promotion.
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn dismiss(state: &AppState, event: &Event, vacancy_id: uuid::Uuid) -> AppResult<()> {
    let mut conn = state.pool.get().await?;
    let event = event.clone();
    conn.transaction::<_, AppError, _>(async move |conn| {
        crate::db::reviews::lock_event(conn, event.id).await?;
        let vacancy = open_vacancy(conn, &event, vacancy_id).await?;
        db::resolve(conn, vacancy.id, None, Utc::now()).await?;
        Ok(())
    })
    .await
}

/// The confirmation round at `now` (run by the outbox worker before each round): accepted talks
/// past `confirm_by` free their place once (their state stays `accepted`, so a late
/// confirmation the chairs allow still works), and speakers due an automatic reminder get it.
/// Returns (reminders queued, places freed).
pub async fn confirmation_round(
    conn: &mut AsyncPgConnection,
    mail: MailContext<'_>,
    now: DateTime<Utc>,
) -> AppResult<(usize, usize)> {
    let mut freed = 0;
    for due in db::lapsed_due(conn, now).await? {
        freed += conn
            .transaction::<_, AppError, _>(async |conn| {
                crate::db::reviews::lock_event(conn, due.event_id).await?;
                let event = events::find_by_id(conn, due.event_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let Some(proposal) = proposals_db::find_for_update(conn, due.proposal_id).await?
                else {
                    return Ok(0);
                };
                // judged on the locked rows: a confirmation or a new deadline meanwhile wins
                let missed = event.confirm_by.is_some_and(|by| {
                    by <= now && proposal.released_at.is_some_and(|released| released < by)
                });
                if proposal.state != ProposalState::Accepted || !missed {
                    return Ok(0);
                }
                free_place(conn, mail, &event, &proposal, Reason::Lapsed, now).await?;
                Ok(1)
            })
            .await?;
    }
    let reminded = super::reminders::remind_due(conn, mail, now).await?;
    Ok((reminded, freed))
}

/// Withdraws a proposal (`proposals::withdraw_in`) and, when the chairs had accepted it (not
/// released yet), frees its place in the same transaction.
#[tracing::instrument(skip_all, fields(user.id = %user.id))]
pub async fn withdraw(
    state: &AppState,
    user: &CurrentUser,
    id: ProposalId,
) -> AppResult<crate::proposals::ProposalView> {
    let mut conn = state.pool.get().await?;
    let user = user.clone();
    let (key, base_url) = (&state.settings.secret_key, &state.base_url);
    conn.transaction::<_, AppError, _>(async move |conn| {
        let withdrawal = crate::proposals::withdraw_in(conn, &user, id).await?;
        if let Some((proposal, event)) = &withdrawal.before
            && proposal.decision == Some(crate::domain::Decision::Accept)
        {
            free_place(
                conn,
                (key, base_url),
                event,
                proposal,
                Reason::Withdrawn,
                chrono::Utc::now(),
            )
            .await?;
        }
        Ok(withdrawal.view)
    })
    .await
}
