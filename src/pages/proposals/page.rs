//! The proposal page, composed of what its viewer may see: the proposal and its timeline, and
//! the review, chair review, decision and answer sections (`super::sections`). The review
//! form's handler shows it again with a rejected review.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use super::sections::answer::{AnswerSection, answer_section};
use super::sections::chair_review::{ChairReviewSection, chair_review_section};
use super::sections::decision::{DecisionSection, decision_section};
use super::sections::review::{ReviewForm, ReviewSection, review_section};
use super::timeline::{TimelineStep, timeline};
use crate::accounts::policy::ProposalAccess;
use crate::db::events::{self, Event};
use crate::db::proposals::{self as db, Revision};
use crate::domain::{ProposalId, ProposalState, Transition};
use crate::error::FieldErrors;
use crate::pages::context::PageContext;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::markdown;
use crate::pages::respond::render;
use crate::proposals::{self, ProposalView, Viewer, visible_proposal};
use crate::review::{SimilarityCache, similar_proposals};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "proposal.html")]
struct ProposalPage {
    page: PageContext,
    event: Event,
    proposal: ProposalView,
    abstract_html: String,
    /// The answers to the event's questions this viewer may read (`super::answers::shown`).
    answers: Vec<super::answers::AnswerShown>,
    is_chair: bool,
    /// The viewer is one of its speakers (withdraw, edit, "my proposals").
    is_speaker: bool,
    /// Blind review hides who the speakers are from this viewer.
    blind: bool,
    revisions: Vec<Revision>,
    track_names: Vec<(String, String)>,
    /// Subtopic keys and their display names, all tracks of the event.
    subtopic_names: Vec<(String, String)>,
    /// Where the proposal stands, step by step, with dates.
    timeline: Vec<TimelineStep>,
    /// The review form and the reviews the viewer may read (chairs and reviewers).
    review: Option<ReviewSection>,
    /// Assignments and conflicts (chairs).
    chair_review: Option<ChairReviewSection>,
    /// The decision box and the decision history (chairs).
    decision: Option<DecisionSection>,
    /// Confirm or decline (the speakers, once accepted).
    answer: Option<AnswerSection>,
}

impl ProposalPage {
    /// A speaker's bio, rendered with the abstracts' sanitizer.
    fn bio_html(bio: &str) -> String {
        markdown::render(bio)
    }
    fn track_name(&self, key: &Option<String>) -> String {
        match key {
            Some(key) => self
                .track_names
                .iter()
                .find(|(k, _)| k == key)
                .map_or_else(|| key.clone(), |(_, n)| n.clone()),
            None => "—".into(),
        }
    }
    /// The subtopics by their display names (a key no longer in the event stays as is).
    fn subtopic_list(&self) -> String {
        self.proposal
            .tags
            .subtopics
            .iter()
            .map(|key| {
                self.subtopic_names
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(key.as_str(), |(_, n)| n.as_str())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
    /// The tagger's evidence as a speaker or reviewer reads it: the phrases and the track they
    /// point to, without the weights and model markers a chair uses to judge the tagger.
    fn evidence_phrases(&self) -> Vec<String> {
        let mut phrases: Vec<String> = Vec::new();
        for line in &self.proposal.tags.evidence {
            let phrase = match line.rsplit_once(" → ") {
                Some((label, side)) => {
                    let side = side.split_once(" (").map_or(side, |(name, _)| name);
                    let key = crate::tagging::Track::from_name(side).map(|t| t.key().to_owned());
                    let track = key.map_or_else(|| side.to_owned(), |k| self.track_name(&Some(k)));
                    format!("{label} suggests {track}")
                }
                None => line
                    .split_once(" (")
                    .map_or(line.as_str(), |(l, _)| l)
                    .to_owned(),
            };
            // Lexicon and model may both name a phrase; once is enough without the weights.
            if !phrases.contains(&phrase) {
                phrases.push(phrase);
            }
        }
        phrases
    }
    fn confidence_percent(&self) -> String {
        self.proposal
            .tags
            .confidence
            .map_or_else(|| "—".into(), |c| format!("{:.0} %", c * 100.0))
    }
    fn change_summary(changes: &serde_json::Value) -> String {
        changes
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    }
}

pub async fn show(
    page: PageContext,
    state: web::Data<AppState>,
    similarity: web::Data<SimilarityCache>,
    user: SignedIn,
    id: web::Path<ProposalId>,
) -> PageResult {
    // a draft has no page of its own yet: its speaker works on it in the form
    {
        let mut conn = state.pool.get().await?;
        if proposals::own_draft(&mut conn, &user.0, *id)
            .await?
            .is_some()
        {
            return Ok(crate::pages::respond::redirect(&format!(
                "/proposals/{}/edit",
                *id
            )));
        }
    }
    proposal_page(page, &state, &similarity, &user.0, *id, None).await
}

/// The proposal page as `user` may see it; `typed_review` is a rejected review form to show
/// again with its messages (then the answer is a 422).
pub async fn proposal_page(
    page: PageContext,
    state: &AppState,
    similarity: &SimilarityCache,
    user: &crate::accounts::CurrentUser,
    id: ProposalId,
    typed_review: Option<(ReviewForm, FieldErrors)>,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let (proposal, event, access) = visible_proposal(&mut conn, user, id).await?;
    let is_chair = access == ProposalAccess::Chair;
    let viewer = Viewer::of(access, &event);
    let mut view = proposals::view(&mut conn, &event, &proposal, viewer).await?;
    if is_chair {
        view.similar = Some(similar_proposals(similarity, &mut conn, event.id, proposal.id).await?);
    }
    let revisions = if is_chair {
        db::revisions_of(&mut conn, proposal.id).await?
    } else {
        Vec::new()
    };
    let tracks = events::tracks_of(&mut conn, event.id).await?;
    let subtopic_names = tracks
        .iter()
        .flat_map(|t| t.subtopics.iter().cloned())
        .collect();
    let track_names = tracks.into_iter().map(|t| (t.key, t.name)).collect();
    let status = if typed_review.as_ref().is_some_and(|t| !t.1.is_empty()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let review = review_section(&mut conn, user, &event, &proposal, access, typed_review).await?;
    let chair_review = if is_chair {
        Some(chair_review_section(&mut conn, &event, &proposal).await?)
    } else {
        None
    };
    let decision = if is_chair {
        Some(decision_section(&mut conn, user, &event, &proposal).await?)
    } else {
        None
    };
    let answer = answer_section(&mut conn, user, &event, &proposal).await?;
    render(
        status,
        &ProposalPage {
            page,
            abstract_html: markdown::render(&view.abstract_text),
            answers: super::answers::shown(&event, viewer, &proposal.answers),
            timeline: timeline(&event, &proposal, chrono::Utc::now()),
            event,
            proposal: view,
            is_chair,
            is_speaker: access == ProposalAccess::Speaker,
            blind: viewer.hides_identities(),
            revisions,
            track_names,
            subtopic_names,
            review,
            chair_review,
            decision,
            answer,
        },
    )
}
