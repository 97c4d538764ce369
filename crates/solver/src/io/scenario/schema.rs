//! Scenario files as written (TOML): every setting optional, so that files can be merged along
//! `extends`; the model types are built from them by the parent module.

use crate::model::{AboveTask, AllocationMode, Eligibility, LocationAction, LocationStatus, Method, MinimumFallback};
use serde::Deserialize;
use toml::Spanned;

/// A scenario file as written. Every setting is optional here, so that files can be merged;
/// [`parse_scenario`] fills in defaults and checks that `name` and `dataset` are present.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// A scenario file this one builds on (relative to this file); its settings apply unless
    /// this file sets them, its overrides come before this file's.
    pub extends: Option<Spanned<String>>,
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
    /// `[[overrides.*]]`: changes to the data set.
    #[serde(default)]
    pub overrides: OverridesFile,
}

/// `[overrides]` as written: arrays of tables.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverridesFile {
    /// `[[overrides.municipalities]]`.
    #[serde(default)]
    pub municipalities: Vec<Spanned<MunicipalityOverrideFile>>,
    /// `[[overrides.locations]]`.
    #[serde(default)]
    pub locations: Vec<Spanned<LocationOverrideFile>>,
    /// `[[overrides.provinces]]`.
    #[serde(default)]
    pub provinces: Vec<Spanned<ProvinceOverrideFile>>,
    /// `[[overrides.effort]]`.
    #[serde(default)]
    pub effort: Vec<Spanned<EffortOverrideFile>>,
}

/// `[[overrides.effort]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffortOverrideFile {
    /// Municipality code.
    pub municipality: String,
    /// The year corrected.
    pub year: u32,
    /// The average number of occupied places that year.
    pub avg_occupied_places: f64,
}

/// `[[overrides.municipalities]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityOverrideFile {
    /// Municipality code.
    pub code: String,
    /// New cap on additional regular places.
    pub max_additional_regular: Option<u32>,
    /// New cap on additional AMV places.
    pub max_additional_amv: Option<u32>,
    /// New feasibility score.
    pub score: Option<f64>,
    /// `true` excludes (give `exclusion_reason`), `false` lifts an exclusion.
    pub excluded: Option<bool>,
    /// Reason of an exclusion.
    pub exclusion_reason: Option<String>,
}

/// `[[overrides.locations]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationOverrideFile {
    /// add | remove | change (default change).
    pub action: Option<LocationAction>,
    /// Location id.
    pub location_id: String,
    /// Municipality whose share it is.
    pub municipality: String,
    /// Regular places.
    pub places_regular: Option<u32>,
    /// AMV places.
    pub places_amv: Option<u32>,
    /// existing | planned | intention.
    pub status: Option<LocationStatus>,
    /// Opening date.
    pub opens: Option<toml::value::Datetime>,
    /// Closing date.
    pub closes: Option<toml::value::Datetime>,
    /// `true`: no closing date.
    pub open_ended: Option<bool>,
    /// Bridging reception until opening.
    pub bridging: Option<bool>,
    /// Whole location's capacity.
    pub location_total: Option<u32>,
}

/// `[[overrides.provinces]]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceOverrideFile {
    /// Province code.
    pub code: String,
    /// New regular target.
    pub target_regular: Option<u32>,
    /// New AMV target.
    pub target_amv: Option<u32>,
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
    /// Available until.
    pub available_until: Option<Spanned<toml::value::Datetime>>,
    /// Smallest location that counts.
    pub min_location_places: Option<u32>,
    /// Shortest availability from the counting date, in years.
    pub min_years: Option<Spanned<u32>>,
}

/// `[allocation]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationFile {
    /// rest | level.
    pub mode: Option<AllocationMode>,
    /// all | below-indicative.
    pub eligibility: Option<Eligibility>,
    /// Caps on.
    pub caps: Option<bool>,
    /// lp | auto.
    pub method: Option<Method>,
    /// Assign the missing places of an infeasible province beyond the caps.
    pub elastic: Option<bool>,
    /// held | ignored | effort.
    pub above_task: Option<AboveTask>,
    /// `[allocation.weights]`.
    #[serde(default)]
    pub weights: WeightsFile,
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
    /// Smallest additional regular allocation (0 or at least this).
    pub min_allocation_regular: Option<Spanned<i64>>,
    /// Smallest additional AMV allocation (0 or at least this).
    pub min_allocation_amv: Option<Spanned<i64>>,
    /// Additional places in multiples of this.
    pub allocation_step: Option<Spanned<i64>>,
    /// What a province gets when the minimum cannot make its shortfall.
    pub minimum_fallback: Option<MinimumFallback>,
    /// Seconds per stage of the minimum-size MIP.
    pub mip_time_limit: Option<Spanned<f64>>,
}
