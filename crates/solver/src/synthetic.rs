//! Seeded synthetic countries for benchmarks and tests: the shape of nl-2024 (12 provinces with
//! the real numbers of municipalities, 40 COROP regions, the national totals), scaled by a
//! factor, with generated populations, indicative numbers, caps, effort and locations.
//!
//! The same (scale, seed) gives the same data set on every machine. Scale 1 has 342
//! municipalities, scale 100 has 34,200 (codes then have 6 digits). What is generated:
//! populations log-normal around 33,000; a welfare score z ~ N(0, 1); indicative numbers the
//! national total apportioned (largest remainder) to population x max(0.25, 1 + 0.12 z), AMV
//! the national AMV apportioned to those totals; per province a report ratio in [0.8, 1.3]
//! of its target, spread over 0-3 locations per municipality (5% shared with a neighbour, 5%
//! intentions, some opening late with or without bridging, some closing early); caps 0 for a
//! fifth of the municipalities, else 0.2-1.5x (regular) and 0.2-2.5x (AMV) the indicative
//! number; scores 0.1-1; a third without past effort; 1% excluded.

#![allow(
    clippy::cast_possible_truncation,
    reason = "generated numbers are bounded by construction far below u32::MAX (a population of at most 950,000; scale at most 100)"
)]

use crate::model::{
    CoropCode, Cycle, Dataset, Date, IndicativeSource, LocationShare, LocationStatus, Municipality, MunicipalityCode,
    PerCommodity, Province, ProvinceCode,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Municipalities per province in nl-2024 (PV20..PV31).
const PROVINCE_SIZES: [u32; 12] = [10, 18, 12, 25, 6, 51, 26, 44, 50, 13, 56, 31];
const PROVINCE_NAMES: [&str; 12] = [
    "Groningen",
    "Fryslân",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
];
const COROP_REGIONS: u32 = 40;
const NATIONAL_TOTAL: u64 = 96_000;
const NATIONAL_AMV: u64 = 8_140;

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Largest-remainder apportionment of `total` to `weights` (ties to the lower index).
fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut rest = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for i in order {
        if rest == 0 {
            break;
        }
        out[i] += 1;
        rest -= 1;
    }
    out
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A synthetic country `scale` times the size of the Netherlands.
pub fn country(scale: u32, seed: u64) -> Dataset {
    let scale = scale.max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sizes: Vec<u32> = PROVINCE_SIZES.iter().map(|s| s * scale).collect();
    let n: u32 = sizes.iter().sum();
    let width = if n <= 9_999 { 4 } else { 6 };

    // COROP regions: 40, spread over the provinces by size (each at least one).
    let region_counts = apportion(u64::from(COROP_REGIONS) - 12, &PROVINCE_SIZES.map(f64::from));
    let mut municipalities = Vec::with_capacity(n as usize);
    let mut weights = Vec::with_capacity(n as usize);
    let mut first_region = 1;
    for (p, &size) in sizes.iter().enumerate() {
        let regions = region_counts[p] as u32 + 1;
        for j in 0..size {
            let i = municipalities.len();
            let z = normal(&mut rng);
            let population = (33_000.0 * (0.75 * normal(&mut rng)).exp()).clamp(900.0, 950_000.0).round() as u32;
            weights.push(f64::from(population) * (1.0 + 0.12 * z).max(0.25));
            let region = first_region + j * regions / size;
            municipalities.push(Municipality {
                code: MunicipalityCode::parse(&format!("GM{:0width$}", i + 1)).unwrap_or_else(|| unreachable!()),
                name: format!("Gemeente {}", i + 1),
                province: p,
                corop: CoropCode::parse(&format!("CR{region:02}")).unwrap_or_else(|| unreachable!()),
                population,
                welvaart_proxy: (z * 1e4).round() / 1e4,
                indicative: PerCommodity::default(),
                indicative_source: IndicativeSource::Reconstructed,
                effort_places: 0.0,
                effort_years: 10,
                effort_by_year: Vec::new(),
                cap: PerCommodity::default(),
                feasibility_score: 0.0,
                feasibility_reason: String::new(),
                excluded: None,
            });
        }
        first_region += regions;
    }
    let totals = apportion(NATIONAL_TOTAL * u64::from(scale), &weights);
    let amv = apportion(NATIONAL_AMV * u64::from(scale), &totals.iter().map(|&t| t as f64).collect::<Vec<_>>());
    for (m, (&total, &amv)) in municipalities.iter_mut().zip(totals.iter().zip(&amv)) {
        let amv = amv.min(total);
        m.indicative = PerCommodity { regular: (total - amv) as u32, amv: amv as u32 };
        let zero_cap = rng.random::<f64>() < 0.2;
        if zero_cap {
            m.feasibility_reason = "geen geschikte locatie beschikbaar".to_owned();
        } else {
            m.cap.regular = (f64::from(m.indicative.regular) * rng.random_range(0.2..1.5)).round() as u32;
            m.cap.amv = (f64::from(m.indicative.amv) * rng.random_range(0.2..2.5)).round() as u32;
            m.feasibility_score = (rng.random_range(0.1..1.0f64) * 100.0).round() / 100.0;
        }
        if rng.random::<f64>() >= 1.0 / 3.0 {
            let per_year = f64::from(m.population) * rng.random_range(0.0..0.004);
            m.effort_places = 10.0 * per_year.round();
        }
        if rng.random::<f64>() < 0.01 {
            m.excluded = Some("synthetisch uitgezonderd".to_owned());
        }
    }

    let mut provinces: Vec<Province> = PROVINCE_NAMES
        .iter()
        .enumerate()
        .map(|(p, name)| Province {
            code: ProvinceCode::parse(&format!("PV{}", 20 + p)).unwrap_or_else(|| unreachable!()),
            name: (*name).to_owned(),
            target: PerCommodity::default(),
            offered_2024_11: 0,
            target_set_by_scenario: false,
        })
        .collect();
    for m in &municipalities {
        let t = &mut provinces[m.province].target;
        t.regular += m.indicative.regular;
        t.amv += m.indicative.amv;
    }

    // Locations: a report ratio per province, spread over 0-3 locations per municipality.
    let ratios: Vec<f64> = (0..provinces.len()).map(|_| rng.random_range(0.8..1.3)).collect();
    let mut by_province: Vec<Vec<usize>> = vec![Vec::new(); provinces.len()];
    for (i, m) in municipalities.iter().enumerate() {
        by_province[m.province].push(i);
    }
    let mut locations = Vec::new();
    for (i, m) in municipalities.iter().enumerate() {
        let k = match rng.random::<f64>() {
            u if u < 0.2 => 0,
            u if u < 0.6 => 1,
            u if u < 0.85 => 2,
            _ => 3,
        };
        let offer =
            ratios[m.province] * f64::from(m.indicative.regular + m.indicative.amv) * rng.random_range(0.3..1.7);
        for j in 0..k {
            let places = (offer / f64::from(k)).round() as u32;
            let amv = (f64::from(places) * rng.random_range(0.0..0.16)).round() as u32;
            let status = match rng.random::<f64>() {
                u if u < 0.5 => LocationStatus::Existing,
                u if u < 0.95 => LocationStatus::Planned,
                _ => LocationStatus::Intention,
            };
            let opens = match status {
                LocationStatus::Existing => date(rng.random_range(2015..2025), rng.random_range(1..13), 1),
                _ => date(2025, 1, 1) + chrono::Days::new(rng.random_range(0..450)),
            };
            let closes = (rng.random::<f64>() < 0.2)
                .then(|| date(rng.random_range(2025..2031), rng.random_range(1..13), 1))
                .filter(|c| *c >= opens);
            let bridging = rng.random::<f64>() < 0.2;
            let id = format!("S{:0width$}-{j}", i + 1);
            let row = |municipality, places| LocationShare {
                location_id: id.clone(),
                municipality,
                places,
                status,
                opens,
                closes,
                bridging,
                location_total: 0,
                source: format!("synthetic:{i}"),
            };
            let mut rows = vec![row(i, PerCommodity { regular: places - amv, amv })];
            // 5% are shared with another municipality of the province.
            let neighbours = &by_province[m.province];
            if rng.random::<f64>() < 0.05 {
                let other = neighbours[rng.random_range(0..neighbours.len())];
                let extra = (f64::from(places) * rng.random_range(0.2..1.0)).round() as u32;
                if other != i && extra > 0 {
                    rows.push(row(other, PerCommodity { regular: extra, amv: 0 }));
                }
            }
            let total = rows.iter().map(|r| r.places.regular + r.places.amv).sum();
            for mut r in rows {
                r.location_total = total;
                locations.push(r);
            }
        }
    }
    for l in &locations {
        provinces[municipalities[l.municipality].province].offered_2024_11 += l.places.regular + l.places.amv;
    }
    let national_effort_ratio = Dataset::compute_national_effort_ratio(&municipalities);
    Dataset {
        label: format!("synthetic-{scale}x-{seed}"),
        sources: Default::default(),
        cycle: Cycle {
            id: format!("synthetic-{scale}x"),
            national_total: (NATIONAL_TOTAL * u64::from(scale)) as u32,
            national_amv: (NATIONAL_AMV * u64::from(scale)) as u32,
            start: date(2024, 2, 1),
            report_deadline: date(2024, 11, 1),
            counting_date: date(2025, 7, 1),
            end: date(2026, 2, 1),
            counting: Default::default(),
            indicative: None,
        },
        provinces,
        municipalities,
        locations,
        national_effort_ratio,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportionment_is_exact() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 2.0]), vec![0, 7]);
    }

    #[test]
    fn the_same_seed_gives_the_same_country_and_sizes_scale() {
        let a = country(1, 42);
        assert_eq!(a, country(1, 42));
        assert_ne!(a, country(1, 43));
        assert_eq!(a.municipalities.len(), 342);
        assert_eq!(country(10, 1).municipalities.len(), 3420);
        let total: u64 = a.provinces.iter().map(|p| u64::from(p.target.regular + p.target.amv)).sum();
        assert_eq!(total, NATIONAL_TOTAL);
    }
}
