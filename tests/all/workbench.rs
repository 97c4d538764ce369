//! The workbench page of `spreiding serve` and the endpoints it added: the page's files, a data
//! set's map, a run's bands (checked against the run's own result records), the summary as
//! Excel; and the end-to-end tests in Chromium (tests/browser), run from here.

use super::serve::{client, Server};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn get(s: &Server, path: &str) -> reqwest::blocking::Response {
    client().get(s.at(path)).send().unwrap()
}

fn json_of(r: reqwest::blocking::Response) -> Value {
    assert!(r.status().is_success(), "{}", r.status());
    r.json().unwrap()
}

fn status_of(s: &Server, path: &str) -> (u16, Value) {
    let r = get(s, path);
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

#[test]
fn the_page_and_its_files_come_from_the_binary_under_a_strict_policy() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    for (path, media, needle) in [
        ("/", "text/html; charset=utf-8", "<html lang=\"nl\">"),
        ("/workbench/app.js", "text/javascript; charset=utf-8", "'use strict';"),
        ("/workbench/app.css", "text/css; charset=utf-8", ":root"),
    ] {
        let r = get(&s, path);
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], media, "{path}");
        let policy = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.starts_with("default-src 'none'; script-src 'self'"), "{policy}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.text().unwrap().contains(needle), "{path}");
    }
    // The page itself needs no token; the API behind it does (with --tokens).
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, "modeller:a-token-of-enough-length\n").unwrap();
    let secured = Server::start(&dir.path().join("state2"), &["--tokens", tokens.to_str().unwrap()]);
    assert_eq!(get(&secured, "/").status(), 200);
    assert_eq!(get(&secured, "/v1/datasets/nl-2024/map").status(), 401);
}

/// Every `$ref` below `value`.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => references(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_api_document_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let doc = json_of(get(&s, "/openapi.json"));
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    assert!(refs.len() > 20, "{refs:?}");
    for r in refs {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("{r}: not a local reference"));
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    for path in ["/v1/datasets/{label}/map", "/v1/runs/{id}/bands"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is not documented");
    }
}

#[test]
fn a_data_sets_map_has_every_municipality_with_its_outline_and_population() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let map = json_of(get(&s, "/v1/datasets/nl-2024/map"));
    assert_eq!(map["dataset"], "nl-2024");
    // The data set's municipalities file, read here on its own.
    let mut expected = Vec::new();
    let mut r = csv::Reader::from_path(root().join("data/nl-2024/municipalities.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        expected.push((rec[0].to_owned(), rec[1].to_owned(), rec[2].to_owned(), rec[3].parse::<u64>().unwrap()));
    }
    expected.sort();
    let got: Vec<(String, String, String, u64)> = map["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let t = |k: &str| m[k].as_str().unwrap().to_owned();
            (t("code"), t("name"), t("province"), m["population"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(map["provinces"].as_array().unwrap().len(), 12);
    let (w, h) = (map["width"].as_u64().unwrap(), map["height"].as_u64().unwrap());
    // The Netherlands in units of 100 m: roughly 270 by 310 km.
    assert!((2_400..3_000).contains(&w) && (2_900..3_400).contains(&h), "{w} x {h}");
    for m in map["municipalities"].as_array().unwrap() {
        let path = m["path"].as_str().unwrap();
        assert!(path.starts_with('M') && path.ends_with('z'), "{}: {path:.40}", m["code"]);
        // Every absolute point lies inside the map.
        for mv in path.split('M').skip(1) {
            let mut xy = mv.split(['l', 'z']).next().unwrap().split(' ').map(|v| v.parse::<u64>().unwrap());
            let (x, y) = (xy.next().unwrap(), xy.next().unwrap());
            assert!(x <= w && y <= h, "{}: {x},{y}", m["code"]);
        }
    }
    let (status, body) = status_of(&s, "/v1/datasets/nl-2099/map");
    assert_eq!(status, 404);
    assert!(body["detail"].as_str().unwrap().contains("nl-2099"), "{body}");
}

#[test]
fn a_data_set_without_a_boundary_file_has_no_map_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/bare");
    std::fs::create_dir_all(&data).unwrap();
    for f in ["cycle.toml", "municipalities.csv", "provinces.csv"] {
        std::fs::copy(root().join("data/nl-2024").join(f), data.join(f)).unwrap();
    }
    copy_dir(&root().join("data/nl-2024/illustrative"), &data.join("illustrative"));
    copy_dir(&root().join("data/nl-2024/source"), &data.join("source"));
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::write(scenarios.join("one.toml"), "name = \"one\"\ndataset = \"../data/bare\"\n").unwrap();
    let s = Server::start(&dir.path().join("state"), &["--scenarios", scenarios.to_str().unwrap()]);
    let (status, body) = status_of(&s, "/v1/datasets/bare/map");
    assert_eq!(status, 404);
    assert!(body["detail"].as_str().unwrap().contains("gemeenten_2024.geojson"), "{body}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn wait_done(s: &Server, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let run = json_of(get(s, &format!("/v1/runs/{id}")));
        if run["finished"].is_string() {
            return run;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "run {id} stuck: {run}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Min, median and max of whole numbers, by sorting.
fn band(mut v: Vec<u64>) -> (u64, f64, u64) {
    v.sort_unstable();
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] as f64 } else { (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0 };
    (v[0], median, v[n - 1])
}

#[test]
fn bands_are_min_median_max_of_the_obligation_over_the_runs_solved_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    // A sweep of 12 and a scenario of its own: 13 solved scenarios, an even and odd mix.
    let r = client()
        .post(s.at("/v1/runs"))
        .json(&json!({"scenarios": ["2024-2026/sweeps/counting", "2024-2026/level"]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    let run = wait_done(&s, &id);
    assert_eq!(run["status"], "done");
    // The run's own records, read here: obligation = counted + allocated per entry.
    let text = get(&s, &format!("/v1/runs/{id}/results")).text().unwrap();
    let mut codes = Vec::new();
    let mut values: Vec<[Vec<u64>; 3]> = Vec::new();
    let mut solved = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v.get("format").is_some() {
            if codes.is_empty() {
                codes = v["municipalities"].as_array().unwrap().iter().map(|m| m["code"].clone()).collect();
                values = vec![Default::default(); codes.len()];
            }
            continue;
        }
        if v["outcome"] == "failed" {
            continue;
        }
        solved += 1;
        let at = |k: &str, j: usize| v[k][j].as_u64().unwrap();
        for (i, b) in values.iter_mut().enumerate() {
            let (r, a) =
                (at("counted", 2 * i) + at("allocated", 2 * i), at("counted", 2 * i + 1) + at("allocated", 2 * i + 1));
            b[0].push(r);
            b[1].push(a);
            b[2].push(r + a);
        }
    }
    assert_eq!(solved, 13);
    let bands = json_of(get(&s, &format!("/v1/runs/{id}/bands")));
    assert_eq!(bands["run"], id.as_str());
    assert_eq!(bands["scenarios"], 13);
    assert_eq!(bands["failed"], 0);
    let ms = bands["municipalities"].as_array().unwrap();
    assert_eq!(ms.len(), codes.len());
    let mut moving = 0;
    for ((m, code), vals) in ms.iter().zip(&codes).zip(values) {
        assert_eq!(&m["code"], code);
        for (key, v) in ["regular", "amv", "total"].iter().zip(vals) {
            let (min, median, max) = band(v);
            assert_eq!(
                (m[key]["min"].as_u64().unwrap(), m[key]["median"].as_f64().unwrap(), m[key]["max"].as_u64().unwrap()),
                (min, median, max),
                "{code} {key}"
            );
            if *key == "total" && max > min {
                moving += 1;
            }
        }
    }
    assert!(moving > 10, "the counting rules move some obligations: {moving}");
    // CSV: the same numbers, one row per municipality.
    let r = get(&s, &format!("/v1/runs/{id}/bands?format=csv"));
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let text = r.text().unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "code",
            "name",
            "province",
            "population",
            "regular_min",
            "regular_median",
            "regular_max",
            "amv_min",
            "amv_median",
            "amv_max",
            "total_min",
            "total_median",
            "total_max"
        ]
    );
    for (rec, m) in rd.records().zip(ms) {
        let rec = rec.unwrap();
        assert_eq!(&rec[0], m["code"].as_str().unwrap());
        assert_eq!(rec[11].parse::<f64>().unwrap(), m["total"]["median"].as_f64().unwrap());
        assert_eq!(rec[12].parse::<u64>().unwrap(), m["total"]["max"].as_u64().unwrap());
    }
    // Excel, for the bands and the summary: workbooks (zip files) of the Excel media type.
    for path in [format!("/v1/runs/{id}/bands?format=xlsx"), format!("/v1/runs/{id}/summary?format=xlsx")] {
        let r = get(&s, &path);
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        let bytes = r.bytes().unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "{path}");
    }
    let (status, _) = status_of(&s, "/v1/runs/run-999999/bands");
    assert_eq!(status, 404);
    let (status, body) = status_of(&s, &format!("/v1/runs/{id}/bands?format=ods"));
    assert_eq!(status, 422);
    assert!(body["detail"].as_str().unwrap().contains("format"), "{body}");
}

#[test]
fn a_damaged_result_file_gives_no_bands_but_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = Server::start(&state, &[]);
    let r = client().post(s.at("/v1/runs")).json(&json!({"scenarios": ["2024-2026/level"]})).send().unwrap();
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    wait_done(&s, &id);
    assert_eq!(get(&s, &format!("/v1/runs/{id}/bands")).status(), 200);
    s.stop();
    // One value too few in the record's counted places (its allocations left whole).
    let file = state.join("runs").join(&id).join("results/level.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut record: Value = serde_json::from_str(&lines[1]).unwrap();
    record["counted"].as_array_mut().unwrap().pop();
    lines[1] = record.to_string();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let s = Server::start(&state, &[]);
    let (status, body) = status_of(&s, &format!("/v1/runs/{id}/bands"));
    assert_eq!(status, 500, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("level.jsonl:2: record level has 683 counted and 684 allocated entries"), "{detail}");
}

/// The end-to-end tests in Chromium (tests/browser/workbench.test.mjs): they start their own
/// servers from this build's binary. Needs Node.js, `npm ci --prefix tests/browser` and
/// Debian's chromium (`.ci/run` installs both).
#[test]
fn the_workbench_works_in_a_real_browser() {
    let browser = root().join("tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run `npm ci --prefix tests/browser` (and `apt-get install chromium`)"
    );
    let shots = std::env::var_os("SCREENSHOTS").map_or_else(|| browser.join("screenshots"), PathBuf::from);
    let out = std::process::Command::new("node")
        .current_dir(root())
        .args(["--test", "--test-reporter=spec", "tests/browser/workbench.test.mjs"])
        .env("SPREIDING_BIN", env!("CARGO_BIN_EXE_spreiding"))
        .env("SCREENSHOTS", &shots)
        .output()
        .expect("node (Node.js) runs the browser tests");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("{said}");
    assert!(out.status.success(), "the browser tests failed:\n{said}");
    assert!(said.contains("# pass 10") || said.contains("ℹ pass 10"), "not every browser test ran:\n{said}");
}
