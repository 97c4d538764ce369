//! Golden files: the CSV of every shipped scenario and the province part of the JSON report.
//! A change shows as a snapshot diff to review (`cargo insta review`), never silently.

use crate::common::*;
use spreiding_solver::io::{self, report::Report};
use spreiding_solver::solve::solve;

fn check(name: &str) {
    let (scenario, dataset) = io::load(&scenario_path(name)).unwrap();
    let solution = solve(&dataset, &scenario).unwrap();
    let report = Report::new(&dataset, &solution);
    insta::assert_json_snapshot!(format!("{name}-provinces"), report.provinces);
    let csv = assert_cmd::Command::cargo_bin("spreiding")
        .unwrap()
        .args(["solve", "--format", "csv"])
        .arg(scenario_path(name))
        .output()
        .unwrap()
        .stdout;
    insta::assert_snapshot!(format!("{name}-municipalities"), String::from_utf8(csv).unwrap());
}

#[test]
fn golden_rest_indicative() {
    check("rest-indicative");
}

#[test]
fn golden_level() {
    check("level");
}

#[test]
fn golden_effort() {
    check("effort");
}

#[test]
fn golden_corop_balance() {
    check("corop-balance");
}
