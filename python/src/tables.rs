//! Arrow tables of the package: a data set's municipalities, provinces and locations; a
//! solution's municipalities and provinces (the columns of `spreiding solve --format csv` and
//! the JSON report, typed); a run's municipalities, provinces and scenarios (the columns of
//! `spreiding run --format parquet`). Each is written as an Arrow IPC stream in memory, which
//! pyarrow reads without a copy per cell and without temporary files.

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, RecordBatch, StringArray, UInt32Array,
    UInt64Array,
};
use arrow_schema::{ArrowError, Field, Schema};
use spreiding_solver::model::{Dataset, Date};
use spreiding_solver::report::{Report, CSV_COLUMNS, MINIMUM_COLUMNS};
use std::sync::Arc;

/// A column: its name and values.
pub type Column = (&'static str, ArrayRef);

/// Text.
pub fn text<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> ArrayRef {
    Arc::new(values.into_iter().map(|s| Some(s.as_ref().to_owned())).collect::<StringArray>())
}

/// Text that may be missing.
pub fn opt_text<S: AsRef<str>>(values: impl IntoIterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(values.into_iter().map(|s| s.map(|s| s.as_ref().to_owned())).collect::<StringArray>())
}

/// A category (a dictionary column: pandas reads it as a Categorical).
pub fn category<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> ArrayRef {
    let v: Vec<S> = values.into_iter().collect();
    Arc::new(v.iter().map(AsRef::as_ref).collect::<DictionaryArray<Int32Type>>())
}

/// A category that may be missing.
pub fn opt_category<S: AsRef<str>>(values: impl IntoIterator<Item = Option<S>>) -> ArrayRef {
    let v: Vec<Option<S>> = values.into_iter().collect();
    Arc::new(v.iter().map(|s| s.as_ref().map(AsRef::as_ref)).collect::<DictionaryArray<Int32Type>>())
}

/// A dictionary column from its values and each row's key into them (no hashing).
pub fn keyed(values: &[&str], keys: Vec<i32>) -> Result<ArrayRef, ArrowError> {
    let values: ArrayRef = Arc::new(values.iter().map(|v| Some(*v)).collect::<StringArray>());
    Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(keys.into(), values)?))
}

/// Whole numbers (32 bits).
pub fn u32s(values: impl IntoIterator<Item = u32>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<UInt32Array>())
}

/// Whole numbers that may be missing.
pub fn opt_u32s(values: impl IntoIterator<Item = Option<u32>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<UInt32Array>())
}

/// Whole numbers (64 bits).
pub fn u64s(values: impl IntoIterator<Item = u64>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<UInt64Array>())
}

/// Whole numbers (64 bits) that may be missing.
pub fn opt_u64s(values: impl IntoIterator<Item = Option<u64>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<UInt64Array>())
}

/// Numbers.
pub fn f64s(values: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Float64Array>())
}

/// Numbers that may be missing.
pub fn opt_f64s(values: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<Float64Array>())
}

/// Booleans.
pub fn bools(values: impl IntoIterator<Item = bool>) -> ArrayRef {
    Arc::new(values.into_iter().map(Some).collect::<BooleanArray>())
}

/// Booleans that may be missing.
pub fn opt_bools(values: impl IntoIterator<Item = Option<bool>>) -> ArrayRef {
    Arc::new(values.into_iter().collect::<BooleanArray>())
}

/// Days since 1970-01-01.
fn days(d: Date) -> i32 {
    // Dates of a data set lie between 1900 and 2200 (the reader refuses others).
    let epoch = Date::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from((d - epoch).num_days()).unwrap_or(i32::MAX)
}

/// Dates that may be missing.
fn opt_dates(values: impl IntoIterator<Item = Option<Date>>) -> ArrayRef {
    Arc::new(values.into_iter().map(|d| d.map(days)).collect::<Date32Array>())
}

/// The columns as a record batch; a column is nullable when it holds a missing value.
pub fn batch<N: AsRef<str>>(columns: Vec<(N, ArrayRef)>) -> Result<RecordBatch, ArrowError> {
    let fields: Vec<Field> =
        columns.iter().map(|(n, a)| Field::new(n.as_ref(), a.data_type().clone(), a.null_count() > 0)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect())
}

/// Record batches of one schema as an Arrow IPC stream.
pub fn ipc(schema: &Schema, batches: &[RecordBatch]) -> Result<Vec<u8>, ArrowError> {
    let mut out = Vec::new();
    {
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, schema)?;
        for b in batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    Ok(out)
}

/// One batch as an Arrow IPC stream.
pub fn one<N: AsRef<str>>(columns: Vec<(N, ArrayRef)>) -> Result<Vec<u8>, ArrowError> {
    let b = batch(columns)?;
    ipc(&b.schema(), &[b])
}

/// A data set's municipalities: the columns of `municipalities.csv`, then the effort (sum
/// over the effort years), the feasibility columns and the exclusion of the illustrative
/// tables.
pub fn dataset_municipalities(d: &Dataset) -> Result<Vec<u8>, ArrowError> {
    let ms = d.municipalities();
    let ps = d.provinces();
    one(vec![
        ("code", text(ms.iter().map(|m| m.code.as_str()))),
        ("name", text(ms.iter().map(|m| m.name.as_str()))),
        ("province", category(ms.iter().map(|m| ps[m.province].code.as_str()))),
        ("population", u32s(ms.iter().map(|m| m.population))),
        ("welvaart_proxy", f64s(ms.iter().map(|m| m.welvaart_proxy))),
        ("indicative_regular", u32s(ms.iter().map(|m| m.indicative.regular))),
        ("indicative_amv", u32s(ms.iter().map(|m| m.indicative.amv))),
        ("indicative_source", category(ms.iter().map(|m| m.indicative_source.as_str()))),
        ("corop", category(ms.iter().map(|m| m.corop.as_str()))),
        ("effort_places", f64s(ms.iter().map(|m| m.effort_places))),
        ("effort_years", u32s(ms.iter().map(|m| m.effort_years))),
        ("max_additional_regular", u32s(ms.iter().map(|m| m.cap.regular))),
        ("max_additional_amv", u32s(ms.iter().map(|m| m.cap.amv))),
        ("score", f64s(ms.iter().map(|m| m.feasibility_score))),
        ("reason", text(ms.iter().map(|m| m.feasibility_reason.as_str()))),
        ("excluded", opt_text(ms.iter().map(|m| m.excluded.as_deref()))),
    ])
}

/// A data set's provinces: the columns of `provinces.csv` (without the source column).
pub fn dataset_provinces(d: &Dataset) -> Result<Vec<u8>, ArrowError> {
    let ps = d.provinces();
    one(vec![
        ("code", text(ps.iter().map(|p| p.code.as_str()))),
        ("name", text(ps.iter().map(|p| p.name.as_str()))),
        ("target_regular", u32s(ps.iter().map(|p| p.target.regular))),
        ("target_amv", u32s(ps.iter().map(|p| p.target.amv))),
        ("offered_2024_11", u32s(ps.iter().map(|p| p.offered_2024_11))),
    ])
}

/// A data set's location rows: the columns of `locations.csv`, dates as dates.
pub fn dataset_locations(d: &Dataset) -> Result<Vec<u8>, ArrowError> {
    let ls = d.locations();
    let ms = d.municipalities();
    one(vec![
        ("location_id", text(ls.iter().map(|l| l.location_id.as_str()))),
        ("municipality", text(ls.iter().map(|l| ms[l.municipality].code.as_str()))),
        ("places_regular", u32s(ls.iter().map(|l| l.places.regular))),
        ("places_amv", u32s(ls.iter().map(|l| l.places.amv))),
        ("status", category(ls.iter().map(|l| l.status.as_str()))),
        ("opens", opt_dates(ls.iter().map(|l| Some(l.opens)))),
        ("closes", opt_dates(ls.iter().map(|l| l.closes))),
        ("bridging", bools(ls.iter().map(|l| l.bridging))),
        ("location_total", u32s(ls.iter().map(|l| l.location_total))),
    ])
}

/// A solution's municipality rows: the columns of `spreiding solve --format csv` (and
/// `above_task` at the end when the scenario leaves places above the task out), typed.
pub fn solution_municipalities(r: &Report) -> Result<Vec<u8>, ArrowError> {
    let ms = &r.municipalities;
    let province = |m: &spreiding_solver::report::MunicipalityRow| {
        r.provinces.iter().find(|p| p.code == m.province && p.commodity == m.commodity)
    };
    let status: Vec<&str> = ms.iter().map(|m| province(m).map_or("", |p| p.status.as_str())).collect();
    let shortfall: Vec<Option<u32>> = ms.iter().map(|m| province(m).map(|p| p.shortfall)).collect();
    let mut columns: Vec<ArrayRef> = vec![
        text(ms.iter().map(|m| m.code.as_str())),
        text(ms.iter().map(|m| m.name.as_str())),
        category(ms.iter().map(|m| m.province.as_str())),
        category(ms.iter().map(|m| m.commodity.as_str())),
        u32s(ms.iter().map(|m| m.indicative)),
        u32s(ms.iter().map(|m| m.counted)),
        bools(ms.iter().map(|m| m.eligible)),
        f64s(ms.iter().map(|m| m.key)),
        opt_u32s(ms.iter().map(|m| m.cap)),
        f64s(ms.iter().map(|m| m.exact)),
        u32s(ms.iter().map(|m| m.allocated)),
        u32s(ms.iter().map(|m| m.beyond_cap)),
        u32s(ms.iter().map(|m| m.obligation)),
        category(ms.iter().map(|m| m.reason.as_str())),
        category(ms.iter().map(|m| m.rounding)),
        category(status),
        opt_u32s(shortfall),
    ];
    let mut names: Vec<&'static str> = CSV_COLUMNS.to_vec();
    if r.above_task.is_some() {
        names.push("above_task");
        columns.push(u32s(ms.iter().map(|m| m.above_task)));
    }
    if !r.minimum.is_none() {
        names.extend(MINIMUM_COLUMNS);
        columns.push(opt_u32s(ms.iter().map(|m| m.without_minimum)));
        columns.push(opt_category(ms.iter().map(|m| m.minimum_change.map(|c| c.as_str()))));
    }
    one(names.into_iter().zip(columns).collect())
}

/// A solution's province rows: the fields of the JSON report's `provinces`, typed
/// (`above_task` after `counted` when the scenario leaves places above the task out).
pub fn solution_provinces(r: &Report) -> Result<Vec<u8>, ArrowError> {
    let ps = &r.provinces;
    let mut columns: Vec<Column> = vec![
        ("code", text(ps.iter().map(|p| p.code.as_str()))),
        ("name", text(ps.iter().map(|p| p.name.as_str()))),
        ("commodity", category(ps.iter().map(|p| p.commodity.as_str()))),
        ("target", u32s(ps.iter().map(|p| p.target))),
        ("counted", u64s(ps.iter().map(|p| p.counted))),
    ];
    if r.above_task.is_some() {
        columns.push(("above_task", u64s(ps.iter().map(|p| p.above_task))));
    }
    columns.extend([
        ("shortfall", u32s(ps.iter().map(|p| p.shortfall))),
        ("surplus", u64s(ps.iter().map(|p| p.surplus))),
        ("allocated", u32s(ps.iter().map(|p| p.allocated))),
        ("status", category(ps.iter().map(|p| p.status.as_str()))),
        ("missing", u32s(ps.iter().map(|p| p.missing))),
        ("beyond_cap", u32s(ps.iter().map(|p| p.beyond_cap))),
        ("level", opt_f64s(ps.iter().map(|p| p.level))),
        ("eligible", u32s(ps.iter().map(|p| p.eligible))),
    ]);
    if !r.minimum.is_none() {
        // The report's `minimum` object, flattened (null where a province closes).
        columns.extend([
            ("minimum_outcome", opt_category(ps.iter().map(|p| p.minimum.as_ref().map(|m| m.outcome.as_str())))),
            ("minimum_path", opt_category(ps.iter().map(|p| p.minimum.as_ref().map(|m| m.path.as_str())))),
            ("minimum_deviation", opt_f64s(ps.iter().map(|p| p.minimum.as_ref().map(|m| m.deviation)))),
            ("minimum_max_deviation", opt_f64s(ps.iter().map(|p| p.minimum.as_ref().map(|m| m.max_deviation)))),
            ("minimum_reachable", opt_u32s(ps.iter().map(|p| p.minimum.as_ref().map(|m| m.reachable)))),
            ("minimum_changed", opt_u32s(ps.iter().map(|p| p.minimum.as_ref().map(|m| m.changed)))),
        ]);
    }
    one(columns)
}
