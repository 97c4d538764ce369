//! Problems found in input files, each with its place (file, line, field).

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// The line (1-based, the header of a CSV file is line 1), when the problem has one.
    pub line: Option<u64>,
    /// The field (CSV column or TOML key), when the problem has one.
    pub field: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl Problem {
    /// A problem at a file, line and field.
    pub fn at(file: &Path, line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> Self {
        Problem { file: file.to_path_buf(), line, field: field.map(str::to_owned), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
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

/// Why input could not be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file could not be read at all.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The files were read, and problems were found in them.
    #[error("{0}")]
    Invalid(Problems),
}

impl InputError {
    /// The problems as a list (a read error becomes one problem without a line).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            InputError::Read { path, source } => {
                vec![Problem::at(path, None, None, format!("cannot read: {source}"))]
            }
            InputError::Invalid(p) => p.0.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field() {
        let p = Problem::at(Path::new("a/locations.csv"), Some(214), Some("closes"), "is before opens");
        assert_eq!(p.to_string(), "a/locations.csv:214: closes: is before opens");
        let p = Problem::at(Path::new("x.toml"), None, None, "empty");
        assert_eq!(p.to_string(), "x.toml: empty");
    }
}
