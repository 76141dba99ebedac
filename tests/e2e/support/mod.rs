//! End-to-end test support: one namespace per test, API clients for the admin and the
//! unprivileged user, running the real kstatus binary, and bounded waits.

pub mod cluster;
pub mod kubectl;
pub mod pods;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::pin::Pin;
use std::process::Output;
use std::sync::{PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{DeleteParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use libtest_mimic::{Failed, Trial};

pub use cluster::Cluster;

/// What a test body gets: its own namespace on the run's cluster.
pub struct TestContext {
    pub cluster: Cluster,
    pub namespace: String,
    /// Admin client whose default namespace is the test's namespace.
    pub client: Client,
}

/// Tests share the cluster; one that disrupts it for the others runs alone (see [`e2e_alone`]).
static CLUSTER_USE: RwLock<()> = RwLock::new(());

/// A test that needs a cluster. The body runs on its own single-threaded runtime; the namespace
/// is deleted afterwards whether the body passed or panicked.
pub fn e2e<F, Fut>(name: &'static str, body: F) -> Trial
where
    F: FnOnce(TestContext) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    Trial::test(name, move || {
        let _shared = CLUSTER_USE.read().unwrap_or_else(PoisonError::into_inner);
        run_test(name, body)
    })
}

/// A test that disrupts the cluster for every other test (it restarts the API server): it waits
/// for the tests under way to finish, and the others wait for it.
pub fn e2e_alone<F, Fut>(name: &'static str, body: F) -> Trial
where
    F: FnOnce(TestContext) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    Trial::test(name, move || {
        let _alone = CLUSTER_USE.write().unwrap_or_else(PoisonError::into_inner);
        run_test(name, body)
    })
}

fn run_test<F, Fut>(name: &'static str, body: F) -> Result<(), Failed>
where
    F: FnOnce(TestContext) -> Fut,
    Fut: Future<Output = ()>,
{
    let cluster = cluster::get().map_err(|err| Failed::from(format!("no cluster: {err}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failed::from(err.to_string()))?;
    runtime.block_on(async move {
        let namespace = namespace_name(name);
        let admin = client_for(&cluster.kubeconfig, None, &namespace).await;
        create_namespace(&admin, &namespace).await?;
        let ctx = TestContext {
            cluster,
            namespace: namespace.clone(),
            client: admin.clone(),
        };
        let outcome = CatchPanic(Box::pin(body(ctx))).await;
        let _ = std::fs::remove_dir_all(manifest_dir(&namespace));
        let _ = Api::<Namespace>::all(admin)
            .delete(&namespace, &DeleteParams::background())
            .await;
        outcome
    })
}

/// Turns a panic (a failed assertion) in a test body into a failure, so cleanup still runs.
struct CatchPanic<Fut>(Pin<Box<Fut>>);

impl<Fut: Future<Output = ()>> Future for CatchPanic<Fut> {
    type Output = Result<(), Failed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let body = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| body.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "test panicked".into());
                Poll::Ready(Err(Failed::from(message)))
            }
        }
    }
}

/// `e2e-<test>-<suffix>`: unique per run, valid as a DNS label.
fn namespace_name(test: &str) -> String {
    let mut base: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    base.truncate(45);
    let base = base.trim_matches('-');
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("e2e-{base}-{:05x}", (nanos ^ std::process::id()) & 0xfffff)
}

/// A client for `kubeconfig` (optionally another context), defaulting to `namespace`.
pub async fn client_for(kubeconfig: &Path, context: Option<&str>, namespace: &str) -> Client {
    let file = Kubeconfig::read_from(kubeconfig)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", kubeconfig.display()));
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..Default::default()
    };
    let mut config = Config::from_custom_kubeconfig(file, &options)
        .await
        .unwrap_or_else(|err| panic!("bad kubeconfig {}: {err}", kubeconfig.display()));
    config.default_namespace = namespace.to_string();
    Client::try_from(config).expect("building a kube client")
}

/// Creates the namespace and waits for its `default` ServiceAccount, which pods need before
/// admission accepts them.
async fn create_namespace(client: &Client, name: &str) -> Result<(), Failed> {
    let namespace: Namespace = serde_json::from_value(serde_json::json!({
        "metadata": { "name": name, "labels": { "kstatus-e2e": "true" } }
    }))
    .expect("namespace object");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .map_err(|err| Failed::from(format!("creating namespace {name}: {err}")))?;
    let accounts = Api::<ServiceAccount>::namespaced(client.clone(), name);
    // Servers before 1.24 also need the account's token secret before admitting pods.
    let needs_token_secret = match client.apiserver_version().await {
        Ok(info) => {
            info.minor
                .trim_end_matches('+')
                .parse::<u32>()
                .unwrap_or(99)
                < 24
        }
        Err(_) => false,
    };
    let ready = wait_until(
        "the default ServiceAccount",
        Duration::from_secs(60),
        || async {
            let account = accounts.get_opt("default").await.ok().flatten()?;
            let has_secret = account.secrets.as_ref().is_some_and(|s| !s.is_empty());
            (has_secret || !needs_token_secret).then_some(())
        },
    )
    .await;
    ready.map_err(Failed::from)
}

/// Polls `check` every 200 ms until it yields a value, or fails after `timeout` naming `what`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Ok(value);
        }
        if Instant::now() >= deadline {
            return Err(format!("timed out after {timeout:?} waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates an object from YAML in the test's namespace (test set-up, not the code under test).
pub async fn create<K>(ctx: &TestContext, yaml: &str) -> K
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + serde::Serialize,
    K::DynamicType: Default,
{
    let object: K = serde_saphyr::from_str(yaml).expect("test manifest parses");
    Api::<K>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &object)
        .await
        .unwrap_or_else(|err| panic!("creating test object: {err}"))
}

impl TestContext {
    /// Runs the real kstatus binary against this test's cluster with colours off; `stdin` is
    /// fed to it when given.
    pub fn kstatus(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"));
        cmd.args(args)
            .env("KUBECONFIG", &self.cluster.kubeconfig)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .timeout(Duration::from_secs(600));
        if let Some(input) = stdin {
            cmd.write_stdin(input.to_string());
        }
        cmd.output().expect("running kstatus")
    }

    /// A client acting as the user with no RBAC bindings.
    pub async fn unprivileged_client(&self) -> Client {
        client_for(
            &self.cluster.kubeconfig,
            Some(cluster::UNPRIVILEGED_CONTEXT),
            &self.namespace,
        )
        .await
    }

    /// `kstatus apply -n <namespace> -f app.yaml --progress plain <extra>` with `manifest`
    /// written to app.yaml.
    pub fn apply(&self, manifest: &str, extra: &[&str]) -> Run {
        let path = self.manifest("app.yaml", manifest);
        let path = path.to_str().expect("a UTF-8 temporary path");
        let mut args = vec![
            "apply",
            "-n",
            &self.namespace,
            "-f",
            path,
            "--progress",
            "plain",
        ];
        args.extend_from_slice(extra);
        let started = Instant::now();
        let output = self.kstatus(&args, None);
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: started.elapsed(),
            text: describe(&output),
        }
    }

    /// Writes `content` to a temporary manifest file for this test and returns its path; the
    /// directory is removed when the test ends.
    pub fn manifest(&self, name: &str, content: &str) -> std::path::PathBuf {
        let dir = manifest_dir(&self.namespace);
        std::fs::create_dir_all(&dir).expect("creating the manifest directory");
        let path = dir.join(name);
        std::fs::write(&path, content).expect("writing a manifest");
        path
    }
}

/// A finished kstatus run: exit code, stdout, stderr, and how long it took.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Both streams with the exit code, for assertion messages.
    pub text: String,
}

impl Run {
    /// stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Where a test's manifests are written.
fn manifest_dir(namespace: &str) -> std::path::PathBuf {
    std::env::temp_dir().join("kstatus-e2e").join(namespace)
}

/// stdout and stderr of a finished process, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A CustomResourceDefinition of one version that accepts any fields and has no status
/// subresource, so the `status` a manifest writes is persisted by the apply, as a controller
/// would have written it. `scope` is `Namespaced` or `Cluster`.
pub fn crd(group: &str, plural: &str, kind: &str, version: &str, scope: &str) -> String {
    format!(
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.{group}
spec:
  group: {group}
  scope: {scope}
  names: {{plural: {plural}, singular: {singular}, kind: {kind}}}
  versions:
  - name: {version}
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"#,
        singular = kind.to_lowercase()
    )
}

/// The local cluster's API server audit log and its size now (None on another cluster, whose
/// log is out of reach): where a test starts reading the entries of its own requests.
pub fn audit_log_mark(ctx: &TestContext) -> Option<(std::path::PathBuf, u64)> {
    let path = ctx.cluster.local.then(|| {
        ctx.cluster
            .kubeconfig
            .with_file_name("logs")
            .join("audit.log")
    })?;
    let start = std::fs::metadata(&path).map_or(0, |m| m.len());
    Some((path, start))
}

/// The audit entries about `namespace` written after byte `start` of the audit log.
pub fn audit_entries(path: &Path, start: u64, namespace: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read(path).unwrap_or_else(|err| {
        panic!(
            "the local cluster's audit log {} cannot be read: {err}",
            path.display()
        )
    });
    // A rotated log starts again from zero.
    let from = usize::try_from(start)
        .ok()
        .filter(|&from| from <= text.len())
        .unwrap_or(0);
    String::from_utf8_lossy(&text[from..])
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["objectRef"]["namespace"] == namespace)
        .collect()
}
