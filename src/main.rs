//! `spreiding`: the command line of the Spreidingswet allocation solver.
//!
//! Parses arguments, calls `spreiding_solver`, formats output. No domain logic lives here.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
