//! A proposal's status timeline, as far as its speakers may know it.

use chrono::{DateTime, Utc};

use crate::db::events::Event;
use crate::db::proposals as db;
use crate::domain::ProposalState;

/// One step of a proposal's status timeline.
pub struct TimelineStep {
    pub name: String,
    /// `done`, `current` (the last step reached) or `todo`.
    pub status: &'static str,
    /// When the step was reached, in the event's time zone.
    pub when: Option<String>,
    pub when_rfc3339: String,
    /// A word on a step to come (when reviewing opens, the confirmation deadline).
    pub note: String,
}

impl TimelineStep {
    fn new(event: &Event, name: &str, reached: bool, at: Option<DateTime<Utc>>) -> TimelineStep {
        TimelineStep {
            name: name.to_owned(),
            status: if reached { "done" } else { "todo" },
            when: at.map(|t| crate::time::in_zone(t, &event.time_zone)),
            when_rfc3339: at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            note: String::new(),
        }
    }
}

/// Submitted → in review → decided → confirmed (or declined), with dates; or submitted →
/// withdrawn. Only what the speakers may know: the decision as released (the proposal's state
/// changes at the release, never at the chairs' decision), never a pending one.
pub fn timeline(event: &Event, proposal: &db::Proposal, now: DateTime<Utc>) -> Vec<TimelineStep> {
    let state = proposal.state;
    let mut steps = vec![TimelineStep::new(
        event,
        "Submitted",
        true,
        Some(proposal.created_at),
    )];
    if state.is_withdrawn() {
        steps.push(TimelineStep::new(
            event,
            "Withdrawn",
            true,
            proposal.withdrawn_at,
        ));
    } else {
        // "accepted", "rejected" or "waitlisted" once released
        let released = state.released().map(|d| d.state().as_str());
        let review_opened = event.review_opens_at.filter(|opens| *opens <= now);
        let mut in_review = TimelineStep::new(
            event,
            "In review",
            review_opened.is_some() || released.is_some(),
            // a proposal submitted during the review phase is in review from its submission
            review_opened.map(|opens| opens.max(proposal.created_at)),
        );
        if let Some(opens) = event.review_opens_at.filter(|opens| *opens > now) {
            in_review.note = format!(
                "Reviewing opens {}",
                crate::time::in_zone(opens, &event.time_zone)
            );
        }
        steps.push(in_review);
        let decided = match released {
            Some(word) => format!("Decided: {word}"),
            None => "Decided".to_owned(),
        };
        steps.push(TimelineStep::new(
            event,
            &decided,
            released.is_some(),
            released.and(proposal.released_at),
        ));
        match state {
            ProposalState::Confirmed => steps.push(TimelineStep::new(
                event,
                "Confirmed",
                true,
                proposal.responded_at,
            )),
            ProposalState::Declined => steps.push(TimelineStep::new(
                event,
                "Declined",
                true,
                proposal.responded_at,
            )),
            // a rejection is the end of the road
            ProposalState::Rejected => {}
            _ => {
                let mut confirmed = TimelineStep::new(event, "Confirmed", false, None);
                if let (Some(by), ProposalState::Accepted) = (event.confirm_by, state) {
                    confirmed.note = format!(
                        "Please answer by {}",
                        crate::time::in_zone(by, &event.time_zone)
                    );
                }
                steps.push(confirmed);
            }
        }
    }
    if let Some(last) = steps.iter_mut().rev().find(|s| s.status == "done") {
        last.status = "current";
    }
    steps
}
