//! Rounding to whole places per province and commodity (MODEL.md 3.7): largest remainder
//! (Hamilton).
//!
//! Floor every exact allocation, then give the places that remain one each to the largest
//! fractional parts; ties are broken by the larger key, then by the lower code. No member is
//! raised above its cap, and the total is exactly the target.
//!
//! Fractions are compared at 1e-9 resolution, so that values that are equal in exact arithmetic
//! but differ in the last bits of floating point count as ties and go to the tie-break rule.

use crate::model::limits::WHOLE_TOLERANCE;
use serde::Serialize;

/// One value to round.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    /// The exact allocation.
    pub exact: f64,
    /// Cap in whole places (`u32::MAX` when there is none).
    pub cap: u32,
    /// Key, for the tie-break.
    pub key: f64,
    /// Code, for the last tie-break.
    pub code: &'a str,
}

/// The rounding step of one value: the data behind "rounded up" or "rounded down".
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// The exact value floored.
    pub floor: u32,
    /// Its fractional part (0 when the value is whole, up to [`WHOLE_TOLERANCE`]).
    pub fraction: f64,
    /// Position in the remainder order (1 = largest fraction), for values with a fraction.
    pub rank: Option<u32>,
    /// True when this value received one of the remaining places.
    pub up: bool,
    /// The rounded value.
    pub value: u32,
}

/// Whole-place resolution of the fraction comparisons.
const RESOLUTION: f64 = crate::model::limits::FRACTION_RESOLUTION;

#[expect(clippy::cast_possible_truncation, reason = "a fraction in [0, 1) times the resolution")]
fn quantised(f: f64) -> i64 {
    (f * RESOLUTION).round() as i64
}

/// A key as the tie-break compares it: at 1e-12 resolution, so that keys equal in exact
/// arithmetic but computed along different sums (a blend of shares) count as equal and the
/// code decides. Keys are shares (at most 1).
#[expect(clippy::cast_possible_truncation, reason = "a share times 1e12")]
pub fn key_order(key: f64) -> i64 {
    (key * 1e12).round() as i64
}

/// Rounds `items` to whole numbers adding up to `target` by largest remainder.
///
/// Returns one step per item. If the caps cannot take `target` (never the case for a target
/// computed by [`crate::allocate`]), the steps add up to less.
#[expect(clippy::cast_possible_truncation, reason = "a value at most its u32 cap, floored")]
pub fn largest_remainder(target: u32, items: &[Item<'_>]) -> Vec<Step> {
    let mut steps: Vec<Step> = items
        .iter()
        .map(|it| {
            let mut v = it.exact.max(0.0);
            // A value within 1e-6 of a whole number is that number (noise of the LP).
            if (v - v.round()).abs() < WHOLE_TOLERANCE {
                v = v.round();
            }
            let cap = f64::from(it.cap);
            let v = v.min(cap);
            let floor = v.floor();
            Step { floor: floor as u32, fraction: v - floor, rank: None, up: false, value: floor as u32 }
        })
        .collect();
    let floors: u64 = steps.iter().map(|s| u64::from(s.floor)).sum();
    let mut remaining = u64::from(target).saturating_sub(floors);

    // The fractions quantised once (not in every comparison); codes are unique, so the order
    // is total and an unstable sort gives the one answer.
    let fractions: Vec<i64> = steps.iter().map(|s| quantised(s.fraction)).collect();
    let keys: Vec<i64> = items.iter().map(|it| key_order(it.key)).collect();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_unstable_by(|&i, &j| {
        fractions[j]
            .cmp(&fractions[i])
            .then_with(|| keys[j].cmp(&keys[i]))
            .then_with(|| items[i].code.cmp(items[j].code))
    });
    let mut rank = 0;
    for &i in &order {
        if steps[i].fraction > 0.0 {
            rank += 1;
            steps[i].rank = Some(rank);
        }
    }
    for &i in &order {
        if remaining == 0 {
            break;
        }
        if steps[i].floor < items[i].cap {
            steps[i].up = true;
            steps[i].value += 1;
            remaining -= 1;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(exact: f64, key: f64, code: &str) -> Item<'_> {
        Item { exact, cap: u32::MAX, key, code }
    }

    #[test]
    fn largest_fractions_get_the_remaining_places() {
        let items = [item(1.6, 0.1, "GM1"), item(2.3, 0.1, "GM2"), item(3.1, 0.1, "GM3")];
        let s = largest_remainder(7, &items);
        assert_eq!(s.iter().map(|s| s.value).collect::<Vec<_>>(), vec![2, 2, 3]);
        assert_eq!(s[0].rank, Some(1));
        assert!(s[0].up && !s[1].up);
    }

    #[test]
    fn ties_go_to_the_larger_key_then_the_lower_code() {
        let items = [item(0.5, 0.1, "GM2"), item(0.5, 0.2, "GM3"), item(0.5, 0.1, "GM1")];
        let s = largest_remainder(2, &items);
        assert_eq!(s.iter().map(|s| s.value).collect::<Vec<_>>(), vec![0, 1, 1]);
    }

    #[test]
    fn caps_are_never_exceeded() {
        let items = [Item { exact: 3.9, cap: 3, key: 0.9, code: "GM1" }, item(1.05, 0.1, "GM2")];
        let s = largest_remainder(5, &items);
        assert_eq!(s.iter().map(|s| s.value).collect::<Vec<_>>(), vec![3, 2]);
    }

    #[test]
    fn a_target_beyond_the_caps_stops_at_the_caps() {
        // A capped item (its value is its cap, no fraction) is never rounded up, even when
        // places remain: the steps add up to less than the target (the documented case).
        let items =
            [Item { exact: 5.0, cap: 5, key: 0.9, code: "GM1" }, Item { exact: 1.5, cap: 2, key: 0.1, code: "GM2" }];
        let s = largest_remainder(10, &items);
        assert_eq!(s.iter().map(|s| s.value).collect::<Vec<_>>(), vec![5, 2]);
        assert!(!s[0].up && s[1].up);
    }

    #[test]
    fn noise_around_whole_numbers_is_not_a_fraction() {
        let s = largest_remainder(10, &[item(4.999_999_999, 0.5, "GM1"), item(5.000_000_001, 0.5, "GM2")]);
        assert_eq!((s[0].value, s[1].value), (5, 5));
        assert!(s.iter().all(|s| s.rank.is_none()));
    }
}
