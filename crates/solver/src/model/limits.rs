//! The largest values input may have, and the numerical tolerances of the computation (each
//! named once, here).
//!
//! The largest values input may have. Each lies far above what real data can reach (the whole
//! country has 96,000 places and 18 million inhabitants), so a value beyond one is a mistake
//! (a typo, a wrong column, a unit error), refused with the limit in the message; and with
//! every input below them no sum or product in the computation can overflow or lose meaning.

/// Places in any one field: a location's places or total, a cap, a target, an indicative
/// number; also the places all locations of one municipality report. The whole country has
/// 96,000; the synthetic country 100 times the Netherlands has provinces of 2.2 million. With
/// every field below this, obligations (counted + allocated + beyond the cap) stay far below
/// `u32::MAX`.
pub const MAX_PLACES: u32 = 10_000_000;

/// Inhabitants of one municipality.
pub const MAX_POPULATION: u32 = 100_000_000;

/// Average occupied places of one municipality in one effort year.
pub const MAX_OCCUPIED: f64 = 1_000_000.0;

/// Absolute value of the welfare score (a standardised score: |z| is a few units).
pub const MAX_WELVAART: f64 = 100.0;

/// A key weight (weights are normalised; only their ratios matter).
pub const MAX_WEIGHT: f64 = 1_000_000.0;

/// Places per 1,000 inhabitants in the per-capita constraint.
pub const MAX_PER_1000: f64 = 1_000.0;

/// Rows of one data file, and overrides of one scenario chain (each kind).
pub const MAX_ROWS: usize = 2_000_000;

/// Grid points of one sweep (every point is checked before anything is solved).
pub const MAX_GRID_POINTS: u64 = 100_000;

/// Length of a text field (a name, a reason, a location id), in characters.
pub const MAX_TEXT: usize = 1_000;

/// Length of a scenario's or sweep's name, in characters: it names result files (a file name
/// has at most 255 bytes on common file systems, and a sweep adds its shard number).
pub const MAX_NAME: usize = 100;

/// Relative tolerance of feasibility tests on real allocations (sums against the shortfall,
/// values against caps and levels): a test `a <= b` reads `a <= b + FEASIBILITY_TOLERANCE * (1
/// + |b|)`. Far below one place, far above the LP's round-off.
pub const FEASIBILITY_TOLERANCE: f64 = 1e-9;

/// A real allocation within this distance of a whole number is that number (round-off of the
/// LP, never a real fraction of a place).
pub const WHOLE_TOLERANCE: f64 = 1e-6;

/// A dual value (weighted by the free slopes) above this marks a binding level row in
/// progressive filling.
pub const DUAL_TOLERANCE: f64 = 1e-9;

/// Fractional parts are compared at this resolution (1 / 10^9 of a place) when rounding, so
/// that values equal in exact arithmetic tie, whatever their last bits.
pub const FRACTION_RESOLUTION: f64 = 1e9;

/// A count (of municipalities, provinces, scenarios) as the `u32` the result formats hold;
/// saturates, which no count of a data set comes near.
pub fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The longest minimum duration a cycle or scenario may ask of a location (years from the
/// counting date).
pub const MAX_MIN_YEARS: u32 = 50;

/// Largest time limit (seconds) of one stage of the minimum-size MIP.
pub const MAX_MIP_SECONDS: f64 = 3_600.0;
