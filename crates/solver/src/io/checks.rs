//! The checks of a scenario's settings, in one place: a scenario file, an inline scenario and
//! every grid point of a sweep pass the same ones. Each returns what is wrong and what would be
//! valid; the caller adds where (file and line, or the grid point).

use super::problem::number;
use crate::model::limits::{MAX_MIP_SECONDS, MAX_PER_1000, MAX_PLACES, MAX_WEIGHT};
use crate::model::{Cycle, Date, Scenario, Weights};

/// A key weight: finite, 0 or more, at most [`MAX_WEIGHT`].
pub(crate) fn weight(v: f64) -> Option<String> {
    (!(v.is_finite() && (0.0..=MAX_WEIGHT).contains(&v)))
        .then(|| format!("{} is not a valid weight; expected a number from 0 to {MAX_WEIGHT}", number(v)))
}

/// The weights together: at least one positive.
pub(crate) fn weights(w: &Weights) -> Option<String> {
    // Each is at most MAX_WEIGHT, so the sum is finite (NaN counts as not positive).
    let sum = w.indicative + w.effort + w.feasibility;
    (sum.is_nan() || sum <= 0.0)
        .then(|| "all weights are 0; at least one of indicative, effort, feasibility must be positive".to_owned())
}

/// The COROP balance share: above 0, at most 1.
pub(crate) fn share(v: f64) -> Option<String> {
    (!(v > 0.0 && v <= 1.0)).then(|| format!("{} is not a share; expected a number above 0 and at most 1", number(v)))
}

/// A maximum per 1,000 inhabitants: above 0, at most [`MAX_PER_1000`].
pub(crate) fn per_1000(v: f64) -> Option<String> {
    (!(v > 0.0 && v <= MAX_PER_1000)).then(|| {
        format!(
            "{v} is not valid; expected a number of places per 1,000 inhabitants above 0 and at most {MAX_PER_1000}"
        )
    })
}

/// A minimum allocation (places): 0 to [`MAX_PLACES`].
pub(crate) fn min_allocation(v: i64) -> Result<u32, String> {
    u32::try_from(v).ok().filter(|&v| v <= MAX_PLACES).ok_or_else(|| {
        format!("{v} is not a valid minimum; expected a whole number of places from 0 (no minimum) to {MAX_PLACES}")
    })
}

/// An allocation step (places): 1 to [`MAX_PLACES`].
pub(crate) fn allocation_step(v: i64) -> Result<u32, String> {
    u32::try_from(v).ok().filter(|&v| (1..=MAX_PLACES).contains(&v)).ok_or_else(|| {
        format!("{v} is not a valid step; expected a whole number of places from 1 (any number) to {MAX_PLACES}")
    })
}

/// The MIP's time limit per stage: above 0, at most [`MAX_MIP_SECONDS`] seconds.
pub(crate) fn mip_time_limit(v: f64) -> Option<String> {
    (!(v > 0.0 && v <= MAX_MIP_SECONDS)).then(|| {
        format!("{} is not a valid time limit; expected seconds above 0 and at most {MAX_MIP_SECONDS}", number(v))
    })
}

/// The counting date lies in the cycle.
pub(crate) fn counting_date(date: Date, cycle: &Cycle) -> Option<String> {
    (date < cycle.start || date >= cycle.end).then(|| {
        format!(
            "{date} lies outside cycle {}; expected a date from {} up to (not including) {}",
            cycle.id, cycle.start, cycle.end
        )
    })
}

/// Every settings problem of a scenario (not those that need the data set), by field.
pub(crate) fn settings(s: &Scenario) -> Vec<(&'static str, String)> {
    let w = &s.allocation.weights;
    let c = &s.constraints;
    [
        ("allocation.weights.indicative", weight(w.indicative)),
        ("allocation.weights.effort", weight(w.effort)),
        ("allocation.weights.feasibility", weight(w.feasibility)),
        (
            "allocation.weights",
            if [w.indicative, w.effort, w.feasibility].iter().all(|v| weight(*v).is_none()) {
                weights(w)
            } else {
                None
            },
        ),
        ("constraints.corop_max_share", c.corop_max_share.and_then(share)),
        ("constraints.max_per_1000_regular", c.max_per_1000.regular.and_then(per_1000)),
        ("constraints.max_per_1000_amv", c.max_per_1000.amv.and_then(per_1000)),
        (
            "constraints.min_allocation_regular",
            c.min_allocation.regular.and_then(|v| min_allocation(i64::from(v)).err()),
        ),
        ("constraints.min_allocation_amv", c.min_allocation.amv.and_then(|v| min_allocation(i64::from(v)).err())),
        ("constraints.allocation_step", c.allocation_step.and_then(|v| allocation_step(i64::from(v)).err())),
        ("constraints.mip_time_limit", mip_time_limit(c.mip_time_limit)),
    ]
    .into_iter()
    .filter_map(|(field, p)| p.map(|p| (field, p)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_at_the_edges() {
        assert!(weight(0.0).is_none());
        assert!(weight(MAX_WEIGHT).is_none());
        assert!(weight(MAX_WEIGHT * 1.5).is_some());
        assert!(weight(-0.1).is_some());
        assert!(weight(f64::NAN).is_some());
        assert!(weight(f64::INFINITY).is_some());
        assert!(weights(&Weights { indicative: 0.0, effort: 0.0, feasibility: 0.0 }).is_some());
        assert!(weights(&Weights { indicative: 0.0, effort: 1e-12, feasibility: 0.0 }).is_none());
        // Each weight alone is enough (the sum is a sum, whatever the order).
        assert!(weights(&Weights { indicative: 0.0, effort: 0.0, feasibility: 2.0 }).is_none());
        assert!(weights(&Weights { indicative: 0.0, effort: 3.0, feasibility: 0.0 }).is_none());
        assert!(weights(&Weights { indicative: 0.5, effort: 0.0, feasibility: 0.0 }).is_none());
    }

    #[test]
    fn shares_and_per_1000_at_the_edges() {
        assert!(share(1.0).is_none());
        assert!(share(0.0).is_some());
        assert!(share(1.000001).is_some());
        assert!(share(f64::NAN).is_some());
        assert!(per_1000(MAX_PER_1000).is_none());
        assert!(per_1000(MAX_PER_1000 + 1.0).is_some());
        assert!(per_1000(0.0).is_some());
        assert!(per_1000(f64::NAN).is_some());
    }
}
