//! A cycle's rules as data (`cycle.toml`): which places count, and how the indicative
//! distribution is computed. The numbers of nl-2024's rules reproduce the first cycle.

use super::decimal::Decimal;
use super::{Date, MunicipalityCode};
use serde::Serialize;
use std::collections::BTreeMap;

/// The counting rules of a cycle (`cycle.toml`, table `[counting]`); each can be overridden by
/// a scenario's `[counting]` table under the same name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CycleCounting {
    /// A place must stay available until this day; `None`: the cycle's end (the start of the
    /// next cycle).
    pub available_until: Option<Date>,
    /// A location that opens after the counting date counts only with bridging reception.
    pub require_bridging: bool,
    /// Intentions (places without a firm decision) count.
    pub count_intentions: bool,
    /// A location with fewer places (all its municipalities' shares, both commodities) counts
    /// for nothing; 0: no minimum.
    pub min_location_places: u32,
    /// A location must be available at least this many years from the counting date
    /// (open-ended counts); 0: no minimum beyond `available_until`.
    pub min_years: u32,
}

impl Default for CycleCounting {
    /// The rules of 2024-2026: available until the next cycle, bridging required, intentions
    /// not counted, no minimum size or duration.
    fn default() -> Self {
        CycleCounting {
            available_until: None,
            require_bridging: true,
            count_intentions: false,
            min_location_places: 0,
            min_years: 0,
        }
    }
}

/// Over what the forecast is divided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The national forecast over all municipalities; a province's task is the sum of its
    /// municipalities' numbers (the law).
    National,
    /// Each province's task (`provinces.csv`) over its own municipalities (how nl-2024's
    /// unpublished numbers were reconstructed from the published provincial tasks).
    Province,
}

/// How the AMV part of each municipality's number is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AmvRule {
    /// The AMV total (national, or the province's) divided over the municipalities in
    /// proportion to their total numbers, by largest remainder: exact totals.
    Apportion,
    /// Each municipality's AMV number is its total times the AMV share, rounded half up: the
    /// AMV totals are the sums.
    Share,
}

/// The correction of inhabitants by the welfare score: weight = inhabitants x factor(score).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "lowercase")]
pub enum Correction {
    /// No correction: weight = inhabitants.
    None,
    /// factor = intercept + slope x score, then at least `floor` and at most `ceiling` when
    /// given. nl-2024: max(0.25, 1 + 0.12 z).
    Linear {
        /// Factor at score 0.
        intercept: Decimal,
        /// Change of the factor per unit of score.
        slope: Decimal,
        /// Lowest factor.
        floor: Option<Decimal>,
        /// Highest factor.
        ceiling: Option<Decimal>,
    },
}

impl Correction {
    /// The factor at a score; `None` on arithmetic overflow.
    pub fn factor(&self, score: Decimal) -> Option<Decimal> {
        match self {
            Correction::None => Some(Decimal::ONE),
            Correction::Linear { intercept, slope, floor, ceiling } => {
                let mut f = intercept.checked_add(slope.checked_mul(score)?)?;
                if let Some(lo) = floor {
                    f = f.max(*lo);
                }
                if let Some(hi) = ceiling {
                    f = f.min(*hi);
                }
                Some(f)
            }
        }
    }

    /// The formula in words, for explanations (`max(0.25, 1 + 0.12 × score)`).
    pub fn formula(&self) -> String {
        match self {
            Correction::None => "1".to_owned(),
            Correction::Linear { intercept, slope, floor, ceiling } => {
                let mut f = format!("{intercept} + {slope} × score");
                if let Some(lo) = floor {
                    f = format!("max({lo}, {f})");
                }
                if let Some(hi) = ceiling {
                    f = format!("min({hi}, {f})");
                }
                f
            }
        }
    }
}

/// How the indicative distribution of a cycle is computed (`cycle.toml`, table
/// `[indicative]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndicativeRules {
    /// National or per province.
    pub scope: Scope,
    /// The correction of inhabitants by the welfare score.
    pub correction: Correction,
    /// The AMV part.
    pub amv: AmvRule,
    /// The municipalities marked `published` in `municipalities.csv` keep their numbers.
    pub pin_published: bool,
    /// Totals (regular and AMV together) fixed by the cycle, e.g. a published number.
    pub pins: BTreeMap<MunicipalityCode, u32>,
}
