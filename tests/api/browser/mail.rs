//! Writing to speakers in Chromium: a chair ticks two rows on the dashboard, "Write to their
//! speakers", types a message with `{{speaker_name}}`, previews, sends; the outbox shows it.

use super::{Driver, browser_available};
use crate::helpers::{CHAIR_EMAIL, Committee, submit};

#[tokio::test]
async fn a_chair_writes_to_the_speakers_of_two_ticked_proposals() {
    if !browser_available() {
        return;
    }
    let s = Committee::spawn().await;
    let first = submit(&s.app, &s.speaker.token, "Async drivers in the kernel").await;
    let second = submit(&s.app, &s.other.token, "Pin projections explained").await;
    submit(&s.app, &s.other.token, "A talk nobody ticks").await;
    s.app.deliver_emails().await;
    let driver = Driver::start().await;
    let chair = driver.browser(&s.app).await;
    chair.sign_in(CHAIR_EMAIL).await;
    chair.goto("/events/rust-mc/dashboard").await;
    chair.click(&format!("#select-{first}")).await;
    chair.click(&format!("#select-{second}")).await;
    chair.press("Write to their speakers").await;
    assert!(chair.path().await.starts_with("/events/rust-mc/mail?"));
    assert!(
        chair
            .text()
            .await
            .contains("Plus the 2 proposals ticked on the dashboard")
    );
    chair.fill("#subject", "Slides for {{event_title}}").await;
    chair
        .fill("#body", "Dear {{speaker_name}}, please send your slides.")
        .await;
    chair.press("Preview").await;
    let text = chair.text().await;
    assert!(text.contains("Preview: 2 emails"), "{text}");
    assert!(
        text.contains("Dear Adalind Speakerwoman, please send your slides."),
        "{text}"
    );
    assert!(
        text.contains("Dear Bartholomew Talkington, please send your slides."),
        "{text}"
    );
    chair.screenshot("mail-preview").await;
    chair.press("Send to 2 speakers").await;
    assert!(chair.text().await.contains("2 emails queued"));
    chair.goto("/events/rust-mc/outbox").await;
    chair.click("details.email-body summary").await;
    assert!(
        chair.text().await.contains("please send your slides."),
        "the outbox shows the body"
    );
    chair.close().await;
    assert_eq!(s.app.deliver_emails().await.sent, 2);
}
