//! The chairs' review controls on the proposal page: who is assigned, and every member with
//! their conflict, or why they cannot review this proposal.

use diesel_async::AsyncPgConnection;

use crate::accounts::policy::track_allows;
use crate::db::events::Event;
use crate::db::proposals::Proposal;
use crate::db::reviews as reviews_db;
use crate::pages::errors::PageError;
use crate::review::conflicts::{ConflictReason, ReviewerIdentity};
use crate::review::{self, AssignedReviewer};

/// One member in the chairs' assignment and conflict lists.
pub struct MemberChoice {
    pub id: uuid::Uuid,
    pub name: String,
    pub role: String,
    pub assigned: bool,
    pub reviewed: bool,
    pub conflict: Option<ConflictReason>,
    /// Why the member cannot be assigned, if they cannot.
    pub blocked: Option<String>,
}

impl MemberChoice {
    pub fn conflict_text(&self) -> &'static str {
        self.conflict.map_or("", ConflictReason::describe)
    }
    /// A speaker's own conflict cannot be cleared by anyone.
    pub fn clearable(&self) -> bool {
        self.conflict.is_some_and(|c| c != ConflictReason::Speaker)
    }
}

/// The chairs' review controls on the proposal page.
pub struct ChairReviewSection {
    pub assigned: Vec<AssignedReviewer>,
    pub members: Vec<MemberChoice>,
    pub withdrawn: bool,
}

pub async fn chair_review_section(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
) -> Result<ChairReviewSection, PageError> {
    let assigned = review::assignments_view(conn, proposal.id).await?.reviewers;
    let members = reviews_db::member_identities(conn, event.id).await?;
    let identities: Vec<ReviewerIdentity> = members.iter().map(|m| m.0.clone()).collect();
    let conflicts = review::event_conflicts(conn, event, &[proposal.id], &identities).await?;
    let members = members
        .into_iter()
        .map(|(identity, role, tracks, name)| {
            let conflict = conflicts.get(&(identity.id, proposal.id)).copied();
            let mine = assigned.iter().find(|a| a.id == identity.id.0);
            let blocked = match conflict {
                Some(reason) => Some(format!("conflicted: {}", reason.describe())),
                None if !track_allows(tracks.as_deref(), proposal) => {
                    Some("reviews only other tracks".to_owned())
                }
                None => None,
            };
            MemberChoice {
                id: identity.id.0,
                name,
                role,
                assigned: mine.is_some(),
                reviewed: mine.is_some_and(|a| a.reviewed),
                conflict,
                blocked,
            }
        })
        .collect();
    Ok(ChairReviewSection {
        assigned,
        members,
        withdrawn: proposal.state.is_withdrawn(),
    })
}
