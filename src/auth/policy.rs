//! Authorization decisions, one function per resource, so every route asks the same place.

use diesel_async::AsyncPgConnection;

use super::CurrentUser;
use crate::db::events::{self, Event, EventRoleKind};
use crate::error::AppError;

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

/// What a caller is to one proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalAccess {
    /// A chair of its event, or a site admin: sees everything about it.
    Chair,
    /// Its submitter or an accepted co-speaker.
    Speaker,
}

/// None means the caller may not know the proposal exists: answer 404.
pub async fn proposal_access(
    conn: &mut AsyncPgConnection,
    event: &Event,
    proposal: &crate::db::proposals::Proposal,
    user: &CurrentUser,
) -> Result<Option<ProposalAccess>, AppError> {
    if event_access(conn, event, user).await?.can_manage() {
        return Ok(Some(ProposalAccess::Chair));
    }
    if crate::db::proposals::is_speaker(conn, proposal, user.id).await? {
        return Ok(Some(ProposalAccess::Speaker));
    }
    Ok(None)
}
