//! Memory that follows the application in a shared namespace: apply asks the server for its
//! own pods only, other applications' pods are neither needed nor judged, and `watch -l` finds
//! the pods of an object that joins the selection late although it dropped them before.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{Patch, PatchParams};
use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, CRASH, SERVE, command};
use crate::support::{TestContext, create, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "scale_apply_lists_only_its_applications_pods_in_a_shared_namespace",
            apply_lists_only_its_pods,
        ),
        e2e(
            "scale_watch_finds_the_pods_of_an_object_labelled_into_the_selection",
            watch_finds_pods_of_a_relabelled_object,
        ),
    ]
}

fn deployment(name: &str, labels: &str, script: &str) -> String {
    let command = command(script);
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{{labels}}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: main
        image: {BUSYBOX}
        command: {command}
"#
    )
}

/// Another team's crash-looping pod shares the namespace: the apply of `web` succeeds, and its
/// watches of pods and ReplicaSets ask the server for `app in (web)` (seen in the local
/// cluster's audit log).
async fn apply_lists_only_its_pods(ctx: TestContext) {
    let command = command(CRASH);
    create::<Pod>(
        &ctx,
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: other-team\nspec:\n  containers:\n  \
             - name: main\n    image: {BUSYBOX}\n    command: {command}\n"
        ),
    )
    .await;
    let audit_log = crate::support::audit_log_mark(&ctx);
    let run = ctx.apply(
        &deployment("web", "tier: front", SERVE),
        &["--stabilization", "2s"],
    );
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(!run.all().contains("other-team"), "{}", run.text);
    let Some((path, start)) = audit_log else {
        return;
    };
    // The API server writes a watch's entry when it starts; a list's when it completes.
    let mut uris = Vec::new();
    for _ in 0..50 {
        uris = kstatus_requests(&path, start, &ctx.namespace);
        let narrowed = |resource: &str| {
            uris.iter().any(|uri| {
                uri.contains(&format!("/namespaces/{}/{resource}?", ctx.namespace))
                    && uri.contains("labelSelector=app+in+%28web%29")
            })
        };
        if narrowed("pods") && narrowed("replicasets") {
            let whole = uris.iter().find(|uri| {
                uri.contains(&format!("/namespaces/{}/pods?", ctx.namespace))
                    && !uri.contains("labelSelector")
            });
            assert!(whole.is_none(), "a pod request without selector: {whole:?}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "no pods and replicasets request with labelSelector=app in (web) in {}; kstatus's \
         requests there: {uris:#?}\n{}",
        path.display(),
        run.text
    );
}

/// A crash-looping Deployment outside the selection: `watch -l tier=front` drops its
/// ReplicaSet and pods as strangers. Labelled into the selection, it must be judged with its
/// pods (Error, CrashLoopBackOff), not as a Deployment without pods (In progress until the
/// timeout).
async fn watch_finds_pods_of_a_relabelled_object(ctx: TestContext) {
    create::<Deployment>(&ctx, &deployment("api", "tier: back", CRASH)).await;
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace);
    crate::support::wait_until("the api pod to restart", Duration::from_secs(90), || {
        let pods = pods.clone();
        async move {
            let list = pods.list(&Default::default()).await.ok()?;
            list.items
                .iter()
                .any(|pod| {
                    pod.status
                        .as_ref()
                        .and_then(|s| s.container_statuses.as_ref())
                        .is_some_and(|cs| cs.iter().any(|c| c.restart_count >= 1))
                })
                .then_some(())
        }
    })
    .await
    .unwrap();
    let watch = std::process::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .args([
            "watch",
            "-n",
            &ctx.namespace,
            "-l",
            "tier=front",
            "--until",
            "settled",
            "--stabilization",
            "2s",
            "--timeout",
            "60s",
            "--progress",
            "plain",
        ])
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting kstatus watch");
    // Long enough for the watches to list and the strangers to be given up.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let deployments = Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace);
    let label = serde_json::json!({"metadata": {"labels": {"tier": "front"}}});
    deployments
        .patch("api", &PatchParams::default(), &Patch::Merge(&label))
        .await
        .expect("labelling the Deployment");
    let output = watch.wait_with_output().expect("kstatus watch ends");
    let text = describe(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("Deployment/api"), "{text}");
    assert!(text.contains("CrashLoopBackOff"), "{text}");
}

/// The request URIs of kstatus's audit entries about `namespace` written after byte `start`.
fn kstatus_requests(path: &std::path::Path, start: u64, namespace: &str) -> Vec<String> {
    crate::support::audit_entries(path, start, namespace)
        .iter()
        .filter(|entry| {
            entry["userAgent"]
                .as_str()
                .is_some_and(|agent| agent.starts_with("kstatus/"))
        })
        .filter_map(|entry| entry["requestURI"].as_str().map(str::to_string))
        .collect()
}
