//! One look: the account page's forms with a message in the section they answer, an error page
//! on the site's layout, and a decision's message inside the decision box.

use super::{Driver, browser_available};
use crate::helpers::{CHAIR_EMAIL, Committee, SPEAKER_EMAIL, submit};

#[tokio::test]
async fn the_account_an_error_page_and_a_decision_message_in_place() {
    if !browser_available() {
        return;
    }
    let s = Committee::spawn().await;
    let id = submit(&s.app, &s.speaker.token, "Async drivers in Rust").await;
    let driver = Driver::start().await;

    let speaker = driver.browser(&s.app).await;
    speaker.sign_in(SPEAKER_EMAIL).await;
    speaker.goto("/account").await;
    speaker.fill("#display_name", "Adalind Speaker").await;
    speaker.press("Save the name").await;
    assert_eq!(speaker.path().await, "/account");
    let text = speaker.text().await;
    assert!(text.contains("Your name is saved."), "{text}");
    speaker.screenshot("look-account-name-saved").await;
    speaker.fill("#current_password", "not my password").await;
    speaker
        .fill("#new_password", "another Good passphrase 9")
        .await;
    speaker.press("Change the password").await;
    assert!(
        speaker
            .text()
            .await
            .contains("is not your current password")
    );
    speaker.screenshot("look-account-password-refused").await;

    speaker.goto("/no/such/page").await;
    let text = speaker.text().await;
    assert!(
        text.contains("404") && text.contains("My proposals"),
        "{text}"
    );
    speaker.screenshot("look-error-404").await;
    speaker.close().await;

    let chair = driver.browser(&s.app).await;
    chair.sign_in(CHAIR_EMAIL).await;
    chair.goto(&format!("/proposals/{id}")).await;
    chair.click("input[name=decision][value=reject]").await;
    chair.press("Save the decision").await;
    let inside = chair
        .client
        .execute(
            "var f = document.getElementById('flash'); \
             return f !== null && f.closest('#decision') !== null;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(inside, true, "the message is inside the decision box");
    chair.screenshot("look-decision-message").await;
    chair.close().await;
}
