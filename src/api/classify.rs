//! The classifier, public: what the tagging hint on the submission form calls.

use actix_web::{HttpRequest, web};
use serde::Deserialize;

use super::ApiJson;
use crate::domain::rules::{DRAFT_ABSTRACT, DRAFT_TITLE};
use crate::error::{AppResult, FieldErrors};
use crate::http::client_ip;
use crate::state::AppState;
use crate::tagging::ClassifyOutput;

/// The topic tagger; inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/classify", web::post().to(classify));
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClassifyRequest {
    #[serde(default)]
    #[schema(schema_with = crate::domain::schema::draft_title)]
    pub title: String,
    #[serde(default, rename = "abstract")]
    #[schema(schema_with = crate::domain::schema::draft_abstract)]
    pub abstract_text: String,
}

#[utoipa::path(post, path = "/api/v1/classify", tag = "proposals", request_body = ClassifyRequest,
    responses((status = 200, body = ClassifyOutput), (status = 422), (status = 429)))]
pub async fn classify(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<ClassifyRequest>,
) -> AppResult<web::Json<ClassifyOutput>> {
    state.rate_limiter.check(client_ip(&req), "classify")?;
    let mut errors = FieldErrors::new();
    let title = errors.check("title", DRAFT_TITLE.clean(&body.0.title));
    let abstract_text = errors.check("abstract", DRAFT_ABSTRACT.clean(&body.0.abstract_text));
    errors.into_result()?;
    let c = crate::tagging::classify(
        &title.unwrap_or_default(),
        &abstract_text.unwrap_or_default(),
        "",
    );
    Ok(web::Json(ClassifyOutput::from(c)))
}
