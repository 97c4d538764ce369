//! Scenario files (TOML): what they look like, and their conversion into [`Scenario`].
//!
//! ```toml
//! name = "rest-indicative"
//! dataset = "../../data/nl-2024"   # relative to this file, or absolute
//! [counting]                     # every rule optional: left out, the cycle's (cycle.toml [counting])
//! count_intentions = false       # intentions count as places?
//! require_bridging = true        # late locations count only with bridging reception?
//! counting_date = 2025-07-01     # default from the data set's cycle.toml
//! available_until = 2026-02-01   # places must stay available until this day (default: the cycle's end)
//! min_location_places = 0        # a location with fewer places counts for nothing
//! min_years = 0                  # a location must be available this many years from the counting date
//! [allocation]
//! mode = "rest"                  # "rest" or "level"
//! eligibility = "below-indicative"   # or "all"
//! caps = true                    # use the feasibility caps
//! method = "auto"                # "auto" (default: closed form where exact, else LP) or "lp"
//! elastic = false                # true: an infeasible province's missing places go beyond the caps
//! above_task = "held"            # places above a municipality's indicative number: "held" (default),
//!                                # "ignored" or "effort" (carried to the next cycle), MODEL.md 3.2a
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
//!
//! A file may build on another with `extends = "base.toml"` (chains allowed, cycles refused):
//! every setting it leaves out except `name` (default: the file stem) comes from the base, and the base's overrides apply before its
//! own. Overrides change the data set without editing it:
//!
//! ```toml
//! [[overrides.municipalities]]
//! code = "GM0014"
//! max_additional_regular = 400   # caps, score, excluded = true/false (+ exclusion_reason)
//! [[overrides.locations]]
//! action = "change"              # add | remove | change (default)
//! location_id = "L0002"
//! municipality = "GM0014"
//! status = "planned"             # places_regular, places_amv, status, opens, closes,
//!                                # open_ended, bridging, location_total
//! [[overrides.provinces]]
//! code = "PV20"
//! target_regular = 2500
//! ```

mod extends;
pub(crate) mod overrides;
mod schema;

pub use extends::{FileResolver, Resolver};
pub use schema::*;

use super::checks;
use super::dataset::toml_date;
use super::source::LineIndex;
use super::{InputError, Problem, Problems, Source};
use crate::model::{
    AllocationMode, AllocationRules, Constraints, CountingRules, Dataset, Eligibility, Method, Origin, Scenario,
    Weights,
};
use extends::{load_layer, Layer};
use std::path::Path;

/// Parses TOML text of a scenario file into its file type, with the line of a syntax error.
pub(crate) fn parse_file(path: &str, text: &str) -> Result<ScenarioFile, InputError> {
    toml::from_str(text).map_err(|e| InputError::single(super::toml_error::problem(path, text, &e)))
}

/// Reads and validates a scenario file and its `extends` chain (not yet the data set it names).
pub fn load_scenario(path: &Path) -> Result<Scenario, InputError> {
    let source = Source::read_file(path)?;
    if super::is_sweep(&source.text) {
        return Err(InputError::single(Problem::at(
            path,
            None,
            Some("sweep"),
            "this is a sweep file, not a scenario: run it with `spreiding run`, or name one scenario",
        )));
    }
    if is_claim(&source.text) {
        return Err(InputError::single(Problem::at(
            path,
            None,
            None,
            format!(
                "this is a claim file (an objection: `municipality` and `grounds`), not a scenario: replay it against the scenario it objects to with `spreiding objection SCENARIO --claim {}`",
                path.display()
            ),
        )));
    }
    parse_scenario_source(&source, &mut FileResolver)
}

/// Whether a text is a claim file: `municipality` or `grounds` set before any table (a
/// scenario has neither at its top level).
pub fn is_claim(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .any(|(key, _)| matches!(key.trim(), "municipality" | "grounds"))
}

/// Validates the text of a scenario file written at `path` (relative paths, `extends` among
/// them, are resolved against its folder).
pub fn parse_scenario(path: &Path, text: &str) -> Result<Scenario, InputError> {
    parse_scenario_source(&Source::new(path.display().to_string(), text), &mut FileResolver)
}

/// Keys whose values are dates (`YYYY-MM-DD` strings in JSON, dates in TOML).
const DATE_KEYS: [&str; 4] = ["counting_date", "available_until", "opens", "closes"];

/// Validates a scenario given as a JSON value (the same fields as a scenario file; dates as
/// `"YYYY-MM-DD"` strings), e.g. the body of a request. The same checks as for files; problems
/// name the field by its dotted path under `name`, without a line (the value has none).
pub fn parse_scenario_value(
    name: &str,
    value: &serde_json::Value,
    resolver: &mut dyn Resolver,
) -> Result<Scenario, InputError> {
    let refuse = |message: String| InputError::single(Problem::at(name, None, None, message));
    let mut toml_value = json_to_toml(value).map_err(|e| {
        refuse(format!("is not a scenario: {e}; expected an object with the fields of a scenario file"))
    })?;
    dates_in(&mut toml_value);
    parse_scenario_table(name, &toml_value, resolver)
}

/// Validates a scenario given as a TOML value (a table with the fields of a scenario file),
/// e.g. built from a Python dict. Problems name the field by its dotted path under `name`,
/// without a line (the value has none).
pub fn parse_scenario_table(
    name: &str,
    toml_value: &toml::Value,
    resolver: &mut dyn Resolver,
) -> Result<Scenario, InputError> {
    let refuse = |message: String| InputError::single(Problem::at(name, None, None, message));
    if !toml_value.is_table() {
        return Err(refuse("is not a scenario; expected an object with the fields of a scenario file".to_owned()));
    }
    let text = toml::to_string(toml_value).map_err(|e| refuse(format!("is not a scenario: {e}")))?;
    // Lines refer to the TOML written from the value: only the top text's are dropped.
    parse_scenario_source(&Source::new(name, text), resolver).map_err(|e| e.without_lines_of(name))
}

/// A JSON value as TOML. Numbers as JSON means them: `4e2` and `400.0` are the whole number
/// 400 (exactly representable whole numbers become integers), and a whole number beyond TOML's
/// 64-bit integers stays a (too large) number, so the reader says it is too large instead of
/// "not a whole number".
pub(crate) fn json_to_toml(value: &serde_json::Value) -> Result<toml::Value, toml::ser::Error> {
    fn whole(v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        match v {
            Value::Number(n) if n.is_u64() && n.as_i64().is_none() => {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
            }
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                #[allow(clippy::cast_possible_truncation)]
                Some(f) if f.fract() == 0.0 && f.abs() < EXACT => Value::from(f as i64),
                _ => v.clone(),
            },
            Value::Array(a) => Value::Array(a.iter().map(whole).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), whole(x))).collect()),
            _ => v.clone(),
        }
    }
    toml::Value::try_from(whole(value))
}

/// Turns the date strings under [`DATE_KEYS`] into TOML dates (left as they are if they are
/// not dates, so that the reader names them).
pub fn dates_in(v: &mut toml::Value) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t.iter_mut() {
                if let (true, toml::Value::String(s)) = (DATE_KEYS.contains(&k.as_str()), &*x) {
                    if let Ok(d) = s.parse::<toml::value::Datetime>() {
                        *x = toml::Value::Datetime(d);
                    }
                } else {
                    dates_in(x);
                }
            }
        }
        toml::Value::Array(a) => a.iter_mut().for_each(dates_in),
        _ => {}
    }
}

/// Validates a scenario from its text; `resolver` supplies the bases of `extends` and names the
/// data set. The same checks as for files, with problems at the source's name and line.
pub fn parse_scenario_source(source: &Source, resolver: &mut dyn Resolver) -> Result<Scenario, InputError> {
    let mut chain = vec![resolver.id(source)];
    let layer = load_layer(source, resolver, &mut chain)?;
    let fallback = resolver.fallback_dataset();
    finish(source, layer, chain, fallback)
}

/// Checks one file's values and turns them into a layer.
fn convert(source: &Source, file: &ScenarioFile, resolver: &mut dyn Resolver) -> Result<Layer, InputError> {
    let (path, text) = (source.name.as_str(), source.text.as_str());
    let mut problems = Problems::default();
    // One pass over the text; every setting's line is then a binary search (linear in all).
    let lines = LineIndex::new(text);
    let origin = |span: std::ops::Range<usize>| Origin { source: path.to_owned(), line: lines.line(span.start) };
    let mut layer = Layer::default();

    if let Some(n) = &file.name {
        let chars = n.get_ref().trim().chars().count();
        if chars == 0 {
            let o = origin(n.span());
            problems.push(Problem::at(path, Some(o.line), Some("name"), "is empty; give the scenario a name"));
        } else if chars > crate::model::limits::MAX_NAME {
            let o = origin(n.span());
            problems.push(Problem::at(
                path,
                Some(o.line),
                Some("name"),
                format!(
                    "has {chars} characters; a name names the scenario's result file: at most {}",
                    crate::model::limits::MAX_NAME
                ),
            ));
        } else {
            layer.name = Some((n.get_ref().trim().to_owned(), origin(n.span())));
        }
    }
    if let Some(d) = &file.dataset {
        match resolver.dataset(source, d.get_ref()) {
            Ok(reference) => layer.dataset = Some(reference),
            Err(message) => {
                problems.push(Problem::at(path, Some(origin(d.span()).line), Some("dataset"), message));
            }
        }
    }
    layer.count_intentions = file.counting.count_intentions;
    layer.require_bridging = file.counting.require_bridging;
    if let Some(d) = &file.counting.counting_date {
        let o = origin(d.span());
        match toml_date(d.get_ref()) {
            Ok(date) => layer.counting_date = Some((date, o)),
            Err(msg) => problems.push(Problem::at(path, Some(o.line), Some("counting.counting_date"), msg)),
        }
    }
    if let Some(d) = &file.counting.available_until {
        let o = origin(d.span());
        match toml_date(d.get_ref()) {
            Ok(date) => layer.available_until = Some((date, o)),
            Err(msg) => problems.push(Problem::at(path, Some(o.line), Some("counting.available_until"), msg)),
        }
    }
    layer.min_location_places = file.counting.min_location_places;
    if let Some(y) = &file.counting.min_years {
        let max = crate::model::limits::MAX_MIN_YEARS;
        if *y.get_ref() > max {
            let o = origin(y.span());
            problems.push(Problem::at(
                path,
                Some(o.line),
                Some("counting.min_years"),
                format!(
                    "{} years is more than {max}; give the years from the counting date a location must be available",
                    y.get_ref()
                ),
            ));
        } else {
            layer.min_years = Some(*y.get_ref());
        }
    }

    let a = &file.allocation;
    layer.mode = a.mode;
    layer.eligibility = a.eligibility;
    layer.caps = a.caps;
    layer.elastic = a.elastic;
    layer.above_task = a.above_task;
    layer.method = a.method;
    let w = &a.weights;
    for (slot, key, value) in [
        (0, "allocation.weights.indicative", &w.indicative),
        (1, "allocation.weights.effort", &w.effort),
        (2, "allocation.weights.feasibility", &w.feasibility),
    ] {
        if let Some(s) = value {
            let v = *s.get_ref();
            let o = origin(s.span());
            match checks::weight(v) {
                None => layer.weights[slot] = Some((v, o)),
                Some(message) => problems.push(Problem::at(path, Some(o.line), Some(key), message)),
            }
        }
    }

    let c = &file.constraints;
    if let Some(s) = &c.corop_max_share {
        let v = *s.get_ref();
        match checks::share(v) {
            None => layer.corop_max_share = Some(v),
            Some(message) => problems.push(Problem::at(
                path,
                Some(origin(s.span()).line),
                Some("constraints.corop_max_share"),
                message,
            )),
        }
    }
    for (key, value, slot) in [
        ("constraints.max_per_1000_regular", &c.max_per_1000_regular, &mut layer.max_per_1000.regular),
        ("constraints.max_per_1000_amv", &c.max_per_1000_amv, &mut layer.max_per_1000.amv),
    ] {
        if let Some(s) = value {
            let v = *s.get_ref();
            match checks::per_1000(v) {
                None => *slot = Some(v),
                Some(message) => problems.push(Problem::at(path, Some(origin(s.span()).line), Some(key), message)),
            }
        }
    }
    for (key, value, slot) in [
        ("constraints.min_allocation_regular", &c.min_allocation_regular, &mut layer.min_allocation.regular),
        ("constraints.min_allocation_amv", &c.min_allocation_amv, &mut layer.min_allocation.amv),
    ] {
        if let Some(s) = value {
            match checks::min_allocation(*s.get_ref()) {
                Ok(v) => *slot = Some(v),
                Err(message) => problems.push(Problem::at(path, Some(origin(s.span()).line), Some(key), message)),
            }
        }
    }
    if let Some(s) = &c.allocation_step {
        match checks::allocation_step(*s.get_ref()) {
            Ok(v) => layer.allocation_step = Some(v),
            Err(message) => problems.push(Problem::at(
                path,
                Some(origin(s.span()).line),
                Some("constraints.allocation_step"),
                message,
            )),
        }
    }
    layer.minimum_fallback = c.minimum_fallback;
    if let Some(s) = &c.mip_time_limit {
        match checks::mip_time_limit(*s.get_ref()) {
            None => layer.mip_time_limit = Some(*s.get_ref()),
            Some(message) => problems.push(Problem::at(
                path,
                Some(origin(s.span()).line),
                Some("constraints.mip_time_limit"),
                message,
            )),
        }
    }
    layer.overrides = overrides::convert(path, &lines, &file.overrides, &mut problems);
    problems.into_result(layer)
}

/// Fills in defaults and checks what only the whole chain can tell.
fn finish(source: &Source, layer: Layer, files: Vec<String>, fallback: Option<String>) -> Result<Scenario, InputError> {
    let path = source.name.as_str();
    let mut problems = Problems::default();
    let name = match layer.name {
        Some((n, _)) => n,
        None => Path::new(path).file_stem().map_or_else(|| "scenario".to_owned(), |s| s.to_string_lossy().into_owned()),
    };
    let dataset = layer.dataset.or(fallback).unwrap_or_else(|| {
        problems.push(Problem::at(
            path,
            None,
            Some("dataset"),
            "is missing (here and in the files it extends); name the data set folder, e.g. dataset = \"../../data/nl-2024\"",
        ));
        String::new()
    });
    let [wi, we, wf] = &layer.weights;
    let weights = Weights {
        indicative: wi.as_ref().map_or(1.0, |w| w.0),
        effort: we.as_ref().map_or(0.0, |w| w.0),
        feasibility: wf.as_ref().map_or(0.0, |w| w.0),
    };
    if let Some(message) = checks::weights(&weights) {
        let at = layer.weights.iter().flatten().map(|(_, o)| o).min_by_key(|o| (o.source != path, o.line));
        problems.push(Problem::at(
            at.map_or(path, |o| o.source.as_str()),
            at.map(|o| o.line),
            Some("allocation.weights"),
            message,
        ));
    }
    let (counting_date, counting_date_origin) = match layer.counting_date {
        Some((d, o)) => (Some(d), Some(o)),
        None => (None, None),
    };
    let scenario = Scenario {
        name,
        dataset,
        counting: CountingRules {
            count_intentions: layer.count_intentions,
            require_bridging: layer.require_bridging,
            counting_date,
            available_until: layer.available_until.map(|(d, _)| d),
            min_location_places: layer.min_location_places,
            min_years: layer.min_years,
        },
        allocation: AllocationRules {
            mode: layer.mode.unwrap_or(AllocationMode::Rest),
            eligibility: layer.eligibility.unwrap_or(Eligibility::BelowIndicative),
            caps: layer.caps.unwrap_or(true),
            weights,
            method: layer.method.unwrap_or(Method::Auto),
            elastic: layer.elastic.unwrap_or(false),
            above_task: layer.above_task.unwrap_or_default(),
        },
        constraints: Constraints {
            corop_max_share: layer.corop_max_share,
            max_per_1000: layer.max_per_1000,
            min_allocation: layer.min_allocation,
            allocation_step: layer.allocation_step,
            minimum_fallback: layer.minimum_fallback.unwrap_or_default(),
            mip_time_limit: layer.mip_time_limit.unwrap_or(crate::model::DEFAULT_MIP_TIME_LIMIT),
        },
        overrides: layer.overrides,
        files,
        counting_date_origin,
    };
    problems.into_result(scenario)
}

/// Checks the scenario's settings that depend on the data set (the counting date lies in the cycle).
pub(crate) fn check_against_dataset(scenario: &Scenario, dataset: &Dataset) -> Result<(), InputError> {
    let mut problems = Problems::default();
    if let Some(message) = scenario.counting.counting_date.and_then(|d| checks::counting_date(d, &dataset.cycle)) {
        let (file, line) = match &scenario.counting_date_origin {
            Some(o) => (o.source.as_str(), Some(o.line)),
            None => (scenario.files.first().map_or("scenario", String::as_str), None),
        };
        problems.push(Problem::at(file, line, Some("counting.counting_date"), message));
    }
    problems.into_result(())
}
