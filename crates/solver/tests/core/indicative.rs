//! The indicative distribution (`spreiding indicative`): nl-2024's columns reproduced from its
//! inputs, and the properties of the division on generated countries, checked against the
//! definition of largest remainder written out here with exact integers.

use crate::common::dataset_path;
use proptest::prelude::*;
use spreiding_solver::indicative::{compute, Forecast};
use spreiding_solver::io::{build_dataset, load_dataset};
use spreiding_solver::model::decimal::Decimal;
use spreiding_solver::model::{
    AmvRule, CoropCode, Correction, Cycle, DatasetParts, IndicativeRules, IndicativeSource, Municipality,
    MunicipalityCode, PerCommodity, Province, ProvinceCode, Scope,
};
use std::collections::BTreeMap;

#[test]
fn reproduces_nl_2024_indicative_columns_exactly() {
    let d = load_dataset(&dataset_path()).unwrap();
    let ind = compute(&d, Forecast::default()).unwrap();
    assert_eq!(ind.municipalities.len(), 342);
    let mut differ = Vec::new();
    for (m, r) in d.municipalities().iter().zip(&ind.municipalities) {
        assert_eq!(m.code, r.code);
        if (m.indicative.regular, m.indicative.amv) != (r.regular, r.amv) {
            differ.push(format!("{} {}: {:?} computed {}/{}", m.code, m.name, m.indicative, r.regular, r.amv));
        }
        assert_eq!(r.pinned, m.indicative_source == IndicativeSource::Published, "{}", m.code);
    }
    assert!(differ.is_empty(), "{} differ:\n{}", differ.len(), differ.join("\n"));
    for (p, r) in d.provinces().iter().zip(&ind.provinces) {
        assert_eq!((p.target.regular, p.target.amv), (r.regular, r.amv), "{}", p.code);
    }
    // The published facts the reconstruction rests on (../shared/data/published): Amsterdam
    // 4,479 places; AMV round(total x 8,140 / 96,000) for 's-Gravenhage (213) and Utrecht (169).
    let find = |name: &str| ind.municipalities.iter().find(|r| r.name == name).unwrap();
    assert_eq!(find("Amsterdam").total, 4_479);
    assert_eq!(find("'s-Gravenhage").amv, 213);
    assert_eq!(find("Utrecht").amv, 169);
    assert_eq!(ind.total, 96_000);
    assert_eq!(ind.amv, 8_140);
}

#[test]
fn nl_2024_nationally_is_another_distribution_with_the_same_totals() {
    let d = load_dataset(&dataset_path()).unwrap();
    let ind = compute(&d, Forecast { scope: Some(Scope::National), ..Forecast::default() }).unwrap();
    assert_eq!(ind.municipalities.iter().map(|r| r.total).sum::<u32>(), 96_000);
    assert_eq!(ind.municipalities.iter().map(|r| r.amv).sum::<u32>(), 8_140);
    // The 33 published numbers stay; the province tasks move.
    for (m, r) in d.municipalities().iter().zip(&ind.municipalities) {
        if m.indicative_source == IndicativeSource::Published {
            assert_eq!(r.total, m.indicative.regular + m.indicative.amv);
        }
    }
    assert!(d.provinces().iter().zip(&ind.provinces).any(|(p, r)| p.target.regular != r.regular));
    // Another forecast.
    let ind = compute(&d, Forecast { total: Some(88_000), amv: Some(7_462), scope: Some(Scope::National) }).unwrap();
    assert_eq!((ind.total, ind.amv), (88_000, 7_462));
    let err = compute(&d, Forecast { total: Some(88_000), amv: Some(7_462), scope: None }).unwrap_err();
    assert!(err.0.contains("asks for scope national"), "{err}");
    // Only the AMV part differs from the provinces' tasks: still not scope province.
    let err = compute(&d, Forecast { total: Some(96_000), amv: Some(8_000), scope: None }).unwrap_err();
    assert!(err.0.contains("asks for scope national"), "{err}");
    // All places AMV is a forecast; more AMV than places is not.
    let all = compute(&d, Forecast { total: Some(96_000), amv: Some(96_000), scope: Some(Scope::National) }).unwrap();
    assert!(all.municipalities.iter().all(|r| r.regular == 0 && r.amv == r.total));
    let err = compute(&d, Forecast { total: Some(100), amv: Some(200), scope: Some(Scope::National) }).unwrap_err();
    assert!(err.0.contains("more than all places"), "{err}");
}

/// A generated country for the properties.
#[derive(Clone, Debug)]
struct Country {
    /// (province, population, score in ten-thousandths, pinned total)
    municipalities: Vec<(usize, u32, i32, Option<u32>)>,
    provinces: usize,
    total: u32,
    amv: u32,
    floor: bool,
    /// AMV rule `share` instead of `apportion`.
    share: bool,
}

fn country() -> impl Strategy<Value = Country> {
    let municipality = (
        0usize..3,
        prop_oneof![Just(1_000u32), Just(2_000), Just(3_000), Just(10_000), 1u32..300_000],
        prop_oneof![Just(0i32), Just(-10_000), Just(10_000), Just(-62_500), Just(-100_000), -30_000i32..30_000],
        prop_oneof![8 => Just(None), 1 => (0u32..50).prop_map(Some)],
    );
    (
        prop::collection::vec(municipality, 1..40),
        0u32..5_000,
        prop_oneof![Just(100u32), Just(0), 0u32..100],
        any::<bool>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(mut municipalities, total, amv_pct, floor, share)| {
            // Every province has a municipality.
            let provinces = (municipalities.iter().map(|m| m.0).max().unwrap_or(0) + 1).min(municipalities.len());
            for (i, m) in municipalities.iter_mut().enumerate() {
                m.0 = if i < provinces { i } else { m.0.min(provinces - 1) };
            }
            let pinned: u32 = municipalities.iter().filter_map(|m| m.3).sum();
            let total = total + pinned;
            Country { municipalities, provinces, total, amv: total * amv_pct / 100, floor, share }
        })
}

fn parts(c: &Country) -> DatasetParts {
    let code = |i: usize| MunicipalityCode::parse(&format!("GM{:04}", i + 1)).unwrap();
    let municipalities: Vec<Municipality> = c
        .municipalities
        .iter()
        .enumerate()
        .map(|(i, &(p, population, score, _))| Municipality {
            code: code(i),
            name: format!("G{i}"),
            province: p,
            corop: CoropCode::parse("CR01").unwrap(),
            population,
            welvaart_proxy: f64::from(score) / 10_000.0,
            indicative: PerCommodity { regular: 1, amv: 0 },
            indicative_source: IndicativeSource::Reconstructed,
            effort_places: 0.0,
            effort_years: 10,
            effort_by_year: Vec::new(),
            cap: PerCommodity::default(),
            feasibility_score: 0.5,
            feasibility_reason: String::new(),
            excluded: None,
        })
        .collect();
    let provinces: Vec<Province> = (0..c.provinces)
        .map(|p| Province {
            code: ProvinceCode::parse(&format!("PV{}", 20 + p)).unwrap(),
            name: format!("P{p}"),
            target: PerCommodity { regular: c.municipalities.iter().filter(|m| m.0 == p).count() as u32, amv: 0 },
            offered_2024_11: 0,
            target_set_by_scenario: false,
        })
        .collect();
    let pins: BTreeMap<MunicipalityCode, u32> =
        c.municipalities.iter().enumerate().filter_map(|(i, m)| m.3.map(|n| (code(i), n))).collect();
    let date = |s: &str| spreiding_solver::model::Date::parse_from_str(s, "%Y-%m-%d").unwrap();
    DatasetParts {
        label: "generated".into(),
        cycle: Cycle {
            id: "test".into(),
            national_total: c.municipalities.len() as u32,
            national_amv: 0,
            start: date("2026-02-01"),
            report_deadline: date("2026-12-01"),
            counting_date: date("2027-07-01"),
            end: date("2028-02-01"),
            counting: Default::default(),
            indicative: Some(IndicativeRules {
                scope: Scope::National,
                correction: Correction::Linear {
                    intercept: Decimal::ONE,
                    slope: Decimal::new(12, 2),
                    floor: c.floor.then(|| Decimal::new(25, 2)),
                    ceiling: None,
                },
                amv: if c.share { AmvRule::Share } else { AmvRule::Apportion },
                pin_published: false,
                pins,
            }),
        },
        provinces,
        municipalities,
        locations: Vec::new(),
    }
}

/// The weight in millionths, written out: inhabitants x max(0.25, 1 + 0.12 z) with z in
/// ten-thousandths (0.12 z = 12 z / 10^6).
fn weight(population: u32, score: i32, floor: bool) -> i128 {
    let f = 1_000_000i128 + 12 * i128::from(score);
    let f = if floor { f.max(250_000) } else { f };
    i128::from(population) * f
}

/// Largest remainder by its definition: every member gets its quota's whole part or one more,
/// the parts add up to the total, and nobody with a smaller remainder (T w_i mod W) gets one
/// more while someone with a larger remainder does not.
fn check_largest_remainder(total: u32, weights: &[i128], got: &[u32]) -> Result<(), TestCaseError> {
    let sum: i128 = weights.iter().sum();
    prop_assert_eq!(got.iter().map(|&g| u64::from(g)).sum::<u64>(), u64::from(total));
    let t = i128::from(total);
    let mut up = Vec::new();
    let mut not = Vec::new();
    for (i, (&w, &g)) in weights.iter().zip(got).enumerate() {
        let (whole, rem) = (t * w / sum, t * w % sum);
        let g = i128::from(g);
        prop_assert!(g == whole || g == whole + 1, "{} is not {} or one more", g, whole);
        if g == whole + 1 {
            up.push((rem, w, i));
        } else {
            not.push((rem, w, i));
        }
    }
    // Ties: the larger weight first, then the lower code (index).
    for &(ru, wu, iu) in &up {
        for &(rn, wn, i_n) in &not {
            prop_assert!(ru >= rn, "a remainder of {} got one more and one of {} did not", ru, rn);
            if ru == rn {
                prop_assert!(
                    wu > wn || (wu == wn && iu < i_n),
                    "tie of {} broken for {} (weight {}) over {} (weight {})",
                    ru,
                    iu,
                    wu,
                    i_n,
                    wn
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_division_is_largest_remainder_with_exact_totals_pins_and_monotone(c in country()) {
        let negative = !c.floor && c.municipalities.iter().any(|m| 1_000_000 + 12 * i64::from(m.2) <= 0);
        let d = build_dataset(parts(&c)).unwrap();
        let forecast = Forecast { total: Some(c.total), amv: Some(c.amv), scope: None };
        let result = compute(&d, forecast);
        if negative {
            let err = result.unwrap_err();
            prop_assert!(err.0.contains("factor must be above 0"), "{}", err);
            return Ok(());
        }
        let ind = match result {
            Ok(ind) => ind,
            Err(e) => {
                // Only when every municipality is pinned and places remain.
                let free = c.municipalities.iter().filter(|m| m.3.is_none()).count();
                prop_assert!(free == 0, "{}", e);
                return Ok(());
            }
        };
        let rows = &ind.municipalities;
        // Pins respected; the rest divided by largest remainder.
        let mut free_w = Vec::new();
        let mut free_got = Vec::new();
        for (m, r) in c.municipalities.iter().zip(rows) {
            match m.3 {
                Some(n) => prop_assert_eq!(r.total, n),
                None => {
                    free_w.push(weight(m.1, m.2, c.floor));
                    free_got.push(r.total);
                }
            }
        }
        let pinned: u32 = c.municipalities.iter().filter_map(|m| m.3).sum();
        check_largest_remainder(c.total - pinned, &free_w, &free_got)?;
        if c.share {
            // AMV `share`: each total x AMV / all places, rounded half up.
            for r in rows {
                let exact = u64::from(r.total) * u64::from(c.amv);
                let (q, rem) = (exact / u64::from(c.total.max(1)), exact % u64::from(c.total.max(1)));
                let expected = if c.total == 0 { 0 } else { q + u64::from(2 * rem >= u64::from(c.total)) };
                prop_assert_eq!(u64::from(r.amv), expected, "{}", r.code);
            }
        } else {
            // AMV `apportion`: the AMV total over the totals.
            let totals: Vec<i128> = rows.iter().map(|r| i128::from(r.total)).collect();
            if totals.iter().sum::<i128>() > 0 {
                check_largest_remainder(c.amv, &totals, &rows.iter().map(|r| r.amv).collect::<Vec<_>>())?;
            }
        }
        for r in rows {
            prop_assert_eq!(r.regular + r.amv, r.total);
        }
        // Province tasks are the sums.
        for (p, t) in ind.provinces.iter().enumerate() {
            let (reg, amv) = c.municipalities.iter().zip(rows).filter(|(m, _)| m.0 == p)
                .fold((0, 0), |(a, b), (_, r)| (a + r.regular, b + r.amv));
            prop_assert_eq!((t.regular, t.amv), (reg, amv));
        }
        // More inhabitants at the same score: never fewer places.
        for (i, a) in c.municipalities.iter().enumerate() {
            for (j, b) in c.municipalities.iter().enumerate() {
                if a.3.is_none() && b.3.is_none() && a.2 == b.2 && a.1 > b.1 {
                    prop_assert!(rows[i].total >= rows[j].total, "{} has more inhabitants than {} and fewer places", i, j);
                }
            }
        }
        // Deterministic.
        prop_assert_eq!(&compute(&d, forecast).unwrap(), &ind);
    }
}

#[test]
fn nl_2026_holds_its_computed_distribution_with_breda_pinned() {
    let d = load_dataset(&crate::common::root().join("data/nl-2026")).unwrap();
    let ind = compute(&d, Forecast::default()).unwrap();
    assert_eq!((ind.total, ind.amv), (88_000, 7_462));
    for (m, r) in d.municipalities().iter().zip(&ind.municipalities) {
        assert_eq!((m.indicative.regular, m.indicative.amv), (r.regular, r.amv), "{}", m.code);
    }
    let breda = ind.municipalities.iter().find(|r| r.name == "Breda").unwrap();
    assert_eq!((breda.total, breda.pinned), (932, true));
    // Noord-Brabant's task: "ruim 13.000" (published).
    let nb = ind.provinces.iter().find(|p| p.name == "Noord-Brabant").unwrap();
    assert!((13_000..13_500).contains(&(nb.regular + nb.amv)), "{nb:?}");
}

/// The derivation shown (fraction, quota, whole part) is the arithmetic of the division,
/// recomputed here from the rows' weights and totals with floats.
#[test]
fn the_derivation_shown_is_the_arithmetic_of_the_division() {
    let d = load_dataset(&dataset_path()).unwrap();
    let ind = compute(&d, Forecast::default()).unwrap();
    let mut weight_of_group: BTreeMap<String, f64> = BTreeMap::new();
    let mut total_of_group: BTreeMap<String, f64> = BTreeMap::new();
    for r in &ind.municipalities {
        if let Some(s) = &r.total_share {
            *weight_of_group.entry(s.over.clone()).or_default() += r.weight.to_f64();
        }
        *total_of_group.entry(r.province.to_string()).or_default() += f64::from(r.total);
    }
    let mut shown = 0;
    for r in &ind.municipalities {
        assert!((r.factor.to_f64() - (1.0 + 0.12 * r.score.to_f64()).max(0.25)).abs() < 1e-12, "{}", r.code);
        assert!((r.weight.to_f64() - f64::from(r.population) * r.factor.to_f64()).abs() < 1e-6, "{}", r.code);
        if let Some(s) = &r.total_share {
            let fraction = r.weight.to_f64() / weight_of_group[&s.over];
            assert!((s.fraction - fraction).abs() < 1e-9, "{}: {} against {fraction}", r.code, s.fraction);
            let quota = f64::from(s.divided) * fraction;
            assert!((s.quota - quota).abs() < 1e-6, "{}: {} against {quota}", r.code, s.quota);
            assert_eq!(s.whole, (quota + 1e-9).floor() as u32, "{}", r.code);
            assert_eq!(r.total, s.whole + u32::from(s.extra), "{}", r.code);
            shown += 1;
        }
        let a = r.amv_share.as_ref().unwrap();
        let quota = f64::from(a.divided) * f64::from(r.total) / total_of_group[r.province.as_str()];
        assert!((a.quota - quota).abs() < 1e-6, "{}: AMV {} against {quota}", r.code, a.quota);
        assert_eq!(r.amv, a.whole + u32::from(a.extra), "{}", r.code);
    }
    assert_eq!(shown, 342 - 33);
}
