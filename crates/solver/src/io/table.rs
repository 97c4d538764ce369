//! A small CSV reader that checks the header and parses fields with precise problems.
//!
//! Each CSV file of the data set has a fixed set of columns. Unknown and missing columns are
//! problems (a misspelt column must never be silently ignored), and every field parse failure
//! becomes a [`Problem`] naming the file, line and column, so that all problems of a file are
//! reported in one go.

use super::problem::shorten;
use super::{Problem, Problems, Source};
use crate::model::limits::MAX_PLACES;
use crate::model::Date;

/// A parsed CSV file: its rows with their line numbers, columns in the expected order.
pub(crate) struct Table {
    pub name: String,
    rows: Vec<(u64, Vec<String>)>,
}

/// Parses the CSV text of `source`, checks that the header has exactly `columns` (in any
/// order), and returns the rows with fields reordered as `columns`. Problems go to `problems`;
/// `None` if the text is unusable (columns missing).
pub(crate) fn read_table(source: &Source, columns: &[&str], problems: &mut Problems) -> Option<Table> {
    let path = source.name.as_str();
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(source.text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            problems.push(Problem::at(path, Some(1), None, format!("unreadable header: {e}")));
            return None;
        }
        None => {
            problems.push(Problem::at(
                path,
                None,
                None,
                format!("the file is empty; expected a header with {}", columns.join(",")),
            ));
            return None;
        }
    };
    let header: Vec<String> = header.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_owned()).collect();
    let mut ok = true;
    for (i, name) in header.iter().enumerate() {
        if !columns.contains(&name.as_str()) {
            problems.push(Problem::at(
                path,
                Some(1),
                Some(name),
                format!("unknown column {} ; expected the columns {}", i + 1, columns.join(",")),
            ));
            ok = false;
        } else if header[..i].contains(name) {
            problems.push(Problem::at(path, Some(1), Some(name), "column appears twice"));
            ok = false;
        }
    }
    let mut order = Vec::with_capacity(columns.len());
    for col in columns {
        match header.iter().position(|h| h == col) {
            Some(i) => order.push(i),
            None => {
                problems.push(Problem::at(path, Some(1), Some(col), "missing column"));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let mut rows = Vec::new();
    for record in records {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                if r.len() == 1 && r.get(0).is_some_and(|f| f.trim().is_empty()) {
                    continue; // a blank line
                }
                if r.len() != header.len() {
                    problems.push(Problem::at(
                        path,
                        Some(line),
                        None,
                        format!("has {} fields; the header has {}", r.len(), header.len()),
                    ));
                    continue;
                }
                let fields: Vec<String> = order.iter().map(|&i| r[i].trim().to_owned()).collect();
                let mut long = false;
                for (col, field) in columns.iter().zip(&fields) {
                    let n = field.chars().count();
                    if n > crate::model::limits::MAX_TEXT {
                        problems.push(Problem::at(
                            path,
                            Some(line),
                            Some(col),
                            format!(
                                "has {n} characters; a field has at most {} (it is shown in reports, maps and spreadsheets)",
                                crate::model::limits::MAX_TEXT
                            ),
                        ));
                        long = true;
                    }
                }
                if !long {
                    rows.push((line, fields));
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line());
                problems.push(Problem::at(path, line, None, format!("unreadable row: {e}")));
            }
        }
    }
    Some(Table { name: path.to_owned(), rows })
}

impl Table {
    /// True when the file has a header and no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, each with access to its fields by column position in the `columns` given.
    pub fn rows<'a>(&'a self, columns: &'a [&'a str]) -> impl Iterator<Item = Row<'a>> + 'a {
        self.rows.iter().map(move |(line, fields)| Row { path: &self.name, line: *line, fields, columns })
    }
}

/// One row of a [`Table`].
pub(crate) struct Row<'a> {
    pub path: &'a str,
    pub line: u64,
    fields: &'a [String],
    columns: &'a [&'a str],
}

impl Row<'_> {
    fn index(&self, field: &str) -> usize {
        // Columns are the caller's constants; a wrong name is a bug in this crate.
        self.columns.iter().position(|c| *c == field).unwrap_or_else(|| unreachable!("no column {field}"))
    }

    /// The text of a field (trimmed).
    pub fn text(&self, field: &str) -> &str {
        &self.fields[self.index(field)]
    }

    /// A problem at this row and field.
    pub fn problem(&self, field: &str, message: impl Into<String>) -> Problem {
        Problem::at(self.path, Some(self.line), Some(field), message)
    }

    /// `file:line`, for provenance in explanations.
    pub fn source(&self) -> String {
        let name = self.path.rsplit(['/', '\\']).next().unwrap_or(self.path);
        format!("{name}:{}", self.line)
    }

    /// A non-empty text field.
    pub fn required(&self, field: &str, problems: &mut Problems) -> Option<&str> {
        let t = self.text(field);
        if t.is_empty() {
            problems.push(self.problem(field, "is empty; a value is required"));
            None
        } else {
            Some(t)
        }
    }

    /// A whole number from 0 to [`MAX_PLACES`] (a number of places).
    pub fn count(&self, field: &str, problems: &mut Problems) -> Option<u32> {
        self.count_max(field, MAX_PLACES, problems)
    }

    /// A whole number from 0 to `max`.
    pub fn count_max(&self, field: &str, max: u32, problems: &mut Problems) -> Option<u32> {
        let t = self.text(field);
        if let Ok(v) = t.parse::<u32>() {
            if v <= max {
                return Some(v);
            }
        }
        // Only a value that is not accepted pays for the message.
        let expected = format!("expected a whole number from 0 to {max}");
        let message = match (t.parse::<u64>(), t.parse::<f64>()) {
            (Ok(_), _) => format!("{} is too large; at most {max}", shorten(t)),
            _ if t.is_empty() => format!("is empty; {expected}"),
            (_, Ok(v)) if v.is_nan() => format!("`{}` is not a number; {expected}", shorten(t)),
            (_, Ok(v)) if v < 0.0 => format!("{} is negative; {expected}", shorten(t)),
            (_, Ok(v)) if v > f64::from(max) => format!("{} is too large; at most {max}", shorten(t)),
            (_, Ok(v)) if v.fract() != 0.0 => format!("{} is not a whole number; {expected}", shorten(t)),
            (_, Ok(v)) => format!("`{}` is not written as a whole number; write digits only, e.g. {v}", shorten(t)),
            (_, Err(_)) => format!("`{}` is not a number; {expected}", shorten(t)),
        };
        problems.push(self.problem(field, message));
        None
    }

    /// A finite real number from `min` to `max`.
    pub fn real(&self, field: &str, min: f64, max: f64, problems: &mut Problems) -> Option<f64> {
        let t = self.text(field);
        let parsed = t.parse::<f64>();
        if let Ok(v) = parsed {
            if (min..=max).contains(&v) {
                return Some(v);
            }
        }
        // Only a value that is not accepted pays for the message.
        let expected = format!("expected a number from {min} to {max}");
        let message = match parsed {
            Ok(v) if v < min && min == 0.0 => format!("{} is negative; {expected}", shorten(t)),
            Ok(v) if v > max => format!("{} is above {max}; {expected}", shorten(t)),
            Ok(v) if v.is_finite() => format!("{} is below {min}; {expected}", shorten(t)),
            _ if t.is_empty() => format!("is empty; {expected}"),
            _ => format!("`{}` is not a number; {expected}", shorten(t)),
        };
        problems.push(self.problem(field, message));
        None
    }

    /// A date `YYYY-MM-DD`; `None` with a problem if it does not parse.
    pub fn date(&self, field: &str, problems: &mut Problems) -> Option<Date> {
        let t = self.text(field);
        match Date::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(
                    self.problem(
                        field,
                        format!("`{}` is not a date; expected YYYY-MM-DD, e.g. 2025-07-01", shorten(t)),
                    ),
                );
                None
            }
        }
    }

    /// An optional date: empty is `Some(None)`.
    pub fn optional_date(&self, field: &str, problems: &mut Problems) -> Option<Option<Date>> {
        if self.text(field).is_empty() {
            Some(None)
        } else {
            self.date(field, problems).map(Some)
        }
    }

    /// `true` or `false`.
    pub fn boolean(&self, field: &str, problems: &mut Problems) -> Option<bool> {
        match self.text(field) {
            "true" => Some(true),
            "false" => Some(false),
            t => {
                problems.push(self.problem(field, format!("`{}` is not true or false", shorten(t))));
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub fn choice<T: Copy>(&self, field: &str, options: &[(&str, T)], problems: &mut Problems) -> Option<T> {
        let t = self.text(field);
        match options.iter().find(|(name, _)| *name == t) {
            Some((_, v)) => Some(*v),
            None => {
                let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                problems.push(self.problem(field, format!("`{}` is not one of {}", shorten(t), names.join(", "))));
                None
            }
        }
    }
}
