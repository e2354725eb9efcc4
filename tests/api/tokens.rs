use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn personal_api_tokens_are_shown_once_work_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    app.register("tok@example.org", "Tok").await;
    let session = app.login("tok@example.org").await;
    let created = app
        .new_client()
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "export script", "expires_in_days": 30}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let token = created["token"]
        .as_str()
        .expect("raw token once")
        .to_owned();
    assert!(token.starts_with("mcfpt_"));
    assert!(created["expires_at"].is_string());

    let me: Value = app
        .get_with_token("/api/v1/me", &token)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["email"], "tok@example.org");

    let list: Value = app
        .get_with_token("/api/v1/me/tokens", &session)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(list[0].get("token").is_none(), "never shown again");
    assert!(list[0]["last_used_at"].is_string(), "use is recorded");

    let id = created["id"].as_str().expect("id");
    let revoked = app
        .new_client()
        .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
        .bearer_auth(&session)
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 204);
    assert_eq!(app.get_with_token("/api/v1/me", &token).await.status(), 401);
}

#[tokio::test]
async fn nobody_revokes_another_users_token() {
    let app = TestApp::spawn().await;
    app.register("owner@example.org", "Owner").await;
    app.register("other@example.org", "Other").await;
    let owner = app.login("owner@example.org").await;
    let other = app.login("other@example.org").await;
    let created: Value = app
        .new_client()
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(&owner)
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("id");
    let response = app
        .new_client()
        .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .expect("revoke");
    assert_eq!(response.status(), 404);
    let token = created["token"].as_str().expect("token");
    assert_eq!(app.get_with_token("/api/v1/me", token).await.status(), 200);
}

#[tokio::test]
async fn expired_api_tokens_are_refused_and_bad_token_input_is_422() {
    let app = TestApp::spawn().await;
    app.register("old@example.org", "Old").await;
    let session = app.login("old@example.org").await;
    for body in [
        json!({"name": ""}),
        json!({"name": "x", "expires_in_days": 0}),
        json!({"name": "x", "expires_in_days": 99999}),
    ] {
        let response = app
            .new_client()
            .post(app.url("/api/v1/me/tokens"))
            .bearer_auth(&session)
            .json(&body)
            .send()
            .await
            .expect("create");
        assert_eq!(response.status(), 422, "{body}");
    }
    let created: Value = app
        .new_client()
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "short-lived", "expires_in_days": 1}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let mut conn = app.state.pool.get().await.expect("conn");
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    diesel::update(mcfp::schema::api_tokens::table)
        .set(
            mcfp::schema::api_tokens::expires_at
                .eq(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        )
        .execute(&mut conn)
        .await
        .expect("expire");
    let token = created["token"].as_str().expect("token");
    assert_eq!(app.get_with_token("/api/v1/me", token).await.status(), 401);
}
