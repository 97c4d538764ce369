//! Reading and validating input files into the [`crate::model`] types.
//!
//! Every check runs before any computation, and every problem found is reported (not only the
//! first), each with its file, line and field and what would be valid. File types (what the
//! files look like) are kept apart from the model types (what the program computes with).
//! Nothing here solves, prints or reads the environment.

mod dataset;
mod problem;
pub mod report;
mod scenario;
mod table;

pub use dataset::load_dataset;
pub use problem::{InputError, Problem, Problems};
pub use scenario::{load_scenario, parse_scenario, ScenarioFile};

use crate::model::{Dataset, Scenario};
use std::path::Path;

/// Reads a scenario file and the data set it names, validating both.
///
/// Problems in the scenario and in the data set are reported together.
pub fn load(scenario_path: &Path) -> Result<(Scenario, Dataset), InputError> {
    let (scenario, lines) = scenario::load_scenario_with_lines(scenario_path)?;
    let dataset = load_dataset(&scenario.dataset)?;
    scenario::check_against_dataset(&scenario, &dataset, scenario_path, &lines)?;
    Ok((scenario, dataset))
}
