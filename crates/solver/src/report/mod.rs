//! The layer above [`crate::solve`]: what every front end (the command line, a service, a
//! document) shows of a solution, shared so that they agree. Here the JSON report and its CSV
//! rows ([`Report`]); [`results`] the result files of batch runs and their fingerprints;
//! [`compare`] the metrics, bands and baselines of comparisons. Nothing here reads or writes
//! files or renders text: renderers live in the front ends.
//!
//! These types are the published contract (`spreiding solve --format json|csv`); they are built
//! from a [`Solution`] and kept apart from it so the internal types can change. Real numbers are
//! rounded to fixed decimals, so the bytes do not depend on the last bits of floating point.

use crate::allocate::minimum::MinimumRule;
use crate::model::{Commodity, Dataset, MunicipalityCode, PerCommodity, ProvinceCode};
use crate::solve::{BlockResult, MinimumChange, MinimumReport, Reason, Solution, Status};
use serde::Serialize;

pub mod compare;
pub mod results;

/// Decimals of the level (theta or lambda) in reports.
pub const LEVEL_DECIMALS: i32 = 9;
/// Decimals of a key in reports.
pub const KEY_DECIMALS: i32 = 9;
/// Decimals of an exact allocation in reports.
pub const EXACT_DECIMALS: i32 = 6;

/// Rounds to `decimals` decimals (and turns -0 into 0).
pub fn fixed(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The columns of a solution's municipality rows in tabular form (`spreiding solve --format
/// csv`, the Python package's `Solution.municipalities`): the [`MunicipalityRow`] fields with
/// the province's status and shortfall, in this order. A scenario that leaves places above
/// the task out adds `above_task` at the end; one with a minimum size then adds
/// [`MINIMUM_COLUMNS`].
pub const CSV_COLUMNS: [&str; 17] = [
    "code",
    "name",
    "province",
    "commodity",
    "indicative",
    "counted",
    "eligible",
    "key",
    "cap",
    "exact",
    "allocated",
    "beyond_cap",
    "obligation",
    "reason",
    "rounding",
    "province_status",
    "province_shortfall",
];

/// The columns a scenario with a minimum size (or step) adds at the end of the CSV rows: the
/// number without the minimum and how the minimum changed it.
pub const MINIMUM_COLUMNS: [&str; 2] = ["without_minimum", "minimum_change"];

/// The JSON report of a solved scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Cycle id.
    pub cycle: String,
    /// Counting date used.
    pub counting_date: String,
    /// Allocation mode.
    pub mode: String,
    /// What counted places above a municipality's task do: `ignored` or `effort` (MODEL.md
    /// 3.2a); left out when they are held (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub above_task: Option<String>,
    /// The minimum size and step per commodity (scenario settings `constraints.min_allocation_*`
    /// and `constraints.allocation_step`); left out when neither is set.
    #[serde(skip_serializing_if = "PerCommodity::is_none")]
    pub minimum: PerCommodity<Option<MinimumRule>>,
    /// Provinces per commodity.
    pub provinces: Vec<ProvinceRow>,
    /// Municipalities per commodity.
    pub municipalities: Vec<MunicipalityRow>,
}

/// One province and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceRow {
    /// Province code.
    pub code: ProvinceCode,
    /// Province name.
    pub name: String,
    /// regular | amv.
    pub commodity: Commodity,
    /// Provincial task.
    pub target: u32,
    /// Counted places.
    pub counted: u64,
    /// Of the counted places, those above their municipality's task that do not count
    /// towards the province's task (left out when 0).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub above_task: u64,
    /// Shortfall.
    pub shortfall: u32,
    /// Surplus above the target (reported, never moved).
    pub surplus: u64,
    /// Whole places allocated.
    pub allocated: u32,
    /// closes | allocated | infeasible.
    pub status: Status,
    /// Places that could not be allocated within the caps.
    pub missing: u32,
    /// Of those, the places assigned beyond the caps (scenario option `elastic`).
    pub beyond_cap: u32,
    /// theta (rest) or lambda (level), 9 decimals.
    pub level: Option<f64>,
    /// Eligible municipalities.
    pub eligible: u32,
    /// What the minimum size did (deviations 6 decimals); left out without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<MinimumReport>,
}

/// One municipality and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MunicipalityRow {
    /// Municipality code.
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Province code.
    pub province: ProvinceCode,
    /// regular | amv.
    pub commodity: Commodity,
    /// Indicative number.
    pub indicative: u32,
    /// Counted places.
    pub counted: u32,
    /// Of the counted places, those above its task that are not part of the obligation
    /// (left out when 0; with `above_task = "effort"` the places carried to the next cycle).
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub above_task: u32,
    /// Eligible for additional places.
    pub eligible: bool,
    /// Key, 9 decimals (0 when not eligible).
    pub key: f64,
    /// Cap in force (`null`: none).
    pub cap: Option<u32>,
    /// Exact allocation, 6 decimals.
    pub exact: f64,
    /// Whole places allocated within the cap.
    pub allocated: u32,
    /// Whole places assigned beyond the cap (scenario option `elastic`).
    pub beyond_cap: u32,
    /// Counted (less `above_task`) + allocated + beyond the cap.
    pub obligation: u32,
    /// Why (see [`Reason`]).
    pub reason: Reason,
    /// up | down | whole | none: the rounding step (to `without_minimum` when there is a
    /// minimum size).
    pub rounding: &'static str,
    /// The whole places without the minimum size (left out without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_minimum: Option<u32>,
    /// How the minimum size changed the number (left out without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_change: Option<MinimumChange>,
}

impl ProvinceRow {
    /// The row of a block of a solution on `dataset` (which names the province).
    pub fn new(dataset: &Dataset, b: &BlockResult) -> Self {
        ProvinceRow {
            code: b.code,
            name: dataset.provinces[b.province].name.clone(),
            commodity: b.commodity,
            target: b.target,
            counted: b.counted,
            above_task: b.above_task,
            shortfall: b.shortfall,
            surplus: b.surplus,
            allocated: b.allocated,
            status: b.status,
            missing: b.missing,
            beyond_cap: b.beyond_cap,
            level: b.level.map(|l| fixed(l, LEVEL_DECIMALS)),
            eligible: b.eligible,
            minimum: b.minimum.clone().map(|m| MinimumReport {
                deviation: fixed(m.deviation, EXACT_DECIMALS),
                max_deviation: fixed(m.max_deviation, EXACT_DECIMALS),
                ..m
            }),
        }
    }
}

impl Report {
    /// The report of a solution.
    pub fn new(dataset: &Dataset, solution: &Solution) -> Self {
        Report {
            scenario: solution.scenario.clone(),
            cycle: dataset.cycle.id.clone(),
            counting_date: solution.counting_date.to_string(),
            mode: solution.mode.as_str().to_owned(),
            above_task: (!solution.above_task.is_held()).then(|| solution.above_task.as_str().to_owned()),
            minimum: solution.minimum,
            provinces: solution.provinces.iter().map(|b| ProvinceRow::new(dataset, b)).collect(),
            municipalities: solution
                .municipalities
                .iter()
                .map(|m| MunicipalityRow {
                    code: m.code,
                    name: dataset.municipalities[m.municipality].name.clone(),
                    province: m.province,
                    commodity: m.commodity,
                    indicative: m.indicative,
                    counted: m.counted,
                    above_task: m.above_task,
                    eligible: m.standing.is_eligible(),
                    key: fixed(m.key.map_or(0.0, |k| k.key), KEY_DECIMALS),
                    cap: m.cap,
                    exact: fixed(m.exact, EXACT_DECIMALS),
                    allocated: m.allocated,
                    beyond_cap: m.beyond_cap,
                    obligation: m.obligation,
                    reason: m.reason,
                    rounding: match m.rounding {
                        None => "none",
                        Some(s) if s.up => "up",
                        Some(s) if s.rank.is_some() => "down",
                        Some(_) => "whole",
                    },
                    without_minimum: m.minimum.map(|e| e.without),
                    minimum_change: m.minimum.map(|e| e.change),
                })
                .collect(),
        }
    }
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}
