//! Progressive filling with good_lp and HiGHS (see the module docs of [`crate::allocate`]).

use super::{at_level, classify, Block, BlockSolution, Outcome, FEAS_TOL};
use good_lp::solvers::highs::{highs, HighsPresolveType};
use good_lp::{
    constraint, variable, DualValues, Expression, ProblemVariables, Solution, SolutionWithDual,
    SolverModel, Variable,
};

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
    /// No level row had a non-zero dual; progressive filling cannot go on.
    #[error("progressive filling made no progress in round {0}")]
    NoProgress(u32),
}

/// Every HiGHS solve in the process uses one thread (see HIGHS-NOTES.md: the thread setting
/// must not change within a process) and no presolve (faster on these small LPs).
fn configure(p: good_lp::solvers::highs::HighsProblem) -> good_lp::solvers::highs::HighsProblem {
    p.set_threads(1)
        .set_presolve(HighsPresolveType::Off)
        .set_option("random_seed", 0)
        .set_option("output_flag", false)
}

fn solver_error(round: u32, e: impl std::fmt::Display) -> LpError {
    LpError::Solver {
        round,
        message: e.to_string(),
    }
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
    let xs: Vec<Variable> = block
        .members
        .iter()
        .map(|m| column(&mut vars, 0.0, m.cap))
        .collect();
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

/// One round: max t over the members not yet fixed. Returns t and, per member, whether its level
/// row has a non-zero dual (always false for fixed members).
fn round(
    block: &Block,
    target: f64,
    fixed: &[Option<f64>],
    round: u32,
) -> Result<(f64, Vec<bool>), LpError> {
    let mut vars = ProblemVariables::new();
    let t = vars.add(variable());
    let xs: Vec<Variable> = block
        .members
        .iter()
        .zip(fixed)
        .map(|(m, f)| match *f {
            Some(v) => vars.add(variable().min(v).max(v)),
            None => column(&mut vars, 0.0, m.cap),
        })
        .collect();
    let mut model = configure(vars.maximise(t).using(highs));
    let total: Expression = xs.iter().sum();
    model.add_constraint(constraint::eq(total, target));
    let mut level_rows = Vec::with_capacity(xs.len());
    let mut free_a = 0.0;
    for (i, m) in block.members.iter().enumerate() {
        if fixed[i].is_none() {
            free_a += m.a;
            level_rows.push((
                i,
                model.add_constraint(constraint::geq(xs[i] - m.a * t, -m.b)),
            ));
        }
    }
    for row in &block.rows {
        let e: Expression = row.members.iter().map(|&i| xs[i]).sum();
        model.add_constraint(constraint::leq(e, row.upper));
    }
    let mut sol = model.solve().map_err(|e| solver_error(round, e))?;
    let level = sol.value(t);
    let duals = sol.compute_dual();
    let mut blocked = vec![false; block.members.len()];
    for (i, r) in level_rows {
        // The level rows' duals y satisfy sum y_m a_m = 1; scale by the free slopes.
        blocked[i] = duals.dual(r).abs() * free_a > 1e-9;
    }
    Ok((level, blocked))
}

/// The leximin allocation of a block by progressive filling with HiGHS.
pub fn solve_lp(block: &Block) -> Result<BlockSolution, LpError> {
    let n = block.members.len();
    let s = block.shortfall;
    if s <= 0.0 || n == 0 {
        return Ok(BlockSolution {
            x: vec![0.0; n],
            outcome: vec![Outcome::AboveLevel; n],
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
                let top = (m.b + m.cap) / m.a;
                level = Some(level.map_or(top, |l: f64| l.max(top)));
            }
            break;
        }
        solves += 1;
        let (t, blocked) = round(block, target, &fixed, solves)?;
        if !free.iter().any(|&i| blocked[i]) {
            return Err(LpError::NoProgress(solves));
        }
        for &i in &free {
            if blocked[i] {
                fixed[i] = Some(at_level(&block.members[i], t));
            }
        }
        level = Some(level.map_or(t, |l: f64| l.max(t)));
    }
    let x: Vec<f64> = fixed.into_iter().map(|v| v.unwrap_or(0.0)).collect();
    let all_capped = block
        .members
        .iter()
        .zip(&x)
        .all(|(m, &x)| x >= m.cap - FEAS_TOL * (1.0 + x));
    let (level, outcome) = if infeasible && all_capped {
        (None, vec![Outcome::InfeasibleCapped; n])
    } else {
        (
            level,
            block
                .members
                .iter()
                .zip(&x)
                .map(|(m, &x)| classify(m, x, level))
                .collect(),
        )
    };
    Ok(BlockSolution {
        x,
        outcome,
        level,
        allocatable: target,
        lp_solves: solves,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{water_fill, Member, Row};
    use super::*;

    fn m(a: f64, b: f64, cap: f64, region: usize) -> Member {
        Member { a, b, cap, region }
    }

    #[test]
    fn lp_equals_the_closed_form_with_caps_in_rest_mode() {
        let block = Block {
            shortfall: 100.0,
            members: vec![
                m(0.4, 0.0, 10.0, 0),
                m(0.35, 0.0, 30.0, 0),
                m(0.25, 0.0, f64::INFINITY, 0),
            ],
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
            members: vec![
                m(1.0, 0.0, f64::INFINITY, 0),
                m(1.0, 0.0, f64::INFINITY, 0),
                m(1.0, 0.0, f64::INFINITY, 1),
            ],
            rows: vec![
                Row {
                    members: vec![0, 1],
                    upper: 45.0,
                },
                Row {
                    members: vec![2],
                    upper: 45.0,
                },
            ],
        };
        let lp = solve_lp(&block).unwrap();
        assert!(
            (lp.x[0] - 22.5).abs() < 1e-6
                && (lp.x[1] - 22.5).abs() < 1e-6
                && (lp.x[2] - 45.0).abs() < 1e-6,
            "{lp:?}"
        );
        assert_eq!(lp.outcome[0], Outcome::Limited);
        assert_eq!(lp.outcome[2], Outcome::Interior);
    }

    #[test]
    fn rows_that_cannot_take_the_shortfall_make_the_block_infeasible() {
        let block = Block {
            shortfall: 100.0,
            members: vec![m(1.0, 0.0, f64::INFINITY, 0), m(1.0, 0.0, f64::INFINITY, 1)],
            rows: vec![
                Row {
                    members: vec![0],
                    upper: 30.0,
                },
                Row {
                    members: vec![1],
                    upper: 30.0,
                },
            ],
        };
        let lp = solve_lp(&block).unwrap();
        assert!(lp.is_infeasible(100.0));
        assert!((lp.allocatable - 60.0).abs() < 1e-6);
    }
}
