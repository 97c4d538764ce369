//! The results of a solve as plain data: per province and commodity ([`BlockResult`]), per
//! municipality and commodity ([`MunicipalityResult`]), the whole [`Solution`]; and what a
//! solve reads besides the data set ([`SolveInputs`]).

use crate::allocate;
use crate::allocate::minimum::{MinimumPath, MinimumRule};
use crate::counting::{counted_places, CountingContext};
use crate::keys::{Key, KeySums, Standing};
use crate::model::{
    AboveTask, AllocationMode, Commodity, Dataset, Date, MunicipalityCode, PerCommodity, ProvinceCode, Scenario,
};
use crate::round::Step;
use serde::Serialize;

/// Whether a province's report closes for a commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProvinceStatus))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Counted places reach the target: nothing to allocate.
    Closes,
    /// The shortfall is allocated in full.
    Allocated,
    /// The caps (or constraints) cannot take the whole shortfall: `missing` places remain.
    Infeasible,
}

impl Status {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Closes => "closes",
            Status::Allocated => "allocated",
            Status::Infeasible => "infeasible",
        }
    }
}

/// Where a municipality's cap on additional places comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CapSource {
    /// The feasibility data (`max_additional_*`).
    Feasibility,
    /// The scenario's maximum per 1,000 inhabitants (tighter than the feasibility cap).
    PerThousand,
}

/// The reason for a municipality's result (MODEL.md P9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Excluded from additional places.
    Excluded,
    /// Not eligible: counted places reach its indicative number.
    Ineligible,
    /// The province's report closes: no additional places for anyone.
    ProvinceCloses,
    /// Eligible, but its key is 0 (only possible with effort/feasibility weights).
    ZeroKey,
    /// At the province's level (theta or lambda), below its cap.
    Interior,
    /// At its cap, below the level.
    Capped,
    /// Its counted places lie above the level (mode level): nothing additional.
    AboveLevel,
    /// Held below the level by the COROP balance constraint.
    Limited,
    /// Infeasible province: its full cap.
    InfeasibleCapped,
}

impl Reason {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Excluded => "excluded",
            Reason::Ineligible => "ineligible",
            Reason::ProvinceCloses => "province-closes",
            Reason::ZeroKey => "zero-key",
            Reason::Interior => "interior",
            Reason::Capped => "capped",
            Reason::AboveLevel => "above-level",
            Reason::Limited => "limited",
            Reason::InfeasibleCapped => "infeasible-capped",
        }
    }
}

/// What the minimum size (and step) did to a province and commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum MinimumOutcome {
    /// The shortfall is allocated with every municipality at 0 or at least the minimum.
    Met,
    /// No allocation with the minimum makes the shortfall: the largest total it allows is
    /// allocated, the rest is missing (fallback `infeasible`).
    Infeasible,
    /// No allocation with the minimum makes the shortfall: the rounded continuous allocation,
    /// without the minimum (fallback `continuous`).
    Continuous,
}

impl MinimumOutcome {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumOutcome::Met => "met",
            MinimumOutcome::Infeasible => "infeasible",
            MinimumOutcome::Continuous => "continuous",
        }
    }
}

/// The minimum size of a province and commodity (scenario settings
/// `constraints.min_allocation_*` and `constraints.allocation_step`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinimumReport {
    /// The minimum (0: only a step).
    pub min: u32,
    /// The step (1: any whole number).
    pub step: u32,
    /// Met, infeasible or continuous.
    pub outcome: MinimumOutcome,
    /// How the allocation was found: `combinatorial` or `mip`.
    pub path: MinimumPath,
    /// False when the MIP stopped at its time limit (the best allocation found, not proven
    /// the closest).
    pub optimal: bool,
    /// Total absolute deviation of the allocation from the exact (continuous) one, in places.
    pub deviation: f64,
    /// The largest deviation of one municipality, in places.
    pub max_deviation: f64,
    /// The largest total the minimum allows (the shortfall when met).
    pub reachable: u32,
    /// The municipality that takes the remainder of a shortfall that is not a whole number of
    /// steps.
    pub carrier: Option<MunicipalityCode>,
    /// Municipalities whose number the minimum changed.
    pub changed: u32,
}

/// How the minimum size changed a municipality's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum MinimumChange {
    /// The same number as without the minimum.
    Unchanged,
    /// Without the minimum it would have received fewer places than the minimum (or not a
    /// whole number of steps); now nothing.
    Dropped,
    /// Without the minimum it would have received fewer places than the minimum; now at least
    /// the minimum.
    Raised,
    /// More than without the minimum: it takes over places that others no longer receive.
    Absorbed,
    /// Fewer than without the minimum, but still places: it makes room for others raised to the
    /// minimum (or for whole steps).
    Reduced,
}

impl MinimumChange {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumChange::Unchanged => "unchanged",
            MinimumChange::Dropped => "dropped",
            MinimumChange::Raised => "raised",
            MinimumChange::Absorbed => "absorbed",
            MinimumChange::Reduced => "reduced",
        }
    }

    /// The change from `without` (the rounding without the minimum) to `with`.
    pub fn of(without: u32, with: u32, min: u32) -> Self {
        if with == without {
            MinimumChange::Unchanged
        } else if with == 0 {
            MinimumChange::Dropped
        } else if without < min.max(1) {
            MinimumChange::Raised
        } else if with > without {
            MinimumChange::Absorbed
        } else {
            MinimumChange::Reduced
        }
    }
}

/// A municipality's number with and without the minimum size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinimumEffect {
    /// The whole places the rounding gives without the minimum.
    pub without: u32,
    /// How the minimum changed it.
    pub change: MinimumChange,
}

/// One province and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockResult {
    /// Index in [`Dataset::provinces`].
    #[serde(skip)]
    pub province: usize,
    /// Province code.
    pub code: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// Provincial task R_p.
    pub target: u32,
    /// Sum of counted places.
    pub counted: u64,
    /// Of the counted places, those above their municipality's task that do not count towards
    /// the province's task (scenario setting `above_task` ignored or effort; 0 when held, and
    /// then left out of the serialised form).
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub above_task: u64,
    /// S_p = max(0, R_p - (counted - above_task)).
    pub shortfall: u32,
    /// Places counting towards the task above the target (reported, never moved).
    pub surplus: u64,
    /// Whole places allocated (S_p, or S_p - missing when infeasible).
    pub allocated: u32,
    /// Closes, allocated or infeasible.
    pub status: Status,
    /// Places the caps/constraints could not take (rounded up).
    pub missing: u32,
    /// Of the missing places, those assigned anyway beyond the caps (scenario option
    /// `elastic`): 0 or `missing`, less the places a minimum size cannot make (those stay
    /// missing).
    pub beyond_cap: u32,
    /// theta (rest) or lambda (level); `None` when nothing was spread at a level.
    pub level: Option<f64>,
    /// Eligible municipalities.
    pub eligible: u32,
    /// Eligible municipalities with a positive key (those that can receive places).
    pub receiving_candidates: u32,
    /// Sums of I, E and F over the eligible municipalities (denominators of the key).
    pub key_sums: KeySums,
    /// Linear programmes solved for this block (0: closed form or nothing to solve).
    pub lp_solves: u32,
    /// The minimum size, when the scenario sets one (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<MinimumReport>,
}

/// One municipality and commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MunicipalityResult {
    /// Index in [`Dataset::municipalities`].
    #[serde(skip)]
    pub municipality: usize,
    /// Code.
    pub code: MunicipalityCode,
    /// Province code.
    pub province: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// Indicative number I_m.
    pub indicative: u32,
    /// Counted places C_m.
    pub counted: u32,
    /// Eligibility.
    pub standing: Standing,
    /// Key with components (eligible municipalities only).
    pub key: Option<Key>,
    /// Relative effort r_m.
    pub relative_effort: f64,
    /// Cap on additional places in force (`None`: no cap).
    pub cap: Option<u32>,
    /// Where the cap comes from.
    pub cap_source: Option<CapSource>,
    /// Exact (real-valued) allocation x_m.
    pub exact: f64,
    /// Whole places allocated within the cap.
    pub allocated: u32,
    /// Whole places assigned beyond the cap in an infeasible province (scenario option
    /// `elastic`).
    pub beyond_cap: u32,
    /// Of the counted places, those above its task (the indicative number) that neither count
    /// towards the province's task nor belong to the obligation (scenario setting `above_task`
    /// ignored or effort; with effort, the places carried to the next cycle as effort). 0 when
    /// held, and then left out of the serialised form.
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub above_task: u32,
    /// Counted places (less `above_task`) plus allocated places plus places beyond the cap.
    pub obligation: u32,
    /// Why.
    pub reason: Reason,
    /// The rounding step (members of an allocated block only). With a minimum size it rounds
    /// to the number without the minimum (`minimum.without`).
    pub rounding: Option<Step>,
    /// The number without the minimum size and how the minimum changed it (members of a
    /// block with a minimum; left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<MinimumEffect>,
}

/// The result of a scenario on a data set.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Solution {
    /// Scenario name.
    pub scenario: String,
    /// Counting date used.
    pub counting_date: Date,
    /// Allocation mode.
    pub mode: AllocationMode,
    /// What counted places above a municipality's task do (left out when held).
    #[serde(skip_serializing_if = "AboveTask::is_held")]
    pub above_task: AboveTask,
    /// The minimum size and step per commodity (left out when neither is set).
    #[serde(skip_serializing_if = "PerCommodity::is_none")]
    pub minimum: PerCommodity<Option<MinimumRule>>,
    /// Blocks, by province code then commodity (regular first).
    pub provinces: Vec<BlockResult>,
    /// Municipalities, by code then commodity (regular first).
    pub municipalities: Vec<MunicipalityResult>,
}

impl Solution {
    /// True when some province could not be given its whole shortfall.
    pub fn any_infeasible(&self) -> bool {
        self.provinces.iter().any(|p| p.status == Status::Infeasible)
    }

    /// The result of one municipality and commodity.
    pub fn municipality(&self, code: &MunicipalityCode, commodity: Commodity) -> Option<&MunicipalityResult> {
        self.municipalities.iter().find(|m| &m.code == code && m.commodity == commodity)
    }

    /// What a reader of the results must be told besides them: provinces whose caps cannot take
    /// the shortfall, and provinces where the minimum size could not be met.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.provinces {
            let minimum_short = p.minimum.as_ref().is_some_and(|m| m.outcome != MinimumOutcome::Met);
            if p.missing > 0 && !minimum_short {
                out.push(if p.beyond_cap > 0 {
                    format!(
                        "{} {}: the caps cannot take the shortfall; {} places assigned beyond the caps (elastic)",
                        p.code, p.commodity, p.beyond_cap
                    )
                } else {
                    format!(
                        "{} {}: the caps cannot take the shortfall; {} places missing",
                        p.code, p.commodity, p.missing
                    )
                });
            }
            if let Some(m) = &p.minimum {
                match m.outcome {
                    MinimumOutcome::Met => {}
                    MinimumOutcome::Infeasible => out.push(format!(
                        "{} {}: no allocation with the minimum of {} places makes the shortfall of {}; {} allocated, {} missing",
                        p.code, p.commodity, m.min, p.shortfall, p.allocated, p.missing
                    )),
                    MinimumOutcome::Continuous => out.push(format!(
                        "{} {}: no allocation with the minimum of {} places makes the shortfall of {}; the allocation without the minimum is used (minimum_fallback = \"continuous\")",
                        p.code, p.commodity, m.min, p.shortfall
                    )),
                }
                if !m.optimal {
                    out.push(format!(
                        "{} {}: the minimum-size MIP stopped at its time limit; the allocation is the best found, not proven the closest",
                        p.code, p.commodity
                    ));
                }
            }
        }
        out
    }

    /// The block of a province and commodity.
    pub fn block(&self, province: &ProvinceCode, commodity: Commodity) -> Option<&BlockResult> {
        self.provinces.iter().find(|p| &p.code == province && p.commodity == commodity)
    }
}

/// The allocation LP failed for a block (a bug or numerical breakdown, not an input problem).
///
/// Its text holds the LP's error, which is therefore not also its `source()`: an error chain
/// printed whole (anyhow's `{:#}`) says it once.
#[derive(Debug, thiserror::Error)]
#[error("allocation of {province} {commodity} failed: {error}")]
pub struct SolveError {
    /// Province.
    pub province: ProvinceCode,
    /// Commodity.
    pub commodity: Commodity,
    /// The LP's error.
    pub error: allocate::LpError,
}

/// The per-municipality numbers a solve reads besides the data set's fixed facts: counted
/// places (from the locations and the counting rules) and caps on additional places. A sweep
/// perturbs these without copying the data set.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveInputs {
    /// Counted places C_m per municipality (by index) and commodity.
    pub counted: Vec<PerCommodity<u32>>,
    /// Caps on additional places from the feasibility data, per municipality and commodity.
    pub caps: Vec<PerCommodity<u32>>,
}

impl SolveInputs {
    /// The inputs of a scenario on a data set, unperturbed.
    pub fn new(dataset: &Dataset, scenario: &Scenario) -> Self {
        let ctx = CountingContext::new(dataset, scenario);
        SolveInputs {
            counted: counted_places(dataset, &ctx),
            caps: dataset.municipalities.iter().map(|m| m.cap).collect(),
        }
    }
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}
