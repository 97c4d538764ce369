//! The texts input is read from, with the names they are reported under: plain data, so that
//! a data set can be built from memory and its identity (a content hash) known.

use sha2::{Digest, Sha256};

/// One input text and the name it is reported under: a file path, or any label a caller gives
/// text built in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// The name in messages (`data/nl-2024/provinces.csv`, `request`).
    pub name: String,
    /// The text.
    pub text: String,
}

impl Source {
    /// A text with its name.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source { name: name.into(), text: text.into() }
    }
}

/// The texts of a data set's files, each with the name it is reported under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatasetSources {
    /// What the data set is called in output (its folder, or a caller's label).
    pub label: String,
    /// `cycle.toml`.
    pub cycle: Source,
    /// `provinces.csv`.
    pub provinces: Source,
    /// `municipalities.csv`.
    pub municipalities: Source,
    /// `illustrative/locations.csv`.
    pub locations: Source,
    /// `illustrative/effort.csv`.
    pub effort: Source,
    /// `illustrative/feasibility.csv`.
    pub feasibility: Source,
    /// `illustrative/exclusions.csv`.
    pub exclusions: Source,
}

impl DatasetSources {
    /// The files of a data set folder, relative to it, in the order of the fields.
    pub const FILES: [&'static str; 7] = [
        "cycle.toml",
        "provinces.csv",
        "municipalities.csv",
        "illustrative/locations.csv",
        "illustrative/effort.csv",
        "illustrative/feasibility.csv",
        "illustrative/exclusions.csv",
    ];

    /// The sources in the order of [`DatasetSources::FILES`].
    pub fn all(&self) -> [&Source; 7] {
        [
            &self.cycle,
            &self.provinces,
            &self.municipalities,
            &self.locations,
            &self.effort,
            &self.feasibility,
            &self.exclusions,
        ]
    }

    /// SHA-256 over the files' relative names and texts (length-prefixed): equal exactly when
    /// every file's content is equal, whatever the label or where the files lie.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for (name, source) in Self::FILES.iter().zip(self.all()) {
            for part in [name.as_bytes(), source.text.as_bytes()] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part);
            }
        }
        super::digest::hex(&h.finalize())
    }
}
