//! `POST /v1/compare`: the comparison of runs' results (`spreiding compare`).

use super::*;

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
                let files = spreiding_results::layout::result_files(folder)
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
