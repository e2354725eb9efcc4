//! Decisions: chairs decide, release the decisions (one email per speaker per proposal, through
//! the outbox, in the release's transaction), and accepted speakers confirm or decline. Also the
//! chairs' decision-email templates with their preview. Shared by the API and the pages.
//!
//! `decide` (single and bulk decisions, the trail), `release` (release and its summary),
//! `respond` (confirm or decline), `reminders` (unconfirmed speakers), `templates` (the email
//! kinds and wording), `emails` (rendering, shared by release and preview), and `publishing`
//! (the public accepted list).

mod decide;
mod emails;
pub mod mailing;
pub mod promotion;
mod release;
mod reminders;
mod respond;
mod templates;

pub mod publishing;

pub use crate::domain::Decision;
pub use crate::proposals::{DecisionView, decision_view};
pub use decide::{BulkDecision, decide, decide_many, history};
pub use emails::{PreviewEmail, naming_the_event, preview};
pub use release::{ReleaseSummary, release, release_summary, summarize};
pub use reminders::remind_unconfirmed;
pub use respond::respond;
pub use templates::{
    EmailKind, TemplateView, parse_kind, reset_template, save_template, template_text, templates_of,
};
