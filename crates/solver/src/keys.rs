//! Eligibility (MODEL.md 3.3), relative effort (3.4) and the distribution key (3.5).
//!
//! key_m = w_I I_m / sum(I) + w_E E_m / sum(E) + w_F F_m / sum(F) over the eligible municipalities
//! of a province, with E_m = I_m / (1 + r_m) (more past effort, a smaller share) and
//! F_m = cap_m * score_m (realistic room for new places). Weights are normalised to sum to 1; a
//! component whose sum is 0 contributes 0.

use crate::model::{Eligibility, Weights};
use serde::Serialize;

/// Whether a municipality may receive additional places.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum Standing {
    /// It may.
    Eligible,
    /// Excluded from additional places, for the reason given in the data set.
    Excluded {
        /// Reason from exclusions.csv.
        reason: String,
    },
    /// Its counted places already reach its indicative number (eligibility `below-indicative`).
    MetIndicative,
}

impl Standing {
    /// True when eligible.
    pub fn is_eligible(&self) -> bool {
        matches!(self, Standing::Eligible)
    }
}

/// The standing of a municipality under an eligibility rule.
pub fn standing(rule: Eligibility, excluded: Option<&str>, counted: u32, indicative: u32) -> Standing {
    if let Some(reason) = excluded {
        Standing::Excluded { reason: reason.to_owned() }
    } else if rule == Eligibility::BelowIndicative && counted >= indicative {
        Standing::MetIndicative
    } else {
        Standing::Eligible
    }
}

/// What the key of one eligible municipality is computed from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyInput {
    /// Indicative number I_m.
    pub indicative: f64,
    /// Relative effort r_m.
    pub relative_effort: f64,
    /// Cap from the data (used whether or not caps are enforced).
    pub cap: f64,
    /// Feasibility score 0..1.
    pub score: f64,
}

/// The key of one municipality with its three components.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Key {
    /// I_m / sum(I).
    pub indicative_share: f64,
    /// E_m = I_m / (1 + r_m).
    pub effort_value: f64,
    /// E_m / sum(E).
    pub effort_share: f64,
    /// F_m = cap_m * score_m.
    pub feasibility_value: f64,
    /// F_m / sum(F).
    pub feasibility_share: f64,
    /// The weighted blend (normalised weights).
    pub key: f64,
}

impl KeyInput {
    /// E_m = I_m / (1 + r_m): the indicative number discounted by past effort.
    pub fn effort_value(&self) -> f64 {
        self.indicative / (1.0 + self.relative_effort)
    }

    /// F_m = cap_m * score_m: realistic room for new places.
    pub fn feasibility_value(&self) -> f64 {
        self.cap * self.score
    }
}

/// The denominators of the key's three shares: sums over the eligible municipalities of a
/// province and commodity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeySums {
    /// Sum of I.
    pub indicative: f64,
    /// Sum of E.
    pub effort: f64,
    /// Sum of F.
    pub feasibility: f64,
}

impl KeySums {
    /// The sums over `inputs`.
    pub fn of(inputs: &[KeyInput]) -> Self {
        KeySums {
            indicative: inputs.iter().map(|k| k.indicative).sum(),
            effort: inputs.iter().map(KeyInput::effort_value).sum(),
            feasibility: inputs.iter().map(KeyInput::feasibility_value).sum(),
        }
    }
}

fn share(v: f64, sum: f64) -> f64 {
    if sum > 0.0 {
        v / sum
    } else {
        0.0
    }
}

/// The keys of the eligible municipalities of one province and commodity, in input order.
pub fn keys(inputs: &[KeyInput], weights: &Weights) -> Vec<Key> {
    let w = weights.normalised();
    let sums = KeySums::of(inputs);
    inputs
        .iter()
        .map(|k| {
            let (e, f) = (k.effort_value(), k.feasibility_value());
            let (si, se, sf) =
                (share(k.indicative, sums.indicative), share(e, sums.effort), share(f, sums.feasibility));
            Key {
                indicative_share: si,
                effort_value: e,
                effort_share: se,
                feasibility_value: f,
                feasibility_share: sf,
                key: w.indicative * si + w.effort * se + w.feasibility * sf,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(i: f64, r: f64, cap: f64, score: f64) -> KeyInput {
        KeyInput { indicative: i, relative_effort: r, cap, score }
    }

    #[test]
    fn indicative_weight_one_gives_the_indicative_share() {
        let k = keys(&[input(30.0, 2.0, 0.0, 0.0), input(10.0, 0.0, 5.0, 1.0)], &Weights::default());
        assert!((k[0].key - 0.75).abs() < 1e-12 && (k[1].key - 0.25).abs() < 1e-12);
    }

    #[test]
    fn effort_component_shrinks_with_past_effort() {
        // E = 30/3 = 10 and 10/1 = 10: equal effort shares despite 3x the indicative number.
        let k = keys(
            &[input(30.0, 2.0, 0.0, 0.0), input(10.0, 0.0, 0.0, 0.0)],
            &Weights { indicative: 0.0, effort: 2.0, feasibility: 0.0 },
        );
        assert!((k[0].key - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_component_with_zero_sum_contributes_nothing() {
        let w = Weights { indicative: 1.0, effort: 0.0, feasibility: 1.0 };
        let k = keys(&[input(30.0, 0.0, 0.0, 0.5), input(10.0, 0.0, 0.0, 0.5)], &w);
        assert!((k[0].key - 0.375).abs() < 1e-12);
        assert!((k.iter().map(|k| k.key).sum::<f64>() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn standing_follows_the_rule() {
        assert_eq!(standing(Eligibility::BelowIndicative, None, 10, 10), Standing::MetIndicative);
        assert_eq!(standing(Eligibility::All, None, 10, 10), Standing::Eligible);
        assert!(matches!(standing(Eligibility::All, Some("Ter Apel"), 0, 10), Standing::Excluded { .. }));
    }
}
