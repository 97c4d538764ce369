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

use crate::model::{entries, entry, Commodity, Dataset, Scenario};
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
    // One slot per entry: municipalities in code order, regular before AMV.
    let mut slots: Vec<Option<MunicipalityResult>> = vec![None; entries(dataset.municipalities.len())];
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
            let (block, results) = block::solve_block(&ctx).map_err(|source| SolveError {
                province: dataset.provinces[p].code,
                commodity: c,
                source,
            })?;
            provinces.push(block);
            for r in results {
                let k = entry(r.municipality, r.commodity);
                slots[k] = Some(r);
            }
        }
    }
    let municipalities = slots.into_iter().flatten().collect();
    Ok(Solution {
        scenario: scenario.name.clone(),
        counting_date,
        mode: scenario.allocation.mode,
        provinces,
        municipalities,
    })
}
