//! The accept page of an emailed invitation, shared by co-speaker and event-member invitations.

use askama::Template;

use super::context::PageContext;

/// The accept page of an emailed invitation (co-speaker or event member): an accept button for
/// the signed-in, sign-in and registration links that come back here for everyone else.
#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    pub page: PageContext,
    /// What is offered, as one sentence.
    pub offer: String,
    /// This page's own path, where the accept form posts and sign-in returns.
    pub path: String,
}

impl InvitationPage {
    /// `path` as a query value (`next=`): percent-encoded, so that nothing in it can add a
    /// parameter to the sign-in link.
    pub fn next_value(&self) -> String {
        url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect()
    }
}
