//! Problems found in input, each with its place (source, line, field).
//!
//! A *source* is a label naming where a text came from: a file path when it was read from disk,
//! or any name the caller gives text built in memory (`request`, `claim-1.toml`).

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Something that names the source of a problem: a path (shown as the OS shows it) or a label.
pub trait SourceName {
    /// The name shown in messages.
    fn source_name(&self) -> String;
}

impl SourceName for Path {
    fn source_name(&self) -> String {
        self.display().to_string()
    }
}

impl SourceName for PathBuf {
    fn source_name(&self) -> String {
        self.display().to_string()
    }
}

impl SourceName for str {
    fn source_name(&self) -> String {
        self.to_owned()
    }
}

impl SourceName for String {
    fn source_name(&self) -> String {
        self.clone()
    }
}

/// Most characters of a value quoted in a message.
const SHOWN: usize = 60;

/// A value for a message: as it is when short, else its start and its length.
pub(crate) fn shorten(value: &str) -> String {
    if value.chars().count() <= SHOWN {
        return value.to_owned();
    }
    let head: String = value.chars().take(SHOWN).collect();
    format!("{head}... ({} characters)", value.chars().count())
}

/// A number for a message: plain when it reads well, in scientific notation when huge or tiny.
pub(crate) fn number(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// One problem in the input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// The source: a file path or a label.
    pub source: String,
    /// The line (1-based, the header of a CSV file is line 1), when the problem has one.
    pub line: Option<u64>,
    /// The field (CSV column or TOML key), when the problem has one.
    pub field: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl Problem {
    /// A problem at a file, line and field.
    pub fn at(
        source: &(impl SourceName + ?Sized),
        line: Option<u64>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Problem { source: source.source_name(), line, field: field.map(str::to_owned), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All problems found in the input, sorted by file and line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Adds a problem.
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, sorted, as an error (for callers that already know some were found).
    pub fn into_error(mut self) -> InputError {
        self.0.sort();
        self.0.dedup();
        InputError::Invalid(self)
    }

    /// `Ok(value)` when nothing was found, else the sorted problems as an error.
    pub fn into_result<T>(self, value: T) -> Result<T, InputError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.into_error())
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} in the input:", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Why input could not be used: every problem found, each with its source, line and field.
/// The one error type of reading and validating input; serialisable as the list of problems.
/// Serialised as `{"problems": [{"source", "line", "field", "message"}, ...]}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Problems were found in the input (unreadable files among them).
    #[error("{0}")]
    Invalid(Problems),
}

impl InputError {
    /// The problems as a list.
    pub fn problems(&self) -> &[Problem] {
        match self {
            InputError::Invalid(p) => &p.0,
        }
    }

    /// One problem as an error.
    pub fn single(problem: Problem) -> Self {
        InputError::Invalid(Problems(vec![problem]))
    }

    /// The problems with the lines of `source` left out: for a text written from a value (a
    /// JSON body, a Python dict) whose lines mean nothing to the one who gave the value.
    /// Problems of other sources (a file it extends) keep theirs.
    pub fn without_lines_of(self, source: &str) -> Self {
        let InputError::Invalid(Problems(problems)) = self;
        InputError::Invalid(Problems(
            problems.into_iter().map(|p| if p.source == source { Problem { line: None, ..p } } else { p }).collect(),
        ))
    }
}

impl Serialize for InputError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("InputError", 1)?;
        st.serialize_field("problems", self.problems())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field() {
        let p = Problem::at(std::path::Path::new("a/locations.csv"), Some(214), Some("closes"), "is before opens");
        assert_eq!(p.to_string(), "a/locations.csv:214: closes: is before opens");
        let p = Problem::at("x.toml", None, None, "empty");
        assert_eq!(p.to_string(), "x.toml: empty");
    }
}
