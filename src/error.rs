//! One error type for the whole service, mapped to HTTP in one place:
//! problem+json (RFC 9457) for the API, a friendly page for HTML routes (see `web::PageError`).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Field name → messages; what a 422 carries.
#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    /// The messages of a list's rows, `<list>[i].<name>`, as `<name> <message>` by row index;
    /// and every other message, for the top of the form.
    pub fn by_row(&self, list: &str) -> (BTreeMap<usize, Vec<String>>, Vec<String>) {
        let (mut rows, mut general) = (BTreeMap::<usize, Vec<String>>::new(), Vec::new());
        for (field, messages) in &self.0 {
            let row = field
                .strip_prefix(list)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(i, rest)| {
                    Some((i.parse::<usize>().ok()?, rest.trim_start_matches('.')))
                });
            match row {
                Some((i, name)) => rows
                    .entry(i)
                    .or_default()
                    .extend(messages.iter().map(|m| format!("{name} {m}"))),
                None => general.extend(messages.iter().cloned()),
            }
        }
        (rows, general)
    }

    pub fn new() -> Self {
        Self::default()
    }
    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }
    /// Records the error of a parse into `field`, or returns the parsed value.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request has invalid fields")]
    Validation(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// A known path asked with a method it does not take; `allow` lists the ones it does.
    #[error("this path does not take this method; it takes {allow}")]
    MethodNotAllowed { allow: String },
    #[error("{message}")]
    Conflict {
        message: String,
        errors: FieldErrors,
    },
    /// A conditional request (`If-Match`) whose condition no longer holds: 412.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("the request body is larger than the limit of {limit_bytes} bytes")]
    PayloadTooLarge { limit_bytes: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests; try again later")]
    TooManyRequests,
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn forbidden() -> Self {
        AppError::Forbidden("you are not allowed to do this".into())
    }
    pub fn conflict(field: &str, message: &str) -> Self {
        AppError::Conflict {
            message: message.to_owned(),
            errors: FieldErrors::single(field, message),
        }
    }
    pub fn internal(context: impl std::fmt::Display) -> Self {
        AppError::Internal(anyhow::anyhow!("{context}"))
    }

    fn slug(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation-error",
            AppError::BadRequest(_) => "bad-request",
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid-credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not-found",
            AppError::MethodNotAllowed { .. } => "method-not-allowed",
            AppError::Conflict { .. } => "conflict",
            AppError::PreconditionFailed(_) => "precondition-failed",
            AppError::PayloadTooLarge { .. } => "payload-too-large",
            AppError::UnsupportedMediaType(_) => "unsupported-media-type",
            AppError::TooManyRequests => "too-many-requests",
            AppError::RequestTimeout => "request-timeout",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal-error",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "Some fields are invalid",
            AppError::BadRequest(_) => "Bad request",
            AppError::Unauthorized => "Sign-in required",
            AppError::InvalidCredentials => "Wrong email or password",
            AppError::Forbidden(_) => "Not allowed",
            AppError::NotFound => "Not found",
            AppError::MethodNotAllowed { .. } => "Method not allowed",
            AppError::Conflict { .. } => "Conflict",
            AppError::PreconditionFailed(_) => "The resource changed since it was read",
            AppError::PayloadTooLarge { .. } => "Request too large",
            AppError::UnsupportedMediaType(_) => "Unsupported media type",
            AppError::TooManyRequests => "Too many requests",
            AppError::RequestTimeout => "Request timeout",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::Internal(_) => "Something went wrong on our side",
        }
    }

    /// What the client may read: internal causes stay in the log.
    pub fn public_detail(&self) -> String {
        match self {
            AppError::Internal(_) => "the error was logged; please try again later".into(),
            // the cause (pool or driver text) is for the log only
            AppError::Unavailable(_) => {
                "the service cannot reach its database right now; please retry shortly".into()
            }
            other => other.to_string(),
        }
    }

    /// When a client should try again: the rate limiter's window, or a short pause while the
    /// database comes back.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            // the rate limiter refills a client's bucket within a minute
            AppError::TooManyRequests => Some(60),
            AppError::Unavailable(_) => Some(5),
            _ => None,
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Validation(errors) => Some(errors),
            AppError::Conflict { errors, .. } if !errors.is_empty() => Some(errors),
            _ => None,
        }
    }

    pub fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(error.cause_chain = ?cause, "internal error");
        } else if let AppError::Unavailable(what) = self {
            tracing::warn!(error.detail = %what, "service unavailable");
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a FieldErrors>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let status = self.status_code();
        let problem = Problem {
            kind: format!("/problems/{}", self.slug()),
            title: self.title(),
            status: status.as_u16(),
            detail: self.public_detail(),
            errors: self.field_errors(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if matches!(self, AppError::Unauthorized) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            response.insert_header(("Allow", allow.as_str()));
        }
        if let Some(seconds) = self.retry_after_seconds() {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(problem)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            // A race past an application-level check (two requests creating the same thing).
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => AppError::Conflict {
                message: "this already exists".into(),
                errors: FieldErrors::new(),
            },
            // The connection died under the query (a restart, a crash): the client may retry.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UnableToSendCommand
                | diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => AppError::Unavailable(format!("database connection lost: {}", info.message())),
            diesel::result::Error::BrokenTransactionManager => {
                AppError::Unavailable("database transaction state lost".into())
            }
            // SQLSTATE 22021/22P05: a NUL or another character PostgreSQL cannot store; the
            // adapters reject such input first, this is the net.
            diesel::result::Error::DatabaseError(_, info) if is_unstorable_text(info.message()) => {
                AppError::BadRequest(
                    "the request contains a character that cannot be stored (such as a NUL byte)"
                        .into(),
                )
            }
            other => AppError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

/// The messages of SQLSTATE 22021 (`invalid byte sequence for encoding "UTF8": 0x00`) and
/// 22P05 (`unsupported Unicode escape sequence`); the driver does not pass the code on.
fn is_unstorable_text(message: &str) -> bool {
    message.starts_with("invalid byte sequence for encoding")
        || message.starts_with("unsupported Unicode escape sequence")
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for AppError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        AppError::Unavailable(format!("database connection unavailable: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal(format!("blocking task failed: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_is_503_with_retry_after_and_no_internal_text() {
        let lost = AppError::from(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection unexpectedly".to_owned()),
        ));
        assert_eq!(lost.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(lost.retry_after_seconds(), Some(5));
        assert!(!lost.public_detail().contains("server closed"));
        let response = lost.error_response();
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("5")
        );
    }

    #[test]
    fn text_postgresql_cannot_store_is_a_400() {
        let nul = AppError::from(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("invalid byte sequence for encoding \"UTF8\": 0x00".to_owned()),
        ));
        assert_eq!(nul.status_code(), StatusCode::BAD_REQUEST);
    }
}
