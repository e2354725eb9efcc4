//! Review: the pure parts and the actions that put them to work against the database, shared
//! by the JSON API and the pages; who may do what is decided in `accounts::policy`.
//!
//! Pure (no database): `assignment` (the min-cost-flow reviewer planner), `ranking` (the
//! calibrated ranking), `conflicts` (conflicts of interest, from `domain`) and the score scale's
//! labels below. Actions (database, one transaction per write): `queue` (what a member may
//! review), `declared_conflicts`, `assign` (a chair's list and the automatic run), `reviews`,
//! `ranking_cache` (the ranked event, cached per event under an O(1) key), `ranking_view` (the
//! ranking, paged, and its CSV), `progress` (reviewers' progress and reminders),
//! `members` (removing a member), `similar` (similar proposals, cached per event) and
//! `chair_list` (the chairs' searchable, sortable list).

pub mod assignment;
pub mod ranking;

mod assign;
mod chair_list;
mod criteria;
mod declared_conflicts;
mod digest;
mod members;
mod progress;
mod queue;
mod ranking_cache;
mod ranking_view;
mod reviews;
mod similar;

pub use crate::accounts::policy::{conflict_between, event_conflicts};
pub use crate::domain::conflicts;
pub use assign::{
    AssignedReviewer, AssignmentsView, AutoAssignOutcome, ShortProposal, assignments_view,
    auto_assign, on_submitted, set_assignments,
};
pub use chair_list::{ChairList, chair_page};
pub use criteria::{
    CriteriaRequest, CriteriaView, Criterion, MAX_CRITERIA, check_scores, criteria_of,
    criteria_view, set_criteria,
};
pub use declared_conflicts::{ConflictView, set_conflict};
pub use digest::queue_digests;
pub use members::remove_member;
pub use progress::{ReviewerProgress, remind, reviewer_progress};
pub use queue::{
    QueueItem, QueuePage, assigned_progress, decode_queue_cursor, encode_queue_cursor,
    next_to_review, queue, reviewer_list,
};
pub use ranking_cache::{
    RankCursor, RankOrder, RankedEvent, RankedProposal, RankingCache, compute as compute_ranking,
};
pub use ranking_view::{RankingItem, items_of, ranking, ranking_csv, ranking_page, whole_ranking};
pub use reviews::{ReviewRequest, ReviewView, ReviewsView, reviews_for, save_review};
pub use similar::{Similar, SimilarProposal, SimilarityCache, SimilarityIndex, similar_proposals};

/// The words shown beside a score: on the default 1–5 scale, 1 is a strong reject and 5 a
/// strong accept; other scales label their ends and, if there is one, their exact middle.
pub fn score_label(min: i16, max: i16, score: i16) -> Option<&'static str> {
    if (min, max) == (1, 5) {
        return Some(match score {
            1 => "strong reject",
            2 => "weak reject",
            3 => "borderline",
            4 => "weak accept",
            5 => "strong accept",
            _ => return None,
        });
    }
    if score == min {
        Some("strong reject")
    } else if score == max {
        Some("strong accept")
    } else if (max - min) % 2 == 0 && score == min + (max - min) / 2 {
        Some("borderline")
    } else {
        None
    }
}

/// Reviewer confidence, 1–3.
pub fn confidence_label(confidence: i16) -> Option<&'static str> {
    match confidence {
        1 => Some("low: not my area"),
        2 => Some("medium"),
        3 => Some("high: I know this area well"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scale_has_a_label_for_every_score() {
        let labels: Vec<_> = (1..=5).map(|s| score_label(1, 5, s)).collect();
        assert_eq!(
            labels,
            [
                Some("strong reject"),
                Some("weak reject"),
                Some("borderline"),
                Some("weak accept"),
                Some("strong accept")
            ]
        );
        assert_eq!(score_label(1, 5, 6), None);
    }

    #[test]
    fn other_scales_label_their_ends_and_exact_middle() {
        assert_eq!(score_label(0, 10, 0), Some("strong reject"));
        assert_eq!(score_label(0, 10, 5), Some("borderline"));
        assert_eq!(score_label(0, 10, 7), None);
        assert_eq!(score_label(1, 4, 4), Some("strong accept"));
        assert_eq!(score_label(1, 4, 2), None);
    }
}
