//! Secret fingerprints end to end: an apply that changes one key of a Secret says exactly which,
//! with fingerprints computed here independently, and no value in any output; a watch sees a
//! Secret changed under it; a user who may not read Secrets still applies them.

use std::time::Duration;

use base64::Engine;
use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::PostParams;
use libtest_mimic::Trial;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::pods::{BUSYBOX, SERVE, command};
use crate::support::{TestContext, create, describe, e2e, wait_until};
use crate::watch::Watcher;

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "fingerprints_apply_reports_the_changed_key_and_no_value",
            apply_reports_the_changed_key,
        ),
        e2e(
            "fingerprints_watch_sees_a_secret_changed_while_watched",
            watch_sees_a_secret_change,
        ),
        e2e(
            "fingerprints_without_get_secrets_apply_warns_and_shows_fingerprints",
            without_get_secrets,
        ),
        e2e(
            "fingerprints_values_read_from_the_cluster_are_redacted",
            values_read_from_the_cluster_are_redacted,
        ),
    ]
}

const SALT: &str = "e2e-salt-Qz7";
const OLD_PASSWORD: &str = "old-Pa55word-Kx9";
const NEW_PASSWORD: &str = "new-Pa55word-Vw4";
const USER: &str = "app-user-Jm2";

/// `sha256:` and 12 hex digits of SHA-256(salt ‖ value), as the README defines it.
fn expected_fingerprint(salt: &str, value: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(value.as_bytes())
        .finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{}", &hex[..12])
}

fn b64(value: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(value)
}

/// Every form a value could leak in.
fn forms(values: &[&str]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| [v.to_string(), b64(v)])
        .collect()
}

fn assert_no_value(place: &str, text: &str, values: &[&str]) {
    for form in forms(values) {
        assert!(
            !text.contains(&form),
            "{form:?} appears in {place}:\n{text}"
        );
    }
}

/// The Secret (base64 `data`) and a Deployment whose pod reads it.
fn manifest(password: &str) -> String {
    let command = command(SERVE);
    format!(
        r#"apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: {password}
  user: {user}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: {BUSYBOX}
        command: {command}
        envFrom:
        - secretRef: {{name: db}}
"#,
        password = b64(password),
        user = b64(USER),
    )
}

async fn apply_reports_the_changed_key(ctx: TestContext) {
    let common = ["--timeout", "120s", "--stabilization", "1s"];
    // The first run takes the salt from the environment.
    let path = ctx.manifest("v1.yaml", &manifest(OLD_PASSWORD));
    let first = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args(["apply", "-n", &ctx.namespace, "--progress", "plain", "-f"])
        .arg(&path)
        .args(common)
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .env("KSTATUS_FINGERPRINT_SALT", SALT)
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let text = describe(&first);
    assert_eq!(first.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "Secret/db -n {}: Created: password, user",
            ctx.namespace
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "password  {}  added",
            expected_fingerprint(SALT, OLD_PASSWORD)
        )),
        "the fingerprints block: {text}"
    );
    assert_no_value("the first run", &text, &[OLD_PASSWORD, USER, SALT]);

    // The second run changes the password only, with every output on.
    let path = ctx.manifest("v2.yaml", &manifest(NEW_PASSWORD));
    let dir = path.parent().unwrap().to_path_buf();
    let events = dir.join("events.ndjson");
    let junit = dir.join("junit.xml");
    let summary = dir.join("summary.md");
    let events_flag = format!("ndjson={}", events.display());
    let second = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args(["apply", "-n", &ctx.namespace, "--progress", "plain", "-f"])
        .arg(&path)
        .args(common)
        .args(["--fingerprint-salt", SALT, "-o", "json"])
        .args(["--events", &events_flag, "--junit"])
        .arg(&junit)
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("KSTATUS_FINGERPRINT_SALT")
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let text = describe(&second);
    assert_eq!(second.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&second.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&second.stderr).into_owned();
    let sentence = "Updated: password changed, user unchanged";
    assert!(
        stderr.contains(&format!("Secret/db -n {}: {sentence}", ctx.namespace)),
        "the progress line: {text}"
    );

    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["fingerprintSalt"], "given", "{stdout}");
    let secret = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Secret")
        .expect("the Secret in the report");
    assert_eq!(secret["message"], sentence, "{stdout}");
    let keys = serde_json::json!([
        {"key": "password", "fingerprint": expected_fingerprint(SALT, NEW_PASSWORD), "change": "changed"},
        {"key": "user", "fingerprint": expected_fingerprint(SALT, USER), "change": "unchanged"},
    ]);
    assert_eq!(secret["secret"]["keys"], keys, "{stdout}");

    let events = std::fs::read_to_string(&events).unwrap();
    let line: Value = events
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["type"] == "secret")
        .unwrap_or_else(|| panic!("no secret event in:\n{events}"));
    assert_eq!(line["object"]["name"], "db", "{events}");
    assert_eq!(line["keys"], keys, "{events}");

    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(
        junit.contains(&format!(
            "password {} changed",
            expected_fingerprint(SALT, NEW_PASSWORD)
        )) && junit.contains("<system-out>"),
        "{junit}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains(&format!(
            "| `Secret/db` | {} | Success | {sentence} |",
            ctx.namespace
        )),
        "{summary}"
    );

    let values = [OLD_PASSWORD, NEW_PASSWORD, USER, SALT];
    assert_no_value("stdout", &stdout, &values);
    assert_no_value("stderr", &stderr, &values);
    assert_no_value("the events", &events, &values);
    assert_no_value("the JUnit report", &junit, &values);
    assert_no_value("the step summary", &summary, &values);
}

async fn watch_sees_a_secret_change(ctx: TestContext) {
    create::<Secret>(
        &ctx,
        &format!(
            "metadata: {{name: creds, labels: {{app: vault}}}}\nstringData: {{password: {OLD_PASSWORD}, user: {USER}}}\n"
        ),
    )
    .await;
    let mut watcher = Watcher::start(&ctx, &["-n", &ctx.namespace, "-l", "app=vault"]);
    watcher.expect(&["Secret/creds", ": Success"], Duration::from_secs(60));
    let patch = format!(r#"{{"stringData":{{"password":"{NEW_PASSWORD}"}}}}"#);
    let patched = ctx.kubectl(&["patch", "secret", "creds", "--type", "merge", "-p", &patch]);
    assert!(patched.status.success(), "{}", describe(&patched));
    let line = watcher.expect(
        &["Secret/creds", "password changed (sha256:", " → sha256:"],
        Duration::from_secs(60),
    );
    assert!(!line.contains("user"), "only the changed key: {line}");
    let (stdout, stderr) = watcher.interrupt_with_progress();
    assert!(
        stdout.contains("Changed: password changed, user unchanged"),
        "{stdout}"
    );
    assert!(stdout.contains("Secret fingerprints"), "{stdout}");
    let values = [OLD_PASSWORD, NEW_PASSWORD, USER];
    assert_no_value("stdout", &stdout, &values);
    assert_no_value("stderr", &stderr, &values);
}

async fn without_get_secrets(ctx: TestContext) {
    // The unprivileged user may apply and watch Secrets in this namespace, not read one.
    let role: Role = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "apply-secrets"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "patch", "list", "watch"]},
                  {"apiGroups": [""], "resources": ["events"], "verbs": ["list", "watch"]}]
    }))
    .unwrap();
    Api::<Role>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    let binding: RoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "apply-secrets"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "apply-secrets"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kstatus-unprivileged"}]
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\nstringData: {{password: {OLD_PASSWORD}}}\n"
    );
    let run = ctx.apply(
        &secret,
        &[
            "--context",
            "unprivileged",
            "--stabilization",
            "0",
            "--fingerprint-salt",
            SALT,
        ],
    );
    assert_eq!(run.code, Some(0), "applied all the same: {}", run.text);
    assert_eq!(
        run.stderr
            .matches("cannot read Secrets before applying them: forbidden")
            .count(),
        1,
        "warned once: {}",
        run.text
    );
    assert!(
        run.stdout.contains("Applied: password (not compared)")
            && run
                .stdout
                .contains(&expected_fingerprint(SALT, OLD_PASSWORD)),
        "{}",
        run.text
    );
    assert_no_value("the output", &run.all(), &[OLD_PASSWORD, SALT]);
}

/// A labelled Secret and a Deployment whose container prints its password, then crashes.
fn leaky_app(password: &str) -> String {
    let command = command("echo \"password is $$PASSWORD\" >&2; exit 1");
    format!(
        r#"apiVersion: v1
kind: Secret
metadata:
  name: leaky
  labels: {{app: leak}}
stringData:
  password: {password}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: leaky
  labels: {{app: leak}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: leaky}}
  template:
    metadata:
      labels: {{app: leaky}}
    spec:
      containers:
      - name: app
        image: {BUSYBOX}
        command: {command}
        env:
        - name: PASSWORD
          valueFrom: {{secretKeyRef: {{name: leaky, key: password}}}}
"#
    )
}

/// Values no manifest of the run carries are hidden too: `watch` learns them from the Secrets it
/// watches, `apply` from the Secret it reads before changing it (the old password a crashing pod
/// still prints).
async fn values_read_from_the_cluster_are_redacted(ctx: TestContext) {
    let path = ctx.manifest("leaky-v1.yaml", &leaky_app(OLD_PASSWORD));
    let applied = ctx.kubectl(&["apply", "-f", path.to_str().unwrap()]);
    assert!(applied.status.success(), "{}", describe(&applied));
    // The crash loop is under way (a first crash seen), so the watch judges it an Error rather
    // than a pod briefly up.
    let pods: Api<Pod> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    wait_until(
        "a restart of the leaky pod",
        Duration::from_secs(90),
        || async {
            let list = pods.list(&Default::default()).await.ok()?;
            list.items
                .iter()
                .flat_map(|p| {
                    p.status
                        .iter()
                        .flat_map(|s| s.container_statuses.iter().flatten())
                })
                .any(|c| c.restart_count >= 1)
                .then_some(())
        },
    )
    .await
    .unwrap();
    let watched = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args([
            "watch",
            "-n",
            &ctx.namespace,
            "-l",
            "app=leak",
            "--until",
            "settled",
        ])
        .args([
            "--stabilization",
            "2s",
            "--timeout",
            "120s",
            "--progress",
            "plain",
        ])
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .output()
        .expect("kstatus runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&watched.stdout),
        String::from_utf8_lossy(&watched.stderr),
    );
    assert_eq!(watched.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("password is [redacted]"),
        "the crash log is shown, redacted:\n{stdout}"
    );
    assert_no_value("watch stdout", &stdout, &[OLD_PASSWORD]);
    assert_no_value("watch stderr", &stderr, &[OLD_PASSWORD]);

    // The apply carries only the new password; the pod may still print the old one.
    let run = ctx.apply(
        &leaky_app(NEW_PASSWORD),
        &["--stabilization", "1s", "--timeout", "120s", "--logs"],
    );
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(run.text.contains("password is [redacted]"), "{}", run.text);
    assert_no_value("apply output", &run.text, &[OLD_PASSWORD, NEW_PASSWORD]);
}
