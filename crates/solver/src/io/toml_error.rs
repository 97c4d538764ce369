//! TOML errors as problems a modeller can act on: at the line and the key (`allocation.caps`,
//! not the value), with the expected kind in words (not `expected u32`).

use super::source::LineIndex;
use super::Problem;
use crate::model::limits::MAX_PLACES;

/// The problem of a TOML error in `text` (named `source`).
pub(crate) fn problem(source: &str, text: &str, e: &toml::de::Error) -> Problem {
    let (line, field) = match e.span() {
        Some(span) => (Some(LineIndex::new(text).line(span.start)), key_at(text, span.start)),
        None => (None, None),
    };
    Problem::at(source, line, field.as_deref(), in_words(e.message().trim(), field.as_deref()))
}

/// The dotted key written at `offset`: the key of its `key = value` line under the nearest
/// table header above, or the header itself.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    if let Some(header) = table_header(line) {
        return Some(header);
    }
    let key = clean_key(line.split_once('=')?.0);
    if key.is_empty() {
        return None;
    }
    let table = text[..line_start].lines().rev().find_map(|l| table_header(l.trim()));
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key,
    })
}

/// `[a.b]` or `[[a.b]]` as `a.b`.
fn table_header(line: &str) -> Option<String> {
    let inner = line
        .strip_prefix("[[")
        .and_then(|l| l.split("]]").next())
        .or_else(|| line.strip_prefix('[').and_then(|l| l.split(']').next()))?;
    let key = clean_key(inner);
    (!key.is_empty()).then_some(key)
}

/// A dotted key without quotes and spaces around its parts.
fn clean_key(k: &str) -> String {
    k.split('.').map(|p| p.trim().trim_matches('"').trim_matches('\'')).collect::<Vec<_>>().join(".")
}

/// The words a key of a scenario or sweep takes, for a value of the wrong type.
fn words(field: &str) -> Option<&'static str> {
    let last = field.rsplit('.').next()?;
    Some(match last {
        "mode" => "\"rest\" or \"level\"",
        "eligibility" => "\"all\" or \"below-indicative\"",
        "method" => "\"auto\" or \"lp\"",
        "action" => "\"add\", \"remove\" or \"change\"",
        "status" => "\"existing\", \"planned\" or \"intention\"",
        _ => return None,
    })
}

/// serde's wording of an expected kind, in words.
fn expected(kind: &str) -> String {
    match kind {
        "a boolean" => "true or false".to_owned(),
        "u32" | "u64" | "u16" => format!("a whole number from 0 to {MAX_PLACES}"),
        "i64" | "i32" => "a whole number".to_owned(),
        "f64" | "f32" => "a number".to_owned(),
        "a string" => "text in quotes".to_owned(),
        "a sequence" => "a list in brackets, e.g. [1, 2]".to_owned(),
        k if k.starts_with("struct ") || k == "a map" => "a table".to_owned(),
        k if k.contains("Datetime") => "a date YYYY-MM-DD".to_owned(),
        other => other.to_owned(),
    }
}

/// A value as serde names it (`string "yes"`, `integer \`5\``), as written.
fn value(what: &str) -> String {
    let (kind, shown) = what.split_once(' ').unwrap_or((what, ""));
    let shown = shown.trim().trim_matches('`');
    match kind {
        "string" => format!("{shown} (text)"),
        "integer" | "floating" => what.rsplit(' ').next().unwrap_or(what).trim_matches('`').to_owned(),
        "boolean" => shown.to_owned(),
        _ => what.to_owned(),
    }
}

/// The message of a TOML error in words.
fn in_words(message: &str, field: Option<&str>) -> String {
    if message == "wanted string or table" || message.starts_with("wanted ") {
        return match field.and_then(words) {
            Some(w) => format!("is not a word of this setting; expected {w}"),
            None => "has the wrong kind of value; see the README for what it takes".to_owned(),
        };
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some((what, kind)) = rest.rsplit_once(", expected ") {
                let v = value(what);
                let whole = kind.starts_with('u') || kind.starts_with('i');
                let f = v.parse::<f64>().ok().filter(|f| f.is_finite() && f.fract() == 0.0);
                let reason = if what.starts_with("floating") && whole && f.is_some_and(|f| f.abs() >= 9.2e18) {
                    "is too large"
                } else if what.starts_with("floating") && whole && f.is_some() {
                    "is written with a decimal point; write the whole number without one"
                } else if what.starts_with("floating") && whole {
                    "is not a whole number"
                } else if what.starts_with("integer") && whole && v.starts_with('-') {
                    "is negative"
                } else if what.starts_with("integer") && whole {
                    "is too large"
                } else {
                    "is not valid here"
                };
                return format!("{v} {reason}; expected {}", expected(kind));
            }
        }
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> String {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct File {
            allocation: Option<Alloc>,
            #[serde(default)]
            overrides: Vec<Over>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Alloc {
            caps: Option<bool>,
            mode: Option<crate::model::AllocationMode>,
            weight: Option<f64>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Over {
            places: Option<u32>,
        }
        let e = toml::from_str::<File>(text).unwrap_err();
        problem("s.toml", text, &e).to_string()
    }

    #[test]
    fn type_errors_name_the_key_and_the_kind_in_words() {
        assert_eq!(
            of("[allocation]\ncaps = \"yes\"\n"),
            "s.toml:2: allocation.caps: \"yes\" (text) is not valid here; expected true or false"
        );
        assert_eq!(
            of("[allocation]\nmode = 3\n"),
            "s.toml:2: allocation.mode: is not a word of this setting; expected \"rest\" or \"level\""
        );
        assert_eq!(
            of("[allocation]\nweight = \"0.5\"\n"),
            "s.toml:2: allocation.weight: \"0.5\" (text) is not valid here; expected a number"
        );
        assert_eq!(
            of("[[overrides]]\nplaces = -5\n"),
            "s.toml:2: overrides.places: -5 is negative; expected a whole number from 0 to 10000000"
        );
        assert_eq!(
            of("[[overrides]]\nplaces = 2.5\n"),
            "s.toml:2: overrides.places: 2.5 is not a whole number; expected a whole number from 0 to 10000000"
        );
        assert_eq!(
            of("[[overrides]]\nplaces = 5000000000\n"),
            "s.toml:2: overrides.places: 5000000000 is too large; expected a whole number from 0 to 10000000"
        );
        assert_eq!(of("allocation = 5\n"), "s.toml:1: allocation: 5 is not valid here; expected a table");
        assert!(of("[allocation]\nmdoe = 1\n").starts_with("s.toml:2: allocation.mdoe: unknown field `mdoe`"));
    }
}
