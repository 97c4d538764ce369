//! The whole-country run: counting, eligibility, keys, allocation and rounding for every
//! province and commodity, as plain data.
//!
//! [`types`] holds the results; [`block`] prepares one province and commodity (the allocation
//! problem as plain data); [`finish`] rounds its solution and builds its results.

mod block;
mod finish;
mod types;

pub use block::province_block;
pub use types::*;

use crate::model::{entries, Commodity, Dataset, PerCommodity, Scenario};
use block::BlockContext;

/// Solves a scenario on a data set: every province and commodity.
pub fn solve(dataset: &Dataset, scenario: &Scenario) -> Result<Solution, SolveError> {
    solve_with(dataset, scenario, &SolveInputs::new(dataset, scenario))
}

/// Solves a scenario on a data set with the given counted places and caps.
pub fn solve_with(dataset: &Dataset, scenario: &Scenario, inputs: &SolveInputs) -> Result<Solution, SolveError> {
    let counting_date = scenario.counting.counting_date.unwrap_or(dataset.cycle.counting_date);
    let members = dataset.members_by_province();
    let relative_effort: Vec<f64> = (0..dataset.municipalities.len()).map(|i| dataset.relative_effort(i)).collect();
    let mut provinces = Vec::with_capacity(2 * dataset.provinces.len());
    // Each block's results in municipality order, at 2 p + commodity.
    let mut blocks: Vec<std::vec::IntoIter<MunicipalityResult>> = Vec::with_capacity(2 * members.len());
    for (p, ms) in members.iter().enumerate() {
        for c in Commodity::ALL {
            let ctx = BlockContext {
                dataset,
                scenario,
                province: p,
                members: ms,
                commodity: c,
                inputs,
                relative_effort: &relative_effort,
            };
            let (block, results) = solve_block(&ctx).map_err(|error| SolveError {
                province: dataset.provinces[p].code,
                commodity: c,
                error,
            })?;
            provinces.push(block);
            blocks.push(results.into_iter());
        }
    }
    // Municipalities in code order, regular before AMV: the next result of a municipality's
    // block is that municipality's (a merge without moving the results twice).
    let mut municipalities = Vec::with_capacity(entries(dataset.municipalities.len()));
    for (i, m) in dataset.municipalities.iter().enumerate() {
        for (c, commodity) in Commodity::ALL.into_iter().enumerate() {
            let r = blocks[2 * m.province + c].next();
            debug_assert!(r.as_ref().is_some_and(|r| r.municipality == i && r.commodity == commodity));
            municipalities.extend(r);
        }
    }
    Ok(Solution {
        scenario: scenario.name.clone(),
        counting_date,
        mode: scenario.allocation.mode,
        above_task: scenario.allocation.above_task,
        minimum: PerCommodity {
            regular: scenario.constraints.minimum_rule(Commodity::Regular),
            amv: scenario.constraints.minimum_rule(Commodity::Amv),
        },
        provinces,
        municipalities,
    })
}

/// What re-solving single provinces of a data set needs, computed once: the members of every
/// province and every municipality's relative effort. Counterfactuals re-solve one province
/// and commodity many times with changed inputs or weights.
pub struct Frame<'a> {
    dataset: &'a Dataset,
    members: Vec<Vec<usize>>,
    relative_effort: Vec<f64>,
}

impl<'a> Frame<'a> {
    /// The frame of a data set.
    pub fn new(dataset: &'a Dataset) -> Self {
        Frame {
            dataset,
            members: dataset.members_by_province(),
            relative_effort: (0..dataset.municipalities.len()).map(|i| dataset.relative_effort(i)).collect(),
        }
    }

    /// Indices of the municipalities of province `p` (by index), in code order.
    pub fn members(&self, p: usize) -> &[usize] {
        &self.members[p]
    }

    fn context<'b>(
        &'b self,
        scenario: &'b Scenario,
        inputs: &'b SolveInputs,
        province: usize,
        commodity: Commodity,
    ) -> BlockContext<'b> {
        BlockContext {
            dataset: self.dataset,
            scenario,
            province,
            members: &self.members[province],
            commodity,
            inputs,
            relative_effort: &self.relative_effort,
        }
    }

    /// One province and commodity solved as [`solve_with`] solves it.
    pub fn block(
        &self,
        scenario: &Scenario,
        inputs: &SolveInputs,
        province: usize,
        commodity: Commodity,
    ) -> Result<(BlockResult, Vec<MunicipalityResult>), SolveError> {
        solve_block(&self.context(scenario, inputs, province, commodity)).map_err(|error| SolveError {
            province: self.dataset.provinces[province].code,
            commodity,
            error,
        })
    }

    /// The exact allocation municipality `i` of province `province` would get if its cap in
    /// force (feasibility or per 1,000 inhabitants) were lifted, everything else (its key
    /// included) unchanged; `None` when it cannot receive places at all.
    pub fn exact_without_cap(
        &self,
        scenario: &Scenario,
        inputs: &SolveInputs,
        province: usize,
        commodity: Commodity,
        i: usize,
    ) -> Result<Option<f64>, SolveError> {
        let ctx = self.context(scenario, inputs, province, commodity);
        let mut prepared = block::prepare(&ctx);
        let Some(j) = self.members[province].iter().position(|&m| m == i) else { return Ok(None) };
        let Some(pos) = prepared.member_of.iter().position(|&k| k == j) else { return Ok(None) };
        if prepared.shortfall == 0 {
            return Ok(None);
        }
        prepared.block.members[pos].cap = f64::INFINITY;
        let sol =
            crate::allocate::solve_block(&prepared.block, scenario.allocation.method == crate::model::Method::Auto)
                .map_err(|error| SolveError { province: self.dataset.provinces[province].code, commodity, error })?;
        Ok(Some(sol.x[pos]))
    }
}

/// Prepares ([`block`]), allocates ([`crate::allocate`]) and finishes ([`finish`]) one
/// province and commodity.
fn solve_block(ctx: &BlockContext<'_>) -> Result<(BlockResult, Vec<MunicipalityResult>), crate::allocate::LpError> {
    let prepared = block::prepare(ctx);
    let sol =
        crate::allocate::solve_block(&prepared.block, ctx.scenario.allocation.method == crate::model::Method::Auto)?;
    finish::finish(ctx, prepared, &sol)
}
