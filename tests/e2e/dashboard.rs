//! `kstatus watch --by LABEL` end to end: two labelled applications on the real node, one
//! healthy and one crash-looping, grouped into one row each, in the table, the report and live.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::Api;
use kube::api::{Patch, PatchParams};
use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, CRASH, SERVE, command};
use crate::support::{TestContext, create, describe, e2e};
use crate::watch::Watcher;

const BY: &str = "app.kubernetes.io/instance";

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "dashboard_once_shows_a_row_per_application_and_exits_1",
            once_shows_a_row_per_application,
        ),
        e2e(
            "dashboard_live_says_when_an_application_changes",
            live_says_when_an_application_changes,
        ),
    ]
}

/// A Deployment of application `instance` whose busybox pod runs `script`. The pods carry the
/// label too (as charts label them): they must still count only through their Deployment.
fn deployment(name: &str, instance: &str, script: &str) -> String {
    let command = command(script);
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{{BY}: {instance}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{component: {name}}}}}
  template:
    metadata: {{labels: {{component: {name}, {BY}: {instance}}}}}
    spec:
      containers:
      - name: {name}
        image: {BUSYBOX}
        command: {command}
"#
    )
}

/// `healthy` (a serving Deployment, a Service and a ConfigMap), `broken` (a crash-looping
/// Deployment) and an unlabelled ConfigMap that belongs to no application.
async fn deploy(ctx: &TestContext) {
    create::<Deployment>(ctx, &deployment("web", "healthy", SERVE)).await;
    create::<Service>(
        ctx,
        &format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {{{BY}: healthy}}\n\
             spec:\n  selector: {{component: web}}\n  ports: [{{port: 80}}]\n"
        ),
    )
    .await;
    create::<ConfigMap>(
        ctx,
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  labels: {{{BY}: healthy}}\n"),
    )
    .await;
    create::<Deployment>(ctx, &deployment("worker", "broken", CRASH)).await;
    create::<ConfigMap>(
        ctx,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unlabelled\n",
    )
    .await;
}

/// Waits (with kstatus itself) until `healthy` is in Success and `broken` settled in Error: the
/// crash loop is visible.
fn wait_for_the_crash_loop(ctx: &TestContext) {
    let healthy = format!("{BY}=healthy");
    let ready = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "--by",
            BY,
            "-l",
            &healthy,
            "--until",
            "success",
            "--stabilization",
            "1s",
            "--timeout",
            "90s",
            "--progress",
            "none",
        ],
        None,
    );
    assert_eq!(ready.status.code(), Some(0), "{}", describe(&ready));
    let broken = format!("{BY}=broken");
    let settled = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "--by",
            BY,
            "-l",
            &broken,
            "--until",
            "settled",
            "--stabilization",
            "2s",
            "--timeout",
            "90s",
            "--progress",
            "none",
        ],
        None,
    );
    assert_eq!(settled.status.code(), Some(1), "{}", describe(&settled));
}

/// The data rows of the dashboard table: (application, status, the rest of the line).
fn rows(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("APPLICATION"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (words[0].to_string(), words[2].to_string(), l.to_string())
        })
        .collect()
}

async fn once_shows_a_row_per_application(ctx: TestContext) {
    deploy(&ctx).await;
    wait_for_the_crash_loop(&ctx);

    let once = ctx.kstatus(&["watch", "-n", &ctx.namespace, "--by", BY, "--once"], None);
    assert_eq!(once.status.code(), Some(1), "{}", describe(&once));
    let stdout = String::from_utf8_lossy(&once.stdout);
    let header = stdout.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("APPLICATION  NAMESPACE")
            && header.contains("IN PROGRESS  ERROR  MESSAGE"),
        "{}",
        describe(&once)
    );
    let found = rows(&stdout);
    assert_eq!(found.len(), 2, "{}", describe(&once));
    let (broken, healthy) = (&found[0], &found[1]);
    assert_eq!(
        (broken.0.as_str(), broken.1.as_str()),
        ("broken", "Error"),
        "{}",
        describe(&once)
    );
    assert!(
        broken.2.contains("Deployment/worker: 1/1 pods:") && broken.2.contains("(exit 1)"),
        "{}",
        describe(&once)
    );
    assert_eq!(
        (healthy.0.as_str(), healthy.1.as_str()),
        ("healthy", "Success"),
        "{}",
        describe(&once)
    );
    // Three objects in Success; the pod and ReplicaSet are counted through the Deployment.
    let counts: Vec<&str> = healthy.2.split_whitespace().skip(3).collect();
    assert_eq!(counts, ["3", "0", "0"], "{}", describe(&once));
    assert!(!stdout.contains("unlabelled"), "{}", describe(&once));

    let json = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "--by",
            BY,
            "--once",
            "-o",
            "json",
        ],
        None,
    );
    assert_eq!(json.status.code(), Some(1), "{}", describe(&json));
    let report: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("the report is JSON");
    let applications = report["applications"].as_array().expect("applications[]");
    assert_eq!(applications.len(), 2, "{report:#}");
    let app = |name: &str| {
        applications
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("no application {name}: {report:#}"))
    };
    let broken = app("broken");
    assert_eq!(broken["namespace"], ctx.namespace.as_str());
    assert_eq!(broken["status"], "Error");
    assert_eq!(
        broken["objects"],
        serde_json::json!({"success": 0, "inProgress": 0, "error": 1, "timedOut": 0})
    );
    let message = broken["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Deployment/worker: 1/1 pods:"),
        "{report:#}"
    );
    let healthy = app("healthy");
    assert_eq!(healthy["status"], "Success");
    assert_eq!(
        healthy["objects"],
        serde_json::json!({"success": 3, "inProgress": 0, "error": 0, "timedOut": 0})
    );
    // The objects are still listed, and only the labelled top-level ones.
    let mut names: Vec<String> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ConfigMap/web-settings",
            "Deployment/web",
            "Deployment/worker",
            "Service/web"
        ],
        "{report:#}"
    );

    // `-l` narrows the applications: the healthy one alone exits 0.
    let narrowed = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "--by",
            BY,
            "-l",
            &format!("{BY}=healthy"),
            "--once",
        ],
        None,
    );
    assert_eq!(narrowed.status.code(), Some(0), "{}", describe(&narrowed));
    let found = rows(&String::from_utf8_lossy(&narrowed.stdout));
    assert_eq!(found.len(), 1, "{}", describe(&narrowed));
}

const LIVE: Duration = Duration::from_secs(90);

async fn live_says_when_an_application_changes(ctx: TestContext) {
    deploy(&ctx).await;
    wait_for_the_crash_loop(&ctx);
    let mut watcher = Watcher::start(&ctx, &["-n", &ctx.namespace, "--by", BY]);
    // The first lines come in the order the watches list the objects: either may be first, and
    // either may pass through In progress while its children are listed.
    let (mut broken, mut healthy) = (false, false);
    while !(broken && healthy) {
        let line = watcher.expect(&["app "], LIVE);
        if line.contains("app broken -n") && line.contains("Error: Deployment/worker: ") {
            assert!(line.contains("(exit 1)"), "{line}");
            broken = true;
        }
        if line.contains("app healthy -n") && line.ends_with("Success") {
            healthy = true;
        }
    }

    // The broken application is fixed: its rollout goes through and it turns Success.
    let patch = serde_json::json!({"spec": {"template": {"spec": {"containers": [
        {"name": "worker", "command": ["sh", "-c", SERVE]}
    ]}}}});
    Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace)
        .patch("worker", &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .unwrap();
    watcher.expect(&["app broken -n", "Error → "], LIVE);
    watcher.expect(&["app broken -n", "→ Success"], LIVE);
    let stdout = watcher.interrupt();
    let found = rows(&stdout);
    assert_eq!(
        found
            .iter()
            .map(|r| (r.0.as_str(), r.1.as_str()))
            .collect::<Vec<_>>(),
        [("broken", "Success"), ("healthy", "Success")],
        "{stdout}"
    );
}
