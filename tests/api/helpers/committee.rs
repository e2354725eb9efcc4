//! The cast most page tests share: the event `rust-mc` with a site admin, a chair (not a site
//! admin), two reviewers and two speakers. Distinctive names, so that finding one in a page
//! cannot be a coincidence.

use super::api::{Person, add_member, open_review, patch_event, person};
use super::app::TestApp;

pub const CHAIR_NAME: &str = "Chloe Chair";
pub const CHAIR_EMAIL: &str = "chloe@chairs.test";
pub const SPEAKER_NAME: &str = "Adalind Speakerwoman";
pub const SPEAKER_EMAIL: &str = "adalind@speakers.test";
pub const OTHER_NAME: &str = "Bartholomew Talkington";
pub const OTHER_EMAIL: &str = "bart@speakers.test";

pub struct Committee {
    pub app: TestApp,
    /// The site admin's token (admin@example.org).
    pub admin: String,
    pub chair: Person,
    /// Reviewers of every track.
    pub rita: Person,
    pub rex: Person,
    pub speaker: Person,
    /// A speaker of other proposals.
    pub other: Person,
}

impl Committee {
    /// The cast, with reviewing not open yet.
    pub async fn spawn() -> Committee {
        let app = TestApp::spawn().await;
        let admin = app.admin_with_event(super::SLUG).await;
        let chair = person(&app, CHAIR_EMAIL, CHAIR_NAME).await;
        let rita = person(&app, "rita@reviewers.test", "Rita Reviewer").await;
        let rex = person(&app, "rex@reviewers.test", "Rex Reviewer").await;
        let speaker = person(&app, SPEAKER_EMAIL, SPEAKER_NAME).await;
        let other = person(&app, OTHER_EMAIL, OTHER_NAME).await;
        add_member(&app, &admin, &chair.email, "chair").await;
        add_member(&app, &admin, &rita.email, "reviewer").await;
        add_member(&app, &admin, &rex.email, "reviewer").await;
        Committee {
            app,
            admin,
            chair,
            rita,
            rex,
            speaker,
            other,
        }
    }

    /// The cast, with reviewing open and assignment on submission off: the tests built on it
    /// assign by hand (`review::auto_assign` tests the assignment on submission).
    pub async fn reviewing() -> Committee {
        let committee = Committee::spawn().await;
        patch_event(
            &committee.app,
            &committee.admin,
            serde_json::json!({"auto_assign": false}),
        )
        .await;
        open_review(&committee.app, &committee.admin).await;
        committee
    }
}
