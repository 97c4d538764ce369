//! Errors as `application/problem+json` (RFC 9457): a status, a title, a detail sentence and
//! the list of problems (source, line, field path, what is wrong and what would be valid).
//! Every failure a client can cause maps to a 4xx here; 5xx only for the server's own trouble
//! (a disk that cannot be written) and for a full queue (503, with `Retry-After`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spreiding_solver::io::{InputError, Problem};
use utoipa::ToSchema;

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    problems: Vec<Problem>,
    retry_after: Option<u64>,
}

/// The body of an error answer (RFC 9457), as documented.
#[derive(Serialize, ToSchema)]
pub struct ProblemDetails {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[schema(example = "about:blank")]
    pub r#type: String,
    /// The status's reason phrase.
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong, in one sentence.
    pub detail: String,
    /// Every problem found, each at its place.
    pub problems: Vec<ProblemItem>,
}

/// One problem in the input.
#[derive(Serialize, ToSchema)]
pub struct ProblemItem {
    /// Where: `body`, `scenario` (an inline scenario), a served file, or a query parameter.
    pub source: String,
    /// The line in a served file, when there is one.
    pub line: Option<u64>,
    /// The field's dotted path (e.g. `weights.effort`), when there is one.
    pub field: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError { status, detail: detail.into(), problems: Vec::new(), retry_after: None }
    }

    /// 400: the body is not JSON (or not the JSON of this endpoint's shape).
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 422 with one problem at a field of the request.
    pub fn field(source: &str, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            problems: vec![Problem::at(source, None, Some(field), message.clone())],
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: {message}"))
        }
    }

    /// 422: the input does not validate; every problem listed.
    pub fn invalid(e: &InputError) -> Self {
        let n = e.problems().len();
        ApiError {
            problems: e.problems().to_vec(),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the input is not valid: {n} problem{}", if n == 1 { "" } else { "s" }),
            )
        }
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 405: the path has no such method.
    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, detail)
    }

    /// 409: the resource is not in a state for this.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// 401, with `WWW-Authenticate`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than the limit of {limit} bytes (the server's --max-body)"),
        )
    }

    /// Any status, with a detail sentence (errors made outside the handlers).
    pub fn with_status(status: StatusCode, detail: impl Into<String>) -> Self {
        Self::new(status, detail)
    }

    /// 403: a request from another site's page.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 408: the body did not arrive in time.
    pub fn timeout(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT, detail)
    }

    /// 415: a body that is not sent as JSON.
    pub fn unsupported_media(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail)
    }

    /// 421: a request for another host name (DNS rebinding).
    pub fn misdirected(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::MISDIRECTED_REQUEST, detail)
    }

    /// 503 with `Retry-After`: the server is busy (a full queue) or the time limit ran out.
    pub fn busy(detail: impl Into<String>, retry_after: u64) -> Self {
        ApiError { retry_after: Some(retry_after), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, detail) }
    }

    /// 429 with `Retry-After`: too many runs waiting.
    pub fn too_many(detail: impl Into<String>, retry_after: u64) -> Self {
        ApiError { retry_after: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, detail) }
    }

    /// 500: the server's own failure (a file it cannot write); logged.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("{e}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the server failed: {e}"))
    }
}

/// Longest text of an error answer, in characters: a caller's 100,000-character id is not
/// echoed whole.
const MAX_TEXT: usize = 1000;

/// A text of an error answer, its middle left out when it is longer than [`MAX_TEXT`].
fn bounded(text: String) -> String {
    let n = text.chars().count();
    if n <= MAX_TEXT {
        return text;
    }
    let head: String = text.chars().take(MAX_TEXT / 2).collect();
    let tail: String = text.chars().skip(n - 100).collect();
    format!("{head} ... ({n} characters) ... {tail}")
}

impl ApiError {
    /// The detail and every problem, in one line (for logs and stored errors).
    pub fn summary(&self) -> String {
        let mut out = self.detail.clone();
        for p in &self.problems {
            out.push_str("; ");
            out.push_str(&p.to_string());
        }
        out
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ProblemDetails {
            r#type: "about:blank".to_owned(),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: bounded(self.detail),
            problems: self
                .problems
                .into_iter()
                .map(|p| ProblemItem {
                    source: bounded(p.source),
                    line: p.line,
                    field: p.field.map(bounded),
                    message: bounded(p.message),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"spreiding\""));
        }
        response
    }
}

/// A JSON value read with duplicate keys refused (serde_json keeps the last one silently):
/// `{"scenario": A, "scenario": B}` must not solve B without a word.
pub struct StrictJson(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictJson(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(out.into())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "the key `{}` is given twice in one object; give each key once",
                    key.chars().take(80).collect::<String>()
                )));
            }
            let StrictJson(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(out.into())
    }
}

/// No valid token (with `--tokens`).
#[derive(utoipa::IntoResponses)]
#[response(status = 401, content_type = "application/problem+json")]
#[allow(dead_code, reason = "an answer's schema for the OpenAPI document; built by ApiError")]
pub struct Unauthorized(ProblemDetails);
