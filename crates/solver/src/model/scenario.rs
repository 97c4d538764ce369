//! A validated scenario: the policy choices of one run (counting rules, mode, weights, constraints).

use super::{Commodity, Date, LocationStatus, MunicipalityCode, PerCommodity, ProvinceCode};
use serde::{Deserialize, Serialize};

/// Which counting rules the scenario sets (MODEL.md 3.1); `None` takes the cycle's rule
/// (`cycle.toml`, see [`crate::model::CycleCounting`]). `counting::CountingContext::new`
/// resolves them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CountingRules {
    /// Intentions (places without a firm decision) count as places.
    pub count_intentions: Option<bool>,
    /// A location opening after the counting date counts only with bridging reception.
    pub require_bridging: Option<bool>,
    /// Counting date.
    pub counting_date: Option<Date>,
    /// A place must stay available until this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_until: Option<Date>,
    /// A location with fewer places counts for nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_location_places: Option<u32>,
    /// A location must be available at least this many years from the counting date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_years: Option<u32>,
}

/// How the shortfall is spread (MODEL.md 3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AllocationMode {
    /// x_m = min(U_m, theta * key_m): the shortfall pro rata to the key (December 2024 practice).
    Rest,
    /// x_m = clamp(lambda * key_m * R_p - C_m, 0, U_m): equal fill towards the key share of the task.
    Level,
}

impl AllocationMode {
    /// Name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            AllocationMode::Rest => "rest",
            AllocationMode::Level => "level",
        }
    }
}

/// Who may receive additional places (MODEL.md 3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Eligibility {
    /// Every municipality that is not excluded.
    All,
    /// Not excluded, and counted places below the indicative number.
    BelowIndicative,
}

impl Eligibility {
    /// Name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Eligibility::All => "all",
            Eligibility::BelowIndicative => "below-indicative",
        }
    }
}

/// What the places a municipality counts above its task (its indicative number) do (issue 22:
/// the minutes of 20 September 2024 leave it open). MODEL.md 3.2a.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum AboveTask {
    /// They count towards the province's task (the other municipalities need do less) and the
    /// decision holds the municipality to them: its obligation is all its counted places plus
    /// its allocation. The practice of December 2024, and the default.
    #[default]
    Held,
    /// They are left out: they do not lower the province's shortfall and are not part of the
    /// obligation (counted places min(C_m, I_m) plus the allocation).
    Ignored,
    /// As `ignored` in this cycle, and carried to the next cycle as effort (reported per
    /// municipality as `above_task`, to be added to the next cycle's effort years).
    Effort,
}

impl AboveTask {
    /// Name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            AboveTask::Held => "held",
            AboveTask::Ignored => "ignored",
            AboveTask::Effort => "effort",
        }
    }

    /// True for the default (left out of serialised settings, so that fingerprints of
    /// scenarios that do not set it stay as they were).
    pub fn is_held(&self) -> bool {
        *self == AboveTask::Held
    }

    /// The places of `counted` that count towards the task of a municipality with indicative
    /// number `indicative`: all of them when held, at most the indicative number otherwise.
    pub fn towards_task(self, counted: u32, indicative: u32) -> u32 {
        match self {
            AboveTask::Held => counted,
            AboveTask::Ignored | AboveTask::Effort => counted.min(indicative),
        }
    }
}

/// How the allocation of a block is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Always the linear programme (HiGHS), also for blocks the closed form could answer.
    Lp,
    /// The closed form where a block has no constraint beyond MODEL.md's, the LP otherwise.
    Auto,
}

impl Method {
    /// Name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Lp => "lp",
            Method::Auto => "auto",
        }
    }
}

/// Weights of the three distribution keys (MODEL.md 3.5); not yet normalised.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Weights {
    /// Weight of the indicative share.
    pub indicative: f64,
    /// Weight of the effort-corrected share.
    pub effort: f64,
    /// Weight of the feasibility share.
    pub feasibility: f64,
}

impl Weights {
    /// The weights divided by their sum (validation guarantees a positive sum).
    pub fn normalised(&self) -> Weights {
        let sum = self.indicative + self.effort + self.feasibility;
        Weights { indicative: self.indicative / sum, effort: self.effort / sum, feasibility: self.feasibility / sum }
    }
}

impl Default for Weights {
    fn default() -> Self {
        Self { indicative: 1.0, effort: 0.0, feasibility: 0.0 }
    }
}

/// Allocation choices.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AllocationRules {
    /// rest or level.
    pub mode: AllocationMode,
    /// Who may receive places.
    pub eligibility: Eligibility,
    /// Whether the feasibility caps bound the additional places.
    pub caps: bool,
    /// Key weights.
    pub weights: Weights,
    /// LP always, or closed form where it answers exactly.
    pub method: Method,
    /// In an infeasible province, assign the places the caps cannot take anyway, beyond the
    /// caps, pro rata to the key (reported apart as `beyond_cap`).
    pub elastic: bool,
    /// What counted places above a municipality's task do.
    #[serde(skip_serializing_if = "AboveTask::is_held")]
    pub above_task: AboveTask,
}

impl Default for AllocationRules {
    fn default() -> Self {
        Self {
            mode: AllocationMode::Rest,
            eligibility: Eligibility::BelowIndicative,
            caps: true,
            weights: Weights::default(),
            method: Method::Auto,
            elastic: false,
            above_task: AboveTask::Held,
        }
    }
}

/// What a province gets when no allocation with the minimum size (and step) makes its
/// shortfall (docs/MODEL.md, "Minimum sizes").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum MinimumFallback {
    /// The largest total the minimum allows is allocated; the province is reported infeasible
    /// with the rest as missing (the default).
    #[default]
    Infeasible,
    /// The province gets the rounded continuous allocation, without the minimum, with a
    /// warning.
    Continuous,
}

impl MinimumFallback {
    /// Name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumFallback::Infeasible => "infeasible",
            MinimumFallback::Continuous => "continuous",
        }
    }

    /// True for the default (left out of serialised settings).
    pub fn is_default(&self) -> bool {
        *self == MinimumFallback::Infeasible
    }
}

/// The minimum size and step in force for a block (docs/MODEL.md, "Minimum sizes"; the
/// allocation under it is [`crate::allocate::minimum`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinimumRule {
    /// Smallest number of additional places a receiving municipality gets (0 or 1: none).
    pub min: u32,
    /// Additional places come in multiples of this (1: any whole number).
    pub step: u32,
}

impl MinimumRule {
    /// The step as a number (at least 1).
    pub fn q(self) -> u64 {
        u64::from(self.step.max(1))
    }

    /// The smallest positive value a receiving municipality may get: the minimum, at least 1.
    pub fn floor_value(self) -> u64 {
        u64::from(self.min.max(1))
    }

    /// The smallest allowed value of a member that is not the carrier: the smallest multiple
    /// of the step that is at least the minimum (and at least 1).
    pub fn base(self) -> u64 {
        let q = self.q();
        self.floor_value().div_ceil(q) * q
    }

    /// The smallest value congruent to `r` modulo the step that is at least the minimum (and
    /// at least 1): the carrier's smallest value when the total leaves remainder `r`.
    pub fn carrier_base(self, r: u64) -> u64 {
        let (q, m) = (self.q(), self.floor_value());
        if r >= m {
            r
        } else {
            r + (m - r).div_ceil(q) * q
        }
    }
}

/// Seconds each stage of the minimum-size MIP may take unless the scenario says otherwise.
pub const DEFAULT_MIP_TIME_LIMIT: f64 = 10.0;

/// Constraint families beyond MODEL.md's (see [`crate::allocate`] for the formulation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Constraints {
    /// No COROP region receives more than this share of its province's shortfall (0 < s <= 1).
    pub corop_max_share: Option<f64>,
    /// Obligation (counted + additional) at most this many places per 1,000 inhabitants.
    pub max_per_1000: PerCommodity<Option<f64>>,
    /// A municipality receives no additional places or at least this many, per commodity
    /// (`min_allocation_regular`, `min_allocation_amv`). Left out of the serialised form when
    /// off, as the other new settings, so that fingerprints of scenarios without them stay.
    #[serde(skip_serializing_if = "PerCommodity::is_none")]
    pub min_allocation: PerCommodity<Option<u32>>,
    /// Additional places come in multiples of this (both commodities); at most one
    /// municipality per province takes the remainder of a shortfall that is not a multiple.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_step: Option<u32>,
    /// What a province gets when the minimum cannot make its shortfall.
    #[serde(skip_serializing_if = "MinimumFallback::is_default")]
    pub minimum_fallback: MinimumFallback,
    /// Seconds each stage of the minimum-size MIP may take.
    #[serde(skip_serializing_if = "is_default_time_limit")]
    pub mip_time_limit: f64,
}

fn is_default_time_limit(t: &f64) -> bool {
    *t == DEFAULT_MIP_TIME_LIMIT
}

impl Default for Constraints {
    fn default() -> Self {
        Constraints {
            corop_max_share: None,
            max_per_1000: PerCommodity::default(),
            min_allocation: PerCommodity::default(),
            allocation_step: None,
            minimum_fallback: MinimumFallback::Infeasible,
            mip_time_limit: DEFAULT_MIP_TIME_LIMIT,
        }
    }
}

impl Constraints {
    /// True when no constraint beyond MODEL.md's is switched on.
    pub fn is_empty(&self) -> bool {
        self.corop_max_share.is_none()
            && self.max_per_1000.regular.is_none()
            && self.max_per_1000.amv.is_none()
            && self.minimum_rule(Commodity::Regular).is_none()
            && self.minimum_rule(Commodity::Amv).is_none()
    }

    /// The minimum size and step in force for a commodity; `None` when neither is set.
    pub fn minimum_rule(&self, c: Commodity) -> Option<MinimumRule> {
        let min = self.min_allocation.of(c);
        (min.is_some() || self.allocation_step.is_some())
            .then(|| MinimumRule { min: min.unwrap_or(0), step: self.allocation_step.unwrap_or(1) })
    }
}

/// Where a setting was written: a scenario source and line, for messages about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Origin {
    /// The scenario's source (its file path, or a caller's label).
    pub source: String,
    /// The line (1-based).
    pub line: u64,
}

/// A change to one municipality's data, made by a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MunicipalityOverride {
    /// Where it was written.
    pub origin: Origin,
    /// The municipality.
    pub code: MunicipalityCode,
    /// New caps on additional places.
    pub cap: PerCommodity<Option<u32>>,
    /// New feasibility score.
    pub score: Option<f64>,
    /// `Some(Some(reason))` excludes, `Some(None)` lifts an exclusion.
    pub excluded: Option<Option<String>>,
}

/// What a location override does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocationAction {
    /// Add a new location row (all fields required).
    Add,
    /// Remove an existing row.
    Remove,
    /// Change fields of an existing row.
    Change,
}

/// A change to one location row (a location id and municipality), made by a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocationOverride {
    /// Where it was written.
    pub origin: Origin,
    /// Add, remove or change.
    pub action: LocationAction,
    /// Location id.
    pub location_id: String,
    /// The municipality whose share this is.
    pub municipality: MunicipalityCode,
    /// New places per commodity.
    pub places: PerCommodity<Option<u32>>,
    /// New status.
    pub status: Option<LocationStatus>,
    /// New opening date.
    pub opens: Option<Date>,
    /// New closing date; `Some(None)` makes it open-ended.
    pub closes: Option<Option<Date>>,
    /// New bridging flag.
    pub bridging: Option<bool>,
    /// New location total.
    pub location_total: Option<u32>,
}

/// A change to a province's target, made by a scenario (it then no longer equals the sum of
/// the indicative numbers, on purpose).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvinceOverride {
    /// Where it was written.
    pub origin: Origin,
    /// The province.
    pub code: ProvinceCode,
    /// New targets.
    pub target: PerCommodity<Option<u32>>,
}

/// A correction of one municipality's effort in one year (the average number of occupied
/// places that year), made by a scenario or an objection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EffortOverride {
    /// Where it was written.
    pub origin: Origin,
    /// The municipality.
    pub municipality: MunicipalityCode,
    /// The year (one of the cycle's effort years).
    pub year: u32,
    /// The average number of occupied places that year.
    pub avg_occupied_places: f64,
}

/// Changes to the data set a scenario makes, applied in order (a parent's before its child's).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Overrides {
    /// Municipality changes.
    pub municipalities: Vec<MunicipalityOverride>,
    /// Location changes.
    pub locations: Vec<LocationOverride>,
    /// Province target changes.
    pub provinces: Vec<ProvinceOverride>,
    /// Effort corrections (left out of the serialised form when empty, so that fingerprints of
    /// scenarios without them stay as they were).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub effort: Vec<EffortOverride>,
}

impl Overrides {
    /// True when the scenario changes nothing in the data set.
    pub fn is_empty(&self) -> bool {
        self.municipalities.is_empty()
            && self.locations.is_empty()
            && self.provinces.is_empty()
            && self.effort.is_empty()
    }

    /// `self` followed by `other` (applied after it).
    pub fn then(mut self, other: &Overrides) -> Overrides {
        self.municipalities.extend(other.municipalities.iter().cloned());
        self.locations.extend(other.locations.iter().cloned());
        self.provinces.extend(other.provinces.iter().cloned());
        self.effort.extend(other.effort.iter().cloned());
        self
    }
}

/// A validated scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// Name, shown in all output.
    pub name: String,
    /// The data set, as the reference its loader takes (for files, the folder's path resolved
    /// against the scenario file's folder).
    pub dataset: String,
    /// Counting rules.
    pub counting: CountingRules,
    /// Allocation choices.
    pub allocation: AllocationRules,
    /// Further constraint families.
    pub constraints: Constraints,
    /// Changes to the data set.
    pub overrides: Overrides,
    /// The sources it was read from, itself first, then its `extends` chain (file paths or
    /// the resolver's ids).
    pub files: Vec<String>,
    /// Where the counting date was set, if it was.
    #[serde(skip)]
    pub counting_date_origin: Option<Origin>,
}
