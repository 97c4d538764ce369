//! The endpoints: request and answer types (with their OpenAPI schemas) and handlers.

use super::catalog::{Kind, Prepared, Ready, ScenarioRef, INLINE};
use super::problem::{ApiError, ProblemDetails, Unauthorized};
use super::runs::RunRequest;
use super::shared::SharedBytes;
use super::store::{AuditEntry, RunInfo};
use super::{App, Caller};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use spreiding_solver::explain::{dutch, explain as explain_one};
use spreiding_solver::io::Source;
use spreiding_solver::model::{Commodity, MunicipalityCode, Scenario};
use spreiding_solver::report::compare::ComparisonBuilder;
use spreiding_solver::solve::solve as solve_scenario;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::Arc;
use utoipa::ToSchema;

/// Reads a JSON body: 413 above the size limit, 400 when it is not JSON, 422 naming the field
/// when it is JSON of another shape.
fn body<T: DeserializeOwned>(app: &App, body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(app.max_body)
        } else {
            ApiError::malformed(format!("the body could not be read: {e}"))
        }
    })?;
    let value = serde_json::from_slice::<super::problem::StrictJson>(&bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not JSON: {e}; send a JSON object")))?
        .0;
    if !value.is_object() {
        return Err(ApiError::malformed(
            "the body is not a JSON object; send an object with the fields documented at /docs",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::field("body", &field, e.into_inner().to_string())
    })
}

/// The error answers of every endpoint that reads a JSON body.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// The body is not a JSON object
    #[response(status = 400, content_type = "application/problem+json")]
    Malformed(ProblemDetails),
    /// No valid token (with `--tokens`)
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(ProblemDetails),
    /// The body did not arrive within `--read-timeout`
    #[response(status = 408, content_type = "application/problem+json")]
    Timeout(ProblemDetails),
    /// The body is larger than `--max-body`
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(ProblemDetails),
    /// The body is not sent as `application/json`
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(ProblemDetails),
}

/// The solve queue is full or the time limit ran out (with `Retry-After`).
#[derive(utoipa::IntoResponses)]
#[response(status = 503, content_type = "application/problem+json")]
#[allow(dead_code)]
pub struct Busy(ProblemDetails);

// ---------------------------------------------------------------------------------------------
// Health and the served scenarios

/// `GET /v1/health`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The program version.
    pub version: String,
    /// The linked HiGHS version.
    pub highs: String,
    /// Runs waiting to start.
    pub queued_runs: usize,
}

/// The server is up.
#[utoipa::path(get, path = "/v1/health", tag = "service", security(()),
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(State(app): State<Arc<App>>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        highs: spreiding_solver::allocate::highs_version(),
        queued_runs: app.runs.queued(),
    })
}

/// A served scenario or sweep file.
#[derive(Serialize, ToSchema)]
pub struct ScenarioSummary {
    /// The path below the served folder without `.toml`, e.g. `2024-2026/rest-indicative`.
    pub id: String,
    pub kind: Kind,
    /// The scenario's (or sweep's) name.
    pub name: String,
    /// The file's leading comment (a sweep's `description`).
    pub description: String,
    /// The scenarios it stands for (a sweep's grid points times draws).
    pub scenarios: u64,
    /// It reads and validates; when not, `problems` says why.
    pub valid: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// `GET /v1/scenarios`.
#[derive(Serialize, ToSchema)]
pub struct ScenarioList {
    pub scenarios: Vec<ScenarioSummary>,
    /// The data sets inline scenarios may name in `dataset`.
    pub datasets: Vec<String>,
}

fn summary(e: &super::catalog::Entry) -> ScenarioSummary {
    ScenarioSummary {
        id: e.id.clone(),
        kind: e.kind,
        name: e.name.clone(),
        description: e.description.clone(),
        scenarios: e.scenarios,
        valid: e.ready.is_ok(),
        problems: e
            .ready
            .as_ref()
            .err()
            .map(|e| e.problems().iter().map(|p| p.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// The served scenario and sweep files.
#[utoipa::path(get, path = "/v1/scenarios", tag = "scenarios",
    responses((status = 200, description = "The served files, by id", body = ScenarioList),
              Unauthorized))]
pub async fn scenarios(State(app): State<Arc<App>>) -> Json<ScenarioList> {
    Json(ScenarioList {
        scenarios: app.catalog.entries().map(summary).collect(),
        datasets: app.catalog.dataset_labels().map(str::to_owned).collect(),
    })
}

/// `GET /v1/scenarios/{id}`.
#[derive(Serialize, ToSchema)]
pub struct ScenarioDetail {
    #[serde(flatten)]
    pub summary: ScenarioSummary,
    /// The settings after inheritance (a sweep: its base scenario, grid and random draws).
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
}

/// A scenario's settings for people and tools: the data set by its label and the `extends`
/// chain by served ids, not server paths.
fn settings(app: &App, scenario: &Scenario, dataset_label: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(scenario).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("dataset".into(), dataset_label.into());
        let chain: Vec<String> = scenario.files.iter().map(|f| app.catalog.served_id(f)).collect();
        m.insert("files".into(), chain.into());
    }
    v
}

/// A served file's settings after inheritance.
#[utoipa::path(get, path = "/v1/scenarios/{id}", tag = "scenarios",
    params(("id" = String, Path, description = "The served id, e.g. `2024-2026/rest-indicative` (slashes as they are, or as %2F)", example = "2024-2026/rest-indicative")),
    responses((status = 200, description = "The file and its settings", body = ScenarioDetail),
              (status = 404, description = "No served file has this id", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn scenario(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<ScenarioDetail>, ApiError> {
    let entry = app.catalog.get(&id).ok_or_else(|| unknown_id(&id))?;
    let settings = match &entry.ready {
        Ok(Ready::Scenario(p)) => settings(&app, &p.scenario, &p.dataset_label),
        Ok(Ready::Sweep(s)) => {
            let label = app.catalog.base_dataset(&s.base.dataset).map(|(_, l)| l).unwrap_or_default();
            serde_json::json!({
                "name": s.name,
                "base": settings(&app, &s.base, &label),
                "grid": s.grid.iter().map(|a| serde_json::json!({
                    "parameter": a.parameter.name(),
                    "values": a.values.iter().map(|v| v.value()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "random": s.random,
            })
        }
        Err(_) => serde_json::Value::Null,
    };
    Ok(Json(ScenarioDetail { summary: summary(entry), settings }))
}

fn unknown_id(id: &str) -> ApiError {
    ApiError::not_found(format!("no served scenario or sweep has the id `{id}` (see GET /v1/scenarios)"))
}

// ---------------------------------------------------------------------------------------------
// Solve and explain

/// Report formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// The JSON report of `spreiding solve --format json`.
    #[default]
    Json,
    /// One CSV row per municipality and commodity (`spreiding solve --format csv`).
    Csv,
}

/// `POST /v1/solve`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"scenario": "2024-2026/rest-indicative", "format": "json"}))]
#[serde(deny_unknown_fields)]
pub struct SolveRequest {
    #[schema(value_type = ScenarioRef)]
    pub scenario: serde_json::Value,
    #[serde(default)]
    pub format: ReportFormat,
}

impl App {
    /// The scenario a request names: a served one (prepared at start) or an inline one.
    pub(super) fn resolve(&self, value: &serde_json::Value) -> Result<Arc<Prepared>, ApiError> {
        match value {
            serde_json::Value::String(id) => match self.catalog.get(id) {
                Some(e) => match &e.ready {
                    Ok(Ready::Scenario(p)) => Ok(p.clone()),
                    Ok(Ready::Sweep(_)) => Err(ApiError::field(
                        "body",
                        "scenario",
                        format!("`{id}` is a sweep; solve its scenarios with POST /v1/runs"),
                    )),
                    Err(problems) => Err(ApiError::invalid(problems)),
                },
                None => Err(ApiError::field(
                    "body",
                    "scenario",
                    format!("`{id}` is not a served scenario; use one of: {}", self.catalog.ids_list(Kind::Scenario)),
                )),
            },
            serde_json::Value::Object(_) => self.catalog.inline(value).map(Arc::new).map_err(|e| ApiError::invalid(&e)),
            _ => Err(ApiError::field(
                "body",
                "scenario",
                "expected a served id (a string) or a scenario (an object with the fields of a scenario file)",
            )),
        }
    }
}

/// Solves a prepared scenario; a solver error is the scenario's problem.
fn solution(p: &Prepared) -> Result<spreiding_solver::Solution, ApiError> {
    solve_scenario(&p.dataset, &p.scenario).map_err(|e| ApiError::field(INLINE, "scenario", e.to_string()))
}

fn report(p: &Prepared, format: ReportFormat) -> Result<Arc<Vec<u8>>, ApiError> {
    let slot = &p.rendered[format as usize];
    if let Some(b) = slot.get() {
        return Ok(b.clone());
    }
    let solution = solution(p)?;
    let out = match format {
        ReportFormat::Json => spreiding_results::output::Format::Json,
        ReportFormat::Csv => spreiding_results::output::Format::Csv,
    };
    let mut bytes = spreiding_results::output::render(out, &p.dataset, &solution).map_err(ApiError::internal)?;
    if format == ReportFormat::Csv {
        bytes = spreiding_results::output::spreadsheet_safe_csv(&bytes, b',').map_err(ApiError::internal)?;
    }
    Ok(slot.get_or_init(|| Arc::new(bytes)).clone())
}

fn report_response(p: &Prepared, format: ReportFormat, bytes: Arc<Vec<u8>>) -> Response {
    let media = match format {
        ReportFormat::Json => "application/json",
        ReportFormat::Csv => "text/csv; charset=utf-8",
    };
    let mut r = Body::from(Bytes::from_owner(SharedBytes(bytes))).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&p.fingerprint) {
        h.insert("x-spreiding-fingerprint", v);
    }
    r
}

/// Solves a scenario for the whole country.
///
/// The same report as `spreiding solve --format json` (or `--format csv`). 200 also when a
/// province is infeasible: the report says so per province. The header
/// `x-spreiding-fingerprint` identifies the input (program version, data set content,
/// definition after inheritance).
#[utoipa::path(post, path = "/v1/solve", tag = "solve", request_body = SolveRequest,
    responses((status = 200, description = "The report", content(
                  (Object = "application/json"),
                  (String = "text/csv"))),
              BodyErrors,
              (status = 422, description = "The request or scenario is not valid", body = ProblemDetails, content_type = "application/problem+json"),
              Busy))]
pub async fn solve(State(app): State<Arc<App>>, raw: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let request: SolveRequest = body(&app, raw)?;
    // A served scenario solved before: the same bytes, without the queue.
    if let serde_json::Value::String(id) = &request.scenario {
        if let Some(Ok(Ready::Scenario(p))) = app.catalog.get(id).map(|e| &e.ready) {
            if let Some(b) = p.rendered[request.format as usize].get() {
                return Ok(report_response(p, request.format, b.clone()));
            }
        }
    }
    let worker = app.clone();
    app.pool
        .run(move || {
            let p = worker.resolve(&request.scenario)?;
            let bytes = report(&p, request.format)?;
            Ok(report_response(&p, request.format, bytes))
        })
        .await?
}

/// `POST /v1/explain`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"scenario": "2024-2026/rest-indicative", "municipality": "GM0014", "commodity": "amv"}))]
#[serde(deny_unknown_fields)]
pub struct ExplainRequest {
    #[schema(value_type = ScenarioRef)]
    pub scenario: serde_json::Value,
    /// A municipality's code (`GM0014`) or its exact name.
    #[schema(example = "GM0014")]
    pub municipality: String,
    #[serde(default = "regular")]
    #[schema(value_type = CommodityName)]
    pub commodity: Commodity,
    /// Add the counterfactuals (`what_if` in the explanation, section 9 of the text), each
    /// computed by re-solving the province.
    #[serde(default)]
    pub what_if: bool,
}

fn regular() -> Commodity {
    Commodity::Regular
}

/// A commodity.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum CommodityName {
    Regular,
    Amv,
}

/// `POST /v1/explain`'s answer.
#[derive(Serialize, ToSchema)]
pub struct ExplainAnswer {
    /// The explanation as data (the JSON of `spreiding explain --format json`).
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
    /// Its Dutch text (`spreiding explain`).
    pub text: String,
}

/// Explains one municipality's number: as data and as Dutch text.
#[utoipa::path(post, path = "/v1/explain", tag = "solve", request_body = ExplainRequest,
    responses((status = 200, description = "The explanation", body = ExplainAnswer),
              BodyErrors,
              (status = 422, description = "The request or scenario is not valid", body = ProblemDetails, content_type = "application/problem+json"),
              Busy))]
pub async fn explain(
    State(app): State<Arc<App>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<ExplainAnswer>, ApiError> {
    let request: ExplainRequest = body(&app, raw)?;
    let worker = app.clone();
    app.pool
        .run(move || {
            let p = worker.resolve(&request.scenario)?;
            let code = find_municipality(&p, &request.municipality)?;
            let solution = solution(&p)?;
            let mut e = explain_one(&p.dataset, &p.scenario, &solution, &code, request.commodity)
                .map_err(|e| ApiError::field("body", "municipality", e.to_string()))?;
            if request.what_if {
                e.what_if = Some(
                    spreiding_solver::whatif::what_if(&p.dataset, &p.scenario, &solution, &code, request.commodity)
                        .map_err(|e| ApiError::field(INLINE, "scenario", e.to_string()))?,
                );
            }
            Ok(Json(ExplainAnswer {
                text: dutch::render(&e),
                explanation: serde_json::to_value(&e).map_err(ApiError::internal)?,
            }))
        })
        .await?
}

/// `POST /v1/objection`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"scenario": "2024-2026/rest-indicative", "claims": [{"municipality": "GM0228", "grounds": "Het maximum van Apeldoorn is te laag.", "overrides": {"municipalities": [{"code": "GM0200", "max_additional_regular": 300}]}}]}))]
#[serde(deny_unknown_fields)]
pub struct ObjectionRequest {
    #[schema(value_type = ScenarioRef)]
    pub scenario: serde_json::Value,
    /// The claims: objects with the fields of a claim file (`municipality`, `grounds`,
    /// `overrides` with `municipalities`, `locations` and `effort`; dates as `YYYY-MM-DD`).
    #[schema(value_type = Vec<Object>)]
    pub claims: Vec<serde_json::Value>,
}

/// `POST /v1/objection`'s answer.
#[derive(Serialize, ToSchema)]
pub struct ObjectionAnswer {
    /// The replay as data (the JSON of `spreiding objection --format json`).
    #[schema(value_type = Object)]
    pub replay: serde_json::Value,
    /// Its Dutch text (`spreiding objection`).
    pub text: String,
}

/// Most claims in one request.
const MAX_CLAIMS: usize = 64;

/// Replays objections: each claim's corrections applied, the province divided again, who
/// gains or loses; then all claims together, with the check that their order does not matter.
#[utoipa::path(post, path = "/v1/objection", tag = "solve", request_body = ObjectionRequest,
    responses((status = 200, description = "The replay", body = ObjectionAnswer),
              BodyErrors,
              (status = 422, description = "The request, scenario or a claim is not valid", body = ProblemDetails, content_type = "application/problem+json"),
              Busy))]
pub async fn objection(
    State(app): State<Arc<App>>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<ObjectionAnswer>, ApiError> {
    let request: ObjectionRequest = body(&app, raw)?;
    if request.claims.is_empty() || request.claims.len() > MAX_CLAIMS {
        return Err(ApiError::field(
            "body",
            "claims",
            format!("give 1 to {MAX_CLAIMS} claims; {} given", request.claims.len()),
        ));
    }
    let worker = app.clone();
    app.pool
        .run(move || {
            let p = worker.resolve(&request.scenario)?;
            let mut problems = spreiding_solver::io::Problems::default();
            let mut claims = Vec::new();
            for (k, value) in request.claims.iter().enumerate() {
                match spreiding_solver::io::parse_claim_value(&format!("claims[{k}]"), value, &p.dataset) {
                    Ok(c) => claims.push(c),
                    Err(e) => e.problems().iter().for_each(|x| problems.push(x.clone())),
                }
            }
            let claims = problems.into_result(claims).map_err(|e| ApiError::invalid(&e))?;
            let solution = solution(&p)?;
            let replay = spreiding_solver::objection::replay(&p.dataset, &p.scenario, &solution, &claims).map_err(
                |e| match e {
                    spreiding_solver::objection::ReplayError::Input(e) => ApiError::invalid(&e),
                    spreiding_solver::objection::ReplayError::Solve(e) => {
                        ApiError::field(INLINE, "scenario", e.to_string())
                    }
                },
            )?;
            Ok(Json(ObjectionAnswer {
                text: spreiding_solver::objection::dutch::render(&replay),
                replay: serde_json::to_value(&replay).map_err(ApiError::internal)?,
            }))
        })
        .await?
}

fn find_municipality(p: &Prepared, given: &str) -> Result<MunicipalityCode, ApiError> {
    p.dataset
        .find_municipality(given)
        .map_err(anyhow::Error::from)
        .map_err(|e| ApiError::field("body", "municipality", format!("{e:#}")))
}

// ---------------------------------------------------------------------------------------------
// Runs

/// `POST /v1/runs`'s answer.
#[derive(Serialize, ToSchema)]
pub struct RunCreated {
    pub id: String,
    /// Where to follow it.
    pub location: String,
    pub run: RunInfo,
}

/// Starts a batch run of served scenarios, sweeps and inline scenarios.
///
/// The run is queued and solved in the background into the same layout as `spreiding run
/// --out`; follow it at `Location` (and `/events`).
#[utoipa::path(post, path = "/v1/runs", tag = "runs", request_body = RunRequest,
    responses((status = 202, description = "Queued", body = RunCreated,
                  headers(("location" = String, description = "The run's URL"))),
              BodyErrors,
              (status = 422, description = "The request or a scenario is not valid", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 429, description = "Too many runs are waiting", body = ProblemDetails, content_type = "application/problem+json")))]
pub async fn create_run(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: RunRequest = body(&app, raw)?;
    let worker = app.clone();
    let info = tokio::task::spawn_blocking(move || worker.runs.create(&caller.0, &request))
        .await
        .map_err(ApiError::internal)??;
    let location = format!("/v1/runs/{}", info.id);
    let mut r = (StatusCode::ACCEPTED, Json(RunCreated { id: info.id.clone(), location: location.clone(), run: info }))
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// `GET /v1/runs`.
#[derive(Serialize, ToSchema)]
pub struct RunList {
    pub runs: Vec<RunInfo>,
}

/// Every run, oldest first.
#[utoipa::path(get, path = "/v1/runs", tag = "runs",
    responses((status = 200, description = "The runs", body = RunList),
              Unauthorized))]
pub async fn list_runs(State(app): State<Arc<App>>) -> Result<Json<RunList>, ApiError> {
    Ok(Json(RunList { runs: app.runs.list()? }))
}

/// A run's status and counts.
#[utoipa::path(get, path = "/v1/runs/{id}", tag = "runs",
    params(("id" = String, Path, description = "The run's id", example = "run-000001")),
    responses((status = 200, description = "The run", body = RunInfo),
              (status = 404, description = "No such run", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn get_run(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<RunInfo>, ApiError> {
    Ok(Json(app.runs.get(&id)?))
}

/// Cancels a run and returns once it has stopped.
///
/// Finished result files are kept; the run is marked `cancelled`. 409 for a run that is done or
/// failed; cancelling a cancelled run answers it as it is.
#[utoipa::path(delete, path = "/v1/runs/{id}", tag = "runs",
    params(("id" = String, Path, description = "The run's id", example = "run-000001")),
    responses((status = 200, description = "The run, stopped", body = RunInfo),
              (status = 404, description = "No such run", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 409, description = "The run is done or failed", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn cancel_run(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<RunInfo>, ApiError> {
    Ok(Json(app.runs.cancel(&id, &caller.0).await?))
}

/// One server-sent event of a run.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct RunEvent {
    /// `progress` while the run is queued or running, `end` once with its final state.
    #[schema(pattern = "^(progress|end)$")]
    pub event: String,
    /// The run as `GET /v1/runs/{id}` answers it, as JSON text.
    pub data: String,
}

/// A run's progress as server-sent events.
///
/// Events `progress` (the run as `GET /v1/runs/{id}` answers it) while it is queued or running,
/// then one `end` with its final state; the stream then closes.
#[utoipa::path(get, path = "/v1/runs/{id}/events", tag = "runs",
    params(("id" = String, Path, description = "The run's id", example = "run-000001")),
    responses((status = 200, description = "Server-sent events", content_type = "text/event-stream", body = RunEvent),
              (status = 404, description = "No such run", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn run_events(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let event = |info: &RunInfo| -> Result<Event, Infallible> {
        let name = if info.status.is_final() { "end" } else { "progress" };
        Ok(Event::default().event(name).json_data(info).unwrap_or_else(|_| Event::default().event(name)))
    };
    let Some(rx) = app.runs.watch(&id) else {
        let info = app.runs.get(&id)?;
        let stream = futures_util::stream::once(async move { event(&info) });
        return Ok(Sse::new(stream).into_response());
    };
    let shutdown = app.shutdown.clone();
    // (receiver, first event, ended)
    let stream = futures_util::stream::unfold((rx, true, false), move |(mut rx, first, ended)| async move {
        if ended {
            return None;
        }
        if !first && rx.changed().await.is_err() {
            let info = rx.borrow().clone();
            return Some((event(&info), (rx, false, true)));
        }
        let info = rx.borrow_and_update().clone();
        let end = info.status.is_final();
        Some((event(&info), (rx, false, end)))
    })
    .take_until(async move { shutdown.cancelled().await });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// Formats of a run's tables (summary, bands).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// JSON rows.
    #[default]
    Json,
    /// CSV.
    Csv,
    /// An Excel workbook of one sheet (header frozen, autofilter, whole numbers as numbers).
    Xlsx,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `?format=` of a run's table.
#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// `json` (default), `csv` or `xlsx`.
    #[serde(default)]
    #[param(inline)]
    pub format: Option<TableFormat>,
}

/// A CSV table as a one-sheet workbook named `sheet`; `text` the columns kept as text.
fn csv_workbook(sheet: &str, csv_text: &[u8], text: &[&str]) -> anyhow::Result<Vec<u8>> {
    let mut r = csv::Reader::from_reader(csv_text);
    let header: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.map(|rec| rec.iter().map(str::to_owned).collect()))
        .collect::<Result<Vec<Vec<String>>, _>>()?;
    spreiding_results::output::xlsx::workbook(&[spreiding_results::output::xlsx::Sheet {
        name: sheet,
        header,
        rows,
        text,
    }])
}

/// A table answer in the asked format, from its CSV (JSON: the rows as objects).
fn table_response(
    format: TableFormat,
    sheet: &str,
    text_columns: &[&str],
    csv_text: Vec<u8>,
) -> Result<Response, ApiError> {
    match format {
        TableFormat::Csv => {
            let safe = spreiding_results::output::spreadsheet_safe_csv(&csv_text, b',').map_err(ApiError::internal)?;
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], safe).into_response())
        }
        TableFormat::Xlsx => {
            let bytes = csv_workbook(sheet, &csv_text, text_columns).map_err(|e| {
                ApiError::field("query", "format", format!("the table cannot be a workbook: {e:#}; ask for format=csv"))
            })?;
            Ok(([(header::CONTENT_TYPE, XLSX)], bytes).into_response())
        }
        TableFormat::Json => {
            Ok(Json(summary_rows(&csv_text, text_columns).map_err(ApiError::internal)?).into_response())
        }
    }
}

/// The run's `summary.csv`, as CSV, as JSON rows or as an Excel workbook.
///
/// One row per scenario in the run's order: outcome, the comparison metrics, parameters and
/// error. A cancelled run's summary holds the scenarios it finished. 409 while the run is
/// queued or running.
#[utoipa::path(get, path = "/v1/runs/{id}/summary", tag = "runs",
    params(("id" = String, Path, description = "The run's id", example = "run-000001"), SummaryQuery),
    responses((status = 200, description = "The summary", content(
                  (Vec<Object> = "application/json"),
                  (String = "text/csv"),
                  (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 404, description = "No such run, or it has no summary", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 409, description = "The run has not ended", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 422, description = "Bad query", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn run_summary(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    query: Result<Query<SummaryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| query_problem("format", &e))?;
    ended(&app, &id, "its summary is written when it ends")?;
    let path = app.runs.folder(&id).join("summary.csv");
    let text = match tokio::fs::read(&path).await {
        Ok(t) => t,
        Err(_) => {
            return Err(ApiError::not_found(format!("run `{id}` has no summary (it ended before solving anything)")))
        }
    };
    table_response(query.format.unwrap_or_default(), "summary", SUMMARY_TEXT, text)
}

/// A run that has ended; 409 (saying `when`) while it is queued or running.
fn ended(app: &App, id: &str, when: &str) -> Result<RunInfo, ApiError> {
    let info = app.runs.get(id)?;
    if !info.status.is_final() {
        return Err(ApiError::conflict(format!("run `{id}` is {}; {when}", info.status.as_str())));
    }
    Ok(info)
}

/// The columns of `summary.csv` that are text.
const SUMMARY_TEXT: &[&str] = &["id", "params", "error", "outcome"];

/// The rows of a CSV table as objects; numbers as numbers, but `text` columns as text.
fn summary_rows(text: &[u8], text_columns: &[&str]) -> anyhow::Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let mut r = csv::Reader::from_reader(text);
    let head: Vec<String> = r.headers()?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for record in r.records() {
        let record = record?;
        let mut row = serde_json::Map::new();
        for (k, v) in head.iter().zip(record.iter()) {
            let text_column = text_columns.contains(&k.as_str());
            let value = if text_column {
                serde_json::Value::String(v.to_owned())
            } else if v.is_empty() {
                serde_json::Value::Null
            } else if let Ok(n) = v.parse::<i64>() {
                n.into()
            } else if let Some(n) = v.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                serde_json::Value::Number(n)
            } else {
                serde_json::Value::String(v.to_owned())
            };
            row.insert(k.clone(), value);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// One band: the smallest, middle and largest value over a run's solved scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ToSchema)]
pub struct BandRange {
    pub min: u32,
    /// The middle value, or the mean of the two middle values.
    pub median: f64,
    pub max: u32,
}

/// A municipality's robustness bands.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityBands {
    pub code: String,
    pub name: String,
    pub province: String,
    pub population: u32,
    /// The obligation (counted and allocated places) in regular places.
    pub regular: BandRange,
    /// The obligation in AMV places.
    pub amv: BandRange,
    /// The obligation in regular and AMV places together (per scenario, then the band).
    pub total: BandRange,
}

/// `GET /v1/runs/{id}/bands`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunBands {
    pub run: String,
    /// The solved scenarios the bands are over.
    pub scenarios: u64,
    /// The scenarios that failed (not in the bands).
    pub failed: u64,
    /// Every municipality, in code order.
    pub municipalities: Vec<MunicipalityBands>,
}

/// The columns of the bands' CSV.
const BAND_COLUMNS: [&str; 13] = [
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
    "total_max",
];

/// The bands of the result files in a run's folder.
pub(super) fn run_bands(run: &str, folder: &std::path::Path) -> Result<RunBands, ApiError> {
    use spreiding_solver::report::compare::Band;
    use spreiding_solver::report::results::ScenarioOutcome;
    let files = spreiding_results::output::compare::result_files(folder).unwrap_or_default();
    let mut header: Option<spreiding_solver::report::results::Header> = None;
    let mut bands: Vec<[Band; 3]> = Vec::new();
    let (mut solved, mut failed) = (0u64, 0u64);
    for (dir, name) in files {
        let (h, records) = spreiding_results::run::read_result(&dir, &name).map_err(ApiError::internal)?;
        for r in records {
            if r.outcome == ScenarioOutcome::Failed {
                failed += 1;
                continue;
            }
            match &header {
                None => {
                    bands = vec![Default::default(); h.municipalities.len()];
                    header = Some(h.clone());
                }
                Some(first) if first.municipalities != h.municipalities => {
                    return Err(ApiError::conflict(format!(
                        "run `{run}` holds scenarios on different data sets ({name}); bands need one data set"
                    )))
                }
                Some(_) => {}
            }
            // Both readers refuse a solved record without one value per entry of its header.
            for (i, b) in bands.iter_mut().enumerate() {
                let (regular, amv) = (obligation(&r, 2 * i), obligation(&r, 2 * i + 1));
                b[0].add(regular);
                b[1].add(amv);
                b[2].add(regular + amv);
            }
            solved += 1;
        }
    }
    let Some(header) = header else {
        return Err(ApiError::not_found(format!("run `{run}` has no solved scenario to take bands over")));
    };
    let range = |b: &Band| BandRange {
        min: b.min().unwrap_or_default(),
        median: b.median().unwrap_or_default(),
        max: b.max().unwrap_or_default(),
    };
    Ok(RunBands {
        run: run.to_owned(),
        scenarios: solved,
        failed,
        municipalities: header
            .municipalities
            .iter()
            .zip(&bands)
            .map(|(m, [r, a, t])| MunicipalityBands {
                code: m.code.clone(),
                name: m.name.clone(),
                province: m.province.clone(),
                population: m.population,
                regular: range(r),
                amv: range(a),
                total: range(t),
            })
            .collect(),
    })
}

/// A record's obligation at an entry, as the bands count it (whole places fit a u32: the data
/// set's limits keep every municipality's places far below).
fn obligation(r: &spreiding_solver::report::results::Record, k: usize) -> u32 {
    u32::try_from(r.obligation(k)).unwrap_or(u32::MAX)
}

/// The bands as CSV, one row per municipality.
fn bands_csv(bands: &RunBands) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(BAND_COLUMNS)?;
    for m in &bands.municipalities {
        let mut row = vec![m.code.clone(), m.name.clone(), m.province.clone(), m.population.to_string()];
        for b in [&m.regular, &m.amv, &m.total] {
            row.extend([b.min.to_string(), b.median.to_string(), b.max.to_string()]);
        }
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

/// A run's robustness bands: per municipality the smallest, median and largest obligation over
/// its solved scenarios (regular, AMV, and both together).
///
/// For a sweep: how much each municipality's obligation moves with the sweep's parameters or
/// draws. 409 while the run is queued or running.
#[utoipa::path(get, path = "/v1/runs/{id}/bands", tag = "runs",
    params(("id" = String, Path, description = "The run's id", example = "run-000001"), SummaryQuery),
    responses((status = 200, description = "The bands", content(
                  (RunBands = "application/json"),
                  (String = "text/csv"),
                  (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 404, description = "No such run, or it solved no scenario", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 409, description = "The run has not ended, or its scenarios are on different data sets", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 422, description = "Bad query", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized, Busy))]
pub async fn run_bands_endpoint(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    query: Result<Query<SummaryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| query_problem("format", &e))?;
    ended(&app, &id, "its bands are taken when it ends")?;
    let folder = app.runs.folder(&id);
    let format = query.format.unwrap_or_default();
    app.pool
        .run(move || {
            let bands = run_bands(&id, &folder)?;
            match format {
                TableFormat::Json => Ok(Json(bands).into_response()),
                _ => {
                    let text = bands_csv(&bands).map_err(ApiError::internal)?;
                    table_response(format, "bands", &["code", "name", "province"], text)
                }
            }
        })
        .await?
}

/// The run's result records as JSON lines, streamed from its result files.
///
/// The result files of the run (`results/*.jsonl`, by name) one after the other: each starts
/// with a header line (it has `format`, and names the municipalities the records' arrays
/// index), then one record per scenario. While the run goes on, the files finished so far.
#[utoipa::path(get, path = "/v1/runs/{id}/results", tag = "runs",
    params(("id" = String, Path, description = "The run's id", example = "run-000001")),
    responses((status = 200, description = "JSON lines", content_type = "application/x-ndjson", body = String),
              (status = 404, description = "No such run", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn run_results(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    app.runs.get(&id)?;
    let folder = app.runs.folder(&id);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        // A run that has written nothing yet has no result files: an empty answer.
        // The service's runs write JSON lines.
        let files = spreiding_results::output::compare::result_files(&folder).unwrap_or_default();
        for f in files.into_iter().map(|(dir, name)| dir.join(name)) {
            let Ok(mut file) = std::fs::File::open(&f) else { continue };
            loop {
                let mut buf = vec![0u8; 64 * 1024];
                match file.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// A query that does not read, in this API's words at its parameter (serde names the field
/// it stumbled on when it can).
fn query_problem(default: &str, e: &axum::extract::rejection::QueryRejection) -> ApiError {
    let text = e.body_text();
    let text = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text);
    let (field, message) = match text.split_once(": ") {
        Some((f, m)) if !f.contains(' ') => (f, m),
        _ => (default, text),
    };
    ApiError::field("query", field, format!("is not valid: {message}"))
}

/// The audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

/// `?limit=` of the audit log.
#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The newest this many lines (default 100, at most 10,000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// The audit log of runs: who asked for, started, cancelled what, with the input's fingerprint.
#[utoipa::path(get, path = "/v1/audit", tag = "runs", params(AuditQuery),
    responses((status = 200, description = "The newest lines, oldest first", body = AuditLog),
              (status = 422, description = "Bad query", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn audit(
    State(app): State<Arc<App>>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AuditLog>, ApiError> {
    let Query(query) = query.map_err(|e| query_problem("limit", &e))?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::field("query", "limit", "must be from 1 to 10000"));
    }
    Ok(Json(AuditLog { entries: app.runs.store().audit(limit).map_err(ApiError::internal)? }))
}

// ---------------------------------------------------------------------------------------------
// Compare

/// A run, or some scenarios of a run.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum RunSelection {
    /// Every scenario of the run.
    Run(String),
    /// Only these scenarios of the run (by scenario id).
    Some { run: String, scenarios: Vec<String> },
}

/// Formats of a comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CompareFormat {
    /// Everything as JSON (`spreiding compare --format json`).
    #[default]
    Json,
    /// The per-municipality table, or with `metrics` the per-scenario metrics.
    Csv,
    /// Markdown tables.
    Md,
}

/// `POST /v1/compare`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"runs": ["run-000001"], "format": "json"}))]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// The runs (or scenarios of runs) to compare, in column order.
    #[schema(value_type = Vec<RunSelection>, min_items = 1)]
    pub runs: Vec<serde_json::Value>,
    /// The baseline scenario's id (default: the first solved scenario).
    pub baseline: Option<String>,
    #[serde(default)]
    pub format: CompareFormat,
    /// CSV: the per-scenario metrics instead of the per-municipality table.
    #[serde(default)]
    pub metrics: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Selection {
    run: String,
    scenarios: Vec<String>,
}

/// Compares runs, or scenarios of runs, as `spreiding compare` does.
#[utoipa::path(post, path = "/v1/compare", tag = "runs", request_body = CompareRequest,
    responses((status = 200, description = "The comparison", content(
                  (Object = "application/json"),
                  (String = "text/csv"),
                  (String = "text/markdown"))),
              BodyErrors,
              (status = 422, description = "Unknown runs or scenarios, or nothing to compare", body = ProblemDetails, content_type = "application/problem+json"),
              Busy))]
pub async fn compare(State(app): State<Arc<App>>, raw: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let request: CompareRequest = body(&app, raw)?;
    if request.runs.is_empty() {
        return Err(ApiError::field("body", "runs", "is empty; name at least one run"));
    }
    let mut selections = Vec::new();
    for (i, v) in request.runs.iter().enumerate() {
        let at = format!("runs[{i}]");
        let (run, only) = match v {
            serde_json::Value::String(id) => (id.clone(), None),
            serde_json::Value::Object(_) => {
                let s: Selection =
                    serde_json::from_value(v.clone()).map_err(|e| ApiError::field("body", &at, e.to_string()))?;
                (s.run, Some(s.scenarios.into_iter().collect::<BTreeSet<String>>()))
            }
            _ => return Err(ApiError::field("body", &at, "expected a run id or {\"run\": id, \"scenarios\": [ids]}")),
        };
        let info = app.runs.get(&run).map_err(|_| ApiError::field("body", &at, format!("no run `{run}`")))?;
        if !info.status.is_final() {
            return Err(ApiError::field(
                "body",
                &at,
                format!("run `{run}` is {}; compare it when it has ended", info.status.as_str()),
            ));
        }
        selections.push((at, app.runs.folder(&run), only));
    }
    app.pool
        .run(move || {
            let mut builder = ComparisonBuilder::new(request.baseline.as_deref());
            for (at, folder, only) in &selections {
                let files = spreiding_results::output::compare::result_files(folder)
                    .map_err(|_| ApiError::field("body", at, "the run has no results"))?;
                let mut sources = Vec::new();
                let mut found = BTreeSet::new();
                for f in files.iter().map(|(dir, name)| dir.join(name)) {
                    let source = Source::read(&f).map_err(|p| ApiError::internal(p.to_string()))?;
                    sources.push(match only {
                        None => source,
                        Some(ids) => filtered(source, ids, &mut found),
                    });
                }
                if let Some(ids) = only {
                    if let Some(missing) = ids.iter().find(|id| !found.contains(*id)) {
                        return Err(ApiError::field("body", at, format!("the run has no scenario `{missing}`")));
                    }
                }
                builder
                    .add_result(sources.into_iter().map(Ok::<_, anyhow::Error>))
                    .map_err(|e| ApiError::field("body", at, format!("{e:#}")))?;
            }
            let c = builder.finish().map_err(|e| ApiError::field("body", "runs", e.to_string()))?;
            let format = match request.format {
                CompareFormat::Json => spreiding_results::output::compare::Format::Json,
                CompareFormat::Csv => spreiding_results::output::compare::Format::Csv,
                CompareFormat::Md => spreiding_results::output::compare::Format::Md,
            };
            let mut bytes = spreiding_results::output::compare::render(&c, format, request.metrics, false)
                .map_err(ApiError::internal)?;
            if request.format == CompareFormat::Csv {
                bytes = spreiding_results::output::spreadsheet_safe_csv(&bytes, b',').map_err(ApiError::internal)?;
            }
            let media = match request.format {
                CompareFormat::Json => "application/json",
                CompareFormat::Csv => "text/csv; charset=utf-8",
                CompareFormat::Md => "text/markdown; charset=utf-8",
            };
            Ok(([(header::CONTENT_TYPE, media)], bytes).into_response())
        })
        .await?
}

/// A result file with only the records of the given scenario ids (and its header).
fn filtered(source: Source, ids: &BTreeSet<String>, found: &mut BTreeSet<String>) -> Source {
    #[derive(Deserialize)]
    struct Id {
        id: Option<String>,
    }
    let mut text = String::with_capacity(source.text.len());
    for (i, line) in source.text.lines().enumerate() {
        let keep = i == 0
            || serde_json::from_str::<Id>(line).ok().and_then(|r| r.id).is_some_and(|id| {
                let keep = ids.contains(&id);
                if keep {
                    found.insert(id);
                }
                keep
            });
        if keep {
            text.push_str(line);
            text.push('\n');
        }
    }
    Source::new(source.name, text)
}

/// Unknown paths.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no endpoint at {}; see /docs", uri.path()))
}
