//! Sweep files (TOML): a base scenario, a grid over parameters and seeded random draws.
//!
//! ```toml
//! [sweep]
//! name = "weights"                # prefix of the generated ids (default: the file stem)
//! base = "rest-indicative.toml"   # the scenario every generated one starts from
//!
//! [[sweep.grid]]                  # axes; the first varies slowest
//! parameter = "allocation.weights.effort_share"
//! from = 0.0                      # from/to/step, or values = [...]
//! to = 1.0
//! step = 0.1
//!
//! [[sweep.grid]]
//! parameter = "allocation.mode"
//! values = ["rest", "level"]
//!
//! [sweep.random]                  # optional: draws per grid point
//! draws = 1000
//! seed = 2024
//! location_places = 0.10          # each location's places x U(0.9, 1.1)
//! caps = 0.10                     # each cap x U(0.9, 1.1)
//! ```
//!
//! The parameters are listed in [`crate::model::sweep::Parameter`].

use super::dataset::toml_date;
use super::scenario::{parse_scenario_source, FileResolver, Resolver};
use super::source::LineIndex;
use super::{checks, InputError, Problem, Problems, Source};
use crate::model::limits::MAX_GRID_POINTS;
use crate::model::sweep::{Axis, Parameter, Perturbation, Sweep, Value};
use crate::model::Dataset;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// A sweep file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    sweep: Spanned<SweepTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepTable {
    name: Option<Spanned<String>>,
    base: Spanned<String>,
    description: Option<String>,
    #[serde(default)]
    grid: Vec<Spanned<AxisFile>>,
    random: Option<Spanned<RandomFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisFile {
    parameter: Spanned<String>,
    values: Option<Spanned<Vec<toml::Value>>>,
    from: Option<f64>,
    to: Option<f64>,
    step: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomFile {
    draws: Spanned<i64>,
    seed: Option<Spanned<i64>>,
    #[serde(default)]
    location_places: Option<Spanned<f64>>,
    #[serde(default)]
    caps: Option<Spanned<f64>>,
}

/// True when a TOML text is a sweep file (it has a `[sweep]` table), not a scenario. A scan of
/// the table headers, not a parse: a scenario file is parsed once, by its own reader (a
/// scenario with a `sweep` key is refused there as an unknown field).
pub fn is_sweep(text: &str) -> bool {
    text.lines().map(str::trim_start).any(|l| {
        let header = l.strip_prefix("[[").or_else(|| l.strip_prefix('[')).map(str::trim_start);
        header.and_then(|h| h.strip_prefix("sweep")).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with(']') || rest.starts_with('.')
        }) || l.strip_prefix("sweep").is_some_and(|rest| rest.trim_start().starts_with('='))
    })
}

/// Grid values are rounded to this many decimals (0.1 * 3 is 0.3, not 0.30000000000000004).
const DECIMALS: i32 = 9;

fn round(x: f64) -> f64 {
    let f = 10f64.powi(DECIMALS);
    (x * f).round() / f
}

/// Most grid values an axis of from/to/step may generate.
const MAX_AXIS: f64 = 100_000.0;

/// A TOML value as a sweep value (`None` for arrays, tables, times).
fn value(v: &toml::Value) -> Option<Value> {
    match v {
        toml::Value::Float(x) => Some(Value::Number(*x)),
        // Whole numbers beyond 2^53 lose digits as f64; every number parameter is far below.
        toml::Value::Integer(i) => Some(Value::Number(*i as f64)),
        toml::Value::Boolean(b) => Some(Value::Bool(*b)),
        toml::Value::String(w) => Some(Value::Word(w.clone())),
        toml::Value::Datetime(d) => toml_date(d).ok().map(Value::Date),
        toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

/// Shortens a value for a message (a value may be a huge string).
fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::Float(x) => super::problem::number(*x),
        other => super::problem::shorten(&other.to_string()),
    }
}

/// Reads and validates a sweep file and its base scenario (relative to the file's folder).
pub fn load_sweep(path: &Path) -> Result<Sweep, InputError> {
    parse_sweep_source(&Source::read_file(path)?, &mut FileResolver)
}

/// Validates a sweep given as a TOML value (a table with the fields of a sweep file), e.g.
/// built from a Python dict. Problems name the field by its dotted path under `name`, without
/// a line (the value has none; problems of the base scenario's file keep theirs).
pub fn parse_sweep_table(name: &str, value: &toml::Value, resolver: &mut dyn Resolver) -> Result<Sweep, InputError> {
    let refuse = |message: String| InputError::single(Problem::at(name, None, None, message));
    if !value.is_table() {
        return Err(refuse("is not a sweep; expected an object with a `sweep` table".to_owned()));
    }
    let text = toml::to_string(value).map_err(|e| refuse(format!("is not a sweep: {e}")))?;
    parse_sweep_source(&Source::new(name, text), resolver).map_err(|e| e.without_lines_of(name))
}

/// Validates a sweep from its text; `resolver` supplies the base scenario (as for `extends`).
pub fn parse_sweep_source(source: &Source, resolver: &mut dyn Resolver) -> Result<Sweep, InputError> {
    let (path, text) = (source.name.as_str(), &source.text);
    let file: SweepFile =
        toml::from_str(text).map_err(|e| InputError::single(super::toml_error::problem(path, text, &e)))?;
    let mut problems = Problems::default();
    let lines = LineIndex::new(text);
    let line = |span: std::ops::Range<usize>| Some(lines.line(span.start));
    let table = file.sweep.get_ref();
    let name = match &table.name {
        Some(n) => n.get_ref().trim().to_owned(),
        None => Path::new(path).file_stem().map_or_else(|| "sweep".to_owned(), |s| s.to_string_lossy().into_owned()),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        problems.push(Problem::at(
            path,
            table.name.as_ref().map_or(line(file.sweep.span()), |n| line(n.span())),
            Some("sweep.name"),
            format!("`{}` cannot name files; use letters, digits, '-', '_' and '.'", super::problem::shorten(&name)),
        ));
    } else if name.chars().count() > crate::model::limits::MAX_NAME {
        problems.push(Problem::at(
            path,
            table.name.as_ref().map_or(line(file.sweep.span()), |n| line(n.span())),
            Some("sweep.name"),
            format!(
                "has {} characters; it names the sweep's result files: at most {}",
                name.chars().count(),
                crate::model::limits::MAX_NAME
            ),
        ));
    }
    let mut grid = Vec::new();
    for axis in &table.grid {
        let a = axis.get_ref();
        let at = line(a.parameter.span());
        let name = a.parameter.get_ref().as_str();
        let Some(parameter) = Parameter::parse(name) else {
            let known: Vec<&str> = Parameter::ALL.iter().map(|p| p.name()).collect();
            problems.push(Problem::at(
                path,
                at,
                Some("sweep.grid.parameter"),
                format!("unknown parameter `{}`; known are {}", super::problem::shorten(name), known.join(", ")),
            ));
            continue;
        };
        let kind = parameter.kind();
        let values = match (&a.values, a.from, a.to, a.step) {
            (Some(vs), None, None, None) => {
                let mut out = Vec::new();
                for v in vs.get_ref() {
                    match value(v).and_then(|x| parameter.setting(&x)) {
                        Some(v) => out.push(v),
                        None => problems.push(Problem::at(
                            path,
                            line(vs.span()),
                            Some("sweep.grid.values"),
                            format!("{} is not a valid value of {parameter}; expected {}", shown(v), kind.expected()),
                        )),
                    }
                }
                out
            }
            (None, Some(from), Some(to), Some(step)) => {
                if !kind.is_number() {
                    problems.push(Problem::at(
                        path,
                        at,
                        Some("sweep.grid.from"),
                        format!("{parameter} takes values = [...], not a range"),
                    ));
                    continue;
                }
                if !(step > 0.0 && to >= from && ((to - from) / step) < MAX_AXIS) {
                    problems.push(Problem::at(
                        path,
                        at,
                        Some("sweep.grid.step"),
                        format!("from {from} to {to} by {step} is not a range; expected step > 0 and to >= from"),
                    ));
                    continue;
                }
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "a number of grid points, bounded by the grid limit checked before"
                )]
                let n = ((to - from) / step + 1e-9).floor() as usize + 1;
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let v = round(from + step * i as f64);
                    match parameter.setting(&Value::Number(v)) {
                        Some(v) => out.push(v),
                        None => {
                            problems.push(Problem::at(
                                path,
                                at,
                                Some("sweep.grid"),
                                format!(
                                    "{} is not a valid value of {parameter}; expected {}",
                                    super::problem::number(v),
                                    kind.expected()
                                ),
                            ));
                            break;
                        }
                    }
                }
                out
            }
            _ => {
                problems.push(Problem::at(
                    path,
                    at,
                    Some("sweep.grid"),
                    format!("give {parameter} either values = [...] or from, to and step"),
                ));
                continue;
            }
        };
        if values.is_empty() && a.values.as_ref().is_some_and(|v| v.get_ref().is_empty()) {
            problems.push(Problem::at(
                path,
                at,
                Some("sweep.grid.values"),
                format!("the grid of {parameter} is empty; give at least one value"),
            ));
            continue;
        }
        if let Some(other) = grid.iter().find(|g: &&Axis| g.parameter.overlaps(parameter)) {
            let message = if other.parameter == parameter {
                format!("{parameter} has two axes")
            } else {
                format!("{parameter} and {} set the same weight; give one of them an axis", other.parameter)
            };
            problems.push(Problem::at(path, at, Some("sweep.grid.parameter"), message));
            continue;
        }
        grid.push(Axis { parameter, values });
    }
    let random = table.random.as_ref().and_then(|r| {
        let f = r.get_ref();
        let draws = *f.draws.get_ref();
        let mut ok = true;
        if !(1..=i64::from(u32::MAX)).contains(&draws) {
            problems.push(Problem::at(path, line(f.draws.span()), Some("sweep.random.draws"), format!("{draws} is not a number of draws; expected a whole number 1 or more")));
            ok = false;
        }
        let seed = f.seed.as_ref().map_or(0, |s| *s.get_ref());
        if seed < 0 {
            problems.push(Problem::at(path, f.seed.as_ref().and_then(|s| line(s.span())), Some("sweep.random.seed"), format!("{seed} is negative; expected a whole number 0 or more")));
            ok = false;
        }
        let mut range = |key: &str, v: &Option<Spanned<f64>>| -> f64 {
            let Some(v) = v else { return 0.0 };
            let x = *v.get_ref();
            if (0.0..1.0).contains(&x) {
                x
            } else {
                problems.push(Problem::at(path, line(v.span()), Some(key), format!("{x} is not a relative range; expected a number from 0 up to (not including) 1, e.g. 0.1 for +-10%")));
                ok = false;
                0.0
            }
        };
        let location_places = range("sweep.random.location_places", &f.location_places);
        let caps = range("sweep.random.caps", &f.caps);
        ok.then_some(Perturbation { draws: u32::try_from(draws).unwrap_or(u32::MAX), seed: seed as u64, location_places, caps })
    });
    let base = match resolver.extends(source, table.base.get_ref()) {
        Ok((_, base_source)) => match parse_scenario_source(&base_source, resolver) {
            Ok(b) => Some(b),
            Err(e) => {
                problems.0.extend(e.problems().iter().cloned());
                None
            }
        },
        Err(message) => {
            problems.push(Problem::at(path, line(table.base.span()), Some("sweep.base"), message));
            None
        }
    };
    let points = grid.iter().try_fold(1u64, |n, a| n.checked_mul(a.values.len() as u64));
    if points.is_none_or(|n| n > MAX_GRID_POINTS) {
        problems.push(Problem::at(
            path,
            line(file.sweep.span()),
            Some("sweep.grid"),
            format!(
                "the grid has {} points, more than the {MAX_GRID_POINTS} a sweep may have; use fewer values or random draws",
                points.map_or_else(|| "too many".to_owned(), |n| n.to_string())
            ),
        ));
    }
    match base {
        Some(base) if problems.is_empty() => {
            let sweep =
                Sweep { name, description: table.description.clone(), file: path.to_owned(), base, grid, random };
            let grid_line = table.grid.first().map_or(line(file.sweep.span()), |a| line(a.span()));
            check_points(&sweep, grid_line, checks::settings)?;
            Ok(sweep)
        }
        _ => Err(problems.into_error()),
    }
}

/// Most grid points named in one refusal (the count of the others follows).
const POINTS_SHOWN: usize = 10;

/// Runs `check` on the scenario of every grid point; refuses the sweep naming each point that
/// fails (its id and parameter values) and the problem, at the sweep's grid.
fn check_points(
    sweep: &Sweep,
    grid_line: Option<u64>,
    check: impl Fn(&crate::model::Scenario) -> Vec<(&'static str, String)>,
) -> Result<(), InputError> {
    let draws = sweep.random.as_ref().map_or(1, |r| u64::from(r.draws));
    let mut problems = Problems::default();
    let mut failing = 0usize;
    for point in 0..sweep.grid_points() {
        let job = sweep.job(point * draws);
        let found = check(&job.scenario);
        if found.is_empty() {
            continue;
        }
        failing += 1;
        if failing > POINTS_SHOWN {
            continue;
        }
        let params: Vec<String> = sweep
            .grid
            .iter()
            .filter_map(|a| job.params.get(a.parameter.name()).map(|v| format!("{}={v}", a.parameter)))
            .collect();
        for (field, message) in found {
            problems.push(Problem::at(
                &sweep.file,
                grid_line,
                Some(field),
                format!("grid point {} ({}): {message}", job.id, params.join(", ")),
            ));
        }
    }
    if failing > POINTS_SHOWN {
        problems.push(Problem::at(
            &sweep.file,
            grid_line,
            Some("sweep.grid"),
            format!("and {} more grid points with problems", failing - POINTS_SHOWN),
        ));
    }
    problems.into_result(())
}

/// Checks every grid point of a sweep against the data set it runs on (the counting date lies
/// in the cycle), as [`super::prepare`] does for one scenario.
pub fn check_sweep_against_dataset(sweep: &Sweep, dataset: &Dataset) -> Result<(), InputError> {
    check_points(sweep, None, |s| {
        s.counting
            .counting_date
            .and_then(|d| checks::counting_date(d, &dataset.cycle))
            .map(|m| ("counting.counting_date", m))
            .into_iter()
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::is_sweep;

    #[test]
    fn sweep_files_are_told_apart_by_their_sweep_table() {
        assert!(is_sweep("[sweep]\nbase = \"a.toml\"\n"));
        assert!(is_sweep("# c\n  [ sweep ]\n"));
        assert!(is_sweep("[sweep.random]\ndraws = 3\n"));
        assert!(is_sweep("[[sweep.grid]]\n"));
        assert!(is_sweep("sweep = { base = \"a.toml\" }\n"));
        assert!(!is_sweep("name = \"x\"\n[allocation]\nmode = \"rest\"\n"));
        assert!(!is_sweep("[sweeps]\n"));
        assert!(!is_sweep("name = \"sweep\"\n"));
        assert!(!is_sweep("sweeping = 1\n"));
    }
}
