//! Parquet result files (`spreiding run ... --format parquet`): the columnar form of a run's
//! results, for pandas, polars, DuckDB and Arrow.
//!
//! A result file of a run (one scenario file, or 100 scenarios of a sweep: see [`crate::run`])
//! becomes three Parquet files with the same name, one per table, each in its own folder under
//! `results/` so that a folder reads as one table (`pd.read_parquet("out/results/provinces")`,
//! `FROM 'out/results/municipalities/*.parquet'` in DuckDB):
//!
//! - `municipalities/`: one row per scenario, municipality and commodity (municipalities in
//!   code order, regular before AMV): scenario, province, commodity, municipality (code), name,
//!   population, indicative, counted, allocated (within the cap), beyond_cap, obligation, reason.
//! - `provinces/`: one row per scenario, province and commodity: scenario, province, commodity,
//!   target, counted, shortfall, allocated, missing, status.
//! - `scenarios/`: one row per scenario: scenario, outcome, error, then one column per sweep
//!   parameter ([`PARAMETERS`], `draw` and `seed`; empty where the scenario's sweep does not vary
//!   it), typed: booleans, numbers (weights, shares, per-1,000 limits), whole numbers (draw,
//!   seed) and text (mode, eligibility, method, counting date).
//!
//! Every file is one row group (one chunk), compressed with zstd, and carries the key
//! `spreiding` in its metadata: [`FORMAT`], the table, the fingerprint of what produced it (as
//! in a JSON-lines header; `--resume` and `merge` check it), the cycle and the number of
//! scenarios. Every table has the same columns in every run, so any set of result folders reads
//! as one table. A failed scenario has a row in `scenarios` only. The bytes depend only on the
//! scenarios (no time stamps), as for JSON lines.
//!
//! Reading back ([`read`]) gives the same header and records as the JSON-lines file of the same
//! scenarios: `compare`, `--resume` and `merge` work on either format.

use anyhow::{anyhow, bail, Context, Result};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::column::reader::get_typed_column_reader;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int32Type, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use serde::{Deserialize, Serialize};
use spreiding_solver::model::{entries, entry, Commodity, Dataset};
use spreiding_solver::report::results::{
    Header, MunicipalityInfo, ProvinceRecord, Record, ScenarioOutcome, FORMAT as JSONL_FORMAT,
};
use spreiding_solver::solve::{Reason, Solution};
use spreiding_solver::sweep::{Kind, Parameter};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The format tag in every file's metadata.
pub const FORMAT: &str = "spreiding-parquet/2";

/// The metadata key.
const KEY: &str = "spreiding";

/// The parameter columns of the scenarios table, after scenario, outcome and error: every
/// sweep parameter, then `draw` and `seed`.
pub const PARAMETERS: [Parameter; 18] = Parameter::ALL;

/// What every file's metadata says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: String,
    table: String,
    fingerprint: String,
    cycle: String,
    scenarios: u64,
}

/// The type of a column: text, whole numbers (unsigned 32 or 64 bits), numbers, booleans;
/// required (`false`) or optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColumnType {
    Text,
    U32,
    U64,
    F64,
    Bool,
}

impl ColumnType {
    fn parquet(self, name: &str, optional: bool) -> Result<Type> {
        let (physical, logical) = match self {
            ColumnType::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            ColumnType::U32 => (Physical::INT32, Some(LogicalType::integer(32, false))),
            ColumnType::U64 => (Physical::INT64, Some(LogicalType::integer(64, false))),
            ColumnType::F64 => (Physical::DOUBLE, None),
            ColumnType::Bool => (Physical::BOOLEAN, None),
        };
        Ok(Type::primitive_type_builder(name, physical)
            .with_repetition(if optional { Repetition::OPTIONAL } else { Repetition::REQUIRED })
            .with_logical_type(logical)
            .build()?)
    }
}

/// The column type of a parameter.
fn parameter_type(kind: Kind) -> ColumnType {
    match kind {
        Kind::Bool => ColumnType::Bool,
        Kind::Weight | Kind::Fraction | Kind::Share | Kind::PerThousand => ColumnType::F64,
        Kind::Mode | Kind::Eligibility | Kind::Method | Kind::AboveTask | Kind::Date => ColumnType::Text,
        Kind::Places | Kind::Years => ColumnType::U32,
    }
}

/// A table's columns: name, type, optional.
fn columns(table: &str) -> Vec<(String, ColumnType, bool)> {
    use ColumnType::*;
    let required = |names: &[(&str, ColumnType)]| -> Vec<(String, ColumnType, bool)> {
        names.iter().map(|(n, t)| ((*n).to_owned(), *t, false)).collect()
    };
    match table {
        "municipalities" => required(&[
            ("scenario", Text),
            ("province", Text),
            ("commodity", Text),
            ("municipality", Text),
            ("name", Text),
            ("population", U32),
            ("indicative", U32),
            ("counted", U32),
            ("allocated", U32),
            ("beyond_cap", U32),
            ("obligation", U32),
            ("reason", Text),
        ]),
        "provinces" => required(&[
            ("scenario", Text),
            ("province", Text),
            ("commodity", Text),
            ("target", U32),
            ("counted", U64),
            ("shortfall", U32),
            ("allocated", U32),
            ("missing", U32),
            ("beyond_cap", U32),
            ("status", Text),
        ]),
        _ => {
            let mut v = required(&[("scenario", Text), ("outcome", Text)]);
            v.push(("error".to_owned(), Text, true));
            v.extend(PARAMETERS.iter().map(|p| (p.name().to_owned(), parameter_type(p.kind()), true)));
            v.push(("draw".to_owned(), U32, true));
            v.push(("seed".to_owned(), U64, true));
            v
        }
    }
}

fn schema(table: &str) -> Result<Type> {
    let fields = columns(table)
        .into_iter()
        .map(|(name, t, optional)| t.parquet(&name, optional).map(Arc::new))
        .collect::<Result<Vec<_>>>()?;
    Ok(Type::group_type_builder(table).with_fields(fields).build()?)
}

/// A column's values: filled scenario by scenario (optional columns hold `None` for empty
/// cells), or made row by row while they are written.
enum Column<'a> {
    Text(Vec<ByteArray>),
    TextRows(Box<dyn Iterator<Item = ByteArray> + 'a>),
    U32Rows(Box<dyn Iterator<Item = u32> + 'a>),
    U64Rows(Box<dyn Iterator<Item = u64> + 'a>),
    OptText(Vec<Option<ByteArray>>),
    OptU32(Vec<Option<u32>>),
    OptU64(Vec<Option<u64>>),
    OptF64(Vec<Option<f64>>),
    OptBool(Vec<Option<bool>>),
}

impl Column<'_> {
    fn new(t: ColumnType, optional: bool) -> Column<'static> {
        match (t, optional) {
            (ColumnType::Text, false) => Column::Text(Vec::new()),
            (ColumnType::Text, true) => Column::OptText(Vec::new()),
            (ColumnType::U32, _) => Column::OptU32(Vec::new()),
            (ColumnType::U64, _) => Column::OptU64(Vec::new()),
            (ColumnType::F64, _) => Column::OptF64(Vec::new()),
            (ColumnType::Bool, _) => Column::OptBool(Vec::new()),
        }
    }

    /// Adds a parameter's value (as recorded in results), parsed to the column's type.
    fn push_param(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, v: Option<&str>) -> Result<Option<T>> {
            v.map(|v| v.parse().map_err(|_| anyhow!("parameter {name}: `{v}` is not a value of its type"))).transpose()
        }
        match self {
            Column::OptText(c) => c.push(value.map(ByteArray::from)),
            Column::OptU32(c) => c.push(parse(name, value)?),
            Column::OptU64(c) => c.push(parse(name, value)?),
            Column::OptF64(c) => c.push(parse(name, value)?),
            Column::OptBool(c) => c.push(parse(name, value)?),
            Column::Text(_) | Column::TextRows(_) | Column::U32Rows(_) | Column::U64Rows(_) => {
                bail!("parameter {name}: its column is required")
            }
        }
        Ok(())
    }
}

/// Splits optional values into definition levels and the values present.
fn levels<T: Clone>(v: &[Option<T>]) -> (Vec<i16>, Vec<T>) {
    (v.iter().map(|x| i16::from(x.is_some())).collect(), v.iter().flatten().cloned().collect())
}

/// Text that lives as long as the program (names of commodities, reasons, statuses): stored
/// without copying.
fn name(text: &'static str) -> ByteArray {
    ByteArray::from(bytes::Bytes::from_static(text.as_bytes()))
}

/// The fixed facts of an entry (a municipality and commodity), made once per result file and
/// shared by its rows.
struct EntryFacts {
    province: ByteArray,
    commodity: ByteArray,
    municipality: ByteArray,
    name: ByteArray,
    population: u32,
    indicative: u32,
}

/// The numbers of one solved scenario, per entry in entry order, and its provinces.
struct Solved {
    id: ByteArray,
    counted: Vec<u32>,
    allocated: Vec<u32>,
    beyond_cap: Vec<u32>,
    obligation: Vec<u32>,
    reason: Vec<&'static str>,
    provinces: Vec<ProvinceRecord>,
}

/// One Parquet result file being built, scenario by scenario.
///
/// The municipalities and provinces tables are written entry by entry (for each municipality
/// and commodity, every scenario of the file in order): a municipality's fixed facts then form
/// runs and its numbers vary little from one scenario to the next, which is what Parquet's
/// encodings and zstd compress best (a quarter smaller than scenario by scenario).
pub struct ChunkWriter {
    fingerprint: String,
    cycle: String,
    entries: Vec<EntryFacts>,
    solved: Vec<Solved>,
    scenario: Vec<ByteArray>,
    outcome: Vec<ByteArray>,
    error: Vec<Option<ByteArray>>,
    /// The parameter columns, in schema order.
    params: Vec<(String, Column<'static>)>,
}

impl ChunkWriter {
    /// A result file produced as `fingerprint` says (see the JSON-lines header), of `cycle`.
    pub fn new(fingerprint: &str, cycle: &str) -> Self {
        let params = columns("scenarios")
            .into_iter()
            .skip(3)
            .map(|(name, t, optional)| (name, Column::new(t, optional)))
            .collect();
        ChunkWriter {
            fingerprint: fingerprint.to_owned(),
            cycle: cycle.to_owned(),
            entries: Vec::new(),
            solved: Vec::new(),
            scenario: Vec::new(),
            outcome: Vec::new(),
            error: Vec::new(),
            params,
        }
    }

    /// Adds a scenario solved on `dataset` (every scenario of a result file is of one data set).
    pub fn push_solved(
        &mut self,
        dataset: &Dataset,
        id: &str,
        params: &BTreeMap<String, String>,
        solution: &Solution,
    ) -> Result<()> {
        let outcome = if solution.any_infeasible() { ScenarioOutcome::Infeasible } else { ScenarioOutcome::Ok };
        let id = self.push_scenario(id, params, outcome, None)?;
        let n = entries(dataset.municipalities().len());
        if self.entries.is_empty() {
            let provinces: Vec<ByteArray> =
                dataset.provinces().iter().map(|p| ByteArray::from(p.code.as_str())).collect();
            for m in dataset.municipalities() {
                let (code, name) = (ByteArray::from(m.code.as_str()), ByteArray::from(m.name.as_str()));
                for c in Commodity::ALL {
                    self.entries.push(EntryFacts {
                        province: provinces[m.province].clone(),
                        commodity: name_of(c),
                        municipality: code.clone(),
                        name: name.clone(),
                        population: m.population,
                        indicative: m.indicative.of(c),
                    });
                }
            }
        }
        if self.entries.len() != n || solution.municipalities.len() != n {
            bail!(
                "scenario {}: {} entries, the result file has {}",
                id,
                solution.municipalities.len(),
                self.entries.len()
            );
        }
        let mut s = Solved {
            id,
            counted: vec![0; n],
            allocated: vec![0; n],
            beyond_cap: vec![0; n],
            obligation: vec![0; n],
            reason: vec![""; n],
            provinces: Vec::with_capacity(solution.provinces.len()),
        };
        for m in &solution.municipalities {
            let k = entry(m.municipality, m.commodity);
            s.counted[k] = m.counted;
            s.allocated[k] = m.allocated;
            s.beyond_cap[k] = m.beyond_cap;
            s.obligation[k] = m.obligation;
            s.reason[k] = m.reason.as_str();
        }
        for b in &solution.provinces {
            s.provinces.push(ProvinceRecord::from(b));
        }
        if let Some(first) = self.solved.first() {
            let same = |a: &ProvinceRecord, b: &ProvinceRecord| a.code == b.code && a.commodity == b.commodity;
            if first.provinces.len() != s.provinces.len()
                || !first.provinces.iter().zip(&s.provinces).all(|(a, b)| same(a, b))
            {
                bail!("scenario {}: its provinces are not those of {}", s.id, first.id);
            }
        }
        self.solved.push(s);
        Ok(())
    }

    /// Adds a scenario that could not be solved, with the reason.
    pub fn push_failed(&mut self, id: &str, params: &BTreeMap<String, String>, error: &str) -> Result<()> {
        self.push_scenario(id, params, ScenarioOutcome::Failed, Some(error)).map(drop)
    }

    /// The scenarios table's row; returns the id as stored.
    fn push_scenario(
        &mut self,
        id: &str,
        params: &BTreeMap<String, String>,
        outcome: ScenarioOutcome,
        error: Option<&str>,
    ) -> Result<ByteArray> {
        if let Some(unknown) = params.keys().find(|k| !self.params.iter().any(|(name, _)| name == *k)) {
            bail!("scenario {id}: parameter {unknown} has no column in the scenarios table");
        }
        for (name, column) in &mut self.params {
            column.push_param(name, params.get(name).map(String::as_str))?;
        }
        let id = ByteArray::from(id);
        self.scenario.push(id.clone());
        self.outcome.push(name(outcome.as_str()));
        self.error.push(error.map(ByteArray::from));
        Ok(id)
    }

    /// The three files' bytes, in [`crate::layout::TABLES`] order.
    #[expect(clippy::cast_possible_truncation, reason = "a chunk holds at most 100 scenarios")]
    pub fn finish(self) -> Result<[Vec<u8>; 3]> {
        let scenarios = self.scenario.len() as u64;
        let meta = |table: &str| Meta {
            format: FORMAT.to_owned(),
            table: table.to_owned(),
            fingerprint: self.fingerprint.clone(),
            cycle: self.cycle.clone(),
            scenarios,
        };
        let (solved, facts) = (&self.solved, &self.entries);
        let n = solved.len();
        // Entry by entry, every scenario.
        let fixed = |f: fn(&EntryFacts) -> ByteArray| -> Column<'_> {
            Column::TextRows(Box::new(facts.iter().flat_map(move |e| std::iter::repeat_n(f(e), n))))
        };
        let fixed_number = |f: fn(&EntryFacts) -> u32| -> Column<'_> {
            Column::U32Rows(Box::new(facts.iter().flat_map(move |e| std::iter::repeat_n(f(e), n))))
        };
        let numbers = |f: fn(&Solved, usize) -> u32| -> Column<'_> {
            Column::U32Rows(Box::new((0..facts.len()).flat_map(move |k| solved.iter().map(move |s| f(s, k)))))
        };
        let municipalities = encode(
            "municipalities",
            &meta("municipalities"),
            facts.len() * n,
            vec![
                Column::TextRows(Box::new((0..facts.len()).flat_map(move |_| solved.iter().map(|s| s.id.clone())))),
                fixed(|e| e.province.clone()),
                fixed(|e| e.commodity.clone()),
                fixed(|e| e.municipality.clone()),
                fixed(|e| e.name.clone()),
                fixed_number(|e| e.population),
                fixed_number(|e| e.indicative),
                numbers(|s, k| s.counted[k]),
                numbers(|s, k| s.allocated[k]),
                numbers(|s, k| s.beyond_cap[k]),
                numbers(|s, k| s.obligation[k]),
                Column::TextRows(Box::new(
                    (0..facts.len()).flat_map(move |k| solved.iter().map(move |s| name(s.reason[k]))),
                )),
            ],
        )?;
        // Province by province, every scenario.
        let blocks = solved.first().map_or(0, |s| s.provinces.len());
        let by_block = |f: fn(&ProvinceRecord) -> ByteArray| -> Column<'_> {
            Column::TextRows(Box::new((0..blocks).flat_map(move |b| solved.iter().map(move |s| f(&s.provinces[b])))))
        };
        let whole = |f: fn(&ProvinceRecord) -> u32| -> Column<'_> {
            Column::U32Rows(Box::new((0..blocks).flat_map(move |b| solved.iter().map(move |s| f(&s.provinces[b])))))
        };
        let provinces = encode(
            "provinces",
            &meta("provinces"),
            blocks * n,
            vec![
                Column::TextRows(Box::new((0..blocks).flat_map(move |_| solved.iter().map(|s| s.id.clone())))),
                by_block(|p| ByteArray::from(p.code.as_str())),
                by_block(|p| name(p.commodity.as_str())),
                whole(|p| p.target),
                Column::U64Rows(Box::new(
                    (0..blocks).flat_map(move |b| solved.iter().map(move |s| s.provinces[b].counted)),
                )),
                whole(|p| p.shortfall),
                whole(|p| p.allocated),
                whole(|p| p.missing),
                whole(|p| p.beyond_cap),
                by_block(|p| name(p.status.as_str())),
            ],
        )?;
        let mut columns = vec![Column::Text(self.scenario), Column::Text(self.outcome), Column::OptText(self.error)];
        columns.extend(self.params.into_iter().map(|(_, c)| c));
        let scenarios_table = encode("scenarios", &meta("scenarios"), scenarios as usize, columns)?;
        Ok([municipalities, provinces, scenarios_table])
    }
}

fn name_of(c: Commodity) -> ByteArray {
    name(c.as_str())
}

/// Hands an iterator's values to `write` a few thousand at a time (a table's rows are made
/// while they are written, never all at once).
fn in_chunks<T>(
    values: impl Iterator<Item = T>,
    mut write: impl FnMut(&[T]) -> parquet::errors::Result<()>,
) -> parquet::errors::Result<()> {
    const CHUNK: usize = 4096;
    let mut buf = Vec::with_capacity(CHUNK);
    for v in values {
        buf.push(v);
        if buf.len() == CHUNK {
            write(&buf)?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        write(&buf)?;
    }
    Ok(())
}

/// The columns of the municipalities and provinces tables written as differences.
const DELTA_COLUMNS: [&str; 4] = ["counted", "allocated", "obligation", "shortfall"];

/// One table as a Parquet file: one row group (none when empty), zstd, the metadata key.
fn encode(table: &str, meta: &Meta, rows: usize, values: Vec<Column<'_>>) -> Result<Vec<u8>> {
    let mut props = WriterProperties::builder();
    // The numbers that vary from scenario to scenario by their differences (rows go entry by
    // entry, so neighbours are the same municipality in the next scenario): a third smaller
    // than a dictionary, and faster to write. Fixed facts keep the dictionary (runs of one).
    for (column, _, _) in columns(table) {
        if table != "scenarios" && DELTA_COLUMNS.contains(&column.as_str()) {
            let path = parquet::schema::types::ColumnPath::from(column.as_str());
            props = props
                .set_column_dictionary_enabled(path.clone(), false)
                .set_column_encoding(path, parquet::basic::Encoding::DELTA_BINARY_PACKED);
        }
    }
    // Statistics per column chunk (min and max per file, which let DuckDB and pyarrow skip
    // files by scenario or municipality), not per page: a tenth of the writing time.
    props = props.set_statistics_enabled(parquet::file::properties::EnabledStatistics::Chunk);
    let props = props
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_max_row_group_row_count(Some(rows.max(1)))
        .set_key_value_metadata(Some(vec![KeyValue::new(KEY.to_owned(), serde_json::to_string(meta)?)]))
        .build();
    let mut out = Vec::new();
    let mut w = SerializedFileWriter::new(&mut out, Arc::new(schema(table)?), Arc::new(props))?;
    if rows > 0 {
        let mut group = w.next_row_group()?;
        for column in values {
            let mut c =
                group.next_column()?.ok_or_else(|| anyhow!("the {table} table has fewer columns than values"))?;
            match column {
                Column::Text(v) => {
                    c.typed::<ByteArrayType>().write_batch(&v, None, None)?;
                }
                Column::TextRows(v) => {
                    let w = c.typed::<ByteArrayType>();
                    in_chunks(v, |chunk| w.write_batch(chunk, None, None).map(drop))?;
                }
                // Unsigned values are stored in INT32 and INT64 by their bits (the columns'
                // logical types say unsigned).
                Column::U32Rows(v) => {
                    let w = c.typed::<Int32Type>();
                    in_chunks(v.map(|x| x as i32), |chunk| w.write_batch(chunk, None, None).map(drop))?;
                }
                Column::U64Rows(v) => {
                    let w = c.typed::<Int64Type>();
                    in_chunks(v.map(|x| x as i64), |chunk| w.write_batch(chunk, None, None).map(drop))?;
                }
                Column::OptText(v) => {
                    let (def, v) = levels(&v);
                    c.typed::<ByteArrayType>().write_batch(&v, Some(&def), None)?;
                }
                Column::OptU32(v) => {
                    let (def, v) = levels(&v);
                    let v: Vec<i32> = v.into_iter().map(|x| x as i32).collect();
                    c.typed::<Int32Type>().write_batch(&v, Some(&def), None)?;
                }
                Column::OptU64(v) => {
                    let (def, v) = levels(&v);
                    let v: Vec<i64> = v.into_iter().map(|x| x as i64).collect();
                    c.typed::<Int64Type>().write_batch(&v, Some(&def), None)?;
                }
                Column::OptF64(v) => {
                    let (def, v) = levels(&v);
                    c.typed::<DoubleType>().write_batch(&v, Some(&def), None)?;
                }
                Column::OptBool(v) => {
                    let (def, v) = levels(&v);
                    c.typed::<BoolType>().write_batch(&v, Some(&def), None)?;
                }
            }
            c.close()?;
        }
        group.close()?;
    }
    w.close()?;
    Ok(out)
}

/// A table read back: its metadata and its reader.
struct Table {
    file: String,
    meta: Meta,
    reader: SerializedFileReader<std::fs::File>,
}

impl Table {
    fn read(path: &Path, table: &str) -> Result<Table> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).with_context(|| format!("{file}: cannot open"))?;
        let reader = SerializedFileReader::new(f).with_context(|| format!("{file}: not a Parquet file"))?;
        let meta = reader
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == KEY))
            .and_then(|k| k.value.as_deref())
            .ok_or_else(|| anyhow!("{file}: not a spreiding result file (no `{KEY}` key in its metadata)"))?;
        let meta: Meta =
            serde_json::from_str(meta).with_context(|| format!("{file}: the `{KEY}` metadata is not of {FORMAT}"))?;
        if meta.format != FORMAT {
            bail!("{file}: format `{}`; this program reads {FORMAT}", meta.format);
        }
        if meta.table != table {
            bail!("{file}: holds the {} table, expected {table}", meta.table);
        }
        let found = reader.metadata().file_metadata().schema_descr_ptr();
        let expected = schema(table)?;
        if found.root_schema().get_fields() != expected.get_fields() {
            bail!("{file}: its columns are not those of the {table} table of {FORMAT}");
        }
        Ok(Table { file, meta, reader })
    }

    fn rows(&self) -> usize {
        usize::try_from(self.reader.metadata().file_metadata().num_rows()).unwrap_or(0)
    }

    /// Column `name` over all row groups: each row's value (`None` for an empty cell).
    /// True when the file has a column of that name.
    fn has(&self, name: &str) -> bool {
        self.reader.metadata().file_metadata().schema_descr().columns().iter().any(|c| c.name() == name)
    }

    fn column<T: DataType>(&self, name: &str) -> Result<Vec<Option<T::T>>> {
        let index = self
            .reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .position(|c| c.name() == name)
            .ok_or_else(|| anyhow!("{}: no column {name}", self.file))?;
        let mut out = Vec::with_capacity(self.rows());
        for g in 0..self.reader.num_row_groups() {
            let group = self.reader.get_row_group(g)?;
            let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
            let mut reader = get_typed_column_reader::<T>(group.get_column_reader(index)?);
            let (mut def, mut values) = (Vec::new(), Vec::new());
            let mut read = 0;
            while read < rows {
                let (records, _, _) = reader
                    .read_records(rows - read, Some(&mut def), None, &mut values)
                    .with_context(|| format!("{}: column {name}", self.file))?;
                if records == 0 {
                    bail!("{}: column {name} ends after {read} of {rows} rows", self.file);
                }
                read += records;
            }
            let mut present = values.into_iter();
            if def.len() == rows {
                out.extend(def.iter().map(|&d| if d > 0 { present.next() } else { None }));
            } else {
                out.extend(present.map(Some));
            }
        }
        Ok(out)
    }

    fn strings(&self, name: &str) -> Result<Vec<Option<String>>> {
        self.column::<ByteArrayType>(name)?
            .into_iter()
            .map(|v| {
                v.map(|b| String::from_utf8(b.data().to_vec()))
                    .transpose()
                    .map_err(|_| anyhow!("{}: column {name} holds text that is not UTF-8", self.file))
            })
            .collect()
    }

    fn texts(&self, name: &str) -> Result<Vec<String>> {
        required(&self.file, name, self.strings(name)?)
    }

    fn u32s(&self, name: &str) -> Result<Vec<u32>> {
        required(&self.file, name, self.column::<Int32Type>(name)?).map(|v| v.into_iter().map(|x| x as u32).collect())
    }

    fn u64s(&self, name: &str) -> Result<Vec<u64>> {
        required(&self.file, name, self.column::<Int64Type>(name)?).map(|v| v.into_iter().map(|x| x as u64).collect())
    }

    /// A parameter column as the strings of a record's parameters (empty cells: `None`).
    fn params(&self, name: &str, t: ColumnType) -> Result<Vec<Option<String>>> {
        fn show<X: ToString>(v: Vec<Option<X>>) -> Vec<Option<String>> {
            v.into_iter().map(|x| x.map(|x| x.to_string())).collect()
        }
        Ok(match t {
            ColumnType::Bool => show(self.column::<BoolType>(name)?),
            ColumnType::F64 => show(self.column::<DoubleType>(name)?),
            ColumnType::U32 => show(self.column::<Int32Type>(name)?.into_iter().map(|x| x.map(|x| x as u32)).collect()),
            ColumnType::U64 => show(self.column::<Int64Type>(name)?.into_iter().map(|x| x.map(|x| x as u64)).collect()),
            ColumnType::Text => self.strings(name)?,
        })
    }
}

/// The values of a required column (an empty cell is refused, naming its row).
fn required<T>(file: &str, name: &str, v: Vec<Option<T>>) -> Result<Vec<T>> {
    v.into_iter().enumerate().map(|(i, x)| x.ok_or_else(|| anyhow!("{file}: row {}: {name} is empty", i + 1))).collect()
}

/// Parses a name written by this module (`regular`, `closes`, `ok`) back into its type.
fn parse_name<T: serde::de::DeserializeOwned>(file: &str, column: &str, row: usize, text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| anyhow!("{file}: row {}: `{text}` is not a valid {column}", row + 1))
}

/// Reads Parquet result file `name` under a run's `results` folder: the header and records
/// its JSON-lines twin would hold.
#[expect(clippy::cast_possible_truncation, reason = "an entry index, below twice the number of municipalities")]
pub fn read(results: &Path, name: &str) -> Result<(Header, Vec<Record>)> {
    let [mp, pp, sp] = crate::layout::parquet_paths(results, name);
    let scenarios = Table::read(&sp, "scenarios")?;
    let municipalities = Table::read(&mp, "municipalities")?;
    let provinces = Table::read(&pp, "provinces")?;
    for t in [&municipalities, &provinces] {
        if t.meta.fingerprint != scenarios.meta.fingerprint || t.meta.scenarios != scenarios.meta.scenarios {
            bail!(
                "{} and {} are not of one result file (another fingerprint or number of scenarios): run again with --resume",
                t.file,
                scenarios.file
            );
        }
    }
    if scenarios.rows() as u64 != scenarios.meta.scenarios {
        bail!(
            "{}: {} rows, its metadata says {} scenarios",
            scenarios.file,
            scenarios.rows(),
            scenarios.meta.scenarios
        );
    }

    // The scenarios.
    let ids = scenarios.texts("scenario")?;
    let outcomes = scenarios.texts("outcome")?;
    let errors = scenarios.strings("error")?;
    let mut params: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); ids.len()];
    for (name, t, _) in columns("scenarios").into_iter().skip(3) {
        // A parameter added since the file was written (counting.min_location_places and
        // counting.min_years, issue 22) is not in it: nobody varied it.
        if !scenarios.has(&name) {
            continue;
        }
        for (row, v) in scenarios.params(&name, t)?.into_iter().enumerate() {
            if let (Some(v), Some(map)) = (v, params.get_mut(row)) {
                map.insert(name.clone(), v);
            }
        }
    }
    let mut records = Vec::with_capacity(ids.len());
    for (row, ((id, outcome), (error, params))) in
        ids.into_iter().zip(outcomes).zip(errors.into_iter().zip(params)).enumerate()
    {
        let outcome: ScenarioOutcome = parse_name(&scenarios.file, "outcome", row, &outcome)?;
        let r = Record {
            id,
            params,
            outcome,
            error: if outcome == ScenarioOutcome::Failed { Some(error.unwrap_or_default()) } else { None },
            provinces: Vec::new(),
            counted: Vec::new(),
            allocated: Vec::new(),
            beyond_cap: Vec::new(),
            capped: Vec::new(),
            above_task: Vec::new(),
        };
        records.push(r);
    }
    let index: BTreeMap<String, (usize, ScenarioOutcome)> =
        records.iter().enumerate().map(|(i, r)| (r.id.clone(), (i, r.outcome))).collect();
    let find = |t: &Table, row: usize, id: &str| -> Result<usize> {
        let (i, outcome) = *index
            .get(id)
            .ok_or_else(|| anyhow!("{}: row {}: scenario {id} is not in {}", t.file, row + 1, scenarios.file))?;
        if outcome == ScenarioOutcome::Failed {
            bail!("{}: row {}: scenario {id} failed and has no rows", t.file, row + 1);
        }
        Ok(i)
    };

    // The provinces.
    let t = &provinces;
    let (scenario, code, commodity, status) =
        (t.texts("scenario")?, t.texts("province")?, t.texts("commodity")?, t.texts("status")?);
    let (target, counted, shortfall, allocated, missing, beyond) = (
        t.u32s("target")?,
        t.u64s("counted")?,
        t.u32s("shortfall")?,
        t.u32s("allocated")?,
        t.u32s("missing")?,
        t.u32s("beyond_cap")?,
    );
    let mut by_record: Vec<Vec<ProvinceRecord>> = vec![Vec::new(); records.len()];
    for row in 0..scenario.len() {
        let i = find(t, row, &scenario[row])?;
        by_record[i].push(ProvinceRecord {
            code: code[row].clone(),
            commodity: parse_name(&t.file, "commodity", row, &commodity[row])?,
            target: target[row],
            counted: counted[row],
            shortfall: shortfall[row],
            allocated: allocated[row],
            missing: missing[row],
            beyond_cap: beyond[row],
            status: parse_name(&t.file, "status", row, &status[row])?,
        });
    }
    for (r, p) in records.iter_mut().zip(by_record) {
        r.provinces = p;
    }

    // The municipalities; the header from the first solved scenario's rows.
    let t = &municipalities;
    let (scenario, province, commodity, code, name_col) =
        (t.texts("scenario")?, t.texts("province")?, t.texts("commodity")?, t.texts("municipality")?, t.texts("name")?);
    let (population, indicative, counted, allocated, beyond, reason) = (
        t.u32s("population")?,
        t.u32s("indicative")?,
        t.u32s("counted")?,
        t.u32s("allocated")?,
        t.u32s("beyond_cap")?,
        t.texts("reason")?,
    );
    let obligation = t.u32s("obligation")?;
    let capped = [Reason::Capped.as_str(), Reason::InfeasibleCapped.as_str()];
    let mut header = Header {
        format: JSONL_FORMAT.to_owned(),
        fingerprint: scenarios.meta.fingerprint.clone(),
        cycle: scenarios.meta.cycle.clone(),
        municipalities: Vec::new(),
    };
    // The header from the first solved scenario's rows: two per municipality, regular first.
    let first = records.iter().find(|r| r.outcome != ScenarioOutcome::Failed).map(|r| r.id.clone());
    if let Some(first) = &first {
        let rows: Vec<usize> = (0..scenario.len()).filter(|&k| &scenario[k] == first).collect();
        for pair in rows.chunks(2) {
            match *pair {
                [a, b] if commodity[a] == Commodity::Regular.as_str() && code[a] == code[b] => {
                    header.municipalities.push(MunicipalityInfo {
                        code: code[a].clone(),
                        name: name_col[a].clone(),
                        province: province[a].clone(),
                        population: population[a],
                        indicative: [indicative[a], indicative[b]],
                    })
                }
                _ => bail!(
                    "{}: row {}: scenario {first}'s rows are not two per municipality (regular, then amv)",
                    t.file,
                    pair[0] + 1
                ),
            }
        }
    }
    // Every solved scenario's rows, in the header's order (they may interleave with other
    // scenarios' rows: the writer goes entry by entry).
    for k in 0..scenario.len() {
        let i = find(t, k, &scenario[k])?;
        let r = &mut records[i];
        let e = r.counted.len();
        let wanted = (header.municipalities.get(e / 2).map(|m| m.code.as_str()), Commodity::ALL[e % 2].as_str());
        if wanted != (Some(code[k].as_str()), commodity[k].as_str()) {
            bail!(
                "{}: row {}: {} {} is not scenario {}'s next municipality; every scenario has the rows of {} in the same order",
                t.file,
                k + 1,
                code[k],
                commodity[k],
                scenario[k],
                first.as_deref().unwrap_or("the first")
            );
        }
        r.counted.push(counted[k]);
        r.allocated.push(allocated[k]);
        r.beyond_cap.push(beyond[k]);
        // The places above the task the scenario leaves out: what the obligation lacks.
        let whole = u64::from(counted[k]) + u64::from(allocated[k]) + u64::from(beyond[k]);
        r.above_task.push(u32::try_from(whole.saturating_sub(u64::from(obligation[k]))).unwrap_or(u32::MAX));
        if capped.contains(&reason[k].as_str()) {
            r.capped.push(e as u32);
        }
    }
    // As in the JSON-lines records: no beyond_cap array when nothing is beyond a cap.
    for r in &mut records {
        if r.beyond_cap.iter().all(|&b| b == 0) {
            r.beyond_cap.clear();
        }
        if r.above_task.iter().all(|&a| a == 0) {
            r.above_task.clear();
        }
    }
    let n = entries(header.municipalities.len());
    if let Some(r) = records.iter().find(|r| r.outcome != ScenarioOutcome::Failed && r.counted.len() != n) {
        bail!("{}: scenario {} has {} rows, expected {n}", t.file, r.id, r.counted.len());
    }
    Ok((header, records))
}
