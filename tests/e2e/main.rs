//! End-to-end tests: the real kstatus binary and a real Kubernetes control plane.
//!
//! The local control plane (tests/cluster/local-cluster.sh) is started once for the run and
//! stopped at the end if this run started it; set KSTATUS_E2E_KUBECONFIG to use another cluster.

mod apply;
mod completion;
mod dashboard;
mod diff;
mod events;
mod fingerprints;
mod gitlab;
mod health;
mod logs;
mod noop;
mod operators;
mod plugin;
mod prune;
mod scale;
mod smoke;
mod steps;
mod support;
mod watch;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = smoke::trials();
    trials.extend(apply::trials());
    trials.extend(watch::trials());
    trials.extend(events::trials());
    trials.extend(fingerprints::trials());
    trials.extend(logs::trials());
    trials.extend(dashboard::trials());
    trials.extend(steps::trials());
    trials.extend(health::trials());
    trials.extend(operators::trials());
    trials.extend(diff::trials());
    trials.extend(noop::trials());
    trials.extend(prune::trials());
    trials.extend(scale::trials());
    trials.extend(gitlab::trials());
    trials.extend(plugin::trials());
    trials.extend(completion::trials());
    let conclusion = libtest_mimic::run(&args, trials);
    support::cluster::shutdown();
    conclusion.exit_code()
}
