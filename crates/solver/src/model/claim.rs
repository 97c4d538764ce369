//! An objection's claim (*bezwaar*): who objects, on what grounds, and the corrections of the
//! data it asks for, written as a scenario's overrides are.

use super::{MunicipalityCode, Overrides};
use serde::Serialize;

/// A validated claim.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Claim {
    /// Where it was read from (its file path, or a caller's label).
    pub source: String,
    /// The objecting municipality.
    pub municipality: MunicipalityCode,
    /// The grounds as the objector gives them (free text, quoted as is).
    pub grounds: String,
    /// The corrections of the data, applied over the scenario's data set (never a province's
    /// target: that is set by law).
    pub corrections: Overrides,
}
