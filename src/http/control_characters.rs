//! Refuses a query string that decodes to control characters (a NUL byte, say) before any
//! handler reads it: 422 problem+json naming the parameter. PostgreSQL cannot store a NUL, and
//! no filter or cursor of this service has a use for the others. A request no route takes (a
//! method the path does not have) is left to the router, whose 404 or 405 says more.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::{AppError, FieldErrors};

/// The first parameter (by name) whose name or value holds a control character.
pub fn first_bad_parameter(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| {
            name.chars().any(char::is_control) || value.chars().any(char::is_control)
        })
        .map(|(name, _)| name.chars().filter(|c| !c.is_control()).collect())
}

/// `unrouted(path, method)`: whether no route takes this method on this path (startup passes
/// the API document's answer).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
    unrouted: fn(&str, &str) -> bool,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(name) = first_bad_parameter(req.query_string())
        && !unrouted(req.path(), req.method().as_str())
    {
        let error = AppError::Validation(FieldErrors::single(
            if name.is_empty() { "query" } else { &name },
            "must not contain control characters",
        ));
        let response = actix_web::ResponseError::error_response(&error);
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_parameter_with_a_control_character() {
        assert_eq!(first_bad_parameter("track=rust%00"), Some("track".into()));
        assert_eq!(first_bad_parameter("a=1&state=x%0Ay"), Some("state".into()));
        assert_eq!(first_bad_parameter("track=rust&limit=5"), None);
        assert_eq!(first_bad_parameter(""), None);
    }
}
