//! Scenario inheritance (`extends`) and overrides of the data set.

use crate::common::*;
use assert_cmd::Command;
use spreiding_solver::io;
use spreiding_solver::model::{AllocationMode, Commodity, MunicipalityCode};
use spreiding_solver::solve::{solve, Reason};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A folder with scenario files that extend the shipped `rest-indicative.toml`.
fn folder(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let text = text.replace("BASE", &scenario_path("rest-indicative").display().to_string());
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn code(s: &str) -> MunicipalityCode {
    MunicipalityCode::parse(s).unwrap()
}

fn validate_fails(path: &Path) -> String {
    let out = Command::cargo_bin("spreiding").unwrap().arg("validate").arg(path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_chain_of_extends_inherits_what_it_does_not_set() {
    let dir = folder(&[
        ("a.toml", "extends = \"BASE\"\nname = \"a\"\n[allocation]\nmode = \"level\"\n"),
        ("b.toml", "extends = \"a.toml\"\nname = \"b\"\n[allocation.weights]\neffort = 0.5\nindicative = 0.5\n"),
    ]);
    let (s, d) = io::load(&dir.path().join("b.toml")).unwrap();
    assert_eq!(s.name, "b");
    assert_eq!(s.allocation.mode, AllocationMode::Level); // from a
    assert!((s.allocation.weights.effort - 0.5).abs() < 1e-12); // its own
    assert!(s.allocation.caps); // from the base
    assert_eq!(s.files.len(), 3);
    assert_eq!(d.municipalities().len(), 342); // the base's dataset, relative to the base
}

#[test]
fn an_extends_cycle_is_refused_with_the_chain() {
    let dir = folder(&[
        ("a.toml", "extends = \"b.toml\"\nname = \"a\"\n"),
        ("b.toml", "extends = \"c.toml\"\nname = \"b\"\n"),
        ("c.toml", "extends = \"a.toml\"\nname = \"c\"\n"),
    ]);
    let e = validate_fails(&dir.path().join("a.toml"));
    assert!(e.contains("c.toml:1: extends: extends makes a cycle:"), "{e}");
    assert!(e.contains("a.toml -> ") && e.contains("b.toml -> ") && e.contains("c.toml -> "), "{e}");
}

#[test]
fn a_missing_base_is_named_with_file_and_line() {
    let dir = folder(&[("a.toml", "name = \"a\"\n\nextends = \"nope.toml\"\n")]);
    let e = validate_fails(&dir.path().join("a.toml"));
    assert!(e.contains("a.toml:3: extends: cannot read"), "{e}");
}

fn solve_file(path: PathBuf) -> (spreiding_solver::Solution, spreiding_solver::model::Dataset) {
    let (s, d) = io::load(&path).unwrap();
    (solve(&d, &s).unwrap(), d)
}

#[test]
fn municipality_overrides_change_caps_and_exclusions() {
    // Hardenberg (GM0160) is capped at 255 regular places in rest-indicative; lift the cap and
    // exclude Almelo (GM0141).
    let dir = folder(&[(
        "o.toml",
        "extends = \"BASE\"\nname = \"o\"\n[[overrides.municipalities]]\ncode = \"GM0160\"\nmax_additional_regular = 2000\n\n[[overrides.municipalities]]\ncode = \"GM0141\"\nexcluded = true\nexclusion_reason = \"bezwaar gegrond\"\n",
    )]);
    let (base, _) = solve_file(scenario_path("rest-indicative"));
    let (changed, _) = solve_file(dir.path().join("o.toml"));
    let before = base.municipality(&code("GM0160"), Commodity::Regular).unwrap();
    let after = changed.municipality(&code("GM0160"), Commodity::Regular).unwrap();
    assert_eq!(before.reason, Reason::Capped);
    assert_eq!(after.cap, Some(2000));
    assert!(after.allocated > before.allocated);
    let almelo = changed.municipality(&code("GM0141"), Commodity::Regular).unwrap();
    assert_eq!(almelo.reason, Reason::Excluded);
    assert_eq!(almelo.allocated, 0);
}

#[test]
fn location_overrides_add_remove_and_change_rows() {
    // Groningen (GM0014): L0002 is an intention of 400 regular places (does not count); make
    // it planned with bridging, remove L0003, and add a new location.
    let dir = folder(&[(
        "l.toml",
        r#"extends = "BASE"
name = "l"
[[overrides.locations]]
location_id = "L0002"
municipality = "GM0014"
status = "planned"

[[overrides.locations]]
action = "remove"
location_id = "L0003"
municipality = "GM0014"

[[overrides.locations]]
action = "add"
location_id = "NEW1"
municipality = "GM0014"
places_regular = 50
places_amv = 5
status = "existing"
opens = 2025-01-01
open_ended = true
bridging = false
location_total = 55
"#,
    )]);
    let (base, _) = solve_file(scenario_path("rest-indicative"));
    let (changed, d) = solve_file(dir.path().join("l.toml"));
    let c0 = base.municipality(&code("GM0014"), Commodity::Regular).unwrap().counted;
    let c1 = changed.municipality(&code("GM0014"), Commodity::Regular).unwrap().counted;
    // +400 (L0002 now counts with bridging), -76 (L0003), +50 (NEW1).
    assert_eq!(c1, c0 + 400 - 76 + 50);
    let a0 = base.municipality(&code("GM0014"), Commodity::Amv).unwrap().counted;
    let a1 = changed.municipality(&code("GM0014"), Commodity::Amv).unwrap().counted;
    assert_eq!(a1, a0 - 14 + 5);
    assert!(d.locations().iter().any(|l| l.location_id == "NEW1" && l.source.starts_with("l.toml:")));
}

#[test]
fn a_province_target_override_changes_the_shortfall() {
    let dir = folder(&[(
        "p.toml",
        "extends = \"BASE\"\nname = \"p\"\n[[overrides.provinces]]\ncode = \"PV24\"\ntarget_regular = 3500\n",
    )]);
    let (changed, d) = solve_file(dir.path().join("p.toml"));
    let pv24 = d.province_index(&spreiding_solver::model::ProvinceCode::parse("PV24").unwrap()).unwrap();
    assert!(d.provinces()[pv24].target_set_by_scenario);
    let b = changed.provinces.iter().find(|b| b.province == pv24 && b.commodity == Commodity::Regular).unwrap();
    assert_eq!(b.target, 3500);
    assert_eq!(u64::from(b.shortfall), 3500 - b.counted);
    assert_eq!(b.allocated + b.missing, b.shortfall);
}

#[test]
fn bad_overrides_are_refused_with_file_and_line() {
    let cases = [
        ("[[overrides.municipalities]]\ncode = \"GM9999\"\nscore = 0.5\n", "o.toml:3: overrides.municipalities.code: unknown municipality GM9999"),
        ("[[overrides.municipalities]]\ncode = \"GM0014\"\nscore = 1.5\n", "o.toml:3: overrides.municipalities.score: 1.5 is not a score from 0 to 1"),
        ("[[overrides.locations]]\nlocation_id = \"L9999\"\nmunicipality = \"GM0014\"\nbridging = true\n", "o.toml:3: overrides.locations.location_id: unknown location L9999 for GM0014"),
        ("[[overrides.locations]]\naction = \"add\"\nlocation_id = \"L0001\"\nmunicipality = \"GM0014\"\nplaces_regular = 1\nplaces_amv = 0\nstatus = \"planned\"\nopens = 2025-01-01\nopen_ended = true\nbridging = false\nlocation_total = 600\n", "location L0001 already has a row for GM0014"),
        ("[[overrides.locations]]\nlocation_id = \"L0001\"\nmunicipality = \"GM0014\"\nplaces_regular = 400\n", "o.toml:3: overrides.locations: the shares of location L0001 add up to 700 places, more than its location_total 600"),
        ("[[overrides.locations]]\nlocation_id = \"L0003\"\nmunicipality = \"GM0014\"\nopens = 2025-04-01\ncloses = 2025-01-01\n", "o.toml:3: overrides.locations.closes: 2025-01-01 is before opens 2025-04-01"),
        ("[[overrides.locations]]\naction = \"add\"\nlocation_id = \"X\"\nmunicipality = \"GM0014\"\nplaces_regular = 1\n", "add needs every field; missing places_amv, status, opens"),
        ("[[overrides.provinces]]\ncode = \"PV40\"\ntarget_regular = 1\n", "o.toml:3: overrides.provinces.code: unknown province PV40"),
        ("[[overrides.municipalities]]\ncode = \"GM0014\"\nmax_additonal_regular = 5\n", "o.toml:5: overrides.municipalities.max_additonal_regular: unknown field `max_additonal_regular`"),
    ];
    for (overrides, needle) in cases {
        let dir = folder(&[("o.toml", &format!("extends = \"BASE\"\n\n{overrides}"))]);
        let e = validate_fails(&dir.path().join("o.toml"));
        assert!(e.contains(needle), "expected `{needle}` in:\n{e}");
    }
}

#[test]
fn a_childs_overrides_apply_after_its_bases() {
    let dir = folder(&[
        ("a.toml", "extends = \"BASE\"\n[[overrides.municipalities]]\ncode = \"GM0014\"\nmax_additional_amv = 1\n"),
        ("b.toml", "extends = \"a.toml\"\n[[overrides.municipalities]]\ncode = \"GM0014\"\nmax_additional_amv = 7\n"),
    ]);
    let (sol, _) = solve_file(dir.path().join("b.toml"));
    assert_eq!(sol.scenario, "b"); // the file stem when no name is given
    assert_eq!(sol.municipality(&code("GM0014"), Commodity::Amv).unwrap().cap, Some(7));
}
