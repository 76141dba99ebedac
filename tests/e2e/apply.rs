//! `kstatus apply` end to end: the real binary against the real control plane, asserting exit
//! code, verdict and the key message for every failure mode it claims to detect.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use libtest_mimic::Trial;

use crate::support::{TestContext, describe, e2e};

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
            "apply_invalid_third_document_applies_nothing",
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
    ]
}

/// A finished run: exit code, stdout, stderr, and how long it took.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    text: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

fn apply(ctx: &TestContext, manifest: &str, extra: &[&str]) -> Run {
    let path = ctx.manifest("app.yaml", manifest);
    let path = path.to_str().unwrap().to_string();
    let mut args = vec![
        "apply",
        "-n",
        &ctx.namespace,
        "-f",
        &path,
        "--progress",
        "plain",
    ];
    args.extend_from_slice(extra);
    let started = Instant::now();
    let output = ctx.kstatus(&args, None);
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
        text: describe(&output),
    }
}

fn deployment(name: &str, replicas: u32, image: &str) -> String {
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
"#
    )
}

/// A Deployment whose pod runs but never becomes Ready: the simulator knows the image; a real
/// kubelet (kind) runs the failing readiness probe.
fn never_ready_deployment(name: &str) -> String {
    let mut manifest = deployment(name, 1, "registry.example/never-ready:1");
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
  ports: [{{port: 80, targetPort: 8080, protocol: TCP}}]
---
{deploy}"#,
        ns = ctx.namespace,
        deploy = deployment("web", 3, "registry.example/web:1.0"),
    );
    let run = apply(&ctx, &manifest, &["--stabilization", "2s"]);
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
    let run = apply(
        &ctx,
        &deployment("api", 2, "registry.example/crashloop:2.1"),
        &["--stabilization", "3s"],
    );
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
        run.stdout
            .contains("| panic: simulated crash: cannot connect to database"),
        "shows the crashed container's last log line: {}",
        run.text
    );
    assert!(
        run.stdout
            .contains("chain:      Deployment/api → ReplicaSet/api-"),
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
    let run = apply(
        &ctx,
        &deployment("web", 1, "registry.invalid/web:does-not-exist"),
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
    image: registry.example/app:1.0
    env:
    - name: MODE
      valueFrom:
        configMapKeyRef: {name: missing-settings, key: mode}
"#;
    let run = apply(&ctx, manifest, &["--stabilization", "2s"]);
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
    image: registry.example/migrate-crashloop:3
  containers:
  - name: app
    image: registry.example/app:1.0
"#;
    let run = apply(&ctx, manifest, &["--stabilization", "2s"]);
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(run.stdout.contains("container \"migrate\""), "{}", run.text);
}

async fn ready_then_crash_fails(ctx: TestContext) {
    // Ready after a moment, crashes about 3 s later: inside the 6 s window, so Success must not
    // be declared.
    let run = apply(
        &ctx,
        &deployment("flaky", 1, "registry.example/ready-then-crash:1"),
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
    let run = apply(
        &ctx,
        &never_ready_deployment("slow"),
        &["--timeout", "6s", "--stabilization", "1s"],
    );
    assert_eq!(run.code, Some(3), "{}", run.text);
    assert!(run.stdout.contains("verdict: TimedOut"), "{}", run.text);
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
    image: registry.example/app:1.0
    resources: {requests: {cpu: "1000"}}
"#;
    let run = apply(
        &ctx,
        manifest,
        &["--timeout", "5s", "--stabilization", "1s"],
    );
    assert_eq!(run.code, Some(3), "{}", run.text);
    assert!(
        run.stderr.contains("In progress") && run.stderr.contains("Insufficient cpu"),
        "{}",
        run.text
    );
    assert!(run.stdout.contains("Insufficient cpu"), "{}", run.text);
}

fn job(name: &str, image: &str) -> String {
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: {image}
"#
    )
}

async fn jobs_succeed_and_fail(ctx: TestContext) {
    let ok = apply(
        &ctx,
        &job("ok", "registry.example/job-ok:1"),
        &["--stabilization", "1s"],
    );
    assert_eq!(ok.code, Some(0), "{}", ok.text);
    assert!(ok.stdout.contains("Job/ok"), "{}", ok.text);
    let failed = apply(
        &ctx,
        &job("fails", "registry.example/job-fail:1"),
        &["--stabilization", "1s"],
    );
    assert_eq!(failed.code, Some(1), "{}", failed.text);
    assert!(
        failed.stdout.contains("BackoffLimitExceeded"),
        "the Job's reason: {}",
        failed.text
    );
}

async fn job_without_waiting(ctx: TestContext) {
    // This Job would run for ever; without waiting for jobs, created is enough.
    let run = apply(
        &ctx,
        &job("forever", "registry.example/server:1"),
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
    let run = apply(&ctx, &manifest, &["--stabilization", "1s"]);
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

async fn invalid_document_applies_nothing(ctx: TestContext) {
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n---\napiVersion: v1\nkind: \
                    ConfigMap\nmetadata:\n  name: two\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  \
                    name: [three\n";
    let run = apply(&ctx, manifest, &[]);
    assert_eq!(run.code, Some(2), "{}", run.text);
    assert!(
        run.stderr.contains("app.yaml:14 (document 3)"),
        "names file, line and document: {}",
        run.text
    );
    let configmaps = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    for name in ["one", "two"] {
        assert!(
            configmaps.get_opt(name).await.unwrap().is_none(),
            "{name} must not exist"
        );
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
    let run = apply(&ctx, manifest, &[]);
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
    let forced = apply(
        &ctx,
        manifest,
        &["--force-conflicts", "--stabilization", "0"],
    );
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
    let healthy = apply(
        &ctx,
        &deployment("web", 2, "registry.example/web:1.0"),
        &["--stabilization", "1s"],
    );
    assert_eq!(healthy.code, Some(0), "{}", healthy.text);
    let broken = apply(
        &ctx,
        &deployment("web", 2, "registry.example/crashloop:2.2"),
        &["--stabilization", "3s"],
    );
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
        let image = &p.spec.as_ref().unwrap().containers[0].image;
        let ready = p
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        image.as_deref() == Some("registry.example/web:1.0") && ready
    });
    assert!(old_running.count() >= 1, "old pods still run");
}

async fn reapply_unchanged_succeeds(ctx: TestContext) {
    let manifest = deployment("web", 2, "registry.example/web:1.0");
    let first = apply(&ctx, &manifest, &["--stabilization", "1s"]);
    assert_eq!(first.code, Some(0), "{}", first.text);
    let again = apply(&ctx, &manifest, &["--stabilization", "1s"]);
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
        image: registry.example/crashloop:1
        env:
        - name: SIM_LOG_LINE
          value: "using password {VALUE}"
"#
    );
    for format in ["table", "json", "yaml"] {
        let run = apply(&ctx, &manifest, &["--stabilization", "2s", "-o", format]);
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

async fn server_dry_run_persists_nothing(ctx: TestContext) {
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: trial\ndata:\n  a: b\n";
    let run = apply(&ctx, manifest, &["--dry-run", "server"]);
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

    // The server validates: an invalid object is rejected even in a dry run.
    let invalid = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n";
    let run = apply(&ctx, invalid, &["--dry-run", "server"]);
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
    assert!(
        stdout.contains("verdict: Interrupted"),
        "{}",
        describe(&output)
    );
}

/// GitHub Actions mode, JUnit and NDJSON in one failing run: the annotation points at the file
/// and line of the failing object, the summary lists every object, the JUnit file has the right
/// counts, and every event line parses and covers every status change.
async fn ci_outputs(ctx: TestContext) {
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n---\n{}",
        deployment("api", 1, "registry.example/crashloop:5")
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
            .contains("panic: simulated crash"),
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
