//! The decision pages, driven as a browser without JavaScript would: the dashboard's bulk
//! decisions, release, publication and track balance; the decision box on the proposal page;
//! the speakers' confirmation; the decision emails' wording and preview; the outbox; and the
//! public list of accepted talks with its fragment and Atom feed.

mod access;
mod answers;
mod dashboard;
mod emails;
mod from_ranking;
mod public_list;

use crate::helpers::Proposal;

const DASHBOARD: &str = "/events/rust-mc/dashboard";

/// A talk in the speaker's choice of track.
fn talk(title: &str, track: &str) -> Proposal {
    Proposal::titled(title).track(track)
}
