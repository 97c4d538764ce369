//! `spreiding.run`: many scenarios (files, folders, sweeps) solved in parallel with the GIL
//! released, straight into Arrow record batches with the columns of `spreiding run --format
//! parquet` (no temporary files), and the comparison of `spreiding compare` over them.

use crate::input::{self, Given, ScenarioInput};
use crate::tables::{self, Column};
use crate::{detached, problem, Failure, NativeDataset};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;
use spreiding_solver::io::{self, Problem};
use spreiding_solver::model::{entries, entry_of, Dataset, Scenario};
use spreiding_solver::report::compare::{ComparisonBuilder, Values};
use spreiding_solver::report::results::{Header, Record, ScenarioOutcome};
use spreiding_solver::solve::{solve, Reason, Solution};
use spreiding_solver::sweep::{solve_job_solution, Parameter, Perturber, Sweep};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One input: a scenario or a sweep, on its prepared data set.
enum Work {
    Scenario { scenario: Box<Scenario> },
    Sweep { sweep: Box<Sweep>, perturber: Perturber },
}

struct Unit {
    dataset: Arc<Dataset>,
    work: Work,
}

impl Unit {
    fn len(&self) -> u64 {
        match &self.work {
            Work::Scenario { .. } => 1,
            Work::Sweep { sweep, .. } => sweep.len(),
        }
    }
}

/// One solved (or failed) scenario.
struct Outcome {
    id: String,
    params: BTreeMap<String, String>,
    draw: Option<u32>,
    seed: Option<u64>,
    solution: Result<Solution, String>,
    unit: usize,
}

/// The `.toml` files under a folder, recursively, sorted; claim files left out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| problem(&dir.display().to_string(), format!("cannot be read as a folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() && !p.is_symlink() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml")
            && !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".claim.toml"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// A batch of scenarios to run, built once; `solve` runs any range of it.
#[pyclass(frozen, module = "spreiding._native")]
pub struct NativeRun {
    units: Vec<Unit>,
    /// Where each unit's scenarios start in the run's numbering.
    starts: Vec<u64>,
    total: u64,
    records: Mutex<Vec<(u64, usize, Record)>>,
}

/// Loads the inputs: files (scenarios or sweeps), folders of them, TOML texts or dicts; every
/// problem of every input at once.
fn plan(inputs: Vec<ScenarioInput>, base: &Given) -> Result<Vec<Unit>, Failure> {
    let mut expanded = Vec::new();
    for i in inputs {
        match &i {
            ScenarioInput::Path(p) if Path::new(p).is_dir() => {
                let mut files = Vec::new();
                walk(Path::new(p), &mut files)?;
                if files.is_empty() {
                    return Err(problem(p, "holds no scenario or sweep (.toml) files"));
                }
                expanded.extend(files.into_iter().map(|f| ScenarioInput::Path(f.display().to_string())));
            }
            _ => expanded.push(i),
        }
    }
    let mut datasets: BTreeMap<String, Arc<Dataset>> = BTreeMap::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut units = Vec::new();
    for given in &expanded {
        let unit = (|| -> Result<Unit, Failure> {
            let sweep = input::is_sweep(given)?;
            let scenario_base = if sweep { input::sweep(given, base)?.base } else { input::scenario(given, base)? };
            let data = match datasets.get(&scenario_base.dataset) {
                Some(d) => d.clone(),
                None => {
                    let d = input::dataset_of(&scenario_base, base)?;
                    datasets.insert(scenario_base.dataset.clone(), d.clone());
                    d
                }
            };
            if sweep {
                let sweep = input::sweep(given, base)?;
                let prepared = io::prepare_sweep(&sweep, &data)?;
                Ok(Unit {
                    work: Work::Sweep { perturber: Perturber::new(&prepared), sweep: Box::new(sweep) },
                    dataset: Arc::new(prepared),
                })
            } else {
                let prepared = io::prepare(&scenario_base, &data)?;
                Ok(Unit { work: Work::Scenario { scenario: Box::new(scenario_base) }, dataset: Arc::new(prepared) })
            }
        })();
        match unit {
            Ok(u) => units.push(u),
            Err(Failure::Input(ps)) => problems.extend(ps),
            Err(other) => return Err(other),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::Input(problems));
    }
    if units.is_empty() {
        return Err(problem("run", "was given no scenario; pass paths, a folder, a TOML text or a dict"));
    }
    let first = units[0].dataset.municipalities().iter().map(|m| m.code).collect::<Vec<_>>();
    if let Some(u) = units.iter().find(|u| u.dataset.municipalities().iter().map(|m| m.code).ne(first.iter().copied()))
    {
        return Err(problem(
            u.dataset.label(),
            "has other municipalities than the first input's data set; one run holds scenarios of one cycle's municipalities",
        ));
    }
    Ok(units)
}

impl NativeRun {
    fn locate(&self, k: u64) -> (usize, u64) {
        let u = self.starts.partition_point(|&s| s <= k) - 1;
        (u, k - self.starts[u])
    }

    fn solve_one(&self, k: u64) -> Outcome {
        let (u, local) = self.locate(k);
        let unit = &self.units[u];
        match &unit.work {
            Work::Scenario { scenario } => Outcome {
                id: scenario.name.clone(),
                params: BTreeMap::new(),
                draw: None,
                seed: None,
                solution: solve(&unit.dataset, scenario).map_err(|e| e.to_string()),
                unit: u,
            },
            Work::Sweep { sweep, perturber } => {
                let (job, solution) = solve_job_solution(sweep, &unit.dataset, perturber, local);
                Outcome {
                    id: job.id,
                    params: job.params,
                    draw: job.draw,
                    seed: sweep.random.as_ref().map(|r| r.seed),
                    solution: solution.map_err(|e| e.to_string()),
                    unit: u,
                }
            }
        }
    }
}

/// The three tables of a range of outcomes (municipalities, provinces, scenarios).
fn encode(units: &[Unit], outcomes: &[Outcome]) -> Result<[Vec<u8>; 3], Failure> {
    let solved: Vec<(&Outcome, &Solution)> =
        outcomes.iter().filter_map(|o| o.solution.as_ref().ok().map(|s| (o, s))).collect();
    // Municipalities: per scenario, in code order, regular before AMV. The repeating text
    // columns are dictionary columns whose keys are known without hashing: the scenario's
    // place in the batch, the municipality's index, its province's, the commodity's, the
    // reason's.
    let first = &units[0].dataset;
    let rows: usize = solved.iter().map(|(_, s)| s.municipalities.len()).sum();
    let mut scenario_key = Vec::with_capacity(rows);
    let mut municipality_key = Vec::with_capacity(rows);
    let mut province_key = Vec::with_capacity(rows);
    let mut commodity_key = Vec::with_capacity(rows);
    let mut reason_key = Vec::with_capacity(rows);
    let mut name_key = Vec::with_capacity(rows);
    let (mut population, mut indicative, mut counted, mut allocated, mut beyond, mut obligation) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    // Names by unit (a data set of another cycle may name a municipality otherwise), each
    // name once in the dictionary (pandas' categories are unique).
    let key = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    let mut names: Vec<&str> = Vec::new();
    let mut seen: std::collections::HashMap<&str, i32> = std::collections::HashMap::new();
    let name_keys: Vec<Vec<i32>> = units
        .iter()
        .map(|unit| {
            unit.dataset
                .municipalities()
                .iter()
                .map(|m| {
                    *seen.entry(m.name.as_str()).or_insert_with(|| {
                        names.push(m.name.as_str());
                        key(names.len() - 1)
                    })
                })
                .collect()
        })
        .collect();
    // Scenario ids, each once (two inputs may give scenarios one name).
    let mut ids: Vec<&str> = Vec::new();
    let mut id_of: std::collections::HashMap<&str, i32> = std::collections::HashMap::new();
    let scenario_keys: Vec<i32> = solved
        .iter()
        .map(|(o, _)| {
            *id_of.entry(o.id.as_str()).or_insert_with(|| {
                ids.push(o.id.as_str());
                key(ids.len() - 1)
            })
        })
        .collect();
    for (s, (o, solution)) in solved.iter().enumerate() {
        let dataset = &units[o.unit].dataset;
        for m in &solution.municipalities {
            let facts = &dataset.municipalities()[m.municipality];
            scenario_key.push(scenario_keys[s]);
            municipality_key.push(key(m.municipality));
            name_key.push(name_keys[o.unit][m.municipality]);
            province_key.push(key(facts.province));
            commodity_key.push(key(m.commodity as usize));
            reason_key.push(reason_index(m.reason));
            population.push(facts.population);
            indicative.push(m.indicative);
            counted.push(m.counted);
            allocated.push(m.allocated);
            beyond.push(m.beyond_cap);
            obligation.push(m.obligation);
        }
    }
    let codes: Vec<&str> = first.municipalities().iter().map(|m| m.code.as_str()).collect();
    let provinces_codes: Vec<&str> = first.provinces().iter().map(|p| p.code.as_str()).collect();
    let commodities: Vec<&str> = spreiding_solver::model::Commodity::ALL.iter().map(|c| c.as_str()).collect();
    let municipalities: Vec<Column> = vec![
        ("scenario", tables::keyed(&ids, scenario_key)?),
        ("province", tables::keyed(&provinces_codes, province_key)?),
        ("commodity", tables::keyed(&commodities, commodity_key)?),
        ("municipality", tables::keyed(&codes, municipality_key)?),
        ("name", tables::keyed(&names, name_key)?),
        ("population", tables::u32s(population)),
        ("indicative", tables::u32s(indicative)),
        ("counted", tables::u32s(counted)),
        ("allocated", tables::u32s(allocated)),
        ("beyond_cap", tables::u32s(beyond)),
        ("obligation", tables::u32s(obligation)),
        ("reason", tables::keyed(&REASONS.map(Reason::as_str), reason_key)?),
    ];
    let prows: Vec<(&Outcome, &spreiding_solver::solve::BlockResult)> =
        solved.iter().flat_map(|(o, s)| s.provinces.iter().map(move |p| (*o, p))).collect();
    let provinces: Vec<Column> = vec![
        ("scenario", tables::text(prows.iter().map(|(o, _)| o.id.as_str()))),
        ("province", tables::category(prows.iter().map(|(_, p)| p.code.as_str()))),
        ("commodity", tables::category(prows.iter().map(|(_, p)| p.commodity.as_str()))),
        ("target", tables::u32s(prows.iter().map(|(_, p)| p.target))),
        ("counted", tables::u64s(prows.iter().map(|(_, p)| p.counted))),
        ("shortfall", tables::u32s(prows.iter().map(|(_, p)| p.shortfall))),
        ("allocated", tables::u32s(prows.iter().map(|(_, p)| p.allocated))),
        ("missing", tables::u32s(prows.iter().map(|(_, p)| p.missing))),
        ("beyond_cap", tables::u32s(prows.iter().map(|(_, p)| p.beyond_cap))),
        ("status", tables::category(prows.iter().map(|(_, p)| p.status.as_str()))),
    ];
    let outcome = |o: &Outcome| match &o.solution {
        Ok(s) if s.any_infeasible() => ScenarioOutcome::Infeasible,
        Ok(_) => ScenarioOutcome::Ok,
        Err(_) => ScenarioOutcome::Failed,
    };
    let mut scenarios: Vec<Column> = vec![
        ("scenario", tables::text(outcomes.iter().map(|o| o.id.as_str()))),
        ("outcome", tables::category(outcomes.iter().map(|o| outcome(o).as_str()))),
        ("error", tables::opt_text(outcomes.iter().map(|o| o.solution.as_ref().err()))),
    ];
    for p in Parameter::ALL {
        let values: Vec<Option<&str>> = outcomes.iter().map(|o| o.params.get(p.name()).map(String::as_str)).collect();
        scenarios.push((p.name(), parameter_column(p, &values)?));
    }
    scenarios.push(("draw", tables::opt_u32s(outcomes.iter().map(|o| o.draw))));
    scenarios.push(("seed", tables::opt_u64s(outcomes.iter().map(|o| o.seed))));
    Ok([tables::one(municipalities)?, tables::one(provinces)?, tables::one(scenarios)?])
}

/// Every reason, in the order of their dictionary keys.
const REASONS: [Reason; 9] = [
    Reason::Excluded,
    Reason::Ineligible,
    Reason::ProvinceCloses,
    Reason::ZeroKey,
    Reason::Interior,
    Reason::Capped,
    Reason::AboveLevel,
    Reason::Limited,
    Reason::InfeasibleCapped,
];

/// A reason's key in [`REASONS`] (a new reason fails to compile here until it is listed).
fn reason_index(r: Reason) -> i32 {
    match r {
        Reason::Excluded => 0,
        Reason::Ineligible => 1,
        Reason::ProvinceCloses => 2,
        Reason::ZeroKey => 3,
        Reason::Interior => 4,
        Reason::Capped => 5,
        Reason::AboveLevel => 6,
        Reason::Limited => 7,
        Reason::InfeasibleCapped => 8,
    }
}

/// A parameter's column, typed by its kind (as in the Parquet scenarios table).
fn parameter_column(p: Parameter, values: &[Option<&str>]) -> Result<arrow_array::ArrayRef, Failure> {
    use spreiding_solver::sweep::Kind;
    fn parse<T: std::str::FromStr>(p: Parameter, values: &[Option<&str>]) -> Result<Vec<Option<T>>, Failure> {
        values
            .iter()
            .map(|v| {
                v.map(|v| {
                    v.parse().map_err(|_| Failure::Other(format!("parameter {p}: `{v}` is not a value of its type")))
                })
                .transpose()
            })
            .collect()
    }
    Ok(match p.kind() {
        Kind::Bool => tables::opt_bools(parse::<bool>(p, values)?),
        Kind::Weight | Kind::Fraction | Kind::Share | Kind::PerThousand => tables::opt_f64s(parse::<f64>(p, values)?),
        Kind::Places | Kind::Years => tables::opt_u32s(parse::<u32>(p, values)?),
        Kind::Mode | Kind::Eligibility | Kind::Method | Kind::AboveTask | Kind::Date => {
            tables::opt_text(values.iter().copied())
        }
    })
}

#[pymethods]
impl NativeRun {
    /// How many scenarios the run holds.
    #[getter]
    fn total(&self) -> u64 {
        self.total
    }

    /// Solves scenarios `start..end` on `jobs` threads: their three tables as Arrow IPC streams.
    fn solve<'py>(
        &self,
        py: Python<'py>,
        start: u64,
        end: u64,
        jobs: usize,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let end = end.min(self.total);
        let [m, p, s] = detached(py, "run", || {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs)
                .build()
                .map_err(|e| Failure::Other(format!("starting {jobs} threads: {e}")))?;
            let outcomes: Vec<Outcome> =
                pool.install(|| (start..end).into_par_iter().map(|k| self.solve_one(k)).collect());
            let records: Vec<(u64, usize, Record)> = outcomes
                .iter()
                .zip(start..end)
                .map(|(o, k)| {
                    let r = match &o.solution {
                        Ok(s) => Record::solved(o.id.clone(), o.params.clone(), s),
                        Err(e) => Record::failed(o.id.clone(), o.params.clone(), e.clone()),
                    };
                    (k, o.unit, r)
                })
                .collect();
            let tables = encode(&self.units, &outcomes)?;
            self.records.lock().map_err(|_| Failure::Other("a run's records were poisoned".into()))?.extend(records);
            Ok(tables)
        })?;
        Ok((PyBytes::new(py, &m), PyBytes::new(py, &p), PyBytes::new(py, &s)))
    }

    /// The comparison of the solved scenarios (`spreiding compare`): (municipalities IPC,
    /// metrics IPC, baseline id).
    #[pyo3(signature = (baseline=None))]
    fn compare<'py>(
        &self,
        py: Python<'py>,
        baseline: Option<String>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, String)> {
        let (m, s, base) = detached(py, "RunResult.compare", || {
            let mut records =
                self.records.lock().map_err(|_| Failure::Other("a run's records were poisoned".into()))?.clone();
            records.sort_by_key(|r| r.0);
            // One result "file" per input, as `spreiding compare` reads one per scenario file
            // or sweep.
            let mut files: Vec<(String, Header, Vec<Record>)> = Vec::new();
            for (_, u, r) in records {
                match files.last_mut() {
                    Some(f) if f.0 == u.to_string() => f.2.push(r),
                    _ => files.push((u.to_string(), Header::new(&self.units[u].dataset, String::new()), vec![r])),
                }
            }
            let mut b = ComparisonBuilder::new(baseline.as_deref());
            b.add_read(files.into_iter().map(Ok::<_, spreiding_solver::report::compare::CompareError>))
                .map_err(|e| problem("compare", e.to_string()))?;
            let c = b.finish().map_err(|e| problem("baseline", e.to_string()))?;
            let n = entries(c.header.municipalities.len());
            let info = |k: usize| &c.header.municipalities[entry_of(k).0];
            let commodity = |k: usize| entry_of(k).1;
            let mut columns: Vec<(String, arrow_array::ArrayRef)> = vec![
                ("code".into(), tables::text((0..n).map(|k| info(k).code.as_str()))),
                ("name".into(), tables::text((0..n).map(|k| info(k).name.as_str()))),
                ("province".into(), tables::category((0..n).map(|k| info(k).province.as_str()))),
                ("commodity".into(), tables::category((0..n).map(|k| commodity(k).as_str()))),
                ("indicative".into(), tables::u32s((0..n).map(|k| info(k).indicative[commodity(k) as usize]))),
                ("baseline".into(), tables::u32s(c.base.iter().copied())),
            ];
            for g in &c.groups {
                match &g.values {
                    Values::One(v) => {
                        columns.push((g.label.clone(), tables::u32s(v.iter().copied())));
                        if g.label != c.base_id {
                            columns.push((
                                format!("{} diff", g.label),
                                Arc::new(arrow_array::Int64Array::from_iter_values(
                                    v.iter().zip(&c.base).map(|(a, b)| i64::from(*a) - i64::from(*b)),
                                )),
                            ));
                        }
                    }
                    Values::Bands(bands) => {
                        columns.push((
                            format!("{} min", g.label),
                            tables::u32s(bands.iter().map(|b| b.min().unwrap_or(0))),
                        ));
                        columns.push((
                            format!("{} median", g.label),
                            tables::f64s(bands.iter().map(|b| b.median().unwrap_or(0.0))),
                        ));
                        columns.push((
                            format!("{} max", g.label),
                            tables::u32s(bands.iter().map(|b| b.max().unwrap_or(0))),
                        ));
                    }
                    Values::Failed => {}
                }
            }
            let municipalities = named(columns)?;
            let metrics: Vec<(&str, &spreiding_solver::report::compare::Metrics)> =
                c.groups.iter().flat_map(|g| g.metrics.iter().map(move |m| (g.label.as_str(), m))).collect();
            let metric_columns: Vec<(String, arrow_array::ArrayRef)> = vec![
                ("group".into(), tables::text(metrics.iter().map(|(g, _)| *g))),
                ("id".into(), tables::text(metrics.iter().map(|(_, m)| m.id.as_str()))),
                ("outcome".into(), tables::category(metrics.iter().map(|(_, m)| m.outcome.as_str()))),
                ("total_allocated".into(), tables::u64s(metrics.iter().map(|(_, m)| m.total_allocated))),
                ("missing".into(), tables::u64s(metrics.iter().map(|(_, m)| m.missing))),
                ("infeasible_provinces".into(), tables::u32s(metrics.iter().map(|(_, m)| m.infeasible_provinces))),
                ("receiving".into(), tables::u32s(metrics.iter().map(|(_, m)| m.receiving))),
                ("at_cap".into(), tables::u32s(metrics.iter().map(|(_, m)| m.at_cap))),
                ("max_deviation".into(), tables::f64s(metrics.iter().map(|(_, m)| m.max_deviation))),
                ("mean_deviation".into(), tables::f64s(metrics.iter().map(|(_, m)| m.mean_deviation))),
                ("mean_gini".into(), tables::f64s(metrics.iter().map(|(_, m)| m.mean_gini))),
            ];
            Ok((municipalities, named(metric_columns)?, c.base_id.clone()))
        })?;
        Ok((PyBytes::new(py, &m), PyBytes::new(py, &s), base))
    }
}

/// Columns with names made at run time, as an IPC stream.
fn named(columns: Vec<(String, arrow_array::ArrayRef)>) -> Result<Vec<u8>, Failure> {
    Ok(tables::one(columns)?)
}

/// Scenarios a run takes when `max_scenarios` is not given: its tables live in memory.
pub const DEFAULT_MAX_SCENARIOS: u64 = 100_000;

/// Builds a run from its inputs (each a path, folder, TOML text or dict); refuses more than
/// `max_scenarios`.
#[pyfunction]
#[pyo3(signature = (inputs, max_scenarios=None, dataset=None))]
pub fn run<'py>(
    py: Python<'py>,
    inputs: Vec<Bound<'py, PyAny>>,
    max_scenarios: Option<u64>,
    dataset: Option<&Bound<'py, NativeDataset>>,
) -> PyResult<NativeRun> {
    let given: Vec<ScenarioInput> = inputs.iter().map(ScenarioInput::from_py).collect::<PyResult<_>>()?;
    let base = dataset.map(|d| (d.get().inner.clone(), d.get().path.clone()));
    detached(py, "run", move || {
        let units = plan(given, &base)?;
        let mut starts = Vec::with_capacity(units.len());
        let mut total = 0u64;
        for u in &units {
            starts.push(total);
            total += u.len();
        }
        let max = max_scenarios.unwrap_or(DEFAULT_MAX_SCENARIOS);
        if total > max {
            let message = if max_scenarios.is_some() {
                format!("the inputs hold {total} scenarios, more than max_scenarios = {max}; raise it or run fewer")
            } else {
                format!(
                    "the inputs hold {total} scenarios; a run keeps its tables in memory (about 36 KB a scenario for the Netherlands) and takes at most {max} unless max_scenarios says more; for larger sweeps use `spreiding run`, which streams to files"
                )
            };
            return Err(Failure::Input(vec![Problem {
                source: "run".to_owned(),
                line: None,
                field: Some("max_scenarios".to_owned()),
                message,
            }]));
        }
        Ok(NativeRun { units, starts, total, records: Mutex::new(Vec::new()) })
    })
}
