//! "My proposals": the signed-in speaker's proposals and drafts in every event.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;

use crate::db::proposals as db;
use crate::pages::context::PageContext;
use crate::pages::errors::PageResult;
use crate::pages::extract::SignedIn;
use crate::pages::respond::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "my_proposals.html")]
struct MyProposalsPage {
    page: PageContext,
    rows: Vec<(db::Proposal, String, String)>,
    /// The speaker's drafts (only they see them), with their events.
    drafts: Vec<(db::Draft, crate::db::events::Event)>,
}

pub async fn my_proposals(
    page: PageContext,
    state: web::Data<AppState>,
    user: SignedIn,
) -> PageResult {
    let mut conn = state.pool.get().await?;
    let rows = db::list_for_speaker(&mut conn, user.0.id).await?;
    let drafts = crate::proposals::drafts_of(&mut conn, &user.0).await?;
    render(StatusCode::OK, &MyProposalsPage { page, rows, drafts })
}
