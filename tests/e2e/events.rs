//! Failures a real kubelet or controller reports only as Warning events (a missing Secret
//! volume, a sandbox that cannot be created, pods a quota forbids), and a run that survives a
//! restart of the API server: the real binary against the local cluster.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, ResourceQuota};
use k8s_openapi::api::node::v1::RuntimeClass;
use kube::Api;
use kube::api::{DeleteParams, ListParams, PostParams};
use libtest_mimic::Trial;
use serde_json::Value;

use crate::support::pods::{BUSYBOX, SERVE, TASK_OK, command, job};
use crate::support::{TestContext, cluster, describe, e2e, e2e_alone, wait_until};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "events_missing_secret_volume_fails_with_failed_mount",
            missing_secret_volume_fails,
        ),
        e2e(
            "events_statefulset_forbidden_by_quota_fails_with_failed_create",
            statefulset_forbidden_by_quota_fails,
        ),
        e2e(
            "events_job_forbidden_by_quota_fails_with_failed_create",
            job_forbidden_by_quota_fails,
        ),
        e2e(
            "events_unknown_runtime_handler_fails_with_failed_create_pod_sandbox",
            unknown_runtime_handler_fails,
        ),
        e2e_alone(
            "events_api_server_restart_mid_rollout_is_told_and_survived",
            api_server_restart_is_survived,
        ),
    ]
}

/// A Deployment of one busybox pod with `extra` appended to its pod spec.
fn deployment(name: &str, pod_spec_extra: &str, container_extra: &str) -> String {
    let command = command(SERVE);
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{pod_spec_extra}      containers:
      - name: {name}
        image: {BUSYBOX}
        command: {command}
{container_extra}"#
    )
}

async fn missing_secret_volume_fails(ctx: TestContext) {
    let manifest = deployment(
        "web",
        "      volumes:\n      - name: creds\n        secret:\n          secretName: absent-secret\n",
        "        volumeMounts:\n        - name: creds\n          mountPath: /creds\n",
    );
    let run = ctx.apply(&manifest, &["--timeout", "90s", "--stabilization", "5s"]);
    assert_eq!(run.code, Some(1), "an Error, not a timeout: {}", run.text);
    assert!(
        run.elapsed < Duration::from_secs(60),
        "well before the timeout ({:?}): {}",
        run.elapsed,
        run.text
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Deployment/web"))
        .unwrap_or_default();
    assert!(
        row.contains("FailedMount") && row.contains("absent-secret"),
        "the pod's event on the Deployment's row: {}",
        run.text
    );
    assert!(
        run.stdout.contains("chain:") && run.stdout.contains("→ Pod/web-"),
        "the card leads to the pod: {}",
        run.text
    );
}

/// Creates a ResourceQuota that allows no pods, and waits until the quota controller has
/// counted the namespace (before that, admission refuses pods as "status unknown").
async fn forbid_pods(ctx: &TestContext) {
    let quota: ResourceQuota = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "no-pods"},
        "spec": {"hard": {"pods": "0"}}
    }))
    .unwrap();
    let quotas = Api::<ResourceQuota>::namespaced(ctx.client.clone(), &ctx.namespace);
    quotas.create(&PostParams::default(), &quota).await.unwrap();
    wait_until("the quota's usage", Duration::from_secs(60), || async {
        let quota = quotas.get("no-pods").await.ok()?;
        quota.status?.used?.contains_key("pods").then_some(())
    })
    .await
    .unwrap();
}

async fn statefulset_forbidden_by_quota_fails(ctx: TestContext) {
    forbid_pods(&ctx).await;
    let command = command(SERVE);
    let manifest = format!(
        r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 1
  serviceName: db
  selector:
    matchLabels: {{app: db}}
  template:
    metadata:
      labels: {{app: db}}
    spec:
      containers:
      - name: db
        image: {BUSYBOX}
        command: {command}
"#
    );
    let run = ctx.apply(&manifest, &["--timeout", "90s", "--stabilization", "5s"]);
    assert_eq!(run.code, Some(1), "an Error, not a timeout: {}", run.text);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("StatefulSet/db"))
        .unwrap_or_default();
    assert!(
        row.contains("FailedCreate") && run.stdout.contains("exceeded quota"),
        "{}",
        run.text
    );
}

async fn job_forbidden_by_quota_fails(ctx: TestContext) {
    forbid_pods(&ctx).await;
    let run = ctx.apply(
        &job("migrate", TASK_OK),
        &["--timeout", "90s", "--stabilization", "5s"],
    );
    assert_eq!(run.code, Some(1), "an Error, not a timeout: {}", run.text);
    assert!(
        run.stdout.contains("FailedCreate") && run.stdout.contains("exceeded quota"),
        "{}",
        run.text
    );
}

/// A RuntimeClass whose handler containerd does not know: the kubelet cannot create the pod's
/// sandbox and says so only in FailedCreatePodSandBox events.
async fn unknown_runtime_handler_fails(ctx: TestContext) {
    // RuntimeClasses are cluster-wide: one per test namespace, removed at the end.
    let name = ctx.namespace.clone();
    let runtime_class: RuntimeClass = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name},
        "handler": "no-such-runtime"
    }))
    .unwrap();
    let classes = Api::<RuntimeClass>::all(ctx.client.clone());
    classes
        .create(&PostParams::default(), &runtime_class)
        .await
        .unwrap();
    let manifest = deployment("web", &format!("      runtimeClassName: {name}\n"), "");
    let run = ctx.apply(&manifest, &["--timeout", "90s", "--stabilization", "5s"]);
    let _ = classes.delete(&name, &DeleteParams::default()).await;
    assert_eq!(run.code, Some(1), "an Error, not a timeout: {}", run.text);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Deployment/web"))
        .unwrap_or_default();
    assert!(row.contains("FailedCreatePodSandBox"), "{}", run.text);
}

/// The API server stops and starts again while a rollout is under way: kstatus says once that
/// the connection is lost and once that it is back (plain lines and NDJSON), reaches no verdict
/// in between, and still ends in Success.
async fn api_server_restart_is_survived(ctx: TestContext) {
    assert!(
        ctx.cluster.local,
        "this test restarts the API server, which only the local cluster allows: unset {} to run it",
        cluster::EXTERNAL_KUBECONFIG_ENV
    );
    // Ready only after a while, so that the restart falls in the middle of the rollout.
    let manifest = deployment(
        "slow",
        "",
        "        readinessProbe:\n          exec: {command: [\"true\"]}\n          initialDelaySeconds: 15\n          periodSeconds: 2\n",
    );
    let path = ctx.manifest("app.yaml", &manifest);
    let events = ctx.manifest("events.ndjson", "");
    let events_arg = format!("ndjson={}", events.display());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args([
            "apply",
            "-n",
            &ctx.namespace,
            "-f",
            path.to_str().unwrap(),
            "--progress",
            "plain",
            "--timeout",
            "180s",
            "--stabilization",
            "5s",
            "--events",
            &events_arg,
        ])
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting kstatus");
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace);
    wait_until("the Deployment's pod", Duration::from_secs(60), || async {
        let list = pods
            .list(&ListParams::default().labels("app=slow"))
            .await
            .ok()?;
        (!list.items.is_empty()).then_some(())
    })
    .await
    .unwrap();
    tokio::task::spawn_blocking(|| cluster::local_cluster(&["restart-apiserver"]))
        .await
        .unwrap()
        .unwrap_or_else(|err| panic!("restarting the API server: {err}"));
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .expect("kstatus finished");
    let text = describe(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lost = stderr.matches("connection to the API server lost").count();
    let back = stderr
        .matches("connection to the API server back after")
        .count();
    assert_eq!((lost, back), (1, 1), "said once each: {text}");
    assert!(
        stderr.find("connection to the API server lost")
            < stderr.find("connection to the API server back after"),
        "{text}"
    );

    let stream = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<Value> = stream
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON"))
        .collect();
    let of_state = |state: &str| {
        lines
            .iter()
            .find(|l| l["type"] == "connection" && l["state"] == state)
            .unwrap_or_else(|| panic!("a connection {state} event in {stream}"))
    };
    let restored = of_state("restored")["elapsedSeconds"].as_f64().unwrap();
    assert!(of_state("lost")["elapsedSeconds"].as_f64().unwrap() < restored);
    let verdict = lines.last().unwrap();
    assert_eq!(verdict["type"], "verdict", "{stream}");
    assert_eq!(verdict["outcome"], "Success", "{stream}");
    // The window starts again once the watches are back: no verdict from what may be stale.
    assert!(
        verdict["elapsedSeconds"].as_f64().unwrap() >= restored + 5.0 - 0.05,
        "{stream}"
    );
}
