//! `--logs` end to end: the lines of a crash-looping container, instance after instance, each
//! once and redacted; and nothing of a healthy pod once it is Ready.

use std::collections::BTreeSet;

use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, command};
use crate::support::{TestContext, create, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "logs_crash_loop_lines_of_each_instance_once_and_redacted",
            crash_loop_lines,
        ),
        e2e(
            "logs_healthy_pod_is_not_followed_once_ready",
            healthy_pod_not_followed_once_ready,
        ),
        e2e(
            "logs_watch_follows_a_labelled_crash_loop",
            watch_follows_a_crash_loop,
        ),
    ]
}

/// The log lines of `container` in plain progress: what follows `Pod/… CONTAINER | `.
fn log_lines<'a>(stderr: &'a str, container: &str) -> Vec<&'a str> {
    let separator = format!(" {container} | ");
    stderr
        .lines()
        .filter_map(|line| {
            let (head, text) = line.split_once(&separator)?;
            head.contains(" Pod/").then_some(text)
        })
        .collect()
}

async fn crash_loop_lines(ctx: TestContext) {
    const VALUE: &str = "t0ken-do-not-print-42";
    // Each instance counts itself in an emptyDir (it survives restarts), so every instance's
    // line is distinct and a line printed twice is a duplicate.
    let script = "n=$$(cat /data/n 2>/dev/null || echo 0); n=$$((n+1)); echo $$n > /data/n; \
                  echo \"instance $$n connecting with token=$$API_TOKEN\"; \
                  echo \"instance $$n giving up\" >&2; exit 1";
    let manifest = format!(
        r#"apiVersion: v1
kind: Secret
metadata:
  name: api
stringData:
  token: {VALUE}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: flaky
spec:
  replicas: 1
  selector: {{matchLabels: {{app: flaky}}}}
  template:
    metadata: {{labels: {{app: flaky}}}}
    spec:
      volumes:
      - name: data
        emptyDir: {{}}
      containers:
      - name: app
        image: {BUSYBOX}
        command: {command}
        volumeMounts:
        - {{name: data, mountPath: /data}}
        env:
        - name: API_TOKEN
          valueFrom:
            secretKeyRef: {{name: api, key: token}}
"#,
        command = command(script)
    );
    let events = ctx.manifest("events.ndjson", "");
    let events_arg = format!("ndjson={}", events.display());
    // The window keeps the run going through a few restarts (back-off 10s, then 20s).
    let run = ctx.apply(
        &manifest,
        &[
            "--logs",
            "--stabilization",
            "25s",
            "--timeout",
            "120s",
            "--events",
            &events_arg,
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.text);
    let events = std::fs::read_to_string(&events).expect("the event stream");
    assert!(
        !run.all().contains(VALUE) && !events.contains(VALUE),
        "leaked the secret: {}\n{events}",
        run.text
    );
    let lines = log_lines(&run.stderr, "app");
    assert!(
        lines.contains(&"instance 1 connecting with token=[redacted]"),
        "the first instance's line, redacted: {}",
        run.text
    );
    let instances: BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("instance ")?.split(' ').next())
        .collect();
    assert!(
        instances.len() >= 2,
        "lines of at least two instances: {instances:?}\n{}",
        run.text
    );
    let mut seen = BTreeSet::new();
    for line in &lines {
        assert!(seen.insert(*line), "{line:?} printed twice: {}", run.text);
    }
    assert!(
        lines.contains(&"instance 1 giving up"),
        "stderr of the container too: {}",
        run.text
    );
    assert!(
        events.lines().any(|e| e.contains(r#""type":"log""#)
            && e.contains(r#""container":"app""#)
            && e.contains("instance 1 connecting with token=[redacted]")),
        "a log event: {events}"
    );
}

async fn healthy_pod_not_followed_once_ready(ctx: TestContext) {
    // Ready three seconds in (the probe checks the file); `after-ready` starts four seconds
    // after that, long after the pod was reported Ready, and goes on until the run ends.
    let script = "trap 'exit 0' TERM; echo booting; echo ready-soon; sleep 3; touch /tmp/ready; \
                  sleep 4; i=0; while true; do i=$$((i+1)); echo \"after-ready $$i\"; \
                  sleep 0.2; done";
    let manifest = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: calm
spec:
  replicas: 1
  selector: {{matchLabels: {{app: calm}}}}
  template:
    metadata: {{labels: {{app: calm}}}}
    spec:
      containers:
      - name: web
        image: {BUSYBOX}
        command: {command}
        readinessProbe:
          exec: {{command: ["cat", "/tmp/ready"]}}
          periodSeconds: 1
"#,
        command = command(script)
    );
    // The window outlasts the start of the chatter by several seconds.
    let run = ctx.apply(
        &manifest,
        &["--logs", "--stabilization", "10s", "--timeout", "90s"],
    );
    assert_eq!(run.code, Some(0), "{}", run.text);
    let lines = log_lines(&run.stderr, "web");
    assert!(
        lines.contains(&"booting") && lines.contains(&"ready-soon"),
        "the lines from before it was Ready: {}",
        run.text
    );
    assert!(
        !run.all().contains("after-ready"),
        "a line written after the pod was Ready: {}",
        run.text
    );
    assert!(!run.stderr.contains("warning:"), "{}", run.text);
}

async fn watch_follows_a_crash_loop(ctx: TestContext) {
    // Deployed by someone else; `watch` only reads, the logs too.
    let script = "echo 'worker: queue url missing' >&2; sleep 1; exit 1";
    let manifest = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  labels: {{app: jobs}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: jobs}}}}
  template:
    metadata: {{labels: {{app: jobs}}}}
    spec:
      containers:
      - name: worker
        image: {BUSYBOX}
        command: {command}
"#,
        command = command(script)
    );
    create::<k8s_openapi::api::apps::v1::Deployment>(&ctx, &manifest).await;
    let run = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "-l",
            "app=jobs",
            "--until",
            "settled",
            "--stabilization",
            "3s",
            "--timeout",
            "90s",
            "--progress",
            "plain",
            "--logs",
        ],
        None,
    );
    assert_eq!(run.status.code(), Some(1), "{}", describe(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let lines = log_lines(&stderr, "worker");
    assert!(
        lines.contains(&"worker: queue url missing"),
        "{}",
        describe(&run)
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(" Pod/worker-")
                && l.ends_with(" worker | worker: queue url missing")),
        "{}",
        describe(&run)
    );
}
