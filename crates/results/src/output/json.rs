//! `--format json`: the [`Report`] as pretty JSON.

use anyhow::Result;
use spreiding_solver::model::Dataset;
use spreiding_solver::report::Report;
use spreiding_solver::Solution;

/// Bytes of pretty JSON per municipality row (about 380): the buffer is sized once instead of
/// growing by doubling (the service renders this on every inline solve).
const BYTES_PER_ROW: usize = 400;

pub fn render(dataset: &Dataset, solution: &Solution) -> Result<Vec<u8>> {
    let report = Report::new(dataset, solution);
    let mut bytes = Vec::with_capacity(BYTES_PER_ROW * (report.municipalities.len() + report.provinces.len()) + 1024);
    serde_json::to_writer_pretty(&mut bytes, &report)?;
    bytes.push(b'\n');
    Ok(bytes)
}
