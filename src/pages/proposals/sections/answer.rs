//! Confirm or decline: the box of a speaker whose proposal is accepted (or already answered),
//! on the proposal page and on the confirmation page.

use diesel_async::AsyncPgConnection;

use crate::accounts::CurrentUser;
use crate::db::events::Event;
use crate::db::proposals::{self as proposals_db, Proposal};
use crate::domain::{ProposalState, Transition};
use crate::pages::errors::PageError;
use crate::time::in_zone;

/// Confirm or decline, for a speaker of an accepted (or already answered) proposal.
pub struct AnswerSection {
    pub state: ProposalState,
    /// The confirmation deadline in the event's time zone.
    pub deadline: Option<String>,
    pub deadline_rfc3339: String,
    pub deadline_passed: bool,
    /// When the speakers answered, in the event's time zone.
    pub answered_on: Option<String>,
}

impl AnswerSection {
    pub fn of(event: &Event, proposal: &Proposal) -> AnswerSection {
        AnswerSection {
            state: proposal.state,
            deadline: event.confirm_by.map(|t| in_zone(t, &event.time_zone)),
            deadline_rfc3339: event.confirm_by.map(|t| t.to_rfc3339()).unwrap_or_default(),
            deadline_passed: event.confirm_by.is_some_and(|by| by <= chrono::Utc::now()),
            answered_on: proposal.responded_at.map(|t| in_zone(t, &event.time_zone)),
        }
    }
}

/// The answer box for `user`, when they are a speaker of a proposal with something to answer.
pub async fn answer_section(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
) -> Result<Option<AnswerSection>, PageError> {
    // something to answer: accepted, or answered already (a confirmed talk may still decline)
    let answerable =
        proposal.state.allows(Transition::Confirm) || proposal.state.allows(Transition::Decline);
    if !answerable || !proposals_db::is_speaker(conn, proposal, user.id).await? {
        return Ok(None);
    }
    Ok(Some(AnswerSection::of(event, proposal)))
}
