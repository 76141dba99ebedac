//! The kstatus binary: parse the command line, set up logging, run, map the outcome to an exit
//! code.

use std::process::ExitCode;

use kstatus::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse_with_color(std::env::args_os());
    init_logging(cli.global.verbose);
    match kstatus::cmd::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            eprintln!("error: {err}");
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            err.exit().into()
        }
    }
}

/// Debug logs go to stderr so they never mix with reports on stdout.
fn init_logging(verbosity: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbosity {
        // kube's own error logs would repeat what kstatus reports with more context.
        0 => "warn,kube_client=off,kube_runtime=off",
        1 => "warn,kstatus=info",
        2 => "warn,kstatus=debug",
        _ => "info,kstatus=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
