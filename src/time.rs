//! Instants as people read them, one format everywhere: `2026-11-13 09:00` followed by the
//! zone's name; in the event's time zone with UTC beside it (`in_zone`, for deadlines and
//! everything else an event shows), or in UTC where no event gives a zone (`utc`).

use chrono::{DateTime, Utc};

/// `2026-11-13 09:00 America/New_York (14:00 UTC)`
pub fn in_zone(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => format!(
            "{} {} ({} UTC)",
            at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            zone,
            at.format("%Y-%m-%d %H:%M")
        ),
        Err(_) => format!("{} UTC", at.format("%Y-%m-%d %H:%M")),
    }
}

/// `2026-11-13 14:00 UTC`: for what belongs to no event (an account's API tokens, a list across
/// events).
pub fn utc(at: DateTime<Utc>) -> String {
    format!("{} UTC", at.format("%Y-%m-%d %H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_with_the_zone_named() {
        let at = DateTime::parse_from_rfc3339("2026-11-13T14:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(
            in_zone(at, "America/New_York"),
            "2026-11-13 09:00 America/New_York (2026-11-13 14:00 UTC)"
        );
        assert_eq!(in_zone(at, "Nowhere/Else"), "2026-11-13 14:00 UTC");
        assert_eq!(utc(at), "2026-11-13 14:00 UTC");
    }
}
