//! The static assets: the hand-written stylesheet, the small script and the icon.

use actix_web::{HttpResponse, web};

/// The hand-written stylesheet and the small script, compiled into the binary.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../templates/static/style.css"))
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../templates/static/app.js"))
}

/// The programme board's drag and drop and in-place moves (only that page loads it).
pub async fn board_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../templates/static/programme-board.js"))
}

/// The site icon. Also served at `/favicon.ico`, which browsers and feed readers ask for without
/// reading any page: an SVG body there is fine, as they go by the content type.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(include_str!("../../templates/static/favicon.svg"))
}

/// `/static/style.css`, `/static/app.js`, `/static/programme-board.js`, `/static/favicon.svg` and `/favicon.ico`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/style.css", web::get().to(stylesheet))
        .route("/static/app.js", web::get().to(script))
        .route("/static/programme-board.js", web::get().to(board_script))
        .route("/static/favicon.svg", web::get().to(favicon))
        .route("/favicon.ico", web::get().to(favicon));
}
