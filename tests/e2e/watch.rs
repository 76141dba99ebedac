//! `kstatus watch` end to end: selection, live changes seen in plain mode, script modes, attach
//! mode, namespaces and permissions.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, CRASH, SERVE, command};
use crate::support::{TestContext, create, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "watch_once_lists_exactly_the_labelled_app",
            once_lists_exactly_the_app,
        ),
        e2e(
            "watch_sees_a_rollout_turn_into_crash_loop",
            sees_rollout_turn_into_crash_loop,
        ),
        e2e(
            "watch_adds_and_removes_objects_live",
            adds_and_removes_objects_live,
        ),
        e2e("watch_all_namespaces", all_namespaces),
        e2e(
            "watch_attach_to_manifests_applied_elsewhere",
            attach_to_manifests,
        ),
        e2e("watch_unprivileged_user_exit_5", unprivileged_user_exits_5),
        e2e(
            "watch_partial_permissions_warn_and_continue",
            partial_permissions_warn,
        ),
    ]
}

/// A Deployment labelled `app` whose busybox pod runs `script`.
fn labelled_deployment(name: &str, app: &str, script: &str) -> String {
    let command = command(script);
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {app}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {app}, component: {name}}}}}
  template:
    metadata: {{labels: {{app: {app}, component: {name}}}}}
    spec:
      containers:
      - name: {name}
        image: {BUSYBOX}
        command: {command}
"#
    )
}

fn service(name: &str, app: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  labels: {{app: {app}}}\nspec:\n  \
         selector: {{app: {app}}}\n  ports: [{{port: 80}}]\n"
    )
}

/// Deploys the `shop` app: two Deployments and a Service, and waits until they are healthy.
async fn deploy_shop(ctx: &TestContext, app: &str) {
    create::<Deployment>(ctx, &labelled_deployment("web", app, SERVE)).await;
    create::<Deployment>(ctx, &labelled_deployment("api", app, SERVE)).await;
    create::<Service>(ctx, &service("front", app)).await;
}

fn rows(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

async fn once_lists_exactly_the_app(ctx: TestContext) {
    deploy_shop(&ctx, "shop").await;
    // Labelled, but another app: must not appear.
    create::<ConfigMap>(
        &ctx,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\n  labels: {app: other}\n",
    )
    .await;
    let until = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "-l",
            "app=shop",
            "--until",
            "settled",
            "--stabilization",
            "1s",
            "--timeout",
            "60s",
        ],
        None,
    );
    assert_eq!(until.status.code(), Some(0), "{}", describe(&until));
    let output = ctx.kstatus(
        &["watch", "-n", &ctx.namespace, "-l", "app=shop", "--once"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut found = rows(&stdout);
    found.sort();
    assert_eq!(
        found,
        ["Deployment/api", "Deployment/web", "Service/front"],
        "{}",
        describe(&output)
    );

    // A selector that matches nothing is a question to fix (exit 2), not a timeout (exit 3).
    let nothing = ctx.kstatus(
        &["watch", "-n", &ctx.namespace, "-l", "app=absent", "--once"],
        None,
    );
    assert_eq!(nothing.status.code(), Some(2), "{}", describe(&nothing));
    assert!(
        String::from_utf8_lossy(&nothing.stderr).contains("nothing matched"),
        "{}",
        describe(&nothing)
    );
    // Waiting for it does not make an absent application a success.
    for until in ["settled", "success"] {
        let waited = ctx.kstatus(
            &[
                "watch",
                "-n",
                &ctx.namespace,
                "-l",
                "app=absent",
                "--until",
                until,
                "--timeout",
                "5s",
                "--stabilization",
                "1s",
            ],
            None,
        );
        assert_eq!(waited.status.code(), Some(2), "{}", describe(&waited));
        assert!(
            String::from_utf8_lossy(&waited.stderr).contains("nothing matched"),
            "--until {until}: {}",
            describe(&waited)
        );
    }
}

/// A running `kstatus watch` whose progress lines arrive on a channel.
pub(crate) struct Watcher {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watcher {
    pub(crate) fn start(ctx: &TestContext, args: &[&str]) -> Watcher {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kstatus"))
            .arg("watch")
            .args(args)
            .args(["--progress", "plain"])
            .env("KUBECONFIG", &ctx.cluster.kubeconfig)
            .env("NO_COLOR", "1")
            .env_remove("KSTATUS_FINGERPRINT_SALT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting kstatus watch");
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Watcher {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a progress line containing every one of `parts`.
    pub(crate) fn expect(&mut self, parts: &[&str], timeout: Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if parts.iter().all(|p| line.contains(p)) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {parts:?} within {timeout:?}; saw:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Ctrl-C: the snapshot is printed and the exit is 130.
    pub(crate) fn interrupt(self) -> String {
        self.interrupt_with_progress().0
    }

    /// Ctrl-C, as [`Watcher::interrupt`]; returns stdout and every progress line seen.
    pub(crate) fn interrupt_with_progress(mut self) -> (String, String) {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut stdout).unwrap();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            self.seen.push(line);
        }
        assert_eq!(status.code(), Some(130), "{stdout}");
        (stdout, self.seen.join("\n"))
    }
}

const LIVE: Duration = Duration::from_secs(60);

async fn sees_rollout_turn_into_crash_loop(ctx: TestContext) {
    deploy_shop(&ctx, "shop").await;
    let mut watcher = Watcher::start(&ctx, &["-n", &ctx.namespace, "-l", "app=shop"]);
    watcher.expect(&["Deployment/api", ": Success"], LIVE);
    let deployments = Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace);
    let patch = serde_json::json!({"spec": {"template": {"spec": {"containers": [
        {"name": "api", "command": ["sh", "-c", CRASH]}
    ]}}}});
    deployments
        .patch("api", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap();
    let line = watcher.expect(&["Deployment/api", ": Error: "], LIVE);
    assert!(line.contains("container \"api\""), "{line}");
    // A real kubelet may first show the crash as `terminated: Error`; the back-off follows.
    if !line.contains("CrashLoopBackOff") {
        watcher.expect(&["CrashLoopBackOff"], LIVE);
    }
    let stdout = watcher.interrupt();
    assert!(stdout.contains("verdict: Interrupted"), "{stdout}");

    let settled = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "-l",
            "app=shop",
            "--until",
            "settled",
            "--stabilization",
            "2s",
        ],
        None,
    );
    assert_eq!(settled.status.code(), Some(1), "{}", describe(&settled));
    let stdout = String::from_utf8_lossy(&settled.stdout);
    assert!(
        stdout.contains("CrashLoopBackOff"),
        "{}",
        describe(&settled)
    );
    assert!(
        stdout.contains("container \"api\""),
        "{}",
        describe(&settled)
    );
}

async fn adds_and_removes_objects_live(ctx: TestContext) {
    deploy_shop(&ctx, "shop").await;
    let mut watcher = Watcher::start(&ctx, &["-n", &ctx.namespace, "-l", "app=shop"]);
    watcher.expect(&["Service/front", ": Success"], LIVE);
    create::<ConfigMap>(
        &ctx,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  labels: {app: shop}\n",
    )
    .await;
    watcher.expect(&["ConfigMap/late", ": Success"], LIVE);
    Api::<Service>::namespaced(ctx.client.clone(), &ctx.namespace)
        .delete("front", &DeleteParams::default())
        .await
        .unwrap();
    watcher.expect(&["Service/front", ": gone"], LIVE);
    let stdout = watcher.interrupt();
    let listed = rows(&stdout);
    assert!(listed.contains(&"ConfigMap/late".to_string()), "{stdout}");
    assert!(!listed.contains(&"Service/front".to_string()), "{stdout}");
}

async fn all_namespaces(ctx: TestContext) {
    let app = ctx.namespace.clone(); // unique across the cluster
    let other = format!("{}-b", ctx.namespace);
    let namespaces = Api::<Namespace>::all(ctx.client.clone());
    let ns: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": other}})).unwrap();
    namespaces
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let cm = |name: &str| -> ConfigMap {
        serde_json::from_value(
            serde_json::json!({"metadata": {"name": name, "labels": {"app": app}}}),
        )
        .unwrap()
    };
    Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &cm("here"))
        .await
        .unwrap();
    Api::<ConfigMap>::namespaced(ctx.client.clone(), &other)
        .create(&PostParams::default(), &cm("there"))
        .await
        .unwrap();
    let selector = format!("app={app}");
    let output = ctx.kstatus(&["watch", "-A", "-l", &selector, "--once"], None);
    let _ = namespaces.delete(&other, &DeleteParams::background()).await;
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout
            .lines()
            .next()
            .unwrap_or_default()
            .contains("NAMESPACE"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ConfigMap/here") && l.contains(&ctx.namespace)),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ConfigMap/there") && l.contains(&other)),
        "{stdout}"
    );
}

async fn attach_to_manifests(ctx: TestContext) {
    // Another tool applied these; kstatus only watches them.
    let web = labelled_deployment("web", "shop", SERVE);
    create::<Deployment>(&ctx, &web).await;
    let manifest = ctx.manifest("app.yaml", &web);
    let path = manifest.to_str().unwrap();
    let settled = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "-f",
            path,
            "--until",
            "settled",
            "--stabilization",
            "1s",
            "--timeout",
            "60s",
        ],
        None,
    );
    assert_eq!(settled.status.code(), Some(0), "{}", describe(&settled));

    // A named object that does not exist shows as not found, and the app is not done.
    let with_missing =
        format!("{web}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: missing\n");
    let manifest = ctx.manifest("more.yaml", &with_missing);
    let once = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "-f",
            manifest.to_str().unwrap(),
            "--once",
        ],
        None,
    );
    assert_eq!(once.status.code(), Some(3), "{}", describe(&once));
    let stdout = String::from_utf8_lossy(&once.stdout);
    let row = stdout
        .lines()
        .find(|l| l.starts_with("ConfigMap/missing"))
        .unwrap_or_default();
    assert!(row.contains("not found"), "{stdout}");
    let configmaps = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    assert!(
        configmaps.get_opt("missing").await.unwrap().is_none(),
        "watch never applies"
    );
}

async fn unprivileged_user_exits_5(ctx: TestContext) {
    let output = ctx.kstatus(
        &[
            "watch",
            "--context",
            "unprivileged",
            "-n",
            &ctx.namespace,
            "-l",
            "app=shop",
            "--once",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs list and watch on deployments.apps"),
        "{stderr}"
    );
    assert!(
        stderr.contains("none of the watched kinds can be read"),
        "{stderr}"
    );
}

async fn partial_permissions_warn(ctx: TestContext) {
    deploy_shop(&ctx, "shop").await;
    // The unprivileged user may read Deployments (and their children) in this namespace only.
    let role: Role = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "read-workloads"},
        "rules": [{"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": ["get", "list", "watch"]},
                  {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    }))
    .unwrap();
    Api::<Role>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    let binding: RoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "read-workloads"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-workloads"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kstatus-unprivileged"}]
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();
    let output = ctx.kstatus(
        &[
            "watch",
            "--context",
            "unprivileged",
            "-n",
            &ctx.namespace,
            "-l",
            "app=shop",
            "--once",
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot watch services in namespace"),
        "{}",
        describe(&output)
    );
    assert!(
        stderr.contains("needs list and watch on services"),
        "{}",
        describe(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut found = rows(&stdout);
    found.sort();
    assert_eq!(
        found,
        ["Deployment/api", "Deployment/web"],
        "continues with what it can read: {}",
        describe(&output)
    );
}
