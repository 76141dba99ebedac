//! `kstatus apply --prune --applyset` end to end: what leaves the manifests leaves the cluster,
//! and nothing outside the set is touched.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;
use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, SERVE, command};
use crate::support::{TestContext, create, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "prune_removes_only_the_dropped_member_and_records_the_parent",
            removes_only_the_dropped_member,
        ),
        e2e("prune_refuses_a_set_of_another_tool", refuses_another_tool),
        e2e("prune_without_applyset_is_a_usage_error", needs_applyset),
    ]
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: fast\n")
}

fn deployment(name: &str) -> String {
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

const PRUNE: [&str; 6] = [
    "--prune",
    "--applyset",
    "web-set",
    "--stabilization",
    "1s",
    "--timeout=120s",
];

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
