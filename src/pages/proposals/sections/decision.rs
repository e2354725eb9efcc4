//! The chairs' decision box on the proposal page, with the decision history.

use diesel_async::AsyncPgConnection;

use crate::accounts::CurrentUser;
use crate::db::events::Event;
use crate::db::proposals::Proposal;
use crate::decisions::{self, DecisionView};
use crate::domain::Decision;
use crate::pages::errors::PageError;
use crate::time::in_zone;

/// One radio button of the decision box.
pub struct DecisionChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One line of the decision history.
pub struct HistoryLine {
    pub at: String,
    pub text: String,
    pub note: String,
}

/// The chairs' decision box on the proposal page.
pub struct DecisionSection {
    pub current: Option<DecisionView>,
    pub decided_on: String,
    pub choices: Vec<DecisionChoice>,
    pub note: String,
    pub withdrawn: bool,
    pub history: Vec<HistoryLine>,
}

pub async fn decision_section(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    event: &Event,
    proposal: &Proposal,
) -> Result<DecisionSection, PageError> {
    let current = decisions::decision_view(proposal);
    let rows = decisions::history(conn, user, proposal, event).await?;
    let history = rows
        .into_iter()
        .map(|row| {
            let who = row.actor.unwrap_or_else(|| "Someone".into());
            let text = match row.action.as_str() {
                "decide" => match row.before.as_deref() {
                    Some(before) if before != row.after => {
                        format!("{who} decided “{}” (was “{before}”)", row.after)
                    }
                    _ => format!("{who} decided “{}”", row.after),
                },
                "release" => format!(
                    "{who} released the decision: {} → {}",
                    row.before.as_deref().unwrap_or("—"),
                    row.after
                ),
                "confirm" => format!("{who} confirmed presenting it"),
                "decline" => format!("{who} declined presenting it"),
                other => format!("{who}: {other} → {}", row.after),
            };
            HistoryLine {
                at: in_zone(row.at, &event.time_zone),
                text,
                note: row.note,
            }
        })
        .collect();
    let chosen = current.as_ref().map(|d| d.decision);
    let choices = [
        (Decision::Accept, "Accept"),
        (Decision::Waitlist, "Waitlist"),
        (Decision::Reject, "Reject"),
    ]
    .into_iter()
    .map(|(decision, label)| DecisionChoice {
        value: decision.as_str(),
        label,
        checked: chosen == Some(decision),
    })
    .collect();
    Ok(DecisionSection {
        decided_on: current
            .as_ref()
            .and_then(|d| d.decided_at)
            .map(|t| in_zone(t, &event.time_zone))
            .unwrap_or_default(),
        note: current.as_ref().map(|d| d.note.clone()).unwrap_or_default(),
        current,
        choices,
        withdrawn: proposal.state.is_withdrawn(),
        history,
    })
}
