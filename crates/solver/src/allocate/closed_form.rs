//! The closed form of a block without coupling rows: water-filling to one level.

use super::{at_level, classify, Block, BlockSolution, MemberOutcome, FEAS_TOL};

/// x_m = clamp(t a_m - b_m, 0, U_m) with t such that the sum is the shortfall (or every member at
/// its cap when the caps cannot take it). Exact up to floating point; ignores [`Block::rows`].
///
/// f(t) = sum_m clamp(t a_m - b_m, 0, U_m) is piecewise linear and non-decreasing with breakpoints
/// b_m / a_m (a member starts receiving) and (b_m + U_m) / a_m (it reaches its cap); the sweep
/// walks the breakpoints in order until f reaches S, then solves the linear piece for t.
pub fn water_fill(block: &Block) -> BlockSolution {
    let n = block.members.len();
    let s = block.shortfall;
    if s <= 0.0 {
        return BlockSolution {
            x: vec![0.0; n],
            outcome: block.members.iter().map(|_| MemberOutcome::AboveLevel).collect(),
            level: None,
            allocatable: 0.0,
            lp_solves: 0,
        };
    }
    let total_cap: f64 = block.members.iter().map(|m| m.cap).sum();
    if total_cap < s - FEAS_TOL * (1.0 + s) {
        return BlockSolution {
            x: block.members.iter().map(|m| m.cap).collect(),
            outcome: vec![MemberOutcome::InfeasibleCapped; n],
            level: None,
            allocatable: total_cap,
            lp_solves: 0,
        };
    }
    // (breakpoint, change of slope, change of the number of rising members).
    let mut events: Vec<(f64, f64, i64)> = Vec::with_capacity(2 * n);
    for m in &block.members {
        events.push((m.offset / m.slope, m.slope, 1));
        if m.cap.is_finite() {
            events.push(((m.offset + m.cap) / m.slope, -m.slope, -1));
        }
    }
    events.sort_by(|p, q| p.0.total_cmp(&q.0).then(q.1.total_cmp(&p.1)));
    let (mut f, mut slope, mut t_cur) = (0.0_f64, 0.0_f64, events[0].0);
    // The slope is a sum of floats that rise and fall: when no member is rising it is exactly
    // 0, not the rounding error left over (a slope of 1e-16 past the last cap sent the level
    // to minus infinity and every member to 0: found by the generated-country properties).
    let mut rising = 0_i64;
    let mut level = None;
    // When f reaches S exactly at a breakpoint after which it stays flat (the last receiving
    // members reach their caps there together), every level up to the next start satisfies
    // f(t) = S; the level is the highest of them, the one progressive filling (the LP) reaches.
    // So a piece that ends at S within the tolerance does not stop the sweep.
    let reached = s + FEAS_TOL * (1.0 + s);
    for &(t_next, d, r) in &events {
        let f_next = f + slope * (t_next - t_cur);
        if slope > 0.0 && f_next > reached {
            level = Some(t_cur + (s - f) / slope);
            break;
        }
        f = f_next;
        t_cur = t_next;
        rising += r;
        slope = if rising > 0 { slope + d } else { 0.0 };
    }
    // Past the last breakpoint every member is capped (slope 0, the case total_cap == S) or
    // uncapped members still rise with the remaining slope.
    let t = level.unwrap_or(if rising > 0 && slope > 0.0 { t_cur + ((s - f) / slope).max(0.0) } else { t_cur });
    // Recompute t from the set of members that are strictly between their breakpoints, which
    // removes the rounding error accumulated over the sweep.
    let (mut fixed, mut a_sum, mut b_sum) = (0.0, 0.0, 0.0);
    for m in &block.members {
        let v = t * m.slope - m.offset;
        if v >= m.cap {
            fixed += m.cap;
        } else if v > 0.0 {
            a_sum += m.slope;
            b_sum += m.offset;
        }
    }
    let t = if a_sum > 0.0 { (s - fixed + b_sum) / a_sum } else { t };
    let x: Vec<f64> = block.members.iter().map(|m| at_level(m, t)).collect();
    let outcome = block.members.iter().zip(&x).map(|(m, &x)| classify(m, x, Some(t))).collect();
    BlockSolution { x, outcome, level: Some(t), allocatable: s, lp_solves: 0 }
}

#[cfg(test)]
mod tests {
    use super::super::Member;
    use super::*;

    fn m(a: f64, b: f64, cap: f64) -> Member {
        Member { slope: a, offset: b, cap, region: 0 }
    }

    #[test]
    fn rest_without_caps_is_pro_rata() {
        let block = Block {
            shortfall: 100.0,
            members: vec![m(0.2, 0.0, f64::INFINITY), m(0.3, 0.0, f64::INFINITY)],
            rows: vec![],
        };
        let sol = water_fill(&block);
        assert!((sol.x[0] - 40.0).abs() < 1e-9);
        assert!((sol.x[1] - 60.0).abs() < 1e-9);
        assert!((sol.level.unwrap() - 200.0).abs() < 1e-9);
    }

    #[test]
    fn a_binding_cap_pushes_the_excess_to_the_others() {
        let block =
            Block { shortfall: 100.0, members: vec![m(0.5, 0.0, 10.0), m(0.5, 0.0, f64::INFINITY)], rows: vec![] };
        let sol = water_fill(&block);
        assert_eq!(sol.x, vec![10.0, 90.0]);
        assert_eq!(sol.outcome, vec![MemberOutcome::Capped, MemberOutcome::Interior]);
    }

    #[test]
    fn a_shortfall_that_fills_the_caps_exactly_reports_the_highest_level_as_the_lp_does() {
        // A reaches its cap 10 at level 5, exactly the shortfall; B would start at level 7. Every
        // level from 5 to 7 gives the same allocation: the level is 7 and A is capped.
        let block =
            Block { shortfall: 10.0, members: vec![m(2.0, 0.0, 10.0), m(1.0, 7.0, f64::INFINITY)], rows: vec![] };
        let sol = water_fill(&block);
        assert_eq!(sol.x, vec![10.0, 0.0]);
        assert!((sol.level.unwrap() - 7.0).abs() < 1e-9, "{sol:?}");
        assert_eq!(sol.outcome, vec![MemberOutcome::Capped, MemberOutcome::AboveLevel]);
    }

    #[test]
    fn caps_that_take_the_shortfall_exactly_leave_no_slope_behind() {
        // A generated country (tests/all/countries.rs) in level mode: slopes that do not cancel
        // exactly in floating point, members with cap 0, and caps 20 + 10 = the shortfall 30.
        // Every member with room ends at its cap; the level is where the last one reaches it.
        let (a0, a1, a2, a3) = (40.0 * 20.0 / 32.5, 40.0 * 1.25 / 32.5, 40.0 * 10.0 / 32.5, 40.0 * 1.25 / 32.5);
        let block = Block {
            shortfall: 30.0,
            members: vec![m(a0, 0.0, 20.0), m(a1, 5.0, 0.0), m(a2, 0.0, 0.0), m(a3, 0.0, 10.0)],
            rows: vec![],
        };
        let sol = water_fill(&block);
        assert_eq!(sol.x, vec![20.0, 0.0, 0.0, 10.0], "{sol:?}");
        assert!((sol.level.unwrap() - 10.0 / a3).abs() < 1e-9, "{sol:?}");
    }

    #[test]
    fn level_mode_leaves_those_above_the_level_alone() {
        // Task 100 each (a = 100), counted 0 and 90; 20 to distribute: level 0.2 -> 20 and 0.
        let block = Block {
            shortfall: 20.0,
            members: vec![m(100.0, 0.0, f64::INFINITY), m(100.0, 90.0, f64::INFINITY)],
            rows: vec![],
        };
        let sol = water_fill(&block);
        assert!((sol.x[0] - 20.0).abs() < 1e-9 && sol.x[1] == 0.0);
        assert_eq!(sol.outcome[1], MemberOutcome::AboveLevel);
    }

    #[test]
    fn caps_below_the_shortfall_make_the_block_infeasible() {
        let block = Block { shortfall: 50.0, members: vec![m(0.5, 0.0, 10.0), m(0.5, 0.0, 20.0)], rows: vec![] };
        let sol = water_fill(&block);
        assert_eq!(sol.x, vec![10.0, 20.0]);
        assert!(sol.is_infeasible(50.0));
        assert!((sol.allocatable - 30.0).abs() < 1e-12);
    }
}
