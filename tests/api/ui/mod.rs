//! The web interface as a whole, for every role, driven as a browser without JavaScript would:
//! the header's navigation per role, the speakers' status timeline, the accessibility basics of
//! every page a role reaches (language, landmarks, labelled fields, linked error messages), and
//! the second step of every destructive action.

mod accessibility;
mod destructive;
mod messages;
mod navigation;
mod timeline;

/// The chairs' pages, as the header links them.
pub(super) const CHAIR_PAGES: [&str; 6] = [
    "/events/rust-mc/dashboard",
    "/events/rust-mc/ranking",
    "/events/rust-mc/emails",
    "/events/rust-mc/outbox",
    "/events/rust-mc/members",
    "/events/rust-mc/settings",
];
pub(super) const QUEUE: &str = "/events/rust-mc/review";

/// The page's header (both navigations), where the role links are.
pub(super) fn header(html: &str) -> &str {
    let start = html.find("<header").expect("a <header>");
    let end = html[start..].find("</header>").expect("</header>") + start;
    &html[start..end]
}

/// Every start tag `<name …>` of the page, as the text between the name and the `>`.
pub(super) fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        if after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            let end = after.find('>').expect("the end of a tag");
            found.push(&after[..end]);
        }
        rest = after;
    }
    found
}

/// The value of an attribute in a start tag's text.
pub(super) fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!("{name}=\"");
    let mut from = 0;
    while let Some(at) = tag[from..].find(&marker) {
        let at = from + at;
        let starts_word = tag[..at].ends_with(|c: char| c.is_whitespace());
        if starts_word {
            let value = &tag[at + marker.len()..];
            return value.split('"').next();
        }
        from = at + marker.len();
    }
    None
}

/// Whether a start tag has a boolean attribute (`hidden`, `open`).
pub(super) fn has_flag(tag: &str, name: &str) -> bool {
    tag.split(|c: char| c.is_whitespace() || c == '>')
        .any(|word| word == name)
}

/// The accessibility basics every page must have; `what` names the page in failures.
pub(super) fn assert_accessible(html: &str, what: &str) {
    assert!(html.contains("<html lang=\"en\">"), "{what}: the language");
    assert_eq!(tags(html, "main").len(), 1, "{what}: one <main>");
    assert!(!tags(html, "header").is_empty(), "{what}: a <header>");
    assert!(!tags(html, "nav").is_empty(), "{what}: a <nav>");
    assert!(
        html.contains("id=\"main\""),
        "{what}: the skip link's target"
    );
    assert!(html.contains("<title>"), "{what}: a title");
    // ids are unique, so that every `for` and `aria-describedby` points at one element
    let mut ids: Vec<&str> = Vec::new();
    for name in [
        "input", "select", "textarea", "p", "div", "section", "th", "h2", "span", "form",
        "details", "table", "article", "label", "a", "ol", "ul", "li", "time", "nav", "main",
    ] {
        ids.extend(tags(html, name).into_iter().filter_map(|t| attr(t, "id")));
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        assert_ne!(pair[0], pair[1], "{what}: the id {} twice", pair[0]);
    }
    // every field is labelled: a <label for>, or an aria-label
    for name in ["input", "select", "textarea"] {
        for tag in tags(html, name) {
            if attr(tag, "type") == Some("hidden") {
                continue;
            }
            if attr(tag, "aria-label").is_some() || attr(tag, "aria-labelledby").is_some() {
                continue;
            }
            let id = attr(tag, "id")
                .unwrap_or_else(|| panic!("{what}: a <{name}{tag}> without a label or an id"));
            assert!(
                html.contains(&format!("for=\"{id}\"")),
                "{what}: no <label for=\"{id}\">"
            );
        }
    }
    // radio buttons come in a fieldset with a legend
    let radios = tags(html, "input")
        .into_iter()
        .filter(|t| attr(t, "type") == Some("radio"))
        .count();
    if radios > 0 {
        assert!(
            html.contains("<fieldset") && html.contains("<legend>"),
            "{what}: radios in a fieldset"
        );
    }
    // descriptions and error messages point at elements that exist
    let mut rest = html;
    while let Some(at) = rest.find("aria-describedby=\"") {
        let value = &rest[at + "aria-describedby=\"".len()..];
        let value = value.split('"').next().expect("value");
        for id in value.split_whitespace() {
            assert!(
                ids.contains(&id),
                "{what}: aria-describedby points at a missing id {id}"
            );
        }
        rest = &rest[at + 1..];
    }
    // header cells say what they head
    for tag in tags(html, "th") {
        assert!(
            attr(tag, "scope").is_some(),
            "{what}: a <th{tag}> without scope"
        );
    }
    // an invalid field says why
    for name in ["input", "select", "textarea"] {
        for tag in tags(html, name) {
            if attr(tag, "aria-invalid") == Some("true") {
                assert!(
                    attr(tag, "aria-describedby").is_some_and(|d| d.contains("-error")),
                    "{what}: an invalid <{name}{tag}> not linked to its message"
                );
            }
        }
    }
    // flash messages are announced
    for tag in tags(html, "div") {
        if attr(tag, "class").is_some_and(|c| c.split(' ').any(|w| w == "flash")) {
            let role = attr(tag, "role");
            assert!(
                role == Some("status") || role == Some("alert"),
                "{what}: a flash without a role"
            );
        }
    }
}

/// Whether `needle` sits inside a closed `<details>` (a second step without JavaScript).
pub(super) fn behind_details(html: &str, needle: &str) -> bool {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the page"));
    let before = &html[..at];
    let Some(opened) = before.rfind("<details") else {
        return false;
    };
    let closed = before.rfind("</details>");
    let tag_end = before[opened..].find('>').expect("tag end") + opened;
    let closed_by_default = !has_flag(&before[opened + "<details".len()..tag_end], "open");
    closed.is_none_or(|c| c < opened) && closed_by_default && before[opened..].contains("<summary>")
}

/// The steps of the status timeline, as their HTML.
pub(super) fn steps(html: &str) -> Vec<String> {
    let start = html
        .find("<ol class=\"timeline\"")
        .expect("a timeline in the page");
    let end = html[start..].find("</ol>").expect("its end") + start;
    html[start..end]
        .split("<li")
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// The step named `name` (its name exactly), failing when there is none.
pub(super) fn step<'a>(steps: &'a [String], name: &str) -> &'a str {
    let marker = format!("<span class=\"step-name\">{name}</span>");
    steps
        .iter()
        .find(|s| s.contains(&marker))
        .unwrap_or_else(|| panic!("no step {name:?} in {steps:#?}"))
}

pub(super) fn is_current(step: &str) -> bool {
    step.contains("aria-current=\"step\"") && step.contains(">now</span>")
}

pub(super) fn is_todo(step: &str) -> bool {
    step.contains("step-todo") && step.contains("(not yet)") && !step.contains("<time")
}

/// The local part of a time as the event's pages write it ("2026-11-13 09:00").
pub(super) fn local(at: &str) -> String {
    let at: chrono::DateTime<chrono::Utc> = at.parse().expect("a time");
    mcfp::time::in_zone(at, "America/New_York")[..16].to_owned()
}
