//! Reading and validating input into the [`crate::model`] types: from text in memory
//! ([`DatasetSources`], [`Source`] with a [`Resolver`]), with thin adapters for files.
//!
//! Every check runs before any computation, and every problem found is reported (not only the
//! first), each with its file, line and field and what would be valid. File types (what the
//! files look like) are kept apart from the model types (what the program computes with).
//! Nothing here solves, prints or reads the environment.

mod build;
mod checks;
mod claim;
mod dataset;
mod overrides;
mod problem;
mod scenario;
mod source;
mod sweep;
mod table;
mod toml_error;
mod write;

pub use crate::model::DatasetSources;
pub use build::build_dataset;
pub use claim::{load_claim, parse_claim, parse_claim_value};
pub use dataset::{load_dataset, parse_dataset, parse_locations_source};
pub use overrides::apply_overrides;
pub use problem::{InputError, Problem, Problems, SourceName};
pub use scenario::{
    dates_in, is_claim, load_scenario, parse_scenario, parse_scenario_source, parse_scenario_table,
    parse_scenario_value, FileResolver, Resolver, ScenarioFile,
};
pub use source::{not_regular, Source, MAX_FILE_BYTES};
pub use sweep::{check_sweep_against_dataset, is_sweep, load_sweep, parse_sweep_source, parse_sweep_table};
pub use write::write_dataset;

use crate::model::{Dataset, Scenario};
use std::path::Path;

/// Reads a scenario file and the data set it names, validates both, and applies the scenario's
/// overrides to the data set.
pub fn load(scenario_path: &Path) -> Result<(Scenario, Dataset), InputError> {
    let scenario = load_scenario(scenario_path)?;
    let dataset = load_dataset(Path::new(&scenario.dataset))?;
    let dataset = prepare(&scenario, &dataset)?;
    Ok((scenario, dataset))
}

/// Checks a scenario against a loaded data set and applies its overrides: the data set the
/// scenario runs on.
pub fn prepare(scenario: &Scenario, dataset: &Dataset) -> Result<Dataset, InputError> {
    scenario::check_against_dataset(scenario, dataset)?;
    apply_overrides(dataset, &scenario.overrides)
}

/// [`prepare`] for a sweep: its base, and every grid point's settings against the data set.
pub fn prepare_sweep(sweep: &crate::model::sweep::Sweep, dataset: &Dataset) -> Result<Dataset, InputError> {
    let prepared = prepare(&sweep.base, dataset)?;
    check_sweep_against_dataset(sweep, dataset)?;
    Ok(prepared)
}
