//! `kstatus apply` end to end: the real binary against the real control plane, asserting exit
//! code, verdict and the key message for every failure mode it claims to detect.

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use libtest_mimic::Trial;

use crate::support::pods::{
    BUSYBOX, CRASH, CRASH_LOG_LINE, MISSING_IMAGE, READY_THEN_CRASH, SERVE, TASK_FAILS, TASK_OK,
    command, job,
};
use crate::support::{TestContext, create, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e("apply_healthy_app_succeeds", healthy_app_succeeds),
        e2e(
            "apply_crash_loop_fails_fast_with_cause_and_log",
            crash_loop_fails_fast,
        ),
        e2e("apply_image_pull_failure_fails", image_pull_failure_fails),
        e2e(
            "apply_missing_config_fails_with_config_error",
            missing_config_fails,
        ),
        e2e(
            "apply_failing_init_container_fails",
            failing_init_container_fails,
        ),
        e2e("apply_oom_killed_container_fails", oom_killed_fails),
        e2e(
            "apply_crashing_sidecar_container_fails",
            crashing_sidecar_fails,
        ),
        e2e(
            "apply_ready_then_crash_inside_window_fails",
            ready_then_crash_fails,
        ),
        e2e(
            "apply_never_ready_times_out_naming_the_object",
            never_ready_times_out,
        ),
        e2e(
            "apply_unschedulable_times_out_with_scheduler_reason",
            unschedulable_times_out,
        ),
        e2e("apply_job_success_and_failure", jobs_succeed_and_fail),
        e2e("apply_job_without_waiting", job_without_waiting),
        e2e(
            "apply_crd_and_custom_resource_in_one_file",
            crd_and_custom_resource,
        ),
        e2e(
            "apply_invalid_or_badly_named_document_applies_nothing",
            invalid_document_applies_nothing,
        ),
        e2e(
            "apply_conflict_names_the_other_manager",
            conflict_names_other_manager,
        ),
        e2e(
            "apply_unprivileged_user_is_rejected",
            unprivileged_user_rejected,
        ),
        e2e(
            "apply_unreachable_server_exits_5_quickly",
            unreachable_server,
        ),
        e2e(
            "apply_rollout_to_crashing_revision_fails",
            rollout_to_crashing_revision_fails,
        ),
        e2e(
            "apply_unchanged_app_again_succeeds_promptly",
            reapply_unchanged_succeeds,
        ),
        e2e(
            "apply_secret_values_never_printed",
            secret_values_never_printed,
        ),
        e2e(
            "apply_rejection_quoting_a_secret_value_prints_it_redacted",
            rejection_quoting_a_secret_is_redacted,
        ),
        e2e(
            "apply_server_dry_run_persists_nothing",
            server_dry_run_persists_nothing,
        ),
        e2e("apply_ci_outputs_github_junit_and_events", ci_outputs),
        e2e("apply_sigterm_prints_the_snapshot_and_exits_143", |ctx| {
            interrupted(ctx, "TERM", 143)
        }),
        e2e("apply_sigint_prints_the_snapshot_and_exits_130", |ctx| {
            interrupted(ctx, "INT", 130)
        }),
        e2e(
            "apply_requests_carry_the_kstatus_user_agent",
            requests_carry_user_agent,
        ),
        e2e(
            "apply_ports_without_protocol_apply_and_reapply",
            ports_without_protocol_apply_and_reapply,
        ),
        e2e(
            "apply_adopts_what_kubectl_apply_deployed",
            adopts_what_kubectl_apply_deployed,
        ),
        e2e(
            "apply_adopt_none_keeps_the_kubectl_conflict",
            adopt_none_keeps_the_kubectl_conflict,
        ),
        e2e(
            "apply_fields_of_other_managers_still_conflict",
            other_managers_still_conflict,
        ),
        e2e(
            "apply_takes_over_objects_from_before_server_side_apply",
            takes_over_objects_from_before_server_side_apply,
        ),
    ]
}

/// A Deployment of busybox pods running `script`.
fn deployment(name: &str, replicas: u32, script: &str) -> String {
    deployment_of(name, replicas, BUSYBOX, script)
}

fn deployment_of(name: &str, replicas: u32, image: &str, script: &str) -> String {
    let command = command(script);
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  progressDeadlineSeconds: 600
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        command: {command}
"#
    )
}

/// A Deployment whose pod runs but never becomes Ready: its readiness probe always fails.
fn never_ready_deployment(name: &str) -> String {
    let mut manifest = deployment(name, 1, SERVE);
    manifest.push_str("        readinessProbe:\n          exec: {command: [\"false\"]}\n          periodSeconds: 2\n");
    manifest
}

async fn healthy_app_succeeds(ctx: TestContext) {
    let manifest = format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  token: not-for-printing
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
---
{deploy}"#,
        ns = ctx.namespace,
        deploy = deployment("web", 3, SERVE),
    );
    let run = ctx.apply(&manifest, &["--stabilization", "2s"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(run.stdout.contains("verdict: Success"), "{}", run.text);
    for object in [
        "Namespace/",
        "ConfigMap/settings",
        "Secret/creds",
        "Service/web",
        "Deployment/web",
    ] {
        let row = run
            .stdout
            .lines()
            .find(|l| l.starts_with(object))
            .unwrap_or_else(|| panic!("{object} row: {}", run.text));
        assert!(row.contains("Success"), "{row}");
    }
    assert!(
        run.stdout.contains("3 of 3 updated replicas are available"),
        "{}",
        run.text
    );
    assert!(
        run.stderr.contains("application: Success"),
        "plain progress lines: {}",
        run.text
    );
}

async fn crash_loop_fails_fast(ctx: TestContext) {
    let run = ctx.apply(&deployment("api", 2, CRASH), &["--stabilization", "3s"]);
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(run.stdout.contains("verdict: Error"), "{}", run.text);
    assert!(
        run.stdout.contains("CrashLoopBackOff") || run.stdout.contains("Error (exit 1)"),
        "{}",
        run.text
    );
    assert!(
        run.stdout.contains("container \"api\""),
        "names the container: {}",
        run.text
    );
    assert!(
        run.stdout.contains(&format!("| {CRASH_LOG_LINE}")),
        "shows the crashed container's last log line: {}",
        run.text
    );
    assert!(
        run.stdout
            .contains("chain:      Deployment/api → ReplicaSet/api-"),
        "{}",
        run.text
    );
    // The kubelet's back-off sentence is in the card's reason, not again in its container line.
    let card = run
        .stdout
        .split("✗ Deployment/api")
        .nth(1)
        .unwrap_or_default();
    assert!(
        card.matches("restarting failed container=api").count() <= 1,
        "{}",
        run.text
    );
    // Long before the 600s progress deadline: the window plus a few seconds.
    assert!(
        run.elapsed < Duration::from_secs(20),
        "took {:?}",
        run.elapsed
    );
}

async fn image_pull_failure_fails(ctx: TestContext) {
    let run = ctx.apply(
        &deployment_of("web", 1, MISSING_IMAGE, SERVE),
        &["--stabilization", "2s"],
    );
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(
        run.stdout.contains("ErrImagePull") || run.stdout.contains("ImagePullBackOff"),
        "{}",
        run.text
    );
}

async fn missing_config_fails(ctx: TestContext) {
    let manifest = r#"apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "echo mode=$MODE; sleep 3600"]
    env:
    - name: MODE
      valueFrom:
        configMapKeyRef: {name: missing-settings, key: mode}
"#;
    let run = ctx.apply(manifest, &["--stabilization", "2s"]);
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(
        run.stdout.contains("CreateContainerConfigError"),
        "{}",
        run.text
    );
    assert!(
        run.stdout.contains("missing-settings"),
        "the kubelet's message names it: {}",
        run.text
    );
}

async fn failing_init_container_fails(ctx: TestContext) {
    let manifest = r#"apiVersion: v1
kind: Pod
metadata:
  name: migrate
spec:
  initContainers:
  - name: migrate
    image: busybox:1.36
    command: ["sh", "-c", "echo 'migration failed: table locked' >&2; exit 1"]
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "sleep 3600"]
"#;
    let run = ctx.apply(manifest, &["--stabilization", "2s"]);
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(run.stdout.contains("container \"migrate\""), "{}", run.text);
}

async fn oom_killed_fails(ctx: TestContext) {
    // `exec`: dd itself is the container's process, so the kernel's OOM kill ends the container
    // (with a shell in between only the child would die).
    let manifest = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: hungry
spec:
  replicas: 1
  selector:
    matchLabels: {app: hungry}
  template:
    metadata:
      labels: {app: hungry}
    spec:
      containers:
      - name: cache
        image: busybox:1.36
        command: ["sh", "-c", "exec dd if=/dev/zero of=/dev/null bs=256M"]
        resources:
          limits: {memory: 32Mi}
"#;
    let run = ctx.apply(manifest, &["--stabilization", "3s"]);
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(run.stdout.contains("OOMKilled"), "{}", run.text);
    assert!(run.stdout.contains("exit 137"), "{}", run.text);
    assert!(run.stdout.contains("container \"cache\""), "{}", run.text);
}

/// The sidecar pattern of this server's era (native sidecars need 1.28): a second container
/// next to the app. The app is healthy; the proxy beside it crash-loops, and that fails the
/// Deployment, naming the proxy.
async fn crashing_sidecar_fails(ctx: TestContext) {
    let manifest = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: app
        image: busybox:1.36
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
      - name: proxy
        image: busybox:1.36
        command: ["sh", "-c", "echo 'proxy: cannot load certificate /tls/tls.crt' >&2; exit 1"]
"#;
    let run = ctx.apply(manifest, &["--stabilization", "3s"]);
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(run.stdout.contains("container \"proxy\""), "{}", run.text);
    assert!(
        run.stdout.contains("proxy: cannot load certificate"),
        "the proxy's own log line: {}",
        run.text
    );
    assert!(
        !run.stdout.contains("in container \"app\""),
        "the healthy app is not blamed: {}",
        run.text
    );
}

async fn ready_then_crash_fails(ctx: TestContext) {
    // Ready after a moment, crashes about 3 s later: inside the 6 s window, so Success must not
    // be declared.
    let run = ctx.apply(
        &deployment("flaky", 1, READY_THEN_CRASH),
        &["--stabilization", "6s"],
    );
    assert_eq!(run.code, Some(1), "{}", run.text);
    // The progress log shows Success first, then the crash turning it into Error.
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("Deployment/flaky -n"))
        .collect();
    let success = lines.iter().position(|l| l.contains(": Success: "));
    let error_after = success.and_then(|s| lines[s..].iter().position(|l| l.contains(": Error: ")));
    assert!(error_after.is_some(), "Success, then Error: {}", run.text);
}

async fn never_ready_times_out(ctx: TestContext) {
    let run = ctx.apply(
        &never_ready_deployment("slow"),
        &["--timeout", "6s", "--stabilization", "1s"],
    );
    assert_eq!(run.code, Some(3), "{}", run.text);
    assert!(run.stdout.contains("verdict: Timed out"), "{}", run.text);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Deployment/slow"))
        .expect("row");
    assert!(row.contains("Timed out"), "{row}");
    assert!(
        row.contains("0 of 1 updated replicas are available"),
        "last message: {row}"
    );
}

async fn unschedulable_times_out(ctx: TestContext) {
    let manifest = r#"apiVersion: v1
kind: Pod
metadata:
  name: greedy
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "sleep 3600"]
    resources: {requests: {cpu: "1000"}}
"#;
    let run = ctx.apply(manifest, &["--timeout", "5s", "--stabilization", "1s"]);
    assert_eq!(run.code, Some(3), "{}", run.text);
    assert!(
        run.stderr.contains("In progress") && run.stderr.contains("Insufficient cpu"),
        "{}",
        run.text
    );
    assert!(run.stdout.contains("Insufficient cpu"), "{}", run.text);
}

async fn jobs_succeed_and_fail(ctx: TestContext) {
    let ok = ctx.apply(&job("ok", TASK_OK), &["--stabilization", "1s"]);
    assert_eq!(ok.code, Some(0), "{}", ok.text);
    assert!(ok.stdout.contains("Job/ok"), "{}", ok.text);
    let failed = ctx.apply(&job("fails", TASK_FAILS), &["--stabilization", "1s"]);
    assert_eq!(failed.code, Some(1), "{}", failed.text);
    assert!(
        failed.stdout.contains("BackoffLimitExceeded"),
        "the Job's reason: {}",
        failed.text
    );
}

async fn job_without_waiting(ctx: TestContext) {
    // This Job would run for ever; without waiting for jobs, created is enough.
    let run = ctx.apply(
        &job("forever", SERVE),
        &["--wait-for-jobs=false", "--stabilization", "1s"],
    );
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(run.elapsed < Duration::from_secs(15), "{:?}", run.elapsed);
}

async fn crd_and_custom_resource(ctx: TestContext) {
    let group = format!("{}.kstatus.dev", ctx.namespace);
    let manifest = format!(
        r#"apiVersion: widgets.{group}/v1
kind: Widget
metadata:
  name: first
spec:
  size: 3
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.widgets.{group}
spec:
  group: widgets.{group}
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"#
    );
    let run = ctx.apply(&manifest, &["--stabilization", "1s"]);
    let crds = Api::<CustomResourceDefinition>::all(ctx.client.clone());
    let _ = crds
        .delete(
            &format!("widgets.widgets.{group}"),
            &DeleteParams::default(),
        )
        .await;
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(run.stdout.contains("Widget.widgets."), "{}", run.text);
}

/// Input problems stop the run before anything is sent: neither invalid YAML in a third
/// document nor a name the API server would refuse in a second lets the objects before them
/// apply.
async fn invalid_document_applies_nothing(ctx: TestContext) {
    let configmap =
        |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
    let cases = [
        (
            format!(
                "{}---\n{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [three\n",
                configmap("one"),
                configmap("two")
            ),
            "app.yaml:14 (document 3): invalid YAML",
        ),
        (
            format!(
                "{}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: Bad_Name!\n",
                configmap("one")
            ),
            "app.yaml:6 (document 2): metadata.name \"Bad_Name!\" is not a valid Deployment name",
        ),
    ];
    let configmaps = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    for (manifest, problem) in cases {
        let run = ctx.apply(&manifest, &[]);
        assert_eq!(run.code, Some(2), "{}", run.text);
        assert!(
            run.stderr.contains(problem),
            "names file, line, document and problem: {}",
            run.text
        );
        assert!(run.stderr.contains("nothing was applied"), "{}", run.text);
        for name in ["one", "two"] {
            assert!(
                configmaps.get_opt(name).await.unwrap().is_none(),
                "{name} must not exist"
            );
        }
    }
}

async fn conflict_names_other_manager(ctx: TestContext) {
    let configmaps = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    let theirs = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "shared"}, "data": {"mode": "slow"}
    });
    configmaps
        .patch(
            "shared",
            &PatchParams::apply("other-tool"),
            &Patch::Apply(&theirs),
        )
        .await
        .expect("the other manager applies first");
    let manifest =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  mode: fast\n";
    let run = ctx.apply(manifest, &[]);
    assert_eq!(run.code, Some(4), "{}", run.text);
    assert!(
        run.stderr.contains("other-tool"),
        "names the other manager: {}",
        run.text
    );
    assert!(
        run.stderr.contains("--force-conflicts"),
        "says what to do: {}",
        run.text
    );
    let forced = ctx.apply(manifest, &["--force-conflicts", "--stabilization", "0"]);
    assert_eq!(forced.code, Some(0), "{}", forced.text);
    let data = configmaps.get("shared").await.unwrap().data.unwrap();
    assert_eq!(data["mode"], "fast");
}

async fn unprivileged_user_rejected(ctx: TestContext) {
    let path = ctx.manifest(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nope\n",
    );
    let output = ctx.kstatus(
        &[
            "apply",
            "--context",
            "unprivileged",
            "-n",
            &ctx.namespace,
            "-f",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("forbidden"), "{stderr}");
    assert!(stderr.contains("ConfigMap/nope"), "{stderr}");
}

async fn unreachable_server(ctx: TestContext) {
    let kubeconfig = ctx.manifest(
        "unreachable.kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:1\n\
         users:\n- name: u\n  user:\n    token: x\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    \
         user: u\ncurrent-context: gone\n",
    );
    let path = ctx.manifest(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    let started = Instant::now();
    let output = ctx.kstatus(
        &[
            "apply",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "-f",
            path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot reach the API server"),
        "{}",
        describe(&output)
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "quickly: {:?}",
        started.elapsed()
    );
}

async fn rollout_to_crashing_revision_fails(ctx: TestContext) {
    let healthy = ctx.apply(&deployment("web", 2, SERVE), &["--stabilization", "1s"]);
    assert_eq!(healthy.code, Some(0), "{}", healthy.text);
    let broken = ctx.apply(&deployment("web", 2, CRASH), &["--stabilization", "3s"]);
    assert_eq!(broken.code, Some(1), "{}", broken.text);
    assert!(
        broken.stdout.contains("container \"web\""),
        "{}",
        broken.text
    );
    // The old revision still serves: its pods were never replaced.
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace)
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    let old_running = pods.items.iter().filter(|p| {
        let command = &p.spec.as_ref().unwrap().containers[0].command;
        let ready = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        command.as_ref().and_then(|c| c.last()).map(String::as_str) == Some(SERVE) && ready
    });
    assert!(old_running.count() >= 1, "old pods still run");
}

async fn reapply_unchanged_succeeds(ctx: TestContext) {
    let manifest = deployment("web", 2, SERVE);
    let first = ctx.apply(&manifest, &["--stabilization", "1s"]);
    assert_eq!(first.code, Some(0), "{}", first.text);
    let again = ctx.apply(&manifest, &["--stabilization", "1s"]);
    assert_eq!(again.code, Some(0), "{}", again.text);
    assert!(
        again.elapsed < Duration::from_secs(5),
        "promptly: {:?}",
        again.elapsed
    );
}

async fn secret_values_never_printed(ctx: TestContext) {
    const VALUE: &str = "pa55-w0rd-do-not-print";
    let manifest = format!(
        r#"apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: {VALUE}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: leaky
spec:
  replicas: 1
  selector: {{matchLabels: {{app: leaky}}}}
  template:
    metadata: {{labels: {{app: leaky}}}}
    spec:
      containers:
      - name: leaky
        image: busybox:1.36
        command: ["sh", "-c", "echo \"using password $DB_PASSWORD\" >&2; exit 1"]
        env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {{name: db, key: password}}
"#
    );
    for format in ["table", "json", "yaml"] {
        let run = ctx.apply(&manifest, &["--stabilization", "2s", "-o", format]);
        assert_eq!(run.code, Some(1), "{}", run.text);
        assert!(
            !run.all().contains(VALUE),
            "-o {format} leaked the secret: {}",
            run.text
        );
        assert!(
            run.all().contains("using password [redacted]"),
            "-o {format}: {}",
            run.text
        );
        if format == "json" {
            let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
            assert_eq!(report["outcome"], "Error");
            assert_eq!(report["schema"], "kstatus.dev/report/v1");
        }
    }
}

/// The API server's rejection quotes the invalid value; when that value is a Secret's, the error
/// printed on the way out is redacted like everything else.
async fn rejection_quoting_a_secret_is_redacted(ctx: TestContext) {
    // A data key with spaces is invalid, and the server's message names the key twice.
    const VALUE: &str = "open sesame 42";
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: door\nstringData:\n  word: {VALUE}\n\
         ---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: door-note\ndata:\n  \
         {VALUE}: x\n"
    );
    let run = ctx.apply(&manifest, &[]);
    assert_eq!(run.code, Some(4), "{}", run.text);
    assert!(run.stderr.contains("ConfigMap/door-note"), "{}", run.text);
    assert!(run.stderr.contains("[redacted]"), "{}", run.text);
    assert!(
        !run.all().contains(VALUE),
        "the rejection leaked the secret: {}",
        run.text
    );
}

async fn server_dry_run_persists_nothing(ctx: TestContext) {
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trial\ndata:\n  a: b\n";
    let run = ctx.apply(manifest, &["--dry-run", "server"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(run.stderr.contains("ConfigMap/trial -n"), "{}", run.text);
    assert!(
        run.stderr.contains("validated (server dry run)"),
        "{}",
        run.text
    );
    let configmaps = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    assert!(
        configmaps.get_opt("trial").await.unwrap().is_none(),
        "nothing persisted"
    );

    // The server validates: an invalid object (a data key with spaces, which kstatus does not
    // check) is rejected even in a dry run.
    let invalid =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trial\ndata:\n  not a key: x\n";
    let run = ctx.apply(invalid, &["--dry-run", "server"]);
    assert_eq!(run.code, Some(4), "{}", run.text);
    assert!(run.stderr.contains("invalid"), "{}", run.text);
}

/// A signal during tracking prints the snapshot so far and exits 128 + the signal number.
async fn interrupted(ctx: TestContext, signal: &'static str, code: i32) {
    let path = ctx.manifest("app.yaml", &never_ready_deployment("slow"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args([
            "apply",
            "-n",
            &ctx.namespace,
            "-f",
            path.to_str().unwrap(),
            "--progress",
            "plain",
        ])
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting kstatus");
    // Wait until tracking has started (the object shows up in the progress log).
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace);
    crate::support::wait_until("the Deployment's pod", Duration::from_secs(60), || async {
        let list = pods
            .list(&ListParams::default().labels("app=slow"))
            .await
            .ok()?;
        (!list.items.is_empty()).then_some(())
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || {
        let _ = &mut child;
        child.wait_with_output()
    })
    .await
    .unwrap()
    .expect("kstatus finished");
    assert_eq!(output.status.code(), Some(code), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let row = stdout
        .lines()
        .find(|l| l.starts_with("Deployment/slow"))
        .unwrap_or_default();
    assert!(
        row.contains("In progress"),
        "the snapshot so far: {}",
        describe(&output)
    );
    let by = if signal == "TERM" {
        "stopped by SIGTERM"
    } else {
        "stopped by Ctrl-C (SIGINT)"
    };
    let verdict = stdout
        .lines()
        .find(|l| l.starts_with("verdict: Interrupted after "))
        .unwrap_or_else(|| panic!("no verdict line: {}", describe(&output)));
    // Said once: the elapsed time is not repeated in the reason.
    assert!(verdict.ends_with(&format!("s: {by}")), "{verdict}");
}

/// GitHub Actions mode, JUnit and NDJSON in one failing run: the annotation points at the file
/// and line of the failing object, the summary lists every object, the JUnit file has the right
/// counts, and every event line parses and covers every status change.
async fn ci_outputs(ctx: TestContext) {
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n---\n{}",
        deployment("api", 1, CRASH)
    );
    let path = ctx.manifest("app.yaml", &manifest);
    let dir = path.parent().unwrap().to_path_buf();
    let summary = dir.join("summary.md");
    let junit = dir.join("junit.xml");
    let events = dir.join("events.ndjson");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args([
            "apply",
            "-n",
            &ctx.namespace,
            "-f",
            path.to_str().unwrap(),
            "--stabilization",
            "2s",
        ])
        .arg(format!("--junit={}", junit.display()))
        .arg(format!("--events=ndjson={}", events.display()))
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    // The Deployment is document 2, starting on line 8.
    let annotation = format!(
        "::error file={},line=8,title=Deployment/api Error::",
        path.display()
    );
    assert!(stdout.contains(&annotation), "{}", describe(&output));
    assert!(
        !stdout.contains("title=ConfigMap"),
        "only failed objects are annotated"
    );
    assert!(
        stderr.starts_with("::group::kstatus apply progress"),
        "{}",
        describe(&output)
    );
    assert!(stderr.contains("::endgroup::"), "{}", describe(&output));

    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.starts_with("# earlier step\n### ❌ kstatus apply: Error"),
        "appended: {summary}"
    );
    assert!(
        summary.contains("| `ConfigMap/settings` |") && summary.contains("| `Deployment/api` |"),
        "{summary}"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    let document =
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is XML: {e}\n{xml}"));
    let suites = document.root_element();
    assert_eq!(
        (suites.attribute("tests"), suites.attribute("failures")),
        (Some("2"), Some("1")),
        "{xml}"
    );
    let cases: Vec<_> = suites
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2, "{xml}");
    let failures: Vec<_> = suites
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1, "{xml}");
    assert_eq!(failures[0].attribute("type"), Some("Error"));
    let failed_case = failures[0]
        .parent()
        .and_then(|c| c.attribute("name"))
        .unwrap_or_default();
    assert!(failed_case.ends_with("/Deployment/api"), "{xml}");
    assert!(
        failures[0]
            .text()
            .unwrap_or_default()
            .contains(CRASH_LOG_LINE),
        "carries the card: {xml}"
    );

    let text = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let statuses = |name: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|e| e["type"] == "status" && e["object"]["name"] == name)
            .map(|e| e["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        statuses("settings").last().map(String::as_str),
        Some("Success"),
        "{text}"
    );
    let api = statuses("api");
    assert_eq!(
        api.first().map(String::as_str),
        Some("InProgress"),
        "{text}"
    );
    assert_eq!(api.last().map(String::as_str), Some("Error"), "{text}");
    let verdict = lines.last().unwrap();
    assert_eq!(
        (verdict["type"].as_str(), verdict["outcome"].as_str()),
        (Some("verdict"), Some("Error"))
    );
    // Every status change is in the stream: consecutive events of an object differ.
    for name in ["settings", "api"] {
        let messages: Vec<(&str, &str)> = lines
            .iter()
            .filter(|e| e["type"] == "status" && e["object"]["name"] == name)
            .map(|e| {
                (
                    e["status"].as_str().unwrap(),
                    e["message"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(messages.windows(2).all(|w| w[0] != w[1]), "{messages:?}");
    }
}

/// Every request of a run, its watches included, names kstatus in the API server's audit log
/// (the local cluster writes one; an external cluster's log is out of reach, and the header
/// itself is covered by tests/cli.rs).
async fn requests_carry_user_agent(ctx: TestContext) {
    let audit_log = crate::support::audit_log_mark(&ctx);
    let manifest =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";
    let run = ctx.apply(manifest, &["--stabilization", "1s"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    let Some((path, start)) = audit_log else {
        return;
    };
    let user_agent = format!("kstatus/{} (", env!("CARGO_PKG_VERSION"));
    let is_kstatus = |agent: &str| agent.starts_with(&user_agent) && agent.ends_with(')');
    // The API server writes an entry when a request completes, a watch's when it starts.
    let mut requests = Vec::new();
    for _ in 0..50 {
        requests = audit_entries(&path, start, &ctx.namespace);
        let seen = |verb: &str| {
            requests
                .iter()
                .any(|(v, agent)| v == verb && is_kstatus(agent))
        };
        if seen("patch") && seen("watch") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "no apply (patch) and watch with user agent {user_agent}…) in {} for namespace {}; \
         requests there (verb, user agent): {requests:?}\n{}",
        path.display(),
        ctx.namespace,
        run.text
    );
}

/// (verb, user agent) of the audit entries about `namespace` written after byte `start`.
fn audit_entries(path: &std::path::Path, start: u64, namespace: &str) -> Vec<(String, String)> {
    crate::support::audit_entries(path, start, namespace)
        .iter()
        .map(|entry| {
            let field = |name: &str| entry[name].as_str().unwrap_or_default().to_string();
            (field("verb"), field("userAgent"))
        })
        .collect()
}

/// A Deployment and a Service as people write them: no `protocol` on any port. `release` goes
/// into an environment variable; `legacy_flag` adds a second one.
fn ordinary_app(release: &str, legacy_flag: bool) -> String {
    let command = command(SERVE);
    let legacy = if legacy_flag {
        "\n        - {name: LEGACY_FLAG, value: \"on\"}"
    } else {
        ""
    };
    format!(
        r#"apiVersion: apps/v1
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
        ports:
        - containerPort: 8080
        env:
        - {{name: RELEASE, value: "{release}"}}{legacy}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports:
  - port: 80
    targetPort: 8080
"#
    )
}

/// `kubectl apply -f` of `manifest` in the test's namespace, as a user deployed before kstatus.
fn kubectl_apply(ctx: &TestContext, manifest: &str) {
    let path = ctx.manifest("kubectl.yaml", manifest);
    let output = ctx.kubectl(&["apply", "-f", path.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "kubectl apply: {}",
        describe(&output)
    );
}

/// (name, value) of the web container's environment.
async fn web_env(ctx: &TestContext) -> Vec<(String, String)> {
    let deployment = Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace)
        .get("web")
        .await
        .expect("the Deployment exists");
    let containers = deployment.spec.unwrap().template.spec.unwrap().containers;
    containers[0]
        .env
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|var| (var.name, var.value.unwrap_or_default()))
        .collect()
}

fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// The field managers recorded on the web Deployment.
async fn web_managers(ctx: &TestContext) -> Vec<String> {
    let deployment = Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace)
        .get("web")
        .await
        .expect("the Deployment exists");
    deployment
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.manager)
        .collect()
}

async fn ports_without_protocol_apply_and_reapply(ctx: TestContext) {
    let manifest = ordinary_app("v1", false);
    let first = ctx.apply(&manifest, &["--stabilization", "1s"]);
    assert_eq!(first.code, Some(0), "{}", first.text);
    assert!(first.stdout.contains("verdict: Success"), "{}", first.text);
    let again = ctx.apply(&manifest, &["--stabilization", "1s"]);
    assert_eq!(again.code, Some(0), "{}", again.text);
    assert!(!again.stderr.contains("conflict"), "{}", again.text);
    let service = Api::<Service>::namespaced(ctx.client.clone(), &ctx.namespace)
        .get("web")
        .await
        .expect("the Service exists");
    let ports = service.spec.unwrap().ports.unwrap();
    assert_eq!(ports[0].protocol.as_deref(), Some("TCP"));
}

async fn adopts_what_kubectl_apply_deployed(ctx: TestContext) {
    kubectl_apply(&ctx, &ordinary_app("v1", true));
    let ns = &ctx.namespace;

    let run = ctx.apply(&ordinary_app("v2", false), &["--stabilization", "1s"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    for object in ["Deployment/web", "Service/web"] {
        let line = format!("{object} -n {ns}: adopted fields from kubectl-client-side-apply");
        assert!(
            run.stderr.contains(&line),
            "progress names the adoption: {}",
            run.text
        );
    }
    // The new value is in, and what the manifest no longer has is gone at once.
    assert_eq!(web_env(&ctx).await, env_of(&[("RELEASE", "v2")]));
    let managers = web_managers(&ctx).await;
    assert!(managers.contains(&"kstatus".to_string()), "{managers:?}");
    assert!(
        !managers.contains(&"kubectl-client-side-apply".to_string()),
        "{managers:?}"
    );

    // Nothing is left to adopt: a second run is an ordinary apply.
    let again = ctx.apply(&ordinary_app("v2", false), &["--stabilization", "1s"]);
    assert_eq!(again.code, Some(0), "{}", again.text);
    assert!(!again.stderr.contains("adopted"), "{}", again.text);

    // A later client-side `kubectl apply` still works, and kstatus takes its fields back.
    kubectl_apply(&ctx, &ordinary_app("v3", false));
    assert_eq!(web_env(&ctx).await, env_of(&[("RELEASE", "v3")]));
    let back = ctx.apply(&ordinary_app("v4", false), &["--stabilization", "1s"]);
    assert_eq!(back.code, Some(0), "{}", back.text);
    assert!(
        back.stderr.contains(&format!(
            "Deployment/web -n {ns}: adopted fields from kubectl-client-side-apply"
        )),
        "{}",
        back.text
    );
    assert_eq!(web_env(&ctx).await, env_of(&[("RELEASE", "v4")]));
}

async fn adopt_none_keeps_the_kubectl_conflict(ctx: TestContext) {
    kubectl_apply(&ctx, &ordinary_app("v1", false));
    let v2 = ordinary_app("v2", false);

    let refused = ctx.apply(&v2, &["--adopt", "none"]);
    assert_eq!(refused.code, Some(4), "{}", refused.text);
    assert!(
        refused
            .stderr
            .contains("conflict with \"kubectl-client-side-apply\""),
        "names kubectl's manager: {}",
        refused.text
    );
    assert!(!refused.stderr.contains("adopted"), "{}", refused.text);

    // A server dry run says what a real run would adopt, and changes nothing.
    let dry = ctx.apply(&v2, &["--dry-run", "server"]);
    assert_eq!(dry.code, Some(0), "{}", dry.text);
    assert!(
        dry.stderr.contains(&format!(
            "Deployment/web -n {}: would adopt fields from kubectl-client-side-apply",
            ctx.namespace
        )),
        "{}",
        dry.text
    );
    assert_eq!(web_env(&ctx).await, env_of(&[("RELEASE", "v1")]));
    assert!(
        web_managers(&ctx)
            .await
            .contains(&"kubectl-client-side-apply".to_string())
    );
}

async fn other_managers_still_conflict(ctx: TestContext) {
    kubectl_apply(
        &ctx,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: slow\n",
    );
    let configmaps = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    let theirs = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings"}, "data": {"team": "blue"}
    });
    configmaps
        .patch(
            "settings",
            &PatchParams::apply("other-team"),
            &Patch::Apply(&theirs),
        )
        .await
        .expect("the other team applies its field");

    // `mode` is kubectl's (adoptable), `team` is other-team's: the conflict stands, nothing is
    // adopted.
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  \
                    mode: fast\n  team: red\n";
    let run = ctx.apply(manifest, &[]);
    assert_eq!(run.code, Some(4), "{}", run.text);
    assert!(
        run.stderr.contains("with \"other-team\""),
        "names the other manager: {}",
        run.text
    );
    assert!(run.stderr.contains("--force-conflicts"), "{}", run.text);
    let settings = configmaps.get("settings").await.unwrap();
    let managers: Vec<String> = settings
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.manager)
        .collect();
    assert!(
        managers.contains(&"kubectl-client-side-apply".to_string()),
        "nothing adopted: {managers:?}"
    );
    assert_eq!(settings.data.unwrap()["mode"], "slow");

    // Agreeing with other-team leaves only kubectl's field in the way: adopted.
    let agreed = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  \
                  mode: fast\n  team: blue\n";
    let run = ctx.apply(agreed, &["--stabilization", "0"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(
        run.stderr
            .contains("adopted fields from kubectl-client-side-apply"),
        "{}",
        run.text
    );
    assert_eq!(
        configmaps.get("settings").await.unwrap().data.unwrap()["mode"],
        "fast"
    );
}

/// Objects created before server-side apply existed (or whose managedFields were cleared) have
/// none: the server then names their fields `before-first-apply`. kstatus takes only the fields
/// its manifest changes, never the Service's allocated cluster IP.
async fn takes_over_objects_from_before_server_side_apply(ctx: TestContext) {
    let v1 = ordinary_app("v1", false);
    let (deployment, service) = v1.split_once("---\n").unwrap();
    create::<Deployment>(&ctx, deployment).await;
    create::<Service>(&ctx, service).await;
    // A list with one empty entry is the API's way to say "no managedFields".
    let clear = || {
        let patch = serde_json::json!([
            {"op": "replace", "path": "/metadata/managedFields", "value": [{}]}
        ]);
        Patch::<()>::Json(serde_json::from_value(patch).unwrap())
    };
    let deployments = Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace);
    let services = Api::<Service>::namespaced(ctx.client.clone(), &ctx.namespace);
    let params = PatchParams::default();
    deployments
        .patch("web", &params, &clear())
        .await
        .expect("clearing the Deployment's managedFields");
    services
        .patch("web", &params, &clear())
        .await
        .expect("clearing the Service's managedFields");
    let cluster_ip = services.get("web").await.unwrap().spec.unwrap().cluster_ip;
    assert!(cluster_ip.is_some());

    let run = ctx.apply(&ordinary_app("v2", false), &["--stabilization", "1s"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(
        run.stderr.contains(&format!(
            "Deployment/web -n {}: adopted fields from before-first-apply",
            ctx.namespace
        )),
        "{}",
        run.text
    );
    assert_eq!(web_env(&ctx).await, env_of(&[("RELEASE", "v2")]));
    let again = ctx.apply(&ordinary_app("v2", false), &["--stabilization", "1s"]);
    assert_eq!(again.code, Some(0), "{}", again.text);
    assert_eq!(
        services.get("web").await.unwrap().spec.unwrap().cluster_ip,
        cluster_ip
    );
}
