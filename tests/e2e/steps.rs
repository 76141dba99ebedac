//! `kstatus apply --steps` end to end: a step is applied only once the previous one succeeded,
//! and a failing step ends the run with the later steps never applied.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::DeleteParams;
use libtest_mimic::Trial;
use serde_json::Value;

use crate::support::pods::{BUSYBOX, CRASH, SERVE, command};
use crate::support::{TestContext, crd, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "steps_failing_first_step_never_applies_the_second",
            failing_first_step_never_applies_the_second,
        ),
        e2e(
            "steps_second_step_starts_after_the_first_succeeded",
            second_step_starts_after_the_first_succeeded,
        ),
        e2e(
            "steps_crd_of_an_earlier_step_serves_the_kind_of_a_later_one",
            crd_of_an_earlier_step_serves_a_later_one,
        ),
    ]
}

fn deployment(name: &str, script: &str) -> String {
    let command = command(script);
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
      containers:
      - name: {name}
        image: {BUSYBOX}
        command: {command}
"#
    )
}

fn config_map(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  greeting: hello\n"
    )
}

/// Writes the manifests of a step directory (`01-db/`) under the test's manifest directory and
/// returns that directory.
fn step_dir(ctx: &TestContext, name: &str, files: &[(&str, String)]) -> std::path::PathBuf {
    let base = ctx.manifest("unused.yaml", "");
    let _ = std::fs::remove_file(&base);
    let dir = base.parent().unwrap().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        std::fs::write(dir.join(file), content).unwrap();
    }
    dir
}

async fn failing_first_step_never_applies_the_second(ctx: TestContext) {
    step_dir(&ctx, "01-db", &[("db.yaml", deployment("db", CRASH))]);
    let second = ctx.manifest(
        "02-app.yaml",
        &format!(
            "{}---\n{}",
            config_map("app-settings"),
            deployment("web", SERVE)
        ),
    );
    let dir = second.parent().unwrap().to_path_buf();
    let events = dir.join("events.ndjson");
    let summary = dir.join("summary.md");
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .current_dir(&dir)
        .args([
            "apply",
            "--steps",
            "-n",
            &ctx.namespace,
            "-f",
            "01-db/",
            "-f",
            "02-app.yaml",
            "--progress",
            "plain",
            "--stabilization",
            "2s",
            "--timeout",
            "90s",
        ])
        .arg(format!("--events=ndjson={}", events.display()))
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let text = describe(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(stdout.contains("Step 1/2 01-db/ — Error ("), "{text}");
    assert!(
        stdout.contains("Step 2/2 02-app.yaml — not started"),
        "{text}"
    );
    assert!(
        stdout.contains("verdict: Error after ") && stdout.contains(": step 1/2 01-db/: "),
        "the verdict names the step that decided it: {text}"
    );
    assert!(stderr.contains("step 1/2 01-db/: applying"), "{text}");
    assert!(stderr.contains("step 1/2 01-db/: Error after "), "{text}");
    assert!(!stderr.contains("step 2/2 02-app.yaml: applying"), "{text}");
    assert!(
        stderr.starts_with("::group::kstatus apply step 1/2 01-db/"),
        "{text}"
    );
    assert!(!stderr.contains("Deployment/web"), "{text}");

    // Nothing of the second step reached the cluster.
    let configmaps: Api<ConfigMap> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    assert!(configmaps.get_opt("app-settings").await.unwrap().is_none());
    assert!(deployments.get_opt("web").await.unwrap().is_none());
    assert!(deployments.get_opt("db").await.unwrap().is_some());

    let events = std::fs::read_to_string(&events).unwrap();
    let steps: Vec<(String, i64, String)> = events
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|event| event["type"] == "step")
        .map(|event| {
            (
                event["step"].as_str().unwrap().to_string(),
                event["index"].as_i64().unwrap(),
                event["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("01-db/".to_string(), 1, "started".to_string()),
            ("01-db/".to_string(), 1, "Error".to_string())
        ],
        "{events}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("#### Step 1/2 01-db/ — Error")
            && summary.contains("#### Step 2/2 02-app.yaml — not started"),
        "{summary}"
    );
}

async fn second_step_starts_after_the_first_succeeded(ctx: TestContext) {
    // The Job reads the ConfigMap of the first step: were it run before, its pod could not
    // start (and kstatus would call that an Error).
    let job = format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: {BUSYBOX}
        command: {command}
        env:
        - name: GREETING
          valueFrom:
            configMapKeyRef: {{name: settings, key: greeting}}
"#,
        command = command("test \"$$GREETING\" = hello && echo migrated")
    );
    step_dir(
        &ctx,
        "01-db",
        &[
            ("config.yaml", config_map("settings")),
            ("db.yaml", deployment("db", SERVE)),
        ],
    );
    let second = ctx.manifest("02-migrate.yaml", &job);
    let dir = second.parent().unwrap().to_path_buf();
    let junit = dir.join("junit.xml");
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .current_dir(&dir)
        .args([
            "apply",
            "--steps",
            "-n",
            &ctx.namespace,
            "-f",
            "01-db/",
            "-f",
            "02-migrate.yaml",
            "--stabilization",
            "2s",
            "--timeout",
            "120s",
            "-o",
            "json",
        ])
        .arg(format!("--junit={}", junit.display()))
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let text = describe(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["outcome"], "Success", "{text}");
    let objects: Vec<&str> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(objects, ["settings", "db", "migrate"], "{text}");
    let steps = report["steps"].as_array().expect("steps[]");
    let summary: Vec<(&str, i64, &str, usize)> = steps
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["index"].as_i64().unwrap(),
                s["outcome"].as_str().unwrap(),
                s["objects"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("01-db/", 1, "Success", 2),
            ("02-migrate.yaml", 2, "Success", 1)
        ],
        "{text}"
    );
    // The first step held Success for its window before the second was applied.
    assert!(
        steps[0]["elapsedSeconds"].as_f64().unwrap() >= 2.0,
        "{text}"
    );

    // The Job was created after the Deployment became available (timestamps are whole
    // seconds; the 2 s window lies between the two).
    let deployments: Api<Deployment> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    let jobs: Api<Job> = Api::namespaced(ctx.client.clone(), &ctx.namespace);
    let db = deployments.get("db").await.unwrap();
    let available = db
        .status
        .and_then(|s| s.conditions)
        .unwrap_or_default()
        .into_iter()
        .find(|c| c.type_ == "Available" && c.status == "True")
        .and_then(|c| c.last_transition_time)
        .expect("the Deployment is available");
    let created = jobs
        .get("migrate")
        .await
        .unwrap()
        .metadata
        .creation_timestamp
        .expect("a creation time");
    assert!(
        created.0 > available.0,
        "Job created at {:?}, Deployment available at {:?}",
        created.0,
        available.0
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    let document =
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is XML: {e}\n{xml}"));
    let suites: Vec<(Option<&str>, Option<&str>)> = document
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .map(|s| (s.attribute("name"), s.attribute("tests")))
        .collect();
    assert_eq!(
        suites,
        [
            (Some("01-db/"), Some("2")),
            (Some("02-migrate.yaml"), Some("1"))
        ],
        "{xml}"
    );
}

/// The kind of a CustomResourceDefinition applied by the first step is resolved once that step
/// has applied it; the other way round is refused before anything is applied.
async fn crd_of_an_earlier_step_serves_a_later_one(ctx: TestContext) {
    let group = format!("widgets.{}.kstatus.dev", ctx.namespace);
    let crd = crd(&group, "widgets", "Widget", "v1", "Namespaced");
    let widget = format!("apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: first\n");
    let crd_path = ctx.manifest("01-crd.yaml", &crd);
    let widget_path = ctx.manifest("02-widget.yaml", &widget);
    let run = |first: &std::path::Path, second: &std::path::Path| {
        ctx.kstatus(
            &[
                "apply",
                "--steps",
                "-n",
                &ctx.namespace,
                "-f",
                first.to_str().unwrap(),
                "-f",
                second.to_str().unwrap(),
                "--stabilization",
                "1s",
                "--timeout",
                "90s",
            ],
            None,
        )
    };

    let backwards = run(&widget_path, &crd_path);
    let text = describe(&backwards);
    assert_eq!(backwards.status.code(), Some(2), "{text}");
    assert!(
        String::from_utf8_lossy(&backwards.stderr).contains("in a later step"),
        "{text}"
    );
    let crds = Api::<CustomResourceDefinition>::all(ctx.client.clone());
    assert!(
        crds.get_opt(&format!("widgets.{group}"))
            .await
            .unwrap()
            .is_none(),
        "nothing applied: {text}"
    );

    let output = run(&crd_path, &widget_path);
    let _ = crds
        .delete(&format!("widgets.{group}"), &DeleteParams::default())
        .await;
    let text = describe(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("— Success"), "{text}");
    assert!(stdout.contains("Widget."), "{text}");
}
