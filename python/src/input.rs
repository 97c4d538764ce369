//! What Python hands in: a scenario (or sweep, or claim) as a path, a TOML text or a dict, and
//! its conversion into the core's validated types. A dict becomes a TOML table key by key, so
//! that the core's checks (and their messages, naming the dotted key path) apply unchanged.

use crate::{problem, Failure};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use spreiding_solver::io::{self, FileResolver, Resolver, Source};
use spreiding_solver::model::Claim;
use spreiding_solver::model::{Dataset, Scenario};
use std::path::Path;
use std::sync::Arc;

/// The label of a scenario given as a TOML text, in messages.
pub const TEXT: &str = "<string>";
/// The label of a scenario given as a dict, in messages.
pub const DICT: &str = "<dict>";

/// A scenario or sweep as given.
#[derive(Clone, Debug)]
pub enum ScenarioInput {
    /// A file.
    Path(String),
    /// A TOML text.
    Text(String),
    /// A dict, as a TOML table.
    Table(toml::Value),
}

impl ScenarioInput {
    /// A path (`str` naming a file, or `os.PathLike`), a TOML text (a `str` that names no
    /// file and holds a `=` or a line break) or a dict.
    pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyDict>() {
            // Dates may also be given as "YYYY-MM-DD" strings (as in JSON) under the keys that
            // hold dates (counting_date, opens, closes, ...).
            let mut table = to_toml(obj, "", 0)?;
            io::dates_in(&mut table);
            return Ok(ScenarioInput::Table(table));
        }
        if let Ok(s) = obj.extract::<String>() {
            if !Path::new(&s).is_file() && (s.contains('=') || s.contains('\n')) {
                return Ok(ScenarioInput::Text(s));
            }
            return Ok(ScenarioInput::Path(s));
        }
        let fspath = obj.py().import("os")?.getattr("fspath")?;
        match fspath.call1((obj,)).and_then(|p| p.extract::<String>()) {
            Ok(p) => Ok(ScenarioInput::Path(p)),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a scenario is a path, a TOML text or a dict; got {}",
                obj.get_type().name().map_or_else(|_| "an object".to_owned(), |n| n.to_string())
            ))),
        }
    }

    /// Its source text (a dict's as TOML written from it).
    pub fn source(&self) -> Result<Source, Failure> {
        match self {
            ScenarioInput::Path(p) => Ok(Source::read_file(Path::new(p))?),
            ScenarioInput::Text(t) => Ok(Source::new(TEXT, t.clone())),
            ScenarioInput::Table(v) => toml::to_string(v)
                .map(|t| Source::new(DICT, t))
                .map_err(|e| problem(DICT, format!("cannot be written as TOML: {e}"))),
        }
    }
}

/// How deep a scenario, sweep or claim given as a dict may nest (a scenario file's deepest key
/// is three levels down; a dict that contains itself would otherwise never end).
pub const MAX_DEPTH: usize = 16;

/// A Python value as TOML: dicts (string keys), lists and tuples, strings, whole numbers,
/// numbers, booleans, dates (`datetime.date`, by their ISO form). `path` is the dotted key
/// path, for the message when a value has no TOML form; `depth` how deep it lies.
pub fn to_toml(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<toml::Value> {
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    let refuse = |what: String| {
        PyTypeError::new_err(format!(
            "{}: {what}",
            if path.is_empty() { "the scenario".to_owned() } else { format!("`{path}`") }
        ))
    };
    if depth > MAX_DEPTH {
        return Err(refuse(format!(
            "nests deeper than {MAX_DEPTH} levels; a scenario file's keys lie at most three deep (does a dict contain itself?)"
        )));
    }
    if obj.is_none() {
        return Err(refuse("None has no TOML form; leave the key out instead".to_owned()));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return match obj.extract::<i64>() {
            Ok(i) => Ok(toml::Value::Integer(i)),
            Err(_) => Err(refuse("a whole number beyond 64 bits".to_owned())),
        };
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(obj.extract()?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut table = toml::map::Map::new();
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| refuse(format!("key {k} is not a string")))?;
            let value = to_toml(&v, &at(&key), depth + 1)?;
            table.insert(key, value);
        }
        return Ok(toml::Value::Table(table));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            out.push(to_toml(&v?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(toml::Value::Array(out));
    }
    // datetime.date and datetime.datetime (the limited API has no date type: by duck typing).
    if obj.hasattr("isoformat")? && obj.hasattr("year")? {
        let iso: String = obj.call_method0("isoformat")?.extract()?;
        return iso
            .parse::<toml::value::Datetime>()
            .map(toml::Value::Datetime)
            .map_err(|_| refuse(format!("the date {iso} has no TOML form")));
    }
    // A Dataset object (or anything with a path) stands for its folder.
    if let Ok(p) = obj.getattr("path").and_then(|p| p.extract::<String>()) {
        return Ok(toml::Value::String(p));
    }
    Err(refuse(format!(
        "a {} has no TOML form; use dicts, lists, strings, numbers, booleans and dates",
        obj.get_type().name().map_or_else(|_| "value".to_owned(), |n| n.to_string())
    )))
}

/// `extends` and `dataset` as paths (relative to the file's folder, or to the working folder
/// for a text or dict), and the data set handed in beside the scenario for one that names none.
struct PyResolver {
    fallback: Option<String>,
}

impl Resolver for PyResolver {
    fn extends(&mut self, from: &Source, name: &str) -> Result<(String, Source), String> {
        FileResolver.extends(from, name)
    }

    fn dataset(&mut self, from: &Source, name: &str) -> Result<String, String> {
        FileResolver.dataset(from, name)
    }

    fn fallback_dataset(&mut self) -> Option<String> {
        self.fallback.clone()
    }

    fn id(&mut self, source: &Source) -> String {
        FileResolver.id(source)
    }
}

/// The data set handed in beside a scenario: loaded, and its folder.
pub type Given = Option<(Arc<Dataset>, String)>;

/// A validated scenario.
pub fn scenario(given: &ScenarioInput, base: &Given) -> Result<Scenario, Failure> {
    let mut resolver = PyResolver { fallback: base.as_ref().map(|b| b.1.clone()) };
    let mut scenario = match given {
        ScenarioInput::Table(v) => io::parse_scenario_table(DICT, v, &mut resolver)?,
        other => io::parse_scenario_source(&other.source()?, &mut resolver)?,
    };
    if let Some((_, path)) = base {
        scenario.dataset.clone_from(path);
    }
    Ok(scenario)
}

/// The data set a scenario (or sweep base) runs on: the one handed in, else the folder it names.
pub fn dataset_of(scenario: &Scenario, base: &Given) -> Result<Arc<Dataset>, Failure> {
    match base {
        Some((d, _)) => Ok(d.clone()),
        None => Ok(Arc::new(io::load_dataset(Path::new(&scenario.dataset))?)),
    }
}

/// A validated scenario and the data set it runs on (its overrides applied).
pub fn load(given: &ScenarioInput, base: Given) -> Result<(Scenario, Dataset), Failure> {
    let scenario = scenario(given, &base)?;
    let data = dataset_of(&scenario, &base)?;
    let prepared = io::prepare(&scenario, &data)?;
    Ok((scenario, prepared))
}

/// A validated sweep.
pub fn sweep(given: &ScenarioInput, base: &Given) -> Result<spreiding_solver::sweep::Sweep, Failure> {
    let mut resolver = PyResolver { fallback: base.as_ref().map(|b| b.1.clone()) };
    let mut sweep = match given {
        ScenarioInput::Table(v) => io::parse_sweep_table(DICT, v, &mut resolver)?,
        other => io::parse_sweep_source(&other.source()?, &mut resolver)?,
    };
    if let Some((_, path)) = base {
        sweep.base.dataset.clone_from(path);
    }
    Ok(sweep)
}

/// Whether a text is a sweep (a `[sweep]` table), and for a dict whether it has a `sweep` key.
pub fn is_sweep(given: &ScenarioInput) -> Result<bool, Failure> {
    Ok(match given {
        ScenarioInput::Table(v) => v.get("sweep").is_some(),
        other => io::is_sweep(&other.source()?.text),
    })
}

/// A claim as given: a path, a TOML text or a dict (with its place in the list, for messages).
#[derive(Clone, Debug)]
pub struct ClaimInput {
    label: String,
    input: ScenarioInput,
}

impl ClaimInput {
    /// The `index`-th claim of the list.
    pub fn from_py(index: usize, obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let input = ScenarioInput::from_py(obj)?;
        // A claim file is read under its own path; the label names a text or a dict.
        Ok(ClaimInput { label: format!("claims[{index}]"), input })
    }
}

/// Validated claims on the scenario's data set; every claim's problems at once.
pub fn load_claims(claims: &[ClaimInput], dataset: &Dataset) -> Result<Vec<Claim>, Failure> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for c in claims {
        let source = match &c.input {
            ScenarioInput::Path(p) => Source::read_file(Path::new(p)).map_err(Failure::from),
            ScenarioInput::Text(t) => Ok(Source::new(c.label.clone(), t.clone())),
            ScenarioInput::Table(v) => toml::to_string(v)
                .map(|t| Source::new(c.label.clone(), t))
                .map_err(|e| problem(&c.label, format!("cannot be written as TOML: {e}"))),
        };
        let dict = matches!(c.input, ScenarioInput::Table(_));
        // A dict's lines are those of the TOML written from it: left out.
        let parsed = source.and_then(|s| {
            io::parse_claim(&s, dataset)
                .map_err(|e| if dict { e.without_lines_of(&c.label) } else { e })
                .map_err(Failure::from)
        });
        match parsed {
            Ok(claim) => out.push(claim),
            Err(Failure::Input(ps)) => problems.extend(ps),
            Err(other) => return Err(other),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Failure::Input(problems))
    }
}
