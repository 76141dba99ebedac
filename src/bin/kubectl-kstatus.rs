//! The kubectl plugin binary: kubectl runs `kubectl-kstatus` from the PATH as `kubectl kstatus`,
//! the same program under that name.

fn main() -> std::process::ExitCode {
    kstatus::app::main(kstatus::cli::Program::KubectlPlugin)
}
