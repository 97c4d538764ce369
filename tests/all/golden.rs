//! Golden files: the CSV of every shipped scenario and the province part of the JSON report.
//! A change shows as a snapshot diff to review (`cargo insta review`), never silently.

use crate::common::*;
use spreiding_solver::io;
use spreiding_solver::report::Report;
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

/// With a minimum size (issue 24): the settings add their columns and fields; the allocation
/// itself is checked against independent arithmetic in `minimum.rs`.
#[test]
fn golden_minimum_25() {
    check("minimum-25");
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

/// The Dutch motivation for one municipality of every kind of result: these texts are quoted
/// in decisions, so every change to them shows as a snapshot diff to review.
#[test]
fn golden_explanations() {
    use spreiding_solver::explain::{dutch, explain};
    use spreiding_solver::model::{Commodity, MunicipalityCode};
    let cases = [
        ("rest-indicative", "GM0014", Commodity::Amv, "interior-up"),
        ("rest-indicative", "GM0037", Commodity::Amv, "interior-down"),
        ("rest-indicative", "GM0074", Commodity::Amv, "capped"),
        ("rest-indicative", "GM0784", Commodity::Regular, "excluded"),
        ("rest-indicative", "GM0034", Commodity::Regular, "province-closes"),
        ("rest-indicative", "GM0014", Commodity::Regular, "ineligible"),
        ("level", "GM0059", Commodity::Amv, "above-level"),
        ("level", "GM0014", Commodity::Amv, "level-interior"),
        ("effort", "GM0160", Commodity::Regular, "effort-weights"),
        ("corop-balance", "GM0014", Commodity::Amv, "corop-limited"),
    ];
    for (name, code, commodity, label) in cases {
        let (scenario, dataset) = io::load(&scenario_path(name)).unwrap();
        let solution = solve(&dataset, &scenario).unwrap();
        let code = MunicipalityCode::parse(code).unwrap();
        let e = explain(&dataset, &scenario, &solution, &code, commodity).unwrap();
        insta::assert_snapshot!(format!("explain-{label}"), dutch::render(&e));
    }
}
