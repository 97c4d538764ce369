//! Synthetic countries: valid data sets (they pass the loader's every check after a round trip
//! through files) whose solutions keep the province totals.

use spreiding_solver::io::{load_dataset, write_dataset};
use spreiding_solver::model::{Commodity, Method};
use spreiding_solver::solve::{solve, Status};
use spreiding_solver::synthetic::country;

use crate::common::scenario;
use spreiding_solver::model::{AllocationMode, Eligibility, Weights};

#[test]
fn synthetic_countries_survive_a_round_trip_through_files() {
    // 100x too: its provinces (2.2 million places) must stay within the limits of the loader.
    for scale in [1, 10, 100] {
        let d = country(scale, 7);
        let dir = tempfile::tempdir().unwrap();
        write_dataset(&d, dir.path()).unwrap();
        let back = load_dataset(dir.path()).unwrap_or_else(|e| panic!("scale {scale}: {e}"));
        assert_eq!(back.municipalities().len(), d.municipalities().len());
        assert_eq!(back.provinces(), d.provinces());
        assert_eq!(back.locations().len(), d.locations().len());
        for (a, b) in back.municipalities().iter().zip(d.municipalities()) {
            assert_eq!((a.code, a.indicative, a.cap, &a.excluded), (b.code, b.indicative, b.cap, &b.excluded));
            assert!((a.effort_places - b.effort_places).abs() < 1e-6);
        }
    }
}

#[test]
fn synthetic_countries_have_shortfalls_and_solve_exactly() {
    let d = country(10, 3);
    let mut s = scenario(AllocationMode::Rest, Eligibility::BelowIndicative, true, Weights::default());
    s.allocation.method = Method::Auto;
    let sol = solve(&d, &s).unwrap();
    assert!(sol.provinces.iter().any(|b| b.status != Status::Closes), "some report does not close");
    for b in &sol.provinces {
        let sum: u32 = sol
            .municipalities
            .iter()
            .filter(|m| m.province == b.code && m.commodity == b.commodity)
            .map(|m| m.allocated)
            .sum();
        assert_eq!(sum + b.missing, b.shortfall, "{} {}", b.code, b.commodity);
    }
    assert!(sol.municipalities.iter().any(|m| m.commodity == Commodity::Amv && m.allocated > 0));
}
