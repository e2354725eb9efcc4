//! Instants as people read them: in the event's time zone, with UTC beside it.

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
