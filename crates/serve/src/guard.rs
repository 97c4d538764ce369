//! What stands between the network and the handlers: the checks a browser on another site
//! cannot get past, read time-outs, and the answer's headers.
//!
//! - **Host and Origin.** A server without tokens answers only requests whose `Host` is the
//!   loopback address it is bound to (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`): a
//!   page on another site that rebinds its DNS name to 127.0.0.1 sends its own name and is
//!   answered 421. A request with an `Origin` (a browser's) must come from the server's own
//!   origin (403 otherwise), with or without tokens.
//! - **JSON bodies only as JSON.** A POST must say `Content-Type: application/json` (415
//!   otherwise): a page on another site can send `text/plain` or a form without asking the
//!   server first (no CORS preflight), but not `application/json`.
//! - **Bodies read in time.** A body is read whole, within the size limit (413) and the read
//!   time-out (408), before any handler sees it; headers have the same time-out in the accept
//!   loop ([`super::listen`]).
//! - **Every answer** carries `X-Content-Type-Options: nosniff`, frame protection and a
//!   Content-Security-Policy (the workbench's own, Swagger UI's for `/docs`, `default-src 'none'`
//!   for the rest); every error answer is `application/problem+json`, also those made by the
//!   router and the extractors, and never shows the server's own paths.

use super::problem::{ApiError, PROBLEM_JSON};
use super::App;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// What the guard knows of the server.
pub struct Guard {
    /// `Host` values a token-less server answers (empty: any, with tokens).
    pub hosts: Vec<String>,
    /// The read time-out of a body.
    pub read_timeout: Duration,
    /// Texts of server paths and what to show instead (longest first).
    pub paths: Vec<(String, String)>,
}

impl Guard {
    /// The guard of a server bound to `local`, with or without tokens.
    pub fn new(
        local: std::net::SocketAddr,
        tokens: bool,
        read_timeout: Duration,
        paths: Vec<(String, String)>,
    ) -> Self {
        let port = local.port();
        let hosts = if tokens {
            Vec::new()
        } else {
            let mut h = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
            h.push(match local {
                std::net::SocketAddr::V4(a) => format!("{}:{port}", a.ip()),
                std::net::SocketAddr::V6(a) => format!("[{}]:{port}", a.ip()),
            });
            h.sort();
            h.dedup();
            h
        };
        let mut paths = paths;
        paths.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Guard { hosts, read_timeout, paths }
    }

    /// Whether a `Host` value is one this server answers.
    fn host_allowed(&self, host: &str) -> bool {
        self.hosts.is_empty() || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// Largest request head (path and headers) answered, in bytes.
pub const MAX_HEAD: usize = 64 * 1024;

/// The checks of every request: Host, Origin, the body's media type, size and read time.
pub async fn check(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let guard = &app.guard;
    let headers = request.headers();
    let head: usize =
        request.uri().to_string().len() + headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>();
    if head > MAX_HEAD {
        return ApiError::with_status(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request's path and headers have {head} bytes; at most {MAX_HEAD} are read"),
        )
        .into_response();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(host) = &host {
        if !guard.host_allowed(host) {
            return ApiError::misdirected(format!(
                "this server answers requests to {} only (Host `{}`); a server without --tokens serves its own loopback address",
                guard.hosts.join(", "),
                shorten(host)
            ))
            .into_response();
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("?");
        let same = host.as_deref().is_some_and(|h| {
            origin.eq_ignore_ascii_case(&format!("http://{h}")) || origin.eq_ignore_ascii_case(&format!("https://{h}"))
        });
        if !same {
            return ApiError::forbidden(format!(
                "a request from the web page at {} is not answered: only this server's own pages may call it",
                shorten(origin)
            ))
            .into_response();
        }
    }
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let json = media
        .as_deref()
        .is_some_and(|v| v == "application/json" || (v.starts_with("application/") && v.ends_with("+json")));
    // A monitoring snapshot is a location list: CSV or a workbook (neither is a type another
    // site's page may send without a preflight); the handler checks which.
    let snapshot = request.uri().path().starts_with("/v1/decisions/") && request.uri().path().ends_with("/snapshots");
    if snapshot {
        return next.run(request).await;
    }
    if !json {
        return ApiError::unsupported_media(
            "the body must be JSON sent with `Content-Type: application/json`".to_owned(),
        )
        .into_response();
    }
    let (parts, body) = request.into_parts();
    let limit = app.max_body;
    let bytes = match tokio::time::timeout(guard.read_timeout, read_body(body, limit)).await {
        Err(_) => {
            return ApiError::timeout(format!(
                "the body was not received within {} s (the server's --read-timeout)",
                guard.read_timeout.as_secs()
            ))
            .into_response()
        }
        Ok(Err(None)) => return ApiError::too_large(limit).into_response(),
        Ok(Err(Some(e))) => return ApiError::malformed(format!("the body could not be read: {e}")).into_response(),
        Ok(Ok(b)) => b,
    };
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A body read whole; `Err(None)` when it is larger than `limit`.
async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, Option<axum::Error>> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(Some)?;
        if buf.len() + chunk.len() > limit {
            return Err(None);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.into())
}

/// Shortens a caller's text for a message.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_owned()
    } else {
        format!("{}... ({} characters)", s.chars().take(60).collect::<String>(), s.chars().count())
    }
}

/// Swagger UI's page needs its own scripts and inline styles; nothing from another origin.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Everything else: nothing to run, nothing to frame.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Largest error body rewritten into problem+json (router and extractor messages are short).
const MAX_PLAIN_ERROR: usize = 64 * 1024;

/// The headers of every answer, and every error answer as problem+json without server paths.
pub async fn answer(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/docs");
    let response = next.run(request).await;
    let mut response = if response.status().is_client_error() || response.status().is_server_error() {
        problem(&app, response).await
    } else {
        response
    };
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if docs { DOCS_CSP } else { API_CSP }));
    }
    response
}

/// An error answer as problem+json: one made by a handler keeps its body (server paths
/// replaced); one made by the router or an extractor (text) becomes a problem with its text.
async fn problem(app: &App, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let is_problem = parts.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PLAIN_ERROR).await else {
        return ApiError::with_status(parts.status, "the answer could not be made").into_response();
    };
    if is_problem {
        let text = String::from_utf8_lossy(&bytes);
        let body = hide_paths(&app.guard.paths, &text);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(body));
    }
    let text = String::from_utf8_lossy(&bytes);
    let detail = if text.trim().is_empty() {
        parts.status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        reword(text.trim())
    };
    let mut answer = ApiError::with_status(parts.status, hide_paths(&app.guard.paths, &detail)).into_response();
    for name in [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            answer.headers_mut().insert(name, v.clone());
        }
    }
    if parts.status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::too_large(app.max_body).into_response();
    }
    answer
}

/// The router's and extractors' messages in this API's words.
pub fn reword(text: &str) -> String {
    for (prefix, instead) in [
        ("Failed to deserialize query string: ", "the query is not valid: "),
        ("Invalid URL: ", "the path is not valid: "),
        ("Failed to deserialize the JSON body into the target type: ", "the body does not have the expected fields: "),
        ("Failed to parse the request body as JSON: ", "the body is not JSON: "),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return format!("{instead}{rest}");
        }
    }
    text.to_owned()
}

/// Replaces the server's own paths in a text.
///
/// Only a whole path is replaced: an occurrence inside a word (a relative `--state st` in
/// "status") is left alone.
pub fn hide_paths(paths: &[(String, String)], text: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut out = text.to_owned();
    for (path, shown) in paths {
        if path.is_empty() || !out.contains(path.as_str()) {
            continue;
        }
        let mut next = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(path.as_str()) {
            let before = rest[..at].chars().next_back().or_else(|| next.chars().next_back());
            let after = rest[at + path.len()..].chars().next();
            let whole =
                !before.is_some_and(|c| word(c) || c == '.') && (path.ends_with('/') || !after.is_some_and(word));
            next.push_str(&rest[..at]);
            next.push_str(if whole { shown } else { path });
            rest = &rest[at + path.len()..];
        }
        next.push_str(rest);
        out = next;
    }
    out
}

/// Longest request path hyper reads (`u16::MAX - 1` bytes); a longer one it answers with a bare
/// 414 before the application sees the request.
const MAX_PATH: usize = 65_534;

/// The first request line of a connection, looked at (not read) before hyper reads it: a path
/// longer than hyper takes is answered here, as a problem (`414`), and the connection closed;
/// a connection that sends no whole request line within `timeout` is closed. Later requests on
/// a kept-alive connection meet hyper's own limit.
pub async fn request_line(stream: tokio::net::TcpStream, timeout: Duration) -> Option<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut buf = vec![0u8; MAX_PATH + 64];
    let deadline = tokio::time::Instant::now() + timeout;
    let mut seen = 0;
    loop {
        if seen == 0 {
            tokio::time::timeout_at(deadline, stream.readable()).await.ok()?.ok()?;
        }
        let n = tokio::time::timeout_at(deadline, stream.peek(&mut buf)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        if buf[..n].windows(2).any(|w| w == b"\r\n") {
            return Some(stream);
        }
        if n >= buf.len() {
            let mut stream = stream;
            let body = serde_json::json!({
                "type": "about:blank",
                "title": "URI Too Long",
                "status": 414,
                "detail": format!("the request's path is longer than {MAX_PATH} bytes; ids and paths are far shorter"),
                "problems": [],
            })
            .to_string();
            let answer = format!(
                "HTTP/1.1 414 URI Too Long\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
            return None;
        }
        // Only part of the line has come: wait for more (peek does not wait for new bytes).
        seen = n;
        tokio::time::sleep(Duration::from_millis(2)).await;
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_loopback_names_of_the_port_without_tokens() {
        let g = Guard::new("127.0.0.1:8080".parse().unwrap(), false, Duration::from_secs(1), Vec::new());
        for ok in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"] {
            assert!(g.host_allowed(ok), "{ok}");
        }
        for bad in ["evil.example:8080", "127.0.0.1:8081", "localhost", "127.0.0.1"] {
            assert!(!g.host_allowed(bad), "{bad}");
        }
        let t = Guard::new("0.0.0.0:8080".parse().unwrap(), true, Duration::from_secs(1), Vec::new());
        assert!(t.host_allowed("spreiding.example:443"));
    }

    #[test]
    fn a_short_relative_path_is_replaced_only_where_it_stands_alone() {
        let paths = vec![("st/".to_owned(), String::new()), ("st".to_owned(), "state".to_owned())];
        assert_eq!(
            hide_paths(&paths, "status 415: must be JSON; st/monitor.sqlite; in st"),
            "status 415: must be JSON; monitor.sqlite; in state"
        );
        assert_eq!(hide_paths(&paths, "test/st/x, first"), "test/x, first");
    }

    #[test]
    fn server_paths_are_replaced_longest_first() {
        let g = Guard::new(
            "127.0.0.1:1".parse().unwrap(),
            false,
            Duration::from_secs(1),
            vec![("/srv".into(), "?".into()), ("/srv/scenarios/".into(), "".into())],
        );
        assert_eq!(hide_paths(&g.paths, "/srv/scenarios/a.toml:3: x; /srv/other"), "a.toml:3: x; ?/other");
    }

    #[test]
    fn router_messages_are_reworded() {
        assert_eq!(
            reword("Failed to deserialize query string: unknown field `x`"),
            "the query is not valid: unknown field `x`"
        );
        assert_eq!(reword("something else"), "something else");
    }
}
