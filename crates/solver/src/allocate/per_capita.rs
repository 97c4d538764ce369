//! Constraint family *maximum per 1,000 inhabitants*: a municipality's obligation (counted plus
//! additional places) stays at or below rho places per 1,000 inhabitants.
//!
//! It bounds one municipality at a time, so it enters the LP as a column bound: the cap becomes
//! min(U_m, floor(rho * population / 1000) - C_m), never below 0.

/// The cap on additional places the maximum allows (whole places).
#[expect(clippy::cast_possible_truncation, reason = "below u32::MAX (checked on the line) and at least 0")]
pub fn cap(max_per_1000: f64, population: u32, counted: u32) -> u32 {
    let limit = (max_per_1000 * f64::from(population) / 1000.0).floor();
    let limit = if limit >= f64::from(u32::MAX) { u32::MAX } else { limit.max(0.0) as u32 };
    limit.saturating_sub(counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_the_room_under_the_maximum() {
        assert_eq!(cap(5.0, 10_000, 20), 30);
        assert_eq!(cap(5.0, 10_000, 60), 0);
        assert_eq!(cap(2.55, 1_000, 0), 2);
    }
}
