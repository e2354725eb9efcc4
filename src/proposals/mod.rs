//! Proposal actions shared by the JSON API and the pages: submit, edit, withdraw, invitations,
//! the chairs' track corrections, and how a proposal is shown to whom. Each action is one
//! transaction, with its emails written to the outbox inside it.

mod access;
mod corrections;
mod declined;
mod drafts;
mod edit;
mod fields;
mod guards;
mod invitations;
mod sheet;
mod submit;
mod tags;
mod view;

pub use access::{lock_with_event, visible_proposal};
pub use corrections::{corrections_csv, override_track};
pub use declined::tell_others_of_decline;
pub use drafts::{draft_view, drafts_of, own_draft};
pub use edit::{Withdrawal, update, withdraw_in};
pub use fields::ProposalFields;
pub use guards::{EditPrecondition, stale_edit};
pub use invitations::{accept_invitation, resend_invitation};
pub use sheet::proposals_csv;
pub use submit::{CreateOutcome, create, submit_draft};
pub use tags::{TagsView, tags};
pub use view::{
    CoSpeakerInvitationView, DecisionView, ProposalView, SpeakerView, Viewer, answers_for,
    decision_view, view, views,
};
