//! Scenario files (TOML): what they look like, and their conversion into [`Scenario`].
//!
//! ```toml
//! name = "rest-indicative"
//! dataset = "../../../shared/data/nl-2024"   # relative to this file, or absolute
//! [counting]
//! count_intentions = false       # intentions count as places?
//! require_bridging = true        # late locations count only with bridging reception?
//! counting_date = 2025-07-01     # optional; default from the data set's cycle.toml
//! [allocation]
//! mode = "rest"                  # "rest" or "level"
//! eligibility = "below-indicative"   # or "all"
//! caps = true                    # use the feasibility caps
//! method = "auto"                # "auto" (default: closed form where exact, else LP) or "lp"
//! [allocation.weights]           # a weight left out is 1 for indicative, 0 for the others
//! indicative = 1.0
//! effort = 0.0
//! feasibility = 0.0
//! [constraints]                  # optional constraint families, see crate::allocate
//! corop_max_share = 0.5          # no COROP region gets more than half a province's shortfall
//! max_per_1000_regular = 8.0     # obligation at most 8 regular places per 1,000 inhabitants
//! max_per_1000_amv = 0.8
//! ```
//!
//! Unknown keys are refused: a misspelt key must never be silently ignored.

use super::dataset::{line_of, toml_date};
use super::{InputError, Problem, Problems};
use crate::model::{
    AllocationMode, AllocationRules, Constraints, CountingRules, Dataset, Eligibility, Method,
    PerCommodity, Scenario, Weights,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A scenario file as written. Every setting is optional here, so that files can be merged;
/// [`parse_scenario`] fills in defaults and checks that `name` and `dataset` are present.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Scenario name.
    pub name: Option<Spanned<String>>,
    /// Data set folder, relative to the file.
    pub dataset: Option<Spanned<String>>,
    /// `[counting]`.
    #[serde(default)]
    pub counting: CountingFile,
    /// `[allocation]`.
    #[serde(default)]
    pub allocation: AllocationFile,
    /// `[constraints]`.
    #[serde(default)]
    pub constraints: ConstraintsFile,
}

/// `[counting]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountingFile {
    /// Intentions count.
    pub count_intentions: Option<bool>,
    /// Bridging rule.
    pub require_bridging: Option<bool>,
    /// Counting date.
    pub counting_date: Option<Spanned<toml::value::Datetime>>,
}

/// `[allocation]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationFile {
    /// rest | level.
    pub mode: Option<AllocationModeFile>,
    /// all | below-indicative.
    pub eligibility: Option<EligibilityFile>,
    /// Caps on.
    pub caps: Option<bool>,
    /// lp | auto.
    pub method: Option<MethodFile>,
    /// `[allocation.weights]`.
    #[serde(default)]
    pub weights: WeightsFile,
}

/// Allocation mode as written.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum AllocationModeFile {
    Rest,
    Level,
}

/// Eligibility rule as written.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum EligibilityFile {
    All,
    BelowIndicative,
}

/// Method as written.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum MethodFile {
    Lp,
    Auto,
}

/// `[allocation.weights]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightsFile {
    /// Indicative weight.
    pub indicative: Option<Spanned<f64>>,
    /// Effort weight.
    pub effort: Option<Spanned<f64>>,
    /// Feasibility weight.
    pub feasibility: Option<Spanned<f64>>,
}

/// `[constraints]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintsFile {
    /// Maximum share of a province's shortfall for one COROP region.
    pub corop_max_share: Option<Spanned<f64>>,
    /// Maximum regular obligation per 1,000 inhabitants.
    pub max_per_1000_regular: Option<Spanned<f64>>,
    /// Maximum AMV obligation per 1,000 inhabitants.
    pub max_per_1000_amv: Option<Spanned<f64>>,
}

/// Lines of the keys of a scenario file, for later checks against the data set.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyLines(BTreeMap<&'static str, u64>);

impl KeyLines {
    pub(crate) fn get(&self, key: &str) -> Option<u64> {
        self.0.get(key).copied()
    }
}

fn read_text(path: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|source| InputError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses TOML text of a scenario file into its file type, with the line of a syntax error.
pub(crate) fn parse_file(path: &Path, text: &str) -> Result<ScenarioFile, InputError> {
    toml::from_str(text).map_err(|e| {
        let (line, field) = match e.span() {
            Some(span) => {
                let key = text
                    .get(span.clone())
                    .unwrap_or("")
                    .trim()
                    .trim_matches('"');
                let field =
                    (!key.is_empty() && key.len() < 60 && !key.contains('\n')).then_some(key);
                (Some(line_of(text, span.start)), field)
            }
            None => (None, None),
        };
        let mut problems = Problems::default();
        problems.push(Problem::at(
            path,
            line,
            field,
            e.message().trim().to_owned(),
        ));
        problems.into_error()
    })
}

/// Reads and validates a scenario file (not yet the data set it names).
pub fn load_scenario(path: &Path) -> Result<Scenario, InputError> {
    load_scenario_with_lines(path).map(|(s, _)| s)
}

pub(crate) fn load_scenario_with_lines(path: &Path) -> Result<(Scenario, KeyLines), InputError> {
    let text = read_text(path)?;
    let file = parse_file(path, &text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    convert(path, &text, base, &file)
}

/// Validates a parsed scenario file: `text` is its source (for line numbers), `base` the folder
/// relative paths are resolved against.
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, InputError> {
    let file = parse_file(path, text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    convert(path, text, base, &file).map(|(s, _)| s)
}

fn convert(
    path: &Path,
    text: &str,
    base: &Path,
    file: &ScenarioFile,
) -> Result<(Scenario, KeyLines), InputError> {
    let mut problems = Problems::default();
    let mut lines = KeyLines::default();
    let line = |s: &std::ops::Range<usize>| line_of(text, s.start);

    let name = match &file.name {
        Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().trim().to_owned(),
        Some(n) => {
            problems.push(Problem::at(
                path,
                Some(line(&n.span())),
                Some("name"),
                "is empty; give the scenario a name",
            ));
            String::new()
        }
        None => {
            problems.push(Problem::at(
                path,
                None,
                Some("name"),
                "is missing; give the scenario a name",
            ));
            String::new()
        }
    };
    let dataset = match &file.dataset {
        Some(d) => {
            let p = PathBuf::from(d.get_ref());
            if p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        }
        None => {
            problems.push(Problem::at(
                path,
                None,
                Some("dataset"),
                "is missing; name the data set folder, e.g. dataset = \"../../../shared/data/nl-2024\"",
            ));
            PathBuf::new()
        }
    };
    if let Some(d) = &file.dataset {
        lines.0.insert("dataset", line(&d.span()));
    }

    let counting_date = match &file.counting.counting_date {
        Some(d) => {
            lines.0.insert("counting.counting_date", line(&d.span()));
            match toml_date(d.get_ref()) {
                Ok(date) => Some(date),
                Err(msg) => {
                    problems.push(Problem::at(
                        path,
                        Some(line(&d.span())),
                        Some("counting.counting_date"),
                        msg,
                    ));
                    None
                }
            }
        }
        None => None,
    };
    let counting = CountingRules {
        count_intentions: file.counting.count_intentions.unwrap_or(false),
        require_bridging: file.counting.require_bridging.unwrap_or(true),
        counting_date,
    };

    let mut weight = |key: &'static str, w: &Option<Spanned<f64>>, default: f64| match w {
        None => default,
        Some(s) => {
            let v = *s.get_ref();
            if !v.is_finite() || v < 0.0 {
                problems.push(Problem::at(
                    path,
                    Some(line(&s.span())),
                    Some(key),
                    format!("{v} is not a valid weight; expected a number 0 or more"),
                ));
                0.0
            } else {
                v
            }
        }
    };
    let w = &file.allocation.weights;
    let weights = Weights {
        indicative: weight("allocation.weights.indicative", &w.indicative, 1.0),
        effort: weight("allocation.weights.effort", &w.effort, 0.0),
        feasibility: weight("allocation.weights.feasibility", &w.feasibility, 0.0),
    };
    if weights.indicative + weights.effort + weights.feasibility <= 0.0 {
        let at = [&w.indicative, &w.effort, &w.feasibility]
            .into_iter()
            .flatten()
            .map(|s| line(&s.span()))
            .min();
        problems.push(Problem::at(
            path,
            at,
            Some("allocation.weights"),
            "all weights are 0; at least one of indicative, effort, feasibility must be positive",
        ));
    }
    let a = &file.allocation;
    let allocation = AllocationRules {
        mode: match a.mode.unwrap_or(AllocationModeFile::Rest) {
            AllocationModeFile::Rest => AllocationMode::Rest,
            AllocationModeFile::Level => AllocationMode::Level,
        },
        eligibility: match a.eligibility.unwrap_or(EligibilityFile::BelowIndicative) {
            EligibilityFile::All => Eligibility::All,
            EligibilityFile::BelowIndicative => Eligibility::BelowIndicative,
        },
        caps: a.caps.unwrap_or(true),
        weights,
        method: match a.method.unwrap_or(MethodFile::Auto) {
            MethodFile::Lp => Method::Lp,
            MethodFile::Auto => Method::Auto,
        },
    };

    let c = &file.constraints;
    let corop_max_share = c.corop_max_share.as_ref().and_then(|s| {
        let v = *s.get_ref();
        if v.is_finite() && v > 0.0 && v <= 1.0 {
            Some(v)
        } else {
            problems.push(Problem::at(
                path,
                Some(line(&s.span())),
                Some("constraints.corop_max_share"),
                format!("{v} is not a share; expected a number above 0 and at most 1"),
            ));
            None
        }
    });
    let mut per_1000 = |key: &str, s: &Option<Spanned<f64>>| {
        s.as_ref().and_then(|s| {
            let v = *s.get_ref();
            if v.is_finite() && v > 0.0 {
                Some(v)
            } else {
                problems.push(Problem::at(
                    path,
                    Some(line(&s.span())),
                    Some(key),
                    format!("{v} is not valid; expected a number of places per 1,000 inhabitants above 0"),
                ));
                None
            }
        })
    };
    let max_per_1000 = PerCommodity {
        regular: per_1000("constraints.max_per_1000_regular", &c.max_per_1000_regular),
        amv: per_1000("constraints.max_per_1000_amv", &c.max_per_1000_amv),
    };
    let scenario = Scenario {
        name,
        dataset,
        counting,
        allocation,
        constraints: Constraints {
            corop_max_share,
            max_per_1000,
        },
    };
    problems.into_result((scenario, lines))
}

/// Checks the scenario's settings that depend on the data set (the counting date lies in the cycle).
pub(crate) fn check_against_dataset(
    scenario: &Scenario,
    dataset: &Dataset,
    path: &Path,
    lines: &KeyLines,
) -> Result<(), InputError> {
    let mut problems = Problems::default();
    if let Some(date) = scenario.counting.counting_date {
        let cycle = &dataset.cycle;
        if date < cycle.start || date >= cycle.end {
            problems.push(Problem::at(
                path,
                lines.get("counting.counting_date"),
                Some("counting.counting_date"),
                format!(
                    "{date} lies outside cycle {}; expected a date from {} up to (not including) {}",
                    cycle.id, cycle.start, cycle.end
                ),
            ));
        }
    }
    problems.into_result(())
}
