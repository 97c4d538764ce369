//! The result-file format of runs (`spreiding_solver::report::results`), tested with the
//! library: records against the solution they come from, the file read back as written, the
//! fingerprint's inputs, and every refusal of a damaged file with its line.

use crate::common::*;
use spreiding_solver::io;
use spreiding_solver::model::{entry, Commodity};
use spreiding_solver::report::results::{
    fingerprint, read_lines, write_lines, Header, ProvinceRecord, Record, ScenarioOutcome, FORMAT,
};
use spreiding_solver::solve::{solve, Status};
use std::collections::BTreeMap;

fn elastic(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("elastic.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"elastic\"\nextends = \"{}\"\n[allocation]\nelastic = true\n[constraints]\nmax_per_1000_regular = 0.5\n",
            scenario_path("rest-indicative").display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_record_holds_the_solution_and_the_file_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = Vec::new();
    let mut header = None;
    for path in [scenario_path("rest-indicative"), elastic(dir.path())] {
        let (scenario, dataset) = io::load(&path).unwrap();
        let solution = solve(&dataset, &scenario).unwrap();
        let params = BTreeMap::from([("weight".to_owned(), "0.5".to_owned())]);
        let record = Record::solved(scenario.name.clone(), params, &solution);
        // Every entry as the solution has it: counted, allocated, beyond the cap, obligation.
        for m in &solution.municipalities {
            let k = entry(m.municipality, m.commodity);
            assert_eq!(record.counted[k], m.counted);
            assert_eq!(record.allocated[k], m.allocated);
            assert_eq!(record.beyond(k), m.beyond_cap);
            assert_eq!(record.obligation(k), u64::from(m.counted) + u64::from(m.allocated) + u64::from(m.beyond_cap));
        }
        let beyond: u32 = solution.municipalities.iter().map(|m| m.beyond_cap).sum();
        let infeasible = solution.provinces.iter().any(|p| p.status == Status::Infeasible);
        assert_eq!(record.outcome, if infeasible { ScenarioOutcome::Infeasible } else { ScenarioOutcome::Ok });
        // No beyond_cap array when nothing is beyond a cap.
        assert_eq!(record.beyond_cap.is_empty(), beyond == 0, "{}", scenario.name);
        header.get_or_insert_with(|| Header::new(&dataset, fingerprint(&dataset, &scenario, None)));
        records.push(record);
    }
    // The elastic scenario has places beyond caps, the plain one none: both kinds are covered.
    assert!(records[0].beyond_cap.is_empty() && !records[1].beyond_cap.is_empty());
    assert_eq!(records[1].outcome, ScenarioOutcome::Infeasible);
    let header = header.unwrap();
    let bytes = write_lines(&header, &records);
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and one line per record");
    assert!(text.ends_with('\n'));
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["format"], FORMAT);
    let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(second["outcome"], "ok");
    assert_eq!(second["params"]["weight"], "0.5");
    let (h, r) = read_lines("f.jsonl", &text).unwrap();
    assert_eq!(h, header);
    assert_eq!(r, records);
    // Blank lines are no records.
    let spaced = text.replace('\n', "\n\n  \n");
    assert_eq!(read_lines("f.jsonl", &spaced).unwrap().1.len(), 2);
}

#[test]
fn outcomes_have_the_names_of_the_files() {
    for (o, name) in
        [(ScenarioOutcome::Ok, "ok"), (ScenarioOutcome::Infeasible, "infeasible"), (ScenarioOutcome::Failed, "failed")]
    {
        assert_eq!(o.as_str(), name);
        assert_eq!(serde_json::to_value(o).unwrap(), name);
    }
}

#[test]
fn a_province_row_leaves_out_beyond_cap_only_when_it_is_zero() {
    let row = |beyond_cap| ProvinceRecord {
        code: "PV20".to_owned(),
        commodity: Commodity::Regular,
        target: 10,
        counted: 4,
        shortfall: 6,
        allocated: 3,
        missing: 3,
        beyond_cap,
        status: Status::Infeasible,
    };
    let zero = serde_json::to_value(row(0)).unwrap();
    assert!(zero.get("beyond_cap").is_none(), "{zero}");
    let three = serde_json::to_value(row(3)).unwrap();
    assert_eq!(three["beyond_cap"], 3, "{three}");
}

#[test]
fn the_fingerprint_follows_the_definition_not_where_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_path("rest-indicative").display().to_string();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let override_text = "[[overrides.municipalities]]\ncode = \"GM0014\"\nmax_additional_regular = 5\n";
    let a = write("a.toml", format!("name = \"x\"\nextends = \"{base}\"\n{override_text}"));
    // The same definition on other lines: the overrides' origins (file and line) differ.
    let b = write("b.toml", format!("name = \"x\"\n\n\n# moved\nextends = \"{base}\"\n\n{override_text}"));
    let c = write("c.toml", format!("name = \"x\"\nextends = \"{base}\"\n[allocation.weights]\neffort = 0.25\n"));
    let fp = |p: &std::path::Path| {
        let (s, d) = io::load(p).unwrap();
        fingerprint(&d, &s, None)
    };
    let (fa, fb, fc) = (fp(&a), fp(&b), fp(&c));
    assert_eq!(fa.len(), 64);
    assert!(fa.chars().all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()), "{fa}");
    assert_eq!(fa, fb, "moving an override to another line changes nothing");
    assert_ne!(fa, fc, "another definition, another fingerprint");
    assert_ne!(fa, fp(&scenario_path("rest-indicative")), "an override is part of the definition");
}

#[test]
fn a_damaged_result_file_is_refused_at_its_line() {
    let (scenario, dataset) = io::load(&scenario_path("rest-indicative")).unwrap();
    let solution = solve(&dataset, &scenario).unwrap();
    let header = Header::new(&dataset, String::new());
    let record = Record::solved("s".to_owned(), BTreeMap::new(), &solution);
    let n = record.counted.len();
    let good = String::from_utf8(write_lines(&header, std::slice::from_ref(&record))).unwrap();
    let head = good.lines().next().unwrap().to_owned();
    let with = |r: &Record| format!("{head}\n\n{}\n", serde_json::to_string(r).unwrap());
    let refused = |text: &str| read_lines("r.jsonl", text).unwrap_err();

    let e = refused("");
    assert_eq!((e.line, e.message.as_str()), (1, "empty result file"));
    let e = refused(&good.replace(FORMAT, "spreiding-results/9"));
    assert_eq!(e.line, 1);
    assert!(e.message.contains("format `spreiding-results/9`"), "{}", e.message);
    // Line numbers count the blank line: the record is on line 3.
    let mut short = record.clone();
    short.counted.pop();
    let e = refused(&with(&short));
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains(&format!("{} counted and {n} allocated", n - 1)), "{}", e.message);
    let mut short = record.clone();
    short.allocated.pop();
    assert_eq!(refused(&with(&short)).line, 3);
    let mut beyond = record.clone();
    beyond.beyond_cap = vec![1; n + 1];
    let e = refused(&with(&beyond));
    assert!(e.message.contains("beyond_cap entries"), "{}", e.message);
    // A beyond_cap array of the right length is read.
    beyond.beyond_cap = vec![1; n];
    assert_eq!(read_lines("r.jsonl", &with(&beyond)).unwrap().1[0].beyond(0), 1);
    let mut capped = record.clone();
    capped.capped = vec![u32::try_from(n).unwrap()];
    let e = refused(&with(&capped));
    assert!(e.message.contains("beyond the header's"), "{}", e.message);
    capped.capped = vec![u32::try_from(n - 1).unwrap()];
    assert!(read_lines("r.jsonl", &with(&capped)).is_ok());
    // A failed scenario's record has no arrays, and is read.
    let failed = Record::failed("f".to_owned(), BTreeMap::new(), "bad".to_owned());
    let (_, r) = read_lines("r.jsonl", &with(&failed)).unwrap();
    assert_eq!(r[0].outcome, ScenarioOutcome::Failed);
    let e = refused(&format!("{head}\nnot json\n"));
    assert_eq!(e.line, 2);
    assert!(e.to_string().starts_with("r.jsonl:2: not a result record"), "{e}");
}

/// The counting rules enter the fingerprint in the first cycle's form (so that results of
/// scenarios that leave the new rules alone keep their fingerprints), and a rule a scenario
/// sets changes it.
#[test]
fn counting_rules_enter_the_fingerprint() {
    use spreiding_solver::counting::CountingContext;
    let d = crate::common::dataset(&[crate::common::Spec {
        indicative: [10, 1],
        counted: [0, 0],
        population: 1000,
        effort: 0.0,
        cap: [10, 1],
        score: 0.5,
        excluded: false,
        corop: 0,
    }]);
    let s = crate::common::scenario(
        spreiding_solver::model::AllocationMode::Rest,
        spreiding_solver::model::Eligibility::All,
        true,
        spreiding_solver::model::Weights { indicative: 1.0, effort: 0.0, feasibility: 0.0 },
    );
    let settings = CountingContext::settings(&s, &CountingContext::new(&d, &s));
    assert_eq!(
        settings,
        serde_json::json!({"count_intentions": false, "require_bridging": true, "counting_date": null})
    );
    let mut t = s.clone();
    t.counting.min_years = Some(2);
    t.counting.min_location_places = Some(20);
    let more = CountingContext::settings(&t, &CountingContext::new(&d, &t));
    assert_eq!(more["min_years"], 2);
    assert_eq!(more["min_location_places"], 20);
    assert_ne!(fingerprint(&d, &s, None), fingerprint(&d, &t, None));
}

/// Places above the task (MODEL.md 3.2a): a record keeps the places a scenario leaves out, so
/// its obligations are the solution's; the report names the setting, and says nothing of it
/// under the default.
#[test]
fn records_and_reports_keep_the_places_above_the_task() {
    use spreiding_solver::model::AboveTask;
    use spreiding_solver::report::Report;
    let (mut scenario, dataset) = io::load(&scenario_path("rest-indicative")).unwrap();
    let held = solve(&dataset, &scenario).unwrap();
    let held_json = serde_json::to_string(&Report::new(&dataset, &held)).unwrap();
    assert!(!held_json.contains("above_task"), "the default's report stays as it was");
    assert!(Record::solved("h".into(), BTreeMap::new(), &held).above_task.is_empty());
    for (treatment, word) in [(AboveTask::Ignored, "ignored"), (AboveTask::Effort, "effort")] {
        assert!(!treatment.is_held() && AboveTask::Held.is_held());
        scenario.allocation.above_task = treatment;
        let sol = solve(&dataset, &scenario).unwrap();
        let json = serde_json::to_string(&Report::new(&dataset, &sol)).unwrap();
        assert!(json.contains(&format!("\"above_task\":\"{word}\"")), "{word}");
        let record = Record::solved(word.into(), BTreeMap::new(), &sol);
        let mut left_out = 0;
        for m in &sol.municipalities {
            let k = entry(m.municipality, m.commodity);
            assert_eq!(record.obligation(k), u64::from(m.obligation), "{} {}", m.code, m.commodity);
            assert_eq!(record.above(k), m.above_task);
            assert_eq!(m.above_task, m.counted.saturating_sub(m.indicative));
            left_out += u64::from(m.above_task);
        }
        assert!(left_out > 1000, "nl-2024 has places above the task: {left_out}");
        // Per province, the places left out are its municipalities' together.
        for b in &sol.provinces {
            let sum: u64 = sol
                .municipalities
                .iter()
                .filter(|m| m.province == b.code && m.commodity == b.commodity)
                .map(|m| u64::from(m.above_task))
                .sum();
            assert_eq!(b.above_task, sum, "{} {}", b.code, b.commodity);
        }
    }
}
