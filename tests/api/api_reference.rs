//! The repository stands on its own: the API reference `docs/api.md` is the served OpenAPI
//! document rendered as Markdown (and fails here when stale), and no document links outside
//! the repository.

use std::path::{Path, PathBuf};

use crate::helpers::TestApp;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn docs_api_md_is_the_served_openapi_document_rendered() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert_eq!(
        served,
        mcfp::api::openapi::document().expect("document"),
        "`mcfp api-reference` renders the document the server serves"
    );
    let expected = mcfp::api::openapi::markdown(&served);
    let path = root().join("docs/api.md");
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let line = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()))
            + 1;
        panic!(
            "docs/api.md is not the API reference the OpenAPI document gives now (first \
             difference at line {line}); regenerate it with `{}` and commit it",
            mcfp::api::openapi::REGENERATE
        );
    }
}

#[test]
fn the_api_reference_command_prints_what_the_test_expects() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mcfp"))
        .arg("api-reference")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run mcfp api-reference");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        mcfp::api::openapi::reference_markdown().expect("markdown")
    );
}

/// README.md and docs/*.md: the documents a reader of a fresh clone starts from.
fn top_documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Every Markdown file of the repository (not build output or dependencies).
fn every_markdown_file(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                every_markdown_file(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The targets of inline Markdown links `[text](target)` and images, outside code (a pattern in
/// backticks, such as `^(?:[a-z])$`, is no link).
fn link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    // every other piece between backticks is code (a fence's three backticks toggle thrice)
    for prose in markdown.split('`').step_by(2) {
        let mut rest = prose;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let end = after.find(')').unwrap_or(after.len());
            targets.push(after[..end].trim().to_owned());
            rest = &after[end..];
        }
    }
    targets
}

#[test]
fn readme_and_docs_name_nothing_outside_the_repository() {
    let files = top_documents();
    assert!(
        files.iter().any(|f| f.ends_with("docs/api.md")),
        "{files:?}"
    );
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (number, line) in text.lines().enumerate() {
            assert!(
                !line.contains("../shared") && !line.contains("/work/"),
                "{}:{}: points outside the repository: {line}",
                file.display(),
                number + 1
            );
        }
    }
}

#[test]
fn every_relative_link_in_the_repository_resolves_inside_it() {
    let mut files = Vec::new();
    every_markdown_file(root(), &mut files);
    assert!(files.len() >= 2, "{files:?}");
    let repository = root().canonicalize().expect("root");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for target in link_targets(&text) {
            if target.is_empty() || target.starts_with('#') || target.contains("://") {
                continue;
            }
            if target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            let resolved = file.parent().expect("parent").join(path);
            let resolved = resolved
                .canonicalize()
                .unwrap_or_else(|e| panic!("{}: link `{target}` is broken: {e}", file.display()));
            assert!(
                resolved.starts_with(&repository),
                "{}: link `{target}` leaves the repository",
                file.display()
            );
        }
    }
}

#[test]
fn the_link_scanner_finds_inline_links() {
    assert_eq!(
        link_targets("see [the API](docs/api.md#accounts) and ![x](../shared/a.png)."),
        ["docs/api.md#accounts", "../shared/a.png"]
    );
    assert_eq!(
        link_targets("a `^[!-~](?:[a-z])$` pattern, ```\n[x](code.md)\n``` and [y](y.md)"),
        ["y.md"]
    );
}
