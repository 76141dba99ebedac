//! No-op deploys end to end: applying again a set that is applied and healthy ends at once, with
//! a verdict saying nothing changed; one changed field brings the stabilization window back.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use kube::Api;
use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, SERVE, command};
use crate::support::{Run, TestContext, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "noop_unchanged_healthy_set_ends_at_once_and_a_change_waits_the_window",
            unchanged_set_ends_at_once,
        ),
        e2e(
            "noop_unchanged_step_ends_at_once",
            unchanged_step_ends_at_once,
        ),
        e2e(
            "noop_secret_written_with_string_data_is_unchanged_on_a_reapply",
            secret_with_string_data_is_unchanged,
        ),
    ]
}

/// The default stabilization window, which a no-op run does not wait for.
const WINDOW: Duration = Duration::from_secs(10);
/// How long a no-op run may take: connecting, one list per kind, the apply, the watches' lists.
const AT_ONCE: Duration = Duration::from_secs(2);
const NOTHING_CHANGED: &str = "nothing changed: all 3 objects were already applied and in Success";

/// A ConfigMap, a Service whose port leaves out `protocol` (kstatus fills it in) and a
/// Deployment of two serving busybox pods.
fn app(mode: &str) -> String {
    let command = command(SERVE);
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: {mode}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: {BUSYBOX}
        command: {command}
"#
    )
}

fn verdict(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|l| l.starts_with("verdict:"))
        .unwrap_or_else(|| panic!("no verdict line: {}", run.text))
}

/// Waited for the whole window, with the usual verdict.
fn assert_windowed(run: &Run, what: &str) {
    assert_eq!(run.code, Some(0), "{what}: {}", run.text);
    assert!(
        run.elapsed >= WINDOW,
        "{what}: {:?}: {}",
        run.elapsed,
        run.text
    );
    let verdict = verdict(run);
    assert!(verdict.contains("held it for 10.0s"), "{what}: {verdict}");
    assert!(!verdict.contains("nothing changed"), "{what}: {verdict}");
}

/// The resourceVersions of the three objects, to show the second apply really was a no-op.
async fn versions(ctx: &TestContext) -> Vec<Option<String>> {
    let ns = &ctx.namespace;
    let config_map = Api::<ConfigMap>::namespaced(ctx.client.clone(), ns)
        .get("settings")
        .await
        .expect("ConfigMap");
    let service = Api::<Service>::namespaced(ctx.client.clone(), ns)
        .get("web")
        .await
        .expect("Service");
    let deployment = Api::<Deployment>::namespaced(ctx.client.clone(), ns)
        .get("web")
        .await
        .expect("Deployment");
    vec![
        config_map.metadata.resource_version,
        service.metadata.resource_version,
        deployment.metadata.resource_version,
    ]
}

async fn unchanged_set_ends_at_once(ctx: TestContext) {
    let first = ctx.apply(&app("fast"), &[]);
    assert_windowed(&first, "first apply");
    let before = versions(&ctx).await;

    let again = ctx.apply(&app("fast"), &[]);
    assert_eq!(again.code, Some(0), "{}", again.text);
    assert_eq!(
        versions(&ctx).await,
        before,
        "an unchanged apply must not bump any resourceVersion"
    );
    assert!(
        again.elapsed < AT_ONCE,
        "a no-op apply took {:?}: {}",
        again.elapsed,
        again.text
    );
    let line = verdict(&again);
    assert!(
        line.starts_with("verdict: Success after") && line.ends_with(NOTHING_CHANGED),
        "{line}"
    );

    // One changed field is a change like any other: the window applies.
    let changed = ctx.apply(&app("slow"), &[]);
    assert_windowed(&changed, "apply of a changed ConfigMap");
}

async fn unchanged_step_ends_at_once(ctx: TestContext) {
    let config = ctx.manifest(
        "01-config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  level: info\n",
    );
    let steps = |app_manifest: &str| {
        let app = ctx.manifest("02-app.yaml", app_manifest);
        let args = [
            "apply",
            "--steps",
            "-n",
            &ctx.namespace,
            "-f",
            config.to_str().expect("UTF-8 path"),
            "-f",
            app.to_str().expect("UTF-8 path"),
            "--progress",
            "plain",
            "--stabilization",
            "3s",
            "-o",
            "json",
        ];
        let output = ctx.kstatus(&args, None);
        let text = crate::support::describe(&output);
        assert_eq!(output.status.code(), Some(0), "{text}");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("{err}: {text}"));
        (report, text)
    };
    steps(&app("fast"));

    // Only the second step changes: the first ends at once, the second waits its window.
    let (report, text) = steps(&app("slow"));
    let first = &report["steps"][0];
    assert_eq!(
        first["reason"], "nothing changed: all 1 objects were already applied and in Success",
        "{text}"
    );
    assert!(first["elapsedSeconds"].as_f64().unwrap() < 2.0, "{text}");
    let second = &report["steps"][1];
    assert!(
        second["reason"]
            .as_str()
            .unwrap()
            .contains("held it for 3.0s"),
        "{text}"
    );
    assert!(second["elapsedSeconds"].as_f64().unwrap() >= 3.0, "{text}");
}

/// Server-side apply of `stringData` writes a new resourceVersion every time; kstatus sends it as
/// `data`, so an unchanged Secret is a no-op like any other object.
async fn secret_with_string_data_is_unchanged(ctx: TestContext) {
    const VALUE: &str = "not-for-printing-7";
    let manifest = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: {VALUE}\n"
    );
    let first = ctx.apply(&manifest, &["--stabilization", "3s"]);
    assert_eq!(first.code, Some(0), "{}", first.text);
    let secrets = Api::<Secret>::namespaced(ctx.client.clone(), &ctx.namespace);
    let stored = secrets.get("creds").await.expect("the Secret");
    let token = stored
        .data
        .as_ref()
        .and_then(|d| d.get("token"))
        .expect("data.token");
    assert_eq!(token.0, VALUE.as_bytes(), "the value is stored as given");

    let again = ctx.apply(&manifest, &["--stabilization", "3s"]);
    assert_eq!(again.code, Some(0), "{}", again.text);
    let after = secrets.get("creds").await.expect("the Secret");
    assert_eq!(
        after.metadata.resource_version, stored.metadata.resource_version,
        "{}",
        again.text
    );
    assert!(
        again.elapsed < AT_ONCE,
        "{:?}: {}",
        again.elapsed,
        again.text
    );
    assert!(
        verdict(&again)
            .ends_with("nothing changed: all 1 objects were already applied and in Success"),
        "{}",
        again.text
    );
    assert!(!again.all().contains(VALUE), "{}", again.text);
}
