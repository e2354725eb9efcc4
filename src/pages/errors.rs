//! Errors on HTML routes: a friendly error page, or a redirect to the login page.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;

/// Errors on HTML routes: a friendly page, or a redirect to the login page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("sign-in required")]
    LoginRequired { next: String },
}

impl From<diesel::result::Error> for PageError {
    fn from(e: diesel::result::Error) -> Self {
        PageError::App(e.into())
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for PageError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        PageError::App(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::App(e) => e.status_code(),
            PageError::LoginRequired { .. } => StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::LoginRequired { next } => {
                let location = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                HttpResponse::SeeOther()
                    .insert_header(("Location", location))
                    .finish()
            }
            PageError::App(e) => {
                e.log();
                let status = e.status_code();
                let detail = match e {
                    // the API's terse "not found" reads badly on a page
                    AppError::NotFound => "There is nothing at this address, or nothing you \
                                           may see here."
                        .to_owned(),
                    other => other.public_detail(),
                };
                let page = ErrorPage {
                    status: status.as_u16(),
                    title: e.title(),
                    detail: &detail,
                };
                match page.render() {
                    Ok(body) => HttpResponse::build(status)
                        .content_type("text/html; charset=utf-8")
                        .body(body),
                    Err(_) => HttpResponse::build(status)
                        .content_type("text/plain; charset=utf-8")
                        .body(detail),
                }
            }
        }
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

/// A page asking a signed-out visitor to sign in is an expected 303, not a failed request: the
/// response keeps its redirect but drops the error it was made from, which the request logger
/// would otherwise log at ERROR (it logs every error that is not a 4xx so).
pub async fn sign_in_redirects_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let login_required = response
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .is_some_and(|e| matches!(e, PageError::LoginRequired { .. }));
    if !login_required {
        return Ok(response);
    }
    let (req, res) = response.into_parts();
    tracing::debug!("sign-in required: redirected to the sign-in page");
    // through `Response`, which carries no error
    let res = HttpResponse::from(actix_web::dev::Response::from(res));
    Ok(ServiceResponse::new(req, res))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use actix_web::middleware::from_fn;
    use actix_web::{App, test, web};
    use tracing_actix_web::TracingLogger;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn private() -> PageResult {
        Err(PageError::LoginRequired {
            next: "/account".to_owned(),
        })
    }

    async fn broken() -> PageResult {
        Err(AppError::internal("boom").into())
    }

    #[actix_web::test]
    async fn a_redirect_to_sign_in_is_not_logged_as_an_error() {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(from_fn(sign_in_redirects_middleware))
                .wrap(TracingLogger::default())
                .route("/account", web::get().to(private))
                .route("/broken", web::get().to(broken)),
        )
        .await;
        let text = || String::from_utf8(logs.0.lock().expect("log buffer").clone()).unwrap();

        let response =
            test::call_service(&app, test::TestRequest::get().uri("/account").to_request()).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers().get("location").unwrap(),
            "/login?next=%2Faccount"
        );
        assert!(!text().contains("ERROR"), "{}", text());
        assert!(text().contains("sign-in required"), "{}", text());

        // the logger still reports real failures
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/broken").to_request()).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(text().contains("ERROR"), "{}", text());
    }
}
