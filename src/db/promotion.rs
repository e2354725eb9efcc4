//! Waitlist promotion and the automatic confirmation reminder (migration 000120): the event's two
//! settings, the places freed by accepted talks (`vacancies`), and the reminders sent.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::proposals::Proposal;
use crate::domain::{Decision, EventId, ProposalId, ProposalState};
use crate::schema::{confirmation_reminders, event_confirmations, proposals, vacancies};

/// The event's `waitlist_promotion` and `confirm_reminder_days`; ("off", None) without a row.
pub async fn settings_of(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<(String, Option<i32>)> {
    Ok(event_confirmations::table
        .find(event_id)
        .select((
            event_confirmations::waitlist_promotion,
            event_confirmations::reminder_days,
        ))
        .first(conn)
        .await
        .optional()?
        .unwrap_or_else(|| ("off".to_owned(), None)))
}

/// Writes the settings given (None leaves one as it is).
pub async fn save_settings(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    promotion: Option<&str>,
    reminder_days: Option<Option<i32>>,
) -> QueryResult<()> {
    if promotion.is_none() && reminder_days.is_none() {
        return Ok(());
    }
    let (old_promotion, old_days) = settings_of(conn, event_id).await?;
    let promotion = promotion.unwrap_or(&old_promotion);
    let days = reminder_days.unwrap_or(old_days);
    diesel::insert_into(event_confirmations::table)
        .values((
            event_confirmations::event_id.eq(event_id),
            event_confirmations::waitlist_promotion.eq(promotion),
            event_confirmations::reminder_days.eq(days),
        ))
        .on_conflict(event_confirmations::event_id)
        .do_update()
        .set((
            event_confirmations::waitlist_promotion.eq(promotion),
            event_confirmations::reminder_days.eq(days),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = vacancies)]
pub struct Vacancy {
    pub id: uuid::Uuid,
    pub event_id: EventId,
    pub freed_proposal_id: ProposalId,
    pub reason: String,
    pub track: Option<String>,
    pub minutes: i32,
    pub created_at: DateTime<Utc>,
    pub promoted_proposal_id: Option<ProposalId>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub dismissed: bool,
}

pub struct NewVacancy<'a> {
    pub event_id: EventId,
    pub freed: ProposalId,
    pub reason: &'a str,
    pub track: Option<&'a str>,
    pub minutes: i32,
    pub at: DateTime<Utc>,
}

/// Records the freed place; None when this proposal freed one before (once per proposal).
pub async fn insert_vacancy(
    conn: &mut AsyncPgConnection,
    new: NewVacancy<'_>,
) -> QueryResult<Option<Vacancy>> {
    diesel::insert_into(vacancies::table)
        .values((
            vacancies::id.eq(uuid::Uuid::now_v7()),
            vacancies::event_id.eq(new.event_id),
            vacancies::freed_proposal_id.eq(new.freed),
            vacancies::reason.eq(new.reason),
            vacancies::track.eq(new.track),
            vacancies::minutes.eq(new.minutes),
            vacancies::created_at.eq(new.at),
        ))
        .on_conflict_do_nothing()
        .returning(Vacancy::as_returning())
        .get_result(conn)
        .await
        .optional()
}

/// The event's open vacancies with the freed talk's title, oldest first.
pub async fn open_vacancies(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(Vacancy, String)>> {
    vacancies::table
        .inner_join(proposals::table.on(proposals::id.eq(vacancies::freed_proposal_id)))
        .filter(vacancies::event_id.eq(event_id))
        .filter(vacancies::resolved_at.is_null())
        .order((vacancies::created_at.asc(), vacancies::id.asc()))
        .select((Vacancy::as_select(), proposals::title))
        .load(conn)
        .await
}

/// One vacancy of the event, locked.
pub async fn vacancy_for_update(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
    id: uuid::Uuid,
) -> QueryResult<Option<Vacancy>> {
    vacancies::table
        .find(id)
        .filter(vacancies::event_id.eq(event_id))
        .select(Vacancy::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Closes the vacancy: filled by `promoted`, or dismissed (None).
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    promoted: Option<ProposalId>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(vacancies::table.find(id))
        .set((
            vacancies::promoted_proposal_id.eq(promoted),
            vacancies::dismissed.eq(promoted.is_none()),
            vacancies::resolved_at.eq(Some(at)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The candidates: released waitlisted talks whose decision is still `waitlist`.
pub async fn waitlisted(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<Proposal>> {
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::state.eq(ProposalState::Waitlisted))
        .filter(proposals::decision.eq(Decision::Waitlist))
        .order((proposals::created_at.asc(), proposals::id.asc()))
        .select(Proposal::as_select())
        .load(conn)
        .await
}

/// (format, how many) of the accepted talks that still hold a place: decision accept, not
/// withdrawn or declined, and not lapsed (a lapsed talk's place was freed).
pub async fn accepted_formats(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(String, i64)>> {
    let lapsed = vacancies::table
        .filter(vacancies::event_id.eq(event_id))
        .filter(vacancies::reason.eq("lapsed"))
        .select(vacancies::freed_proposal_id);
    proposals::table
        .filter(proposals::event_id.eq(event_id))
        .filter(proposals::decision.eq(Decision::Accept))
        .filter(proposals::state.ne_all([ProposalState::Withdrawn, ProposalState::Declined]))
        .filter(proposals::id.ne_all(lapsed))
        .group_by(proposals::format)
        .select((proposals::format, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Records the automatic reminder of the proposal; false when it was sent before.
pub async fn record_reminder(
    conn: &mut AsyncPgConnection,
    proposal_id: ProposalId,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(confirmation_reminders::table)
        .values((
            confirmation_reminders::proposal_id.eq(proposal_id),
            confirmation_reminders::sent_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// The event's proposals reminded automatically: (id, title, when), latest first.
pub async fn reminded(
    conn: &mut AsyncPgConnection,
    event_id: EventId,
) -> QueryResult<Vec<(ProposalId, String, DateTime<Utc>)>> {
    confirmation_reminders::table
        .inner_join(proposals::table)
        .filter(proposals::event_id.eq(event_id))
        .order((
            confirmation_reminders::sent_at.desc(),
            proposals::title.asc(),
        ))
        .select((
            proposals::id,
            proposals::title,
            confirmation_reminders::sent_at,
        ))
        .load(conn)
        .await
}

#[derive(QueryableByName, Debug)]
pub struct Due {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub event_id: EventId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub proposal_id: ProposalId,
}

/// Accepted, unconfirmed proposals due an automatic reminder at `now`: their event reminds `d`
/// days before `confirm_by`, `confirm_by - d days <= now < confirm_by`, and none was sent yet.
pub async fn reminders_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT p.event_id, p.id AS proposal_id FROM proposals p \
         JOIN events e ON e.id = p.event_id \
         JOIN event_confirmations c ON c.event_id = e.id \
         WHERE p.state = 'accepted' AND c.reminder_days IS NOT NULL AND e.confirm_by IS NOT NULL \
         AND e.confirm_by > $1 AND e.confirm_by - make_interval(days => c.reminder_days) <= $1 \
         AND NOT EXISTS (SELECT 1 FROM confirmation_reminders r WHERE r.proposal_id = p.id) \
         ORDER BY p.event_id, p.id",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .load(conn)
    .await
}

/// Accepted, unconfirmed proposals whose event's `confirm_by` passed at `now` and that have not
/// freed their place yet. Only those released before the deadline and not promoted into a place
/// freed after it: a talk accepted after the deadline had no deadline to miss.
pub async fn lapsed_due(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<Vec<Due>> {
    diesel::sql_query(
        "SELECT p.event_id, p.id AS proposal_id FROM proposals p \
         JOIN events e ON e.id = p.event_id \
         WHERE p.state = 'accepted' AND e.confirm_by IS NOT NULL AND e.confirm_by <= $1 \
         AND p.released_at < e.confirm_by \
         AND NOT EXISTS (SELECT 1 FROM vacancies w WHERE w.promoted_proposal_id = p.id \
                         AND w.created_at >= e.confirm_by) \
         AND NOT EXISTS (SELECT 1 FROM vacancies v WHERE v.freed_proposal_id = p.id) \
         ORDER BY p.event_id, p.id",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .load(conn)
    .await
}
