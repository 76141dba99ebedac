//! The kstatus binary: runs the program under its own name.

fn main() -> std::process::ExitCode {
    kstatus::app::main(kstatus::cli::Program::Kstatus)
}
