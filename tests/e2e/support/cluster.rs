//! The cluster the end-to-end tests run against: the local control plane with its real node
//! (started once per run by tests/cluster/local-cluster.sh and stopped again if this run started
//! it) or an external cluster named by KSTATUS_E2E_KUBECONFIG (for example kind in GitHub
//! Actions). KSTATUS_NODE=sim runs the local cluster with the kubelet simulator instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use kube::config::{Context, Kubeconfig, NamedAuthInfo, NamedContext};

/// Kubeconfig of an external cluster; when set, the local control plane is not used.
pub const EXTERNAL_KUBECONFIG_ENV: &str = "KSTATUS_E2E_KUBECONFIG";

/// Name of the kubeconfig context that acts as a user with no RBAC bindings.
pub const UNPRIVILEGED_CONTEXT: &str = "unprivileged";

#[derive(Debug, Clone)]
pub struct Cluster {
    /// Kubeconfig whose current context is a cluster admin, plus an `unprivileged` context.
    pub kubeconfig: PathBuf,
    /// True when pods are driven by the kubelet simulator rather than a real kubelet.
    pub simulated: bool,
    /// True for the local cluster of tests/cluster/local-cluster.sh (its logs and
    /// `restart-apiserver` are available).
    pub local: bool,
}

/// Runs tests/cluster/local-cluster.sh with the given arguments and returns its stdout; an
/// error carries its stderr. For tests that act on the local cluster itself.
pub fn local_cluster(args: &[&str]) -> Result<String, String> {
    let output = script()
        .args(args)
        .output()
        .map_err(|err| format!("cannot run local-cluster.sh: {err}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "local-cluster.sh {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
/// Set when this process started the local control plane, so it must stop it again.
static STARTED_HERE: Mutex<bool> = Mutex::new(false);

/// The cluster for this run, started on first use. A cluster that cannot start fails every test
/// with the reason: end-to-end tests never skip.
pub fn get() -> Result<Cluster, String> {
    CLUSTER.get_or_init(start).clone()
}

/// The kubeconfig derived for an external cluster (it adds the unprivileged context).
fn derived_kubeconfig() -> PathBuf {
    std::env::temp_dir().join(format!("kstatus-e2e-{}.kubeconfig", std::process::id()))
}

/// Stops the local control plane if this process started it, and removes what the run wrote.
pub fn shutdown() {
    let _ = std::fs::remove_file(derived_kubeconfig());
    let mut started = STARTED_HERE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if *started {
        eprintln!("e2e: stopping the local control plane");
        match script().arg("down").status() {
            Ok(status) if status.success() => {}
            Ok(status) => eprintln!("e2e: local-cluster.sh down exited with {status}"),
            Err(err) => eprintln!("e2e: cannot run local-cluster.sh down: {err}"),
        }
        *started = false;
    }
}

fn start() -> Result<Cluster, String> {
    if let Some(path) = std::env::var_os(EXTERNAL_KUBECONFIG_ENV) {
        return external(Path::new(&path));
    }
    local()
}

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg(repo_dir().join("tests/cluster/local-cluster.sh"));
    cmd
}

/// `cargo test` builds the example targets next to the test binaries: target/<profile>/examples.
fn kubelet_simulator() -> Result<PathBuf, String> {
    let exe =
        std::env::current_exe().map_err(|err| format!("cannot locate the test binary: {err}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("unexpected test binary location {}", exe.display()))?;
    let sim = profile_dir.join("examples").join("kubelet-sim");
    if !sim.is_file() {
        // `cargo test` builds examples, `cargo test --test e2e` does not: build it now.
        eprintln!("e2e: building the kubelet simulator (cargo build --example kubelet-sim)");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(repo_dir())
            .args(["build", "--example", "kubelet-sim"]);
        if profile_dir
            .file_name()
            .is_some_and(|name| name == "release")
        {
            build.arg("--release");
        }
        let status = build
            .status()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if !status.success() || !sim.is_file() {
            return Err(format!(
                "the kubelet simulator could not be built at {}; run `cargo build --example \
                 kubelet-sim`",
                sim.display()
            ));
        }
    }
    Ok(sim)
}

/// The node the local cluster is started with: KSTATUS_NODE (real or sim), real by default.
fn wanted_node() -> String {
    std::env::var("KSTATUS_NODE").unwrap_or_else(|_| "real".into())
}

fn local() -> Result<Cluster, String> {
    let already_up = script()
        .arg("status")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !already_up {
        let node = wanted_node();
        eprintln!(
            "e2e: starting the local control plane with a {node} node (tests/cluster/local-cluster.sh up --node {node})"
        );
        let mut up = script();
        up.args(["up", "--node", &node]);
        if node == "sim" {
            up.env("KSTATUS_KUBELET_SIM", kubelet_simulator()?);
        }
        let status = up
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .status()
            .map_err(|err| format!("cannot run local-cluster.sh: {err}"))?;
        // Even a failed start may have left processes behind: stop them at the end.
        *STARTED_HERE.lock().unwrap() = true;
        if !status.success() {
            return Err(format!(
                "the local control plane did not start ({status}); see above"
            ));
        }
    }
    let status = local_cluster(&["status"])?;
    eprintln!("e2e: local cluster {}", status.trim());
    let simulated = status.contains("node: sim");
    let env = script()
        .arg("env")
        .output()
        .map_err(|err| format!("local-cluster.sh env: {err}"))?;
    let text = String::from_utf8_lossy(&env.stdout);
    let kubeconfig = text
        .trim()
        .strip_prefix("export KUBECONFIG=")
        .map(PathBuf::from)
        .ok_or_else(|| format!("unexpected output of local-cluster.sh env: {text:?}"))?;
    Ok(Cluster {
        kubeconfig,
        simulated,
        local: true,
    })
}

/// Uses an external cluster; the unprivileged context impersonates a user with no bindings.
fn external(path: &Path) -> Result<Cluster, String> {
    let mut config = Kubeconfig::read_from(path).map_err(|err| {
        format!(
            "cannot read {EXTERNAL_KUBECONFIG_ENV}={}: {err}",
            path.display()
        )
    })?;
    let current = config
        .current_context
        .clone()
        .ok_or_else(|| format!("{} has no current-context", path.display()))?;
    let context = config
        .contexts
        .iter()
        .find(|c| c.name == current)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| format!("context {current} not found in {}", path.display()))?;
    let user_name = context.user.clone().unwrap_or_default();
    let mut user = config
        .auth_infos
        .iter()
        .find(|u| u.name == user_name)
        .and_then(|u| u.auth_info.clone())
        .unwrap_or_default();
    user.impersonate = Some("kstatus-unprivileged".into());
    config.auth_infos.push(NamedAuthInfo {
        name: UNPRIVILEGED_CONTEXT.into(),
        auth_info: Some(user),
        ..Default::default()
    });
    config.contexts.push(NamedContext {
        name: UNPRIVILEGED_CONTEXT.into(),
        context: Some(Context {
            user: Some(UNPRIVILEGED_CONTEXT.into()),
            ..context
        }),
        ..Default::default()
    });
    let derived = derived_kubeconfig();
    let json = serde_json::to_vec_pretty(&config).map_err(|err| err.to_string())?;
    std::fs::write(&derived, json).map_err(|err| format!("{}: {err}", derived.display()))?;
    Ok(Cluster {
        kubeconfig: derived,
        simulated: false,
        local: false,
    })
}
