//! Accounts: register, log in and out, password reset, the caller, personal API tokens.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::accounts::session::clear_session_cookie;
use crate::accounts::{self, Registration};
use crate::accounts::{Credential, CurrentUser};
use crate::db::users;
use crate::domain::ApiTokenId;
use crate::error::{AppError, AppResult};
use crate::http::client_ip;
use crate::state::AppState;

/// Accounts: registration, sign-in, password resets, the caller and their API tokens; inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register));
    cfg.route("/auth/login", web::post().to(login));
    cfg.route("/auth/logout", web::post().to(logout));
    cfg.route("/auth/password-reset", web::post().to(password_reset));
    cfg.route(
        "/auth/password-reset/confirm",
        web::post().to(password_reset_confirm),
    );
    cfg.route("/me", web::get().to(me));
    cfg.route("/me/tokens", web::get().to(list_tokens));
    cfg.route("/me/tokens", web::post().to(create_token));
    cfg.route("/me/tokens/{id}", web::delete().to(revoke_token));
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(schema_with = crate::domain::schema::email)]
    pub email: String,
    #[schema(schema_with = crate::domain::schema::person_name)]
    pub name: String,
    #[schema(schema_with = crate::domain::schema::new_password)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    description = "Creates the account; the caller signs in next with `POST /auth/login`. An email that \
        already has an account gets the same 201 (with an id that was never stored) and its owner an email \
        saying someone tried: the answer never tells whether an address is registered.",
    responses((status = 201, body = UserResponse, description = "registered, or the email already had an account (indistinguishable)"),
        (status = 422, description = "invalid fields"), (status = 429)))]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RegisterRequest>,
) -> AppResult<HttpResponse> {
    state.rate_limiter.check(client_ip(&req), "register")?;
    let registration = Registration::parse(&body.0.email, &body.0.name, &body.0.password)?;
    let account = accounts::sign_up(&state, registration).await?;
    Ok(HttpResponse::Created().json(UserResponse {
        id: account.id.0,
        email: account.email,
        name: account.name,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(schema_with = crate::domain::schema::email)]
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// A bearer token for `Authorization: Bearer …`; the same session is also set as a cookie.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong email or password")))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    state.rate_limiter.check(client_ip(&req), "login")?;
    let user = accounts::authenticate(&state, &body.0.email, &body.0.password).await?;
    let (session, cookie) = accounts::sign_in(&state, user.id, &req).await?;
    Ok(HttpResponse::Ok().cookie(cookie).json(LoginResponse {
        token: session.token,
        expires_at: session.expires_at,
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204, description = "the session or token used is revoked"), (status = 401)))]
pub async fn logout(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    match user.credential {
        Credential::Session(id) => users::revoke_session(&mut conn, id).await?,
        Credential::ApiToken(id) => {
            users::revoke_api_token(&mut conn, user.id, id).await?;
        }
        Credential::Internal => {}
    }
    Ok(HttpResponse::NoContent()
        .cookie(clear_session_cookie(&state.settings))
        .finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    /// The account's email. Any text is answered 202 alike (only a registered email gets a
    /// link), so nothing here is refused.
    pub email: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = PasswordResetRequest,
    responses((status = 202, description = "always, whether or not the account exists")))]
pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<PasswordResetRequest>,
) -> AppResult<HttpResponse> {
    state
        .rate_limiter
        .check(client_ip(&req), "password-reset")?;
    accounts::request_password_reset(&state, &body.0.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetConfirm {
    /// The token from the emailed link.
    #[schema(schema_with = crate::domain::schema::reset_token)]
    pub token: String,
    #[schema(schema_with = crate::domain::schema::new_password)]
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts", request_body = PasswordResetConfirm,
    responses((status = 204, description = "password changed; every session signed out"), (status = 422)))]
pub async fn password_reset_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<PasswordResetConfirm>,
) -> AppResult<HttpResponse> {
    state
        .rate_limiter
        .check(client_ip(&req), "password-reset")?;
    accounts::complete_password_reset(&state, &body.0.token, &body.0.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct RoleResponse {
    /// The event's slug.
    pub event: String,
    pub role: String,
    pub tracks: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub roles: Vec<RoleResponse>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = MeResponse), (status = 401)))]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> AppResult<web::Json<MeResponse>> {
    let mut conn = state.pool.get().await?;
    let roles = users::event_roles(&mut conn, user.id).await?;
    Ok(web::Json(MeResponse {
        id: user.id.0,
        email: user.email,
        name: user.name,
        is_admin: user.is_admin,
        roles: roles
            .into_iter()
            .map(|r| RoleResponse {
                event: r.event_slug,
                role: r.role,
                tracks: r.tracks,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    #[schema(schema_with = crate::domain::schema::token_name)]
    pub name: String,
    /// Days until the token expires; none means it lasts until revoked.
    #[serde(default, deserialize_with = "crate::domain::whole_number::optional")]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    /// Only in the response that creates it: the token is stored hashed and cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl TokenResponse {
    fn from_row(row: users::ApiToken, token: Option<String>) -> Self {
        TokenResponse {
            id: row.id.0,
            name: row.name,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked: row.revoked_at.is_some(),
            token,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = CreateTokenRequest,
    responses((status = 201, body = TokenResponse), (status = 422)))]
pub async fn create_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateTokenRequest>,
) -> AppResult<HttpResponse> {
    let (row, token) =
        accounts::create_api_token(&state, &user, &body.0.name, body.0.expires_in_days).await?;
    Ok(HttpResponse::Created().json(TokenResponse::from_row(row, Some(token))))
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", responses((status = 200, body = Vec<TokenResponse>)))]
pub async fn list_tokens(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<TokenResponse>>> {
    let mut conn = state.pool.get().await?;
    let rows = users::list_api_tokens(&mut conn, user.id).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|r| TokenResponse::from_row(r, None))
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "accounts",
    params(("id" = uuid::Uuid, Path, description = "token id")),
    responses((status = 204), (status = 404)))]
pub async fn revoke_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<ApiTokenId>,
) -> AppResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    if users::revoke_api_token(&mut conn, user.id, path.into_inner()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::NotFound)
    }
}
