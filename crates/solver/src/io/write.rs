//! Writing a data set folder in the layout `load_dataset` reads (used for synthetic countries).

use super::dataset::{
    EFFORT_COLUMNS, EXCLUSION_COLUMNS, FEASIBILITY_COLUMNS, LOCATION_COLUMNS, MUNICIPALITY_COLUMNS, PROVINCE_COLUMNS,
};
use crate::model::Dataset;
use std::path::Path;

fn csv_error(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e)
}

/// Writes `dataset` to `dir` (created if needed): `cycle.toml`, `provinces.csv`,
/// `municipalities.csv` and `illustrative/{locations,effort,feasibility,exclusions}.csv`. A
/// municipality's effort is written as equal yearly rows over its effort years.
pub fn write_dataset(dataset: &Dataset, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("illustrative"))?;
    let c = &dataset.cycle;
    std::fs::write(
        dir.join("cycle.toml"),
        format!(
            "id = \"{}\"\nnational_total = {}\nnational_amv = {}\nstart = {}\nreport_deadline = {}\ncounting_date = {}\nend = {}\n",
            c.id, c.national_total, c.national_amv, c.start, c.report_deadline, c.counting_date, c.end
        ),
    )?;
    let mut w = csv::Writer::from_path(dir.join("provinces.csv")).map_err(csv_error)?;
    w.write_record(PROVINCE_COLUMNS).map_err(csv_error)?;
    for p in &dataset.provinces {
        w.write_record([
            p.code.as_str(),
            &p.name,
            &p.target.regular.to_string(),
            &p.target.amv.to_string(),
            &p.offered_2024_11.to_string(),
            "synthetic",
        ])
        .map_err(csv_error)?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(dir.join("municipalities.csv")).map_err(csv_error)?;
    w.write_record(MUNICIPALITY_COLUMNS).map_err(csv_error)?;
    for m in &dataset.municipalities {
        w.write_record([
            m.code.as_str(),
            &m.name,
            dataset.provinces[m.province].code.as_str(),
            &m.population.to_string(),
            &m.welvaart_proxy.to_string(),
            &m.indicative.regular.to_string(),
            &m.indicative.amv.to_string(),
            m.indicative_source.as_str(),
            m.corop.as_str(),
        ])
        .map_err(csv_error)?;
    }
    w.flush()?;

    let ill = dir.join("illustrative");
    let mut w = csv::Writer::from_path(ill.join("locations.csv")).map_err(csv_error)?;
    w.write_record(LOCATION_COLUMNS).map_err(csv_error)?;
    for l in &dataset.locations {
        w.write_record([
            l.location_id.as_str(),
            dataset.municipalities[l.municipality].code.as_str(),
            &l.places.regular.to_string(),
            &l.places.amv.to_string(),
            l.status.as_str(),
            &l.opens.to_string(),
            &l.closes.map_or_else(String::new, |d| d.to_string()),
            if l.bridging { "true" } else { "false" },
            &l.location_total.to_string(),
        ])
        .map_err(csv_error)?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(ill.join("effort.csv")).map_err(csv_error)?;
    w.write_record(EFFORT_COLUMNS).map_err(csv_error)?;
    for m in &dataset.municipalities {
        let first_year = *super::dataset::effort_years(&dataset.cycle).start();
        for y in 0..m.effort_years {
            let per_year = m.effort_places / f64::from(m.effort_years);
            w.write_record([m.code.as_str(), &(first_year + y).to_string(), &per_year.to_string()])
                .map_err(csv_error)?;
        }
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(ill.join("feasibility.csv")).map_err(csv_error)?;
    w.write_record(FEASIBILITY_COLUMNS).map_err(csv_error)?;
    for m in &dataset.municipalities {
        w.write_record([
            m.code.as_str(),
            &m.cap.regular.to_string(),
            &m.cap.amv.to_string(),
            &m.feasibility_score.to_string(),
            &m.feasibility_reason,
        ])
        .map_err(csv_error)?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_path(ill.join("exclusions.csv")).map_err(csv_error)?;
    w.write_record(EXCLUSION_COLUMNS).map_err(csv_error)?;
    for m in &dataset.municipalities {
        if let Some(reason) = &m.excluded {
            w.write_record([m.code.as_str(), reason]).map_err(csv_error)?;
        }
    }
    w.flush()
}
