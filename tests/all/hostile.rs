//! The hostile cases of issue 20, one test each (the case names are the issue's): what a
//! hostile tester found on the service, the dossier and `verify`, shard/merge and the file
//! readers. Each was reproduced against the code before its fix and fails there.

use crate::common::*;
use crate::serve::{client, get, json_of, post, problem, wait_for, Server};
use serde_json::{json, Value};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Sends raw bytes to the server and reads the whole answer (the server closes).
fn raw(s: &Server, request: &[u8]) -> String {
    let addr = s.url.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

fn header_of<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A run of one served scenario, waited for.
fn finished_run(s: &Server, body: &Value) -> String {
    let r = post(s, "/v1/runs", body);
    assert_eq!(r.status(), 202);
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    wait_for(s, &id, |r| r["status"] == "done");
    id
}

// ---------------------------------------------------------------------------------------------
// 1. A damaged index

#[test]
fn damaged_index_truncated_or_random_bytes_refuses_to_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = Server::start(&state, &[]);
    finished_run(&s, &json!({"scenarios": ["2024-2026/level"]}));
    drop(s);
    let index = state.join("spreiding.sqlite");
    let run_files = |state: &Path| tree(&state.join("runs"));
    let before = run_files(&state);
    for (case, bytes) in
        [("truncated", Vec::new()), ("random", (0..40_000u32).map(|i| (i * 7919 % 251) as u8).collect())]
    {
        for side in ["-wal", "-shm"] {
            let _ = fs::remove_file(state.join(format!("spreiding.sqlite{side}")));
        }
        fs::write(&index, &bytes).unwrap();
        let Err((code, log)) = Server::try_start(&state, &[]) else { panic!("{case}: the server started") };
        assert_eq!(code, Some(2), "{case}: {log}");
        assert!(log.contains(&index.display().to_string()), "{case}: the file is not named: {log}");
        assert!(log.contains("restore") || log.contains("Restore"), "{case}: {log}");
        // Nothing of the old run was touched.
        assert_eq!(run_files(&state), before, "{case}");
    }
}

#[test]
fn damaged_index_an_unknown_run_folder_is_never_reused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    fs::create_dir_all(state.join("runs/run-000001")).unwrap();
    fs::write(state.join("runs/run-000001/request.json"), "{\"scenarios\": [\"x\"]}").unwrap();
    let Err((code, log)) = Server::try_start(&state, &[]) else {
        panic!("the server started over an unknown run folder")
    };
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("run-000001") && log.contains("spreiding.sqlite"), "{log}");
    assert_eq!(fs::read_to_string(state.join("runs/run-000001/request.json")).unwrap(), "{\"scenarios\": [\"x\"]}");
}

// ---------------------------------------------------------------------------------------------
// 5. Cross-site requests, DNS rebinding, unbounded runs

#[test]
fn cross_site_text_plain_post_foreign_host_and_origin_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = Server::start(&state, &[]);
    let addr = s.url.strip_prefix("http://").unwrap().to_owned();
    let body = r#"{"scenarios": ["2024-2026/level"]}"#;
    // A form a page on another site can send without a preflight.
    for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r = client().post(s.at("/v1/runs")).header("content-type", ct).body(body).send().unwrap();
        let v = problem(r, 415);
        assert!(v["detail"].as_str().unwrap().contains("application/json"), "{v}");
    }
    let r = client().post(s.at("/v1/runs")).body(body).send().unwrap();
    problem(r, 415);
    // No run was made by any of them.
    assert!(!state.join("runs/run-000001").exists());
    assert_eq!(json_of(get(&s, "/v1/runs"))["runs"], json!([]));
    // DNS rebinding: the attacker's name in Host.
    let answer = raw(&s, b"GET /v1/audit HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
    assert_eq!(status_of(&answer), 421, "{answer}");
    assert_eq!(header_of(&answer, "content-type"), Some("application/problem+json"));
    assert!(!answer.contains("\"entries\""), "{answer}");
    let port = addr.rsplit(':').next().unwrap();
    for host in [addr.clone(), format!("localhost:{port}")] {
        let answer = raw(&s, format!("GET /v1/audit HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes());
        assert_eq!(status_of(&answer), 200, "{host}: {answer}");
    }
    // A foreign Origin (a page elsewhere calling with fetch), and the server's own.
    let r = client()
        .post(s.at("/v1/solve"))
        .header("origin", "https://evil.example")
        .json(&json!({"scenario": "2024-2026/level"}))
        .send()
        .unwrap();
    problem(r, 403);
    let r = client()
        .post(s.at("/v1/solve"))
        .header("origin", format!("http://{addr}"))
        .json(&json!({"scenario": "2024-2026/level"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn max_scenarios_has_the_operators_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &["--max-run-scenarios", "500"]);
    let v = problem(
        post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/level"], "max_scenarios": 1_000_000_000_000u64})),
        422,
    );
    assert_eq!(v["problems"][0]["field"], "max_scenarios");
    assert!(v["problems"][0]["message"].as_str().unwrap().contains("--max-run-scenarios"), "{v}");
    // A sweep above the ceiling is refused whatever max_scenarios says; below, with max_scenarios.
    let v = problem(
        post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/sweeps/sensitivity"], "max_scenarios": 500})),
        422,
    );
    let m = v["problems"][0]["message"].as_str().unwrap();
    assert!(m.contains("1000 scenarios") && m.contains("at most 500"), "{v}");
    // The refusal speaks of the request's field, not of a command-line flag, and has no `()`.
    let v = problem(post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/sweeps/weights"], "max_scenarios": 1})), 422);
    let m = v["problems"][0]["message"].as_str().unwrap();
    assert!(m.contains("set max_scenarios to 22") && !m.contains("--max-scenarios") && !m.contains("()"), "{m}");
    assert_eq!(json_of(get(&s, "/v1/runs"))["runs"], json!([]));
}

// ---------------------------------------------------------------------------------------------
// 6, 7. Formula injection, security headers

#[test]
fn csv_formula_injection_is_neutralised_in_every_download() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let evil = json!({"name": "=1+1", "extends": "2024-2026/level"});
    let id = finished_run(&s, &json!({"scenarios": [evil, "2024-2026/level"]}));
    let summary = get(&s, &format!("/v1/runs/{id}/summary?format=csv")).text().unwrap();
    let mut r = csv::Reader::from_reader(summary.as_bytes());
    let ids: Vec<String> = r.records().map(|rec| rec.unwrap()[0].to_owned()).collect();
    assert_eq!(ids, ["'=1+1", "level"]);
    // Negative numbers stay numbers.
    let compare = post(&s, "/v1/compare", &json!({"runs": [id], "format": "csv"})).text().unwrap();
    assert!(!compare.lines().any(|l| l.starts_with('=') || l.contains(",=")), "{compare}");
    // The JSON keeps the name as it is.
    let rows = json_of(get(&s, &format!("/v1/runs/{id}/summary")));
    assert_eq!(rows[0]["id"], "=1+1");
    // compare --excel on the command line.
    let out = dir.path().join("cli");
    let scen = dir.path().join("evil.toml");
    fs::write(&scen, format!("name = \"@SUM(A1)\"\nextends = \"{}\"\n", scenario_path("level").display())).unwrap();
    let run = spreiding().args(["run", "--out"]).arg(&out).arg(&scen).arg(scenario_path("level")).output().unwrap();
    assert!(run.status.success(), "{}", text(&run));
    let excel = spreiding().args(["compare", "--excel"]).arg(&out).output().unwrap();
    assert!(excel.status.success(), "{}", text(&excel));
    let body = String::from_utf8(excel.stdout).unwrap();
    assert!(body.starts_with('\u{feff}'), "--excel without --format is CSV");
    assert!(body.contains("'@SUM(A1)") && !body.contains(";@SUM"), "{body}");
}

#[test]
fn docs_and_api_answers_carry_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    for path in ["/docs/", "/openapi.json", "/v1/health", "/v1/scenarios", "/v1/nothing", "/"] {
        let r = get(&s, path);
        let h = r.headers();
        assert_eq!(h.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{path}");
        let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("http"), "{path}: {csp}");
        assert_eq!(h.get("x-frame-options").map(|v| v.to_str().unwrap()), Some("DENY"), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// 11. Slow clients

#[test]
fn slowloris_half_headers_and_a_short_body_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &["--read-timeout", "1"]);
    let addr = s.url.strip_prefix("http://").unwrap().to_owned();
    // Half the headers, then nothing: the server closes the connection.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(format!("GET /v1/health HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes()).unwrap();
    let mut rest = Vec::new();
    let read = stream.read_to_end(&mut rest);
    assert!(read.is_ok(), "the connection was not closed by the server: {read:?}");
    // 6 of 100 body bytes: 408 as a problem.
    let answer = raw(
        &s,
        format!("POST /v1/solve HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"sce")
            .as_bytes(),
    );
    assert_eq!(status_of(&answer), 408, "{answer}");
    assert!(answer.contains("--read-timeout"), "{answer}");
    // The server still answers.
    assert_eq!(get(&s, "/v1/health").status(), 200);
}

// ---------------------------------------------------------------------------------------------
// 15. One snapshot of the served files

#[test]
fn a_served_scenario_edited_on_disk_solves_and_runs_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let served = dir.path().join("served");
    fs::create_dir_all(&served).unwrap();
    let original = fs::read_to_string(scenario_path("rest-indicative"))
        .unwrap()
        .replace("../../data/nl-2024", dataset_path().to_str().unwrap());
    fs::write(served.join("base.toml"), &original).unwrap();
    let s = Server::start(&dir.path().join("state"), &["--scenarios", served.to_str().unwrap()]);
    let solved: Value = json_of(post(&s, "/v1/solve", &json!({"scenario": "base"})));
    // Edited, then broken, on disk: the run answers as the solve does, from the files as read.
    fs::write(served.join("base.toml"), original.replace("mode = \"rest\"", "mode = \"level\"")).unwrap();
    let id = finished_run(&s, &json!({"scenarios": ["base"]}));
    fs::write(served.join("base.toml"), "this is not TOML").unwrap();
    assert_eq!(post(&s, "/v1/solve", &json!({"scenario": "base"})).status(), 200);
    let id2 = finished_run(&s, &json!({"scenarios": ["base"]}));
    for id in [id, id2] {
        let lines = get(&s, &format!("/v1/runs/{id}/results")).text().unwrap();
        let record: Value = serde_json::from_str(lines.lines().nth(1).unwrap()).unwrap();
        let allocated: u64 = record["allocated"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum();
        let in_report: u64 =
            solved["municipalities"].as_array().unwrap().iter().map(|m| m["allocated"].as_u64().unwrap()).sum();
        assert_eq!(allocated, in_report, "run {id} does not answer the served file as read at start");
    }
}

// ---------------------------------------------------------------------------------------------
// 17, 18, 19. Messages and the error contract

#[test]
fn inline_run_names_that_cannot_be_written_are_refused_at_request_time() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let long = json!({"name": "n".repeat(300), "extends": "2024-2026/level"});
    let v = problem(post(&s, "/v1/runs", &json!({"scenarios": [long]})), 422);
    assert_eq!(v["problems"][0]["field"], "name", "{v}");
    assert!(v["problems"][0]["message"].as_str().unwrap().contains("at most 100"), "{v}");
    assert_eq!(json_of(get(&s, "/v1/runs"))["runs"], json!([]));
}

#[test]
fn error_contract_numbers_paths_headers_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let addr = s.url.strip_prefix("http://").unwrap().to_owned();
    let send = |body: &str| {
        client()
            .post(s.at("/v1/solve"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .unwrap()
    };
    // 2^64: too large, not "not a whole number".
    let v = problem(
        send(
            r#"{"scenario": {"name": "n", "extends": "2024-2026/level", "constraints": {"max_per_1000_regular": 1}, "overrides": {"municipalities": [{"code": "GM0014", "max_additional_regular": 18446744073709551616}]}}}"#,
        ),
        422,
    );
    let m = v["problems"][0]["message"].as_str().unwrap();
    assert!(m.contains("too large") && !m.contains("not a whole number"), "{v}");
    // 4e2 is the whole number 400.
    let r = send(
        r#"{"scenario": {"name": "n", "extends": "2024-2026/level", "overrides": {"municipalities": [{"code": "GM0014", "max_additional_regular": 4e2}]}}}"#,
    );
    assert_eq!(r.status(), 200, "{}", r.text().unwrap());
    // A one-line JSON scenario's problems have no line.
    let v = problem(
        send(
            r#"{"scenario": {"name": "n", "extends": "2024-2026/level", "allocation": {"mode": "fast"}, "counting": {"x": 1}}}"#,
        ),
        422,
    );
    for p in v["problems"].as_array().unwrap() {
        assert!(p["line"].is_null(), "{v}");
    }
    // Bad UTF-8 in a path, a long id, a big header: problem+json, not text or nothing.
    let answer =
        raw(&s, format!("GET /v1/runs/%FF%FE HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes());
    assert!(status_of(&answer) >= 400 && status_of(&answer) < 500, "{answer}");
    assert_eq!(header_of(&answer, "content-type"), Some("application/problem+json"), "{answer}");
    let long = "x".repeat(30_000);
    let v = problem(get(&s, &format!("/v1/runs/{long}")), 404);
    assert!(
        v["detail"].as_str().unwrap().len() < 1000,
        "the id is echoed whole: {}",
        v["detail"].as_str().unwrap().len()
    );
    // Beyond what hyper reads (65,534 bytes of path): still a problem, 414.
    let answer = raw(
        &s,
        format!("GET /v1/runs/{} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n", "x".repeat(100_000))
            .as_bytes(),
    );
    assert_eq!(status_of(&answer), 414, "{}", &answer[..answer.len().min(300)]);
    assert_eq!(header_of(&answer, "content-type"), Some("application/problem+json"));
    let answer = raw(
        &s,
        format!(
            "GET /v1/health HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "y".repeat(500_000)
        )
        .as_bytes(),
    );
    assert_eq!(status_of(&answer), 431, "{}", &answer[..answer.len().min(300)]);
    assert_eq!(header_of(&answer, "content-type"), Some("application/problem+json"));
    // Query errors in the API's words.
    let v = problem(get(&s, "/v1/audit?limit=many"), 422);
    assert!(!v.to_string().contains("Failed to deserialize"), "{v}");
    // No server path in a refusal of a served file's problem.
    let v = problem(
        post(
            &s,
            "/v1/runs",
            &json!({"scenarios": [{"name": "p", "extends": "2024-2026/level", "dataset": "nl-2099"}]}),
        ),
        422,
    );
    let root = env!("CARGO_MANIFEST_DIR");
    assert!(!v.to_string().contains(root), "{v}");
}

#[test]
fn duplicate_json_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let r = client()
        .post(s.at("/v1/solve"))
        .header("content-type", "application/json")
        .body(r#"{"scenario": "2024-2026/level", "scenario": "2024-2026/effort"}"#)
        .send()
        .unwrap();
    let v = problem(r, 400);
    assert!(v["detail"].as_str().unwrap().contains("`scenario` is given twice"), "{v}");
    let r = client()
        .post(s.at("/v1/solve"))
        .header("content-type", "application/json")
        .body(r#"{"scenario": {"name": "a", "name": "b", "extends": "2024-2026/level"}}"#)
        .send()
        .unwrap();
    problem(r, 400);
}

// ---------------------------------------------------------------------------------------------
// 9, 10. Files that are not files, folders that loop

#[cfg(unix)]
fn fifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[cfg(unix)]
#[test]
fn fifos_in_place_of_scenario_files_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe.toml");
    fifo(&pipe);
    for args in [vec!["validate"], vec!["solve"], vec!["run", "--out"]] {
        let mut cmd = spreiding();
        cmd.args(&args);
        if args[0] == "run" {
            cmd.arg(dir.path().join("out"));
        }
        let out = cmd.arg(&pipe).timeout(Duration::from_secs(60)).output().unwrap();
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {t}");
        assert!(t.contains("not a regular file (a FIFO"), "{args:?}: {t}");
    }
    // In the served folder: listed as invalid, and the server listens.
    let served = dir.path().join("served");
    fs::create_dir_all(&served).unwrap();
    fifo(&served.join("pipe.toml"));
    fs::copy(scenario_path("level"), served.join("level.toml")).unwrap();
    let s = Server::start(&dir.path().join("state"), &["--scenarios", served.to_str().unwrap()]);
    let list = json_of(get(&s, "/v1/scenarios"));
    let pipe = list["scenarios"].as_array().unwrap().iter().find(|e| e["id"] == "pipe").cloned().unwrap();
    assert_eq!(pipe["valid"], false);
    assert!(pipe["problems"].to_string().contains("FIFO"), "{pipe}");
}

#[cfg(unix)]
#[test]
fn directory_symlink_loops_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let served = dir.path().join("served");
    fs::create_dir_all(served.join("sub")).unwrap();
    let level = fs::read_to_string(scenario_path("level"))
        .unwrap()
        .replace("../../data/nl-2024", dataset_path().to_str().unwrap());
    fs::write(served.join("sub/level.toml"), level).unwrap();
    std::os::unix::fs::symlink("..", served.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(".", served.join("self")).unwrap();
    let out = spreiding()
        .args(["run", "--out"])
        .arg(dir.path().join("out"))
        .arg(&served)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let summary = fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 2, "one scenario, found once: {summary}");
    let s = Server::start(&dir.path().join("state"), &["--scenarios", served.to_str().unwrap()]);
    let list = json_of(get(&s, "/v1/scenarios"));
    let ids: Vec<&str> = list["scenarios"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["sub/level"]);
}

// ---------------------------------------------------------------------------------------------
// 16. beyond_cap kept apart from allocated

#[test]
fn elastic_results_keep_allocated_within_the_cap_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("elastic.toml");
    fs::write(
        &scen,
        format!(
            "name = \"elastic\"\nextends = \"{}\"\n[allocation]\nelastic = true\n[constraints]\nmax_per_1000_regular = 0.5\n",
            scenario_path("rest-indicative").display()
        ),
    )
    .unwrap();
    // The report, independently of the result files.
    let report: Value =
        serde_json::from_slice(&spreiding().args(["solve", "--format", "json"]).arg(&scen).output().unwrap().stdout)
            .unwrap();
    let beyond_total: u64 =
        report["municipalities"].as_array().unwrap().iter().map(|m| m["beyond_cap"].as_u64().unwrap()).sum();
    assert!(beyond_total > 0, "the scenario assigns nothing beyond a cap");
    for format in ["jsonl", "parquet"] {
        let out = dir.path().join(format);
        let run = spreiding().args(["run", "--format", format, "--out"]).arg(&out).arg(&scen).output().unwrap();
        assert_eq!(run.status.code(), Some(1), "{}", text(&run));
        let c = spreiding().args(["compare", "--format", "json"]).arg(&out).output().unwrap();
        assert!(c.status.success(), "{}", text(&c));
        if format == "jsonl" {
            let lines = fs::read_to_string(out.join("results/elastic.jsonl")).unwrap();
            let header: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
            assert_eq!(header["format"], "spreiding-results/3");
            let r: Value = serde_json::from_str(lines.lines().nth(1).unwrap()).unwrap();
            let munis = header["municipalities"].as_array().unwrap();
            let alloc = r["allocated"].as_array().unwrap();
            let beyond = r["beyond_cap"].as_array().unwrap();
            assert_eq!(beyond.iter().map(|v| v.as_u64().unwrap()).sum::<u64>(), beyond_total);
            for p in r["provinces"].as_array().unwrap() {
                let k = if p["commodity"] == "regular" { 0 } else { 1 };
                let sum: u64 = munis
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m["province"] == p["code"])
                    .map(|(i, _)| alloc[2 * i + k].as_u64().unwrap())
                    .sum();
                assert_eq!(sum, p["allocated"].as_u64().unwrap(), "{p}");
                let b: u64 = munis
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| m["province"] == p["code"])
                    .map(|(i, _)| beyond[2 * i + k].as_u64().unwrap())
                    .sum();
                assert_eq!(b, p["beyond_cap"].as_u64().unwrap_or(0), "{p}");
            }
            // Every municipality's within-cap allocation is the report's.
            for m in report["municipalities"].as_array().unwrap() {
                let i = munis.iter().position(|x| x["code"] == m["code"]).unwrap();
                let k = if m["commodity"] == "regular" { 0 } else { 1 };
                assert_eq!(alloc[2 * i + k], m["allocated"], "{}", m["code"]);
                assert_eq!(beyond[2 * i + k], m["beyond_cap"], "{}", m["code"]);
            }
        }
    }
    // Both formats compare the same.
    let a = spreiding().args(["compare", "--format", "json"]).arg(dir.path().join("jsonl")).output().unwrap().stdout;
    let b = spreiding().args(["compare", "--format", "json"]).arg(dir.path().join("parquet")).output().unwrap().stdout;
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------------------------
// 20. Options

#[test]
fn compare_and_map_options_do_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let run = spreiding()
        .args(["run", "--out"])
        .arg(&out)
        .arg(scenario_path("level"))
        .arg(scenario_path("effort"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run));
    // --excel with another format is refused; without one it is CSV.
    let e = spreiding().args(["compare", "--excel", "--format", "md"]).arg(&out).output().unwrap();
    assert_eq!(e.status.code(), Some(2));
    assert!(text(&e).contains("--format csv"), "{}", text(&e));
    // Markdown: bold closed on its line.
    let md =
        String::from_utf8(spreiding().args(["compare", "--format", "md"]).arg(&out).output().unwrap().stdout).unwrap();
    let first = md.lines().next().unwrap();
    assert_eq!(first, "**Baseline:** effort", "the first result file (by name) holds the baseline");
    // The same run twice: every column its own name.
    let twice = spreiding().args(["compare", "--format", "csv"]).arg(&out).arg(&out).output().unwrap();
    assert!(twice.status.success(), "{}", text(&twice));
    let head = String::from_utf8(twice.stdout).unwrap().lines().next().unwrap().to_owned();
    let cols: Vec<&str> = head.split(',').collect();
    let mut unique = cols.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), cols.len(), "{head}");
    assert!(head.contains("level (2)") && head.contains("effort (2)"), "{head}");
    // map: --baseline without --metric diff, a sweep as baseline, and the issue's metric name.
    let svg = dir.path().join("m.svg");
    let m = spreiding()
        .args(["map", "--baseline"])
        .arg(scenario_path("level"))
        .arg(scenario_path("effort"))
        .arg("--out")
        .arg(&svg)
        .output()
        .unwrap();
    assert_eq!(m.status.code(), Some(2));
    assert!(text(&m).contains("--metric diff"), "{}", text(&m));
    let m = spreiding()
        .args(["map", "--metric", "diff", "--baseline"])
        .arg(root().join("scenarios/2024-2026/sweeps/weights.toml"))
        .arg(scenario_path("effort"))
        .arg("--out")
        .arg(&svg)
        .output()
        .unwrap();
    assert_eq!(m.status.code(), Some(2));
    assert!(text(&m).contains("is a sweep; a map is drawn for one scenario"), "{}", text(&m));
    for metric in ["obligation-per-1000", "obligation-per1000"] {
        let m = spreiding()
            .args(["map", "--metric", metric, "--province", "PV20"])
            .arg(scenario_path("level"))
            .arg("--out")
            .arg(&svg)
            .output()
            .unwrap();
        assert!(m.status.success(), "{metric}: {}", text(&m));
    }
    // A claim file given to solve says what it is and how to use it.
    let claim = root().join("scenarios/2024-2026/claims/ede-maximum-apeldoorn.claim.toml");
    let m = spreiding().arg("solve").arg(&claim).output().unwrap();
    assert_eq!(m.status.code(), Some(2));
    assert!(
        text(&m).contains("this is a claim file") && text(&m).contains("spreiding objection SCENARIO --claim"),
        "{}",
        text(&m)
    );
}

/// Map titles name municipalities as the data set does.
#[test]
fn map_titles_come_from_the_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let (scen, _) = renamed_groningen(dir.path(), "Stad Groningen");
    let svg = dir.path().join("m.svg");
    let m = spreiding().args(["map", "--province", "PV20"]).arg(&scen).arg("--out").arg(&svg).output().unwrap();
    assert!(m.status.success(), "{}", text(&m));
    let text = fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<title>Stad Groningen"), "the boundary file's name is shown");
}

/// A copy of the data set in `dir/data` where Groningen (GM0014) is called `name`, and a
/// scenario on it (`dir/s.toml`); with the line of municipalities.csv that names it.
pub fn renamed_groningen(dir: &Path, name: &str) -> (std::path::PathBuf, usize) {
    let data = dir.join("data");
    copy_dir(&dataset_path(), &data);
    let csv = fs::read_to_string(data.join("municipalities.csv")).unwrap();
    let line = csv.lines().find(|l| l.starts_with("GM0014,")).unwrap().to_owned();
    let old = line.split(',').nth(1).unwrap().to_owned();
    let at = csv.lines().position(|l| l == line).unwrap() + 1;
    fs::write(data.join("municipalities.csv"), csv.replace(&line, &line.replacen(&old, name, 1))).unwrap();
    let scen = dir.join("s.toml");
    fs::write(&scen, format!("name = \"s\"\ndataset = \"{}\"\n", data.display())).unwrap();
    (scen, at)
}

pub fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }
}
