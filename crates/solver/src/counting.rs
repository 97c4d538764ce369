//! Counting rules (MODEL.md 3.1): which reported places count towards a municipality's task.
//!
//! A place counts if its location is not an intention (unless the rules count intentions), is
//! not smaller than the cycle's minimum location size, is available on the counting date (or
//! opens before the cycle ends while the municipality runs bridging reception, unless the rules
//! drop the bridging rule), stays available until the day the rules name (the cycle's end) and
//! at least the cycle's minimum number of years from the counting date. The rules are the
//! cycle's (`cycle.toml`, `[counting]`), each overridden by the scenario's `[counting]` under
//! the same name. Each location row gets a [`Verdict`] that says which rule decided.

use crate::model::{Commodity, Dataset, Date, LocationShare, LocationStatus, PerCommodity, Scenario};
use serde::Serialize;

/// The dates and switches the counting rules need: the cycle's rules with the scenario's
/// settings applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountingContext {
    /// Places must be available on this date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub counting_date: Date,
    /// The cycle's end (start of the next cycle): a location opening then or later is too late.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub cycle_end: Date,
    /// A place must stay available until this day (the cycle's end unless the rules say).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub available_until: Date,
    /// Intentions count.
    pub count_intentions: bool,
    /// Late locations count only with bridging reception.
    pub require_bridging: bool,
    /// A location with fewer places counts for nothing (0: no minimum).
    pub min_location_places: u32,
    /// A location must be available at least this many years from the counting date (0: no
    /// minimum).
    pub min_years: u32,
}

impl CountingContext {
    /// The context of a scenario on a data set: each rule the scenario's, else the cycle's.
    pub fn new(dataset: &Dataset, scenario: &Scenario) -> Self {
        let (cycle, s) = (&dataset.cycle, &scenario.counting);
        CountingContext {
            counting_date: s.counting_date.unwrap_or(cycle.counting_date),
            cycle_end: cycle.end,
            available_until: s.available_until.or(cycle.counting.available_until).unwrap_or(cycle.end),
            count_intentions: s.count_intentions.unwrap_or(cycle.counting.count_intentions),
            require_bridging: s.require_bridging.unwrap_or(cycle.counting.require_bridging),
            min_location_places: s.min_location_places.unwrap_or(cycle.counting.min_location_places),
            min_years: s.min_years.unwrap_or(cycle.counting.min_years),
        }
    }

    /// The first day a location must still be open to meet `min_years`: the counting date
    /// plus that many years (29 February becomes 28 February); `None` without the rule.
    pub fn min_years_until(&self) -> Option<Date> {
        (self.min_years > 0).then(|| {
            self.counting_date.checked_add_months(chrono::Months::new(12 * self.min_years)).unwrap_or(Date::MAX)
        })
    }

    /// The settings as a scenario states them, in the form of the first cycle (for result
    /// fingerprints and parameter sheets): intentions, bridging and the scenario's counting
    /// date, then each rule added since only when the scenario sets it.
    pub fn settings(scenario: &Scenario, resolved: &CountingContext) -> serde_json::Value {
        let s = &scenario.counting;
        let mut v = serde_json::json!({
            "count_intentions": resolved.count_intentions,
            "require_bridging": resolved.require_bridging,
            "counting_date": s.counting_date,
        });
        if let Some(m) = v.as_object_mut() {
            if let Some(d) = s.available_until {
                m.insert("available_until".into(), serde_json::json!(d));
            }
            if let Some(n) = s.min_location_places {
                m.insert("min_location_places".into(), n.into());
            }
            if let Some(n) = s.min_years {
                m.insert("min_years".into(), n.into());
            }
        }
        v
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
    /// Does not count: the location has fewer places than the cycle's minimum.
    BelowMinimumSize,
    /// Does not count: closes before the cycle ends.
    ClosesBeforeEnd,
    /// Does not count: closes before the minimum number of years from the counting date.
    TooShort,
    /// Does not count: opens on or after the cycle's end.
    OpensAfterEnd,
    /// Does not count: opens after the counting date without bridging reception.
    OpensLateWithoutBridging,
}

impl Verdict {
    /// The rule's name, as the JSON outputs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Counts => "counts",
            Verdict::CountsWithBridging => "counts-with-bridging",
            Verdict::CountsLateWithoutBridgingRule => "counts-late-without-bridging-rule",
            Verdict::Intention => "intention",
            Verdict::BelowMinimumSize => "below-minimum-size",
            Verdict::ClosesBeforeEnd => "closes-before-end",
            Verdict::TooShort => "too-short",
            Verdict::OpensAfterEnd => "opens-after-end",
            Verdict::OpensLateWithoutBridging => "opens-late-without-bridging",
        }
    }

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
    if location.location_total < ctx.min_location_places {
        return Verdict::BelowMinimumSize;
    }
    if location.closes.is_some_and(|c| c < ctx.available_until) {
        return Verdict::ClosesBeforeEnd;
    }
    if let (Some(closes), Some(until)) = (location.closes, ctx.min_years_until()) {
        if closes < until {
            return Verdict::TooShort;
        }
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
            available_until: d("2026-02-01"),
            count_intentions: false,
            require_bridging: true,
            min_location_places: 0,
            min_years: 0,
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

    #[test]
    fn small_and_short_locations_do_not_count_under_a_cycle_that_says_so() {
        let rules = CountingContext { min_location_places: 13, min_years: 2, ..ctx() };
        // location_total 12 < 13.
        assert_eq!(verdict(&loc(Existing, "2020-01-01", None, false), &rules), Verdict::BelowMinimumSize);
        let at = CountingContext { min_location_places: 12, ..rules };
        assert_eq!(verdict(&loc(Existing, "2020-01-01", None, false), &at), Verdict::Counts);
        // Two years from 2025-07-01: open until 2027-07-01 counts, a day less does not.
        assert_eq!(verdict(&loc(Existing, "2020-01-01", Some("2027-07-01"), false), &at), Verdict::Counts);
        assert_eq!(verdict(&loc(Existing, "2020-01-01", Some("2027-06-30"), false), &at), Verdict::TooShort);
        // Closing before the cycle's end is named first.
        assert_eq!(verdict(&loc(Existing, "2020-01-01", Some("2026-01-31"), false), &at), Verdict::ClosesBeforeEnd);
        // A later availability date than the cycle's end.
        let later = CountingContext { available_until: d("2026-06-01"), ..ctx() };
        assert_eq!(verdict(&loc(Existing, "2020-01-01", Some("2026-05-31"), false), &later), Verdict::ClosesBeforeEnd);
        assert_eq!(verdict(&loc(Existing, "2020-01-01", Some("2026-06-01"), false), &later), Verdict::Counts);
        assert!(!Verdict::BelowMinimumSize.counts() && !Verdict::TooShort.counts());
    }

    #[test]
    fn verdict_names_are_the_json_names() {
        use Verdict::*;
        for v in [
            Counts,
            CountsWithBridging,
            CountsLateWithoutBridgingRule,
            Intention,
            BelowMinimumSize,
            ClosesBeforeEnd,
            TooShort,
            OpensAfterEnd,
            OpensLateWithoutBridging,
        ] {
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::String(v.as_str().to_owned()));
        }
    }
}
