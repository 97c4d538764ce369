//! Monitoring (`/v1/decisions`...): the decisions served, snapshots posted against them, their
//! status on a date, the history of snapshots, a municipality's timeline and the decision's
//! map. Posting a snapshot is audited as `monitor.snapshot`.

use super::*;
use crate::monitoring::Served;
use spreiding_monitor::output::StatusAnswer;
use spreiding_monitor::store::{Added, Recorded};
use spreiding_solver::model::Date;

/// A served decision.
#[derive(Serialize, ToSchema)]
pub struct DecisionInfo {
    /// SHA-256 of the dossier's manifest: the decision's id.
    pub id: String,
    /// The dossier's folder name.
    pub name: String,
    pub scenario: String,
    pub cycle: String,
    /// The provinces the dossier was made for.
    pub provinces: Vec<String>,
    /// The due date (the cycle's counting date).
    pub due: String,
    /// The data set's map is available (the dossier has boundaries).
    pub map: bool,
}

/// `GET /v1/decisions`.
#[derive(Serialize, ToSchema)]
pub struct DecisionList {
    pub decisions: Vec<DecisionInfo>,
}

fn info(id: &str, s: &Served) -> DecisionInfo {
    DecisionInfo {
        id: id.to_owned(),
        name: s.name.clone(),
        scenario: s.decision.scenario.clone(),
        cycle: s.decision.dataset.cycle().id.clone(),
        provinces: s.decision.provinces.iter().map(ToString::to_string).collect(),
        due: s.decision.ctx.counting_date.to_string(),
        map: s.decision.boundaries.is_some(),
    }
}

fn served<'a>(app: &'a App, id: &str) -> Result<&'a Served, ApiError> {
    app.monitoring
        .decisions
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("no served decision has the id `{id}` (see GET /v1/decisions)")))
}

/// The decisions the server monitors (the dossiers in its `--dossiers` folder).
#[utoipa::path(get, path = "/v1/decisions", tag = "monitoring",
    responses((status = 200, description = "The decisions", body = DecisionList), Unauthorized))]
pub async fn decisions(State(app): State<Arc<App>>) -> Json<DecisionList> {
    Json(DecisionList { decisions: app.monitoring.decisions.iter().map(|(id, s)| info(id, s)).collect() })
}

/// `?at=` of a status.
#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    /// The status date, YYYY-MM-DD (default: today, UTC).
    pub at: Option<String>,
}

fn day(field: &str, text: &str) -> Result<Date, ApiError> {
    Date::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::field("query", field, format!("`{text}` is not a date as YYYY-MM-DD (e.g. 2025-07-01)")))
}

fn status_of(app: &App, s: &Served, at: Date) -> Result<spreiding_solver::monitor::Status, ApiError> {
    let snaps = spreiding_monitor::snapshots(&app.monitoring.store(), &s.decision).map_err(ApiError::internal)?;
    Ok(spreiding_monitor::status(&s.decision, &snaps, at))
}

/// The status of a decision on a date: per municipality and commodity the obligation, the
/// places that count, the gap, the trend and met / on-track / behind / overdue; per province
/// the totals (the JSON of `spreiding monitor status --format json`).
#[utoipa::path(get, path = "/v1/decisions/{id}/status", tag = "monitoring", params(("id" = String, Path, description = "The decision's id"), AtQuery),
    responses((status = 200, description = "The status", body = StatusAnswer),
              (status = 404, description = "No such decision", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 422, description = "Bad query", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn decision_status(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    query: Result<Query<AtQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| super::runs::query_problem("at", &e))?;
    let at = match &query.at {
        Some(t) => day("at", t)?,
        None => chrono::Utc::now().date_naive(),
    };
    let worker = app.clone();
    app.pool
        .run(move || -> Result<Response, ApiError> {
            let s = served(&worker, &id)?;
            let status = status_of(&worker, s, at)?;
            let bytes =
                spreiding_monitor::output::render(spreiding_monitor::output::Format::Json, &s.decision, &status)
                    .map_err(ApiError::internal)?;
            Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
        })
        .await?
}

/// `GET /v1/decisions/{id}/history`.
#[derive(Serialize, ToSchema)]
pub struct History {
    pub decision: String,
    /// Every snapshot recorded, superseded ones included, in recording order.
    pub snapshots: Vec<Recorded>,
}

/// The snapshots recorded against a decision.
#[utoipa::path(get, path = "/v1/decisions/{id}/history", tag = "monitoring", params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, description = "The history", body = History),
              (status = 404, description = "No such decision", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn decision_history(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<History>, ApiError> {
    served(&app, &id)?;
    let snapshots = app.monitoring.store().history(&id).map_err(ApiError::internal)?;
    Ok(Json(History { decision: id, snapshots }))
}

/// `POST /v1/decisions/{id}/snapshots`'s query.
#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SnapshotQuery {
    /// The date the list describes, YYYY-MM-DD.
    pub date: String,
    /// The file's name, as it is recorded and named in problems (default `snapshot.csv` or
    /// `snapshot.xlsx`); at most 200 characters.
    pub name: Option<String>,
    /// Record it as the correction of the snapshot recorded for that date.
    pub supersede: Option<bool>,
}

/// `POST /v1/decisions/{id}/snapshots`'s answer.
#[derive(Serialize, ToSchema)]
pub struct SnapshotRecorded {
    /// False when the same bytes were already recorded for that date (nothing written).
    pub new: bool,
    pub snapshot: Recorded,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Records a snapshot: the body is the location list, `text/csv` (UTF-8, the data set's
/// locations.csv columns) or an Excel workbook (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
///
/// Validated like the data set (422 with every problem at its line and field); history only
/// grows forward (409 for a date before the latest recorded one, or other contents for a
/// recorded date without `supersede=true`). Audited as `monitor.snapshot`.
#[utoipa::path(post, path = "/v1/decisions/{id}/snapshots", tag = "monitoring",
    params(("id" = String, Path, description = "The decision's id"), SnapshotQuery),
    request_body(content = String, content_type = "text/csv", description = "The location list"),
    responses((status = 201, description = "Recorded", body = SnapshotRecorded),
              (status = 200, description = "Already recorded (the same bytes for that date)", body = SnapshotRecorded),
              (status = 404, description = "No such decision", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 409, description = "It would change the history", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 413, description = "Too large", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 415, description = "Not CSV or a workbook", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 422, description = "The list or the query is not valid", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn post_snapshot(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    query: Result<Query<SnapshotQuery>, axum::extract::rejection::QueryRejection>,
    headers: axum::http::HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| super::runs::query_problem("date", &e))?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let default_name = match essence.as_str() {
        "text/csv" => "snapshot.csv",
        XLSX => "snapshot.xlsx",
        _ => {
            return Err(ApiError::unsupported_media(format!(
                "the body is `{media}`; send the location list as text/csv or as an Excel workbook ({XLSX})"
            )))
        }
    };
    let date = day("date", &query.date)?;
    let name = query.name.clone().unwrap_or_else(|| default_name.to_owned());
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::field("query", "name", "must be 1 to 200 characters without control characters"));
    }
    let bytes = raw.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(app.max_body)
        } else {
            ApiError::malformed(format!("the body could not be read: {e}"))
        }
    })?;
    let supersede = query.supersede.unwrap_or(false);
    let worker = app.clone();
    let who = caller.0.clone();
    app.pool
        .run(move || -> Result<Response, ApiError> {
            let s = served(&worker, &id)?;
            let file =
                spreiding_monitor::snapshot::from_bytes(&name, bytes.to_vec()).map_err(|e| ApiError::invalid(&e))?;
            let added = {
                let mut store = worker.monitoring.store();
                spreiding_monitor::record(&mut store, &s.decision, &file, date, supersede)
            };
            let added = match added {
                Ok(a) => a,
                Err(e) => {
                    return Err(match e.downcast_ref::<spreiding_solver::io::InputError>() {
                        Some(input) => ApiError::invalid(input),
                        None if e.to_string().contains("before the decision's cycle") => {
                            ApiError::field("query", "date", e.to_string())
                        }
                        None => ApiError::conflict(format!("{e:#}")),
                    })
                }
            };
            let (status, new, r) = match added {
                Added::New(r) => (StatusCode::CREATED, true, r),
                Added::AlreadyRecorded(r) => (StatusCode::OK, false, r),
            };
            if new {
                let detail = format!(
                    "snapshot {} of {} ({}, {} rows){}",
                    r.seq,
                    r.date,
                    r.file,
                    r.rows,
                    r.supersedes.map_or_else(String::new, |s| format!(", supersedes {s}"))
                );
                worker
                    .runs
                    .store()
                    .audit_line(&who, "monitor.snapshot", &id, &r.sha256, &detail)
                    .map_err(ApiError::internal)?;
            }
            Ok((status, Json(SnapshotRecorded { new, snapshot: r })).into_response())
        })
        .await?
}

/// `?code=&commodity=&at=` of a timeline.
#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// The municipality's code (GM0344).
    pub code: String,
    /// `regular` or `amv`.
    pub commodity: String,
    /// The status date (default: today, UTC).
    pub at: Option<String>,
}

/// A municipality's timeline as SVG (the monitoring report's chart).
#[utoipa::path(get, path = "/v1/decisions/{id}/timeline", tag = "monitoring", params(("id" = String, Path, description = "The decision's id"), TimelineQuery),
    responses((status = 200, description = "The chart", content_type = "image/svg+xml", body = String),
              (status = 404, description = "No such decision, or nothing to monitor for this municipality", body = ProblemDetails, content_type = "application/problem+json"),
              (status = 422, description = "Bad query", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn decision_timeline(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    query: Result<Query<TimelineQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| super::runs::query_problem("code", &e))?;
    let at = match &query.at {
        Some(t) => day("at", t)?,
        None => chrono::Utc::now().date_naive(),
    };
    let code = MunicipalityCode::parse(&query.code).ok_or_else(|| {
        ApiError::field("query", "code", format!("`{}` is not a municipality code (GM0344)", query.code))
    })?;
    let commodity = match query.commodity.as_str() {
        "regular" => Commodity::Regular,
        "amv" => Commodity::Amv,
        other => return Err(ApiError::field("query", "commodity", format!("`{other}` is not regular or amv"))),
    };
    let worker = app.clone();
    app.pool
        .run(move || -> Result<Response, ApiError> {
            let s = served(&worker, &id)?;
            let status = status_of(&worker, s, at)?;
            let row =
                status.municipalities.iter().find(|r| r.code == code && r.commodity == commodity).ok_or_else(|| {
                    ApiError::not_found(format!(
                        "{code} has no {} obligation or places in this decision",
                        commodity.as_str()
                    ))
                })?;
            let svg = spreiding_solver::monitor::timeline_svg(row, &status);
            Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
        })
        .await?
}

/// The map of a decision's data set (the shape of `GET /v1/datasets/{label}/map`), from the
/// dossier's boundary file.
#[utoipa::path(get, path = "/v1/decisions/{id}/map", tag = "monitoring", params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, description = "The map", body = crate::workbench::DatasetMap),
              (status = 404, description = "No such decision, or its dossier has no boundaries", body = ProblemDetails, content_type = "application/problem+json"),
              Unauthorized))]
pub async fn decision_map(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<crate::workbench::DatasetMap>, ApiError> {
    let s = served(&app, &id)?;
    let b = s
        .decision
        .boundaries
        .as_ref()
        .ok_or_else(|| ApiError::not_found(format!("the dossier {} has no boundary file", s.name)))?;
    Ok(Json(crate::workbench::build(&s.name, &s.decision.dataset, b)))
}
