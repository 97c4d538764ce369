//! P10: bad input is refused with exit status 2 and a message naming the file, line and field.
//! One test per kind of problem, on a copy of the data set with one change.

use crate::common::dataset_path;
use assert_cmd::Command;
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

use spreiding_solver::io::DatasetSources;

const FILES: [&str; 7] = DatasetSources::FILES;

const SCENARIO: &str = r#"name = "bad-input"
dataset = "data"
[allocation]
mode = "rest"
"#;

/// A copy of the data set in a temporary folder, with a scenario `s.toml` beside it.
struct Copy {
    dir: TempDir,
}

impl Copy {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("data/illustrative")).unwrap();
        for f in FILES {
            fs::copy(dataset_path().join(f), dir.path().join("data").join(f)).unwrap();
        }
        fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
        Copy { dir }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join("data").join(file)
    }

    /// Replaces line `line` (1-based) of a data file; returns the old line.
    fn set_line(&self, file: &str, line: usize, f: impl FnOnce(&str) -> String) -> String {
        let text = fs::read_to_string(self.path(file)).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let old = lines[line - 1].clone();
        lines[line - 1] = f(&old);
        fs::write(self.path(file), lines.join("\n") + "\n").unwrap();
        old
    }

    /// Replaces field `field` (0-based column) of line `line`.
    fn set_field(&self, file: &str, line: usize, field: usize, value: &str) {
        self.set_line(file, line, |old| {
            let mut fields: Vec<&str> = old.split(',').collect();
            fields[field] = value;
            fields.join(",")
        });
    }

    fn append(&self, file: &str, line: &str) {
        let mut text = fs::read_to_string(self.path(file)).unwrap();
        text.push_str(line);
        text.push('\n');
        fs::write(self.path(file), text).unwrap();
    }

    fn scenario(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join("s.toml");
        fs::write(&p, text).unwrap();
        p
    }

    /// Runs `spreiding validate` and returns its standard error; asserts exit status 2.
    fn refused(&self) -> String {
        refused(&self.dir.path().join("s.toml"))
    }
}

fn refused(scenario: &Path) -> String {
    let out = Command::cargo_bin("spreiding").unwrap().arg("validate").arg(scenario).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "expected exit 2, got {:?}; stderr:\n{stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn assert_has(stderr: &str, needle: &str) {
    assert!(stderr.contains(needle), "expected `{needle}` in:\n{stderr}");
}

#[test]
fn the_unchanged_copy_is_valid() {
    let c = Copy::new();
    Command::cargo_bin("spreiding").unwrap().arg("validate").arg(c.dir.path().join("s.toml")).assert().success();
}

#[test]
fn unknown_municipality_code() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 4, 1, "GM9999");
    assert_has(&c.refused(), "locations.csv:4: municipality: unknown municipality GM9999");
}

#[test]
fn malformed_municipality_code() {
    let c = Copy::new();
    c.set_field("illustrative/effort.csv", 7, 0, "G0014");
    assert_has(&c.refused(), "effort.csv:7: municipality: `G0014` is not a municipality code");
}

#[test]
fn duplicate_municipality_code() {
    let c = Copy::new();
    let first = fs::read_to_string(c.path("municipalities.csv")).unwrap().lines().nth(1).unwrap().to_owned();
    c.append("municipalities.csv", &first);
    let n = fs::read_to_string(c.path("municipalities.csv")).unwrap().lines().count();
    assert_has(&c.refused(), &format!("municipalities.csv:{n}: code: duplicate code GM0014; first on line 2"));
}

#[test]
fn duplicate_province_code() {
    let c = Copy::new();
    c.set_field("provinces.csv", 3, 0, "PV20");
    assert_has(&c.refused(), "provinces.csv:3: code: duplicate code PV20; first on line 2");
}

#[test]
fn municipality_in_the_wrong_province() {
    let c = Copy::new();
    // Line 2 is Groningen (GM0014, PV20, COROP CR03); put it in Fryslân.
    c.set_field("municipalities.csv", 2, 2, "PV21");
    let e = c.refused();
    assert_has(&e, "municipalities.csv:2: province: GM0014 is placed in PV21, but its COROP region CR03 lies in PV20");
    // The targets no longer match either: both provinces are named.
    assert_has(&e, "provinces.csv:2: target_regular");
    assert_has(&e, "provinces.csv:3: target_regular");
}

#[test]
fn unknown_province() {
    let c = Copy::new();
    c.set_field("municipalities.csv", 2, 2, "PV99");
    assert_has(&c.refused(), "municipalities.csv:2: province: unknown province PV99");
}

#[test]
fn negative_number() {
    let c = Copy::new();
    c.set_field("municipalities.csv", 5, 3, "-27520");
    assert_has(&c.refused(), "municipalities.csv:5: population: -27520 is negative");
}

#[test]
fn negative_real_number() {
    let c = Copy::new();
    c.set_field("illustrative/effort.csv", 3, 2, "-4.5");
    assert_has(&c.refused(), "effort.csv:3: avg_occupied_places: -4.5 is negative");
}

#[test]
fn non_numeric_number() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 3, 2, "veel");
    assert_has(&c.refused(), "locations.csv:3: places_regular: `veel` is not a number");
}

#[test]
fn fractional_places() {
    let c = Copy::new();
    c.set_field("illustrative/feasibility.csv", 2, 1, "12.5");
    assert_has(&c.refused(), "feasibility.csv:2: max_additional_regular: 12.5 is not a whole number");
}

#[test]
fn date_that_does_not_parse() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 2, 5, "2025-13-01");
    assert_has(&c.refused(), "locations.csv:2: opens: `2025-13-01` is not a date; expected YYYY-MM-DD");
}

#[test]
fn location_closing_before_it_opens() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 5, 6, "2025-03-01");
    assert_has(&c.refused(), "locations.csv:5: closes: 2025-03-01 is before opens 2025-04-01");
}

#[test]
fn shared_location_counted_twice() {
    let c = Copy::new();
    // L0001 is shared by GM0014 (line 2) and GM1952 (line 3), 300 + 300 of 600: make it 400 + 300.
    c.set_field("illustrative/locations.csv", 2, 2, "400");
    assert_has(
        &c.refused(),
        "locations.csv:3: places_regular: the shares of location L0001 (lines 2, 3) add up to 700 places, more than its location_total 600",
    );
}

#[test]
fn same_location_twice_for_one_municipality() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 3, 1, "GM0014");
    assert_has(&c.refused(), "locations.csv:3: municipality: location L0001 is listed twice for the same municipality");
}

#[test]
fn target_not_the_sum_of_indicative_numbers() {
    let c = Copy::new();
    c.set_field("provinces.csv", 2, 2, "2486");
    assert_has(
        &c.refused(),
        "provinces.csv:2: target_regular: 2486 does not equal the sum of the indicative numbers of the 10 municipalities of PV20, which is 2485",
    );
}

#[test]
fn national_total_not_the_sum_of_targets() {
    let c = Copy::new();
    let text =
        fs::read_to_string(c.path("cycle.toml")).unwrap().replace("national_total = 96000", "national_total = 95000");
    fs::write(c.path("cycle.toml"), text).unwrap();
    assert_has(&c.refused(), "cycle.toml: national_total: 95000 does not equal the sum of the provinces' targets");
}

#[test]
fn negative_weight() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[allocation.weights]\nindicative = 1.0\neffort = -0.5\n");
    assert_has(&refused(&s), "s.toml:5: allocation.weights.effort: -0.5 is not a valid weight");
}

#[test]
fn all_weights_zero() {
    let c = Copy::new();
    let s = c.scenario(
        "name = \"x\"\ndataset = \"data\"\n[allocation.weights]\nindicative = 0.0\neffort = 0\nfeasibility = 0.0\n",
    );
    assert_has(&refused(&s), "s.toml:4: allocation.weights: all weights are 0");
}

#[test]
fn misspelt_scenario_key() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[allocation]\nmdoe = \"rest\"\n");
    let e = refused(&s);
    assert_has(&e, "s.toml:4: allocation.mdoe: unknown field `mdoe`");
}

#[test]
fn unknown_mode() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[allocation]\nmode = \"fair\"\n");
    assert_has(&refused(&s), "s.toml:4: allocation.mode: unknown variant `fair`, expected `rest` or `level`");
}

#[test]
fn counting_date_outside_the_cycle() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[counting]\ncounting_date = 2027-01-01\n");
    assert_has(&refused(&s), "s.toml:4: counting.counting_date: 2027-01-01 lies outside cycle 2024-2026");
}

#[test]
fn missing_dataset_folder() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"nowhere\"\n");
    assert_has(&refused(&s), "nowhere: no such data set folder");
}

#[test]
fn unknown_csv_column() {
    let c = Copy::new();
    c.set_line("illustrative/exclusions.csv", 1, |_| "municipality,reden".to_owned());
    let e = c.refused();
    assert_has(&e, "exclusions.csv:1: reden: unknown column 2");
    assert_has(&e, "exclusions.csv:1: reason: missing column");
}

#[test]
fn duplicate_effort_year() {
    let c = Copy::new();
    // Line 2 is GM0014 2014; make line 344 (GM0014 2015) a second 2014.
    let old = c.set_line("illustrative/effort.csv", 344, |l| l.to_owned());
    assert!(old.starts_with("GM0014,2015"), "{old}");
    c.set_field("illustrative/effort.csv", 344, 1, "2014");
    assert_has(&c.refused(), "effort.csv:344: year: duplicate year 2014 for GM0014; first on line 2");
}

#[test]
fn score_above_one() {
    let c = Copy::new();
    c.set_field("illustrative/feasibility.csv", 2, 3, "1.5");
    assert_has(&c.refused(), "feasibility.csv:2: score: 1.5 is above 1");
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 2, 5, "gisteren");
    c.set_field("illustrative/feasibility.csv", 4, 3, "hoog");
    c.set_field("municipalities.csv", 6, 3, "-1");
    let e = c.refused();
    assert_has(&e, "3 problems in the input");
    assert_has(&e, "locations.csv:2: opens");
    assert_has(&e, "feasibility.csv:4: score");
    assert_has(&e, "municipalities.csv:6: population");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// No panic is reachable from an input file: random edits of the data files are either
    /// accepted or refused with problems, never a crash.
    #[test]
    fn random_edits_never_panic(file in 0usize..FILES.len(), pos in any::<prop::sample::Index>(), insert in "[,\\-0-9a-z\"\n\u{00e9}]{0,6}", cut in 0usize..8) {
        let c = Copy::new();
        let path = c.path(FILES[file]);
        let text = fs::read_to_string(&path).unwrap();
        let mut bytes = text.into_bytes();
        let at = pos.index(bytes.len() + 1);
        let end = (at + cut).min(bytes.len());
        bytes.splice(at..end, insert.bytes());
        fs::write(&path, &bytes).unwrap();
        // In-process: a panic fails the test.
        match spreiding_solver::io::load(&c.dir.path().join("s.toml")) {
            Ok(_) => {}
            Err(e) => prop_assert!(!e.problems().is_empty()),
        }
    }
}

// Numbers at the edges (issue 7): every field has a documented maximum, checked at the edge.

/// Regression: 4,294,967,295 places used to be accepted and wrap the counted places.
#[test]
fn places_beyond_the_limit() {
    let c = Copy::new();
    c.set_line("illustrative/locations.csv", 4, |old| {
        let f: Vec<&str> = old.split(',').collect();
        format!("{},{},4294967295,0,{},{},{},{},4294967295", f[0], f[1], f[4], f[5], f[6], f[7])
    });
    let e = c.refused();
    assert_has(&e, "locations.csv:4: places_regular: 4294967295 is too large; at most 10000000");
    assert_has(&e, "locations.csv:4: location_total: 4294967295 is too large; at most 10000000");
}

/// Regression: a number beyond u32 was called "not a whole number".
#[test]
fn whole_numbers_too_large_or_written_oddly() {
    let c = Copy::new();
    c.set_field("illustrative/feasibility.csv", 2, 1, "99999999999999999999");
    c.set_field("illustrative/feasibility.csv", 3, 1, "1e3");
    c.set_field("municipalities.csv", 2, 3, "200000000");
    let e = c.refused();
    assert_has(&e, "feasibility.csv:2: max_additional_regular: 99999999999999999999 is too large; at most 10000000");
    assert_has(&e, "feasibility.csv:3: max_additional_regular: `1e3` is not written as a whole number; write digits only, e.g. 1000");
    assert_has(&e, "municipalities.csv:2: population: 200000000 is too large; at most 100000000");
    assert!(!e.contains("is not a whole number"), "{e}");
}

/// The places of one municipality's locations together stay below the limit (so counted
/// places and obligations cannot overflow).
#[test]
fn a_municipality_reporting_more_places_than_the_limit() {
    let c = Copy::new();
    c.append("illustrative/locations.csv", "X1,GM0014,9000000,0,existing,2024-01-01,,false,9000000");
    c.append("illustrative/locations.csv", "X2,GM0014,9000000,0,existing,2024-01-01,,false,9000000");
    assert_has(&c.refused(), "locations.csv: municipality: the locations of GM0014 add up to 18");
    assert_has(&c.refused(), "regular places, more than the 10000000 a municipality may report");
}

/// Regression: 1e308 + 1e308 overflowed to infinity and gave "0 allocated, every province
/// infeasible".
#[test]
fn weights_that_would_overflow() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[allocation.weights]\nindicative = 1e308\neffort = 1e308\n");
    let e = refused(&s);
    assert_has(
        &e,
        "s.toml:4: allocation.weights.indicative: 1e308 is not a valid weight; expected a number from 0 to 1000000",
    );
    assert_has(&e, "s.toml:5: allocation.weights.effort: 1e308 is not a valid weight");
}

#[test]
fn override_numbers_beyond_the_limit() {
    let c = Copy::new();
    let s = c.scenario(
        "name = \"x\"\ndataset = \"data\"\n[[overrides.municipalities]]\ncode = \"GM0014\"\nmax_additional_regular = 4000000000\n",
    );
    assert_has(
        &refused(&s),
        "s.toml:3: overrides.municipalities.max_additional_regular: 4000000000 is too large; at most 10000000 places",
    );
}

#[test]
fn effort_years_outside_the_ten_before_the_cycle() {
    let c = Copy::new();
    c.set_field("illustrative/effort.csv", 2, 1, "2024");
    let e = c.refused();
    assert_has(
        &e,
        "effort.csv:2: year: 2024 is not one of the 10 years before the cycle; expected a year from 2014 to 2023",
    );
    // Its municipality is not reported again as missing 2014.
    assert!(!e.contains("no row for GM0014"), "{e}");
}

#[test]
fn effort_year_missing() {
    let c = Copy::new();
    let text = fs::read_to_string(c.path("illustrative/effort.csv")).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("GM0034,2019,")).collect();
    fs::write(c.path("illustrative/effort.csv"), kept.join("\n") + "\n").unwrap();
    assert_has(
        &c.refused(),
        "effort.csv: year: no row for GM0034 (Almere) in 2019; every municipality needs one row per year 2014-2023",
    );
}

#[test]
fn header_only_files_say_no_rows() {
    for file in ["municipalities.csv", "provinces.csv", "illustrative/feasibility.csv"] {
        let c = Copy::new();
        let header = fs::read_to_string(c.path(file)).unwrap().lines().next().unwrap().to_owned();
        fs::write(c.path(file), header + "\n").unwrap();
        assert_has(&c.refused(), &format!("{file}: has a header and no rows"));
    }
}

#[test]
fn a_data_folder_that_is_a_file_says_so_once() {
    let c = Copy::new();
    fs::write(c.dir.path().join("afile"), "x").unwrap();
    let s = c.scenario("name = \"x\"\ndataset = \"afile\"\n");
    let e = refused(&s);
    assert_has(&e, "afile: is a file, not a data set folder");
    assert_eq!(e.matches("afile").count(), 1, "{e}");
}

#[test]
fn huge_values_are_shortened_in_messages() {
    let c = Copy::new();
    let huge = "x".repeat(900);
    c.set_field("illustrative/locations.csv", 2, 4, &huge);
    let e = c.refused();
    assert_has(&e, "... (900 characters)` is not one of existing, planned, intention");
    assert!(e.len() < 1000, "the message is {} bytes", e.len());
}

#[cfg(unix)]
#[test]
fn a_data_file_linked_to_an_endless_device_is_refused_before_it_is_read_whole() {
    let c = Copy::new();
    fs::remove_file(c.path("illustrative/exclusions.csv")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", c.path("illustrative/exclusions.csv")).unwrap();
    assert_has(&c.refused(), "exclusions.csv: is not a regular file (a device); give a file");
}

// Clearer messages (issue 7).

/// Regression: type errors named the value as the field and said `expected u32`.
#[test]
fn toml_type_errors_name_the_key_and_the_kind_in_words() {
    let c = Copy::new();
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[allocation]\ncaps = \"yes\"\n");
    assert_has(&refused(&s), "s.toml:4: allocation.caps: \"yes\" (text) is not valid here; expected true or false");
    let s = c.scenario("name = \"x\"\ndataset = \"data\"\n[allocation]\nmode = 3\n");
    assert_has(
        &refused(&s),
        "s.toml:4: allocation.mode: is not a word of this setting; expected \"rest\" or \"level\"",
    );
    let s = c.scenario(
        "name = \"x\"\ndataset = \"data\"\n[[overrides.municipalities]]\ncode = \"GM0014\"\nmax_additional_regular = -5\n",
    );
    let e = refused(&s);
    assert_has(&e, "s.toml:5: overrides.municipalities.max_additional_regular: -5 is negative; expected a whole number from 0 to 10000000");
    assert!(!e.contains("u32"), "{e}");
}

#[test]
fn a_row_with_the_wrong_number_of_fields_is_reported_once() {
    let c = Copy::new();
    c.set_line("illustrative/locations.csv", 3, |old| format!("{old},extra"));
    let e = c.refused();
    assert_has(&e, "locations.csv:3: has 10 fields; the header has 9");
    assert_eq!(e.matches("locations.csv:3").count(), 1, "{e}");
}

#[test]
fn an_empty_locations_file_is_a_warning_in_validate() {
    let c = Copy::new();
    fs::write(
        c.path("illustrative/locations.csv"),
        "location_id,municipality,places_regular,places_amv,status,opens,closes,bridging,location_total\n",
    )
    .unwrap();
    let out =
        Command::cargo_bin("spreiding").unwrap().arg("validate").arg(c.dir.path().join("s.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("warning: the data set lists no locations"), "{e}");
}

#[test]
fn codes_are_accepted_in_any_case() {
    let c = Copy::new();
    c.set_field("illustrative/locations.csv", 2, 1, "gm0014");
    c.set_field("illustrative/exclusions.csv", 2, 0, "Gm0784");
    Command::cargo_bin("spreiding").unwrap().arg("validate").arg(c.dir.path().join("s.toml")).assert().success();
    let out = Command::cargo_bin("spreiding")
        .unwrap()
        .args(["explain", "--format", "json", "--municipality", "gm0014"])
        .arg(c.dir.path().join("s.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "GM0014");
}

#[test]
fn explain_refuses_a_name_that_matches_two_municipalities() {
    let c = Copy::new();
    // Almere (GM0034, line 3) renamed Groningen, as GM0014 is called.
    c.set_field("municipalities.csv", 3, 1, "Groningen");
    let out = Command::cargo_bin("spreiding")
        .unwrap()
        .args(["explain", "--municipality", "groningen"])
        .arg(c.dir.path().join("s.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("`groningen` names 2 municipalities: GM0014 (Groningen, Groningen), GM0034 (Groningen, Flevoland); give the code"), "{e}");
}

/// The cycle's rules as data: every bad value in `[counting]` and `[indicative]` is refused
/// naming cycle.toml and the field, all of them at once; `spreiding indicative` refuses a rule
/// that gives a weight of 0 or less.
#[test]
fn bad_cycle_rules_name_the_field() {
    let c = Copy::new();
    let cycle = fs::read_to_string(c.path("cycle.toml")).unwrap();
    let head = &cycle[..=cycle.find("\n[counting]").unwrap()];
    fs::write(
        c.path("cycle.toml"),
        format!(
            "{head}[counting]\navailable_until = 2025-01-01\nmin_years = 500\n\n[indicative]\nscope = \"world\"\namv = \"some\"\ncorrection = {{ form = \"linear\", slope = \"x\", floor = -1 }}\n\n[indicative.pins]\nGM9999 = 5\nXX = 1\n"
        ),
    )
    .unwrap();
    let e = c.refused();
    for needle in [
        "cycle.toml: counting.available_until: 2025-01-01 lies before the counting date",
        "cycle.toml: counting.min_years: must be at most 50",
        "cycle.toml: indicative.scope: `world` is not a scope; expected national or province",
        "cycle.toml: indicative.amv: `some` is not an AMV rule",
        "indicative.correction.slope",
        "indicative.pins.XX",
    ] {
        assert_has(&e, needle);
    }
    // A rule without a floor that makes a factor negative: refused by the computation.
    fs::write(
        c.path("cycle.toml"),
        format!("{head}[indicative]\nscope = \"national\"\namv = \"apportion\"\ncorrection = {{ form = \"linear\", slope = 5 }}\n"),
    )
    .unwrap();
    let out = Command::cargo_bin("spreiding").unwrap().arg("indicative").arg(c.path("")).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("a factor must be above 0 (give the correction a floor)"), "{stderr}");
    // A data set without the table: `indicative` says what is missing.
    fs::write(c.path("cycle.toml"), head).unwrap();
    let out = Command::cargo_bin("spreiding").unwrap().arg("indicative").arg(c.path("")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("the cycle has no [indicative] table"));
}
