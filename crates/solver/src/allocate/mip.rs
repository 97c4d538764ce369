//! The minimum-size allocation as a mixed-integer programme with HiGHS (the general path and
//! the reference of [`super::minimum`]; see its module docs for the rules).
//!
//! Per member m with cap U (at most the total): a binary z_m (receives), a binary w_m (carries
//! the remainder; only when the total is not a multiple of the step q), an integer n_m of steps,
//! and a deviation d_m >= 0:
//!
//! ```text
//!   y_m = base z_m + (carrier_base - base) w_m + q n_m
//!   y_m <= U_m z_m,   n_m <= N_m z_m   (N_m = (U_m - smallest value) / q: the big-M is the cap)
//!   w_m <= z_m,       z_m <= w_m when only the carrier's values fit under U_m
//!   sum_m y_m = T,    sum_m w_m = 1 (with a remainder)
//!   d_m >= y_m - x_m, d_m >= x_m - y_m
//! ```
//!
//! Stage 1 minimises sum d. Rule 2 (the deviations sorted from the largest down, compared
//! lexicographically) is Ogryczak's sequence: for k = 1, 2, ..., minimise the sum of the k
//! largest deviations, k r_k + sum_m u_mk with u_mk >= d_m - r_k, u_mk >= 0, each stage
//! bounded by the earlier ones' optima (stops when the k-th largest is 0). Rule 3 then
//! maximises each y_m in priority order and fixes it. A stage's bound on an earlier optimum v
//! is v + 1e-5 (1 + |v|) (tighter bounds meet HiGHS's own tolerances and are declared
//! infeasible): the combinatorial method, exact in integers, is what production
//! uses where it is proven.

use super::LpError;
use good_lp::solvers::highs::highs;
use good_lp::{
    constraint, variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable,
};

/// A block's data for the MIP.
pub(super) struct Spec {
    /// Exact allocation per member, places.
    pub x: Vec<f64>,
    /// Caps (at most the total).
    pub cap: Vec<u64>,
    /// Members in priority order.
    pub by_priority: Vec<usize>,
    /// Smallest value of a member that is not the carrier.
    pub base: u64,
    /// Smallest value of the carrier, when the total is not a multiple of the step.
    pub carrier_base: Option<u64>,
    /// The step q.
    pub step: u64,
    /// The total T.
    pub total: u64,
}

/// Tolerance of the stage bounds (places).
const STAGE_TOLERANCE: f64 = 1e-5;

#[derive(Clone, Copy)]
enum Goal {
    /// Rule 1: the sum of the deviations.
    TotalDeviation,
    /// Rule 2, stage k: the sum of the k largest deviations.
    Largest(usize),
    /// Rule 3: a member's value (maximised).
    Value(usize),
}

#[expect(clippy::cast_precision_loss, reason = "places below 2^52")]
fn f(v: u64) -> f64 {
    v as f64
}

/// One stage: the values of y and whether HiGHS proved the stage optimal; `None` when
/// infeasible.
fn stage(
    spec: &Spec,
    goal: Goal,
    bounds: &[(Goal, f64)],
    fixed: &[(usize, u64)],
    time_limit: f64,
) -> Result<Option<(Vec<u64>, f64, bool)>, LpError> {
    let n = spec.x.len();
    let q = spec.step;
    let mut vars = ProblemVariables::new();
    let mut y: Vec<Expression> = Vec::with_capacity(n);
    let mut parts: Vec<Option<(Variable, Option<Variable>, Variable)>> = Vec::with_capacity(n);
    let mut rows: Vec<good_lp::Constraint> = Vec::new();
    let mut carriers: Vec<Variable> = Vec::new();
    for m in 0..n {
        let cap = spec.cap[m];
        let can_plain = cap >= spec.base;
        let can_carry = spec.carrier_base.is_some_and(|cb| cap >= cb);
        if !can_plain && !can_carry {
            y.push(Expression::from(0.0));
            parts.push(None);
            continue;
        }
        let least = if can_plain { spec.base } else { u64::MAX }
            .min(spec.carrier_base.filter(|_| can_carry).unwrap_or(u64::MAX));
        let most_steps = (cap - least) / q;
        let z = vars.add(variable().binary());
        let steps = vars.add(variable().integer().min(0.0).max(f(most_steps)));
        let w = can_carry.then(|| vars.add(variable().binary()));
        let mut e: Expression = f(spec.base) * z + f(q) * steps;
        if let (Some(w), Some(cb)) = (w, spec.carrier_base) {
            e += (f(cb) - f(spec.base)) * w;
            rows.push(constraint::leq(w, z));
            carriers.push(w);
            if !can_plain {
                rows.push(constraint::leq(z, w));
            }
        }
        rows.push(constraint::leq(e.clone() - f(cap) * z, 0.0));
        rows.push(constraint::leq(steps - f(most_steps) * z, 0.0));
        y.push(e);
        parts.push(Some((z, w, steps)));
    }
    let d: Vec<Variable> = (0..n).map(|_| vars.add(variable().min(0.0))).collect();
    // The expression of a goal (with the variables and rows of a sum of largest deviations).
    let mut expression = |g: Goal, rows: &mut Vec<good_lp::Constraint>| -> Expression {
        match g {
            Goal::TotalDeviation => d.iter().sum(),
            Goal::Largest(k) => {
                let r = vars.add(variable());
                let mut e: Expression = f(k as u64) * r;
                for &dm in &d {
                    let u = vars.add(variable().min(0.0));
                    rows.push(constraint::geq(u - dm + r, 0.0));
                    e += u;
                }
                e
            }
            Goal::Value(m) => -y[m].clone(),
        }
    };
    for &(g, v) in bounds {
        let e = expression(g, &mut rows);
        rows.push(constraint::leq(e, v + STAGE_TOLERANCE * (1.0 + v.abs())));
    }
    let objective = expression(goal, &mut rows);
    let mut model = vars.minimise(objective.clone()).using(highs);
    for r in rows {
        model.add_constraint(r);
    }
    let sum: Expression = y.iter().cloned().sum();
    model.add_constraint(constraint::eq(sum, f(spec.total)));
    if spec.carrier_base.is_some() {
        let s: Expression = carriers.iter().sum();
        model.add_constraint(constraint::eq(s, 1.0));
    }
    for m in 0..n {
        model.add_constraint(constraint::geq(d[m] - y[m].clone(), -spec.x[m]));
        model.add_constraint(constraint::geq(d[m] + y[m].clone(), spec.x[m]));
    }
    for &(m, v) in fixed {
        model.add_constraint(constraint::eq(y[m].clone(), f(v)));
    }
    let model = model
        .set_threads(1)
        .set_option("random_seed", 0)
        .set_option("output_flag", false)
        .set_option("mip_rel_gap", 0.0)
        .set_time_limit(time_limit);
    let solution = match model.solve() {
        Ok(s) => s,
        Err(ResolutionError::Infeasible) => return Ok(None),
        Err(e) => return Err(mip_error(&e, time_limit)),
    };
    let optimal = matches!(solution.status(), SolutionStatus::Optimal | SolutionStatus::GapLimit);
    let values: Vec<u64> = parts
        .iter()
        .map(|part| {
            part.map_or(0, |(z, w, steps)| {
                let cb = spec.carrier_base.unwrap_or(spec.base);
                let carrier = w.is_some_and(|w| solution.value(w) > 0.5);
                let receives = solution.value(z) > 0.5;
                #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "an integer step count")]
                let k = solution.value(steps).round().max(0.0) as u64;
                match (receives, carrier) {
                    (false, _) => 0,
                    (true, true) => cb + q * k,
                    (true, false) => spec.base + q * k,
                }
            })
        })
        .collect();
    let value = solution.eval(&objective);
    Ok(Some((values, value, optimal)))
}

/// HiGHS's failure on a stage as the solver's error. A stage that reached its time limit
/// before it found any allocation (good_lp's `NoSolutionFound`) names the setting to raise.
fn mip_error(e: &ResolutionError, time_limit: f64) -> LpError {
    match e {
        ResolutionError::Other("NoSolutionFound") => LpError::Mip(format!(
            "no allocation found within the time limit of {time_limit} s per stage; raise constraints.mip_time_limit"
        )),
        e => LpError::Mip(e.to_string()),
    }
}

/// The stages of the three rules; `None` when the total cannot be made.
pub(super) fn lexicographic(spec: &Spec, time_limit: f64) -> Result<Option<(Vec<u64>, bool)>, LpError> {
    let mut bounds: Vec<(Goal, f64)> = Vec::new();
    let mut goals: Vec<Goal> = vec![Goal::TotalDeviation];
    goals.extend((1..spec.x.len()).map(Goal::Largest));
    let mut y: Vec<u64> = Vec::new();
    let mut previous = 0.0;
    for (i, &goal) in goals.iter().enumerate() {
        let Some((values, value, optimal)) = stage(spec, goal, &bounds, &[], time_limit)? else {
            // Only the first stage can be infeasible (the later ones are bounded by optima).
            return Ok(if i == 0 { None } else { Some((y, false)) });
        };
        y = values;
        if !optimal {
            return Ok(Some((y, false)));
        }
        bounds.push((goal, value));
        // The k-th largest deviation is the step from the sum of k - 1 to the sum of k: once it
        // is 0, so are the rest.
        if matches!(goal, Goal::Largest(k) if k > 1 && value - previous <= STAGE_TOLERANCE) {
            break;
        }
        previous = value;
    }
    let mut optimal = true;
    let mut fixed: Vec<(usize, u64)> = Vec::new();
    for &m in &spec.by_priority {
        if y[m] < spec.cap[m].min(spec.total) {
            match stage(spec, Goal::Value(m), &bounds, &fixed, time_limit)? {
                Some((values, _, ok)) => {
                    y = values;
                    optimal &= ok;
                    if !ok {
                        break;
                    }
                }
                None => {
                    optimal = false;
                    break;
                }
            }
        }
        fixed.push((m, y[m]));
    }
    Ok(Some((y, optimal)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_stopped_before_any_allocation_names_the_setting_to_raise() {
        let e = mip_error(&ResolutionError::Other("NoSolutionFound"), 0.5);
        assert_eq!(
            e.to_string(),
            "HiGHS could not solve a stage of the minimum-size MIP: no allocation found within the time limit of 0.5 s per stage; raise constraints.mip_time_limit"
        );
        let e = mip_error(&ResolutionError::Unbounded, 0.5).to_string();
        assert!(
            e.starts_with("HiGHS could not solve a stage of the minimum-size MIP: ") && !e.contains("time limit"),
            "{e}"
        );
    }
}
