//! The closed form of a block whose coupling rows are disjoint (COROP balance): water-filling
//! inside each region, then across the regions' limits.
//!
//! # The method
//!
//! Rows `sum_{m in g} x_m <= L_g` over pairwise disjoint member sets g (the COROP regions of a
//! province: they partition it), besides `0 <= x_m <= U_m` and `sum_m x_m = T`. Write
//! `F_g(t) = sum_{m in g} clamp(t a_m - b_m, 0, U_m)` for the water-filling of region g alone.
//!
//! 1. **The total.** T = S when `sum_g min(L_g, U_g) + sum_{m in no row} U_m >= S` (U_g the sum of
//!    the region's caps), otherwise that sum: each region can take at most min(L_g, U_g), and
//!    the regions are independent, so this is the largest total the constraints allow.
//! 2. **Region levels.** A region whose caps exceed its limit (U_g > L_g) gets the level t_g at
//!    which its own water-filling reaches L_g (`F_g(t_g) = L_g`, [`water_fill`] of the region
//!    with shortfall L_g); every other region has t_g = infinity.
//! 3. **Across the regions.** With the region caps `U'_m = clamp(t_g a_m - b_m, 0, U_m)` (the
//!    member's allocation at its region's level, U_m when t_g is infinite), one more water-filling
//!    of all members to the total T gives the block's level t* and
//!
//!    ```text
//!      x*_m = clamp(t* a_m - b_m, 0, U'_m) = clamp(min(t*, t_g) a_m - b_m, 0, U_m).
//!    ```
//!
//!    (The two forms agree: for t* <= t_g both clamp t* a_m - b_m <= t_g a_m - b_m into the same
//!    interval, and for t* > t_g both give U'_m.) A region with F_g(t*) > L_g is *limited*: its
//!    total is exactly L_g, and its members are held at t_g < t*.
//!
//! Two sorts per region and one of the whole block: O(n log n), no linear programme.
//!
//! # Why this is the leximin allocation
//!
//! Levels are l_m(x) = (x_m + b_m) / a_m with a_m > 0, so a member's level rises with its
//! allocation. x* is feasible: 0 <= x*_m <= U_m, a region's total is min(F_g(t*), L_g) <= L_g,
//! and the total is T by step 3 (in the infeasible case every U'_m is taken, whose sum is T).
//!
//! A feasible x* of a convex polytope is its leximin point if, for every feasible y and every
//! member m with y_m > x*_m, some member m' has y_m' < x*_m' and l_m'(x*) <= l_m(x*) (no one can
//! rise without lowering someone at or below their level). *Sufficiency:* take y != x*
//! feasible, and among the members where they differ one, m0, with the lowest level in x*. If
//! y_m0 < x*_m0, the levels of y sorted ascending fall below those of x* at the first place they
//! differ; if y_m0 > x*_m0, the condition gives an m' with y_m' < x*_m' and
//! l_m'(x*) <= l_m0(x*), again a lowering at or below the lowest differing level. Either way
//! x* is lexicographically larger, so it is the unique leximin point (the LP's answer, P4).
//!
//! *The condition holds.* Let y be feasible and y_m > x*_m, so x*_m < U_m and, by the clamp,
//! l_m(x*) >= the level at which m is held (t_g or t*).
//!
//! * m is in a limited region g (x*'s region total is L_g >= y's region total): some m' in g has
//!   y_m' < x*_m'. Then x*_m' > 0, so by the clamp l_m'(x*) <= t_g <= l_m(x*).
//! * otherwise m is held at t* (its region is not limited or it is in no row; in the infeasible
//!   case every such member is at U_m, so this case cannot arise there). Both y and x* sum to T,
//!   so some m' has y_m' < x*_m'; then x*_m' > 0 and l_m'(x*) <= min(t*, t_g') <= t* <= l_m(x*).
//!
//! The same argument holds for any laminar family (nest the region levels); only disjoint rows
//! occur here, and overlapping rows go to the LP.
//!
//! # Agreement with the LP
//!
//! The level reported is t*, the one progressive filling reaches last (its rounds stop at each
//! limited region's t_g and then at t*). Outcomes are classified against t* by the same
//! [`classify`]: members of a limited region below their wanted t* a_m - b_m are `Limited`.
//! When the block is infeasible there is no common level: both paths report none, a member at
//! its cap as `InfeasibleCapped` and one below it (held by its region's limit) as `Limited`
//! ([`infeasible_outcomes`]). The differential tests compare this against the LP on random
//! //! blocks and require byte-identical reports on every shipped scenario.

use super::{classify, infeasible_outcomes, water_fill, Block, BlockSolution, Member};

/// True when the block's rows are pairwise disjoint (each member in at most one row), the shape
/// [`region_fill`] solves exactly.
pub fn rows_are_disjoint(block: &Block) -> bool {
    let mut seen = vec![false; block.members.len()];
    for row in &block.rows {
        for &i in &row.members {
            match seen.get_mut(i) {
                Some(s) if !*s => *s = true,
                _ => return false,
            }
        }
    }
    true
}

/// The leximin allocation of a block whose rows are disjoint (see the module docs). The caller
/// checks [`rows_are_disjoint`]; without rows this is [`water_fill`].
pub fn region_fill(block: &Block) -> BlockSolution {
    let n = block.members.len();
    let s = block.shortfall;
    if s <= 0.0 || n == 0 || block.rows.is_empty() {
        return water_fill(block);
    }
    // Step 2: every member's cap at its region's level.
    let mut held: Vec<Member> = block.members.clone();
    for row in &block.rows {
        let caps: f64 = row.members.iter().map(|&i| block.members[i].cap).sum();
        if caps <= row.upper {
            continue;
        }
        let region = Block {
            shortfall: row.upper.max(0.0),
            members: row.members.iter().map(|&i| block.members[i].clone()).collect(),
            rows: Vec::new(),
        };
        for (&i, &x) in row.members.iter().zip(&water_fill(&region).x) {
            held[i].cap = x;
        }
    }
    // Steps 1 and 3: water-filling of all members under the region caps (water_fill computes
    // every x by `at_level`, the one formula of every path).
    let across = water_fill(&Block { shortfall: s, members: held, rows: Vec::new() });
    if across.is_infeasible(s) {
        let outcome = infeasible_outcomes(block, &across.x);
        return BlockSolution { outcome, level: None, ..across };
    }
    let outcome = block.members.iter().zip(&across.x).map(|(m, &x)| classify(m, x, across.level)).collect();
    BlockSolution { outcome, ..across }
}

#[cfg(test)]
mod tests {
    use super::super::{solve_block, MemberOutcome, Row};
    use super::*;

    fn m(a: f64, cap: f64, region: usize) -> Member {
        Member { slope: a, offset: 0.0, cap, region }
    }

    fn row(members: &[usize], upper: f64) -> Row {
        Row { members: members.to_vec(), upper }
    }

    #[test]
    fn only_disjoint_rows_are_answered_without_the_lp() {
        let members = vec![m(1.0, f64::INFINITY, 0), m(1.0, f64::INFINITY, 0), m(1.0, f64::INFINITY, 1)];
        let disjoint =
            Block { shortfall: 90.0, members: members.clone(), rows: vec![row(&[0, 1], 45.0), row(&[2], 45.0)] };
        assert!(rows_are_disjoint(&disjoint));
        assert_eq!(solve_block(&disjoint, true).unwrap().lp_solves, 0);
        // Member 1 in two rows: a family that is not a partition goes to the LP.
        let overlapping = Block { shortfall: 90.0, members, rows: vec![row(&[0, 1], 45.0), row(&[1, 2], 60.0)] };
        assert!(!rows_are_disjoint(&overlapping));
        assert!(solve_block(&overlapping, true).unwrap().lp_solves > 0);
        // A row naming a member that is not there is not a partition either.
        let bad = Block { shortfall: 1.0, members: vec![m(1.0, 1.0, 0)], rows: vec![row(&[0, 3], 1.0)] };
        assert!(!rows_are_disjoint(&bad));
    }

    #[test]
    fn a_full_region_is_held_at_its_own_level_and_the_rest_rise_above_it() {
        // Rest mode, keys 0.3 / 0.2 in region 0 and 0.5 in region 1, shortfall 100, at most 40
        // per region: the regions hold 80 at most, so the block is infeasible and both are
        // full: region 0 at its level 80 (24 / 16), region 1 at 40; no common level.
        let block = Block {
            shortfall: 100.0,
            members: vec![m(0.3, f64::INFINITY, 0), m(0.2, f64::INFINITY, 0), m(0.5, f64::INFINITY, 1)],
            rows: vec![row(&[0, 1], 40.0), row(&[2], 40.0)],
        };
        let sol = region_fill(&block);
        let want = [24.0, 16.0, 40.0];
        assert!(sol.x.iter().zip(want).all(|(x, w)| (x - w).abs() < 1e-9), "{sol:?}");
        assert!((sol.allocatable - 80.0).abs() < 1e-9 && sol.level.is_none());
        assert_eq!(sol.outcome, vec![MemberOutcome::Limited; 3]);

        // Region 0 at most 40, region 1 at most 60: region 0 is held at its level 80 (24 / 16),
        // region 1 takes the other 60 at level 120, exactly its limit (interior).
        let block = Block {
            shortfall: 100.0,
            members: vec![m(0.3, f64::INFINITY, 0), m(0.2, f64::INFINITY, 0), m(0.5, f64::INFINITY, 1)],
            rows: vec![row(&[0, 1], 40.0), row(&[2], 60.0)],
        };
        let sol = region_fill(&block);
        let want = [24.0, 16.0, 60.0];
        assert!(sol.x.iter().zip(want).all(|(x, w)| (x - w).abs() < 1e-9), "{sol:?}");
        assert!((sol.level.unwrap() - 120.0).abs() < 1e-9, "{sol:?}");
        assert_eq!(sol.outcome, vec![MemberOutcome::Limited, MemberOutcome::Limited, MemberOutcome::Interior]);

        // A cap inside a full region: member 0 capped at 10, so member 1 takes the region's
        // other 30 (level 150 > 80): 10 / 30 / 60.
        let mut capped = block.clone();
        capped.members[0].cap = 10.0;
        let sol = region_fill(&capped);
        let want = [10.0, 30.0, 60.0];
        assert!(sol.x.iter().zip(want).all(|(x, w)| (x - w).abs() < 1e-9), "{sol:?}");
        assert_eq!(sol.outcome[0], MemberOutcome::Capped);
    }
}
