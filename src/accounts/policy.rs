//! Authorization decisions, one function per resource, so every route asks the same place.

use diesel_async::AsyncPgConnection;

use super::CurrentUser;
use crate::db::events::{self, Event, EventRoleKind};
use crate::db::proposals::Proposal;
use crate::domain::conflicts::{ConflictReason, ReviewerIdentity};
use crate::domain::{ProposalId, Transition, UserId};
use crate::error::{AppError, AppResult};
use std::collections::HashMap;

/// A site admin: 401 without a credential, 403 for everyone else.
pub struct AdminUser(pub CurrentUser);

impl actix_web::FromRequest for AdminUser {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            require_admin(&user)?;
            Ok(AdminUser(user))
        })
    }
}

pub fn require_admin(user: &CurrentUser) -> Result<(), AppError> {
    if user.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only site admins may do this".into()))
    }
}

/// What a caller is to one event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventAccess {
    pub is_admin: bool,
    pub role: Option<EventRoleKind>,
    /// For a reviewer restricted to some tracks.
    pub tracks: Option<Vec<String>>,
}

impl EventAccess {
    /// Chairs and site admins configure the event.
    pub fn can_manage(&self) -> bool {
        self.is_admin || self.role == Some(EventRoleKind::Chair)
    }

    pub fn require_manage(&self) -> Result<(), AppError> {
        if self.can_manage() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only this event's chairs may do this".into(),
            ))
        }
    }

    /// A reviewer (not a chair) of the event.
    pub fn is_reviewer(&self) -> bool {
        self.role == Some(EventRoleKind::Reviewer)
    }
}

/// The event named by `slug`, if the caller may manage it: 404 when there is none, 403 otherwise.
pub async fn managed_event(
    conn: &mut AsyncPgConnection,
    slug: &str,
    user: &CurrentUser,
) -> Result<Event, AppError> {
    let event = events::find_by_slug(conn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    event_access(conn, &event, user).await?.require_manage()?;
    Ok(event)
}

pub async fn event_access(
    conn: &mut AsyncPgConnection,
    event: &Event,
    user: &CurrentUser,
) -> Result<EventAccess, AppError> {
    let membership = events::member_role(conn, event.id, user.id).await?;
    Ok(EventAccess {
        is_admin: user.is_admin,
        role: membership.as_ref().map(|m| m.0),
        tracks: membership.and_then(|m| m.1),
    })
}

/// Whether a track restriction lets a reviewer at a proposal: no restriction, no track, or a
/// listed track.
pub fn track_allows(restriction: Option<&[String]>, proposal: &Proposal) -> bool {
    track_allows_track(restriction, proposal.track())
}

/// `track_allows` for a proposal's effective track (a proposal without one is anyone's).
pub fn track_allows_track(restriction: Option<&[String]>, track: Option<&str>) -> bool {
    match (restriction, track) {
        (Some(tracks), Some(track)) => tracks.iter().any(|t| t == track),
        _ => true,
    }
}

/// Where a member stands towards reviewing one proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewStanding {
    pub role: Option<EventRoleKind>,
    pub conflict: Option<ConflictReason>,
    pub track_allowed: bool,
    pub assigned: bool,
}

impl ReviewStanding {
    /// May write (and read back) a review of it: a member, not conflicted, within their tracks,
    /// and assigned, or a reviewer of an event that lets reviewers review anything. Whether the
    /// review phase is open is asked separately.
    pub fn may_review(&self, event: &Event, proposal: &Proposal) -> bool {
        self.role.is_some()
            && self.conflict.is_none()
            && self.track_allowed
            && proposal.state.allows(Transition::Review)
            && (self.assigned
                || (event.reviewers_see_all && self.role == Some(EventRoleKind::Reviewer)))
    }
}

pub async fn review_standing(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
    user: &CurrentUser,
) -> Result<ReviewStanding, AppError> {
    let membership = events::member_role(conn, event.id, user.id).await?;
    let Some((role, tracks)) = membership else {
        return Ok(ReviewStanding {
            role: None,
            conflict: None,
            track_allowed: false,
            assigned: false,
        });
    };
    Ok(ReviewStanding {
        role: Some(role),
        conflict: conflict_between(conn, event, proposal.id, user.id).await?,
        track_allowed: track_allows(tracks.as_deref(), proposal),
        assigned: crate::db::reviews::is_assigned(conn, proposal.id, user.id).await?,
    })
}

/// What a caller is to one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalAccess {
    /// A chair of its event, or a site admin: sees everything about it.
    Chair,
    /// Its submitter or an accepted co-speaker.
    Speaker,
    /// A reviewer who may review it (see [`ReviewStanding::may_review`]).
    Reviewer,
}

/// None means the caller may not know the proposal exists: answer 404.
pub async fn proposal_access(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
    user: &CurrentUser,
) -> Result<Option<ProposalAccess>, AppError> {
    let access = event_access(conn, event, user).await?;
    if access.can_manage() {
        return Ok(Some(ProposalAccess::Chair));
    }
    if crate::db::proposals::is_speaker(conn, proposal, user.id).await? {
        return Ok(Some(ProposalAccess::Speaker));
    }
    if access.is_reviewer()
        && review_standing(conn, event, proposal, user)
            .await?
            .may_review(event, proposal)
    {
        return Ok(Some(ProposalAccess::Reviewer));
    }
    Ok(None)
}

/// Only the proposal's speakers (its submitter and accepted co-speakers) may act on its
/// co-speaker invitations: anyone else who may see the proposal is refused (403), and everyone
/// else may not know it exists (404).
pub async fn require_speaker(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
    user: &CurrentUser,
) -> Result<(), AppError> {
    if crate::db::proposals::is_speaker(conn, proposal, user.id).await? {
        return Ok(());
    }
    match proposal_access(conn, event, proposal, user).await? {
        Some(_) => Err(AppError::Forbidden(
            "only this proposal's speakers may do this".into(),
        )),
        None => Err(AppError::NotFound),
    }
}

/// The proposal's speakers (submitter, accepted co-speakers) and the event's chairs may: a
/// reviewer who sees the proposal is refused (403), everyone else may not know it (404).
pub async fn require_speaker_or_chair(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &Proposal,
    user: &CurrentUser,
) -> Result<(), AppError> {
    match proposal_access(conn, event, proposal, user).await? {
        Some(ProposalAccess::Chair | ProposalAccess::Speaker) => Ok(()),
        Some(ProposalAccess::Reviewer) => Err(AppError::Forbidden(
            "only this proposal's speakers and the event's chairs may do this".into(),
        )),
        None => Err(AppError::NotFound),
    }
}

/// Why the user may not review the proposal, if they may not.
pub async fn conflict_between(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal_id: ProposalId,
    user_id: UserId,
) -> AppResult<Option<ConflictReason>> {
    let Some(identity) = crate::db::reviews::user_identity(conn, user_id).await? else {
        return Ok(None);
    };
    let found = event_conflicts(conn, event, &[proposal_id], &[identity]).await?;
    Ok(found.get(&(user_id, proposal_id)).copied())
}

/// Every conflict between these reviewers and these proposals of the event.
pub async fn event_conflicts(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal_ids: &[ProposalId],
    reviewers: &[ReviewerIdentity],
) -> AppResult<HashMap<(UserId, ProposalId), ConflictReason>> {
    let speakers = crate::db::reviews::speaker_identities(conn, proposal_ids).await?;
    let stored = crate::db::reviews::stored_conflicts(conn, proposal_ids).await?;
    Ok(crate::domain::conflicts::conflicts(
        reviewers,
        &speakers,
        &stored,
        event.conflict_same_domain,
    ))
}
