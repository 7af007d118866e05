//! The `actionbox` command: a thin layer over the library that parses
//! arguments and renders outcomes.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
