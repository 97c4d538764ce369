//! Constraint family *COROP balance*: no COROP region receives more than a share of its
//! province's shortfall.
//!
//! For a province whose municipalities lie in two or more COROP regions, and every such region
//! g: `sum_{m in g, m a member} x_m <= share * S`. Provinces of one region (Flevoland, Utrecht)
//! get no rows: there is nothing to balance. Regions are numbered densely per province in code
//! order of their first municipality; [`super::Member::region`] carries the number.

use super::Row;

/// The rows for one block. `member_regions[i]` is member i's region number, `regions` the
/// number of regions of the province (members or not).
pub fn rows(member_regions: &[usize], regions: usize, share: f64, shortfall: f64) -> Vec<Row> {
    if regions < 2 {
        return Vec::new();
    }
    (0..regions)
        .filter_map(|g| {
            let members: Vec<usize> = (0..member_regions.len()).filter(|&i| member_regions[i] == g).collect();
            (!members.is_empty()).then_some(Row { members, upper: share * shortfall })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_region_with_members_and_none_for_a_single_region() {
        let r = rows(&[0, 1, 0, 2], 4, 0.5, 100.0);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].members, vec![0, 2]);
        assert!((r[0].upper - 50.0).abs() < 1e-12);
        assert!(rows(&[0, 0], 1, 0.5, 100.0).is_empty());
    }
}
