//! `spreiding`: the command line of the Spreidingswet allocation solver.
//!
//! Parses arguments, calls `spreiding_solver`, formats output. No domain logic lives here.

mod atomic;
mod cli;
mod columnar;
mod dossier;
mod hash;
mod output;
mod run;
mod serve;
mod shard;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
