//! Counting rules (MODEL.md 3.1): which reported places count towards a municipality's task.
//!
//! A place counts if its location is not an intention (unless the scenario counts intentions),
//! is available on the counting date (or opens before the cycle ends while the municipality runs
//! bridging reception, unless the scenario drops the bridging rule), and stays available until
//! the cycle ends. Each location row gets a [`Verdict`] that says which rule decided.

use crate::model::{Commodity, Dataset, Date, LocationShare, LocationStatus, PerCommodity, Scenario};
use serde::Serialize;

/// The dates and switches the counting rules need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountingContext {
    /// Places must be available on this date.
    pub counting_date: Date,
    /// ...and until this date (start of the next cycle).
    pub cycle_end: Date,
    /// Intentions count.
    pub count_intentions: bool,
    /// Late locations count only with bridging reception.
    pub require_bridging: bool,
}

impl CountingContext {
    /// The context of a scenario on a data set (the scenario's counting date, else the cycle's).
    pub fn new(dataset: &Dataset, scenario: &Scenario) -> Self {
        CountingContext {
            counting_date: scenario.counting.counting_date.unwrap_or(dataset.cycle.counting_date),
            cycle_end: dataset.cycle.end,
            count_intentions: scenario.counting.count_intentions,
            require_bridging: scenario.counting.require_bridging,
        }
    }
}

/// Whether a location row counts, and by which rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Counts: available on the counting date and until the cycle ends.
    Counts,
    /// Counts: opens after the counting date, with bridging reception until it opens.
    CountsWithBridging,
    /// Counts: opens after the counting date, before the cycle ends; the scenario drops the
    /// bridging rule.
    CountsLateWithoutBridgingRule,
    /// Does not count: an intention without a firm decision.
    Intention,
    /// Does not count: closes before the cycle ends.
    ClosesBeforeEnd,
    /// Does not count: opens on or after the cycle's end.
    OpensAfterEnd,
    /// Does not count: opens after the counting date without bridging reception.
    OpensLateWithoutBridging,
}

impl Verdict {
    /// True if the location's places count.
    pub fn counts(self) -> bool {
        matches!(self, Verdict::Counts | Verdict::CountsWithBridging | Verdict::CountsLateWithoutBridgingRule)
    }
}

/// The verdict for one location row.
pub fn verdict(location: &LocationShare, ctx: &CountingContext) -> Verdict {
    if location.status == LocationStatus::Intention && !ctx.count_intentions {
        return Verdict::Intention;
    }
    if location.closes.is_some_and(|c| c < ctx.cycle_end) {
        return Verdict::ClosesBeforeEnd;
    }
    if location.opens <= ctx.counting_date {
        return Verdict::Counts;
    }
    if location.opens >= ctx.cycle_end {
        return Verdict::OpensAfterEnd;
    }
    if !ctx.require_bridging {
        Verdict::CountsLateWithoutBridgingRule
    } else if location.bridging {
        Verdict::CountsWithBridging
    } else {
        Verdict::OpensLateWithoutBridging
    }
}

/// Counted places C_m per municipality (by index) and commodity.
pub fn counted_places(dataset: &Dataset, ctx: &CountingContext) -> Vec<PerCommodity<u32>> {
    let mut counted = vec![PerCommodity::default(); dataset.municipalities.len()];
    for l in &dataset.locations {
        if verdict(l, ctx).counts() {
            for c in Commodity::ALL {
                *counted[l.municipality].get_mut(c) += l.places.of(c);
            }
        }
    }
    counted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn loc(status: LocationStatus, opens: &str, closes: Option<&str>, bridging: bool) -> LocationShare {
        LocationShare {
            location_id: "L1".into(),
            municipality: 0,
            places: PerCommodity { regular: 10, amv: 2 },
            status,
            opens: d(opens),
            closes: closes.map(d),
            bridging,
            location_total: 12,
            source: "t:2".into(),
        }
    }

    fn ctx() -> CountingContext {
        CountingContext {
            counting_date: d("2025-07-01"),
            cycle_end: d("2026-02-01"),
            count_intentions: false,
            require_bridging: true,
        }
    }

    use LocationStatus::*;

    #[test]
    fn open_on_counting_date_and_until_end_counts() {
        assert_eq!(verdict(&loc(Existing, "2025-07-01", None, false), &ctx()), Verdict::Counts);
        assert_eq!(verdict(&loc(Planned, "2020-01-01", Some("2026-02-01"), false), &ctx()), Verdict::Counts);
    }

    #[test]
    fn closing_a_day_before_the_end_does_not_count() {
        assert_eq!(verdict(&loc(Existing, "2020-01-01", Some("2026-01-31"), false), &ctx()), Verdict::ClosesBeforeEnd);
    }

    #[test]
    fn late_locations_need_bridging_unless_the_rule_is_dropped() {
        let late = loc(Planned, "2025-07-02", None, false);
        assert_eq!(verdict(&late, &ctx()), Verdict::OpensLateWithoutBridging);
        let bridged = loc(Planned, "2025-07-02", None, true);
        assert_eq!(verdict(&bridged, &ctx()), Verdict::CountsWithBridging);
        let relaxed = CountingContext { require_bridging: false, ..ctx() };
        assert_eq!(verdict(&late, &relaxed), Verdict::CountsLateWithoutBridgingRule);
        let after_end = loc(Planned, "2026-02-01", None, true);
        assert_eq!(verdict(&after_end, &relaxed), Verdict::OpensAfterEnd);
        assert_eq!(verdict(&after_end, &ctx()), Verdict::OpensAfterEnd);
    }

    #[test]
    fn intentions_count_only_when_the_scenario_says_so() {
        let i = loc(Intention, "2025-01-01", None, false);
        assert_eq!(verdict(&i, &ctx()), Verdict::Intention);
        let with = CountingContext { count_intentions: true, ..ctx() };
        assert_eq!(verdict(&i, &with), Verdict::Counts);
        // An intention counted still needs the date rules.
        let late = loc(Intention, "2025-09-01", None, false);
        assert_eq!(verdict(&late, &with), Verdict::OpensLateWithoutBridging);
    }
}
