//! Progressive filling with good_lp and HiGHS (see the module docs of [`crate::allocate`]).

use super::{
    at_level, classify, infeasible_outcomes, water_fill, Block, BlockSolution, Member, MemberOutcome, FEAS_TOL,
};
use crate::model::limits::DUAL_TOLERANCE;
use good_lp::solvers::highs::{highs, HighsPresolveType};
use good_lp::{constraint, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};

/// The LP could not be solved. This is a bug or a numerical breakdown, never a property of the
/// input (infeasibility is a status of the block, not an error).
#[derive(Debug, thiserror::Error)]
pub enum LpError {
    /// HiGHS reported an error.
    #[error("HiGHS could not solve the allocation LP (round {round}): {message}")]
    Solver {
        /// Round of progressive filling.
        round: u32,
        /// HiGHS's message.
        message: String,
    },
    /// HiGHS failed on a stage of the minimum-size MIP (docs/MODEL.md 3.7a).
    #[error("HiGHS could not solve a stage of the minimum-size MIP: {0}")]
    Mip(String),
    /// No level row had a non-zero dual; progressive filling cannot go on.
    #[error("progressive filling made no progress in round {0}")]
    NoProgress(u32),
}

/// Every HiGHS solve in the process uses one thread (see docs/HIGHS.md: the thread setting
/// must not change within a process) and no presolve (faster on these small LPs).
fn configure(p: good_lp::solvers::highs::HighsProblem) -> good_lp::solvers::highs::HighsProblem {
    p.set_threads(1).set_presolve(HighsPresolveType::Off).set_option("random_seed", 0).set_option("output_flag", false)
}

fn solver_error(round: u32, e: impl std::fmt::Display) -> LpError {
    LpError::Solver { round, message: e.to_string() }
}

fn column(vars: &mut ProblemVariables, lower: f64, upper: f64) -> Variable {
    if upper.is_finite() {
        vars.add(variable().min(lower).max(upper))
    } else {
        vars.add(variable().min(lower))
    }
}

/// The largest total the constraints can take, at most `s`.
fn max_total(block: &Block, s: f64) -> Result<f64, LpError> {
    let mut vars = ProblemVariables::new();
    let xs: Vec<Variable> = block.members.iter().map(|m| column(&mut vars, 0.0, m.cap)).collect();
    let total: Expression = xs.iter().sum();
    let mut model = configure(vars.maximise(total.clone()).using(highs));
    model.add_constraint(constraint::leq(total.clone(), s));
    for row in &block.rows {
        let e: Expression = row.members.iter().map(|&i| xs[i]).sum();
        model.add_constraint(constraint::leq(e, row.upper));
    }
    let sol = model.solve().map_err(|e| solver_error(0, e))?;
    Ok(xs.iter().map(|&x| sol.value(x)).sum::<f64>().min(s))
}

/// The progressive-filling LP, built once with good_lp and then kept in HiGHS: between rounds
/// only column bounds change, and HiGHS re-solves from the previous basis (warm start).
///
/// Columns, in the order good_lp creates them: t (free), x_m in [0, U_m], and a slack s_m per
/// member, fixed at 0 while the member is free. Rows: `sum x = T` (row 0), the level rows
/// `x_m - a_m t + s_m >= -b_m` (rows 1..=n), then the family rows. Fixing a member sets
/// x_m = v and frees s_m in [0, inf), which retires its level row without changing any row.
struct Filling {
    model: Option<highs::Model>,
    n: usize,
}

impl Filling {
    fn new(block: &Block, target: f64) -> Result<Self, LpError> {
        let n = block.members.len();
        let mut vars = ProblemVariables::new();
        let t = vars.add(variable());
        let xs: Vec<Variable> = block.members.iter().map(|m| column(&mut vars, 0.0, m.cap)).collect();
        let slacks: Vec<Variable> = block.members.iter().map(|_| vars.add(variable().min(0.0).max(0.0))).collect();
        let mut problem = vars.maximise(t).using(highs);
        let total: Expression = xs.iter().sum();
        problem.add_constraint(constraint::eq(total, target));
        for ((m, &x), &slack) in block.members.iter().zip(&xs).zip(&slacks) {
            problem.add_constraint(constraint::geq(x - m.slope * t + slack, -m.offset));
        }
        for row in &block.rows {
            let e: Expression = row.members.iter().map(|&i| xs[i]).sum();
            problem.add_constraint(constraint::leq(e, row.upper));
        }
        let mut model = problem.try_into_inner().map_err(|e| solver_error(0, e))?;
        // Every HiGHS solve in the process: one thread (docs/HIGHS.md: the setting must not
        // change within a process), no presolve (faster on these LPs), fixed seed, quiet.
        for (option, result) in [
            ("threads", model.try_set_option("threads", 1)),
            ("presolve", model.try_set_option("presolve", "off")),
            ("random_seed", model.try_set_option("random_seed", 0)),
            ("output_flag", model.try_set_option("output_flag", false)),
        ] {
            result.map_err(|e| solver_error(0, format!("setting {option}: {e:?}")))?;
        }
        Ok(Filling { model: Some(model), n })
    }

    /// Solves; returns t and, per member, whether its level row has a non-zero dual; `None`
    /// when the fixings make the LP infeasible.
    fn solve(&mut self, round: u32, free_a: f64) -> Result<Option<(f64, Vec<bool>)>, LpError> {
        let model = self.model.take().ok_or_else(|| solver_error(round, "no model"))?;
        let solved = model.try_solve().map_err(|e| solver_error(round, format!("{e:?}")))?;
        match solved.status() {
            highs::HighsModelStatus::Optimal => {}
            highs::HighsModelStatus::Infeasible => {
                self.model = Some(highs::Model::from(solved));
                return Ok(None);
            }
            status => return Err(solver_error(round, format!("status {status:?}"))),
        }
        let solution = solved.get_solution();
        let t = solution.columns()[0];
        let duals = solution.dual_rows();
        // The level rows' duals y satisfy sum y_m a_m = 1; scale by the free slopes.
        let blocked = (0..self.n).map(|i| duals[1 + i].abs() * free_a > DUAL_TOLERANCE).collect();
        self.model = Some(highs::Model::from(solved));
        Ok(Some((t, blocked)))
    }

    /// Releases member i again: x in [0, U], its level row back in force.
    fn release(&mut self, i: usize, cap: f64) -> Result<(), LpError> {
        let model = self.model.as_mut().ok_or_else(|| solver_error(0, "no model"))?;
        set_bounds(model, 1 + i, 0.0, cap)?;
        set_bounds(model, 1 + self.n + i, 0.0, 0.0)
    }

    /// Fixes member i at x = v and retires its level row.
    fn fix(&mut self, i: usize, v: f64) -> Result<(), LpError> {
        let model = self.model.as_mut().ok_or_else(|| solver_error(0, "no model"))?;
        set_bounds(model, 1 + i, v, v)?;
        set_bounds(model, 1 + self.n + i, 0.0, f64::INFINITY)
    }
}

/// Changes a column's bounds (the highs crate exposes this only with column handles, which
/// good_lp keeps to itself; the column order is good_lp's creation order).
fn set_bounds(model: &mut highs::Model, col: usize, lower: f64, upper: f64) -> Result<(), LpError> {
    let col = highs_sys::HighsInt::try_from(col).map_err(|_| solver_error(0, "column index out of range"))?;
    // SAFETY: the pointer is the live HiGHS instance owned by `model`, borrowed mutably for the
    // call; `col` is one of its columns (the model has 1 + 2n columns).
    let status = unsafe { highs_sys::Highs_changeColBounds(model.as_mut_ptr(), col, lower, upper) };
    if status == highs_sys::STATUS_ERROR {
        return Err(solver_error(0, format!("changing the bounds of column {col}")));
    }
    Ok(())
}

/// The level (U + b) / a at which a member reaches its cap.
fn cap_level(m: &Member) -> f64 {
    (m.cap + m.offset) / m.slope
}

/// True when a member's cap binds at level t (within tolerance).
fn cap_reached(m: &Member, t: f64) -> bool {
    cap_level(m) <= t + FEAS_TOL * (1.0 + t.abs())
}

/// The leximin allocation of a block by progressive filling with HiGHS.
pub fn solve_lp(block: &Block) -> Result<BlockSolution, LpError> {
    let n = block.members.len();
    let s = block.shortfall;
    if s <= 0.0 || n == 0 {
        return Ok(BlockSolution {
            x: vec![0.0; n],
            outcome: vec![MemberOutcome::AboveLevel; n],
            level: None,
            allocatable: 0.0,
            lp_solves: 0,
        });
    }
    let mut solves = 0;
    let target = if block.rows.is_empty() {
        s.min(block.members.iter().map(|m| m.cap).sum())
    } else {
        solves += 1;
        max_total(block, s)?
    };
    let infeasible = target < s - FEAS_TOL * (1.0 + s);

    let mut fixed: Vec<Option<f64>> = vec![None; n];
    let mut level: Option<f64> = None;
    let mut lp: Option<Filling> = None;
    loop {
        let free: Vec<usize> = (0..n).filter(|&i| fixed[i].is_none()).collect();
        if free.is_empty() {
            break;
        }
        let rem = target - fixed.iter().flatten().sum::<f64>();
        let free_cap: f64 = free.iter().map(|&i| block.members[i].cap).sum();
        if rem <= FEAS_TOL * (1.0 + target) {
            // The total is used up: the rest are forced to 0.
            free.iter().for_each(|&i| fixed[i] = Some(0.0));
            break;
        }
        if rem >= free_cap - FEAS_TOL * (1.0 + target) {
            // Only the caps can take what is left: the rest are forced to their caps.
            for &i in &free {
                let m = &block.members[i];
                fixed[i] = Some(m.cap);
                let top = (m.offset + m.cap) / m.slope;
                level = Some(level.map_or(top, |l: f64| l.max(top)));
            }
            break;
        }
        let filling = match &mut lp {
            Some(f) => f,
            None => lp.insert(Filling::new(block, target)?),
        };
        // Lookahead: the closed form of the free members (ignoring family rows) says whose caps
        // bind below its level; fix those at their caps before solving. If the LP's level t
        // comes out at or above all their cap levels, progressive filling would have fixed
        // them there in earlier rounds: one round instead of one per cap level. Any whose cap
        // level lies above t (a family row holds the level down) is released and the round
        // solved again.
        let lookahead = water_fill(&Block {
            shortfall: rem,
            members: free.iter().map(|&i| block.members[i].clone()).collect(),
            rows: Vec::new(),
        })
        .level;
        let mut prefixed: Vec<usize> = match lookahead {
            Some(tau) => free.iter().copied().filter(|&i| cap_level(&block.members[i]) < tau).collect(),
            None => Vec::new(),
        };
        for &i in &prefixed {
            filling.fix(i, block.members[i].cap)?;
        }
        let (t, blocked) = loop {
            solves += 1;
            let rest: Vec<usize> = free.iter().copied().filter(|i| !prefixed.contains(i)).collect();
            let free_a: f64 = rest.iter().map(|&i| block.members[i].slope).sum();
            let Some((t, blocked)) = filling.solve(solves, free_a)? else {
                // The caps fixed ahead do not fit the family rows: solve the round plainly.
                if prefixed.is_empty() {
                    return Err(solver_error(solves, "the round LP is infeasible"));
                }
                for &i in &prefixed {
                    filling.release(i, block.members[i].cap)?;
                }
                prefixed.clear();
                continue;
            };
            let (keep, release): (Vec<usize>, Vec<usize>) =
                prefixed.iter().partition(|&&i| cap_reached(&block.members[i], t));
            if release.is_empty() {
                for &i in &keep {
                    fixed[i] = Some(block.members[i].cap);
                }
                break (t, blocked);
            }
            for &i in &release {
                filling.release(i, block.members[i].cap)?;
            }
            prefixed = keep;
        };
        // Fixed now: blocked by a dual, or at its cap at this level (its level (U + b) / a cannot
        // rise above t, and every optimum of this round has it there, x = U; this fixes all
        // members whose caps bind at t in one round, not one per round).
        let now: Vec<usize> =
            (0..n).filter(|&i| fixed[i].is_none() && (blocked[i] || cap_reached(&block.members[i], t))).collect();
        if now.is_empty() && fixed.iter().any(Option::is_none) {
            return Err(LpError::NoProgress(solves));
        }
        for i in now {
            let v = at_level(&block.members[i], t);
            fixed[i] = Some(v);
            filling.fix(i, v)?;
        }
        level = Some(level.map_or(t, |l: f64| l.max(t)));
    }
    let x: Vec<f64> = fixed.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let (level, outcome) = if infeasible {
        (None, infeasible_outcomes(block, &x))
    } else {
        (level, block.members.iter().zip(&x).map(|(m, &x)| classify(m, x, level)).collect())
    };
    Ok(BlockSolution { x, outcome, level, allocatable: target, lp_solves: solves })
}

#[cfg(test)]
mod tests {
    use super::super::Row;
    use super::*;

    fn m(a: f64, b: f64, cap: f64, region: usize) -> Member {
        Member { slope: a, offset: b, cap, region }
    }

    #[test]
    fn lp_equals_the_closed_form_with_caps_in_rest_mode() {
        let block = Block {
            shortfall: 100.0,
            members: vec![m(0.4, 0.0, 10.0, 0), m(0.35, 0.0, 30.0, 0), m(0.25, 0.0, f64::INFINITY, 0)],
            rows: vec![],
        };
        let lp = solve_lp(&block).unwrap();
        let cf = water_fill(&block);
        for (a, b) in lp.x.iter().zip(&cf.x) {
            assert!((a - b).abs() < 1e-6, "{lp:?} vs {cf:?}");
        }
        assert_eq!(lp.outcome, cf.outcome);
        assert!(lp.lp_solves >= 1);
    }

    #[test]
    fn a_corop_row_holds_a_region_below_the_level() {
        // Two equal members in region 0, one in region 1; region 0 may take at most 50%.
        let block = Block {
            shortfall: 90.0,
            members: vec![m(1.0, 0.0, f64::INFINITY, 0), m(1.0, 0.0, f64::INFINITY, 0), m(1.0, 0.0, f64::INFINITY, 1)],
            rows: vec![Row { members: vec![0, 1], upper: 45.0 }, Row { members: vec![2], upper: 45.0 }],
        };
        let lp = solve_lp(&block).unwrap();
        assert!(
            (lp.x[0] - 22.5).abs() < 1e-6 && (lp.x[1] - 22.5).abs() < 1e-6 && (lp.x[2] - 45.0).abs() < 1e-6,
            "{lp:?}"
        );
        assert_eq!(lp.outcome[0], MemberOutcome::Limited);
        assert_eq!(lp.outcome[2], MemberOutcome::Interior);
    }

    #[test]
    fn rows_that_cannot_take_the_shortfall_make_the_block_infeasible() {
        let block = Block {
            shortfall: 100.0,
            members: vec![m(1.0, 0.0, f64::INFINITY, 0), m(1.0, 0.0, f64::INFINITY, 1)],
            rows: vec![Row { members: vec![0], upper: 30.0 }, Row { members: vec![1], upper: 30.0 }],
        };
        let lp = solve_lp(&block).unwrap();
        assert!(lp.is_infeasible(100.0));
        assert!((lp.allocatable - 60.0).abs() < 1e-6);
    }
}
