//! The path-free library API: data sets and scenarios from text in memory, validated by the same
//! code as files, with the same problems at the caller's source names.

use crate::common::{dataset_path, scenario_path};
use spreiding_solver::io::{self, DatasetSources, Resolver, Source};

fn sources_in_memory(prefix: &str) -> DatasetSources {
    let read = |f: &str| Source::new(format!("{prefix}/{f}"), std::fs::read_to_string(dataset_path().join(f)).unwrap());
    DatasetSources {
        label: prefix.to_owned(),
        cycle: read("cycle.toml"),
        provinces: read("provinces.csv"),
        municipalities: read("municipalities.csv"),
        locations: read("illustrative/locations.csv"),
        effort: read("illustrative/effort.csv"),
        feasibility: read("illustrative/feasibility.csv"),
        exclusions: read("illustrative/exclusions.csv"),
    }
}

#[test]
fn a_data_set_from_memory_equals_the_one_from_files_but_for_its_label() {
    let from_files = io::load_dataset(&dataset_path()).unwrap();
    let from_memory = io::parse_dataset(&sources_in_memory("mem")).unwrap();
    assert_eq!(from_memory.label(), "mem");
    assert_eq!(from_memory.content_hash(), from_files.content_hash());
    assert_eq!(from_memory.content_hash().len(), 64);
    assert_eq!(from_memory.municipalities(), from_files.municipalities());
    assert_eq!(from_memory.provinces(), from_files.provinces());
    assert_eq!(from_memory.cycle(), from_files.cycle());
    // Locations carry their row's source; the file name and line are the same.
    assert_eq!(from_memory.locations(), from_files.locations());
}

#[test]
fn the_content_hash_changes_with_one_byte_and_not_with_the_label() {
    let a = sources_in_memory("a");
    let b = sources_in_memory("b");
    assert_eq!(a.content_hash(), b.content_hash());
    let mut c = sources_in_memory("a");
    c.exclusions.text.push(' ');
    assert_ne!(a.content_hash(), c.content_hash());
}

#[test]
fn problems_in_memory_name_the_callers_source_and_line() {
    let mut s = sources_in_memory("mem");
    s.provinces.text = s.provinces.text.replacen("PV20,", "PV2O,", 1);
    let e = io::parse_dataset(&s).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("mem/provinces.csv:2: code: `PV2O` is not a province code"), "{text}");
    // The error is data: serialisable with its problems.
    let json = serde_json::to_value(&e).unwrap();
    let problems = json["problems"].as_array().unwrap();
    let p = problems.iter().find(|p| p["source"] == "mem/provinces.csv").unwrap();
    assert_eq!(p["line"], 2);
    assert_eq!(p["field"], "code");
}

/// Scenarios served from memory by name.
struct Served;

impl Resolver for Served {
    fn extends(&mut self, _from: &Source, name: &str) -> Result<(String, Source), String> {
        match name {
            "base" => {
                Ok(("base".into(), Source::new("served/base", "dataset = \"nl\"\n[allocation]\nmode = \"level\"\n")))
            }
            "loop" => Ok(("loop".into(), Source::new("served/loop", "extends = \"loop\"\n"))),
            _ => Err(format!("no served scenario `{name}`")),
        }
    }

    fn dataset(&mut self, _from: &Source, name: &str) -> Result<String, String> {
        if name == "nl" {
            Ok(dataset_path().display().to_string())
        } else {
            Err(format!("`{name}` is not a data set this server serves"))
        }
    }
}

#[test]
fn a_scenario_from_memory_resolves_extends_and_the_data_set_through_the_caller() {
    let s =
        io::parse_scenario_source(&Source::new("request", "extends = \"base\"\nname = \"r\"\n"), &mut Served).unwrap();
    assert_eq!(s.name, "r");
    assert_eq!(s.allocation.mode, spreiding_solver::model::AllocationMode::Level);
    assert_eq!(s.dataset, dataset_path().display().to_string());
    assert_eq!(s.files, ["request", "base"]);

    let e = io::parse_scenario_source(&Source::new("request", "\n\nextends = \"../etc/passwd\"\n"), &mut Served)
        .unwrap_err()
        .to_string();
    assert!(e.contains("request:3: extends: no served scenario `../etc/passwd`"), "{e}");
    let e = io::parse_scenario_source(&Source::new("request", "dataset = \"/tmp\"\n"), &mut Served)
        .unwrap_err()
        .to_string();
    assert!(e.contains("request:1: dataset: `/tmp` is not a data set this server serves"), "{e}");
    let e = io::parse_scenario_source(&Source::new("request", "extends = \"loop\"\n"), &mut Served)
        .unwrap_err()
        .to_string();
    assert!(e.contains("extends makes a cycle: request -> loop -> loop"), "{e}");
}

#[test]
fn a_scenario_from_memory_and_from_its_file_are_the_same() {
    let path = scenario_path("corop-balance");
    let text = std::fs::read_to_string(&path).unwrap();
    let from_file = io::load_scenario(&path).unwrap();
    let from_text = io::parse_scenario(&path, &text).unwrap();
    assert_eq!(from_file, from_text);
}

/// A data set built in code passes checks too, named by path; its derived values are computed
/// from what it holds, so they cannot go stale.
#[test]
fn a_data_set_built_from_parts_is_validated_and_its_ratio_derived() {
    let d = io::load_dataset(&dataset_path()).unwrap();
    let rebuilt = io::build_dataset(d.to_parts()).unwrap();
    assert_eq!(rebuilt.municipalities(), d.municipalities());
    assert_eq!(rebuilt.national_effort_ratio(), d.national_effort_ratio());

    let mut more = d.to_parts();
    more.municipalities[0].effort_places += 10_000.0;
    let more = io::build_dataset(more).unwrap();
    assert!(more.national_effort_ratio() > d.national_effort_ratio(), "the ratio follows the effort");

    let mut bad = d.to_parts();
    bad.municipalities.swap(0, 1);
    bad.municipalities[5].province = 99;
    bad.municipalities[7].population = 0;
    bad.provinces[0].target.regular += 1;
    bad.locations[0].places.regular = 20_000_000;
    let e = io::build_dataset(bad).unwrap_err().to_string();
    let label = dataset_path().display().to_string();
    for needle in [
        format!("{label}: /municipalities/1/code: GM0014 is not after GM0034"),
        format!("{label}: /municipalities/5/province: index 99 is not a province"),
        format!("{label}: /municipalities/7/population: 0 is not valid"),
        format!("{label}: /provinces/0/target/regular:"),
        format!("{label}: /locations/0: 20000000 places is too large; at most 10000000"),
    ] {
        assert!(e.contains(&needle), "expected `{needle}` in:\n{e}");
    }
}

/// A scenario as JSON (a request body): the same checks, problems at dotted field paths.
#[test]
fn a_scenario_from_json_is_checked_like_a_file() {
    let v = serde_json::json!({
        "extends": "base",
        "name": "from-json",
        "counting": {"counting_date": "2025-06-01", "available_until": "2026-03-01"},
        "allocation": {"weights": {"effort": 0.5}},
        "overrides": {"locations": [{"action": "add", "location_id": "N1", "municipality": "GM0014",
            "places_regular": 10, "places_amv": 0, "status": "planned", "opens": "2025-08-01",
            "open_ended": true, "bridging": true, "location_total": 10}]}
    });
    let s = io::parse_scenario_value("request", &v, &mut Served).unwrap();
    assert_eq!(s.name, "from-json");
    assert_eq!(s.counting.counting_date, spreiding_solver::model::Date::from_ymd_opt(2025, 6, 1));
    assert_eq!(s.counting.available_until, spreiding_solver::model::Date::from_ymd_opt(2026, 3, 1));
    assert_eq!(s.overrides.locations.len(), 1);
    assert_eq!(s.allocation.mode, spreiding_solver::model::AllocationMode::Level, "from the base");

    let bad = serde_json::json!({"extends": "base", "allocation": {"caps": "yes", "mdoe": 1}});
    let e = io::parse_scenario_value("request", &bad, &mut Served).unwrap_err();
    let p = &e.problems()[0];
    assert_eq!((p.source.as_str(), p.line), ("request", None));
    assert!(p.field.as_deref().is_some_and(|f| f.starts_with("allocation.")), "{p}");
    let e = io::parse_scenario_value("request", &serde_json::json!([1, 2]), &mut Served).unwrap_err();
    assert!(e.to_string().contains("request: is not a scenario"), "{e}");
    let e =
        io::parse_scenario_value("request", &serde_json::json!({"counting": {"counting_date": "soon"}}), &mut Served)
            .unwrap_err();
    assert!(e.to_string().contains("counting.counting_date"), "{e}");
}

/// The cycle's rules at their boundaries (cycle.toml): a place available until the counting
/// date itself is accepted, a day earlier refused; `min_years` 50 accepted, 51 refused; a
/// correction's floor equal to its ceiling accepted, above it refused.
#[test]
fn cycle_rules_are_checked_at_their_boundaries() {
    let with = |replace: &str, by: &str| {
        let mut s = sources_in_memory("nl");
        assert!(s.cycle.text.contains(replace), "{replace}");
        s.cycle.text = s.cycle.text.replace(replace, by);
        io::parse_dataset(&s)
    };
    let fields = |r: Result<spreiding_solver::model::Dataset, io::InputError>| -> Vec<String> {
        r.err().map_or_else(Vec::new, |e| e.problems().iter().filter_map(|p| p.field.clone()).collect())
    };
    let until = "available_until = 2026-02-01";
    assert_eq!(fields(with(until, "available_until = 2025-07-01")), Vec::<String>::new());
    assert_eq!(
        with(until, "available_until = 2025-07-01").unwrap().cycle().counting.available_until.map(|d| d.to_string()),
        Some("2025-07-01".to_owned())
    );
    assert_eq!(fields(with(until, "available_until = 2025-06-30")), ["counting.available_until"]);
    let years = "min_years = 0";
    assert_eq!(with(years, "min_years = 50").unwrap().cycle().counting.min_years, 50);
    assert_eq!(fields(with(years, "min_years = 51")), ["counting.min_years"]);
    let correction = "floor = 0.25 }";
    let equal = with(correction, "floor = 0.25, ceiling = 0.25 }");
    assert!(equal.is_ok(), "{:?}", fields(equal));
    assert_eq!(fields(with(correction, "floor = 0.26, ceiling = 0.25 }")), ["indicative.correction.floor"]);
}
