//! The track balance chart: accepted minutes per track against the programme's budget, drawn
//! as inline SVG (`templates/track_balance.html`). Used by the public list and the dashboard.

/// One bar (SVG user units).
pub struct BalanceBar {
    pub name: String,
    pub minutes: i32,
    pub talks: usize,
    pub y: u32,
    pub width: u32,
}

pub struct TrackBalance {
    pub bars: Vec<BalanceBar>,
    /// The chart's text alternative.
    pub label: String,
    pub height: u32,
    pub total_minutes: i32,
    pub total_talks: usize,
    /// "150 of 210 minutes: 60 left", or None without a budget.
    pub budget_text: Option<String>,
    pub over_budget: bool,
}

const BAR_MAX: u32 = 420;
const ROW_HEIGHT: u32 = 44;

/// `tracks`: the event's track names in order (every one gets a bar, even empty: the balance is
/// the point); `talks`: (track name, minutes) per accepted talk; `budget`: the programme's minutes.
/// Bars are drawn to the scale of the budget when there is one, else of the longest track.
pub fn track_balance(
    tracks: &[String],
    talks: &[(String, i32)],
    budget: Option<i32>,
) -> TrackBalance {
    let mut totals: Vec<(String, i32, usize)> =
        tracks.iter().map(|name| (name.clone(), 0, 0)).collect();
    for (name, minutes) in talks {
        match totals.iter_mut().find(|(n, _, _)| n == name) {
            Some(total) => {
                total.1 += minutes;
                total.2 += 1;
            }
            None => totals.push((name.clone(), *minutes, 1)),
        }
    }
    let total_minutes: i32 = talks.iter().map(|(_, m)| m).sum();
    let longest = totals.iter().map(|t| t.1).max().unwrap_or(0);
    let scale = budget.unwrap_or(0).max(longest).max(1) as u32;
    let bars = totals
        .iter()
        .enumerate()
        .map(|(i, (name, minutes, count))| BalanceBar {
            name: name.clone(),
            minutes: *minutes,
            talks: *count,
            y: i as u32 * ROW_HEIGHT,
            width: ((*minutes).max(0) as u32 * BAR_MAX).div_ceil(scale),
        })
        .collect::<Vec<_>>();
    let budget_text = budget.map(|budget| {
        let rest = budget - total_minutes;
        if rest >= 0 {
            format!("{total_minutes} of {budget} minutes: {rest} left")
        } else {
            format!("{total_minutes} of {budget} minutes: {} over", -rest)
        }
    });
    let label = format!(
        "Accepted minutes per track{}: {}",
        budget.map_or_else(String::new, |b| format!(" of a {b}-minute programme")),
        totals
            .iter()
            .map(|(name, minutes, count)| format!(
                "{name} {minutes} minutes ({count} talk{})",
                if *count == 1 { "" } else { "s" }
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    TrackBalance {
        height: (bars.len() as u32).max(1) * ROW_HEIGHT,
        bars,
        label,
        total_minutes,
        total_talks: talks.len(),
        over_budget: budget.is_some_and(|b| total_minutes > b),
        budget_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_follow_the_budget_and_every_track_has_one() {
        let tracks = ["Rust for Linux".to_owned(), "Rust".to_owned()];
        let talks = [
            ("Rust for Linux".to_owned(), 30),
            ("Rust for Linux".to_owned(), 45),
        ];
        let b = track_balance(&tracks, &talks, Some(150));
        assert_eq!(b.bars.len(), 2);
        assert_eq!(b.bars[0].width, 210, "75 of 150 minutes is half the bar");
        assert_eq!(b.bars[1].width, 0);
        assert_eq!(b.budget_text.as_deref(), Some("75 of 150 minutes: 75 left"));
        assert!(!b.over_budget);
        let over = track_balance(&tracks, &talks, Some(60));
        assert!(over.over_budget);
        assert_eq!(
            over.budget_text.as_deref(),
            Some("75 of 60 minutes: 15 over")
        );
        assert_eq!(
            over.bars[0].width, BAR_MAX,
            "the longest track fills the bar when over"
        );
        let without = track_balance(&tracks, &talks, None);
        assert_eq!(without.bars[0].width, BAR_MAX);
        assert!(
            without
                .label
                .contains("Rust for Linux 75 minutes (2 talks)")
        );
    }
}
