//! The counterfactuals as CSV (one row per municipality and commodity) and a province's as
//! Dutch text.

use anyhow::Result;
use spreiding_solver::whatif::{MunicipalityWhatIf, ProvinceWhatIf, WeightRange};

/// Empty for `None`, the value otherwise.
fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

const HEADER: [&str; 17] = [
    "municipality",
    "name",
    "province",
    "commodity",
    "allocated",
    "places_to_zero",
    "places_to_close",
    "cap_binding",
    "weight_indicative_current",
    "weight_indicative_low",
    "weight_indicative_high",
    "weight_effort_current",
    "weight_effort_low",
    "weight_effort_high",
    "weight_feasibility_current",
    "weight_feasibility_low",
    "weight_feasibility_high",
];

/// One row per municipality and commodity: the values, no sentences (the JSON has those).
pub fn csv(all: &[MunicipalityWhatIf]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for m in all {
        let f = &m.what_if;
        let mut row = vec![
            m.code.to_string(),
            m.name.clone(),
            m.province.to_string(),
            m.commodity.as_str().to_owned(),
            m.allocated.to_string(),
            opt(f.places_to_zero.value),
            opt(f.places_to_close.value),
            opt(f.cap_binding.value.map(|v| format!("{v:.6}"))),
        ];
        for r in [&f.weight_ranges.indicative, &f.weight_ranges.effort, &f.weight_ranges.feasibility] {
            let v: Option<&WeightRange> = r.value.as_ref();
            row.push(opt(v.map(|v| format!("{:.6}", v.current))));
            row.push(opt(v.map(|v| format!("{:.6}", v.low))));
            row.push(opt(v.map(|v| format!("{:.6}", v.high))));
        }
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

/// A province's counterfactuals as Dutch text.
pub fn province_text(all: &[ProvinceWhatIf]) -> String {
    let mut o = String::new();
    for (k, p) in all.iter().enumerate() {
        if k == 0 {
            o.push_str(&format!("Wat als: het verslag van de provincie {} ({})\n", p.name, p.province));
        }
        o.push_str(&format!("\n{}\n", spreiding_solver::nl::capitalised(p.commodity.dutch())));
        o.push_str(&format!("   - {}\n", p.places_to_close.text));
        for c in &p.counting {
            o.push_str(&format!("   - {}\n", c.text));
        }
    }
    o
}
