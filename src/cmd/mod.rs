//! Subcommand orchestration: each module wires the manifest loader, cluster IO, engine and
//! renderers together for one subcommand and returns how it ended.

pub mod apply;
pub mod diff;
pub mod generate;
pub mod health;
pub mod logs;
pub mod secrets;
pub mod settings;
pub mod track;
pub mod watch;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::outcome::RunOutcome;
use crate::render::redact::Redactor;

/// How a subcommand ended, and what its output hid: an error is printed with the same
/// redaction as everything else the run printed.
pub struct Ended {
    pub result: Result<RunOutcome, Error>,
    pub redactor: Redactor,
}

impl From<Result<RunOutcome, Error>> for Ended {
    /// The end of a subcommand that hides nothing.
    fn from(result: Result<RunOutcome, Error>) -> Self {
        Ended {
            result,
            redactor: Redactor::default(),
        }
    }
}

/// Runs the chosen subcommand to its end.
pub fn run(cli: Cli) -> Ended {
    match cli.command {
        Command::Apply(args) => apply::run(&cli.global, &args),
        Command::Diff(args) => diff::run(&cli.global, &args),
        Command::Watch(args) => watch::run(&cli.global, &args).into(),
        Command::Generate(args) => generate::run(&args).into(),
    }
}

/// kubectl-style connection settings from the global flags.
/// The field managers whose fields `apply` and `diff` take over, or the usage error.
fn adopted_managers(
    ssa: &crate::cli::ServerSideApplyArgs,
) -> Result<Vec<String>, crate::error::Error> {
    ssa.adopted_managers().map_err(|message| {
        crate::error::Error::usage(message)
            .with_hint("e.g. --adopt kubectl-client-side-apply --adopt helm")
    })
}

pub fn connect_options(global: &crate::cli::GlobalArgs) -> crate::cluster::client::ConnectOptions {
    crate::cluster::client::ConnectOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
        cluster: global.cluster.clone(),
        user: global.user.clone(),
        namespace: global.namespace.clone(),
        request_timeout: global.request_timeout,
    }
}

/// Runs one subcommand's async part on a small runtime. Watches still running when it returns
/// are abandoned, not awaited: the outcome is known.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, crate::error::Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| {
            crate::error::Error::internal(format!("cannot start the async runtime: {err}"))
                .with_source(err)
        })?;
    let output = runtime.block_on(future);
    runtime.shutdown_background();
    Ok(output)
}
