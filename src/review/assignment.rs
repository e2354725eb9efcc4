//! Automatic assignment of reviewers to proposals.
//!
//! # Problem
//!
//! Every proposal should end up with `per_proposal` (k) reviewers. A reviewer
//! is *eligible* for a proposal when their track restriction allows it (no
//! restriction, or the proposal has no track, or the track is in their list)
//! and the pair is not listed in `conflicts` (the caller puts speaker
//! conflicts and declared / chair-set conflicts there). Existing assignments
//! are never removed or duplicated; they count towards the proposal's k and
//! the reviewer's load even when the pair is now conflicted or the proposal is
//! already over k.
//!
//! # Algorithm
//!
//! 1. Inputs are sorted by id and de-duplicated, so the result does not depend
//!    on input order. Each proposal `p` has `c_p` existing reviewers and `f_p`
//!    *free* reviewers (eligible and not already assigned). It needs
//!    `d_p = min(k - c_p, f_p)` new reviewers (0 when `c_p >= k`). These
//!    demands are always satisfiable together: a reviewer may review many
//!    proposals, so each proposal can just take any `d_p` of its free
//!    reviewers.
//! 2. Which reviewers to pick is a min-cost flow: source → proposal
//!    (capacity `d_p`), proposal → free reviewer (capacity 1, cost 0),
//!    reviewer → sink with a *convex* cost — the j-th unit into a reviewer
//!    with `e` existing assignments costs `e + j`, i.e. its final load. The
//!    flow is built by successive shortest paths, one unit at a time. Because
//!    the middle arcs are free, a shortest path is simply: an alternating
//!    chain from a proposal that still needs reviewers ("p takes free
//!    reviewer r, r hands one of its new proposals p' to another free
//!    reviewer r', …") that ends at the *least loaded reachable reviewer*.
//!    So each step is one breadth-first search over the proposal × reviewer
//!    grid plus a minimum; there are `Σ d_p` steps.
//!
//! # Guarantee
//!
//! Among all plans that keep every existing pair, add only eligible pairs and
//! bring every proposal to exactly `max(c_p, min(k, c_p + f_p))` reviewers,
//! the returned final load vector (existing + new, over all reviewers passed
//! in) minimises `Σ load²`. The load vectors reachable this way form an
//! M-convex set (degree vectors of a bipartite b-matching, shifted by the
//! existing loads), and on an M-convex set the square-sum minimiser is at the
//! same time *decreasingly minimal* and *increasingly maximal* (Frank &
//! Murota, "Discrete decreasing minimization"). Concretely:
//!
//! * the maximum load is as small as any valid plan can make it,
//! * the minimum load is as large as any valid plan can make it,
//! * hence `max − min` is the smallest achievable; in particular it is `≤ 1`
//!   whenever *some* valid plan achieves `≤ 1` (always the case without
//!   track restrictions, conflicts and existing assignments).
//!
//! The checkable optimality certificate (no negative cycle in the residual
//! flow) is: no reviewer with load `ℓ + 2` or more can pass one of its *new*
//! proposals along a chain of exchanges to a reviewer with load `ℓ`. The
//! tests check this certificate on random instances and compare against
//! brute force on tiny ones.
//!
//! Ties are broken by the smallest ids (proposal order drives the search,
//! reviewer order breaks load ties), so the plan is deterministic.
//!
//! Cost: `O(Σ d_p · P · R)` time and `O(P · R)` memory, a few million cell
//! visits for 200 proposals × 40 reviewers × k = 3.

use std::collections::VecDeque;
use std::hash::Hash;

/// A proposal to be reviewed (withdrawn proposals are filtered by the caller).
#[derive(Debug, Clone)]
pub struct Proposal<P, T> {
    pub id: P,
    pub track: Option<T>,
}

/// A potential reviewer.
#[derive(Debug, Clone)]
pub struct Reviewer<R, T> {
    pub id: R,
    /// None: every track
    pub tracks: Option<Vec<T>>,
}

/// Input of [`plan`]. Ids are expected to be unique in `proposals` and in
/// `reviewers`; for a duplicated id only one entry (the first) is used.
/// Pairs in `conflicts` / `existing` naming unknown ids are ignored.
pub struct Problem<'a, P, R, T> {
    pub proposals: &'a [Proposal<P, T>],
    pub reviewers: &'a [Reviewer<R, T>],
    pub conflicts: &'a [(R, P)],
    pub existing: &'a [(R, P)],
    pub per_proposal: usize,
}

/// Output of [`plan`].
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<P, R> {
    /// Pairs to add (never one already in `existing`), sorted (proposal, reviewer).
    pub new: Vec<(R, P)>,
    /// Proposals that cannot reach `per_proposal` eligible reviewers, with how many they have in the end.
    pub short: Vec<(P, usize)>,
}

/// State of one (proposal, reviewer) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// Not eligible and not assigned: never touched.
    Forbidden,
    /// Already assigned before this run: fixed.
    Existing,
    /// Eligible and currently unassigned.
    Free,
    /// Assigned by this run (may still be moved while planning).
    New,
}

/// Computes the reviewer assignments to add. See the module documentation.
pub fn plan<P: Copy + Ord + Hash, R: Copy + Ord + Hash, T: Eq>(
    problem: &Problem<P, R, T>,
) -> Plan<P, R> {
    let proposals = sorted_unique(problem.proposals, |p| p.id);
    let reviewers = sorted_unique(problem.reviewers, |r| r.id);
    let k = problem.per_proposal;

    let mut grid = Grid::new(proposals.len(), reviewers.len());
    for (p, proposal) in proposals.iter().enumerate() {
        for (r, reviewer) in reviewers.iter().enumerate() {
            if track_allows(reviewer, &proposal.track) {
                grid.set(p, r, Cell::Free);
            }
        }
    }
    let index = |r: R, p: P| {
        let r = reviewers.binary_search_by_key(&r, |x| x.id).ok()?;
        let p = proposals.binary_search_by_key(&p, |x| x.id).ok()?;
        Some((p, r))
    };
    for &(r, p) in problem.conflicts {
        if let Some((p, r)) = index(r, p) {
            grid.set(p, r, Cell::Forbidden);
        }
    }
    // After conflicts: an existing pair is kept and counted even if conflicted.
    for &(r, p) in problem.existing {
        if let Some((p, r)) = index(r, p) {
            grid.set(p, r, Cell::Existing);
        }
    }

    let mut solver = Solver::new(grid, k);
    while solver.augment() {}

    let grid = &solver.grid;
    let mut new = Vec::new();
    let mut short = Vec::new();
    for (p, proposal) in proposals.iter().enumerate() {
        let mut count = 0;
        for (r, reviewer) in reviewers.iter().enumerate() {
            match grid.get(p, r) {
                Cell::New => {
                    new.push((reviewer.id, proposal.id));
                    count += 1;
                }
                Cell::Existing => count += 1,
                Cell::Free | Cell::Forbidden => {}
            }
        }
        if count < k {
            short.push((proposal.id, count));
        }
    }
    Plan { new, short }
}

/// Sorts by id and keeps one entry per id (the first one: the sort is stable).
fn sorted_unique<X, K: Ord>(items: &[X], key: impl Fn(&X) -> K) -> Vec<&X> {
    let mut out: Vec<&X> = items.iter().collect();
    out.sort_by_key(|x| key(x));
    out.dedup_by(|a, b| key(a) == key(b));
    out
}

fn track_allows<R, T: Eq>(reviewer: &Reviewer<R, T>, track: &Option<T>) -> bool {
    match (&reviewer.tracks, track) {
        (None, _) | (_, None) => true,
        (Some(allowed), Some(track)) => allowed.contains(track),
    }
}

/// Dense proposal × reviewer matrix of pair states.
struct Grid {
    reviewers: usize,
    cells: Vec<Cell>,
}

impl Grid {
    fn new(proposals: usize, reviewers: usize) -> Self {
        Grid {
            reviewers,
            cells: vec![Cell::Forbidden; proposals * reviewers],
        }
    }

    fn proposals(&self) -> usize {
        self.cells.len().checked_div(self.reviewers).unwrap_or(0)
    }

    fn get(&self, p: usize, r: usize) -> Cell {
        self.cells[p * self.reviewers + r]
    }

    fn set(&mut self, p: usize, r: usize, cell: Cell) {
        self.cells[p * self.reviewers + r] = cell;
    }
}

/// Successive-shortest-path state for the convex-cost flow.
struct Solver {
    grid: Grid,
    /// Current load (existing + new) of each reviewer.
    load: Vec<usize>,
    /// New reviewers each proposal still needs (`d_p` minus what it got).
    missing: Vec<usize>,
}

impl Solver {
    fn new(grid: Grid, k: usize) -> Self {
        let (n_p, n_r) = (grid.proposals(), grid.reviewers);
        let mut load = vec![0; n_r];
        let mut missing = vec![0; n_p];
        for (p, need) in missing.iter_mut().enumerate() {
            let (mut existing, mut free) = (0, 0);
            for (r, l) in load.iter_mut().enumerate() {
                match grid.get(p, r) {
                    Cell::Existing => {
                        existing += 1;
                        *l += 1;
                    }
                    Cell::Free => free += 1,
                    Cell::New | Cell::Forbidden => {}
                }
            }
            *need = k.saturating_sub(existing).min(free);
        }
        Solver {
            grid,
            load,
            missing,
        }
    }

    /// Adds one unit of flow along a shortest augmenting path. Returns false
    /// when every proposal has what it needs.
    fn augment(&mut self) -> bool {
        let (n_p, n_r) = (self.grid.proposals(), self.grid.reviewers);
        // Reviewer that handed each reached proposal on (None for roots).
        let mut via_reviewer: Vec<Option<usize>> = vec![None; n_p];
        let mut seen = vec![false; n_p];
        // Proposal from which each reviewer was reached.
        let mut via_proposal: Vec<Option<usize>> = vec![None; n_r];
        let mut queue = VecDeque::new();
        for (p, &need) in self.missing.iter().enumerate() {
            if need > 0 {
                seen[p] = true;
                queue.push_back(p);
            }
        }
        if queue.is_empty() {
            return false;
        }
        // Breadth-first search over the residual graph: p → r along a free
        // pair, r → p' along a new pair (r could give p' away).
        while let Some(p) = queue.pop_front() {
            for (r, from) in via_proposal.iter_mut().enumerate() {
                if from.is_some() || self.grid.get(p, r) != Cell::Free {
                    continue;
                }
                *from = Some(p);
                for q in 0..n_p {
                    if !seen[q] && self.grid.get(q, r) == Cell::New {
                        seen[q] = true;
                        via_reviewer[q] = Some(r);
                        queue.push_back(q);
                    }
                }
            }
        }
        // Shortest path = cheapest final arc = least loaded reachable reviewer.
        let target = (0..n_r)
            .filter(|&r| via_proposal[r].is_some())
            .min_by_key(|&r| (self.load[r], r));
        let Some(mut r) = target else {
            // Cannot happen (a root proposal always has a free reviewer since
            // d_p ≤ f_p), but never loop forever on a broken invariant.
            return false;
        };
        self.load[r] += 1;
        // Walk the chain back: each reviewer takes the proposal it was reached
        // from and releases the one it handed on; only the end gains load.
        while let Some(p) = via_proposal[r] {
            self.grid.set(p, r, Cell::New);
            match via_reviewer[p] {
                Some(prev) => {
                    self.grid.set(p, prev, Cell::Free);
                    r = prev;
                }
                None => {
                    self.missing[p] -= 1;
                    break;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    type Prop = Proposal<u32, u8>;
    type Rev = Reviewer<u16, u8>;

    fn prop(id: u32, track: Option<u8>) -> Prop {
        Proposal { id, track }
    }

    fn rev(id: u16, tracks: Option<Vec<u8>>) -> Rev {
        Reviewer { id, tracks }
    }

    fn run(
        proposals: &[Prop],
        reviewers: &[Rev],
        conflicts: &[(u16, u32)],
        existing: &[(u16, u32)],
        k: usize,
    ) -> Plan<u32, u16> {
        plan(&Problem {
            proposals,
            reviewers,
            conflicts,
            existing,
            per_proposal: k,
        })
    }

    /// Independent reference for eligibility, straight from the inputs.
    fn eligible(proposal: &Prop, reviewer: &Rev, conflicts: &[(u16, u32)]) -> bool {
        let track_ok = match (&reviewer.tracks, proposal.track) {
            (Some(list), Some(t)) => list.contains(&t),
            _ => true,
        };
        track_ok && !conflicts.contains(&(reviewer.id, proposal.id))
    }

    /// Final loads (existing + new) per reviewer id.
    fn loads(
        reviewers: &[Rev],
        proposals: &[Prop],
        existing: &[(u16, u32)],
        new: &[(u16, u32)],
    ) -> BTreeMap<u16, usize> {
        let props: HashSet<u32> = proposals.iter().map(|p| p.id).collect();
        let mut out: BTreeMap<u16, usize> = reviewers.iter().map(|r| (r.id, 0)).collect();
        let pairs: BTreeSet<(u16, u32)> = existing.iter().chain(new).copied().collect();
        for (r, p) in pairs {
            if props.contains(&p)
                && let Some(l) = out.get_mut(&r)
            {
                *l += 1;
            }
        }
        out
    }

    fn spread(loads: &BTreeMap<u16, usize>) -> usize {
        let max = loads.values().max().copied().unwrap_or(0);
        let min = loads.values().min().copied().unwrap_or(0);
        max - min
    }

    /// Checks every documented property of `result` and returns the loads.
    fn check(
        proposals: &[Prop],
        reviewers: &[Rev],
        conflicts: &[(u16, u32)],
        existing: &[(u16, u32)],
        k: usize,
        result: &Plan<u32, u16>,
    ) -> BTreeMap<u16, usize> {
        let existing_set: BTreeSet<(u16, u32)> = existing.iter().copied().collect();
        // Sorted by (proposal, reviewer), no duplicates.
        for w in result.new.windows(2) {
            assert!((w[0].1, w[0].0) < (w[1].1, w[1].0), "unsorted {w:?}");
        }
        for &(r, p) in &result.new {
            assert!(!existing_set.contains(&(r, p)), "re-added existing {r}/{p}");
            let proposal = proposals.iter().find(|x| x.id == p).expect("known p");
            let reviewer = reviewers.iter().find(|x| x.id == r).expect("known r");
            assert!(
                eligible(proposal, reviewer, conflicts),
                "forbidden pair {r}/{p}"
            );
        }
        // Every proposal reaches its target; `short` lists exactly the rest.
        let mut expected_short = Vec::new();
        for proposal in proposals {
            let had = reviewers
                .iter()
                .filter(|r| existing_set.contains(&(r.id, proposal.id)))
                .count();
            let free = reviewers
                .iter()
                .filter(|r| {
                    !existing_set.contains(&(r.id, proposal.id)) && eligible(proposal, r, conflicts)
                })
                .count();
            let added = result.new.iter().filter(|x| x.1 == proposal.id).count();
            let target = if had >= k { had } else { k.min(had + free) };
            assert_eq!(had + added, target, "proposal {}", proposal.id);
            if target < k {
                expected_short.push((proposal.id, target));
            }
        }
        expected_short.sort();
        assert_eq!(result.short, expected_short);
        // Idempotent.
        let mut again = existing.to_vec();
        again.extend(&result.new);
        let rerun = run(proposals, reviewers, conflicts, &again, k);
        assert!(rerun.new.is_empty(), "re-run added {:?}", rerun.new);
        assert_eq!(rerun.short, result.short);

        let loads = loads(reviewers, proposals, existing, &result.new);
        assert_optimal(
            proposals,
            reviewers,
            conflicts,
            &existing_set,
            result,
            &loads,
        );
        loads
    }

    /// Optimality certificate: no reviewer can pass one of its new proposals,
    /// via a chain of exchanges, to a reviewer at least 2 less loaded.
    fn assert_optimal(
        proposals: &[Prop],
        reviewers: &[Rev],
        conflicts: &[(u16, u32)],
        existing: &BTreeSet<(u16, u32)>,
        result: &Plan<u32, u16>,
        loads: &BTreeMap<u16, usize>,
    ) {
        let new: BTreeSet<(u16, u32)> = result.new.iter().copied().collect();
        let free = |r: &Rev, p: &Prop| {
            !existing.contains(&(r.id, p.id))
                && !new.contains(&(r.id, p.id))
                && eligible(p, r, conflicts)
        };
        for start in reviewers {
            let mut reached = BTreeSet::from([start.id]);
            let mut stack = vec![start.id];
            while let Some(a) = stack.pop() {
                for p in proposals.iter().filter(|p| new.contains(&(a, p.id))) {
                    for b in reviewers.iter().filter(|b| free(b, p)) {
                        if reached.insert(b.id) {
                            stack.push(b.id);
                        }
                    }
                }
            }
            for b in reached {
                assert!(
                    loads[&b] + 2 > loads[&start.id],
                    "reviewer {} (load {}) could pass work to {b} (load {})",
                    start.id,
                    loads[&start.id],
                    loads[&b]
                );
            }
        }
    }

    /// xorshift64* — small deterministic PRNG for property tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn chance(&mut self, percent: usize) -> bool {
            self.below(100) < percent
        }

        fn shuffle<X>(&mut self, items: &mut [X]) {
            for i in (1..items.len()).rev() {
                items.swap(i, self.below(i + 1));
            }
        }
    }

    struct Instance {
        proposals: Vec<Prop>,
        reviewers: Vec<Rev>,
        conflicts: Vec<(u16, u32)>,
        existing: Vec<(u16, u32)>,
        k: usize,
    }

    impl Instance {
        fn run(&self) -> Plan<u32, u16> {
            run(
                &self.proposals,
                &self.reviewers,
                &self.conflicts,
                &self.existing,
                self.k,
            )
        }

        fn check(&self, result: &Plan<u32, u16>) -> BTreeMap<u16, usize> {
            check(
                &self.proposals,
                &self.reviewers,
                &self.conflicts,
                &self.existing,
                self.k,
                result,
            )
        }
    }

    /// Random instance; `constrained` adds tracks, restrictions, conflicts
    /// and existing pairs (some conflicted, some on unknown ids).
    fn random_instance(
        rng: &mut Rng,
        max_p: usize,
        max_r: usize,
        max_k: usize,
        constrained: bool,
    ) -> Instance {
        let n_p = rng.below(max_p + 1);
        let n_r = rng.below(max_r + 1);
        let k = rng.below(max_k + 1);
        let tracks = 3;
        let proposals: Vec<Prop> = (0..n_p as u32)
            .map(|id| {
                let track = (constrained && rng.chance(80)).then(|| rng.below(tracks) as u8);
                prop(id * 7 + 1, track)
            })
            .collect();
        let reviewers: Vec<Rev> = (0..n_r as u16)
            .map(|id| {
                let list = (constrained && rng.chance(40))
                    .then(|| (0..tracks as u8).filter(|_| rng.chance(50)).collect());
                rev(id * 3 + 2, list)
            })
            .collect();
        let mut conflicts = Vec::new();
        let mut existing = Vec::new();
        if constrained {
            for p in &proposals {
                for r in &reviewers {
                    if rng.chance(15) {
                        conflicts.push((r.id, p.id));
                    }
                    if rng.chance(8) {
                        existing.push((r.id, p.id));
                    }
                }
            }
            // Unknown ids (e.g. a withdrawn proposal) are ignored.
            existing.push((2, 999_999));
            conflicts.push((60_000, 1));
        }
        Instance {
            proposals,
            reviewers,
            conflicts,
            existing,
            k,
        }
    }

    #[test]
    fn simple_balanced() {
        let proposals: Vec<Prop> = (1..=6).map(|id| prop(id, None)).collect();
        let reviewers: Vec<Rev> = (1..=3).map(|id| rev(id, None)).collect();
        let result = run(&proposals, &reviewers, &[], &[], 2);
        assert_eq!(result.new.len(), 12);
        assert!(result.short.is_empty());
        let loads = check(&proposals, &reviewers, &[], &[], 2, &result);
        assert!(loads.values().all(|&l| l == 4), "{loads:?}");
    }

    #[test]
    fn conflicts_and_tracks_respected() {
        const A: u8 = 0;
        const B: u8 = 1;
        let proposals = [prop(1, Some(A)), prop(2, Some(B)), prop(3, None)];
        let reviewers = [
            rev(10, Some(vec![A])),
            rev(20, Some(vec![B])),
            rev(30, None),
            rev(40, Some(vec![])),
        ];
        let conflicts = [(30, 1), (40, 3)];
        let result = run(&proposals, &reviewers, &conflicts, &[], 2);
        let forbidden = [(20, 1), (30, 1), (10, 2), (40, 1), (40, 2), (40, 3)];
        for pair in forbidden {
            assert!(!result.new.contains(&pair), "{pair:?} in {:?}", result.new);
        }
        // Proposal 1 only has reviewer 10 left.
        assert_eq!(result.short, vec![(1, 1)]);
        let loads = check(&proposals, &reviewers, &conflicts, &[], 2, &result);
        // 10, 20, 30 each have one forced pair; proposal 3 adds two more.
        assert_eq!(loads.values().copied().collect::<Vec<_>>(), [2, 2, 1, 0]);
        assert_eq!(loads[&40], 0);
    }

    #[test]
    fn existing_kept_counted_and_rerun_is_noop() {
        let proposals = [prop(1, None), prop(2, None), prop(3, None)];
        let reviewers = [rev(10, None), rev(20, None), rev(30, None)];
        // (10, 2) is now conflicted but stays and counts; proposal 1 is over k.
        let conflicts = [(10, 2)];
        let existing = [(10, 1), (20, 1), (30, 1), (10, 2), (10, 2)];
        let result = run(&proposals, &reviewers, &conflicts, &existing, 2);
        assert!(result.new.iter().all(|&(_, p)| p != 1), "{:?}", result.new);
        assert_eq!(result.new.iter().filter(|x| x.1 == 2).count(), 1);
        assert_eq!(result.new.iter().filter(|x| x.1 == 3).count(), 2);
        assert!(result.short.is_empty());
        let loads = check(&proposals, &reviewers, &conflicts, &existing, 2, &result);
        // 4 existing + 3 new over 3 reviewers: best is 3/2/2.
        assert_eq!(loads.values().max(), Some(&3));
        assert_eq!(loads.values().min(), Some(&2));

        let mut all = existing.to_vec();
        all.extend(&result.new);
        let rerun = run(&proposals, &reviewers, &conflicts, &all, 2);
        assert_eq!(
            rerun,
            Plan {
                new: vec![],
                short: vec![]
            }
        );
    }

    #[test]
    fn infeasible_proposal_reported_with_final_count() {
        let proposals = [prop(1, Some(7)), prop(2, None)];
        let reviewers = [
            rev(10, Some(vec![7])),
            rev(20, Some(vec![8])),
            rev(30, None),
        ];
        // Proposal 1: 10 exists, 30 conflicted, 20 wrong track -> stuck at 1.
        let conflicts = [(30, 1)];
        let existing = [(10, 1)];
        let result = run(&proposals, &reviewers, &conflicts, &existing, 3);
        assert!(result.new.iter().all(|&(_, p)| p != 1));
        assert_eq!(result.new, vec![(10, 2), (20, 2), (30, 2)]);
        assert_eq!(result.short, vec![(1, 1)]);
        check(&proposals, &reviewers, &conflicts, &existing, 3, &result);

        // Without reviewers everything is short with what it already had.
        let none = run(&proposals, &[], &[], &[], 2);
        assert_eq!(none.new, vec![]);
        assert_eq!(none.short, vec![(1, 0), (2, 0)]);
    }

    #[test]
    fn random_instances_hold_all_properties() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..200 {
            let constrained = round % 2 == 0;
            let inst = random_instance(&mut rng, 25, 8, 4, constrained);
            let result = inst.run();
            let loads = inst.check(&result);
            if !constrained {
                assert!(spread(&loads) <= 1, "round {round}: {loads:?}");
            }
        }
    }

    /// Exhaustive comparison on tiny instances: our loads are the best
    /// possible in max, in min and in sum of squares.
    #[test]
    fn matches_brute_force_on_tiny_instances() {
        let mut rng = Rng(42);
        for _ in 0..150 {
            let inst = random_instance(&mut rng, 4, 4, 2, true);
            let result = inst.run();
            let ours = inst.check(&result);
            let existing: BTreeSet<(u16, u32)> = inst.existing.iter().copied().collect();
            // For each proposal, every way to pick its new reviewers.
            let mut choices: Vec<Vec<Vec<u16>>> = Vec::new();
            for p in &inst.proposals {
                let had = inst
                    .reviewers
                    .iter()
                    .filter(|r| existing.contains(&(r.id, p.id)))
                    .count();
                let free: Vec<u16> = inst
                    .reviewers
                    .iter()
                    .filter(|r| {
                        !existing.contains(&(r.id, p.id)) && eligible(p, r, &inst.conflicts)
                    })
                    .map(|r| r.id)
                    .collect();
                let need = inst.k.saturating_sub(had).min(free.len());
                let subsets = (0u32..1 << free.len())
                    .filter(|m| m.count_ones() as usize == need)
                    .map(|m| {
                        (0..free.len())
                            .filter(|i| m >> i & 1 == 1)
                            .map(|i| free[i])
                            .collect()
                    })
                    .collect();
                choices.push(subsets);
            }
            let base = loads(&inst.reviewers, &inst.proposals, &inst.existing, &[]);
            let (mut best_max, mut best_min, mut best_sq) = (usize::MAX, 0, usize::MAX);
            let mut pick = vec![0; choices.len()];
            loop {
                let mut l = base.clone();
                for (c, &i) in choices.iter().zip(&pick) {
                    for r in &c[i] {
                        *l.get_mut(r).expect("known") += 1;
                    }
                }
                best_max = best_max.min(l.values().max().copied().unwrap_or(0));
                best_min = best_min.max(l.values().min().copied().unwrap_or(0));
                best_sq = best_sq.min(l.values().map(|x| x * x).sum());
                // Odometer over all combinations.
                let mut i = 0;
                while i < pick.len() && pick[i] + 1 == choices[i].len() {
                    pick[i] = 0;
                    i += 1;
                }
                if i == pick.len() {
                    break;
                }
                pick[i] += 1;
            }
            assert_eq!(ours.values().max().copied().unwrap_or(0), best_max);
            assert_eq!(ours.values().min().copied().unwrap_or(0), best_min);
            assert_eq!(ours.values().map(|x| x * x).sum::<usize>(), best_sq);
        }
    }

    #[test]
    fn deterministic_under_shuffled_input() {
        let mut rng = Rng(7);
        for _ in 0..30 {
            let mut inst = random_instance(&mut rng, 30, 8, 3, true);
            let first = inst.run();
            for _ in 0..3 {
                rng.shuffle(&mut inst.proposals);
                rng.shuffle(&mut inst.reviewers);
                rng.shuffle(&mut inst.conflicts);
                rng.shuffle(&mut inst.existing);
                assert_eq!(inst.run(), first);
            }
        }
    }

    #[test]
    fn microconference_size_runs() {
        let mut rng = Rng(2024);
        let proposals: Vec<Prop> = (0..200).map(|id| prop(id, Some((id % 4) as u8))).collect();
        let reviewers: Vec<Rev> = (0..40)
            .map(|id| {
                let tracks = (id % 3 == 0).then(|| vec![(id % 4) as u8, ((id + 1) % 4) as u8]);
                rev(id, tracks)
            })
            .collect();
        let mut conflicts = Vec::new();
        for p in &proposals {
            for _ in 0..2 {
                conflicts.push((rng.below(40) as u16, p.id));
            }
        }
        let result = run(&proposals, &reviewers, &conflicts, &[], 3);
        assert_eq!(result.new.len(), 600);
        assert!(result.short.is_empty());
    }
}
