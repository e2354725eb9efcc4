//! The small template language of the decision emails chairs edit in the browser.
//!
//! `{{name}}` (or `{name}`, for a known name) is replaced by a value; `{{#name}}…{{/name}}` keeps its content only when the
//! value is not empty, `{{^name}}…{{/name}}` only when it is. Nothing else is special. The
//! names are fixed (see [`PLACEHOLDERS`]); a template is checked when it is saved, so rendering
//! it later cannot fail.

use std::collections::BTreeMap;

/// Every placeholder a decision email may use, with what it stands for.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("speaker_name", "the name of the speaker the email goes to"),
    ("proposal_title", "the proposal's title"),
    ("event_title", "the event's title"),
    ("track", "the proposal's track"),
    (
        "reviewer_comments",
        "the reviewers' comments for the speakers, when the event shares them (else empty)",
    ),
    (
        "confirm_link",
        "where an accepted speaker confirms or declines",
    ),
    (
        "confirm_deadline",
        "the confirmation deadline in the event's time zone (empty when there is none)",
    ),
    ("proposal_link", "the proposal's page"),
];

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Value(String),
    /// `{{#name}}` (shown when set) or `{{^name}}` (shown when empty).
    Section {
        name: String,
        when_set: bool,
        body: Vec<Piece>,
    },
}

/// A checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Piece>);

impl Template {
    /// Parses and checks `text`; the error says what is wrong and where, for the chair.
    pub fn parse(text: &str) -> Result<Template, String> {
        Template::parse_with(text, PLACEHOLDERS)
    }

    /// Parses `text` with its own set of known placeholders (another kind of email).
    pub fn parse_with(text: &str, known: &[(&str, &str)]) -> Result<Template, String> {
        let widened = single_braces_widened(text, known);
        let text = widened.as_str();
        let mut stack: Vec<(String, bool, Vec<Piece>)> = Vec::new();
        let mut current: Vec<Piece> = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                current.push(Piece::Text(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| {
                format!(
                    "`{{{{` without a closing `}}}}` near “{}”",
                    excerpt(&rest[start..])
                )
            })?;
            let tag = after[..end].trim();
            rest = &after[end + 2..];
            let (sigil, name) = match tag.chars().next() {
                Some(c @ ('#' | '^' | '/')) => (Some(c), tag[1..].trim()),
                _ => (None, tag),
            };
            if !known.iter().any(|(known, _)| *known == name) {
                return Err(format!(
                    "unknown placeholder `{{{{{tag}}}}}`; known: {}",
                    known.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ));
            }
            match sigil {
                None => current.push(Piece::Value(name.to_owned())),
                Some(open @ ('#' | '^')) => {
                    stack.push((name.to_owned(), open == '#', std::mem::take(&mut current)));
                }
                Some(_) => {
                    let (open_name, when_set, outer) = stack.pop().ok_or_else(|| {
                        format!("`{{{{/{name}}}}}` closes a section that was never opened")
                    })?;
                    if open_name != name {
                        return Err(format!(
                            "`{{{{/{name}}}}}` closes `{open_name}`, which is still open"
                        ));
                    }
                    let body = std::mem::replace(&mut current, outer);
                    current.push(Piece::Section {
                        name: open_name,
                        when_set,
                        body,
                    });
                }
            }
        }
        if !rest.is_empty() {
            current.push(Piece::Text(rest.to_owned()));
        }
        if let Some((name, _, _)) = stack.last() {
            return Err(format!("the section `{name}` is never closed"));
        }
        Ok(Template(current))
    }

    pub fn render(&self, values: &BTreeMap<&str, String>) -> String {
        let mut out = String::new();
        render_into(&self.0, values, &mut out);
        out
    }
}

fn render_into(pieces: &[Piece], values: &BTreeMap<&str, String>, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Value(name) => out.push_str(values.get(name.as_str()).map_or("", |v| v)),
            Piece::Section {
                name,
                when_set,
                body,
            } => {
                let set = values.get(name.as_str()).is_some_and(|v| !v.is_empty());
                if set == *when_set {
                    render_into(body, values, out);
                }
            }
        }
    }
}

/// `{name}` for a known name, as chairs tend to write it, read as `{{name}}`. Other single
/// braces (code in a message, `{}`) stay text.
fn single_braces_widened(text: &str, known: &[(&str, &str)]) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' && (i == 0 || bytes[i - 1] != b'{') {
            let name_end = text[i + 1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(|n| i + 1 + n);
            if let Some(end) = name_end {
                let name = &text[i + 1..end];
                let closes_alone = bytes[end] == b'}' && bytes.get(end + 1) != Some(&b'}');
                if closes_alone && known.iter().any(|(k, _)| *k == name) {
                    out.push_str(&text[copied..i]);
                    out.push_str("{{");
                    out.push_str(name);
                    out.push_str("}}");
                    copied = end + 1;
                    i = end + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

fn excerpt(text: &str) -> String {
    text.chars().take(30).collect()
}

/// The plain text as simple HTML: escaped, paragraphs at blank lines, line breaks kept, and
/// web addresses made links.
pub fn text_to_html(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .map(|paragraph| {
            let lines: Vec<String> = paragraph.lines().map(link_and_escape).collect();
            format!("<p>{}</p>", lines.join("<br>\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn link_and_escape(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            let trimmed = word.trim_end_matches(['.', ',', ')', ';', ':']);
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                let tail = &word[trimmed.len()..];
                format!(
                    "<a href=\"{url}\">{url}</a>{tail}",
                    url = escape(trimmed),
                    tail = escape(tail)
                )
            } else {
                escape(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("speaker_name", "Ada".to_owned()),
            ("proposal_title", "Drivers <in> Rust".to_owned()),
            ("reviewer_comments", String::new()),
        ])
    }

    #[test]
    fn a_known_name_in_single_braces_is_a_placeholder_and_other_braces_stay_text() {
        let t = Template::parse("Hi {speaker_name}: fn f() {} {x} {{proposal_title}} {track")
            .expect("valid");
        assert_eq!(
            t.render(&values()),
            "Hi Ada: fn f() {} {x} Drivers <in> Rust {track"
        );
    }

    #[test]
    fn values_and_sections_render() {
        let t = Template::parse(
            "Hello {{speaker_name}}, “{{ proposal_title }}”.{{#reviewer_comments}} Comments: {{reviewer_comments}}{{/reviewer_comments}}{{^reviewer_comments}} No comments.{{/reviewer_comments}}",
        )
        .expect("valid");
        assert_eq!(
            t.render(&values()),
            "Hello Ada, “Drivers <in> Rust”. No comments."
        );
        let mut with = values();
        with.insert("reviewer_comments", "Great".into());
        assert_eq!(
            t.render(&with),
            "Hello Ada, “Drivers <in> Rust”. Comments: Great"
        );
    }

    #[test]
    fn mistakes_are_caught_when_parsing_with_a_readable_message() {
        let unknown = Template::parse("Hi {{speker_name}}").expect_err("typo");
        assert!(
            unknown.contains("unknown placeholder `{{speker_name}}`"),
            "{unknown}"
        );
        assert!(unknown.contains("speaker_name"), "lists the known names");
        assert!(
            Template::parse("Hi {{speaker_name")
                .expect_err("unclosed")
                .contains("without a closing")
        );
        assert!(
            Template::parse("{{#track}}x")
                .expect_err("open")
                .contains("never closed")
        );
        assert!(
            Template::parse("x{{/track}}")
                .expect_err("stray")
                .contains("never opened")
        );
        assert!(
            Template::parse("{{#track}}{{#confirm_link}}{{/track}}{{/confirm_link}}")
                .expect_err("crossed")
                .contains("still open")
        );
        assert!(Template::parse("no placeholders at all").is_ok());
    }

    #[test]
    fn text_becomes_escaped_html_paragraphs_with_links() {
        let html =
            text_to_html("Dear <Ada>,\nwelcome.\n\nConfirm at https://cfp.example/p/1/confirm.\n");
        assert_eq!(
            html,
            "<p>Dear &lt;Ada&gt;,<br>\nwelcome.</p>\n<p>Confirm at <a href=\"https://cfp.example/p/1/confirm\">https://cfp.example/p/1/confirm</a>.</p>"
        );
    }
}
