//! Errors on HTML routes: a friendly error page, or a redirect to the login page.

use actix_web::http::StatusCode;
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
