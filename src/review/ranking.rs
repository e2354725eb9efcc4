//! Aggregation and calibrated ranking of reviewers' scores
//! (`GET /api/v1/events/{slug}/ranking`).
//!
//! Everything here is pure: ids in, numbers out, no I/O.
//!
//! # Raw statistics (per proposal)
//!
//! Over the proposal's review scores, unweighted:
//! * `n`: number of reviews;
//! * `mean`: arithmetic mean;
//! * `median`: middle score, or the average of the two middle scores when `n`
//!   is even;
//! * `stdev`: **sample** standard deviation (divide by `n − 1`), because a
//!   proposal's few reviews are a sample of what reviewers could have said;
//!   a single review gives `0.0`;
//! * `disagreement`: the reviews span at least half the scale, i.e.
//!   `max − min ≥ (scale.max − scale.min) / 2` over the real numbers. It is
//!   evaluated exactly in integers as `2 × (max − min) ≥ scale.max − scale.min`,
//!   so nothing is rounded: on 1–5 a range of 2 is a disagreement, on 0–10 a
//!   range of 5, on 1–4 (half = 1.5) a range of 2. One review never disagrees.
//!
//! With no reviews, `n = 0`, every statistic is `None` and `disagreement` is
//! `false`.
//!
//! # Calibrated score
//!
//! Some reviewers are lenient (everything is a 4) and some are harsh
//! (everything is a 2); a proposal should not win or lose because of who
//! happened to review it. The calibrated score removes that bias:
//!
//! 1. **Each reviewer's habits** are measured over *every* review they gave
//!    that is passed in (all proposals and tracks, not just the ones being
//!    ranked): the mean and the sample standard deviation of their scores.
//! 2. **Reviewers with at least 3 reviews and some spread** are calibrated:
//!    each of their scores becomes a z-score, `z = (score − reviewer mean) /
//!    reviewer stdev`, meaning "how many of their own spreads above or below
//!    their usual score".
//! 3. **The z-score is mapped back onto the scale with the committee-wide
//!    yardstick**: `global mean + z × global stdev`, where the global mean and
//!    sample standard deviation are taken over all review scores passed in.
//!    (Mapping back with the reviewer's own mean and stdev would just give
//!    back the raw score, undoing the calibration; the shared yardstick puts
//!    every reviewer's "usual" on the committee's usual.)
//! 4. **Every other reviewer contributes their raw score**: with fewer than 3
//!    reviews their habits cannot be estimated, and with no spread (always
//!    the same score) a z-score is undefined. Raw scores are already on the
//!    scale, so they mix with the mapped-back ones directly.
//! 5. Each contribution is **clamped to `[scale.min, scale.max]`**, so an
//!    extreme z-score cannot push a proposal off the scale.
//! 6. The proposal's calibrated score is the **confidence-weighted mean** of
//!    its contributions, with weight `confidence / 3` (confidence 3 counts
//!    three times as much as confidence 1; the `/ 3` cancels out, so plain
//!    confidences are used). Confidences outside 1–3 are clamped into 1–3.
//!    The result is clamped to the scale once more (guarding against float
//!    rounding) and is not rounded; display rounding is the caller's job.
//!
//! Consequences worth knowing: if only one reviewer reviewed anything, the
//! global yardstick is their own, so calibrated equals raw (apart from
//! confidence weighting); if all scores are equal, nobody has spread and the
//! calibrated score is the confidence-weighted raw mean. The raw `mean`,
//! `median` and `stdev` are never weighted or calibrated.
//!
//! # Ranking
//!
//! One aggregate per distinct id in `proposals`, best first: calibrated
//! descending (`None` last), then mean descending, then `n` descending, then
//! proposal id ascending. To filter by track, pass only that track's
//! proposals but *all* the event's reviews, so that reviewer calibration
//! still sees everything. Reviews of proposals that are not listed count for
//! calibration only.
//!
//! # Determinism
//!
//! The reviews are first sorted by (proposal, reviewer, score, confidence)
//! and grouped with ordered maps, so every floating-point sum runs in the
//! same order whatever the input order: shuffled input gives bit-identical
//! output.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::Hash;

pub use crate::domain::Scale;

/// One reviewer's score of one proposal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Review<P, R> {
    pub proposal: P,
    pub reviewer: R,
    pub score: i16,
    pub confidence: i16,
}

/// Statistics of one proposal's reviews; see the module docs for the method.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate<P> {
    pub proposal: P,
    pub n: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    /// Sample standard deviation (divides by n − 1); `Some(0.0)` for n = 1.
    pub stdev: Option<f64>,
    pub calibrated: Option<f64>,
    pub disagreement: bool,
}

/// Reviewers need at least this many reviews before their leniency is
/// estimated; below it a mean and spread are mostly noise.
const MIN_REVIEWS_FOR_CALIBRATION: usize = 3;

/// One aggregate per proposal in `proposals` (proposals without reviews get n = 0 and None values),
/// sorted best first: calibrated desc (None last), then mean desc, then n desc, then proposal id asc.
pub fn rank<P: Copy + Ord + Hash, R: Copy + Ord + Hash>(
    proposals: &[P],
    reviews: &[Review<P, R>],
    scale: Scale,
) -> Vec<Aggregate<P>> {
    let mut sorted = reviews.to_vec();
    sort_canonically(&mut sorted);
    rank_sorted(proposals, &sorted, scale)
}

/// Sorts reviews into the canonical order `rank_sorted` needs: (proposal, reviewer, score,
/// confidence). In place, so a large event's reviews are never copied.
pub fn sort_canonically<P: Ord, R: Ord>(reviews: &mut [Review<P, R>]) {
    // equal keys are equal reviews, so an unstable sort gives the same sequence
    reviews.sort_unstable_by(|a, b| {
        (&a.proposal, &a.reviewer, a.score, a.confidence).cmp(&(
            &b.proposal,
            &b.reviewer,
            b.score,
            b.confidence,
        ))
    });
}

/// `rank` over reviews already in the canonical order (`sort_canonically`).
pub fn rank_sorted<P: Copy + Ord + Hash, R: Copy + Ord + Hash>(
    proposals: &[P],
    sorted: &[Review<P, R>],
    scale: Scale,
) -> Vec<Aggregate<P>> {
    let ranker = Ranker::new(sorted, scale);
    let mut ids = proposals.to_vec();
    ids.sort();
    ids.dedup();
    let mut ranking: Vec<Aggregate<P>> = ids.into_iter().map(|id| ranker.aggregate(id)).collect();
    ranking.sort_by(best_first);
    ranking
}

/// `rank_sorted` one proposal at a time, for a caller that keeps the figures in its own items
/// and sorts those with `best_first`.
pub struct Ranker<'a, P, R> {
    sorted: &'a [Review<P, R>],
    calibration: Calibration<R>,
    scale: Scale,
}

impl<'a, P: Copy + Ord, R: Copy + Ord> Ranker<'a, P, R> {
    /// `sorted` must be in the canonical order (`sort_canonically`).
    pub fn new(sorted: &'a [Review<P, R>], scale: Scale) -> Self {
        // A canonical order makes every float sum below independent of input order.
        debug_assert!(sorted.is_sorted_by(|a, b| (
            &a.proposal,
            &a.reviewer,
            a.score,
            a.confidence
        ) <= (
            &b.proposal,
            &b.reviewer,
            b.score,
            b.confidence
        )));
        Ranker {
            sorted,
            calibration: Calibration::new(sorted),
            scale,
        }
    }

    /// The proposal's reviews: contiguous, as the canonical order is by proposal first.
    pub fn reviews_of(&self, proposal: P) -> &'a [Review<P, R>] {
        let start = self.sorted.partition_point(|r| r.proposal < proposal);
        let end = self.sorted.partition_point(|r| r.proposal <= proposal);
        &self.sorted[start..end]
    }

    pub fn aggregate(&self, proposal: P) -> Aggregate<P> {
        aggregate(
            proposal,
            self.reviews_of(proposal),
            &self.calibration,
            self.scale,
        )
    }
}

/// What is needed to turn a review into its calibrated contribution.
struct Calibration<R> {
    global_mean: f64,
    global_stdev: f64,
    /// (mean, stdev > 0) of reviewers with enough reviews and some spread;
    /// reviewers missing here contribute raw scores.
    reviewers: BTreeMap<R, (f64, f64)>,
}

impl<R: Copy + Ord> Calibration<R> {
    fn new<P>(sorted_reviews: &[Review<P, R>]) -> Self {
        // Sums run over the reviews in their canonical order, as `mean` and `sample_stdev` would
        // over a copy of the scores, without making one (a large event has 500,000 reviews).
        let scores = || sorted_reviews.iter().map(|r| f64::from(r.score));
        let global_mean = mean_of(scores(), sorted_reviews.len()).unwrap_or(0.0);
        let global_stdev = sample_stdev_of(scores(), sorted_reviews.len(), global_mean);

        // per reviewer: (sum, count), then the sum of squares, each in the canonical order
        let mut by_reviewer: BTreeMap<R, (f64, usize, f64)> = BTreeMap::new();
        for r in sorted_reviews {
            let (sum, n, _) = by_reviewer.entry(r.reviewer).or_insert((-0.0, 0, -0.0));
            *sum += f64::from(r.score);
            *n += 1;
        }
        for r in sorted_reviews {
            if let Some((sum, n, squares)) = by_reviewer.get_mut(&r.reviewer) {
                let m = *sum / *n as f64;
                let v = f64::from(r.score);
                *squares += (v - m) * (v - m);
            }
        }
        let reviewers = by_reviewer
            .into_iter()
            .filter(|(_, (_, n, _))| *n >= MIN_REVIEWS_FOR_CALIBRATION)
            .filter_map(|(reviewer, (sum, n, squares))| {
                let m = sum / n as f64;
                let sd = (squares / (n - 1) as f64).sqrt();
                // Integer scores: either all equal (exactly 0.0) or clearly positive.
                (sd > 0.0).then_some((reviewer, (m, sd)))
            })
            .collect();

        Calibration {
            global_mean,
            global_stdev,
            reviewers,
        }
    }

    /// The review's score on the scale after removing the reviewer's bias.
    fn contribution<P>(&self, review: &Review<P, R>, scale: Scale) -> f64 {
        let raw = f64::from(review.score);
        let value = match self.reviewers.get(&review.reviewer) {
            Some(&(m, sd)) => self.global_mean + (raw - m) / sd * self.global_stdev,
            None => raw,
        };
        clamp_to_scale(value, scale)
    }
}

fn aggregate<P: Copy, R: Copy + Ord>(
    proposal: P,
    reviews: &[Review<P, R>],
    calibration: &Calibration<R>,
    scale: Scale,
) -> Aggregate<P> {
    let mut scores: Vec<i16> = reviews.iter().map(|r| r.score).collect();
    scores.sort_unstable();
    let values: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();
    let mean_value = mean(&values);

    let calibrated = (!reviews.is_empty()).then(|| {
        let (weighted_sum, total_weight) =
            reviews.iter().fold((0.0, 0.0), |(sum, total), review| {
                // Weight confidence / 3; the constant factor cancels, so use confidence.
                let weight = f64::from(review.confidence.clamp(1, 3));
                (
                    sum + weight * calibration.contribution(review, scale),
                    total + weight,
                )
            });
        clamp_to_scale(weighted_sum / total_weight, scale)
    });

    let disagreement = match (scores.first(), scores.last()) {
        (Some(&low), Some(&high)) if scores.len() >= 2 => {
            let range = i32::from(high) - i32::from(low);
            let width = i32::from(scale.max) - i32::from(scale.min);
            // range ≥ width / 2 over the reals, without rounding.
            2 * range >= width
        }
        _ => false,
    };

    Aggregate {
        proposal,
        n: reviews.len(),
        mean: mean_value,
        median: median(&values),
        stdev: mean_value.map(|m| sample_stdev(&values, m)),
        calibrated,
        disagreement,
    }
}

/// Best first: calibrated desc (None last), mean desc, n desc, id asc.
pub fn best_first<P: Ord>(a: &Aggregate<P>, b: &Aggregate<P>) -> Ordering {
    descending(a.calibrated, b.calibrated)
        .then_with(|| descending(a.mean, b.mean))
        .then_with(|| b.n.cmp(&a.n))
        .then_with(|| a.proposal.cmp(&b.proposal))
}

/// Larger values first, `None` after every value.
fn descending(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    mean_of(values.iter().copied(), values.len())
}

/// The mean of `n` values, summed in the order given.
fn mean_of(values: impl Iterator<Item = f64>, n: usize) -> Option<f64> {
    if n == 0 {
        return None;
    }
    Some(values.sum::<f64>() / n as f64)
}

/// Sample standard deviation (n − 1); 0.0 for fewer than two values.
fn sample_stdev(values: &[f64], mean: f64) -> f64 {
    sample_stdev_of(values.iter().copied(), values.len(), mean)
}

/// `sample_stdev` of `n` values, summed in the order given.
fn sample_stdev_of(values: impl Iterator<Item = f64>, n: usize, mean: f64) -> f64 {
    if n < 2 {
        return 0.0;
    }
    let squares: f64 = values.map(|v| (v - mean) * (v - mean)).sum();
    (squares / (n - 1) as f64).sqrt()
}

/// Median of already sorted values.
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        None
    } else if n % 2 == 1 {
        Some(sorted[n / 2])
    } else {
        Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0)
    }
}

/// Clamp without `f64::clamp`, which panics when min > max (a bad scale must
/// not take the endpoint down).
fn clamp_to_scale(value: f64, scale: Scale) -> f64 {
    value.max(f64::from(scale.min)).min(f64::from(scale.max))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;
    const FIVE: Scale = Scale { min: 1, max: 5 };
    const TEN: Scale = Scale { min: 0, max: 10 };

    /// Review of proposal `p` by reviewer `r`: (score, confidence).
    fn rv(p: u32, r: u32, score: i16, confidence: i16) -> Review<u32, u32> {
        Review {
            proposal: p,
            reviewer: r,
            score,
            confidence,
        }
    }

    fn find(ranking: &[Aggregate<u32>], p: u32) -> &Aggregate<u32> {
        ranking
            .iter()
            .find(|a| a.proposal == p)
            .expect("proposal present")
    }

    fn order(ranking: &[Aggregate<u32>]) -> Vec<u32> {
        ranking.iter().map(|a| a.proposal).collect()
    }

    fn assert_close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("value present");
        assert!(
            (actual - expected).abs() < EPS,
            "expected {expected}, got {actual}"
        );
    }

    #[test]
    fn raw_statistics_odd_even_and_single() {
        // Each review by a different reviewer (one review each → all raw).
        // P1: 2, 4, 5. mean = 11/3 = 3.6667, median = 4,
        //   deviations -5/3, 1/3, 4/3 → squares 25/9 + 1/9 + 16/9 = 42/9,
        //   / (n-1 = 2) = 7/3, stdev = √(7/3) = 1.527525.
        // P2: 5, 1, 4, 2. mean = 3, median = (2 + 4) / 2 = 3,
        //   squares 4 + 1 + 1 + 4 = 10, / 3, stdev = √(10/3) = 1.825742.
        // P3: 4 only. mean = median = 4, stdev = 0.0 (n = 1).
        let reviews = [
            rv(1, 10, 2, 3),
            rv(1, 11, 4, 3),
            rv(1, 12, 5, 3),
            rv(2, 13, 5, 3),
            rv(2, 14, 1, 3),
            rv(2, 15, 4, 3),
            rv(2, 16, 2, 3),
            rv(3, 17, 4, 3),
        ];
        let ranking = rank(&[1, 2, 3], &reviews, FIVE);

        let p1 = find(&ranking, 1);
        assert_eq!(p1.n, 3);
        assert_close(p1.mean, 11.0 / 3.0);
        assert_close(p1.median, 4.0);
        assert_close(p1.stdev, (7.0f64 / 3.0).sqrt());
        assert_close(p1.stdev, 1.527_525_231_651_947);

        let p2 = find(&ranking, 2);
        assert_eq!(p2.n, 4);
        assert_close(p2.mean, 3.0);
        assert_close(p2.median, 3.0);
        assert_close(p2.stdev, 1.825_741_858_350_553_8);

        let p3 = find(&ranking, 3);
        assert_eq!(p3.n, 1);
        assert_close(p3.mean, 4.0);
        assert_close(p3.median, 4.0);
        assert_eq!(p3.stdev, Some(0.0));
        assert!(!p3.disagreement);
    }

    #[test]
    fn lenient_and_harsh_reviewers_are_calibrated() {
        // Lenient L (1) scores one point above harsh H (2) on the shared
        // proposals S1 (10) and S2 (20); then L alone reviews X (30) and H
        // alone reviews Y (40), both with a raw 3, so the raw means tie and
        // raw tie-breaking (n, then id) would put X first.
        //   L: S1 4, S2 5, X 3 → mean 4, stdev 1, z(X) = -1
        //   H: S1 3, S2 4, Y 3 → mean 10/3, squares 1/9 + 4/9 + 1/9 = 2/3,
        //      / 2 → stdev = √(1/3) = 0.577350, z(Y) = (-1/3) / √(1/3) = -√(1/3)
        //   global: 4 5 3 3 4 3 → mean 22/6 = 11/3,
        //      squares (1 + 16 + 4 + 4 + 1 + 4) / 9 = 10/3, / 5 → stdev √(2/3) = 0.816497
        //   X: 11/3 - 1 × √(2/3)        = 3.666667 - 0.816497 = 2.850170
        //   Y: 11/3 - √(1/3) × √(2/3)   = 3.666667 - √2/3     = 3.195262
        //   For a 3, H (who rarely goes lower) meant more than L did: Y > X.
        //   S1: L z = 0 → 11/3; H z = -√(1/3) → 3.195262; mean 3.430964
        //   S2: L z = 1 → 4.483163; H z = (2/3)/√(1/3) = 2/√3 → 11/3 + 2√2/3 = 4.609476;
        //       mean 4.546319
        let reviews = [
            rv(10, 1, 4, 3),
            rv(20, 1, 5, 3),
            rv(30, 1, 3, 3),
            rv(10, 2, 3, 3),
            rv(20, 2, 4, 3),
            rv(40, 2, 3, 3),
        ];
        let ranking = rank(&[10, 20, 30, 40], &reviews, FIVE);

        let x = find(&ranking, 30);
        let y = find(&ranking, 40);
        assert_eq!(x.mean, y.mean);
        let (third, two_thirds) = ((1.0f64 / 3.0).sqrt(), (2.0f64 / 3.0).sqrt());
        assert_close(x.calibrated, 11.0 / 3.0 - two_thirds);
        assert_close(y.calibrated, 11.0 / 3.0 - third * two_thirds);
        assert_close(x.calibrated, 2.850_170_085_738_94);
        assert_close(y.calibrated, 3.195_262_145_875_634);
        assert_close(find(&ranking, 10).calibrated, 3.430_964_406_271_15);
        assert_close(find(&ranking, 20).calibrated, 4.546_319_477_921_56);
        assert_eq!(order(&ranking), vec![20, 10, 40, 30]);
    }

    #[test]
    fn reviewer_with_fewer_than_three_reviews_contributes_raw() {
        // C (1): P1 1, P2 3, P3 5 → mean 3, stdev 2 (calibrated).
        // Q (2): P1 4, P2 2 → only two reviews → raw.
        // global: 1 3 5 4 2 → mean 3, squares 4 + 0 + 4 + 1 + 1 = 10, / 4 → stdev √2.5 = 1.581139
        // P1: C z = -1 → 3 - 1.581139 = 1.418861; Q raw 4 → mean 2.709431
        // P2: C z =  0 → 3;                        Q raw 2 → mean 2.5
        // P3: C z = +1 → 4.581139
        // (Had Q been calibrated: mean 3, stdev √2, P2 → 3 - 0.707 × 1.581 = 1.88, not 2.)
        let reviews = [
            rv(1, 1, 1, 3),
            rv(2, 1, 3, 3),
            rv(3, 1, 5, 3),
            rv(1, 2, 4, 3),
            rv(2, 2, 2, 3),
        ];
        let ranking = rank(&[1, 2, 3], &reviews, FIVE);
        assert_close(find(&ranking, 1).calibrated, 2.709_430_584_957_905);
        assert_close(find(&ranking, 2).calibrated, 2.5);
        assert_close(find(&ranking, 3).calibrated, 4.581_138_830_084_19);
    }

    #[test]
    fn reviewer_without_spread_contributes_raw() {
        // C (1): P1 1, P2 3, P3 5 → mean 3, stdev 2 (calibrated).
        // Z (2): 4, 4, 4 → three reviews but stdev 0 → raw 4.
        // global: 1 3 5 4 4 4 → mean 3.5,
        //   squares 6.25 + 0.25 + 2.25 + 3 × 0.25 = 9.5, / 5 = 1.9 → stdev 1.378405
        // P1: (3.5 - 1.378405 + 4) / 2 = 3.060798
        // P2: (3.5 + 4) / 2 = 3.75
        // P3: (3.5 + 1.378405 + 4) / 2 = 4.439202
        let reviews = [
            rv(1, 1, 1, 3),
            rv(2, 1, 3, 3),
            rv(3, 1, 5, 3),
            rv(1, 2, 4, 3),
            rv(2, 2, 4, 3),
            rv(3, 2, 4, 3),
        ];
        let ranking = rank(&[1, 2, 3], &reviews, FIVE);
        let sd = 1.9f64.sqrt();
        assert_close(find(&ranking, 1).calibrated, (3.5 - sd + 4.0) / 2.0);
        assert_close(find(&ranking, 1).calibrated, 3.060_797_562_395_489);
        assert_close(find(&ranking, 2).calibrated, 3.75);
        assert_close(find(&ranking, 3).calibrated, 4.439_202_437_604_511);
    }

    #[test]
    fn single_reviewer_or_no_spread_anywhere_gives_raw() {
        // One reviewer in total: the global yardstick is their own, so
        // global mean + z × global stdev = their raw score.
        let reviews = [rv(1, 7, 2, 3), rv(2, 7, 3, 3), rv(3, 7, 5, 3)];
        let ranking = rank(&[1, 2, 3], &reviews, FIVE);
        assert_close(find(&ranking, 1).calibrated, 2.0);
        assert_close(find(&ranking, 2).calibrated, 3.0);
        assert_close(find(&ranking, 3).calibrated, 5.0);

        // Everybody always gives 3: no spread anywhere, everything raw.
        let flat: Vec<_> = (0..4)
            .flat_map(|r| (1..=4).map(move |p| rv(p, r, 3, 1 + (p % 3) as i16)))
            .collect();
        for a in rank(&[1, 2, 3, 4], &flat, FIVE) {
            assert_eq!(a.calibrated, Some(3.0));
            assert_eq!(a.stdev, Some(0.0));
        }
    }

    #[test]
    fn confidence_weights_the_calibrated_score() {
        // Two one-off (raw) reviewers: 5 and 1.
        // Confident 5 (conf 3), unsure 1 (conf 1): (3×5 + 1×1) / 4 = 4.
        // Unsure 5, confident 1:                   (1×5 + 3×1) / 4 = 2.
        // Equal confidence:                        (5 + 1) / 2     = 3.
        // The raw mean is 3 in all cases.
        let pulled_up = rank(&[1], &[rv(1, 1, 5, 3), rv(1, 2, 1, 1)], FIVE);
        let pulled_down = rank(&[1], &[rv(1, 1, 5, 1), rv(1, 2, 1, 3)], FIVE);
        let neutral = rank(&[1], &[rv(1, 1, 5, 2), rv(1, 2, 1, 2)], FIVE);
        assert_eq!(pulled_up[0].calibrated, Some(4.0));
        assert_eq!(pulled_down[0].calibrated, Some(2.0));
        assert_eq!(neutral[0].calibrated, Some(3.0));
        for r in [&pulled_up, &pulled_down, &neutral] {
            assert_eq!(r[0].mean, Some(3.0));
        }
        // Out-of-range confidences are clamped into 1..=3: 9 → 3, 0 → 1.
        let clamped = rank(&[1], &[rv(1, 1, 5, 9), rv(1, 2, 1, 0)], FIVE);
        assert_eq!(clamped[0].calibrated, Some(4.0));
    }

    fn disagrees(scores: &[i16], scale: Scale) -> bool {
        let reviews: Vec<_> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| rv(1, i as u32, s, 2))
            .collect();
        rank(&[1], &reviews, scale)[0].disagreement
    }

    #[test]
    fn disagreement_at_the_boundary() {
        // 1–5: half the scale is (5 - 1) / 2 = 2.
        assert!(disagrees(&[2, 4], FIVE));
        assert!(disagrees(&[1, 3, 2], FIVE));
        assert!(!disagrees(&[2, 3], FIVE));
        assert!(!disagrees(&[3, 4, 4], FIVE));
        // 0–10: half the scale is 5.
        assert!(disagrees(&[3, 8], TEN));
        assert!(disagrees(&[0, 5, 2], TEN));
        assert!(!disagrees(&[3, 7], TEN));
        assert!(!disagrees(&[6, 10], TEN));
        // 1–4: half is 1.5, not rounded: range 2 disagrees, range 1 does not.
        let four = Scale { min: 1, max: 4 };
        assert!(disagrees(&[1, 3], four));
        assert!(!disagrees(&[1, 2], four));
        // A single review never disagrees with itself.
        assert!(!disagrees(&[5], FIVE));
    }

    #[test]
    fn unreviewed_last_and_ties_broken_as_specified() {
        // All reviewers are one-off, so calibrated = confidence-weighted raw.
        // 11: 4, 4 → cal 4, mean 4, n 2
        //  5: 4     → cal 4, mean 4, n 1 (id 5 < 10)
        // 10: 4     → cal 4, mean 4, n 1
        // 20: 5 (conf 3), 1 (conf 1) → cal (15 + 1) / 4 = 4, but mean 3
        // 30: 2     → cal 2
        //  6, 7: no reviews → last, by id
        let reviews = [
            rv(11, 1, 4, 2),
            rv(11, 2, 4, 2),
            rv(5, 3, 4, 2),
            rv(10, 4, 4, 2),
            rv(20, 5, 5, 3),
            rv(20, 6, 1, 1),
            rv(30, 7, 2, 2),
        ];
        let ranking = rank(&[7, 30, 20, 11, 10, 6, 5], &reviews, FIVE);
        assert_eq!(order(&ranking), vec![11, 5, 10, 20, 30, 6, 7]);
        for p in [6, 7] {
            let a = find(&ranking, p);
            assert_eq!(a.n, 0);
            assert_eq!(
                (a.mean, a.median, a.stdev, a.calibrated),
                (None, None, None, None)
            );
            assert!(!a.disagreement);
        }
        // Duplicate ids in `proposals` yield one aggregate each.
        assert_eq!(rank(&[6, 6, 5], &reviews, FIVE).len(), 2);
    }

    /// Deterministic pseudo-random reviews (LCG) for bulk checks.
    fn generated(count: u32, scale: Scale, seed: u64) -> Vec<Review<u32, u32>> {
        let mut state = seed;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        let width = (scale.max - scale.min) as u64 + 1;
        (0..count)
            .map(|_| {
                let p = next(12) as u32;
                let r = next(6) as u32;
                let score = scale.min + next(width) as i16;
                let confidence = 1 + next(3) as i16;
                rv(p, r, score, confidence)
            })
            .collect()
    }

    #[test]
    fn shuffled_input_gives_identical_output() {
        let reviews = generated(80, FIVE, 42);
        let proposals: Vec<u32> = (0..14).collect();
        let expected = rank(&proposals, &reviews, FIVE);

        let mut reversed = reviews.clone();
        reversed.reverse();
        let mut rotated = reviews.clone();
        rotated.rotate_left(37);
        let mut interleaved: Vec<_> = reviews.iter().step_by(2).copied().collect();
        interleaved.extend(reviews.iter().skip(1).step_by(2).copied());
        let mut shuffled_proposals = proposals.clone();
        shuffled_proposals.reverse();

        for variant in [reversed, rotated, interleaved] {
            // Bit-identical floats, not just approximately equal.
            assert_eq!(rank(&shuffled_proposals, &variant, FIVE), expected);
        }
    }

    #[test]
    fn track_filter_keeps_calibration_from_all_reviews() {
        let reviews = generated(80, FIVE, 7);
        let all: Vec<u32> = (0..12).collect();
        let full = rank(&all, &reviews, FIVE);
        let track = [1, 4, 9];
        let filtered = rank(&track, &reviews, FIVE);
        assert_eq!(filtered.len(), 3);
        // Same numbers as in the full ranking, in the same relative order.
        let expected: Vec<_> = full
            .iter()
            .filter(|a| track.contains(&a.proposal))
            .cloned()
            .collect();
        assert_eq!(filtered, expected);
    }

    #[test]
    fn calibrated_always_within_the_scale() {
        // A reviewer who gives 1 nine times and one 5: z(5) = 3.6 / √1.6 ≈ 2.85.
        // With a wide-spread second reviewer the global stdev is large, so the
        // mapped-back value exceeds 5 and must be clamped.
        //   global: twelve 1s and four 5s → mean 32/16 = 2,
        //   stdev = √(48/15) ≈ 1.789, 2 + 2.846 × 1.789 ≈ 7.09 → clamped to 5.
        let mut reviews: Vec<_> = (0..9).map(|p| rv(p, 1, 1, 3)).collect();
        reviews.push(rv(9, 1, 5, 3));
        for p in 0..6 {
            reviews.push(rv(20 + p, 2, if p % 2 == 0 { 1 } else { 5 }, 3));
        }
        let ranking = rank(&[9], &reviews, FIVE);
        assert_eq!(ranking[0].calibrated, Some(5.0));

        for (scale, seed) in [(FIVE, 1), (TEN, 2), (Scale { min: 3, max: 4 }, 3)] {
            for round in 0..50 {
                let reviews = generated(60, scale, seed * 1000 + round);
                for a in rank(&(0..12).collect::<Vec<_>>(), &reviews, scale) {
                    if let Some(c) = a.calibrated {
                        assert!(c.is_finite());
                        assert!((f64::from(scale.min)..=f64::from(scale.max)).contains(&c));
                    }
                }
            }
        }
    }

    #[test]
    fn calibration_sums_as_a_copy_of_the_scores_would() {
        // The calibration sums over the sorted reviews without copying the scores; every figure
        // must be bit-identical to the plain computation over copies (`mean`, `sample_stdev`).
        for (scale, seed) in [(FIVE, 11), (TEN, 12), (Scale { min: -3, max: 3 }, 13)] {
            let mut reviews = generated(5_000, scale, seed);
            sort_canonically(&mut reviews);
            let calibration = Calibration::new(&reviews);
            let all: Vec<f64> = reviews.iter().map(|r| f64::from(r.score)).collect();
            let global_mean = mean(&all).unwrap();
            assert_eq!(calibration.global_mean.to_bits(), global_mean.to_bits());
            assert_eq!(
                calibration.global_stdev.to_bits(),
                sample_stdev(&all, global_mean).to_bits()
            );
            let mut by_reviewer: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
            for r in &reviews {
                by_reviewer
                    .entry(r.reviewer)
                    .or_default()
                    .push(f64::from(r.score));
            }
            assert!(!calibration.reviewers.is_empty());
            for (reviewer, scores) in by_reviewer {
                let m = mean(&scores).unwrap();
                let expected = (m.to_bits(), sample_stdev(&scores, m).to_bits());
                let (cm, csd) = calibration.reviewers[&reviewer];
                assert_eq!((cm.to_bits(), csd.to_bits()), expected);
            }
        }
    }

    #[test]
    fn invalid_scale_does_not_panic() {
        let bad = Scale { min: 5, max: 1 };
        let ranking = rank(&[1], &[rv(1, 1, 3, 2)], bad);
        assert_eq!(ranking.len(), 1);
    }
}
