//! The domain's parsers as OpenAPI schemas. Request fields point here (`#[schema(schema_with =
//! ...)]`), so the document states what the parsers accept, from the same bounds: input valid
//! for the schema is not refused for its form (the tests below hold each pattern to its parser;
//! `.ci/schemathesis.sh` holds the served document to the served API).
//!
//! Patterns are written for every dialect that reads them (ECMA-262, Rust's regex, Python's re
//! as schemathesis translates it): character ranges rather than `\s`, which means different
//! things in each. What no pattern follows is NFC normalisation: a decomposed "é" counts two
//! characters as sent and one once parsed.

use utoipa::openapi::schema::{
    ArrayBuilder, ArrayItems, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};

use super::text::{TextRule, rules};
use super::{EmailAddress, EventSlug, NewPassword};

/// What `char::is_whitespace` (and so `str::trim`) calls whitespace.
const WHITESPACE: &str =
    r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Neither whitespace nor a control character: what a trimmed text starts and ends with.
const VISIBLE: &str = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// Anything but a control character (`char::is_control`: Unicode's Cc).
const NOT_CONTROL: &str = r"[^\x00-\x1F\x7F-\x9F]";
/// Anything but a control character other than a tab, newline or carriage return.
const NOT_CONTROL_BUT_LINES: &str = r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]";

/// What `TextRule::clean` accepts besides its `maxLength`: at least `min` characters from the
/// first to the last that is not whitespace, and no control character among them (tabs and
/// newlines allowed in a multi-line text); any whitespace around.
fn text_pattern(rule: TextRule) -> String {
    let inner = if rule.multiline {
        NOT_CONTROL_BUT_LINES
    } else {
        NOT_CONTROL
    };
    let body = match rule.min {
        0 => format!("(?:{VISIBLE}(?:{inner}*{VISIBLE})?)?"),
        1 => format!("{VISIBLE}(?:{inner}*{VISIBLE})?"),
        n => format!("{VISIBLE}{inner}{{{},}}{VISIBLE}", n - 2),
    };
    format!("^[{WHITESPACE}]*{body}[{WHITESPACE}]*$")
}

fn string_type(nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    }
}

/// A free text as `rule` reads it; `about` (the field's meaning) leads the description.
pub fn text(rule: TextRule, nullable: bool, about: &str) -> ObjectBuilder {
    let lines = if rule.multiline {
        "; newlines and tabs allowed"
    } else {
        ""
    };
    let least = match rule.min {
        0 => String::new(),
        n => format!(", at least {n} once trimmed"),
    };
    let bounds = format!(
        "at most {} characters{least}; no control characters{lines}",
        rule.max
    );
    let description = if about.is_empty() {
        bounds
    } else {
        format!("{about} ({bounds})")
    };
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .min_length(Some(rule.min).filter(|&n| n > 0))
        .max_length(Some(rule.max))
        .pattern(Some(text_pattern(rule)))
        .description(Some(description))
}

/// An email address as `EmailAddress::parse` reads it.
pub fn email() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(EmailAddress::MAX_LENGTH))
}

/// An optional email address (null or an empty string: none).
pub fn email_or_null() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(EmailAddress::MAX_LENGTH))
        .description(Some("an email address; null or an empty string: none"))
}

/// Two neighbouring characters of different kinds (lower-case, upper-case, digit, other): the
/// password mixes at least two, as `NewPassword::parse` asks. (Its kinds are Unicode's
/// Lowercase and Uppercase properties, a few characters wider than the Ll and Lu categories
/// every regex dialect knows: a circled ⓐ is lower-case there, a symbol here.)
pub const PASSWORD_MIX: &str =
    r"\p{Ll}[^\p{Ll}]|\p{Lu}[^\p{Lu}]|\p{N}[^\p{N}]|[^\p{Ll}\p{Lu}\p{N}][\p{Ll}\p{Lu}\p{N}]";

/// A new password, as `NewPassword::parse` reads it.
pub fn new_password() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .min_length(Some(NewPassword::MIN_LENGTH))
        .max_length(Some(NewPassword::MAX_LENGTH))
        .pattern(Some(PASSWORD_MIX))
        .description(Some(format!(
            "{}–{} characters, mixing at least two kinds: lower-case, upper-case, digits, symbols",
            NewPassword::MIN_LENGTH,
            NewPassword::MAX_LENGTH
        )))
}

/// The key of a format, a track or a subtopic (`events::check_key`).
pub const KEY: &str = r"^[a-z0-9][a-z0-9-]{0,63}$";

pub fn key() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(KEY))
        .description(Some(
            "1–64 characters of a–z, 0–9 and '-', not starting with '-'",
        ))
}

/// A format key, or null (an edit leaving it as it is).
pub fn format_choice() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(string_type(true))
        .pattern(Some(KEY))
        .description(Some(
            "the key of one of the event's formats (`formats[].key`)",
        ))
}

fn keys(nullable: bool) -> ArrayBuilder {
    let array = ArrayBuilder::new().items(ArrayItems::RefOrSchema(Box::new(key().into())));
    if nullable {
        array.schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
    } else {
        array
    }
}

/// Keys, at most 50, none twice.
pub fn key_list_bounded() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(ArrayItems::RefOrSchema(Box::new(key().into())))
        .max_items(Some(50))
        .unique_items(true)
}

pub fn keys_or_null() -> ArrayBuilder {
    keys(true)
}

pub fn key_list() -> ArrayBuilder {
    keys(false)
}

/// A proposal's track as the speaker or a chair names it: a track key, or blank (or null) for
/// none; trimmed.
pub fn track_choice() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(string_type(true))
        .pattern(Some(format!(
            "^[{WHITESPACE}]*(?:[a-z0-9][a-z0-9-]{{0,63}})?[{WHITESPACE}]*$"
        )))
}

/// An event's slug, as `EventSlug::parse` reads it.
pub fn slug() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .min_length(Some(EventSlug::MIN_LENGTH))
        .max_length(Some(EventSlug::MAX_LENGTH))
        .pattern(Some(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"))
}

fn time_zone(nullable: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(string_type(nullable))
        .enum_values(Some(
            chrono_tz::TZ_VARIANTS
                .iter()
                .map(|tz| serde_json::Value::from(tz.name()))
                .chain(nullable.then_some(serde_json::Value::Null)),
        ))
        .description(Some("an IANA time zone name such as `America/New_York`"))
}

pub fn time_zone_name() -> ObjectBuilder {
    time_zone(false)
}

pub fn time_zone_or_null() -> ObjectBuilder {
    time_zone(true)
}

/// A link to materials, as `MaterialLink::parse` reads it: an absolute http(s) URL whose host
/// is a domain name (its last label starting with a letter, so that it is never read as an
/// IPv4 address), of printable ASCII.
pub const LINK: &str =
    r"^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*\.?(?:[/?#][!-~]*)?$";

pub fn links_or_null() -> ArrayBuilder {
    let link = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .max_length(Some(super::MaterialLink::MAX_LENGTH))
        .pattern(Some(LINK));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ArrayItems::RefOrSchema(Box::new(link.into())))
        .max_items(Some(10))
}

/// A proposal's answers to its event's questions: an object (or null), a value per question
/// key; what each value must be depends on the question's kind (`domain::questions`).
pub fn answers() -> ObjectBuilder {
    use utoipa::openapi::schema::AdditionalProperties;
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .pattern(Some("^[a-z][a-z0-9_]{0,39}$")),
        ))
        // `questions::MAX_QUESTIONS`
        .max_properties(Some(20))
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
}

/// Co-speakers' emails: at most 20 (the most any event allows; each event sets its own limit).
pub fn emails_or_null() -> ArrayBuilder {
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ArrayItems::RefOrSchema(Box::new(email().into())))
        .max_items(Some(20))
        .unique_items(true)
}

/// A secret this service mailed out (`crypto::random_token`): its prefix and 43 base64url
/// characters.
fn token(prefix: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(format!("^{prefix}[A-Za-z0-9_-]{{43}}$")))
        .description(Some("the token from the emailed link"))
}

pub fn reset_token() -> ObjectBuilder {
    token("mcfpr_")
}

pub fn invitation_token() -> ObjectBuilder {
    token("mcfpi_")
}

pub fn member_invitation_token() -> ObjectBuilder {
    token("mcfpm_")
}

/// A decision's note (a single decision or many at once).
pub fn decision_note() -> ObjectBuilder {
    text(rules::DECISION_NOTE, false, "for the chairs only")
}

/// `schema_with` takes a function without arguments: one per text field that needs no more
/// description than its bounds.
macro_rules! text_schemas {
    ($($name:ident => $rule:expr, $nullable:expr;)*) => {
        $(
            pub fn $name() -> ObjectBuilder {
                text($rule, $nullable, "")
            }
        )*
    };
}

text_schemas! {
    person_name => rules::PERSON_NAME, false;
    token_name => rules::TOKEN_NAME, false;
    event_title => rules::EVENT_TITLE, false;
    event_title_or_null => rules::EVENT_TITLE, true;
    event_description => rules::EVENT_DESCRIPTION, false;
    event_description_or_null => rules::EVENT_DESCRIPTION, true;
    label => rules::LABEL, false;
    review_comment => rules::REVIEW_COMMENT, false;
    draft_title => rules::DRAFT_TITLE, false;
    draft_abstract => rules::DRAFT_ABSTRACT, false;
    mailing_subject => rules::MAILING_SUBJECT, false;
    mailing_body => rules::MAILING_BODY, false;
    given_name => rules::GIVEN_NAME, false;
    family_name => rules::FAMILY_NAME, false;
    affiliation => rules::AFFILIATION, false;
    pronouns => rules::PRONOUNS, false;
}

/// A speaker's bio.
pub fn bio() -> ObjectBuilder {
    text(
        rules::BIO,
        false,
        "Markdown, the abstracts' subset, rendered sanitized",
    )
}

/// The display name when it is sent; absent, it stays, or becomes `given family` (see `Profile`).
pub fn person_name_or_null() -> ObjectBuilder {
    text(rules::PERSON_NAME, true, "")
}

#[cfg(test)]
mod tests {
    use regex::Regex;
    use unicode_normalization::UnicodeNormalization;
    use utoipa::openapi::schema::Object;

    use super::*;
    use crate::domain::{EventSlug, MaterialLink, NewPassword, TimeZoneName};

    /// A deterministic stream of strings over `alphabet`, of every length up to `longest`.
    fn strings(alphabet: &[char], longest: usize, count: usize) -> Vec<String> {
        let mut state: u64 = 0x2026_0000_dead_beef;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        (0..count)
            .map(|_| {
                let length = next() % (longest + 1);
                (0..length)
                    .map(|_| alphabet[next() % alphabet.len()])
                    .collect()
            })
            .collect()
    }

    /// Whether `value` is valid for a string schema's length bounds and pattern.
    fn admits(schema: &Object, pattern: &Regex, value: &str) -> bool {
        let length = value.chars().count();
        schema.min_length.is_none_or(|n| length >= n)
            && schema.max_length.is_none_or(|n| length <= n)
            && pattern.is_match(value)
    }

    fn compiled(schema: &Object) -> Regex {
        Regex::new(schema.pattern.as_deref().expect("a pattern")).expect("compiles")
    }

    #[test]
    fn text_schemas_admit_exactly_what_their_rule_accepts() {
        // whitespace of every kind trim knows, control characters (some of them whitespace too),
        // and characters that are neither
        let alphabet = [
            'a', 'Z', '0', 'é', '😀', '\u{200B}', '\u{FEFF}', ' ', '\t', '\n', '\r', '\u{0B}',
            '\u{0C}', '\u{85}', '\u{A0}', '\u{2028}', '\u{3000}', '\u{0}', '\u{1}', '\u{7F}',
            '\u{9F}',
        ];
        let mut checked = 0;
        for rule in [
            TextRule::line(0, 6),
            TextRule::line(1, 6),
            TextRule::line(2, 6),
            TextRule::line(4, 7),
            TextRule::lines(0, 6),
            TextRule::lines(1, 6),
            TextRule::lines(3, 7),
        ] {
            let schema = text(rule, false, "").build();
            let pattern = compiled(&schema);
            for value in strings(&alphabet, 9, 40_000) {
                // NFC can shorten a text after the schema counted it (no pattern follows NFC)
                if value.nfc().collect::<String>() != value {
                    continue;
                }
                assert_eq!(
                    admits(&schema, &pattern, &value),
                    rule.clean(&value).is_ok(),
                    "{rule:?} {value:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 200_000, "{checked}");
        // the rules in use compile, with their own bounds
        for rule in [
            rules::PERSON_NAME,
            rules::PROPOSAL_TITLE,
            rules::ABSTRACT,
            rules::EVENT_DESCRIPTION,
            rules::TEMPLATE_BODY,
        ] {
            let schema = text(rule, true, "").build();
            let pattern = compiled(&schema);
            let shortest = "x".repeat(rule.min.max(1));
            assert!(admits(&schema, &pattern, &shortest));
            assert!(!admits(&schema, &pattern, &"x".repeat(rule.max + 1)));
        }
    }

    #[test]
    fn the_password_schema_admits_exactly_what_new_password_accepts() {
        // lower, upper, digits (Nd and No), symbols, and letters that are neither lower nor upper
        let alphabet = ['a', 'é', 'A', 'É', '1', '٣', '½', '!', ' ', 'ǅ', '中'];
        let schema = new_password().build();
        let pattern = compiled(&schema);
        for value in strings(&alphabet, 12, 20_000) {
            assert_eq!(
                admits(&schema, &pattern, &value),
                NewPassword::parse(&value).is_ok(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn keys_slugs_tokens_and_zones_are_what_their_parsers_take() {
        let alphabet = ['a', 'z', '0', '9', '-', 'A', '_', ' '];
        let slug = slug().build();
        let slug_pattern = compiled(&slug);
        for value in strings(&alphabet, 8, 20_000) {
            assert_eq!(
                admits(&slug, &slug_pattern, &value),
                EventSlug::parse(&value).is_ok() && !value.contains(' '),
                "{value:?}"
            );
        }
        for (schema, prefix) in [
            (reset_token(), "mcfpr_"),
            (invitation_token(), "mcfpi_"),
            (member_invitation_token(), "mcfpm_"),
        ] {
            let schema = schema.build();
            let token = crate::crypto::random_token(prefix);
            assert!(admits(&schema, &compiled(&schema), &token), "{token}");
        }
        let zones = time_zone_name().build();
        let names = zones.enum_values.expect("an enum");
        assert!(names.len() > 400);
        for name in &names {
            let name = name.as_str().expect("a name");
            assert!(TimeZoneName::parse(name).is_ok(), "{name}");
        }
        for other in ["Mars/Olympus", "utc", "america/new_york", ""] {
            assert!(TimeZoneName::parse(other).is_err(), "{other}");
        }
    }

    #[test]
    fn the_link_pattern_admits_only_links_material_link_accepts() {
        let link = Regex::new(LINK).expect("compiles");
        let mut admitted = 0;
        for scheme in ["http", "HTTPS", "ftp", "javascript", "http:"] {
            for host in [
                "example.org",
                "a",
                "a-b.c.",
                "lwn.net",
                "1.2.3.4",
                "999.1.1.1",
                "x.0x1",
                "-a.b",
                "a..b",
                "ex_ample.org",
                "",
                "[::1]",
            ] {
                for rest in [
                    "",
                    "/",
                    "/Articles/1/?q=1#f",
                    "?x",
                    "#y",
                    ":8080/",
                    " x",
                    "/a b",
                ] {
                    let value = format!("{scheme}://{host}{rest}");
                    if link.is_match(&value) {
                        admitted += 1;
                        assert!(MaterialLink::parse(&value).is_ok(), "{value}");
                    }
                }
            }
        }
        assert!(admitted > 20, "{admitted}");
        // what speakers send is admitted
        for value in [
            "https://lwn.net/Articles/1/",
            "http://example.org",
            "https://github.com/Rust-for-Linux/linux/pull/1?tab=files#diff-1",
        ] {
            assert!(link.is_match(value), "{value}");
        }
    }
}
