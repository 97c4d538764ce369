//! `POST /v1/solve`, `/v1/explain`, `/v1/objection`: one scenario solved, explained, or replayed with claims.

use super::*;

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
                  (spreiding_solver::report::Report = "application/json"),
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
    #[schema(value_type = spreiding_solver::explain::Explanation)]
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
    #[schema(value_type = spreiding_solver::objection::Replay)]
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
