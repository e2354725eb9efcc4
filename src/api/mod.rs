//! The JSON API (`/api/v1`), as fixed in the API contract; errors are problem+json.

pub mod auth;
pub mod classify;
pub mod decisions;
pub mod events;
pub mod health;
pub mod mailings;
pub mod openapi;
pub mod profiles;
pub mod programme;
pub mod programme_exports;
pub mod promotions;
pub mod proposals;
pub mod questions;
pub mod review;

pub use crate::db::paging::Page;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PayloadError, UrlencodedError};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldErrors};

/// Largest request body accepted anywhere.
pub use crate::http::BODY_LIMIT_BYTES;

/// Limits and error mapping for actix's own extractors, so bad input is a 4xx problem, never a 500.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(BODY_LIMIT_BYTES))
        .app_data(
            web::JsonConfig::default()
                .limit(BODY_LIMIT_BYTES)
                .error_handler(|e, _| {
                    match e {
                        JsonPayloadError::Overflow { .. }
                        | JsonPayloadError::OverflowKnownLength { .. } => {
                            AppError::PayloadTooLarge {
                                limit_bytes: BODY_LIMIT_BYTES,
                            }
                        }
                        other => AppError::BadRequest(format!("malformed JSON: {other}")),
                    }
                    .into()
                }),
        )
        .app_data(
            web::FormConfig::default()
                .limit(BODY_LIMIT_BYTES)
                .error_handler(|e, _| {
                    match e {
                        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge {
                            limit_bytes: BODY_LIMIT_BYTES,
                        },
                        UrlencodedError::ContentType => AppError::UnsupportedMediaType(
                            "expected an application/x-www-form-urlencoded form".into(),
                        ),
                        other => AppError::BadRequest(format!("malformed form: {other}")),
                    }
                    .into()
                }),
        )
        .app_data(
            web::PathConfig::default().error_handler(|e, _| {
                AppError::BadRequest(format!("bad path parameter: {e}")).into()
            }),
        )
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            AppError::BadRequest(format!("bad query parameter: {e}")).into()
        }));
}

/// A JSON body parsed into `T`. Wrong content type → 415, too large → 413, not JSON → 400,
/// JSON of the wrong shape → 422 naming the field (via serde_path_to_error).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::UnsupportedMediaType(
                    "send the body as JSON with Content-Type: application/json".into(),
                ));
            }
            let bytes = crate::http::within_body_timeout(body).await?;
            let bytes = bytes.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => AppError::PayloadTooLarge {
                    limit_bytes: BODY_LIMIT_BYTES,
                },
                _ => AppError::BadRequest(format!("could not read the body: {e}")),
            })?;
            reject_array(&bytes)?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// Every request body is a JSON object, but serde would also read a struct from an array of
/// its fields in order (`[]` for one whose fields all have defaults): refuse that, as 422.
fn reject_array(bytes: &[u8]) -> Result<(), AppError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
            .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
        return Err(AppError::Validation(FieldErrors::single(
            "body",
            "must be a JSON object, not an array",
        )));
    }
    Ok(())
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = match parsed {
        Ok(value) => value,
        Err(e) => return Err(json_error(e)),
    };
    deserializer
        .end()
        .map_err(|e| AppError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    use serde_json::error::Category;
    let path = e.path().to_string();
    let inner = e.into_inner();
    match inner.classify() {
        Category::Data => {
            let message = inner.to_string();
            // serde reports a missing field at its parent: name the field itself.
            let field = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map(|name| {
                    if path == "." {
                        name.to_owned()
                    } else {
                        format!("{path}.{name}")
                    }
                })
                .unwrap_or_else(|| if path == "." { "body".to_owned() } else { path });
            let readable = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            AppError::Validation(FieldErrors::single(&field, readable))
        }
        _ => AppError::BadRequest(format!("malformed JSON: {inner}")),
    }
}

/// The JSON API under `/api/v1`, and at the root the operational endpoints (health, readiness,
/// metrics) and the programme's exports (files named like the pages they sit beside). Each API
/// module registers its own routes; the API's 404 comes last in the scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    programme_exports::routes(cfg);
    cfg.service(
        web::scope("/api/v1")
            .configure(decisions::hot_routes)
            .configure(openapi::routes)
            .configure(auth::routes)
            .configure(profiles::routes)
            .configure(events::routes)
            .configure(proposals::routes)
            .configure(questions::routes)
            .configure(review::routes)
            .configure(decisions::routes)
            .configure(mailings::routes)
            .configure(programme::routes)
            .configure(promotions::routes)
            .configure(classify::routes)
            .default_service(web::to(openapi::unrouted)),
    );
}

/// The request's `Idempotency-Key` header, if sent (its pattern is checked where it is used).
fn idempotency_key(req: &actix_web::HttpRequest) -> crate::error::AppResult<Option<String>> {
    req.headers()
        .get("Idempotency-Key")
        .map(|value| {
            value.to_str().map(str::to_owned).map_err(|_| {
                crate::error::AppError::Validation(crate::error::FieldErrors::single(
                    "Idempotency-Key",
                    "must be visible ASCII",
                ))
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        count: u32,
    }

    #[test]
    fn json_errors_are_classified() {
        assert!(matches!(
            parse_json::<Body>(b"{not json"),
            Err(AppError::BadRequest(_))
        ));
        match parse_json::<Body>(br#"{"email": "a"}"#) {
            Err(AppError::Validation(errors)) => {
                assert!(errors.get("count").is_some(), "{errors:?}")
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        match parse_json::<Body>(br#"{"email": 5, "count": 1}"#) {
            Err(AppError::Validation(errors)) => {
                assert!(errors.get("email").is_some(), "{errors:?}")
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        assert!(matches!(
            parse_json::<Body>(br#"{"email": "a", "count": 1} trailing"#),
            Err(AppError::BadRequest(_))
        ));
        assert!(parse_json::<Body>(br#"{"email": "a", "count": 1, "extra": true}"#).is_ok());
    }
}
