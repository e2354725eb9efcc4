//! The OpenAPI document, generated from the handlers' annotations at compile time, and its
//! rendering as Markdown: the API reference `docs/api.md`.

use actix_web::{HttpResponse, web};
use serde_json::Value;
use utoipa::OpenApi;

use super::{
    auth, classify, decisions, events, mailings, profiles, programme, programme_exports,
    promotions, proposals, questions, review,
};
use crate::error::AppError;

/// The OpenAPI document, inside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi_json));
}

#[derive(OpenApi)]
#[openapi(
    info(title = "mcfp API", version = "1", description = "The microconference call-for-proposals service. Errors are application/problem+json (RFC 9457)."),
    paths(
        auth::register, auth::login, auth::logout, auth::password_reset, auth::password_reset_confirm,
        auth::me, auth::create_token, auth::list_tokens, auth::revoke_token,
        profiles::get_profile, profiles::put_profile, profiles::put_photo, profiles::delete_photo,
        events::create_event, events::get_event, events::patch_event, events::put_member, events::delete_member, events::cancel_member_invitation, events::accept_member_invitation, events::export_event,
        proposals::create, proposals::list, proposals::get, proposals::patch, proposals::withdraw, proposals::submit,
        proposals::accept_invitation, proposals::resend_invitation, proposals::put_track, proposals::tag_corrections_csv, classify::classify,
        review::auto_assign, review::put_assignments, review::get_assignments, review::put_conflict,
        review::put_review, review::get_reviews, review::ranking, review::ranking_csv,
        review::reviewers, review::remind, review::queue, review::get_review_criteria, review::put_review_criteria,
        decisions::put_decision, decisions::bulk_decide, decisions::decision_history, decisions::release,
        decisions::release_summary, decisions::list_outbox, decisions::retry_outbox, decisions::confirm,
        decisions::decline, decisions::remind_unconfirmed, decisions::list_templates, decisions::put_template,
        decisions::reset_template, decisions::preview_template, decisions::publish, decisions::unpublish,
        decisions::accepted, decisions::accepted_csv,
        mailings::preview, mailings::send, mailings::history,
        questions::get_questions, questions::put_questions, questions::proposals_csv,
        programme::put_programme, programme::get_programme, programme::programme_now, programme::publish_programme, programme::unpublish_programme,
        programme_exports::programme_ics, programme_exports::schedule_xml, programme_exports::programme_indico_csv,
        promotions::get_promotions, promotions::promote, promotions::dismiss,
    ),
    tags((name = "accounts"), (name = "events"), (name = "proposals"), (name = "review"), (name = "decisions"), (name = "programme"))
)]
pub struct ApiDoc;

/// What the API answers when no route matched: 405 with `Allow` when the path is one of the
/// document's with another method, else 404.
pub async fn unrouted(req: actix_web::HttpRequest) -> Result<HttpResponse, AppError> {
    tracing::debug!(path = %req.path(), method = %req.method(), "no such API route");
    let methods = methods_of(req.path());
    // (a path the router did not match although its template takes this method stays a 404)
    if methods.is_empty() || methods.iter().any(|m| m == req.method().as_str()) {
        return Err(AppError::NotFound);
    }
    Err(AppError::MethodNotAllowed {
        allow: methods.join(", "),
    })
}

/// Whether the document has this concrete path but not with this method: the request is a 405.
pub fn method_not_allowed(path: &str, method: &str) -> bool {
    let methods = methods_of(path);
    !methods.is_empty() && !methods.iter().any(|m| m == method)
}

/// The methods the document declares for a concrete path (`/api/v1/proposals/4f…/review`),
/// upper case; empty when no path template matches.
fn methods_of(path: &str) -> Vec<String> {
    static TEMPLATES: std::sync::LazyLock<Vec<(String, Vec<String>)>> =
        std::sync::LazyLock::new(|| {
            let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
            let mut templates = vec![("/api/v1/openapi.json".to_owned(), vec!["GET".to_owned()])];
            if let Some(paths) = doc["paths"].as_object() {
                for (template, item) in paths {
                    let methods = METHODS
                        .iter()
                        .filter(|m| item.get(**m).is_some())
                        .map(|m| m.to_ascii_uppercase())
                        .collect();
                    templates.push((template.clone(), methods));
                }
            }
            templates
        });
    let segments: Vec<&str> = path.split('/').collect();
    let mut methods: Vec<String> = Vec::new();
    for (template, declared) in TEMPLATES.iter() {
        let pattern: Vec<&str> = template.split('/').collect();
        let matches = pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| (p.starts_with('{') && p.ends_with('}') && !s.is_empty()) || p == s);
        if matches {
            for method in declared {
                if !methods.contains(method) {
                    methods.push(method.clone());
                }
            }
        }
    }
    methods
}

pub async fn openapi_json() -> HttpResponse {
    match document().and_then(|doc| serde_json::to_string(&doc)) {
        Ok(json) => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Err(e) => actix_web::ResponseError::error_response(&AppError::internal(format!(
            "OpenAPI document: {e}"
        ))),
    }
}

/// The OpenAPI document as JSON, exactly as `GET /api/v1/openapi.json` serves it.
/// The handlers' annotations, completed with what every operation shares (see [`complete`]).
pub fn document() -> Result<serde_json::Value, serde_json::Error> {
    let mut doc = serde_json::to_value(ApiDoc::openapi())?;
    complete(&mut doc);
    Ok(doc)
}

/// The operations anyone may call; every other operation needs a session or an API token and
/// answers 401 without one (`tests/api/openapi_truth.rs` checks both ways).
pub const PUBLIC_OPERATIONS: &[&str] = &[
    "register",
    "login",
    "password_reset",
    "password_reset_confirm",
    "get_event",
    "get_questions",
    "accepted",
    "get_programme",
    "programme_now",
    "programme_ics",
    "schedule_xml",
    "classify",
];

/// The operations that use no database (every other one may answer 503 while it is unreachable).
const WITHOUT_DATABASE: &[&str] = &["classify"];

/// Adds to the annotated document what the handlers share rather than declare one by one, so
/// that it describes every response the service can give:
/// - the `Problem` schema (RFC 9457, as `error.rs` writes it) as the `application/problem+json`
///   body of every 4xx and 5xx response;
/// - the security schemes (bearer token, session cookie) and, on every operation but
///   [`PUBLIC_OPERATIONS`], the requirement and its 401 with `WWW-Authenticate: Bearer`;
/// - 400 for a malformed path or query parameter or JSON body, and for a JSON body also 413
///   (over the body limit), 415 (not JSON) and 422 (JSON of the wrong shape, naming the field);
///   422 for a query parameter holding a control character;
/// - 503 with `Retry-After` while the database is unreachable, and `Retry-After` on every 429.
pub fn complete(doc: &mut Value) {
    doc["components"]["schemas"]["Problem"] = problem_schema();
    doc["components"]["securitySchemes"] = serde_json::json!({
        "bearer": {"type": "http", "scheme": "bearer",
            "description": "the token of `POST /auth/login`, or a personal API token (`POST /me/tokens`)"},
        "session": {"type": "apiKey", "in": "cookie", "name": "mcfp_session",
            "description": "the session cookie the HTML pages and `POST /auth/login` set"},
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let shared_parameters = item["parameters"].as_array().is_some_and(|p| !p.is_empty());
        for method in METHODS {
            let Some(operation) = item.get_mut(*method) else {
                continue;
            };
            complete_operation(operation, shared_parameters);
        }
    }
}

fn complete_operation(operation: &mut Value, shared_parameters: bool) {
    let id = text(&operation["operationId"]).unwrap_or("").to_owned();
    let public = PUBLIC_OPERATIONS.contains(&id.as_str());
    let has_parameters = shared_parameters
        || operation["parameters"].as_array().is_some_and(|p| {
            p.iter()
                .any(|p| matches!(text(&p["in"]), Some("path" | "query")))
        });
    let has_query = operation["parameters"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| text(&p["in"]) == Some("query")));
    let has_body = operation["requestBody"].is_object();
    if !public {
        operation["security"] = serde_json::json!([{"bearer": []}, {"session": []}]);
    }
    if !operation["responses"].is_object() {
        operation["responses"] = serde_json::json!({});
    }
    let responses = &mut operation["responses"];
    let mut add = |status: &str, description: &str| {
        if responses.get(status).is_none() {
            responses[status] = serde_json::json!({"description": description});
        }
    };
    if has_body {
        add("400", "the body is not JSON, or a parameter is malformed");
        add("413", "the body is larger than the limit");
        add("415", "the body is not sent as `application/json`");
        add("422", "invalid fields; `errors` names each field");
    } else if has_parameters {
        add("400", "a path or query parameter is malformed");
    }
    if has_query {
        // src/http/control_characters.rs refuses these before any handler runs
        add(
            "422",
            "a query parameter is invalid or holds a control character",
        );
    }
    if !public {
        add("401", "no valid session or API token");
    }
    if !WITHOUT_DATABASE.contains(&id.as_str()) {
        add(
            "503",
            "the database is unreachable; retry after `Retry-After` seconds",
        );
    }
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('4') && !status.starts_with('5') {
            continue;
        }
        if text(&response["description"]).is_none_or(str::is_empty) {
            response["description"] = Value::from(default_description(status));
        }
        if response.get("content").is_none() {
            response["content"] = serde_json::json!({"application/problem+json":
                {"schema": {"$ref": "#/components/schemas/Problem"}}});
        }
        let header = match status.as_str() {
            "401" if !public => Some(("WWW-Authenticate", "`Bearer`")),
            "429" => Some(("Retry-After", "seconds until a retry may succeed")),
            "503" => Some(("Retry-After", "seconds until a retry may succeed")),
            _ => None,
        };
        if let Some((name, description)) = header {
            response["headers"][name] = serde_json::json!({"description": description,
                "required": true, "schema": {"type": "string"}});
        }
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "400" => "a malformed request",
        "401" => "no valid session or API token",
        "403" => "not allowed for the caller",
        "404" => "not found",
        "409" => "conflicts with the current state",
        "413" => "the body is larger than the limit",
        "415" => "unsupported media type",
        "422" => "invalid fields; `errors` names each field",
        "429" => "too many requests",
        "503" => "the service is unavailable",
        _ => "an error",
    }
}

/// The body of every error response, as `error.rs` writes it.
fn problem_schema() -> Value {
    serde_json::json!({
        "type": "object",
        "description": "An error, as application/problem+json (RFC 9457).",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "description": "`/problems/<slug>`, e.g. `/problems/validation-error`"},
            "title": {"type": "string"},
            "status": {"type": "integer", "format": "int32", "description": "the HTTP status"},
            "detail": {"type": "string"},
            "errors": {"type": "object", "description": "field name → messages (422, and some 409s)",
                "additionalProperties": {"type": "array", "items": {"type": "string"}}}
        }
    })
}

/// `docs/api.md`: the API reference rendered from the served OpenAPI document.
/// `mcfp api-reference --output docs/api.md` writes it; a test fails when the file is stale.
pub fn reference_markdown() -> Result<String, serde_json::Error> {
    Ok(markdown(&document()?))
}

/// The command that regenerates `docs/api.md`, named by the staleness test's failure message.
pub const REGENERATE: &str = "cargo run -- api-reference --output docs/api.md";

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Renders an OpenAPI 3 document as Markdown: the operations grouped by tag (in the document's
/// tag order; untagged ones last), each with its summary and description, parameters, request
/// body and responses; then one section per component schema with its fields and their types.
/// Only reads the JSON, so it renders whatever the handlers' annotations say, deterministically.
pub fn markdown(doc: &Value) -> String {
    let mut out = String::new();
    let info = &doc["info"];
    let title = text(&info["title"]).unwrap_or("API");
    out.push_str(&format!("# {title} reference\n\n"));
    out.push_str(
        "<!-- Generated from the OpenAPI document served at /api/v1/openapi.json; do not edit.\n",
    );
    out.push_str(&format!("     Regenerate with: {REGENERATE} -->\n\n"));
    let version = text(&info["version"]).unwrap_or("?");
    let openapi = text(&doc["openapi"]).unwrap_or("?");
    out.push_str(&format!(
        "API version {version} (OpenAPI {openapi}). The machine-readable document is served at \
         `GET /api/v1/openapi.json`; this file is rendered from it.\n\n"
    ));
    if let Some(description) = text(&info["description"]) {
        out.push_str(description.trim());
        out.push_str("\n\n");
    }

    let operations = operations(doc);
    let mut tags: Vec<String> = doc["tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| text(&t["name"]).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for op in &operations {
        if !tags.contains(&op.tag) {
            tags.push(op.tag.clone());
        }
    }
    let schemas = doc["components"]["schemas"].as_object();

    out.push_str("## Contents\n\n");
    for tag in &tags {
        let count = operations.iter().filter(|op| &op.tag == tag).count();
        if count > 0 {
            let plural = if count == 1 { "" } else { "s" };
            out.push_str(&format!(
                "- [{tag}](#{}) ({count} operation{plural})\n",
                anchor(tag)
            ));
        }
    }
    if schemas.is_some_and(|s| !s.is_empty()) {
        out.push_str("- [Schemas](#schemas)\n");
    }
    out.push('\n');

    for tag in &tags {
        let in_tag: Vec<&Operation> = operations.iter().filter(|op| &op.tag == tag).collect();
        if in_tag.is_empty() {
            continue;
        }
        out.push_str(&format!("## {tag}\n\n"));
        if let Some(description) = doc["tags"].as_array().and_then(|tags| {
            tags.iter()
                .find(|t| text(&t["name"]) == Some(tag))
                .and_then(|t| text(&t["description"]))
        }) {
            out.push_str(description.trim());
            out.push_str("\n\n");
        }
        for op in in_tag {
            render_operation(&mut out, op);
        }
    }

    if let Some(schemas) = schemas.filter(|s| !s.is_empty()) {
        out.push_str("## Schemas\n\n");
        let mut names: Vec<&String> = schemas.keys().collect();
        names.sort();
        for name in names {
            render_schema(&mut out, name, &schemas[name.as_str()]);
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

struct Operation<'a> {
    tag: String,
    method: &'static str,
    path: &'a str,
    path_item: &'a Value,
    operation: &'a Value,
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    let mut sorted: Vec<(&String, &Value)> = paths.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (path, item) in sorted {
        for method in METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let tag = operation["tags"]
                .as_array()
                .and_then(|t| t.first())
                .and_then(text)
                .unwrap_or("other")
                .to_owned();
            out.push(Operation {
                tag,
                method,
                path,
                path_item: item,
                operation,
            });
        }
    }
    out
}

fn render_operation(out: &mut String, op: &Operation<'_>) {
    let operation = op.operation;
    out.push_str(&format!(
        "### {} `{}`\n\n",
        op.method.to_ascii_uppercase(),
        op.path
    ));
    let summary = text(&operation["summary"]).map(str::trim);
    let description = text(&operation["description"]).map(str::trim);
    if let Some(summary) = summary.filter(|s| !s.is_empty()) {
        out.push_str(summary);
        out.push_str("\n\n");
    }
    if let Some(description) = description.filter(|d| !d.is_empty() && Some(*d) != summary) {
        out.push_str(description);
        out.push_str("\n\n");
    }
    if let Some(id) = text(&operation["operationId"]) {
        out.push_str(&format!("Operation id: `{id}`"));
        if operation["deprecated"].as_bool() == Some(true) {
            out.push_str(" (deprecated)");
        }
        out.push_str("\n\n");
    }

    // path-level parameters apply to every method, unless the operation redefines them
    let mut parameters: Vec<&Value> = operation["parameters"]
        .as_array()
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    if let Some(shared) = op.path_item["parameters"].as_array() {
        for p in shared {
            if !parameters
                .iter()
                .any(|q| q["name"] == p["name"] && q["in"] == p["in"])
            {
                parameters.push(p);
            }
        }
    }
    if !parameters.is_empty() {
        out.push_str(
            "Parameters:\n\n| name | in | type | required | description |\n|---|---|---|---|---|\n",
        );
        for p in parameters {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                text(&p["name"]).unwrap_or("?"),
                text(&p["in"]).unwrap_or("?"),
                cell(&type_of(&p["schema"])),
                yes_no(p["required"].as_bool() == Some(true)),
                cell(text(&p["description"]).unwrap_or("")),
            ));
        }
        out.push('\n');
    }

    let body = &operation["requestBody"];
    if let Some(content) = body["content"].as_object() {
        let required = if body["required"].as_bool() == Some(true) {
            "required"
        } else {
            "optional"
        };
        for (media, value) in content {
            out.push_str(&format!(
                "Request body ({required}, `{media}`): {}",
                type_of(&value["schema"])
            ));
            if let Some(description) = text(&body["description"]) {
                out.push_str(&format!(" — {}", description.trim()));
            }
            out.push_str("\n\n");
        }
    }

    if let Some(responses) = operation["responses"].as_object() {
        out.push_str("Responses:\n\n| status | description | body |\n|---|---|---|\n");
        for (status, response) in responses {
            let bodies: Vec<String> = response["content"]
                .as_object()
                .map(|content| {
                    content
                        .iter()
                        .map(|(media, value)| {
                            if value["schema"].is_null() {
                                format!("`{media}`")
                            } else {
                                format!("`{media}`: {}", type_of(&value["schema"]))
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "| {status} | {} | {} |\n",
                cell(text(&response["description"]).unwrap_or("")),
                cell(&bodies.join("; ")),
            ));
        }
        out.push('\n');
    }
}

fn render_schema(out: &mut String, name: &str, schema: &Value) {
    out.push_str(&format!("### {name}\n\n"));
    if let Some(description) = text(&schema["description"]) {
        out.push_str(description.trim());
        out.push_str("\n\n");
    }
    if schema["properties"].is_object() {
        out.push_str("| field | type | required | description |\n|---|---|---|---|\n");
        render_fields(out, "", schema);
        out.push('\n');
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            out.push_str(&format!("Other fields: {}\n\n", type_of(extra)));
        }
    } else {
        out.push_str(&format!("Type: {}\n\n", type_of(schema)));
    }
}

/// One table row per field; the fields of an inline object (or of an array's inline objects)
/// follow their parent's row as `parent.field` (or `parent[].field`).
fn render_fields(out: &mut String, prefix: &str, schema: &Value) {
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(text).collect())
        .unwrap_or_default();
    for (field, property) in properties {
        out.push_str(&format!(
            "| `{prefix}{field}` | {} | {} | {} |\n",
            cell(&type_of(property)),
            yes_no(required.contains(&field.as_str())),
            cell(text(&property["description"]).unwrap_or("")),
        ));
        if property["properties"].is_object() {
            render_fields(out, &format!("{prefix}{field}."), property);
        } else if property["items"]["properties"].is_object() {
            render_fields(out, &format!("{prefix}{field}[]."), &property["items"]);
        }
    }
}

/// A schema as a short type expression; references link to their schema's section.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = text(&schema["$ref"]) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("[{name}](#{})", anchor(name));
    }
    for (key, joiner) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(parts) = schema[key].as_array() {
            let parts: Vec<String> = parts.iter().map(type_of).collect();
            return parts.join(joiner);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        let shown_count = if values.len() > ENUM_SHOWN {
            3
        } else {
            ENUM_SHOWN
        };
        let shown: Vec<String> = values
            .iter()
            .take(shown_count)
            .map(|v| match v {
                Value::Null => "null".to_owned(),
                other => format!("`{other}`"),
            })
            .collect();
        return if values.len() > ENUM_SHOWN {
            format!(
                "one of {} values such as {}, …",
                values.len(),
                shown.join(", ")
            )
        } else {
            format!("one of {}", shown.join(", "))
        };
    }
    if let Some(value) = schema.get("const") {
        return format!("`{value}`");
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(text).collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        return if schema["properties"].is_object() {
            "object".to_owned()
        } else {
            "any".to_owned()
        };
    }
    let described = types
        .iter()
        .map(|t| match *t {
            "array" => match schema["prefixItems"].as_array() {
                Some(tuple) => {
                    let parts: Vec<String> = tuple.iter().map(type_of).collect();
                    format!("[{}]", parts.join(", "))
                }
                None => {
                    let item = type_of(&schema["items"]);
                    if item.contains(';') {
                        format!("array of ({item})")
                    } else {
                        format!("array of {item}")
                    }
                }
            },
            "object" => match schema.get("additionalProperties") {
                Some(values) if values.is_object() => {
                    format!("map of string to {}", type_of(values))
                }
                _ => "object".to_owned(),
            },
            "null" => "null".to_owned(),
            other => match text(&schema["format"]) {
                Some(format) => format!("{other} ({format})"),
                None => other.to_owned(),
            },
        })
        .collect::<Vec<_>>()
        .join(" or ");
    let limits = constraints(schema);
    if limits.is_empty() {
        described
    } else {
        format!("{described}; {}", limits.join(", "))
    }
}

/// An enum longer than this (the time zones) shows its first three values.
const ENUM_SHOWN: usize = 12;

/// Patterns longer than this are left to the description and the JSON document.
const PATTERN_SHOWN: usize = 80;

/// A schema's bounds in words: lengths, ranges, item counts, a short pattern.
fn constraints(schema: &Value) -> Vec<String> {
    let number = |key: &str| {
        schema
            .get(key)
            .filter(|v| v.is_number())
            .map(Value::to_string)
    };
    let range = |low: Option<String>, high: Option<String>, unit: &str| match (low, high) {
        (Some(low), Some(high)) => Some(format!("{low}–{high}{unit}")),
        (Some(low), None) if low == "1" => {
            Some(format!("at least 1{}", unit.trim_end_matches('s')))
        }
        (Some(low), None) => Some(format!("at least {low}{unit}")),
        (None, Some(high)) => Some(format!("at most {high}{unit}")),
        (None, None) => None,
    };
    let mut out = Vec::new();
    out.extend(range(
        number("minLength"),
        number("maxLength"),
        " characters",
    ));
    out.extend(range(number("minimum"), number("maximum"), ""));
    out.extend(range(number("minItems"), number("maxItems"), " items"));
    if schema["uniqueItems"].as_bool() == Some(true) {
        out.push("unique".to_owned());
    }
    if let Some(pattern) = text(&schema["pattern"]).filter(|p| p.len() <= PATTERN_SHOWN) {
        out.push(format!("matching `{pattern}`"));
    }
    out
}

fn text(value: &Value) -> Option<&str> {
    value.as_str()
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

/// A table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The anchor GitHub gives a heading: lower case, spaces to hyphens, other punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_operations_parameters_bodies_responses_and_schemas() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "T API", "version": "2", "description": "About."},
            "tags": [{"name": "things", "description": "Things."}],
            "paths": {
                "/things/{id}": {
                    "put": {
                        "tags": ["things"],
                        "summary": "Replace a thing.",
                        "description": "Replace a thing.\n\nIn full.",
                        "operationId": "put_thing",
                        "parameters": [{"name": "id", "in": "path", "required": true,
                            "schema": {"type": "string", "format": "uuid"}}],
                        "requestBody": {"required": true, "content": {"application/json":
                            {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "responses": {
                            "200": {"description": "the thing", "content": {"application/json":
                                {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                            "422": {"description": "a | b"}
                        }
                    }
                }
            },
            "components": {"schemas": {"Thing": {
                "type": "object",
                "description": "A thing.",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "description": "its\nname"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "owner": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/User_Ref"}]},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "size": {"type": ["integer", "null"], "format": "int32"},
                    "extra": {"type": "object", "additionalProperties": {"type": "number"}},
                    "pairs": {"type": "array", "items": {"type": "array", "items": false,
                        "prefixItems": [{"type": "string"}, {"type": "integer"}]}},
                    "parts": {"type": "array", "items": {"type": "object", "required": ["n"],
                        "properties": {"n": {"type": "integer"}}}}
                }
            }}}
        });
        let md = markdown(&doc);
        for expected in [
            "# T API reference\n",
            "- [things](#things) (1 operation)",
            "## things\n\nThings.\n",
            "### PUT `/things/{id}`\n\nReplace a thing.\n\nReplace a thing.\n\nIn full.\n",
            "| `id` | path | string (uuid) | yes |  |",
            "Request body (required, `application/json`): [Thing](#thing)",
            "| 200 | the thing | `application/json`: [Thing](#thing) |",
            "| 422 | a \\| b |  |",
            "### Thing\n\nA thing.\n",
            "| `name` | string | yes | its name |",
            "| `tags` | array of string | no |  |",
            "| `owner` | null or [User_Ref](#user_ref) | no |  |",
            "| `kind` | one of `\"a\"`, `\"b\"` | no |  |",
            "| `size` | integer (int32) or null | no |  |",
            "| `pairs` | array of [string, integer] | no |  |",
            "| `parts` | array of object | no |  |\n| `parts[].n` | integer | yes |  |",
            "| `extra` | map of string to number | no |  |",
        ] {
            assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
        }
        assert!(md.ends_with('\n') && !md.ends_with("\n\n"));
        assert_eq!(md, markdown(&doc), "deterministic");
    }

    /// A parameter's pattern as the served document states it.
    fn documented_pattern(path: &str, method: &str, name: &str) -> regex::Regex {
        let doc = document().expect("the document");
        let parameter = doc["paths"][path][method]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name).cloned())
            .expect("documented");
        regex::Regex::new(parameter["schema"]["pattern"].as_str().expect("a pattern"))
            .expect("compiles")
    }

    #[test]
    fn the_if_match_pattern_admits_exactly_what_if_match_reads() {
        let pattern = documented_pattern("/api/v1/proposals/{id}", "patch", "If-Match");
        let pieces = [
            "*", "\"3\"", "W/\"3\"", "\"\"", "3", "\"3", "\"a\"b\"", "W/ \"3\"", "w/\"3\"",
        ];
        let separators = [", ", ",", " , ", ",,", " ", "\t,"];
        let mut values: Vec<String> = pieces.iter().map(|p| p.to_string()).collect();
        for a in pieces {
            for separator in separators {
                for b in pieces {
                    values.push(format!("{a}{separator}{b}"));
                    values.push(format!(" {a}{separator}{b}\t"));
                }
            }
        }
        for value in values {
            let req = actix_web::test::TestRequest::default()
                .insert_header(("If-Match", value.as_str()))
                .to_http_request();
            assert_eq!(
                pattern.is_match(&value),
                proposals::if_match(&req).is_ok(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn the_served_document_renders_every_operation() {
        let doc = document().expect("the document is JSON");
        let md = markdown(&doc);
        let mut count = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in METHODS {
                if item.get(*method).is_some() {
                    count += 1;
                    let heading = format!("### {} `{path}`\n", method.to_ascii_uppercase());
                    assert!(md.contains(&heading), "{heading}");
                }
            }
        }
        assert!(count >= 50, "{count} operations");
        for name in doc["components"]["schemas"]
            .as_object()
            .expect("schemas")
            .keys()
        {
            assert!(md.contains(&format!("\n### {name}\n")), "{name}");
        }
    }
}
