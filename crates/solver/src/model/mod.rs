//! Plain, validated domain data: codes, the data set of one cycle and a scenario.
//!
//! Everything here is already checked (see [`crate::io`]): a value of these types is
//! consistent by construction. Nothing here knows about files, solvers or output formats.

mod claim;
mod codes;
mod dataset;
pub mod decimal;
pub mod digest;
pub mod limits;
mod rules;
mod scenario;
mod sources;
pub mod sweep;

pub use claim::Claim;
pub use codes::{entries, entry, entry_of, Commodity, CoropCode, MunicipalityCode, PerCommodity, ProvinceCode};
pub use dataset::{
    Cycle, Dataset, DatasetParts, IndicativeSource, LocationShare, LocationStatus, Municipality, Province, UnknownName,
};
pub use limits::{MAX_PER_1000, MAX_WEIGHT};
pub use rules::{AmvRule, Correction, CycleCounting, IndicativeRules, Scope};
pub use scenario::{
    AboveTask, AllocationMode, AllocationRules, Constraints, CountingRules, EffortOverride, Eligibility,
    LocationAction, LocationOverride, Method, MinimumFallback, MinimumRule, MunicipalityOverride, Origin, Overrides,
    ProvinceOverride, Scenario, Weights, DEFAULT_MIP_TIME_LIMIT,
};
pub use sources::{DatasetSources, Source};

/// A calendar date (no time zone); the data set's dates are days.
pub type Date = chrono::NaiveDate;
