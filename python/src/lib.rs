//! `spreiding._native`: the extension module under the Python package `spreiding`
//! (`python/python/spreiding/__init__.py` is the public API, with the docstrings). On the core
//! library only: no typst, no HTTP stack, no Parquet writer.
//!
//! Every function takes the scenario as a path, a TOML text or a Python dict, does its work
//! with the GIL released, and gives back plain data: JSON texts and Arrow IPC streams, which
//! the Python layer turns into dicts and pyarrow tables. Bad input raises
//! `spreiding.InputError` (a `ValueError`) with `.problems`, the same problems the command
//! line prints; a panic never reaches Python as one: it becomes a `RuntimeError` naming the
//! operation.

mod input;
mod run;
mod tables;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use spreiding_solver::explain::{dutch, explain as explain_one};
use spreiding_solver::io::{self, InputError as CoreInputError, Problem};
use spreiding_solver::model::{Commodity, Dataset as CoreDataset};
use spreiding_solver::report::Report;
use spreiding_solver::{objection, solve as solve_core, whatif};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

pyo3::create_exception!(
    spreiding,
    InputError,
    PyValueError,
    "Bad input: a scenario, sweep, claim or data set that spreiding refuses.\n\n`.problems` lists each \
     problem as a dict with `source` (file path or label such as `<dict>`), `line` (or None), \
     `field` (the dotted key path or CSV column, or None) and `message` (what is wrong and what \
     would be valid): the same problems `spreiding validate` prints."
);

/// What went wrong in a native call, before it becomes a Python exception (built without the
/// GIL).
pub enum Failure {
    /// Bad input, with its problems.
    Input(Vec<Problem>),
    /// Anything else: a solver or encoding failure.
    Other(String),
}

impl From<CoreInputError> for Failure {
    fn from(e: CoreInputError) -> Self {
        Failure::Input(e.problems().to_vec())
    }
}

impl From<arrow_schema::ArrowError> for Failure {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Failure::Other(format!("encoding a table: {e}"))
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Other(format!("encoding JSON: {e}"))
    }
}

/// One problem naming no line or field.
pub fn problem(source: &str, message: impl Into<String>) -> Failure {
    Failure::Input(vec![Problem { source: source.to_owned(), line: None, field: None, message: message.into() }])
}

impl Failure {
    fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Other(m) => PyRuntimeError::new_err(m),
            Failure::Input(problems) => {
                let text = problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n");
                let n = problems.len();
                let message = format!("{n} problem{} in the input:\n{text}", if n == 1 { "" } else { "s" });
                let err = InputError::new_err(message);
                let list = PyList::empty(py);
                for p in &problems {
                    let d = PyDict::new(py);
                    let ok = d.set_item("source", &p.source).is_ok()
                        && d.set_item("line", p.line).is_ok()
                        && d.set_item("field", p.field.as_deref()).is_ok()
                        && d.set_item("message", &p.message).is_ok()
                        && list.append(d).is_ok();
                    if !ok {
                        return PyRuntimeError::new_err("building the list of problems failed");
                    }
                }
                if let Err(e) = err.value(py).setattr("problems", list) {
                    return e;
                }
                err
            }
        }
    }
}

/// Runs `work` with the GIL released; a panic becomes a `RuntimeError` naming `operation`.
pub fn detached<T: Send>(
    py: Python<'_>,
    operation: &str,
    work: impl FnOnce() -> Result<T, Failure> + Send,
) -> PyResult<T> {
    let outcome = py.detach(|| catch_unwind(AssertUnwindSafe(work)));
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(f)) => Err(f.into_py(py)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            Err(PyRuntimeError::new_err(format!(
                "spreiding.{operation} failed on an internal error (please report it with the input): {what}"
            )))
        }
    }
}

/// A loaded data set, shared by the calls it is passed to.
#[pyclass(frozen, module = "spreiding._native")]
pub struct NativeDataset {
    pub(crate) inner: Arc<CoreDataset>,
    pub(crate) path: String,
}

#[pymethods]
impl NativeDataset {
    /// The folder it was read from.
    #[getter]
    fn path(&self) -> String {
        self.path.clone()
    }

    /// Its label, as result files name the data set: the folder as it was given.
    #[getter]
    fn label(&self) -> String {
        self.inner.label().to_owned()
    }

    /// The cycle (`cycle.toml`) as JSON.
    fn cycle_json(&self) -> PyResult<String> {
        serde_json::to_string(self.inner.cycle()).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The tables as Arrow IPC streams: municipalities, provinces, locations.
    fn tables<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let d = self.inner.clone();
        let (m, p, l) = detached(py, "load_dataset", move || {
            Ok((tables::dataset_municipalities(&d)?, tables::dataset_provinces(&d)?, tables::dataset_locations(&d)?))
        })?;
        Ok((PyBytes::new(py, &m), PyBytes::new(py, &p), PyBytes::new(py, &l)))
    }
}

/// Reads and validates a data set folder.
#[pyfunction]
fn load_dataset(py: Python<'_>, path: String) -> PyResult<NativeDataset> {
    let p = path.clone();
    let d = detached(py, "load_dataset", move || Ok(io::load_dataset(std::path::Path::new(&p))?))?;
    Ok(NativeDataset { inner: Arc::new(d), path })
}

/// A solved scenario: the JSON report and the two tables.
type Solved = (String, Vec<u8>, Vec<u8>);

/// Solves a scenario: (report JSON, municipalities IPC, provinces IPC, any province infeasible).
#[pyfunction]
#[pyo3(signature = (scenario, dataset=None))]
fn solve<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    dataset: Option<&Bound<'py, NativeDataset>>,
) -> PyResult<(String, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let given = input::ScenarioInput::from_py(scenario)?;
    let base = dataset.map(|d| (d.get().inner.clone(), d.get().path.clone()));
    let (report, m, p): Solved = detached(py, "solve", move || {
        let (scenario, data) = input::load(&given, base)?;
        let solution = solve_core(&data, &scenario).map_err(|e| Failure::Other(e.to_string()))?;
        let report = Report::new(&data, &solution);
        Ok((
            serde_json::to_string(&report)?,
            tables::solution_municipalities(&report)?,
            tables::solution_provinces(&report)?,
        ))
    })?;
    Ok((report, PyBytes::new(py, &m), PyBytes::new(py, &p)))
}

fn commodity_of(name: &str) -> PyResult<Commodity> {
    match name {
        "regular" => Ok(Commodity::Regular),
        "amv" => Ok(Commodity::Amv),
        other => Err(PyValueError::new_err(format!("commodity `{other}`: use \"regular\" or \"amv\""))),
    }
}

/// Explains a municipality's number: (Dutch text, JSON).
#[pyfunction]
#[pyo3(signature = (scenario, municipality, commodity="regular", what_if=false, dataset=None))]
fn explain<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    municipality: String,
    commodity: &str,
    what_if: bool,
    dataset: Option<&Bound<'py, NativeDataset>>,
) -> PyResult<(String, String)> {
    let commodity = commodity_of(commodity)?;
    let given = input::ScenarioInput::from_py(scenario)?;
    let base = dataset.map(|d| (d.get().inner.clone(), d.get().path.clone()));
    detached(py, "explain", move || {
        let (scenario, data) = input::load(&given, base)?;
        let code = data.find_municipality(&municipality).map_err(|e| {
            Failure::Input(vec![Problem {
                source: "municipality".to_owned(),
                line: None,
                field: None,
                message: e.to_string(),
            }])
        })?;
        let solution = solve_core(&data, &scenario).map_err(|e| Failure::Other(e.to_string()))?;
        let mut e =
            explain_one(&data, &scenario, &solution, &code, commodity).map_err(|e| Failure::Other(e.to_string()))?;
        if what_if {
            e.what_if = Some(
                whatif::what_if(&data, &scenario, &solution, &code, commodity)
                    .map_err(|e| Failure::Other(e.to_string()))?,
            );
        }
        Ok((dutch::render(&e), serde_json::to_string(&e)?))
    })
}

/// The counterfactuals of every municipality (of one province, if given), as JSON.
#[pyfunction]
#[pyo3(signature = (scenario, municipality=None, province=None, dataset=None))]
fn what_if<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    municipality: Option<String>,
    province: Option<String>,
    dataset: Option<&Bound<'py, NativeDataset>>,
) -> PyResult<String> {
    let given = input::ScenarioInput::from_py(scenario)?;
    let base = dataset.map(|d| (d.get().inner.clone(), d.get().path.clone()));
    detached(py, "what_if", move || {
        let (scenario, data) = input::load(&given, base)?;
        let solution = solve_core(&data, &scenario).map_err(|e| Failure::Other(e.to_string()))?;
        let other = |e: whatif::WhatIfError| Failure::Other(e.to_string());
        let named = |source: &str, e: spreiding_solver::model::UnknownName| {
            Failure::Input(vec![Problem { source: source.to_owned(), line: None, field: None, message: e.to_string() }])
        };
        match (municipality, province) {
            (Some(m), _) => {
                let code = data.find_municipality(&m).map_err(|e| named("municipality", e))?;
                let all: Vec<_> = Commodity::ALL
                    .iter()
                    .map(|&c| whatif::what_if(&data, &scenario, &solution, &code, c).map(|w| (c, w)))
                    .collect::<Result<_, _>>()
                    .map_err(other)?;
                let map: serde_json::Map<String, serde_json::Value> = all
                    .into_iter()
                    .map(|(c, w)| Ok((c.as_str().to_owned(), serde_json::to_value(w)?)))
                    .collect::<Result<_, serde_json::Error>>()?;
                Ok(serde_json::to_string(&map)?)
            }
            (None, p) => {
                let code = p.map(|p| data.find_province(&p).map_err(|e| named("province", e))).transpose()?;
                let all = whatif::what_if_all(&data, &scenario, &solution, code.as_ref()).map_err(other)?;
                Ok(serde_json::to_string(&all)?)
            }
        }
    })
}

/// Replays an objection: the claims (paths, TOML texts or dicts) against the scenario, as
/// (Dutch text, JSON).
#[pyfunction]
#[pyo3(signature = (scenario, claims, dataset=None))]
fn objection_replay<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    claims: Vec<Bound<'py, PyAny>>,
    dataset: Option<&Bound<'py, NativeDataset>>,
) -> PyResult<(String, String)> {
    let given = input::ScenarioInput::from_py(scenario)?;
    let claims: Vec<input::ClaimInput> =
        claims.iter().enumerate().map(|(i, c)| input::ClaimInput::from_py(i, c)).collect::<PyResult<_>>()?;
    let base = dataset.map(|d| (d.get().inner.clone(), d.get().path.clone()));
    detached(py, "objection", move || {
        let (scenario, data) = input::load(&given, base)?;
        let parsed = input::load_claims(&claims, &data)?;
        let solution = solve_core(&data, &scenario).map_err(|e| Failure::Other(e.to_string()))?;
        let replay = objection::replay(&data, &scenario, &solution, &parsed).map_err(|e| match e {
            objection::ReplayError::Input(e) => Failure::from(e),
            other => Failure::Other(other.to_string()),
        })?;
        Ok((objection::dutch::render(&replay), serde_json::to_string(&replay)?))
    })
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeDataset>()?;
    m.add_class::<run::NativeRun>()?;
    m.add_function(wrap_pyfunction!(load_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(what_if, m)?)?;
    m.add_function(wrap_pyfunction!(objection_replay, m)?)?;
    m.add_function(wrap_pyfunction!(run::run, m)?)?;
    m.add_function(wrap_pyfunction!(internal_panic_for_tests, m)?)?;
    Ok(())
}

/// Panics on purpose, under the same guard as every other function: the tests check that a
/// panic reaches Python as a `RuntimeError` naming the operation, never as a panic.
#[pyfunction]
fn internal_panic_for_tests(py: Python<'_>) -> PyResult<()> {
    detached(py, "internal_panic_for_tests", || -> Result<u32, Failure> {
        let v: Vec<u32> = Vec::new();
        let i = v.len() + 1;
        Ok(std::hint::black_box(v)[i])
    })
    .map(|_| ())
}
