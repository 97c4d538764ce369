//! The explanation of one municipality's number, as data ([`Explanation`]) and as Dutch text
//! ([`dutch::render`]) complete enough to quote in a verdeelbesluit.
//!
//! The explanation is assembled from the data set, the scenario and the solution; it recomputes
//! nothing of the allocation, only the per-location counting verdicts.

pub mod dutch;

use crate::counting::{verdict, CountingContext, Verdict};
use crate::keys::{Key, Standing};
use crate::model::{
    AllocationMode, Commodity, Dataset, Date, IndicativeSource, LocationStatus, MunicipalityCode, ProvinceCode,
    Scenario, Weights,
};
use crate::solve::{BlockResult, MunicipalityResult, Solution};
use serde::Serialize;

/// The municipality's own inputs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MunicipalityInputs {
    /// Inhabitants.
    pub population: u32,
    /// Indicative number for the commodity.
    pub indicative: u32,
    /// Published or reconstructed.
    pub indicative_source: IndicativeSource,
    /// Sum of the average occupied places over the effort years.
    pub effort_places: f64,
    /// Number of effort years.
    pub effort_years: u32,
    /// National occupied places per inhabitant over the same years.
    pub national_effort_ratio: f64,
    /// Relative effort r_m.
    pub relative_effort: f64,
    /// Cap on additional places in the feasibility data.
    pub cap_data: u32,
    /// Feasibility score.
    pub feasibility_score: f64,
    /// Reason given with the feasibility data.
    pub feasibility_reason: String,
    /// Exclusion reason, if excluded.
    pub excluded: Option<String>,
}

/// One reported location of the municipality and whether it counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationLine {
    /// Location id.
    pub location_id: String,
    /// `file:line` of the row.
    pub source: String,
    /// Places of the commodity in this municipality's share.
    pub places: u32,
    /// Firmness.
    pub status: LocationStatus,
    /// Opening date.
    pub opens: Date,
    /// Closing date.
    pub closes: Option<Date>,
    /// Bridging reception until opening.
    pub bridging: bool,
    /// Whole location's capacity.
    pub location_total: u32,
    /// Other municipalities sharing the location.
    pub shared_with: Vec<MunicipalityCode>,
    /// Which counting rule decided.
    pub verdict: Verdict,
}

/// The counting of the municipality's places.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counting {
    /// Counting date.
    pub counting_date: Date,
    /// End of the cycle.
    pub cycle_end: Date,
    /// Intentions counted.
    pub count_intentions: bool,
    /// Bridging rule applied.
    pub require_bridging: bool,
    /// A place must stay available until this day.
    pub available_until: Date,
    /// Smallest location that counts (0: no minimum).
    pub min_location_places: u32,
    /// Years from the counting date a location must be available (0: no minimum).
    pub min_years: u32,
    /// The locations with places of the commodity.
    pub locations: Vec<LocationLine>,
    /// Counted places.
    pub counted: u32,
}

/// Everything behind one municipality's number for one commodity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// Scenario name.
    pub scenario: String,
    /// Cycle id.
    pub cycle: String,
    /// Municipality code.
    pub code: MunicipalityCode,
    /// Municipality name.
    pub name: String,
    /// Province code.
    pub province: ProvinceCode,
    /// Province name.
    pub province_name: String,
    /// The province's target was set by the scenario (an override), not by the data set.
    pub target_set_by_scenario: bool,
    /// Commodity.
    pub commodity: Commodity,
    /// Allocation mode.
    pub mode: AllocationMode,
    /// Eligibility rule name.
    pub eligibility_rule: String,
    /// Caps enforced.
    pub caps_enforced: bool,
    /// What counted places above a municipality's task do (left out when held).
    #[serde(skip_serializing_if = "crate::model::AboveTask::is_held")]
    pub above_task: crate::model::AboveTask,
    /// Normalised weights.
    pub weights: Weights,
    /// COROP balance share in force.
    pub corop_max_share: Option<f64>,
    /// The municipality's COROP region.
    pub corop: crate::model::CoropCode,
    /// Exact allocation of the region's municipalities together (this province and commodity).
    pub corop_allocated: f64,
    /// Own inputs.
    pub inputs: MunicipalityInputs,
    /// Counting.
    pub counting: Counting,
    /// Eligibility.
    pub standing: Standing,
    /// Key and components.
    pub key: Option<Key>,
    /// The province's block.
    pub block: BlockResult,
    /// The municipality's result.
    pub result: MunicipalityResult,
    /// Counterfactuals, when asked for ([`crate::whatif::what_if`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what_if: Option<crate::whatif::WhatIf>,
    /// How the indicative number follows from the cycle's rules (`None` when the cycle states
    /// none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicative: Option<IndicativeDerivation>,
    /// With a minimum size: the municipalities of the province (this commodity) whose number
    /// the minimum changed, in code order (left out without a minimum).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub minimum_changes: Vec<MinimumLine>,
}

/// A municipality whose number a minimum size changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinimumLine {
    /// Municipality code.
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Whole places without the minimum.
    pub without: u32,
    /// Whole places with it.
    pub allocated: u32,
    /// How it changed.
    pub change: crate::solve::MinimumChange,
}

/// The derivation of a municipality's indicative number from the cycle's rules
/// ([`crate::indicative`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicativeDerivation {
    /// The correction as a formula.
    pub formula: String,
    /// National or per province.
    pub scope: crate::model::Scope,
    /// The municipality's row: score, factor, weight, quota, remainder, AMV part.
    pub row: crate::indicative::IndicativeRow,
    /// The data set's indicative number (this commodity) equals the computed one; `false`
    /// when a scenario or the data set set it otherwise.
    pub matches: bool,
}

/// Why a number cannot be explained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// The municipality is not in the data set.
    #[error("unknown municipality {0}: it is not in the data set")]
    UnknownMunicipality(MunicipalityCode),
    /// The solution has no result for it (it was solved on another data set).
    #[error("the solution has no result for {code} {commodity}; explain a solution of this data set")]
    NotInSolution {
        /// The municipality.
        code: MunicipalityCode,
        /// The commodity.
        commodity: Commodity,
    },
}

/// The explanation of `code`'s number for `commodity` in `solution` (a solution of `scenario`
/// on `dataset`).
pub fn explain(
    dataset: &Dataset,
    scenario: &Scenario,
    solution: &Solution,
    code: &MunicipalityCode,
    commodity: Commodity,
) -> Result<Explanation, ExplainError> {
    let i = dataset.municipality_index(code).ok_or(ExplainError::UnknownMunicipality(*code))?;
    let m = &dataset.municipalities[i];
    let province = &dataset.provinces[m.province];
    let not_solved = || ExplainError::NotInSolution { code: *code, commodity };
    let result = solution.municipality(code, commodity).ok_or_else(not_solved)?.clone();
    let block = solution.block(&province.code, commodity).ok_or_else(not_solved)?.clone();
    let ctx = CountingContext::new(dataset, scenario);
    let indicative = crate::indicative::compute(dataset, crate::indicative::Forecast::default()).ok().and_then(|d| {
        let (formula, scope) = (d.correction, d.scope);
        d.municipalities.into_iter().nth(i).map(|row| IndicativeDerivation {
            matches: m.indicative.of(commodity) == if commodity == Commodity::Amv { row.amv } else { row.regular },
            formula,
            scope,
            row,
        })
    });
    let locations = dataset
        .locations
        .iter()
        .filter(|l| l.municipality == i && l.places.of(commodity) > 0)
        .map(|l| LocationLine {
            location_id: l.location_id.clone(),
            source: l.source.clone(),
            places: l.places.of(commodity),
            status: l.status,
            opens: l.opens,
            closes: l.closes,
            bridging: l.bridging,
            location_total: l.location_total,
            shared_with: dataset
                .locations
                .iter()
                .filter(|o| o.location_id == l.location_id && o.municipality != i)
                .map(|o| dataset.municipalities[o.municipality].code)
                .collect(),
            verdict: verdict(l, &ctx),
        })
        .collect();
    Ok(Explanation {
        scenario: scenario.name.clone(),
        cycle: dataset.cycle.id.clone(),
        code: m.code,
        name: m.name.clone(),
        province: province.code,
        province_name: province.name.clone(),
        target_set_by_scenario: province.target_set_by_scenario,
        commodity,
        mode: scenario.allocation.mode,
        eligibility_rule: scenario.allocation.eligibility.as_str().to_owned(),
        caps_enforced: scenario.allocation.caps,
        above_task: scenario.allocation.above_task,
        weights: scenario.allocation.weights.normalised(),
        corop_max_share: scenario.constraints.corop_max_share,
        corop: m.corop,
        corop_allocated: solution
            .municipalities
            .iter()
            .filter(|r| r.commodity == commodity && dataset.municipalities[r.municipality].corop == m.corop)
            .map(|r| r.exact)
            .sum(),
        inputs: MunicipalityInputs {
            population: m.population,
            indicative: m.indicative.of(commodity),
            indicative_source: m.indicative_source,
            effort_places: m.effort_places,
            effort_years: m.effort_years,
            national_effort_ratio: dataset.national_effort_ratio,
            relative_effort: dataset.relative_effort(i),
            cap_data: m.cap.of(commodity),
            feasibility_score: m.feasibility_score,
            feasibility_reason: m.feasibility_reason.clone(),
            excluded: m.excluded.clone(),
        },
        counting: Counting {
            counting_date: ctx.counting_date,
            cycle_end: ctx.cycle_end,
            count_intentions: ctx.count_intentions,
            require_bridging: ctx.require_bridging,
            available_until: ctx.available_until,
            min_location_places: ctx.min_location_places,
            min_years: ctx.min_years,
            locations,
            counted: result.counted,
        },
        standing: result.standing.clone(),
        key: result.key,
        block,
        result,
        what_if: None,
        indicative,
        minimum_changes: solution
            .municipalities
            .iter()
            .filter(|r| r.province == province.code && r.commodity == commodity)
            .filter_map(|r| {
                let e = r.minimum?;
                (e.change != crate::solve::MinimumChange::Unchanged).then(|| MinimumLine {
                    code: r.code,
                    name: dataset.municipalities[r.municipality].name.clone(),
                    without: e.without,
                    allocated: r.allocated,
                    change: e.change,
                })
            })
            .collect(),
    })
}
