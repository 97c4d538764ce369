//! `spreiding serve`: the real server on 127.0.0.1:0, talked to over HTTP with a real client.
//! Every endpoint, every error status a client can cause, auth, path traversal, runs to
//! completion, cancelled, and killed and restarted (results byte-equal to the command line's).

use assert_cmd::Command as Cmd;
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A server process; killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts `spreiding serve` on a free loopback port with `state` and further arguments.
    pub fn start(state: &Path, args: &[&str]) -> Server {
        Self::try_start(state, args).unwrap_or_else(|(code, log)| panic!("the server did not start ({code:?}):\n{log}"))
    }

    /// Like [`Server::start`]; on failure the exit status and what it wrote to stderr.
    pub fn try_start(state: &Path, args: &[&str]) -> Result<Server, (Option<i32>, String)> {
        std::fs::create_dir_all(state).unwrap();
        let log = state.with_extension("log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_spreiding"))
            .current_dir(root())
            .args(["serve", "--bind", "127.0.0.1:0", "--state"])
            .arg(state)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(url) = line.trim().strip_prefix("spreiding serve: listening on ") else {
            let status = child.wait().unwrap();
            return Err((status.code(), std::fs::read_to_string(&log).unwrap_or_default()));
        };
        Ok(Server { url: url.to_owned(), child: Some(child), log })
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    fn signal(&mut self, signal: &str) -> Option<i32> {
        let mut child = self.child.take()?;
        Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap();
        child.wait().unwrap().code()
    }

    /// SIGTERM, and the exit status once it has stopped.
    pub fn stop(mut self) -> Option<i32> {
        self.signal("-TERM")
    }

    /// SIGKILL: no chance to checkpoint anything.
    pub fn kill(mut self) {
        self.signal("-KILL");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(120)).build().unwrap()
}

pub fn json_of(r: Response) -> Value {
    let text = r.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a problem+json answer with `status`; returns its body.
pub fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "{:?}", r.headers());
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v = json_of(r);
    assert_eq!(v["status"], status);
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    v
}

pub fn post(s: &Server, path: &str, body: &Value) -> Response {
    client().post(s.at(path)).json(body).send().unwrap()
}

pub fn get(s: &Server, path: &str) -> Response {
    client().get(s.at(path)).send().unwrap()
}

pub fn cli(args: &[&str]) -> Vec<u8> {
    let out = Cmd::cargo_bin("spreiding").unwrap().current_dir(root()).args(args).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Polls a run until `done(run)`; panics after two minutes.
pub fn wait_for(s: &Server, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let run = json_of(get(s, &format!("/v1/runs/{id}")));
        if done(&run) {
            return run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "run {id} stuck: {run}\n{}",
            std::fs::read_to_string(&s.log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The files below a folder with their bytes, by relative path.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            for (name, bytes) in tree(&p) {
                out.push((format!("{}/{name}", e.file_name().to_string_lossy()), bytes));
            }
        } else {
            out.push((e.file_name().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
        }
    }
    out.sort();
    out
}

/// The status of a GET sent byte for byte, without a client's URL normalisation.
pub fn raw_status(s: &Server, path: &str) -> u16 {
    use std::io::Write;
    let addr = s.url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn health_openapi_and_docs_answer() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let h = json_of(get(&s, "/v1/health"));
    assert_eq!(h["status"], "ok");
    assert_eq!(h["version"], env!("CARGO_PKG_VERSION"));
    let highs = h["highs"].as_str().unwrap();
    assert_eq!(highs.split('.').filter(|p| p.parse::<u32>().is_ok()).count(), 3, "{highs}");
    let api = json_of(get(&s, "/openapi.json"));
    assert!(api["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/v1/solve", "/v1/explain", "/v1/runs", "/v1/runs/{id}/events", "/v1/compare", "/v1/scenarios/{id}"] {
        assert!(api["paths"].get(path).is_some(), "{path} undocumented");
    }
    assert_eq!(api["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let docs = get(&s, "/docs/");
    assert_eq!(docs.status(), 200);
    let html = docs.text().unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "the docs page loads something from the internet: {html}");
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn scenarios_are_listed_by_id_with_settings_after_inheritance() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let list = json_of(get(&s, "/v1/scenarios"));
    let find = |id: &str| list["scenarios"].as_array().unwrap().iter().find(|e| e["id"] == id).cloned().unwrap();
    let rest = find("2024-2026/rest-indicative");
    assert_eq!((rest["kind"].as_str(), rest["valid"].as_bool()), (Some("scenario"), Some(true)));
    assert!(rest["description"].as_str().unwrap().starts_with("De praktijk van december 2024"), "{rest}");
    let sweep = find("2024-2026/sweeps/sensitivity");
    assert_eq!((sweep["kind"].as_str(), sweep["scenarios"].as_u64()), (Some("sweep"), Some(1000)));
    // Both cycles are served.
    assert_eq!(list["datasets"], json!(["nl-2024", "nl-2026"]));
    let second = find("2026-2028/rest-indicative");
    assert_eq!((second["kind"].as_str(), second["valid"].as_bool()), (Some("scenario"), Some(true)));
    let solved = json_of(post(&s, "/v1/solve", &json!({"scenario": "2026-2028/rest-indicative"})));
    assert_eq!(solved["cycle"], "2026-2028", "{solved}");
    // Each data set's indicative distribution, by its cycle's rules: nl-2024's reproduces its
    // own columns (read here from the file), nl-2026 pins Breda at 932.
    let ind = json_of(get(&s, "/v1/datasets/nl-2024/indicative"));
    let file = std::fs::read_to_string(root().join("data/nl-2024/municipalities.csv")).unwrap();
    let mut r = csv::Reader::from_reader(file.as_bytes());
    let rows: Vec<std::collections::BTreeMap<String, String>> = r.deserialize().map(Result::unwrap).collect();
    let served = ind["municipalities"].as_array().unwrap();
    assert_eq!(served.len(), rows.len());
    for (a, b) in served.iter().zip(&rows) {
        assert_eq!(a["code"].as_str(), Some(b["code"].as_str()));
        assert_eq!(a["regular"].to_string(), b["indicative_regular"], "{}", b["code"]);
        assert_eq!(a["amv"].to_string(), b["indicative_amv"], "{}", b["code"]);
    }
    let ind = json_of(get(&s, "/v1/datasets/nl-2026/indicative"));
    let breda = ind["municipalities"].as_array().unwrap().iter().find(|m| m["code"] == "GM0758").unwrap();
    assert_eq!((breda["total"].as_u64(), breda["pinned"].as_bool()), (Some(932), Some(true)));
    assert_eq!(get(&s, "/v1/datasets/nl-1999/indicative").status(), 404);
    // The counting rules in force: the cycle's, where the scenario leaves them.
    let detail = json_of(get(&s, "/v1/scenarios/2026-2028/rest-indicative"));
    let counting = &detail["settings"]["counting"];
    assert_eq!(
        (counting["require_bridging"].as_bool(), counting["min_years"].as_u64()),
        (Some(true), Some(2)),
        "{detail}"
    );

    let effort = json_of(get(&s, "/v1/scenarios/2024-2026/effort"));
    assert_eq!(effort["settings"]["dataset"], "nl-2024");
    assert_eq!(effort["settings"]["allocation"]["weights"]["effort"], 0.5);
    // The files read (the extends chain) by served ids, not server paths.
    assert_eq!(effort["settings"]["files"], json!(["2024-2026/effort"]));
    // Slashes encoded work the same.
    assert_eq!(json_of(get(&s, "/v1/scenarios/2024-2026%2Feffort")), effort);
    let sweep = json_of(get(&s, "/v1/scenarios/2024-2026/sweeps/sensitivity"));
    assert_eq!(sweep["settings"]["random"]["draws"], 1000);
    assert_eq!(sweep["settings"]["base"]["name"], "rest-indicative");

    // Nothing from a request reaches the file system.
    for path in [
        "/v1/scenarios/..%2F..%2FCargo",
        "/v1/scenarios/../../Cargo",
        "/v1/scenarios/%2Fetc%2Fpasswd",
        "/v1/scenarios/2024-2026/effort.toml",
    ] {
        let r = get(&s, path);
        assert_eq!(r.status(), 404, "{path}");
    }
    // The client above folds `..` away; sent raw, the server sees it and still answers 404.
    for path in
        ["/v1/scenarios/../../Cargo", "/v1/scenarios/2024-2026/../../../etc/passwd", "/v1/scenarios//etc/passwd"]
    {
        assert_eq!(raw_status(&s, path), 404, "{path}");
    }
    let v = problem(get(&s, "/v1/scenarios/2024-2026/nothing"), 404);
    assert!(v["detail"].as_str().unwrap().contains("2024-2026/nothing"));
    problem(get(&s, "/v1/nothing"), 404);
    problem(client().put(s.at("/v1/solve")).body("{}").send().unwrap(), 405);
}

#[test]
fn solve_answers_the_command_lines_report_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    for (id, format) in [("rest-indicative", "json"), ("level", "json"), ("corop-balance", "csv"), ("effort", "csv")] {
        let file = format!("scenarios/2024-2026/{id}.toml");
        let expected = cli(&["solve", &file, "--format", format]);
        for _ in 0..2 {
            // The second answer comes from the cache: the same bytes.
            let r = post(&s, "/v1/solve", &json!({"scenario": format!("2024-2026/{id}"), "format": format}));
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["x-spreiding-fingerprint"].len(), 64);
            assert_eq!(r.bytes().unwrap().to_vec(), expected, "{id} {format}");
        }
    }
    // An inline scenario equals the same scenario as a file.
    let inline = json!({
        "name": "effort-heavy", "extends": "2024-2026/rest-indicative",
        "allocation": {"weights": {"indicative": 0.5, "effort": 0.5}},
        "counting": {"count_intentions": true}
    });
    let file = dir.path().join("effort-heavy.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"effort-heavy\"\nextends = \"{}\"\n[allocation.weights]\nindicative = 0.5\neffort = 0.5\n[counting]\ncount_intentions = true\n",
            root().join("scenarios/2024-2026/rest-indicative.toml").display()
        ),
    )
    .unwrap();
    let expected = cli(&["solve", file.to_str().unwrap(), "--format", "json"]);
    let r = post(&s, "/v1/solve", &json!({"scenario": inline}));
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().unwrap().to_vec(), expected);
    // An inline scenario without extends names a served data set.
    let r = post(
        &s,
        "/v1/solve",
        &json!({"scenario": {"name": "plain", "dataset": "nl-2024", "allocation": {"mode": "level"}}}),
    );
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r)["mode"], "level");
    // An infeasible province is still a 200: the report says so.
    let r = post(
        &s,
        "/v1/solve",
        &json!({"scenario": {"name": "tight", "dataset": "nl-2024", "constraints": {"max_per_1000_regular": 0.5}}}),
    );
    assert_eq!(r.status(), 200);
    let v = json_of(r);
    let infeasible: Vec<&Value> =
        v["provinces"].as_array().unwrap().iter().filter(|p| p["status"] == "infeasible").collect();
    assert!(!infeasible.is_empty());
    assert!(infeasible.iter().all(|p| p["missing"].as_u64().unwrap() > 0));
}

#[test]
fn bad_requests_get_problems_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &["--max-body", "2000"]);
    // 400: not JSON, not an object.
    let r = client()
        .post(s.at("/v1/solve"))
        .header("content-type", "application/json")
        .body("{\"scenario\": ")
        .send()
        .unwrap();
    problem(r, 400);
    problem(
        client().post(s.at("/v1/solve")).header("content-type", "application/json").body("[1, 2]").send().unwrap(),
        400,
    );
    // 413 above --max-body.
    let big = json!({"scenario": {"name": "x".repeat(3000)}});
    problem(post(&s, "/v1/solve", &big), 413);
    // 422: the request's own fields.
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": "2024-2026/level", "colour": "red"})), 422);
    assert!(v["problems"][0]["message"].as_str().unwrap().contains("unknown field `colour`"), "{v}");
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": "2024-2026/level", "format": "xml"})), 422);
    assert_eq!(v["problems"][0]["field"], "format");
    assert!(v["problems"][0]["message"].as_str().unwrap().contains("`json`"), "{v}");
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": 42})), 422);
    assert_eq!(v["problems"][0]["field"], "scenario");
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": "2024-2026/sweeps/weights"})), 422);
    assert!(v["detail"].as_str().unwrap().contains("is a sweep"), "{v}");
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": "../scenarios/2024-2026/level"})), 422);
    assert!(v["detail"].as_str().unwrap().contains("not a served scenario"), "{v}");
    // 422: an inline scenario's problems, each at its field.
    let v = problem(
        post(
            &s,
            "/v1/solve",
            &json!({"scenario": {"name": "w", "extends": "2024-2026/level", "allocation": {"weights": {"effort": -1}}}}),
        ),
        422,
    );
    let p = &v["problems"][0];
    assert_eq!(p["source"], "scenario");
    assert!(p["field"].as_str().unwrap().contains("effort"), "{v}");
    // No path from a request: not as extends, not as dataset.
    for scenario in [
        json!({"name": "p", "extends": "../../scenarios/2024-2026/level.toml"}),
        json!({"name": "p", "extends": "/etc/passwd"}),
        json!({"name": "p", "dataset": "../../data/nl-2024"}),
        json!({"name": "p", "dataset": "/work"}),
    ] {
        let v = problem(post(&s, "/v1/solve", &json!({ "scenario": scenario })), 422);
        let text = v.to_string();
        assert!(text.contains("not a served scenario") || text.contains("not a data set of this server"), "{text}");
    }
    // Refusals say what would be valid: the served scenarios (not the sweeps), the data sets.
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": {"name": "p", "extends": "nothing"}})), 422);
    let message = v["problems"][0]["message"].as_str().unwrap();
    assert!(message.contains("\"2024-2026/rest-indicative\"") && !message.contains("sweeps/"), "{message}");
    let v = problem(post(&s, "/v1/solve", &json!({"scenario": {"name": "p", "dataset": "nl-2023"}})), 422);
    assert!(v["problems"][0]["message"].as_str().unwrap().contains("use one of: \"nl-2024\""), "{v}");
    let v =
        problem(post(&s, "/v1/solve", &json!({"scenario": {"name": "p", "extends": "2024-2026/sweeps/weights"}})), 422);
    assert!(v["problems"][0]["message"].as_str().unwrap().contains("is a sweep"), "{v}");
    // Explain: unknown municipality, unknown commodity.
    let v = problem(post(&s, "/v1/explain", &json!({"scenario": "2024-2026/level", "municipality": "Atlantis"})), 422);
    assert_eq!(v["problems"][0]["field"], "municipality");
    let v = problem(
        post(
            &s,
            "/v1/explain",
            &json!({"scenario": "2024-2026/level", "municipality": "GM0014", "commodity": "tents"}),
        ),
        422,
    );
    assert_eq!(v["problems"][0]["field"], "commodity");
    // Runs and compare: unknown ids in the body.
    let v = problem(post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/nothing"]})), 422);
    assert_eq!(v["problems"][0]["field"], "scenarios[0]");
    problem(post(&s, "/v1/runs", &json!({"scenarios": []})), 422);
    let v = problem(
        post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/sweeps/sensitivity"], "max_scenarios": 10})),
        422,
    );
    assert!(v["detail"].as_str().unwrap().contains("more than the limit of 10"), "{v}");
    let v = problem(post(&s, "/v1/compare", &json!({"runs": ["run-999999"]})), 422);
    assert_eq!(v["problems"][0]["field"], "runs[0]");
    problem(get(&s, "/v1/runs/run-999999"), 404);
    problem(get(&s, "/v1/runs/run-999999/summary"), 404);
    problem(client().delete(s.at("/v1/runs/run-999999")).send().unwrap(), 404);
    problem(get(&s, "/v1/audit?limit=0"), 422);
    problem(get(&s, "/v1/audit?limit=many"), 422);
    // Nothing above was a server error, and the server still answers.
    assert_eq!(get(&s, "/v1/health").status(), 200);
}

#[test]
fn explain_answers_the_command_lines_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let file = "scenarios/2024-2026/rest-indicative.toml";
    for (municipality, commodity) in [("GM0014", "regular"), ("Almere", "amv")] {
        let r = post(
            &s,
            "/v1/explain",
            &json!({"scenario": "2024-2026/rest-indicative", "municipality": municipality, "commodity": commodity}),
        );
        assert_eq!(r.status(), 200);
        let v = json_of(r);
        let data: Value = serde_json::from_slice(&cli(&[
            "explain",
            file,
            "--municipality",
            municipality,
            "--commodity",
            commodity,
            "--format",
            "json",
        ]))
        .unwrap();
        let text = String::from_utf8(cli(&["explain", file, "--municipality", municipality, "--commodity", commodity]))
            .unwrap();
        assert_eq!(v["explanation"], data);
        assert_eq!(v["text"], text);
    }
    // With the counterfactuals: the same as `spreiding explain --what-if`.
    let r = post(
        &s,
        "/v1/explain",
        &json!({"scenario": "2024-2026/rest-indicative", "municipality": "GM0344", "what_if": true}),
    );
    assert_eq!(r.status(), 200);
    let v = json_of(r);
    let data: Value =
        serde_json::from_slice(&cli(&["explain", file, "--municipality", "GM0344", "--what-if", "--format", "json"]))
            .unwrap();
    assert_eq!(v["explanation"], data);
    assert_eq!(v["explanation"]["what_if"]["places_to_close"]["value"], 1065);
    let text = String::from_utf8(cli(&["explain", file, "--municipality", "GM0344", "--what-if"])).unwrap();
    assert_eq!(v["text"], text);
}

#[test]
fn objection_answers_the_command_lines_replay() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    // The claim of scenarios/2024-2026/claims/ede-maximum-apeldoorn.claim.toml, as JSON.
    let claim = json!({
        "municipality": "GM0228",
        "grounds": "Het maximum voor extra plaatsen van Apeldoorn is op 0 gezet.",
        "overrides": {"municipalities": [{"code": "GM0200", "max_additional_regular": 300}]}
    });
    let r = post(&s, "/v1/objection", &json!({"scenario": "2024-2026/rest-indicative", "claims": [claim]}));
    assert_eq!(r.status(), 200);
    let v = json_of(r);
    let data: Value = serde_json::from_slice(&cli(&[
        "objection",
        "scenarios/2024-2026/rest-indicative.toml",
        "--claim",
        "scenarios/2024-2026/claims/ede-maximum-apeldoorn.claim.toml",
        "--format",
        "json",
    ]))
    .unwrap();
    let (served, local) = (&v["replay"]["claims"][0], &data["claims"][0]);
    assert_eq!(served["outcome"]["provinces"], local["outcome"]["provinces"]);
    assert_eq!(served["objector"], local["objector"]);
    assert_eq!(served["outcome"]["effect"], "changes");
    assert_eq!(served["source"], "claims[0]");
    assert!(v["text"].as_str().unwrap().contains("Apeldoorn (GM0200): toegewezen 0 → 160 (+160)"), "{v}");
    // Bad claims: at their index and field.
    let v = problem(
        post(
            &s,
            "/v1/objection",
            &json!({"scenario": "2024-2026/rest-indicative", "claims": [{"municipality": "GM9999", "grounds": "x"}]}),
        ),
        422,
    );
    assert_eq!(
        (v["problems"][0]["source"].as_str(), v["problems"][0]["field"].as_str()),
        (Some("claims[0]"), Some("municipality"))
    );
    let v = problem(post(&s, "/v1/objection", &json!({"scenario": "2024-2026/rest-indicative", "claims": []})), 422);
    assert_eq!(v["problems"][0]["field"], "claims");
    let api = json_of(get(&s, "/openapi.json"));
    assert!(api["paths"].get("/v1/objection").is_some());
    assert_eq!(s.stop(), Some(0));
}

fn tokens_file(dir: &Path) -> PathBuf {
    let path = dir.join("tokens");
    std::fs::write(&path, "# modellers\nalice:alice-0123456789abcdef\nbob:bob-fedcba9876543210\n").unwrap();
    path
}

#[test]
fn with_tokens_every_request_but_health_and_docs_needs_one() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let s = Server::start(&dir.path().join("state"), &["--tokens", tokens.to_str().unwrap()]);
    assert_eq!(get(&s, "/v1/health").status(), 200);
    assert_eq!(get(&s, "/openapi.json").status(), 200);
    assert_eq!(get(&s, "/docs/").status(), 200);
    let r = get(&s, "/v1/scenarios");
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"spreiding\"");
    problem(r, 401);
    problem(client().get(s.at("/v1/scenarios")).bearer_auth("alice-0123456789abcdeX").send().unwrap(), 401);
    problem(
        client().get(s.at("/v1/scenarios")).basic_auth("alice", Some("alice-0123456789abcdef")).send().unwrap(),
        401,
    );
    problem(client().post(s.at("/v1/solve")).json(&json!({"scenario": "2024-2026/level"})).send().unwrap(), 401);
    let ok = client().get(s.at("/v1/scenarios")).bearer_auth("alice-0123456789abcdef").send().unwrap();
    assert_eq!(ok.status(), 200);
    // The audit log names the token's name.
    let r = client()
        .post(s.at("/v1/runs"))
        .bearer_auth("bob-fedcba9876543210")
        .json(&json!({"scenarios": ["2024-2026/level"]}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    let audit = json_of(client().get(s.at("/v1/audit")).bearer_auth("alice-0123456789abcdef").send().unwrap());
    let create = audit["entries"].as_array().unwrap().iter().find(|e| e["action"] == "run.create").unwrap().clone();
    assert_eq!((create["who"].as_str(), create["target"].as_str()), (Some("bob"), Some(id.as_str())));
    assert_eq!(create["fingerprint"].as_str().unwrap().len(), 64);
    let run =
        json_of(client().get(s.at(&format!("/v1/runs/{id}"))).bearer_auth("bob-fedcba9876543210").send().unwrap());
    assert_eq!(run["owner"], "bob");
}

#[test]
fn without_tokens_the_server_binds_only_to_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let out = Cmd::cargo_bin("spreiding")
        .unwrap()
        .current_dir(root())
        .args(["serve", "--bind", "0.0.0.0:0", "--state"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only to a loopback address") && err.contains("--tokens"), "{err}");
    // A bad tokens file is refused naming the line.
    let bad = dir.path().join("bad-tokens");
    std::fs::write(&bad, "alice:short\n").unwrap();
    let out = Cmd::cargo_bin("spreiding")
        .unwrap()
        .current_dir(root())
        .args(["serve", "--bind", "127.0.0.1:0", "--tokens"])
        .arg(&bad)
        .arg("--state")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad-tokens:1: the token of `alice`"));
}

/// Reads server-sent events until the `end` event; returns (event, data) pairs.
fn events(s: &Server, id: &str) -> Vec<(String, Value)> {
    let r = client().get(s.at(&format!("/v1/runs/{id}/events"))).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut out = Vec::new();
    let mut event = String::new();
    for line in BufReader::new(r).lines() {
        let line = line.unwrap();
        if let Some(e) = line.strip_prefix("event: ") {
            event = e.to_owned();
        } else if let Some(d) = line.strip_prefix("data: ") {
            out.push((event.clone(), serde_json::from_str(d).unwrap()));
            if event == "end" {
                break;
            }
        }
    }
    out
}

#[test]
fn a_run_completes_with_the_command_lines_results() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let ids = ["2024-2026/rest-indicative", "2024-2026/effort", "2024-2026/sweeps/sensitivity"];
    let r = post(&s, "/v1/runs", &json!({ "scenarios": ids }));
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = json_of(r);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/runs/{id}"));
    assert_eq!(created["run"]["total"], 1002);
    let evs = events(&s, &id);
    let (last, end) = evs.last().unwrap();
    assert_eq!(last, "end");
    assert_eq!(end["status"], "done");
    assert_eq!(end["solved"].as_u64().unwrap() + end["failed"].as_u64().unwrap(), 1002);
    assert!(evs.iter().all(|(e, v)| e == "end" || v["status"] != "done"));
    let solved: Vec<u64> = evs.iter().map(|(_, v)| v["solved"].as_u64().unwrap()).collect();
    assert!(solved.windows(2).all(|w| w[0] <= w[1]), "progress went back: {solved:?}");
    // Events of a finished run: one `end`.
    assert_eq!(events(&s, &id).len(), 1);

    // The same as `spreiding run` of the same files.
    let out = dir.path().join("cli");
    let files: Vec<String> = ids.iter().map(|i| format!("scenarios/{i}.toml")).collect();
    let mut args = vec!["run", "--out", out.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    cli(&args);
    let served = dir.path().join("state/runs").join(&id);
    let mut server_tree = tree(&served);
    server_tree.retain(|(name, _)| name != "request.json");
    assert_eq!(server_tree, tree(&out));

    // Summary as CSV (the file) and as JSON rows.
    let csv = get(&s, &format!("/v1/runs/{id}/summary?format=csv"));
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.bytes().unwrap().to_vec(), std::fs::read(out.join("summary.csv")).unwrap());
    let rows = json_of(get(&s, &format!("/v1/runs/{id}/summary")));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1002);
    assert_eq!(rows[0]["id"], "rest-indicative");
    assert!(rows[0]["outcome"].is_string());
    problem(get(&s, &format!("/v1/runs/{id}/summary?format=xml")), 422);

    // Results: the result files, in name order, as they are.
    let mut expected = Vec::new();
    for (_, bytes) in tree(&out.join("results")) {
        expected.extend(bytes);
    }
    let r = get(&s, &format!("/v1/runs/{id}/results"));
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let mut got = Vec::new();
    r.take(u64::MAX).read_to_end(&mut got).unwrap();
    assert_eq!(got, expected);

    // Compare: as `spreiding compare` of the folders, and a selection of scenarios.
    let r = post(&s, "/v1/compare", &json!({"runs": [id], "format": "csv"}));
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().unwrap().to_vec(), cli(&["compare", out.to_str().unwrap(), "--format", "csv"]));
    let r = post(
        &s,
        "/v1/compare",
        &json!({"runs": [{"run": id, "scenarios": ["rest-indicative", "effort"]}], "format": "json", "baseline": "effort"}),
    );
    assert_eq!(r.status(), 200);
    let c = json_of(r);
    let text = c.to_string();
    assert!(text.contains("effort") && !text.contains("sensitivity/"), "the selection was not applied");
    let v = problem(post(&s, "/v1/compare", &json!({"runs": [{"run": id, "scenarios": ["nothing"]}]})), 422);
    assert!(v["detail"].as_str().unwrap().contains("nothing"));

    // The list and the audit log.
    let runs = json_of(get(&s, "/v1/runs"));
    assert_eq!(runs["runs"][0]["id"], id.as_str());
    assert_eq!(runs["runs"][0]["owner"], "local");
    let audit = json_of(get(&s, "/v1/audit"));
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["run.create", "run.start", "run.done"]);
    // Cancelling a finished run is a conflict.
    problem(client().delete(s.at(&format!("/v1/runs/{id}"))).send().unwrap(), 409);
}

#[test]
fn a_cancelled_run_stops_keeps_what_was_finished_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &["--workers", "1", "--max-queued-runs", "1"]);
    let big = json!({"scenarios": ["bench/sensitivity-100k"], "max_scenarios": 100000});
    let r = post(&s, "/v1/runs", &big);
    assert_eq!(r.status(), 202);
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    wait_for(&s, &id, |r| r["status"] == "running" && r["solved"].as_u64().unwrap() >= 200);
    // One more waits; the next is refused with 429 and Retry-After.
    let second = json_of(post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/level"]})));
    let second = second["id"].as_str().unwrap().to_owned();
    let r = post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/level"]}));
    assert!(r.headers().contains_key("retry-after"));
    problem(r, 429);
    assert_eq!(json_of(get(&s, "/v1/health"))["queued_runs"], 1);
    // Cancel the queued one at once, the running one when it has stopped.
    let q = json_of(client().delete(s.at(&format!("/v1/runs/{second}"))).send().unwrap());
    assert_eq!(q["status"], "cancelled");
    assert_eq!(json_of(get(&s, "/v1/health"))["queued_runs"], 0);
    let r = client().delete(s.at(&format!("/v1/runs/{id}"))).send().unwrap();
    assert_eq!(r.status(), 200);
    let stopped = json_of(r);
    assert_eq!(stopped["status"], "cancelled");
    let solved = stopped["solved"].as_u64().unwrap();
    assert!((200..100_000).contains(&solved), "{stopped}");
    // What was finished is kept: whole result files holding exactly `solved` scenarios.
    let results = dir.path().join("state/runs").join(&id).join("results");
    let mut records = 0;
    for (_, bytes) in tree(&results) {
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.ends_with('\n'));
        records += text.lines().count() - 1;
    }
    assert_eq!(records as u64, solved);
    let summary = get(&s, &format!("/v1/runs/{id}/summary?format=csv")).text().unwrap();
    assert_eq!(summary.lines().count() as u64, solved + 1);
    // It stays cancelled; cancelling again answers the same.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(json_of(get(&s, &format!("/v1/runs/{id}")))["status"], "cancelled");
    assert_eq!(json_of(client().delete(s.at(&format!("/v1/runs/{id}"))).send().unwrap())["status"], "cancelled");
    let audit = json_of(get(&s, "/v1/audit"));
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"run.cancel") && actions.contains(&"run.cancelled"), "{actions:?}");
}

#[test]
fn a_run_survives_sigterm_and_sigkill_and_ends_byte_equal_to_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    // A slow sweep: the LP on COROP rows (method "lp": the closed form would take 0.3 s for
    // all 600 draws), six result files.
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::write(
        served.join("slow.toml"),
        format!(
            "[sweep]\nname = \"slow\"\nbase = \"{}\"\n[[sweep.grid]]\nparameter = \"allocation.method\"\nvalues = [\"lp\"]\n[sweep.random]\ndraws = 600\nseed = 7\nlocation_places = 0.1\ncaps = 0.1\n",
            root().join("scenarios/2024-2026/corop-balance.toml").display()
        ),
    )
    .unwrap();
    // The state each interruption must leave, read from the index and the run folder (not from
    // a server, which would go on with the run): still `running`, with fewer than all six
    // result files written. A stop after the run has ended fails here, naming what it found.
    let unfinished = |state: &std::path::Path, id: &str, when: &str| {
        let db = rusqlite::Connection::open(state.join("spreiding.sqlite")).unwrap();
        let status: String = db.query_row("SELECT status FROM runs WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        let files = std::fs::read_dir(state.join("runs").join(id).join("results"))
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl")).count())
            .unwrap_or(0);
        assert_eq!(status, "running", "{when}: the run is {status}, not unfinished");
        assert!(files < 6, "{when}: all {files} result files were written: the run had ended; make it slower");
        files
    };
    let state = dir.path().join("state");
    let args = ["--scenarios", served.to_str().unwrap(), "--workers", "1"];
    let s = Server::start(&state, &args);
    let r = post(&s, "/v1/runs", &json!({"scenarios": ["slow"]}));
    assert_eq!(r.status(), 202);
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    wait_for(&s, &id, |r| r["solved"].as_u64().unwrap() >= 100);
    assert_eq!(s.stop(), Some(0), "SIGTERM is a clean stop");
    let after_term = unfinished(&state, &id, "after SIGTERM");
    let s = Server::start(&state, &args);
    wait_for(&s, &id, |r| r["solved"].as_u64().unwrap() >= 300);
    s.kill();
    let after_kill = unfinished(&state, &id, "after SIGKILL");
    assert!(after_kill >= after_term, "result files were lost: {after_term} then {after_kill}");
    let s = Server::start(&state, &args);
    let end = wait_for(&s, &id, |r| r["status"] == "done");
    assert_eq!(end["solved"].as_u64().unwrap() + end["failed"].as_u64().unwrap(), 600);

    let out = dir.path().join("cli");
    cli(&["run", "--out", out.to_str().unwrap(), served.join("slow.toml").to_str().unwrap()]);
    let mut server_tree = tree(&state.join("runs").join(&id));
    server_tree.retain(|(name, _)| name != "request.json");
    assert_eq!(server_tree, tree(&out), "results differ from an uninterrupted run");
    let audit = json_of(get(&s, "/v1/audit?limit=1000"));
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"run.interrupted"), "{actions:?}");
    assert!(actions.iter().filter(|a| **a == "run.resume").count() >= 2, "{actions:?}");
    assert_eq!(actions.last(), Some(&"run.done"));
}

#[test]
fn a_full_solve_queue_answers_503_with_retry_after_and_nothing_else_fails() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &["--queue", "1", "--workers", "1"]);
    let body = json!({"scenario": {"name": "w", "extends": "2024-2026/corop-balance", "allocation": {"method": "lp"}}});
    let mut busy = 0;
    for _round in 0..20 {
        let answers: Vec<(u16, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| {
                        let r = post(&s, "/v1/solve", &body);
                        (r.status().as_u16(), r.headers().contains_key("retry-after"))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (status, retry) in &answers {
            assert!(*status == 200 || (*status == 503 && *retry), "{answers:?}");
        }
        busy += answers.iter().filter(|(s, _)| *s == 503).count();
        if busy > 0 {
            break;
        }
    }
    assert!(busy > 0, "16 requests at once never found the queue of 1 full");
    // Afterwards it solves again.
    assert_eq!(post(&s, "/v1/solve", &body).status(), 200);
}

#[test]
fn a_run_takes_inline_scenarios_and_counts_infeasible_ones() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let tight = json!({"name": "tight", "dataset": "nl-2024", "constraints": {"max_per_1000_regular": 0.5}});
    let r = post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/level", tight]}));
    assert_eq!(r.status(), 202);
    let id = json_of(r)["id"].as_str().unwrap().to_owned();
    let end = wait_for(&s, &id, |r| r["status"] == "done");
    assert_eq!(
        (end["solved"].as_u64(), end["infeasible"].as_u64(), end["failed"].as_u64()),
        (Some(2), Some(1), Some(0))
    );
    assert_eq!(end["inputs"], json!(["2024-2026/level", "inline:tight"]));
    let rows = json_of(get(&s, &format!("/v1/runs/{id}/summary")));
    let outcomes: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["ok", "infeasible"]);
    // A bad inline scenario is refused before the run is made, at its place in the list.
    let v = problem(
        post(&s, "/v1/runs", &json!({"scenarios": ["2024-2026/level", {"name": "bad", "dataset": "/etc"}]})),
        422,
    );
    assert_eq!(v["problems"][0]["source"], "scenarios[1]");
}

#[test]
fn served_files_are_read_once_so_a_changed_file_changes_nothing_until_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let original = std::fs::read_to_string(root().join("scenarios/2024-2026/rest-indicative.toml"))
        .unwrap()
        .replace("../../data/nl-2024", root().join("data/nl-2024").to_str().unwrap());
    std::fs::write(served.join("base.toml"), &original).unwrap();
    let s = Server::start(&dir.path().join("state"), &["--scenarios", served.to_str().unwrap()]);
    let by_id = |s: &Server| post(s, "/v1/solve", &json!({"scenario": "base"})).bytes().unwrap().to_vec();
    let inline = |s: &Server| {
        let r = post(s, "/v1/solve", &json!({"scenario": {"name": "rest-indicative", "extends": "base"}}));
        assert_eq!(r.status(), 200);
        r.bytes().unwrap().to_vec()
    };
    let before = by_id(&s);
    assert_eq!(inline(&s), before);
    // The file changes on disk: the served scenario and what extends it stay as read at start.
    std::fs::write(served.join("base.toml"), original.replace("mode = \"rest\"", "mode = \"level\"")).unwrap();
    assert_eq!(by_id(&s), before);
    assert_eq!(inline(&s), before);
    drop(s);
    let s = Server::start(&dir.path().join("state2"), &["--scenarios", served.to_str().unwrap()]);
    let after: Value = serde_json::from_slice(&by_id(&s)).unwrap();
    assert_eq!(after["mode"], "level");
}

/// Checks `value` against an OpenAPI schema (the subset utoipa writes: `$ref`, `type` (one or a
/// list), `enum`, `properties`/`required`, `additionalProperties`, `items`, `oneOf`/`anyOf`/
/// `allOf`); every object key must be documented. Returns what does not match, by JSON path.
fn conforms(api: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(api, &api["components"]["schemas"][name], value, path, out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let fits = options.iter().any(|o| {
                let mut e = Vec::new();
                conforms(api, o, value, path, &mut e);
                e.is_empty()
            });
            if !fits {
                out.push(format!("{path}: fits none of {key} ({value})"));
            }
            return;
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        all.iter().for_each(|s| conforms(api, s, value, path, out));
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| *t == kind || (*t == "number" && kind == "integer")) {
        out.push(format!("{path}: a {kind}, documented as {types:?}"));
        return;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            out.push(format!("{path}: {value} is not one of {values:?}"));
        }
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                if !map.contains_key(req.as_str().unwrap_or_default()) {
                    out.push(format!("{path}: required {req} missing"));
                }
            }
            for (k, v) in map {
                match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
                    (Some(s), _) => conforms(api, s, v, &format!("{path}.{k}"), out),
                    (None, Some(extra)) if extra.is_object() => conforms(api, extra, v, &format!("{path}.{k}"), out),
                    _ => out.push(format!("{path}.{k}: not documented")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    conforms(api, s, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_answers_of_solve_explain_and_objection_are_documented_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("state"), &[]);
    let api = json_of(get(&s, "/openapi.json"));
    let answer = |path: &str| {
        let op = &api["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(op.get("$ref").is_some(), "{path}: the 200 answer is not a named schema: {op}");
        op.clone()
    };
    let schemas = &api["components"]["schemas"];
    // Typed, not bare objects: the report's rows and the explanation's parts have their fields.
    for (name, fields) in [
        ("Report", &["scenario", "provinces", "municipalities"][..]),
        ("ProvinceRow", &["code", "commodity", "target", "status", "level"][..]),
        ("MunicipalityRow", &["code", "province", "exact", "allocated", "reason", "rounding"][..]),
        ("Explanation", &["code", "inputs", "counting", "standing", "key", "block", "result", "what_if"][..]),
        ("Replay", &["scenario", "claims", "combined"][..]),
    ] {
        for f in fields {
            assert!(schemas[name]["properties"].get(f).is_some(), "{name}.{f} is not documented: {}", schemas[name]);
        }
    }
    assert_eq!(schemas["ProvinceStatus"]["enum"], json!(["closes", "allocated", "infeasible"]));
    assert_eq!(schemas["RunStatus"]["enum"], json!(["queued", "running", "done", "failed", "cancelled"]));
    let mut wrong = Vec::new();
    // A solve (and an elastic one, with places beyond caps), an explanation with its what-if,
    // an objection: every field of the real answers is documented and of the documented type.
    let elastic = json!({"extends": "2024-2026/rest-indicative", "name": "e", "allocation": {"elastic": true},
        "constraints": {"max_per_1000_regular": 0.5}});
    for scenario in [json!("2024-2026/rest-indicative"), elastic] {
        let r = post(&s, "/v1/solve", &json!({"scenario": scenario}));
        assert_eq!(r.status(), 200);
        conforms(&api, &answer("/v1/solve"), &json_of(r), "solve", &mut wrong);
    }
    let r = post(
        &s,
        "/v1/explain",
        &json!({"scenario": "2024-2026/rest-indicative", "municipality": "GM0344", "what_if": true}),
    );
    assert_eq!(r.status(), 200);
    let v = json_of(r);
    assert!(v["explanation"]["what_if"].is_object());
    conforms(&api, &answer("/v1/explain"), &v, "explain", &mut wrong);
    let claim = json!({"municipality": "GM0228", "grounds": "x",
        "overrides": {"municipalities": [{"code": "GM0200", "max_additional_regular": 300}]}});
    let r = post(&s, "/v1/objection", &json!({"scenario": "2024-2026/rest-indicative", "claims": [claim]}));
    assert_eq!(r.status(), 200);
    conforms(&api, &answer("/v1/objection"), &json_of(r), "objection", &mut wrong);
    assert!(wrong.is_empty(), "answers against their schemas:\n{}", wrong.join("\n"));
    // The checker sees a wrong answer.
    let mut caught = Vec::new();
    conforms(&api, &answer("/v1/solve"), &json!({"scenario": 1, "extra": true}), "x", &mut caught);
    assert!(caught.iter().any(|e| e.contains("x.extra: not documented")), "{caught:?}");
    assert!(caught.iter().any(|e| e.contains("x.scenario: a integer")), "{caught:?}");
    assert_eq!(s.stop(), Some(0));
}
