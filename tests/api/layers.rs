//! The layer rule of `src/lib.rs`, checked on the source: every `crate::…` path a file names
//! must point down the layers, `api` and `pages` never name each other, and the modules form
//! no cycle. Reads the files as text (comments stripped), so it needs no build of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by layer, lowest first. A module may name modules of a lower layer, and
/// of its own layer where that makes no cycle; `api` and `pages` never name each other.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "leaves",
        &[
            "domain",
            "error",
            "config",
            "time",
            "crypto",
            "csv",
            "schema",
            "telemetry",
            "metrics",
            "rate_limit",
        ],
    ),
    ("database", &["db"]),
    ("shared state", &["state"]),
    (
        "services",
        &[
            "accounts",
            "events",
            "proposals",
            "tagging",
            "review",
            "decisions",
            "mail",
        ],
    ),
    ("request helpers", &["http"]),
    ("adapters", &["api", "pages"]),
    (
        "composition",
        &["lib", "main", "cli", "demo", "startup", "bench_seed"],
    ),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/review/ranking.rs` → `review`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src/");
    let first = relative
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The text without `//` comments (doc comments name modules in prose) and string literals.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut previous = ' ';
        let mut kept = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !in_string && c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            }
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            } else if !in_string {
                kept.push(c);
            }
            previous = if previous == '\\' && c == '\\' {
                ' '
            } else {
                c
            };
            i += 1;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Every top-level module a file names: `crate::x::…` and `use crate::{x, y::z}`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut depth = 0;
            let mut start_of_item = true;
            for (i, c) in group[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start_of_item = true,
                    c if start_of_item && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        found.insert(name);
                        start_of_item = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
        rest = after;
    }
    found
}

fn module_graph() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for file in files {
        let from = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for to in named_modules(&code_of(&text)) {
            if to != from {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .push(file.display().to_string());
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

#[test]
fn every_module_has_a_layer_and_imports_point_down() {
    let graph = module_graph();
    let mut broken = Vec::new();
    for (from, targets) in &graph {
        let Some(from_layer) = layer_of(from) else {
            broken.push(format!(
                "src/{from}: not in any layer of tests/api/layers.rs"
            ));
            continue;
        };
        for (to, files) in targets {
            let Some(to_layer) = layer_of(to) else {
                continue; // `crate::routes` and the like: items of lib.rs
            };
            let adapters_cross = matches!(
                (from.as_str(), to.as_str()),
                ("api", "pages") | ("pages", "api")
            );
            if to_layer > from_layer || adapters_cross {
                broken.push(format!(
                    "{from} ({}) imports {to} ({}) in {}",
                    LAYERS[from_layer].0,
                    LAYERS[to_layer].0,
                    files.join(", ")
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the layers:\n{}",
        broken.join("\n")
    );
}

#[test]
fn modules_import_each_other_in_no_cycle() {
    let graph = module_graph();
    // depth-first search for a back edge
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(|t| t.keys()) {
            if graph.contains_key(next)
                && let Some(cycle) = visit(next, graph, path, done)
            {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!(
                "modules import each other in a cycle: {}",
                cycle.join(" → ")
            );
        }
    }
}

#[test]
fn the_scanner_sees_grouped_and_nested_imports() {
    let code = code_of(
        "use crate::{api, db::events::{self, Event}, error::AppError};\n\
         // crate::pages in a comment\n\
         let x = crate::review::ranking(\"crate::mail\");",
    );
    let names: Vec<String> = named_modules(&code).into_iter().collect();
    assert_eq!(names, ["api", "db", "error", "review"]);
}
