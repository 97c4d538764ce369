//! `spreiding-results`: what spreiding writes and reads back, and the engine that writes it.
//!
//! - [`output`]: a solution as a table, JSON, CSV or an Excel workbook; `compare` of result
//!   folders; what-if tables.
//! - [`run`]: scenario files, folders and sweeps solved in parallel into a result folder,
//!   resumable; [`columnar`]: the Parquet form of a result file; [`layout`]: where a run
//!   folder's files are (known there only).
//! - [`shard`]: a machine's part of a run (`--shard I/N`) and `merge` of the parts.
//! - [`atomic`] and [`hash`]: the one way this workspace writes a file or a folder (staged,
//!   then renamed into place) and hashes one (hex SHA-256).
//!
//! It depends on the core library only (`spreiding-solver`); it prints nothing but the run's
//! progress bar, and turns no outcome into an exit code (only the binary does).

pub mod atomic;
pub mod columnar;
pub mod hash;
pub mod layout;
pub mod output;
pub mod run;
pub mod shard;
