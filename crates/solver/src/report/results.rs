//! Result files of batch runs (`spreiding run`), read back by `spreiding compare`.
//!
//! A result file holds JSON lines: first a [`Header`] naming the municipalities the arrays
//! index, then one [`Record`] per scenario. Per-municipality arrays are flat, two entries per
//! municipality in header order: regular at 2i, AMV at 2i + 1.

use crate::model::sweep::Sweep;
use crate::model::{entries, entry, Commodity, Dataset, Scenario};
use crate::solve::{BlockResult, Reason, Solution, Status};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The format tag of result files written.
pub const FORMAT: &str = "spreiding-results/3";

/// Format tags read: version 1 had no fingerprint; versions 1 and 2 counted the places an
/// elastic scenario assigns beyond a cap in a municipality's `allocated` (version 3 keeps
/// `allocated` within the cap everywhere and records `beyond_cap` apart).
pub const FORMATS_READ: [&str; 3] = ["spreiding-results/1", "spreiding-results/2", FORMAT];

/// What the arrays of the records index, and what produced them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// [`FORMAT`].
    pub format: String,
    /// What produced the file (see [`fingerprint`]): `--resume` keeps a file only when it
    /// matches. Empty in files of format 1 and for scenarios that failed before solving.
    #[serde(default)]
    pub fingerprint: String,
    /// Cycle id of the data set.
    pub cycle: String,
    /// Municipalities in code order.
    pub municipalities: Vec<MunicipalityInfo>,
}

/// The fixed facts of a municipality, for comparisons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityInfo {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Province code.
    pub province: String,
    /// Inhabitants.
    pub population: u32,
    /// Indicative numbers, regular and AMV.
    pub indicative: [u32; 2],
}

impl Header {
    /// The header of result files on a data set, produced as `fingerprint` says.
    pub fn new(dataset: &Dataset, fingerprint: String) -> Self {
        Header {
            format: FORMAT.to_owned(),
            fingerprint,
            cycle: dataset.cycle.id.clone(),
            municipalities: dataset
                .municipalities
                .iter()
                .map(|m| MunicipalityInfo {
                    code: m.code.to_string(),
                    name: m.name.clone(),
                    province: dataset.provinces[m.province].code.to_string(),
                    population: m.population,
                    indicative: [m.indicative.regular, m.indicative.amv],
                })
                .collect(),
        }
    }
}

/// How a scenario ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioOutcome {
    /// Solved, every province's shortfall allocated.
    Ok,
    /// Solved, at least one province infeasible.
    Infeasible,
    /// Not solved: bad input or a solver error (see `error`).
    Failed,
}

impl ScenarioOutcome {
    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioOutcome::Ok => "ok",
            ScenarioOutcome::Infeasible => "infeasible",
            ScenarioOutcome::Failed => "failed",
        }
    }
}

/// One province and commodity's figures: the one province record of the project.
///
/// A result file's row (JSON lines and Parquet), the before and after of an objection
/// ([`crate::objection::BlockChange`]) and the comparison all hold this type. The report's
/// [`crate::report::ProvinceRow`] is this record with what a reader needs besides (the name,
/// the surplus, the level, the eligible count), in the report's field order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProvinceRecord {
    /// Province code.
    pub code: String,
    /// regular | amv.
    pub commodity: Commodity,
    /// Target.
    pub target: u32,
    /// Counted places.
    pub counted: u64,
    /// Shortfall.
    pub shortfall: u32,
    /// Whole places allocated.
    pub allocated: u32,
    /// Places that could not be allocated within the caps.
    pub missing: u32,
    /// Of the missing places, those an elastic scenario assigns beyond the caps (0 otherwise;
    /// left out of the file when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub beyond_cap: u32,
    /// closes | allocated | infeasible.
    pub status: Status,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ProvinceRecord {
    /// Places assigned at all: within the caps and beyond them.
    pub fn assigned(&self) -> u32 {
        self.allocated + self.beyond_cap
    }

    /// Places nobody was assigned: missing and not assigned beyond a cap.
    pub fn unassigned(&self) -> u32 {
        self.missing - self.beyond_cap
    }
}

/// A block's row in a result file (the compact form of [`crate::report::ProvinceRow`]).
impl From<&BlockResult> for ProvinceRecord {
    fn from(b: &BlockResult) -> Self {
        ProvinceRecord {
            code: b.code.to_string(),
            commodity: b.commodity,
            target: b.target,
            counted: b.counted,
            shortfall: b.shortfall,
            allocated: b.allocated,
            missing: b.missing,
            beyond_cap: b.beyond_cap,
            status: b.status,
        }
    }
}

/// The result of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Stable id.
    pub id: String,
    /// Parameters that generated it (empty for a scenario file).
    pub params: BTreeMap<String, String>,
    /// ok | infeasible | failed.
    pub outcome: ScenarioOutcome,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Provinces per commodity.
    #[serde(default)]
    pub provinces: Vec<ProvinceRecord>,
    /// Counted places, flat (2i regular, 2i + 1 AMV).
    #[serde(default)]
    pub counted: Vec<u32>,
    /// Whole places allocated within the caps, flat.
    #[serde(default)]
    pub allocated: Vec<u32>,
    /// Places an elastic scenario assigns beyond the caps, flat; empty (and left out of the
    /// file) when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub beyond_cap: Vec<u32>,
    /// Flat indices of the entries at their cap (reason capped or infeasible-capped).
    #[serde(default)]
    pub capped: Vec<u32>,
    /// Counted places above the municipality's task that are not part of its obligation
    /// (scenario setting `above_task` ignored or effort), flat; empty (and left out of the
    /// file) when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub above_task: Vec<u32>,
}

impl Record {
    /// Places assigned beyond the cap at flat entry `k` (0 when the record has none).
    pub fn beyond(&self, k: usize) -> u32 {
        self.beyond_cap.get(k).copied().unwrap_or(0)
    }

    /// Counted places at flat entry `k` that are not part of the obligation (0 when the record
    /// has none).
    pub fn above(&self, k: usize) -> u32 {
        self.above_task.get(k).copied().unwrap_or(0)
    }

    /// The obligation at flat entry `k`: counted places (less those above the task that the
    /// scenario leaves out), places allocated within the cap and places assigned beyond it.
    pub fn obligation(&self, k: usize) -> u64 {
        u64::from(self.counted[k]) - u64::from(self.above(k)) + u64::from(self.allocated[k]) + u64::from(self.beyond(k))
    }

    /// The record of a solved scenario.
    pub fn solved(id: String, params: BTreeMap<String, String>, solution: &Solution) -> Self {
        let n = solution.municipalities.len();
        let mut counted = vec![0; n];
        let mut allocated = vec![0; n];
        let mut beyond_cap = vec![0; n];
        let mut above_task = vec![0; n];
        let mut capped = Vec::new();
        for m in &solution.municipalities {
            let k = entry(m.municipality, m.commodity);
            counted[k] = m.counted;
            allocated[k] = m.allocated;
            beyond_cap[k] = m.beyond_cap;
            above_task[k] = m.above_task;
            if matches!(m.reason, Reason::Capped | Reason::InfeasibleCapped) {
                capped.push(u32::try_from(k).unwrap_or(u32::MAX));
            }
        }
        capped.sort_unstable();
        if beyond_cap.iter().all(|&b| b == 0) {
            beyond_cap.clear();
        }
        if above_task.iter().all(|&a| a == 0) {
            above_task.clear();
        }
        Record {
            id,
            params,
            outcome: if solution.any_infeasible() { ScenarioOutcome::Infeasible } else { ScenarioOutcome::Ok },
            error: None,
            provinces: solution.provinces.iter().map(ProvinceRecord::from).collect(),
            counted,
            allocated,
            beyond_cap,
            capped,
            above_task,
        }
    }

    /// The record of a scenario that could not be solved.
    pub fn failed(id: String, params: BTreeMap<String, String>, error: String) -> Self {
        Record {
            id,
            params,
            outcome: ScenarioOutcome::Failed,
            error: Some(error),
            provinces: Vec::new(),
            counted: Vec::new(),
            allocated: Vec::new(),
            beyond_cap: Vec::new(),
            capped: Vec::new(),
            above_task: Vec::new(),
        }
    }
}

/// The fingerprint of what produces a result file: SHA-256 over the program version, the data
/// set's content hash and the definition of the scenario or sweep after inheritance (its
/// settings and overrides, and for a sweep its grid and draws; not where they were written,
/// so moving the files changes nothing). Equal fingerprints mean equal results.
pub fn fingerprint(dataset: &Dataset, scenario: &Scenario, sweep: Option<&Sweep>) -> String {
    let mut overrides = serde_json::to_value(&scenario.overrides).unwrap_or_default();
    strip(&mut overrides, "origin");
    let definition = serde_json::json!({
        "program": env!("CARGO_PKG_VERSION"),
        "dataset": dataset.content_hash(),
        "name": scenario.name,
        "counting": crate::counting::CountingContext::settings(scenario, &crate::counting::CountingContext::new(dataset, scenario)),
        "allocation": scenario.allocation,
        "constraints": scenario.constraints,
        "overrides": overrides,
        "sweep": sweep.map(|s| serde_json::json!({
            "name": s.name,
            "grid": s.grid.iter().map(|a| (a.parameter.name(), a.values.iter().map(|v| v.value()).collect::<Vec<_>>())).collect::<Vec<_>>(),
            "random": s.random,
        })),
    });
    let mut h = Sha256::new();
    h.update(definition.to_string().as_bytes());
    crate::model::digest::hex(&h.finalize())
}

/// Removes every member named `key` from a JSON value, at any depth.
fn strip(v: &mut serde_json::Value, key: &str) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove(key);
            m.values_mut().for_each(|x| strip(x, key));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| strip(x, key)),
        _ => {}
    }
}

/// One line of a result file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Line {
    /// The first line.
    Header(Header),
    /// Every other line.
    Record(Box<Record>),
}

/// Serialises a result file: the header, then the records, one JSON document per line.
pub fn write_lines(header: &Header, records: &[Record]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096 * (records.len() + 4));
    // Serialising these plain types cannot fail.
    let _ = serde_json::to_writer(&mut out, header);
    out.push(b'\n');
    for r in records {
        let _ = serde_json::to_writer(&mut out, r);
        out.push(b'\n');
    }
    out
}

/// Why a result file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ReadError {
    /// The file.
    pub file: String,
    /// Line (1-based).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads a result file's text: its header and records.
pub fn read_lines(file: &str, text: &str) -> Result<(Header, Vec<Record>), ReadError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let err = |line: usize, message: String| ReadError { file: file.to_owned(), line: line + 1, message };
    let (i, first) = lines.next().ok_or_else(|| err(0, "empty result file".to_owned()))?;
    let header: Header = serde_json::from_str(first).map_err(|e| err(i, format!("not a result header: {e}")))?;
    if !FORMATS_READ.contains(&header.format.as_str()) {
        return Err(err(i, format!("format `{}`; this program reads {}", header.format, FORMATS_READ.join(" and "))));
    }
    let n = entries(header.municipalities.len());
    let mut records = Vec::new();
    for (i, l) in lines {
        let r: Record = serde_json::from_str(l).map_err(|e| err(i, format!("not a result record: {e}")))?;
        if r.outcome != ScenarioOutcome::Failed && (r.allocated.len() != n || r.counted.len() != n) {
            return Err(err(
                i,
                format!(
                    "record {} has {} counted and {} allocated entries; the header's municipalities make {n}",
                    r.id,
                    r.counted.len(),
                    r.allocated.len()
                ),
            ));
        }
        if !r.beyond_cap.is_empty() && r.beyond_cap.len() != n {
            return Err(err(
                i,
                format!(
                    "record {} has {} beyond_cap entries; the header's municipalities make {n}",
                    r.id,
                    r.beyond_cap.len()
                ),
            ));
        }
        if r.capped.iter().any(|&k| k as usize >= n) {
            return Err(err(i, format!("record {} marks an entry beyond the header's {n} as capped", r.id)));
        }
        records.push(r);
    }
    Ok((header, records))
}
