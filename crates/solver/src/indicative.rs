//! The indicative distribution (docs/MODEL.md, "Indicative distribution"): the forecast divided
//! over the municipalities in proportion to inhabitants x correction(welfare score), by largest
//! remainder, with exact totals; the AMV part by the cycle's rule; the provinces' tasks are the
//! sums. The rules are the cycle's (`cycle.toml`, `[indicative]`, see [`IndicativeRules`]).
//!
//! Everything is computed in exact integers: a weight is inhabitants x the correction factor
//! as an exact decimal, a quota is `total x weight / group weight` as a fraction, and the
//! remainders are compared as fractions of one denominator. Ties between equal remainders go
//! to the larger weight, then to the lower code: deterministic, and a municipality with more
//! inhabitants at the same score never gets fewer places than one with fewer.

use crate::model::decimal::Decimal;
use crate::model::{AmvRule, Dataset, IndicativeRules, IndicativeSource, MunicipalityCode, ProvinceCode, Scope};
use serde::Serialize;

/// Why the distribution cannot be computed (the message names the rule or number).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IndicativeError(pub String);

/// What a caller may change of the cycle's numbers (`spreiding indicative --total --amv --scope`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Forecast {
    /// All places, AMV included (default: the cycle's `national_total`).
    pub total: Option<u32>,
    /// Of which AMV (default: the cycle's `national_amv`).
    pub amv: Option<u32>,
    /// National or per province (default: the cycle's).
    pub scope: Option<Scope>,
}

/// The indicative distribution of a data set's cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicative {
    /// Cycle id.
    pub cycle: String,
    /// Over what the forecast was divided.
    pub scope: Scope,
    /// The correction as a formula (`max(0.25, 1 + 0.12 × score)`).
    pub correction: String,
    /// The AMV rule.
    pub amv_rule: AmvRule,
    /// All places, AMV included.
    pub total: u32,
    /// Of which AMV.
    pub amv: u32,
    /// Every municipality, by code.
    pub municipalities: Vec<IndicativeRow>,
    /// Every province: the sums of its municipalities.
    pub provinces: Vec<IndicativeProvince>,
}

/// One municipality's indicative number and its derivation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicativeRow {
    /// Code.
    pub code: MunicipalityCode,
    /// Name.
    pub name: String,
    /// Province code.
    pub province: ProvinceCode,
    /// Inhabitants.
    pub population: u32,
    /// Welfare score (`welvaart_proxy`).
    pub score: Decimal,
    /// The correction factor at that score.
    pub factor: Decimal,
    /// Inhabitants x factor.
    pub weight: Decimal,
    /// Its total was fixed (published, or pinned by the cycle), not divided.
    pub pinned: bool,
    /// The total number (regular and AMV).
    pub total: u32,
    /// How the total was found (not for a pinned number).
    pub total_share: Option<Share>,
    /// The AMV part.
    pub amv: u32,
    /// How the AMV part was found (rule `apportion`).
    pub amv_share: Option<Share>,
    /// Total minus AMV.
    pub regular: u32,
}

/// A municipality's part of a largest-remainder division.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Share {
    /// What was divided: `NL` or a province code.
    pub over: String,
    /// The number divided (after the pinned numbers).
    pub divided: u32,
    /// Its fraction of the group's weight (display, 9 decimals).
    pub fraction: f64,
    /// The exact quota `divided x fraction` (display, 6 decimals).
    pub quota: f64,
    /// The whole part of the quota.
    pub whole: u32,
    /// Its remainder's place among the group's (1 = largest; ties by weight, then code).
    pub rank: u32,
    /// Places left after the whole parts, given to the largest remainders.
    pub leftover: u32,
    /// It received one of those.
    pub extra: bool,
}

/// A province's indicative task: the sums of its municipalities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicativeProvince {
    /// Code.
    pub code: ProvinceCode,
    /// Name.
    pub name: String,
    /// Regular places.
    pub regular: u32,
    /// AMV places.
    pub amv: u32,
}

/// One member of a division: index, weight as an integer on the group's scale, tie-break code.
struct Member {
    index: usize,
    weight: i128,
}

/// Largest remainder of `total` over `members` in proportion to their weights: (whole part,
/// rank, extra, quota, fraction) per member, in the members' order. Ties: larger weight, then
/// the lower index (the data set's order is by code).
fn apportion(total: u32, members: &[Member], over: &str) -> Result<Vec<Share>, IndicativeError> {
    let overflow = || IndicativeError(format!("the numbers of {over} are too large to divide exactly"));
    let sum = members.iter().try_fold(0i128, |s, m| s.checked_add(m.weight)).ok_or_else(overflow)?;
    if members.is_empty() || sum <= 0 {
        if total == 0 {
            return Ok(Vec::new());
        }
        return Err(IndicativeError(format!(
            "{over}: {total} places to divide and no municipality with a positive weight to divide them over"
        )));
    }
    let t = i128::from(total);
    let mut parts = Vec::with_capacity(members.len());
    for m in members {
        let q = t.checked_mul(m.weight).ok_or_else(overflow)?;
        parts.push((q / sum, q % sum));
    }
    let given: i128 = parts.iter().map(|p| p.0).sum();
    let leftover = t - given;
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| {
        parts[b]
            .1
            .cmp(&parts[a].1)
            .then(members[b].weight.cmp(&members[a].weight))
            .then(members[a].index.cmp(&members[b].index))
    });
    let mut rank = vec![0u32; members.len()];
    for (r, &k) in order.iter().enumerate() {
        rank[k] = u32::try_from(r + 1).unwrap_or(u32::MAX);
    }
    let leftover = u32::try_from(leftover).map_err(|_| overflow())?;
    #[expect(clippy::cast_precision_loss, reason = "display values of exact fractions")]
    let shares = members
        .iter()
        .zip(&parts)
        .zip(&rank)
        .map(|((m, &(whole, rem)), &rank)| Share {
            over: over.to_owned(),
            divided: total,
            fraction: round_to(m.weight as f64 / sum as f64, 9),
            quota: round_to(whole as f64 + rem as f64 / sum as f64, 6),
            whole: u32::try_from(whole).unwrap_or(u32::MAX),
            rank,
            leftover,
            extra: rank <= leftover,
        })
        .collect();
    Ok(shares)
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Computes the indicative distribution of `dataset`'s cycle by its `[indicative]` rules.
pub fn compute(dataset: &Dataset, forecast: Forecast) -> Result<Indicative, IndicativeError> {
    let cycle = dataset.cycle();
    let rules: &IndicativeRules = cycle.indicative.as_ref().ok_or_else(|| {
        IndicativeError(format!(
            "{}: the cycle has no [indicative] table; it says how the indicative distribution is computed (see README, \"A data set for a new cycle\")",
            dataset.sources().cycle.name
        ))
    })?;
    let scope = forecast.scope.unwrap_or(rules.scope);
    let total = forecast.total.unwrap_or(cycle.national_total);
    let amv = forecast.amv.unwrap_or(cycle.national_amv);
    if amv > total {
        return Err(IndicativeError(format!("the AMV places ({amv}) are more than all places ({total})")));
    }
    let provinces = dataset.provinces();
    let municipalities = dataset.municipalities();
    if scope == Scope::Province {
        let sum: u64 = provinces.iter().map(|p| u64::from(p.target.regular) + u64::from(p.target.amv)).sum();
        let sum_amv: u64 = provinces.iter().map(|p| u64::from(p.target.amv)).sum();
        if sum != u64::from(total) || sum_amv != u64::from(amv) {
            return Err(IndicativeError(format!(
                "scope province divides each province's task of provinces.csv (together {sum} places, {sum_amv} AMV); {total} places of which {amv} AMV asks for scope national"
            )));
        }
    }

    // Factors, weights and pins.
    let mut scores = Vec::with_capacity(municipalities.len());
    let mut factors = Vec::with_capacity(municipalities.len());
    for m in municipalities {
        let score = Decimal::from_f64(m.welvaart_proxy)
            .map_err(|e| IndicativeError(format!("{}: welvaart_proxy {e}", m.code)))?;
        let factor = rules
            .correction
            .factor(score)
            .ok_or_else(|| IndicativeError(format!("{}: the correction overflows at score {score}", m.code)))?;
        if !factor.is_positive() {
            return Err(IndicativeError(format!(
                "{}: the correction {} gives {factor} at score {score}; a factor must be above 0 (give the correction a floor)",
                m.code,
                rules.correction.formula()
            )));
        }
        scores.push(score);
        factors.push(factor);
    }
    let scale = factors.iter().map(|f| f.scale()).max().unwrap_or(0);
    let weights: Vec<i128> = municipalities
        .iter()
        .zip(&factors)
        .map(|(m, f)| f.scaled_to(scale).and_then(|f| f.checked_mul(i128::from(m.population))))
        .collect::<Option<_>>()
        .ok_or_else(|| IndicativeError("the weights are too large to compute exactly".to_owned()))?;
    let pinned: Vec<Option<u32>> = municipalities
        .iter()
        .map(|m| {
            rules.pins.get(&m.code).copied().or_else(|| {
                (rules.pin_published && m.indicative_source == IndicativeSource::Published)
                    .then_some(m.indicative.regular + m.indicative.amv)
            })
        })
        .collect();

    // Totals: over the nation, or each province's task.
    let groups: Vec<(String, u64, Vec<usize>)> = match scope {
        Scope::National => vec![("NL".to_owned(), u64::from(total), (0..municipalities.len()).collect())],
        Scope::Province => provinces
            .iter()
            .enumerate()
            .map(|(p, prov)| {
                let members = (0..municipalities.len()).filter(|&i| municipalities[i].province == p).collect();
                (prov.code.to_string(), u64::from(prov.target.regular) + u64::from(prov.target.amv), members)
            })
            .collect(),
    };
    let mut totals = vec![0u32; municipalities.len()];
    let mut total_shares: Vec<Option<Share>> = vec![None; municipalities.len()];
    for (over, task, members) in &groups {
        let pinned_sum: u64 = members.iter().filter_map(|&i| pinned[i]).map(u64::from).sum();
        let Some(rest) = task.checked_sub(pinned_sum) else {
            return Err(IndicativeError(format!(
                "{over}: the pinned numbers add up to {pinned_sum}, more than the {task} places to divide"
            )));
        };
        let rest = u32::try_from(rest).map_err(|_| IndicativeError(format!("{over}: {rest} places is too many")))?;
        let free: Vec<Member> = members
            .iter()
            .filter(|&&i| pinned[i].is_none())
            .map(|&i| Member { index: i, weight: weights[i] })
            .collect();
        for &i in members {
            if let Some(n) = pinned[i] {
                totals[i] = n;
            }
        }
        for (m, share) in free.iter().zip(apportion(rest, &free, over)?) {
            totals[m.index] = share.whole + u32::from(share.extra);
            total_shares[m.index] = Some(share);
        }
    }

    // AMV.
    let mut amvs = vec![0u32; municipalities.len()];
    let mut amv_shares: Vec<Option<Share>> = vec![None; municipalities.len()];
    for (over, task, members) in &groups {
        let group_amv = match scope {
            Scope::National => amv,
            Scope::Province => provinces.iter().find(|p| p.code.as_str() == over).map_or(0, |p| p.target.amv),
        };
        match rules.amv {
            AmvRule::Apportion => {
                let by_total: Vec<Member> =
                    members.iter().map(|&i| Member { index: i, weight: i128::from(totals[i]) }).collect();
                for (m, share) in by_total.iter().zip(apportion(group_amv, &by_total, over)?) {
                    amvs[m.index] = share.whole + u32::from(share.extra);
                    amv_shares[m.index] = Some(share);
                }
            }
            AmvRule::Share => {
                for &i in members {
                    // round half up of total x amv / task, exactly
                    let num = u128::from(totals[i]) * u128::from(group_amv) * 2 + u128::from(*task);
                    let den = u128::from(*task) * 2;
                    amvs[i] = num.checked_div(den).map_or(0, |q| u32::try_from(q).unwrap_or(u32::MAX).min(totals[i]));
                }
            }
        }
    }

    let rows: Vec<IndicativeRow> = municipalities
        .iter()
        .enumerate()
        .map(|(i, m)| IndicativeRow {
            code: m.code,
            name: m.name.clone(),
            province: provinces[m.province].code,
            population: m.population,
            score: scores[i],
            factor: factors[i],
            weight: factors[i].checked_mul(Decimal::from_int(i64::from(m.population))).unwrap_or(Decimal::ZERO),
            pinned: pinned[i].is_some(),
            total: totals[i],
            total_share: total_shares[i].take(),
            amv: amvs[i],
            amv_share: amv_shares[i].take(),
            regular: totals[i] - amvs[i],
        })
        .collect();
    let sums = provinces
        .iter()
        .enumerate()
        .map(|(p, prov)| {
            let (regular, amv) = municipalities
                .iter()
                .zip(&rows)
                .filter(|(m, _)| m.province == p)
                .fold((0u32, 0u32), |(r, a), (_, row)| (r + row.regular, a + row.amv));
            IndicativeProvince { code: prov.code, name: prov.name.clone(), regular, amv }
        })
        .collect();
    let amv_total = rows.iter().map(|r| r.amv).sum();
    Ok(Indicative {
        cycle: cycle.id.clone(),
        scope,
        correction: rules.correction.formula(),
        amv_rule: rules.amv,
        total,
        amv: amv_total,
        municipalities: rows,
        provinces: sums,
    })
}

/// The largest remainder of the test suite's own small cases.
#[cfg(test)]
mod tests {
    use super::*;

    fn members(w: &[i128]) -> Vec<Member> {
        w.iter().enumerate().map(|(index, &weight)| Member { index, weight }).collect()
    }

    #[test]
    fn largest_remainder_with_ties_to_the_larger_weight_then_the_order() {
        // 10 over 1:1:1 -> 3.33 each; one leftover to the first (equal weights, first index).
        let s = apportion(10, &members(&[1, 1, 1]), "t").unwrap();
        assert_eq!(s.iter().map(|s| s.whole + u32::from(s.extra)).collect::<Vec<_>>(), vec![4, 3, 3]);
        // 5 over 3:2 -> 3, 2 exactly: no leftover.
        let s = apportion(5, &members(&[3, 2]), "t").unwrap();
        assert_eq!(s.iter().map(|s| (s.whole, s.extra)).collect::<Vec<_>>(), vec![(3, false), (2, false)]);
        // 1 over 1:2:1 (quotas .25 .5 .25): the largest remainder.
        let s = apportion(1, &members(&[1, 2, 1]), "t").unwrap();
        assert_eq!(s.iter().map(|s| s.extra).collect::<Vec<_>>(), vec![false, true, false]);
        assert!(apportion(3, &members(&[0, 0]), "t").is_err());
        assert!(apportion(0, &members(&[]), "t").unwrap().is_empty());
    }
}
