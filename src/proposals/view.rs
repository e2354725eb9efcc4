//! How a proposal is shown: to its speakers, to the chairs, and to reviewers (blind or not).

use std::collections::BTreeMap;

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use serde::Serialize;

use super::tags::{TagsView, tags};
use crate::db::events::Event;
use crate::db::proposals::{self as db, Proposal};
use crate::domain::{Decision, ProposalId, ProposalState, Transition};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Viewer {
    Speaker,
    Chair,
    /// A reviewer; under blind review they see nothing that identifies the speakers.
    Reviewer {
        blind: bool,
    },
}

impl Viewer {
    /// How someone with this access to a proposal of `event` sees it.
    pub fn of(access: crate::accounts::policy::ProposalAccess, event: &Event) -> Viewer {
        use crate::accounts::policy::ProposalAccess;
        match access {
            ProposalAccess::Chair => Viewer::Chair,
            ProposalAccess::Speaker => Viewer::Speaker,
            ProposalAccess::Reviewer => Viewer::Reviewer {
                blind: event.blind_review,
            },
        }
    }

    /// Speakers' names, emails and links (which may name them) are hidden from this viewer.
    pub fn hides_identities(self) -> bool {
        matches!(self, Viewer::Reviewer { blind: true })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SpeakerView {
    pub name: String,
    pub email: String,
    pub affiliation: String,
    /// Markdown (the abstracts' subset).
    pub bio: String,
    pub pronouns: String,
    /// The speaker's photo (a path on this server), or null.
    pub photo_url: Option<String>,
}

impl SpeakerView {
    pub fn of(speaker: &db::Speaker) -> SpeakerView {
        SpeakerView {
            name: speaker.name.clone(),
            email: speaker.email.clone(),
            affiliation: speaker.profile.affiliation.clone(),
            bio: speaker.profile.bio.clone(),
            pronouns: speaker.profile.pronouns.clone(),
            photo_url: speaker
                .photo
                .as_ref()
                .map(|p| crate::accounts::profile::photo_url(speaker.user_id, p)),
        }
    }
}

/// A co-speaker invitation not accepted yet.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CoSpeakerInvitationView {
    pub id: uuid::Uuid,
    pub email: String,
    /// When it was first sent.
    pub invited_at: chrono::DateTime<Utc>,
    /// How many times it was emailed.
    pub invitations_sent: i32,
}

impl From<&db::CoSpeakerInvite> for CoSpeakerInvitationView {
    fn from(invitation: &db::CoSpeakerInvite) -> Self {
        CoSpeakerInvitationView {
            id: invitation.id,
            email: invitation.email.clone(),
            invited_at: invitation.invited_at,
            invitations_sent: invitation.invitations_sent,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    pub id: uuid::Uuid,
    pub event: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub notes: String,
    pub format: String,
    pub state: ProposalState,
    pub speakers: Vec<SpeakerView>,
    /// Co-speaker invitations not accepted yet.
    pub invited: Vec<String>,
    /// The same invitations with their ids (what
    /// `POST /proposals/{id}/co-speakers/{invitation_id}/resend` takes); speakers and chairs.
    pub co_speaker_invitations: Vec<CoSpeakerInvitationView>,
    pub links: Vec<String>,
    /// Answers to the event's questions, by key. The speakers and the chairs see every answer
    /// (the chairs also those to questions removed since, listed in the event's
    /// `retired_questions`); reviewers, blind or not, only those to questions marked
    /// `visible_to_reviewers`.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    pub tags: TagsView,
    /// The chairs' decision and whether it is released; chairs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionView>,
    pub editable: bool,
    /// Other proposals of the event this one is like (the same talk submitted twice, or a talk on
    /// the same subject), best first, with a score from 0.45 to 1; chairs only (see
    /// `review::SimilarityIndex`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similar: Option<Vec<crate::review::SimilarProposal>>,
    /// The version of the speaker-editable content, also sent as the `ETag`; send it back in
    /// `If-Match` when you PATCH so that an edit made meanwhile is not overwritten.
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

/// Builds the views of many proposals with two extra queries in all (speakers, invitations).
#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn views(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposals: &[Proposal],
    viewer: Viewer,
) -> Result<Vec<ProposalView>, AppError> {
    let ids: Vec<ProposalId> = proposals.iter().map(|p| p.id).collect();
    let speakers = db::speakers_of(conn, &ids).await?;
    let invitations = db::invitations_of(conn, &ids).await?;
    Ok(assemble(event, proposals, &speakers, &invitations, viewer))
}

/// The views of proposals whose speakers and invitations are already at hand (a submission
/// knows them without asking the database).
pub(super) fn assemble(
    event: &Event,
    proposals: &[Proposal],
    speakers: &[db::Speaker],
    invitations: &[db::CoSpeakerInvite],
    viewer: Viewer,
) -> Vec<ProposalView> {
    let open = event.cfp_open_at(Utc::now());
    let blind = viewer.hides_identities();
    let is_reviewer = matches!(viewer, Viewer::Reviewer { .. });
    let pending = |id: ProposalId| {
        invitations
            .iter()
            .filter(move |i| i.proposal_id == id && !i.accepted && !is_reviewer)
    };
    let questions = event.questions();
    proposals
        .iter()
        .map(|p| ProposalView {
            id: p.id.0,
            event: event.slug.clone(),
            title: p.title.clone(),
            abstract_text: p.abstract_text.clone(),
            // the form promises speakers that only the chairs read these
            notes: if is_reviewer {
                String::new()
            } else {
                p.notes.clone()
            },
            format: p.format.clone(),
            state: p.state,
            speakers: speakers
                .iter()
                .filter(|s| s.proposal_id == p.id && !blind)
                .map(SpeakerView::of)
                .collect(),
            invited: pending(p.id).map(|i| i.email.clone()).collect(),
            co_speaker_invitations: pending(p.id).map(CoSpeakerInvitationView::from).collect(),
            links: if blind { Vec::new() } else { p.links.clone() },
            answers: answers_for(viewer, &questions, &p.answers),
            tags: tags(p),
            decision: if viewer == Viewer::Chair {
                decision_view(p)
            } else {
                None
            },
            editable: viewer == Viewer::Speaker && open && p.state.allows(Transition::Edit),
            similar: None,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        })
        .collect()
}

/// The answers this viewer may read: all for the speakers and the chairs, those to questions
/// shown to reviewers for a reviewer (the one place that decides it).
pub fn answers_for(
    viewer: Viewer,
    questions: &[crate::domain::questions::Question],
    stored: &serde_json::Value,
) -> BTreeMap<String, serde_json::Value> {
    let mut answers: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(stored.clone()).unwrap_or_default();
    if matches!(viewer, Viewer::Reviewer { .. }) {
        answers.retain(|key, _| {
            questions
                .iter()
                .any(|q| &q.key == key && q.visible_to_reviewers)
        });
    }
    answers
}

#[tracing::instrument(skip_all, fields(event.slug = %event.slug))]
pub async fn view(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
    viewer: Viewer,
) -> Result<ProposalView, AppError> {
    views(conn, event, std::slice::from_ref(proposal), viewer)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a view for one proposal"))
}

/// What chairs see of a proposal's decision (never shown to speakers or reviewers).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub decision: Decision,
    pub note: String,
    pub decided_at: Option<chrono::DateTime<Utc>>,
    /// The speakers have been told (the current decision is released).
    pub released: bool,
}

pub fn decision_view(proposal: &Proposal) -> Option<DecisionView> {
    proposal.decision.map(|d| DecisionView {
        decision: d,
        note: proposal.decision_note.clone(),
        decided_at: proposal.decided_at,
        released: proposal.released_decision == Some(d),
    })
}
