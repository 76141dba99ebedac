//! kubectl, for tests that deploy the way users did before kstatus (`kubectl apply`).
//!
//! KSTATUS_E2E_KUBECTL names the binary (e.g. the runner's kubectl next to kind); otherwise
//! `tests/cluster/local-cluster.sh kubectl` builds kubectl v1.20.2 once into the cache and prints
//! its path. A kubectl that cannot be found or built fails the test: these tests never skip.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use super::TestContext;

/// Path of a kubectl binary to use instead of building one.
pub const KUBECTL_ENV: &str = "KSTATUS_E2E_KUBECTL";

static KUBECTL: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// The kubectl binary, found or built on first use.
pub fn path() -> Result<PathBuf, String> {
    KUBECTL.get_or_init(locate).clone()
}

fn locate() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(KUBECTL_ENV) {
        return Ok(PathBuf::from(path));
    }
    eprintln!("e2e: locating kubectl v1.20.2 (tests/cluster/local-cluster.sh kubectl)");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cluster/local-cluster.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("kubectl")
        .output()
        .map_err(|err| format!("cannot run {}: {err}", script.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let built = stdout.lines().last().map(str::trim).unwrap_or_default();
    if !output.status.success() || built.is_empty() {
        return Err(format!(
            "local-cluster.sh kubectl failed ({}); set {KUBECTL_ENV} to a kubectl binary: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(PathBuf::from(built))
}

impl TestContext {
    /// Runs kubectl as the cluster admin in this test's namespace.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        let kubectl = path().unwrap_or_else(|err| panic!("no kubectl: {err}"));
        Command::new(&kubectl)
            .arg("--kubeconfig")
            .arg(&self.cluster.kubeconfig)
            .args(["-n", &self.namespace])
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("running {}: {err}", kubectl.display()))
    }
}
