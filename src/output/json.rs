//! `--format json`: the [`Report`] as pretty JSON.

use anyhow::Result;
use spreiding_solver::model::Dataset;
use spreiding_solver::report::Report;
use spreiding_solver::Solution;

pub fn render(dataset: &Dataset, solution: &Solution) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(&Report::new(dataset, solution))?;
    bytes.push(b'\n');
    Ok(bytes)
}
