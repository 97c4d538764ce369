//! Monitoring on the command line (issue 25): `spreiding monitor add/status/history` against a
//! dossier of the shipped `rest-indicative` for Utrecht (PV26). The status numbers are
//! computed here from the snapshot files and the dossier's `results/report.csv`, with the
//! counting rules of the 2024-2026 cycle written out again (cycle.toml: no intentions,
//! available until 2026-02-01, a late location only with bridging), independently of the
//! program's code.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DUE: &str = "2025-07-01";
const END: &str = "2026-02-01";
const BASELINE_DATE: &str = "2024-11-01";

/// A dossier of rest-indicative for PV26 in a fresh folder.
fn dossier(tmp: &Path) -> PathBuf {
    let out = tmp.join("dossier");
    let run = spreiding()
        .args(["dossier", "--province", "PV26", "--out"])
        .arg(&out)
        .arg(scenario_path("rest-indicative"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    out
}

type Rec = BTreeMap<String, String>;

/// Counted and pipeline places per (code, commodity).
type Tally = BTreeMap<(String, String), (u64, u64)>;

fn records(bytes: &[u8]) -> Vec<Rec> {
    let mut r = csv::Reader::from_reader(bytes);
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| h.iter().zip(rec.unwrap().iter()).map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        .collect()
}

fn base_locations() -> String {
    std::fs::read_to_string(dataset_path().join("illustrative/locations.csv")).unwrap()
}

/// The first snapshot (2025-03-01): the report's list and five new locations in Utrecht.
fn snapshot_1() -> String {
    let mut s = base_locations();
    s.push_str(
        "L9001,GM0344,300,0,existing,2025-02-01,,false,300\n\
         L9002,GM0344,200,10,planned,2025-06-01,,false,210\n\
         L9003,GM0344,100,0,planned,2025-09-01,,false,100\n\
         L9004,GM0344,50,0,planned,2025-09-01,,true,50\n\
         L9005,GM0307,40,0,intention,2025-03-01,,false,40\n",
    );
    s
}

/// The second (2025-06-01): L0201 now closes before the cycle's end, L0205 is gone, L9001 has
/// 20 places less.
fn snapshot_2() -> String {
    snapshot_1()
        .lines()
        .filter(|l| !l.starts_with("L0205,"))
        .map(|l| match l {
            l if l.starts_with("L0201,") => "L0201,GM0344,250,0,existing,2022-04-01,2025-12-31,false,250".to_owned(),
            l if l.starts_with("L9001,") => "L9001,GM0344,280,0,existing,2025-02-01,,false,280".to_owned(),
            l => l.to_owned(),
        })
        .map(|l| l + "\n")
        .collect()
}

/// Counted and pipeline places per (code, commodity) of a list on a date, by the cycle's rules.
fn tally(list: &str, on: &str) -> Tally {
    let mut out: Tally = BTreeMap::new();
    for r in records(list.as_bytes()) {
        let (opens, closes) = (r["opens"].as_str(), r["closes"].as_str());
        let rules = r["status"] != "intention"
            && (closes.is_empty() || closes >= END)
            && opens < END
            && (opens <= DUE || r["bridging"] == "true");
        if !rules {
            continue;
        }
        let now = opens <= on || on >= DUE;
        for (c, col) in [("regular", "places_regular"), ("amv", "places_amv")] {
            let p: u64 = r[col].parse().unwrap();
            let e = out.entry((r["municipality"].clone(), c.to_owned())).or_default();
            if now {
                e.0 += p;
            } else {
                e.1 += p;
            }
        }
    }
    out
}

fn status_word(obligation: u64, counted: u64, pipeline: u64, on: &str) -> &'static str {
    if counted >= obligation {
        "met"
    } else if on >= DUE {
        "overdue"
    } else if counted + pipeline >= obligation {
        "on-track"
    } else {
        "behind"
    }
}

fn add(d: &Path, file: &Path, date: &str, extra: &[&str]) -> std::process::Output {
    spreiding()
        .args(["monitor", "add"])
        .arg(d)
        .arg("--snapshot")
        .arg(file)
        .args(["--date", date])
        .args(extra)
        .output()
        .unwrap()
}

fn status_csv(d: &Path, at: &str) -> Vec<Rec> {
    let out = spreiding().args(["monitor", "status"]).arg(d).args(["--at", at, "--format", "csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    records(&out.stdout)
}

/// Checks every row of the status on `at` against this file's computation, the lists in force
/// being `lists` (date, text; the report's list first).
fn check(d: &Path, at: &str, lists: &[(&str, String)]) {
    let obligations: BTreeMap<(String, String), (u64, String)> =
        records(&std::fs::read(d.join("results/report.csv")).unwrap())
            .into_iter()
            .filter(|r| r["province"] == "PV26")
            .map(|r| {
                ((r["code"].clone(), r["commodity"].clone()), (r["obligation"].parse().unwrap(), r["name"].clone()))
            })
            .collect();
    let in_force: Vec<&(&str, String)> = lists.iter().filter(|(date, _)| *date <= at).collect();
    let current = in_force.last().unwrap();
    let now = tally(&current.1, at);
    let previous = in_force.len().checked_sub(2).map(|k| tally(&in_force[k].1, in_force[k].0));
    // Evaluation points for `since`: each list at its date, the due date, and `at`.
    let mut points: Vec<(String, Tally)> =
        in_force.iter().map(|(date, list)| (date.to_string(), tally(list, date))).collect();
    if DUE < at {
        let list = in_force.iter().rev().find(|(date, _)| *date <= DUE).unwrap();
        points.push((DUE.to_owned(), tally(&list.1, DUE)));
    }
    points.push((at.to_owned(), now.clone()));
    points.sort_by(|a, b| a.0.cmp(&b.0));

    let rows = status_csv(d, at);
    let mut seen = 0;
    for ((code, c), (obligation, name)) in &obligations {
        let (counted, pipeline) = now.get(&(code.clone(), c.clone())).copied().unwrap_or_default();
        let row = rows.iter().find(|r| &r["code"] == code && &r["commodity"] == c);
        if *obligation == 0 && counted == 0 && pipeline == 0 {
            assert!(row.is_none(), "{code} {c} has nothing to monitor");
            continue;
        }
        seen += 1;
        let row = row.unwrap_or_else(|| panic!("{code} {c} missing on {at}"));
        let status = status_word(*obligation, counted, pipeline, at);
        let mut since = String::new();
        if status == "behind" || status == "overdue" {
            for (date, t) in points.iter().rev() {
                let (cd, pl) = t.get(&(code.clone(), c.clone())).copied().unwrap_or_default();
                match status_word(*obligation, cd, pl, date) {
                    "behind" | "overdue" => since = date.clone(),
                    _ => break,
                }
            }
        }
        let before = previous.as_ref().map_or(counted, |p| p.get(&(code.clone(), c.clone())).map_or(0, |x| x.0));
        let expect = [
            ("name", name.clone()),
            ("province", "PV26".to_owned()),
            ("obligation", obligation.to_string()),
            ("counted", counted.to_string()),
            ("pipeline", pipeline.to_string()),
            ("gap", obligation.saturating_sub(counted).to_string()),
            ("status", status.to_owned()),
            ("since", since),
            ("previous", before.to_string()),
            ("change", (counted as i64 - before as i64).to_string()),
            ("snapshot_date", current.0.to_owned()),
        ];
        for (k, v) in expect {
            assert_eq!(row[k], v, "{code} {c} on {at}: {k}");
        }
    }
    assert_eq!(rows.len(), seen, "rows outside PV26 or without anything to monitor on {at}");
}

#[test]
fn status_numbers_follow_the_snapshots_and_the_cycles_counting_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let (s1, s2) = (tmp.path().join("s1.csv"), tmp.path().join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    let lists = [(BASELINE_DATE, base_locations()), ("2025-03-01", snapshot_1()), ("2025-06-01", snapshot_2())];

    // Before any snapshot: the decision's own list.
    check(&d, "2025-01-15", &lists[..1]);
    let out = add(&d, &s1, "2025-03-01", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("recorded as snapshot 1 of 2025-03-01"));
    check(&d, "2025-03-01", &lists[..2]);
    check(&d, "2025-05-31", &lists[..2]);
    let out = add(&d, &s2, "2025-06-01", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    check(&d, "2025-06-15", &lists);
    // After the due date: short is overdue, the bridged location counts.
    check(&d, "2025-07-15", &lists);
    // An earlier date still reads the history as it was.
    check(&d, "2025-04-01", &lists[..2]);

    // Utrecht's numbers by hand, as a reader of the lists would count them on 2025-06-15:
    // L0201 closes before the end, L0205 is gone; L0202 (90), L0204 (539 + 61 amv), L9001
    // (280) and L9002 (200 + 10 amv, open since 1 June) count; L0203 (250, opens on the
    // counting date) and L9004 (50, bridging) are in the pipeline; L9003 never counts.
    let rows = status_csv(&d, "2025-06-15");
    let utrecht = rows.iter().find(|r| r["code"] == "GM0344" && r["commodity"] == "regular").unwrap();
    assert_eq!(utrecht["counted"], (90 + 539 + 280 + 200).to_string());
    assert_eq!(utrecht["pipeline"], (250 + 50).to_string());
    assert_eq!(utrecht["lost"], (250 + 250 + 20).to_string());
    assert_eq!(utrecht["lost_locations"], "L0201 L0205 L9001");
    let amv = rows.iter().find(|r| r["code"] == "GM0344" && r["commodity"] == "amv").unwrap();
    assert_eq!(amv["counted"], (61 + 10).to_string());
}

#[test]
fn losses_are_named_with_their_location_and_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let (s1, s2) = (tmp.path().join("s1.csv"), tmp.path().join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    assert_eq!(add(&d, &s1, "2025-03-01", &[]).status.code(), Some(0));
    assert_eq!(add(&d, &s2, "2025-06-01", &[]).status.code(), Some(0));
    let out = spreiding()
        .args(["monitor", "status"])
        .arg(&d)
        .args(["--at", "2025-06-15", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = v["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "GM0344" && r["commodity"] == "regular")
        .unwrap();
    let losses: Vec<(String, u64, String)> = row["losses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["location_id"].as_str().unwrap().to_owned(),
                l["places"].as_u64().unwrap(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        losses,
        [
            ("L0201".to_owned(), 250, "closes-before-end".to_owned()),
            ("L0205".to_owned(), 250, "removed".to_owned()),
            ("L9001".to_owned(), 20, "reduced".to_owned())
        ]
    );
    assert_eq!(v["snapshot"]["seq"], 2);
    assert_eq!(v["due"], DUE);
    // The table names them too.
    let out = spreiding().args(["monitor", "status"]).arg(&d).args(["--at", "2025-06-15"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("location L0201 250 places, closes-before-end"), "{table}");
}

fn history(d: &Path) -> serde_json::Value {
    let out = spreiding().args(["monitor", "history"]).arg(d).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_snapshot_that_would_change_history_is_refused_and_a_correction_supersedes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let (s1, s2) = (tmp.path().join("s1.csv"), tmp.path().join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    assert_eq!(add(&d, &s2, "2025-06-01", &[]).status.code(), Some(0));
    let store = d.join("state/monitor.sqlite");
    let before = std::fs::read(&store).unwrap();

    // An earlier date would change what was reported for the dates after it.
    let out = add(&d, &s1, "2025-03-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2025-03-01 is before 2025-06-01") && err.contains("s1.csv"), "{err}");
    // Other contents for a recorded date: refused without --supersede.
    let out = add(&d, &s1, "2025-06-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--supersede"));
    assert_eq!(std::fs::read(&store).unwrap(), before, "a refused snapshot changed the store");
    // --supersede with nothing to supersede is refused too.
    assert_eq!(add(&d, &s1, "2025-06-02", &["--supersede"]).status.code(), Some(2));
    // The same bytes again: nothing written.
    let out = add(&d, &s2, "2025-06-01", &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already recorded as snapshot 1"));
    assert_eq!(std::fs::read(&store).unwrap(), before);

    // A correction supersedes; both stay in the history, the newer is in force.
    let out = add(&d, &s1, "2025-06-01", &["--supersede"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("supersedes snapshot 1"));
    let h = history(&d);
    let snaps = h["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0]["superseded_by"], 2);
    assert_eq!(snaps[1]["supersedes"], 1);
    let lists = [(BASELINE_DATE, base_locations()), ("2025-06-01", snapshot_1())];
    check(&d, "2025-06-15", &lists);

    // The store refuses changes made behind the program's back.
    let conn = rusqlite::Connection::open(&store).unwrap();
    let e = conn.execute("UPDATE snapshot SET date = '2025-01-01' WHERE seq = 1", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn.execute("DELETE FROM snapshot", []).unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn bad_snapshots_are_refused_with_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let cases: &[(&str, &str, &[&str])] = &[
        ("L9001,GM9999,300,0,existing,2025-02-01,,false,300\n", "unknown municipality GM9999", &["municipality"]),
        ("L9001,GM0344,many,0,existing,2025-02-01,,false,300\n", "places_regular", &[]),
        ("L9001,GM0344,300,0,existing,2025-02-31,,false,300\n", "opens", &[]),
        ("L9001,GM0344,300,0,existing,2025-02-01,2025-01-01,false,300\n", "closes", &[]),
        ("L9001,GM0344,300,0,existing,2025-02-01,,false,200\n", "location_total", &[]),
        ("L9001,GM0344,300,0,sometime,2025-02-01,,false,300\n", "status", &[]),
    ];
    let lines = base_locations().lines().count() + 1;
    for (row, field, words) in cases {
        let f = tmp.path().join("bad.csv");
        std::fs::write(&f, base_locations() + row).unwrap();
        let out = add(&d, &f, "2025-03-01", &[]);
        assert_eq!(out.status.code(), Some(2), "{row}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("bad.csv:{lines}")), "{row}: {err}");
        assert!(err.contains(field), "{row}: {err}");
        for w in *words {
            assert!(err.contains(w), "{row}: {err}");
        }
    }
    // A header that is not the locations format, a folder, a FIFO, binary bytes.
    let f = tmp.path().join("header.csv");
    std::fs::write(&f, "location,gemeente\nL1,GM0344\n").unwrap();
    let err = String::from_utf8_lossy(&add(&d, &f, "2025-03-01", &[]).stderr).into_owned();
    assert!(err.contains("header.csv") && err.contains("location_id"), "{err}");
    let err = String::from_utf8_lossy(&add(&d, tmp.path(), "2025-03-01", &[]).stderr).into_owned();
    assert!(err.contains("is a folder"), "{err}");
    let fifo = tmp.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let err = String::from_utf8_lossy(&add(&d, &fifo, "2025-03-01", &[]).stderr).into_owned();
    assert!(err.contains("FIFO"), "{err}");
    let f = tmp.path().join("bytes.csv");
    std::fs::write(&f, [0xffu8, 0x00, 0x12]).unwrap();
    let err = String::from_utf8_lossy(&add(&d, &f, "2025-03-01", &[]).stderr).into_owned();
    assert!(err.contains("bytes.csv") && err.contains("neither UTF-8"), "{err}");
    // A date before the cycle, a date that is no date.
    let good = tmp.path().join("good.csv");
    std::fs::write(&good, snapshot_1()).unwrap();
    let err = String::from_utf8_lossy(&add(&d, &good, "2024-01-31", &[]).stderr).into_owned();
    assert!(err.contains("before the decision's cycle 2024-2026 starts (2024-02-01)"), "{err}");
    let err = String::from_utf8_lossy(&add(&d, &good, "1 juli", &[]).stderr).into_owned();
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    // Nothing was recorded.
    assert!(history(&d)["snapshots"].as_array().unwrap().is_empty());
    // The cycle's first day (cycle.toml: start = 2024-02-01) is in it.
    let out = add(&d, &good, "2024-02-01", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(history(&d)["snapshots"][0]["date"], "2024-02-01");
}

#[test]
fn an_excel_snapshot_counts_as_its_csv() {
    use spreiding_results::output::xlsx::{workbook, Sheet};
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let rows = records(snapshot_1().as_bytes());
    let header: Vec<String> =
        csv::Reader::from_reader(snapshot_1().as_bytes()).headers().unwrap().iter().map(str::to_owned).collect();
    let cells: Vec<Vec<String>> = rows.iter().map(|r| header.iter().map(|h| r[h].clone()).collect()).collect();
    let bytes = workbook(&[Sheet {
        name: "locations",
        header: header.clone(),
        rows: cells.clone(),
        text: &["location_id", "municipality"],
    }])
    .unwrap();
    let x = tmp.path().join("s1.xlsx");
    std::fs::write(&x, bytes).unwrap();
    let out = add(&d, &x, "2025-03-01", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    check(&d, "2025-03-01", &[(BASELINE_DATE, base_locations()), ("2025-03-01", snapshot_1())]);
    assert_eq!(history(&d)["snapshots"][0]["format"], "xlsx");

    // A bad cell is named by the sheet's row and the field.
    let mut bad = cells;
    let k = bad.len() - 1;
    bad[k][1] = "GM9999".into();
    let bytes =
        workbook(&[Sheet { name: "locations", header, rows: bad, text: &["location_id", "municipality"] }]).unwrap();
    let x = tmp.path().join("bad.xlsx");
    std::fs::write(&x, bytes).unwrap();
    let out = add(&d, &x, "2025-04-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("bad.xlsx, sheet locations:{}", k + 2)) && err.contains("GM9999"), "{err}");
}

#[test]
fn nothing_is_lost_when_the_process_is_killed_while_recording() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let (s1, s2) = (tmp.path().join("s1.csv"), tmp.path().join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    assert_eq!(add(&d, &s1, "2025-03-01", &[]).status.code(), Some(0));
    let marker = tmp.path().join("recording");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("spreiding"))
        .args(["monitor", "add"])
        .arg(&d)
        .arg("--snapshot")
        .arg(&s2)
        .args(["--date", "2025-06-01"])
        .env("SPREIDING_TEST_PAUSE_RECORDING", &marker)
        .spawn()
        .unwrap();
    // Wait (bounded by the child's own life) until it is inside the transaction.
    while !marker.exists() {
        assert!(child.try_wait().unwrap().is_none(), "the recording process ended before it paused");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The store holds the first snapshot whole and not the second; it records again.
    let h = history(&d);
    assert_eq!(h["snapshots"].as_array().unwrap().len(), 1);
    check(&d, "2025-06-15", &[(BASELINE_DATE, base_locations()), ("2025-03-01", snapshot_1())]);
    let conn = rusqlite::Connection::open(d.join("state/monitor.sqlite")).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    drop(conn);
    assert_eq!(add(&d, &s2, "2025-06-01", &[]).status.code(), Some(0));
    check(
        &d,
        "2025-06-15",
        &[(BASELINE_DATE, base_locations()), ("2025-03-01", snapshot_1()), ("2025-06-01", snapshot_2())],
    );
}

#[test]
fn the_dossier_still_verifies_and_a_changed_dossier_is_not_monitored() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let s1 = tmp.path().join("s1.csv");
    std::fs::write(&s1, snapshot_1()).unwrap();
    assert_eq!(add(&d, &s1, "2025-03-01", &[]).status.code(), Some(0));
    let out = spreiding().arg("verify").arg(&d).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // Anything else in the state folder is named by verify.
    std::fs::write(d.join("state/notes.txt"), "x").unwrap();
    let out = spreiding().arg("verify").arg(&d).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("state/notes.txt"));
    std::fs::remove_file(d.join("state/notes.txt")).unwrap();
    // A dossier made again (here: its manifest's bytes changed, its content not) is another
    // decision; the store's snapshots are not silently read as this one's, nor added to.
    let manifest = d.join("manifest.json");
    let original = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, [original.as_slice(), b"\n"].concat()).unwrap();
    let out = spreiding().args(["monitor", "status"]).arg(&d).args(["--at", "2025-06-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("monitor.sqlite: holds snapshots of another decision"), "{err}");
    assert!(err.contains(&sha(&original)) && err.contains(&sha(&[original.as_slice(), b"\n"].concat())), "{err}");
    let out = add(&d, &s1, "2025-04-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds snapshots of another decision"));
    std::fs::write(&manifest, &original).unwrap();
    assert_eq!(history(&d)["snapshots"].as_array().unwrap().len(), 1);
    // A changed report: monitoring refuses the dossier and says to verify it.
    let report = d.join("results/report.csv");
    let text = std::fs::read_to_string(&report).unwrap().replacen(",1816,", ",1815,", 1);
    std::fs::write(&report, &text).unwrap();
    let out = spreiding().args(["monitor", "status"]).arg(&d).args(["--at", "2025-06-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("results/report.csv") && err.contains("spreiding verify"), "{err}");
    // ... also when the manifest was changed with it: the report computed again from the
    // dossier's data is the judge.
    let mut m: serde_json::Value = serde_json::from_slice(&original).unwrap();
    let entry = m["files"].as_array_mut().unwrap().iter_mut().find(|f| f["path"] == "results/report.csv").unwrap();
    entry["sha256"] = sha(text.as_bytes()).into();
    entry["bytes"] = text.len().into();
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let out = spreiding().args(["monitor", "status"]).arg(&d).args(["--at", "2025-06-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("results/report.csv differs from the report computed again from the dossier's data"), "{err}");
    // A store that is not one is left alone.
    let other = tempfile::tempdir().unwrap();
    let d2 = dossier(other.path());
    std::fs::create_dir_all(d2.join("state")).unwrap();
    std::fs::write(d2.join("state/monitor.sqlite"), b"not a database at all, just bytes").unwrap();
    let out = spreiding().args(["monitor", "status"]).arg(&d2).args(["--at", "2025-06-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("monitor.sqlite"));
    assert_eq!(std::fs::read(d2.join("state/monitor.sqlite")).unwrap(), b"not a database at all, just bytes");
    // Nor is another program's SQLite database, even when recording into it: no table is
    // added to it.
    let store = d2.join("state/monitor.sqlite");
    std::fs::remove_file(&store).unwrap();
    let conn = rusqlite::Connection::open(&store).unwrap();
    conn.execute_batch("CREATE TABLE notes (line TEXT); INSERT INTO notes VALUES ('mine');").unwrap();
    drop(conn);
    let before = std::fs::read(&store).unwrap();
    let out = add(&d2, &s1, "2025-03-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("monitor.sqlite: not a spreiding monitoring store") && err.contains("it was left as it is"),
        "{err}"
    );
    assert_eq!(std::fs::read(&store).unwrap(), before);
}

/// Records both snapshots and writes the report of PV26 on `at` into `tmp/report`.
fn report_on(tmp: &Path, at: &str) -> (PathBuf, PathBuf) {
    let d = dossier(tmp);
    let (s1, s2) = (tmp.join("s1.csv"), tmp.join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    assert_eq!(add(&d, &s1, "2025-03-01", &[]).status.code(), Some(0));
    assert_eq!(add(&d, &s2, "2025-06-01", &[]).status.code(), Some(0));
    let out = tmp.join("report");
    let run = spreiding()
        .args(["monitor", "report"])
        .arg(&d)
        .args(["--province", "PV26", "--at", at, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    (d, out)
}

#[test]
fn the_report_holds_the_status_the_map_and_the_timelines_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let (d, out) = report_on(tmp.path(), "2025-06-15");
    // status.csv is the province's rows of `monitor status`.
    let all = status_csv(&d, "2025-06-15");
    let ours = records(&std::fs::read(out.join("status.csv")).unwrap());
    assert_eq!(ours, all.iter().filter(|r| r["province"] == "PV26").cloned().collect::<Vec<_>>());
    // The snapshots are there byte for byte.
    assert_eq!(std::fs::read_to_string(out.join("snapshots/1-2025-03-01.csv")).unwrap(), snapshot_1());
    assert_eq!(std::fs::read_to_string(out.join("snapshots/2-2025-06-01.csv")).unwrap(), snapshot_2());
    // The PDF's text: the title, Utrecht's row, its position and the lost locations.
    let text = crate::dossier::pdf_text(&out.join("toezicht-PV26.pdf"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Voortgang van de realisatie: provincie Utrecht"), "{flat}");
    assert!(flat.contains("Stand op 15 juni 2025"), "{flat}");
    let utrecht = ours.iter().find(|r| r["code"] == "GM0344" && r["commodity"] == "regular").unwrap();
    let dutch = |n: &str| {
        let n: u64 = n.parse().unwrap();
        if n >= 1000 {
            format!("{}.{:03}", n / 1000, n % 1000)
        } else {
            n.to_string()
        }
    };
    let row = format!(
        "GM0344 Utrecht regulier {} {} {} {} achter op schema",
        dutch(&utrecht["obligation"]),
        dutch(&utrecht["counted"]),
        dutch(&utrecht["pipeline"]),
        dutch(&utrecht["gap"])
    );
    assert!(flat.contains(&row), "{row} not in {flat}");
    // The list in force, and the province's totals per commodity, summed here from status.csv.
    let list = format!("Lijst van locaties nr. 2 van 1 juni 2025 ({})", tmp.path().join("s2.csv").display());
    assert!(flat.contains(&list), "{list} not in {flat}");
    for (c, word, places) in [("regular", "Regulier", "reguliere plaatsen"), ("amv", "Amv", "amv-plaatsen")] {
        let rows: Vec<&Rec> = ours.iter().filter(|r| r["commodity"] == c).collect();
        let sum = |k: &str| rows.iter().map(|r| r[k].parse::<u64>().unwrap()).sum::<u64>().to_string();
        let count = |st: &str| rows.iter().filter(|r| r["status"] == st).count();
        let summary = format!(
            "{word}: de gemeenten van Utrecht hebben samen een opgave van {} {places}; op 15 juni 2025 tellen er {} mee en zijn er {} besloten die later opengaan. Er ontbreken nog {} plaatsen bij {} gemeenten. Gerealiseerd: {}, op schema: {}, achter op schema: {}, te laat: {}.",
            dutch(&sum("obligation")),
            dutch(&sum("counted")),
            dutch(&sum("pipeline")),
            dutch(&sum("gap")),
            rows.iter().filter(|r| r["gap"] != "0").count(),
            count("met"),
            count("on-track"),
            count("behind"),
            count("overdue"),
        );
        assert!(flat.contains(&summary), "{summary} not in {flat}");
    }
    assert!(
        flat.contains("Verloren: locatie L0201 (250 plaatsen) telt niet mee: sluit voor het einde van de cyclus"),
        "{flat}"
    );
    assert!(flat.contains("Verloren: locatie L0205 (250 plaatsen) staat niet meer op de lijst"), "{flat}");
    // Every municipality behind has its timeline, and only those.
    let behind: Vec<String> = ours
        .iter()
        .filter(|r| r["status"] == "behind" || r["status"] == "overdue")
        .map(|r| format!("timeline-{}-{}.svg", r["code"], r["commodity"]))
        .collect();
    let mut timelines: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("timeline-"))
        .collect();
    timelines.sort();
    let mut expected = behind.clone();
    expected.sort();
    assert_eq!(timelines, expected);
    assert!(!behind.is_empty());
    let svg = std::fs::read_to_string(out.join("timeline-GM0344-regular.svg")).unwrap();
    assert!(
        svg.contains("Utrecht (GM0344)") && svg.contains("1.816") && svg.contains("peildatum 1 juli 2025"),
        "{svg}"
    );
    // The map: one shape per municipality of Utrecht, its tooltip the gap of both commodities.
    let map = std::fs::read_to_string(out.join("map-gap-PV26.svg")).unwrap();
    let mut gaps: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &ours {
        *gaps.entry(r["code"].as_str()).or_default() += r["gap"].parse::<u64>().unwrap();
    }
    for (code, gap) in &gaps {
        let needle = format!("<path id=\"{code}\"");
        let at = map.find(&needle).unwrap_or_else(|| panic!("{code} not on the map"));
        let title_end = map[at..].find("</title>").unwrap();
        assert!(
            map[at..at + title_end].ends_with(&format!(": {}", dutch(&gap.to_string()))),
            "{code}: {}",
            &map[at..at + title_end]
        );
    }
    assert_eq!(map.matches("<path id=\"GM").count(), gaps.len());

    // Verified; then one changed byte in any file is named.
    let v = spreiding().args(["monitor", "verify"]).arg(&out).arg("--dossier").arg(&d).output().unwrap();
    assert_eq!(v.status.code(), Some(0), "{}", String::from_utf8_lossy(&v.stdout));
    let said = String::from_utf8_lossy(&v.stdout);
    assert!(said.contains(": verified: ") && said.contains(") and its 2 snapshots"), "{said}");
    for name in ["status.csv", "snapshots/2-2025-06-01.csv", "timeline-GM0344-regular.svg"] {
        let path = out.join(name);
        let original = std::fs::read(&path).unwrap();
        let mut changed = original.clone();
        let k = changed.len() / 2;
        changed[k] = if changed[k] == b'1' { b'2' } else { b'1' };
        std::fs::write(&path, &changed).unwrap();
        let v = spreiding().args(["monitor", "verify"]).arg(&out).arg("--dossier").arg(&d).output().unwrap();
        assert_eq!(v.status.code(), Some(1), "{name}");
        assert!(String::from_utf8_lossy(&v.stdout).contains(name), "{name}: {}", String::from_utf8_lossy(&v.stdout));
        std::fs::write(&path, original).unwrap();
    }
    // A foreign file is named; the same report made again is the same bytes.
    std::fs::write(out.join("extra.txt"), "x").unwrap();
    let v = spreiding().args(["monitor", "verify"]).arg(&out).arg("--dossier").arg(&d).output().unwrap();
    assert_eq!(v.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&v.stdout).contains("extra.txt: not in the manifest"));
    // ... and a folder with a foreign file is not replaced.
    let again = spreiding()
        .args(["monitor", "report"])
        .arg(&d)
        .args(["--province", "PV26", "--at", "2025-06-15", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(out.join("extra.txt").exists());
    std::fs::remove_file(out.join("extra.txt")).unwrap();
    let before = tree(&out);
    let again = spreiding()
        .args(["monitor", "report"])
        .arg(&d)
        .args(["--province", "PV26", "--at", "2025-06-15", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(tree(&out), before);
}

/// `monitor verify` of the report in `out`: its exit code and what it printed.
fn verify_report(out: &Path, d: &Path) -> (Option<i32>, String) {
    let v = spreiding().args(["monitor", "verify"]).arg(out).arg("--dossier").arg(d).output().unwrap();
    (v.status.code(), format!("{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr)))
}

#[test]
fn a_report_whose_manifest_was_edited_is_not_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let (d, out) = report_on(tmp.path(), "2025-06-15");
    let path = out.join("manifest.json");
    let original = std::fs::read(&path).unwrap();
    let m: serde_json::Value = serde_json::from_slice(&original).unwrap();
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut m = m.clone();
        edit(&mut m);
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        let v = verify_report(&out, &d);
        std::fs::write(&path, &original).unwrap();
        v
    };
    assert_eq!(verify_report(&out, &d).0, Some(0));
    // A snapshot read from outside snapshots/, even when it names the same bytes.
    let real = out.join("snapshots/2-2025-06-01.csv");
    for p in ["snapshots/../snapshots/2-2025-06-01.csv", "status.csv", real.to_str().unwrap()] {
        let (code, text) = edited(&|m| m["snapshots"][1]["path"] = p.into());
        assert_eq!(code, Some(1), "{p}: {text}");
        assert!(text.contains(&format!("manifest.json: snapshot path {p} is not inside snapshots/")), "{p}: {text}");
    }
    // A file's recorded hash that is not the recomputation's, the file itself untouched.
    let (code, text) = edited(&|m| {
        let f = m["files"].as_array_mut().unwrap().iter_mut().find(|f| f["path"] == "status.csv").unwrap();
        f["sha256"] = sha(b"another status").into();
    });
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("status.csv: differs from the recomputation"), "{text}");
    // The size limit of a manifest (1 MiB) is inclusive, and such a manifest is read whole:
    // blanks inside the JSON (before its closing brace, its last byte) are still JSON.
    let limit = 1024 * 1024;
    let brace = original.iter().rposition(|b| *b == b'}').unwrap();
    let padded = |n: usize| [&original[..brace], &vec![b' '; n - brace - 1], &b"}"[..]].concat();
    assert_eq!(padded(limit).len(), limit);
    std::fs::write(&path, padded(limit)).unwrap();
    let (code, text) = verify_report(&out, &d);
    assert_eq!(code, Some(0), "{text}");
    std::fs::write(&path, padded(limit + 1)).unwrap();
    let (code, text) = verify_report(&out, &d);
    assert_ne!(code, Some(0), "{text}");
    assert!(
        text.contains("manifest.json has 1048577 bytes, more than a report's manifest has (at most 1048576)"),
        "{text}"
    );
}

#[test]
fn a_report_made_by_another_program_version_is_not_fully_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let (d, out) = report_on(tmp.path(), "2025-06-15");
    let path = out.join("manifest.json");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let pdf = out.join("toezicht-PV26.pdf");
    let ours = std::fs::read(&pdf).unwrap();
    // The PDF another version made: other bytes (its "made with" line differs), recorded in
    // that version's manifest.
    let theirs = [ours.as_slice(), b"% another version\n"].concat();
    let pdf_copy = tmp.path().join("ours.pdf");
    std::fs::write(&pdf_copy, &ours).unwrap();
    std::fs::write(&pdf, &theirs).unwrap();
    let write = |program: &str, entries: &[(&str, &[u8])]| {
        let mut m = m.clone();
        m["program"] = program.into();
        for (name, bytes) in entries {
            let f = m["files"].as_array_mut().unwrap().iter_mut().find(|f| f["path"] == *name).unwrap();
            f["sha256"] = sha(bytes).into();
            f["bytes"] = bytes.len().into();
        }
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        verify_report(&out, &d)
    };
    let old = "spreiding 0.0.9 (commit 0123456789abcdef0123456789abcdef01234567)";
    let (code, text) = write(old, &[("toezicht-PV26.pdf", &theirs)]);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("NOT FULLY verified") && text.contains(old), "{text}");
    assert!(text.contains("makes it differently (toezicht-PV26.pdf)"), "{text}");
    // The manifest names the program as the PDF does.
    let this = m["program"].as_str().unwrap().to_owned();
    let text = crate::dossier::pdf_text(&pdf_copy);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(this.starts_with("spreiding ") && flat.contains(&format!("Gemaakt met {this}.")), "{this}");
    // Made by this program, the same PDF is a difference.
    let (code, text) = write(&this, &[("toezicht-PV26.pdf", &theirs)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("toezicht-PV26.pdf: differs from the recomputation"), "{text}");
    // Another version's PDF changed after it was recorded is a difference, whether the
    // manifest lists the bytes this version makes or others.
    let (code, text) = write(old, &[("toezicht-PV26.pdf", &ours)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("toezicht-PV26.pdf: changed: differs from its manifest entry"), "{text}");
    std::fs::write(&pdf, [theirs.as_slice(), b"%"].concat()).unwrap();
    let (code, text) = write(old, &[("toezicht-PV26.pdf", &theirs)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("toezicht-PV26.pdf: changed: differs from its manifest entry"), "{text}");
    std::fs::write(&pdf, &theirs).unwrap();
    // The status files are data: another version must make them equal.
    let status = std::fs::read(out.join("status.csv")).unwrap();
    let other = [status.as_slice(), b"\n"].concat();
    std::fs::write(out.join("status.csv"), &other).unwrap();
    let (code, text) = write(old, &[("toezicht-PV26.pdf", &theirs), ("status.csv", &other)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("status.csv: differs from the recomputation") && !text.contains("NOT FULLY"), "{text}");
    // Put back, it is verified again.
    std::fs::write(out.join("status.csv"), &status).unwrap();
    std::fs::write(&pdf, &ours).unwrap();
    let (code, text) = write(&this, &[]);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn after_the_due_date_the_report_says_overdue() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, out) = report_on(tmp.path(), "2025-07-15");
    let text = crate::dossier::pdf_text(&out.join("toezicht-PV26.pdf"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("De peildatum van 1 juli 2025 is verstreken zonder dat de opgave is gehaald: te laat."),
        "{flat}"
    );
    let rows = records(&std::fs::read(out.join("status.csv")).unwrap());
    assert!(rows.iter().all(|r| r["status"] == "met" || r["status"] == "overdue"));
    assert!(rows.iter().any(|r| r["status"] == "overdue"));
}

#[test]
fn the_service_records_snapshots_and_answers_the_status_of_the_command_line() {
    use crate::serve::{client, json_of, problem, Server};
    let tmp = tempfile::tempdir().unwrap();
    let dossiers = tmp.path().join("dossiers");
    std::fs::create_dir_all(&dossiers).unwrap();
    let d = dossier(&dossiers);
    let state = tmp.path().join("state");
    let dossiers_arg = dossiers.display().to_string();
    let s = Server::start(&state, &["--dossiers", &dossiers_arg]);
    let list = json_of(client().get(s.at("/v1/decisions")).send().unwrap());
    let decisions = list["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 1);
    let id = decisions[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(decisions[0]["name"], "dossier");
    assert_eq!(decisions[0]["provinces"], serde_json::json!(["PV26"]));
    let manifest_hash = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(std::fs::read(d.join("manifest.json")).unwrap()))
    };
    assert_eq!(id, manifest_hash);

    let post = |body: String, media: &str, query: &str| {
        client()
            .post(s.at(&format!("/v1/decisions/{id}/snapshots?{query}")))
            .header("content-type", media)
            .body(body)
            .send()
            .unwrap()
    };
    let r = post(snapshot_1(), "text/csv", "date=2025-03-01&name=s1.csv");
    assert_eq!(r.status().as_u16(), 201);
    let v = json_of(r);
    assert_eq!((v["new"].as_bool(), v["snapshot"]["seq"].as_u64()), (Some(true), Some(1)));
    let r = post(snapshot_1(), "text/csv; charset=utf-8", "date=2025-03-01&name=s1.csv");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(json_of(r)["new"], false);
    // Another site's page could send text/plain without asking: refused.
    problem(post(snapshot_2(), "text/plain", "date=2025-06-01"), 415);
    let v = problem(post(snapshot_2(), "text/csv", "date=2025-01-01"), 409);
    assert!(v["detail"].as_str().unwrap().contains("before 2025-03-01"), "{v}");
    let bad = base_locations() + "L9001,GM9999,300,0,existing,2025-02-01,,false,300\n";
    let v = problem(post(bad, "text/csv", "date=2025-06-01&name=juni.csv"), 422);
    let lines = base_locations().lines().count() as u64 + 1;
    assert_eq!(v["problems"][0]["source"], "juni.csv");
    assert_eq!(v["problems"][0]["line"], lines);
    assert_eq!(v["problems"][0]["field"], "municipality");
    let v = problem(post(snapshot_2(), "text/csv", "date=juni"), 422);
    assert!(v["detail"].as_str().unwrap().contains("date"), "{v}");
    problem(
        client()
            .post(s.at("/v1/decisions/nope/snapshots?date=2025-06-01"))
            .header("content-type", "text/csv")
            .body(snapshot_2())
            .send()
            .unwrap(),
        404,
    );
    let r = post(snapshot_2(), "text/csv", "date=2025-06-01&name=s2.csv");
    assert_eq!(r.status().as_u16(), 201);

    // The same lists in the dossier's own store: the command line's status, number for number.
    let (s1, s2) = (tmp.path().join("s1.csv"), tmp.path().join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    assert_eq!(add(&d, &s1, "2025-03-01", &[]).status.code(), Some(0));
    assert_eq!(add(&d, &s2, "2025-06-01", &[]).status.code(), Some(0));
    let cli = spreiding()
        .args(["monitor", "status"])
        .arg(&d)
        .args(["--at", "2025-06-15", "--format", "json"])
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let served = json_of(client().get(s.at(&format!("/v1/decisions/{id}/status?at=2025-06-15"))).send().unwrap());
    assert_eq!(served["municipalities"], cli["municipalities"]);
    assert_eq!(served["provinces"], cli["provinces"]);
    assert_eq!(served["snapshot"]["sha256"], cli["snapshot"]["sha256"]);
    // History, the audit log, the timeline and the map.
    let h = json_of(client().get(s.at(&format!("/v1/decisions/{id}/history"))).send().unwrap());
    assert_eq!(h["snapshots"].as_array().unwrap().len(), 2);
    let audit = json_of(client().get(s.at("/v1/audit")).send().unwrap());
    let lines: Vec<&serde_json::Value> =
        audit["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "monitor.snapshot").collect();
    assert_eq!(lines.len(), 2, "{audit}");
    assert_eq!(lines[0]["target"], id.as_str());
    let svg = client()
        .get(s.at(&format!("/v1/decisions/{id}/timeline?code=GM0344&commodity=regular&at=2025-06-15")))
        .send()
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().unwrap().contains("Utrecht (GM0344)"));
    problem(
        client().get(s.at(&format!("/v1/decisions/{id}/timeline?code=GM0014&commodity=regular"))).send().unwrap(),
        404,
    );
    let map = json_of(client().get(s.at(&format!("/v1/decisions/{id}/map"))).send().unwrap());
    assert!(map["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["code"] == "GM0344" && !m["path"].as_str().unwrap().is_empty()));
    // No server path in any answer.
    assert!(!h.to_string().contains(tmp.path().to_str().unwrap()));

    // The snapshots outlive the process.
    s.kill();
    let s = Server::start(&state, &["--dossiers", &dossiers_arg]);
    let h = json_of(client().get(s.at(&format!("/v1/decisions/{id}/history"))).send().unwrap());
    assert_eq!(h["snapshots"].as_array().unwrap().len(), 2);
    assert_eq!(s.stop(), Some(0));
}

/// A number as the table prints it: a dot per thousand.
fn grouped(n: &str) -> String {
    let digits: Vec<char> = n.chars().collect();
    let mut out = String::new();
    for (i, ch) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(*ch);
    }
    out
}

fn status_of(d: &Path, at: &str, format: &str) -> Vec<u8> {
    let out = spreiding().args(["monitor", "status"]).arg(d).args(["--at", at, "--format", format]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// `--format table` (the default) and `--format xlsx` say what the CSV and the JSON say (the
/// CSV's numbers are checked against this file's own counting above): the heading, the
/// snapshot in force, a line per province and commodity, every municipality not met (overdue
/// and behind first, the largest gap first), the losses; the workbook's three sheets cell for
/// cell, read with openpyxl.
#[test]
fn the_table_and_the_workbook_say_what_the_csv_and_the_json_say() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dossier(tmp.path());
    let json = |at: &str| -> serde_json::Value { serde_json::from_slice(&status_of(&d, at, "json")).unwrap() };

    // Before any snapshot the table names the decision's own list.
    let v = json("2025-01-15");
    let table = String::from_utf8(status_of(&d, "2025-01-15", "table")).unwrap();
    let no_snapshot = format!(
        "No snapshot recorded on or before 2025-01-15: the decision's own location list ({})",
        v["snapshot"]["file"].as_str().unwrap()
    );
    assert_eq!(table.lines().nth(1), Some(no_snapshot.as_str()), "{table}");

    let (s1, s2) = (tmp.path().join("s1.csv"), tmp.path().join("s2.csv"));
    std::fs::write(&s1, snapshot_1()).unwrap();
    std::fs::write(&s2, snapshot_2()).unwrap();
    assert_eq!(add(&d, &s1, "2025-03-01", &[]).status.code(), Some(0));
    assert_eq!(add(&d, &s2, "2025-06-01", &[]).status.code(), Some(0));
    let at = "2025-06-15";
    let v = json(at);
    let rows = status_csv(&d, at);
    let default = spreiding().args(["monitor", "status"]).arg(&d).args(["--at", at]).output().unwrap();
    let table = String::from_utf8(default.stdout).unwrap();
    assert_eq!(table.as_bytes(), status_of(&d, at, "table"), "table is the default");
    let lines: Vec<&str> = table.lines().collect();

    let id = v["decision"].as_str().unwrap();
    assert_eq!(
        lines[0],
        format!(
            "Monitoring of decision {} (scenario {}, cycle {}) on {at}; due date {DUE}",
            &id[..12],
            v["scenario"].as_str().unwrap(),
            v["cycle"].as_str().unwrap()
        )
    );
    let file = v["snapshot"]["file"].as_str().unwrap();
    assert!(file.ends_with("s2.csv"), "{file}");
    assert_eq!(lines[1], format!("Snapshot 2 of 2025-06-01 ({file})"));
    assert_eq!(lines[2], "");
    // A line per province and commodity, its numbers the JSON's.
    let provinces = v["provinces"].as_array().unwrap();
    assert_eq!(provinces.len(), 2, "PV26 regular and amv");
    for (k, p) in provinces.iter().enumerate() {
        let n = |f: &str| p[f].as_u64().unwrap().to_string();
        let want: Vec<String> = vec![
            p["code"].as_str().unwrap().to_owned(),
            p["name"].as_str().unwrap().to_owned(),
            p["commodity"].as_str().unwrap().to_owned(),
            grouped(&n("obligation")),
            grouped(&n("counted")),
            grouped(&n("pipeline")),
            grouped(&n("gap")),
            n("met"),
            n("on_track"),
            n("behind"),
            n("overdue"),
        ];
        assert_eq!(lines[4 + k].split_whitespace().collect::<Vec<_>>(), want, "province line {k}");
    }
    // The province's counts are the CSV's statuses.
    for p in provinces {
        let c = p["commodity"].as_str().unwrap();
        for (field, word) in [("met", "met"), ("on_track", "on-track"), ("behind", "behind"), ("overdue", "overdue")] {
            let count = rows.iter().filter(|r| r["commodity"] == c && r["status"] == word).count() as u64;
            assert_eq!(p[field].as_u64().unwrap(), count, "{c} {field}");
        }
    }
    // Every municipality not met, overdue and behind first, the largest gap first.
    let rank = |s: &str| ["met", "on-track", "behind", "overdue"].iter().position(|w| *w == s).unwrap();
    let mut open: Vec<&Rec> = rows.iter().filter(|r| r["status"] != "met").collect();
    assert!(open.len() > 3, "the case has municipalities behind");
    open.sort_by_key(|r| {
        (
            std::cmp::Reverse(rank(&r["status"])),
            std::cmp::Reverse(r["gap"].parse::<u64>().unwrap()),
            r["code"].clone(),
            r["commodity"].clone(),
        )
    });
    let start = lines.iter().position(|l| l.starts_with("Not met (")).expect("the list of municipalities not met");
    assert_eq!(lines[start], format!("Not met ({}):", open.len()));
    assert_eq!(start, 4 + provinces.len() + 1, "{table}");
    for (k, r) in open.iter().enumerate() {
        let line = lines[start + 2 + k];
        let words: Vec<&str> = line.split_whitespace().collect();
        let name_words = r["name"].chars().take(22).collect::<String>().split_whitespace().count();
        let change: i64 = r["change"].parse().unwrap();
        let mut want = vec![r["code"].clone()];
        want.extend(r["name"].chars().take(22).collect::<String>().split_whitespace().map(str::to_owned));
        want.extend([
            r["province"].clone(),
            r["commodity"].clone(),
            grouped(&r["obligation"]),
            grouped(&r["counted"]),
            grouped(&r["pipeline"]),
            grouped(&r["gap"]),
            r["status"].clone(),
        ]);
        if !r["since"].is_empty() {
            want.push(r["since"].clone());
        }
        want.push(format!("{change:+}"));
        assert_eq!(words, want, "line {k} of the list ({name_words} words of name): {line}");
    }
    // The losses, each with its location, places and reason.
    let losses: Vec<String> = v["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["losses"].as_array().unwrap().iter().map(move |l| {
                format!(
                    "  {} {} ({}): location {} {} places, {}",
                    r["code"].as_str().unwrap(),
                    r["name"].as_str().unwrap(),
                    r["commodity"].as_str().unwrap(),
                    l["location_id"].as_str().unwrap(),
                    l["places"],
                    l["reason"].as_str().unwrap()
                )
            })
        })
        .collect();
    assert_eq!(losses.len(), 3, "Utrecht's three losses");
    let from = lines.iter().position(|l| l.starts_with("Places lost since")).unwrap();
    assert_eq!(lines[from], "Places lost since the previous snapshot (3):");
    assert_eq!(lines[from + 1..], losses.iter().map(String::as_str).collect::<Vec<_>>()[..]);

    // The workbook: three sheets, cell for cell.
    let book = tmp.path().join("status.xlsx");
    let out = spreiding()
        .args(["monitor", "status"])
        .arg(&d)
        .args(["--at", at, "--format", "xlsx", "--output"])
        .arg(&book)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let py = std::process::Command::new("python3")
        .args(["-c", "import json, sys, openpyxl\nwb = openpyxl.load_workbook(sys.argv[1])\nprint(json.dumps({ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}))"])
        .arg(&book)
        .output()
        .expect("python3");
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    let sheets: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    let text = |c: &serde_json::Value| match c {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let sheet = |name: &str| -> Vec<Vec<String>> {
        sheets[name]
            .as_array()
            .unwrap_or_else(|| panic!("sheet {name}"))
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(text).collect())
            .collect()
    };
    let csv_bytes = status_of(&d, at, "csv");
    let mut reader = csv::Reader::from_reader(&csv_bytes[..]);
    let mut want = vec![reader.headers().unwrap().iter().map(str::to_owned).collect::<Vec<_>>()];
    want.extend(reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()));
    assert_eq!(sheet("municipalities"), want);
    // The sheet's columns are the JSON's fields, the province's code headed "province".
    let fields = [
        "code",
        "name",
        "commodity",
        "obligation",
        "counted",
        "pipeline",
        "gap",
        "met",
        "on_track",
        "behind",
        "overdue",
    ];
    let mut want_p = vec![fields.map(|f| if f == "code" { "province" } else { f }.to_owned()).to_vec()];
    want_p.extend(provinces.iter().map(|p| fields.iter().map(|f| text(&p[*f])).collect::<Vec<_>>()));
    assert_eq!(sheet("provinces"), want_p);
    let losses_sheet = sheet("losses");
    assert_eq!(losses_sheet[0], ["code", "name", "commodity", "location_id", "places", "reason", "seen", "source"]);
    let want_l: Vec<Vec<String>> = v["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["losses"].as_array().unwrap().iter().map(move |l| {
                vec![text(&r["code"]), text(&r["name"]), text(&r["commodity"])]
                    .into_iter()
                    .chain(["location_id", "places", "reason", "seen", "source"].iter().map(|f| text(&l[*f])))
                    .collect()
            })
        })
        .collect();
    assert_eq!(losses_sheet[1..], want_l[..]);
}
