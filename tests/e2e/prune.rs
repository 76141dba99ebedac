//! `kstatus apply --prune --applyset` end to end: what leaves the manifests leaves the cluster,
//! and nothing outside the set is touched.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, CRASH, SERVE, command};
use crate::support::{TestContext, create, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "prune_removes_only_the_dropped_member_and_records_the_parent",
            removes_only_the_dropped_member,
        ),
        e2e("prune_refuses_a_set_of_another_tool", refuses_another_tool),
        e2e("prune_without_applyset_is_a_usage_error", needs_applyset),
        e2e(
            "prune_before_verdict_deletes_while_tracking",
            before_verdict,
        ),
        e2e("prune_nothing_when_the_verdict_is_error", nothing_on_error),
        e2e("prune_forbidden_deletion_is_an_error", forbidden_deletion),
        e2e(
            "prune_stuck_on_a_finalizer_names_it_and_times_out",
            finalizer_is_named,
        ),
    ]
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: fast\n")
}

fn deployment(name: &str) -> String {
    deployment_running(name, SERVE)
}

fn deployment_running(name: &str, script: &str) -> String {
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
      terminationGracePeriodSeconds: 1
      containers:
      - name: {name}
        image: {BUSYBOX}
        command: {command}
"#
    )
}

async fn exists(ctx: &TestContext, name: &str) -> bool {
    Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace)
        .get_opt(name)
        .await
        .expect("reading a ConfigMap")
        .is_some()
}

const PRUNE: [&str; 5] = ["--prune", "--applyset", "web-set", "--stabilization", "1s"];

async fn removes_only_the_dropped_member(ctx: TestContext) {
    let _: ConfigMap = create(&ctx, &config_map("stranger")).await;
    let first = [config_map("a"), config_map("b"), deployment("web")].join("---\n");
    let run = ctx.apply(&first, &PRUNE);
    assert_eq!(run.code, Some(0), "{}", run.text);

    let parent = ctx.kubectl(&["get", "secret", "web-set", "-o", "yaml"]);
    let yaml = String::from_utf8_lossy(&parent.stdout);
    assert!(parent.status.success(), "{}", describe(&parent));
    let id = kstatus::applyset::ParentRef::parse("web-set")
        .unwrap()
        .id(&ctx.namespace);
    assert!(
        yaml.contains(&format!("applyset.kubernetes.io/id: {id}")),
        "{yaml}"
    );
    assert!(
        yaml.contains("applyset.kubernetes.io/tooling: kstatus/v"),
        "{yaml}"
    );
    assert!(
        yaml.contains("applyset.kubernetes.io/contains-group-kinds: ConfigMap,Deployment.apps"),
        "{yaml}"
    );
    let member = ctx.kubectl(&["get", "configmap", "b", "-o", "yaml"]);
    assert!(
        String::from_utf8_lossy(&member.stdout)
            .contains(&format!("applyset.kubernetes.io/part-of: {id}")),
        "{}",
        describe(&member)
    );

    let second = [config_map("a"), deployment("web")].join("---\n");
    let mut dry = PRUNE.to_vec();
    dry.push("--dry-run=server");
    let run = ctx.apply(&second, &dry);
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(
        run.all().contains("Would prune ConfigMap/b"),
        "{}",
        run.text
    );
    assert!(!run.all().contains("stranger"), "{}", run.text);
    assert!(exists(&ctx, "b").await, "a dry run deleted b: {}", run.text);

    let run = ctx.apply(&second, &PRUNE);
    assert_eq!(run.code, Some(0), "{}", run.text);
    assert!(run.all().contains("Pruned ConfigMap/b"), "{}", run.text);
    assert!(run.stdout.contains("Pruned (1):"), "{}", run.text);
    assert!(!exists(&ctx, "b").await, "b was not pruned: {}", run.text);
    assert!(exists(&ctx, "a").await, "{}", run.text);
    assert!(exists(&ctx, "stranger").await, "{}", run.text);
    let parent = ctx.kubectl(&["get", "secret", "web-set", "-o", "yaml"]);
    assert!(
        String::from_utf8_lossy(&parent.stdout)
            .contains("applyset.kubernetes.io/contains-group-kinds: ConfigMap,Deployment.apps"),
        "{}",
        describe(&parent)
    );
}

async fn refuses_another_tool(ctx: TestContext) {
    let id = kstatus::applyset::ParentRef::parse("web-set")
        .unwrap()
        .id(&ctx.namespace);
    let _: Secret = create(
        &ctx,
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-set\n  labels:\n    applyset.kubernetes.io/id: {id}\n  annotations:\n    applyset.kubernetes.io/tooling: kubectl/v1.27\n    applyset.kubernetes.io/contains-group-kinds: ConfigMap\n"
        ),
    )
    .await;
    let _: ConfigMap = create(
        &ctx,
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n  labels:\n    applyset.kubernetes.io/part-of: {id}\n"
        ),
    )
    .await;
    let run = ctx.apply(&config_map("a"), &PRUNE);
    assert_eq!(run.code, Some(2), "{}", run.text);
    assert!(run.stderr.contains("kubectl"), "{}", run.text);
    assert!(exists(&ctx, "old").await, "{}", run.text);
    assert!(
        !exists(&ctx, "a").await,
        "applied despite the refusal: {}",
        run.text
    );
}

async fn needs_applyset(ctx: TestContext) {
    let run = ctx.apply(&config_map("a"), &["--prune"]);
    assert_eq!(run.code, Some(2), "{}", run.text);
    assert!(run.stderr.contains("--applyset"), "{}", run.text);
    assert!(!exists(&ctx, "a").await, "{}", run.text);
}

/// Applies ConfigMaps `a` and `b` as the set, then `a` alone with `extra`: `b` is the one to
/// prune.
fn drop_b(ctx: &TestContext, extra: &[&str]) -> crate::support::Run {
    let first = [config_map("a"), config_map("b")].join("---\n");
    let run = ctx.apply(&first, &PRUNE);
    assert_eq!(run.code, Some(0), "{}", run.text);
    let mut args = PRUNE.to_vec();
    args.extend_from_slice(extra);
    ctx.apply(&config_map("a"), &args)
}

async fn before_verdict(ctx: TestContext) {
    let run = drop_b(&ctx, &["--prune-before-verdict", "--events", "ndjson"]);
    assert_eq!(run.code, Some(0), "{}", run.text);
    let pruning = run.stderr.find("Pruning ConfigMap/b").expect(&run.text);
    let tracked = run.stderr.find("ConfigMap/a -n").expect(&run.text);
    assert!(tracked < pruning, "{}", run.text);
    let verdict = run.stderr.find("verdict: Success").expect(&run.text);
    assert!(pruning < verdict, "{}", run.text);
    assert!(
        run.stdout.contains(r#""status":"Pruned","time""#)
            && run.stdout.contains(r#""type":"pruned""#),
        "{}",
        run.text
    );
    assert!(!exists(&ctx, "b").await, "{}", run.text);
    assert!(exists(&ctx, "a").await, "{}", run.text);
}

async fn finalizer_is_named(ctx: TestContext) {
    let first = [config_map("a"), config_map("b")].join("---\n");
    let run = ctx.apply(&first, &PRUNE);
    assert_eq!(run.code, Some(0), "{}", run.text);
    let api = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace);
    let hold = serde_json::json!({"metadata": {"finalizers": ["example.com/hold"]}});
    api.patch("b", &PatchParams::default(), &Patch::Merge(&hold))
        .await
        .expect("adding a finalizer");
    let mut args = PRUNE.to_vec();
    args.extend_from_slice(&["--timeout=8s", "-o", "json"]);
    let run = ctx.apply(&config_map("a"), &args);
    // Released before asserting, so the namespace can go whatever happens.
    let release = serde_json::json!({"metadata": {"finalizers": null}});
    api.patch("b", &PatchParams::default(), &Patch::Merge(&release))
        .await
        .expect("removing the finalizer");
    assert_eq!(run.code, Some(3), "{}", run.text);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.text);
    let pruned = &report["pruned"][0];
    assert_eq!(pruned["name"], "b", "{}", run.text);
    assert_eq!(pruned["status"], "TimedOut", "{}", run.text);
    assert!(
        pruned["message"]
            .as_str()
            .unwrap()
            .contains("waiting on finalizer example.com/hold"),
        "{}",
        run.text
    );
}

async fn nothing_on_error(ctx: TestContext) {
    let first = [config_map("a"), config_map("b")].join("---\n");
    let run = ctx.apply(&first, &PRUNE);
    assert_eq!(run.code, Some(0), "{}", run.text);
    let second = [config_map("a"), deployment_running("web", CRASH)].join("---\n");
    // A window long enough for the crash to show: a crashing container is briefly ready.
    let run = ctx.apply(
        &second,
        &["--prune", "--applyset", "web-set", "--stabilization", "8s"],
    );
    assert_eq!(run.code, Some(1), "{}", run.text);
    assert!(
        run.all()
            .contains("ApplySet web-set: verdict Error, nothing pruned"),
        "{}",
        run.text
    );
    assert!(
        exists(&ctx, "b").await,
        "pruned despite the Error: {}",
        run.text
    );
}

async fn forbidden_deletion(ctx: TestContext) {
    let first = [config_map("a"), config_map("b")].join("---\n");
    let run = ctx.apply(&first, &PRUNE);
    assert_eq!(run.code, Some(0), "{}", run.text);
    // The unprivileged user may apply and watch in this namespace, not delete.
    let role: Role = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "apply-only"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps", "secrets", "events"],
                   "verbs": ["get", "list", "watch", "create", "patch"]}]
    }))
    .unwrap();
    Api::<Role>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &role)
        .await
        .unwrap();
    let binding: RoleBinding = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "apply-only"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "apply-only"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "kstatus-unprivileged"}]
    }))
    .unwrap();
    Api::<RoleBinding>::namespaced(ctx.client.clone(), &ctx.namespace)
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();
    let mut args = PRUNE.to_vec();
    args.extend_from_slice(&["--context", "unprivileged", "-o", "json"]);
    let run = ctx.apply(&config_map("a"), &args);
    assert_eq!(run.code, Some(1), "{}", run.text);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.text);
    assert_eq!(report["outcome"], "Error", "{}", run.text);
    let pruned = &report["pruned"][0];
    assert_eq!(pruned["name"], "b", "{}", run.text);
    assert_eq!(pruned["status"], "Error", "{}", run.text);
    assert!(
        pruned["message"].as_str().unwrap().contains("forbidden"),
        "{}",
        run.text
    );
    assert!(exists(&ctx, "b").await, "{}", run.text);
}
