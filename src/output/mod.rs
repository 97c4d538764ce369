//! Renderers, one file each: `spreiding solve` as a table for people, JSON and CSV for tools;
//! `spreiding compare` in its formats.

pub mod compare;
mod csv;
mod json;
mod table;
pub mod whatif;

use anyhow::Result;
use clap::ValueEnum;
use spreiding_solver::model::Dataset;
use spreiding_solver::Solution;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// The JSON report.
    Json,
    /// One CSV row per municipality and commodity.
    Csv,
}

/// Renders a solution in a format.
pub fn render(format: Format, dataset: &Dataset, solution: &Solution) -> Result<Vec<u8>> {
    match format {
        Format::Table => Ok(table::render(dataset, solution).into_bytes()),
        Format::Json => json::render(dataset, solution),
        Format::Csv => csv::render(dataset, solution),
    }
}
