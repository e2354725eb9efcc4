//! What an action on a proposal must find before it goes ahead: the CfP open, and the version
//! the client read still current.

use crate::db::events::Event;
use crate::error::AppError;

pub(super) fn cfp_closed(event: &Event) -> AppError {
    AppError::Forbidden(format!(
        "the call for proposals is closed (it was open from {} to {} UTC)",
        event.cfp_opens_at.format("%Y-%m-%d %H:%M"),
        event.cfp_closes_at.format("%Y-%m-%d %H:%M")
    ))
}

/// What the client says it last read (`If-Match`, or the edit form's hidden version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditPrecondition {
    /// No condition (no `If-Match`, or `If-Match: *`): the edit applies to whatever is current.
    Any,
    /// The edit applies only if the proposal is still at one of these versions.
    Versions(Vec<i64>),
}

impl EditPrecondition {
    pub(super) fn holds_for(&self, version: i64) -> bool {
        match self {
            EditPrecondition::Any => true,
            EditPrecondition::Versions(versions) => versions.contains(&version),
        }
    }
}

/// The 412 of an edit made from a version that is no longer current.
pub fn stale_edit(current_version: i64) -> AppError {
    AppError::PreconditionFailed(format!(
        "the proposal changed since you read it: its current version is {current_version} \
         (ETag \"{current_version}\"); read it again, re-apply your change and send \
         If-Match: \"{current_version}\""
    ))
}
