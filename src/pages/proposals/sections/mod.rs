//! The sections of the proposal page, each built for its viewer: the review form and the reviews
//! (`review`), the chairs' assignments and conflicts (`chair_review`), the chairs' decision box
//! and history (`decision`), the speakers' confirm-or-decline box (`answer`, also on the
//! confirmation page). They import no page handler: the pages that show them import them.

pub mod answer;
pub mod chair_review;
pub mod decision;
pub mod review;
