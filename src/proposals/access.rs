//! Finding a proposal for an action: `accounts::proposal_access`, which `review` uses too.

pub(super) use crate::accounts::proposal_access::speaker_proposal_for_update;
pub use crate::accounts::proposal_access::{lock_with_event, visible_proposal};
