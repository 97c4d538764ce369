//! Runs (`/v1/runs`...): create, list, follow, cancel; their summaries, result files and bands; the audit log.

use super::*;

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
    let path = spreiding_results::layout::summary(&app.runs.folder(&id));
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

/// The bands of the result files in a run's folder (computed next to the comparison:
/// [`spreiding_results::output::compare::folder_bands`]).
pub(super) fn run_bands(run: &str, folder: &std::path::Path) -> Result<RunBands, ApiError> {
    use spreiding_results::output::compare::{folder_bands, BandsError};
    use spreiding_solver::report::compare::Band;
    let bands = folder_bands(folder).map_err(|e| match e {
        BandsError::Read(e) => ApiError::internal(e),
        BandsError::DifferentDatasets(name) => ApiError::conflict(format!(
            "run `{run}` holds scenarios on different data sets ({name}); bands need one data set"
        )),
        BandsError::NothingSolved => {
            ApiError::not_found(format!("run `{run}` has no solved scenario to take bands over"))
        }
    })?;
    let range = |b: &Band| BandRange {
        min: b.min().unwrap_or_default(),
        median: b.median().unwrap_or_default(),
        max: b.max().unwrap_or_default(),
    };
    Ok(RunBands {
        run: run.to_owned(),
        scenarios: bands.scenarios,
        failed: bands.failed,
        municipalities: bands
            .municipalities
            .iter()
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
        let files = spreiding_results::layout::result_files(&folder).unwrap_or_default();
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
pub(super) fn query_problem(default: &str, e: &axum::extract::rejection::QueryRejection) -> ApiError {
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
