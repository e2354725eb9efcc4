//! The score distribution of a proposal's reviews, as a small inline SVG bar chart (the
//! ranking and the dashboard).

use crate::db::events::Event;
use crate::review::score_label;

/// The score distribution as a small bar chart: one bar per score of the scale, heights
/// proportional to the counts, and the counts in words for screen readers and tooltips. Only
/// numbers and fixed words go into it, so it is safe to emit unescaped.
pub fn distribution_svg(event: &Event, distribution: &[usize]) -> String {
    const BAR: usize = 8;
    const GAP: usize = 2;
    const HEIGHT: usize = 24;
    let bars = distribution.len().max(1);
    let width = bars * (BAR + GAP) - GAP;
    let highest = distribution.iter().copied().max().unwrap_or(0);
    let words: Vec<String> = distribution
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let score = event.score_min + i as i16;
            let label = score_label(event.score_min, event.score_max, score)
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            format!(
                "{score}{label}: {n} review{}",
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let description = format!("Scores given: {}", words.join(", "));
    let mut svg = format!(
        "<svg class=\"dist\" width=\"{width}\" height=\"{}\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-label=\"{description}\"><title>{description}</title>",
        HEIGHT + 1,
        HEIGHT + 1,
    );
    for (i, n) in distribution.iter().enumerate() {
        let height = if highest == 0 {
            0
        } else {
            (n * HEIGHT).div_ceil(highest)
        };
        let x = i * (BAR + GAP);
        // a baseline for every score, so an empty scale still reads as a chart
        svg.push_str(&format!(
            "<rect class=\"base\" x=\"{x}\" y=\"{HEIGHT}\" width=\"{BAR}\" height=\"1\"/>"
        ));
        if height > 0 {
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{BAR}\" height=\"{height}\"/>",
                HEIGHT - height
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}
