//! A speaker profile in the browser: the submission form asks for the affiliation and bio the
//! profile lacks, saves them with the proposal; the account page shows them, uploads a photo
//! through its plain multipart form and shows it, then removes it.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::Method;

use super::{ABSTRACT, Driver, browser_available};
use crate::helpers::{TestApp, api};

#[tokio::test]
async fn the_submission_form_asks_for_the_missing_profile_and_the_account_page_takes_a_photo() {
    if !browser_available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.admin_with_event("rust-mc").await;
    app.register("sam@acme.example", "Sam Speaker").await;
    let driver = Driver::start().await;
    let speaker = driver.browser(&app).await;
    speaker.sign_in("sam@acme.example").await;

    speaker.goto("/events/rust-mc/submit").await;
    let text = speaker.text().await;
    assert!(
        text.contains("The programme and Indico need these"),
        "{text}"
    );
    speaker
        .fill("#title", "Writing a PCI network driver in Rust")
        .await;
    speaker.fill("#abstract", ABSTRACT).await;
    speaker.fill("#affiliation", "Acme Kernel Works").await;
    speaker
        .fill("#bio", "Sam maintains *network* drivers.")
        .await;
    speaker.screenshot("profile-01-submission-form-asks").await;
    speaker.press("Submit the proposal").await;
    assert!(
        speaker.path().await.starts_with("/proposals/"),
        "{}",
        speaker.text().await
    );
    let page = speaker.text().await;
    assert!(
        page.contains("Acme Kernel Works"),
        "the speaker sees their profile: {page}"
    );

    // saved to the profile
    let token = app.login("sam@acme.example").await;
    let profile = api(&app, Method::GET, "/api/v1/me/profile", &token, None, 200).await;
    assert_eq!(
        (profile["affiliation"].as_str(), profile["bio"].as_str()),
        (
            Some("Acme Kernel Works"),
            Some("Sam maintains *network* drivers.")
        )
    );
    // the next submission form no longer asks
    speaker.goto("/events/rust-mc/submit").await;
    assert!(
        !speaker
            .text()
            .await
            .contains("The programme and Indico need these")
    );

    // the account page shows the profile; a photo goes up through the form
    speaker.goto("/account").await;
    let account = speaker.text().await;
    assert!(account.contains("No photo yet."), "{account}");
    let affiliation = speaker
        .client
        .execute(
            "return document.querySelector('#affiliation').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(affiliation, "Acme Kernel Works");
    let picture = DynamicImage::ImageRgb8(RgbImage::from_fn(900, 600, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }));
    let file = std::env::temp_dir().join(format!("mcfp-photo-{}.png", std::process::id()));
    let mut png = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    std::fs::write(&file, &png).unwrap();
    speaker.attach_file("#photo", &file).await;
    speaker.press("Upload the photo").await;
    let _ = std::fs::remove_file(&file);
    let account = speaker.text().await;
    assert!(account.contains("Your photo is saved."), "{account}");
    let src = speaker
        .client
        .execute(
            "const img = document.querySelector('#photo-preview'); return img && img.complete && img.naturalWidth > 0 ? img.getAttribute('src') : null;",
            vec![],
        )
        .await
        .unwrap();
    let src = src.as_str().expect("the photo shows").to_owned();
    assert!(src.starts_with("/photos/"), "{src}");
    speaker.screenshot("profile-02-account-with-photo").await;

    speaker.press("Remove photo").await;
    assert!(speaker.text().await.contains("No photo yet."));
    speaker.close().await;
}
