//! Proposals through the JSON API: submitting (with co-speakers), validation, normalization,
//! idempotency and limits, who sees a proposal, edits and revisions, withdrawing, lists, the
//! event's formats and tracks, and the call's window.

mod co_speakers;
mod concurrency;
mod drafts;
mod editing;
mod events;
mod submitting;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Proposal, TestApp, api};

const PROPOSALS: &str = "/api/v1/events/rust-mc/proposals";
const ABSTRACT_RUST: &str = "How rustc_codegen_gcc lets rustc use GCC as a backend, what works today, and what \
remains before it can be used for every target that GCC supports.";

/// A talk about Rust itself (the tagger's `rust` track).
fn rust_talk(title: &str) -> Proposal {
    Proposal::titled(title).abstract_text(ABSTRACT_RUST)
}

/// Posts a proposal, asserting the status; returns the answer.
async fn post_proposal(app: &TestApp, token: &str, proposal: &Proposal, status: u16) -> Value {
    api(
        app,
        Method::POST,
        PROPOSALS,
        token,
        Some(&proposal.body()),
        status,
    )
    .await
}
