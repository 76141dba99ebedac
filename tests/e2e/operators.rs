//! Custom resources end to end: a CRD of the same shape as an operator's kind (Argo Rollouts'
//! `rollouts.argoproj.io`) judged by its built-in rule, and a kind no rule knows, with no
//! status, judged by its existence only.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::DeleteParams;
use libtest_mimic::Trial;

use crate::support::{TestContext, crd, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "operators_argo_rollout_is_judged_by_the_built_in_rule",
            argo_rollout_is_judged_by_the_built_in_rule,
        ),
        e2e(
            "operators_kind_without_rule_or_status_is_judged_by_existence",
            kind_without_rule_or_status_is_judged_by_existence,
        ),
        e2e(
            "operators_every_built_in_rule_judges_its_kind_served_by_a_crd",
            every_built_in_rule_judges_its_kind,
        ),
    ]
}

/// A namespaced CRD that persists the status a manifest writes (see [`crd`]).
fn namespaced_crd(group: &str, plural: &str, kind: &str, version: &str) -> String {
    crd(group, plural, kind, version, "Namespaced")
}

/// An Argo Rollout whose status (string observedGeneration, as Argo Rollouts writes it) says
/// `phase`; a new object is at generation 1.
fn rollout(name: &str, phase: &str, observed: &str, message: &str) -> String {
    format!(
        r#"apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {name}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  strategy: {{canary: {{steps: [{{setWeight: 50}}]}}}}
status:
  phase: {phase}
  message: '{message}'
  observedGeneration: "{observed}"
"#
    )
}

/// These tests define CRDs with the operators' real names and delete them afterwards: on a
/// cluster where an operator is installed that would replace and then remove its CRD, so they
/// refuse to run there.
async fn refuse_if_installed(ctx: &TestContext, names: &[&str]) {
    let crds = Api::<CustomResourceDefinition>::all(ctx.client.clone());
    for name in names {
        let existing = crds.get_opt(name).await.expect("reading CRDs");
        assert!(
            existing.is_none(),
            "CRD {name} already exists on this cluster (is the operator installed?): these tests \
             would replace and delete it; run them on a test cluster"
        );
    }
}

async fn argo_rollout_is_judged_by_the_built_in_rule(ctx: TestContext) {
    refuse_if_installed(&ctx, &["rollouts.argoproj.io"]).await;
    let definition = namespaced_crd("argoproj.io", "rollouts", "Rollout", "v1alpha1");
    let degraded = ctx.apply(
        &format!(
            "{definition}---\n{}",
            rollout(
                "broken",
                "Degraded",
                "1",
                "ProgressDeadlineExceeded: ReplicaSet broken-7d9f8c6b5 has timed out progressing."
            )
        ),
        &["--stabilization", "1s", "--timeout", "60s"],
    );
    let healthy = ctx.apply(
        &rollout("web", "Healthy", "1", ""),
        &["--stabilization", "1s", "--timeout", "60s"],
    );
    // The string "0" is older than generation 1: the controller has not seen this spec yet.
    let stale = ctx.apply(
        &rollout("stale", "Healthy", "0", ""),
        &["--stabilization", "1s", "--timeout", "4s"],
    );
    let _ = Api::<CustomResourceDefinition>::all(ctx.client.clone())
        .delete("rollouts.argoproj.io", &DeleteParams::default())
        .await;

    assert_eq!(degraded.code, Some(1), "{}", degraded.text);
    assert!(
        degraded
            .stdout
            .contains("Degraded: ProgressDeadlineExceeded"),
        "{}",
        degraded.text
    );
    assert!(
        degraded
            .stdout
            .contains("(built-in rule for Rollout.argoproj.io)"),
        "{}",
        degraded.text
    );

    assert_eq!(healthy.code, Some(0), "{}", healthy.text);
    assert!(
        healthy
            .stdout
            .contains("Healthy (built-in rule for Rollout.argoproj.io)"),
        "{}",
        healthy.text
    );

    assert_eq!(stale.code, Some(3), "{}", stale.text);
    assert!(
        stale.stdout.contains("observe generation 1 (observed 0)"),
        "{}",
        stale.text
    );
}

async fn kind_without_rule_or_status_is_judged_by_existence(ctx: TestContext) {
    let group = format!("{}.kstatus.dev", ctx.namespace);
    let manifest = format!(
        "{}---\napiVersion: {group}/v1\nkind: Gadget\nmetadata:\n  name: first\nspec:\n  size: 3\n",
        namespaced_crd(&group, "gadgets", "Gadget", "v1")
    );
    let run = ctx.apply(&manifest, &["--stabilization", "1s", "-o", "json"]);
    let _ = Api::<CustomResourceDefinition>::all(ctx.client.clone())
        .delete(&format!("gadgets.{group}"), &DeleteParams::default())
        .await;

    assert_eq!(run.code, Some(0), "{}", run.text);
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|err| panic!("{err}: {}", run.text));
    let gadget = report["objects"]
        .as_array()
        .and_then(|objects| objects.iter().find(|o| o["kind"] == "Gadget"))
        .unwrap_or_else(|| panic!("no Gadget in the report: {}", run.text));
    assert_eq!(gadget["status"], "Success", "{}", run.text);
    assert_eq!(
        gadget["message"], "exists (no status to judge; add a rule with --health-rules)",
        "{}",
        run.text
    );
    assert_eq!(gadget["judgedBy"], "existence", "{}", run.text);
    // The CRD itself is judged by its own rule, not by existence.
    let definition = report["objects"]
        .as_array()
        .and_then(|objects| {
            objects
                .iter()
                .find(|o| o["kind"] == "CustomResourceDefinition")
        })
        .unwrap_or_else(|| panic!("no CRD in the report: {}", run.text));
    assert!(definition.get("judgedBy").is_none(), "{}", run.text);
    assert!(
        run.stderr.contains("exists (no status to judge"),
        "{}",
        run.text
    );
}

/// The operator pack's fixtures (tests/fixtures/engine, the documented status shapes the unit
/// tests judge) and the status each must get when its kind is served by a CRD and the object
/// applied with that status. Rollouts have their own test above (same CRD, run in parallel).
const PACK: [(&str, &str); 11] = [
    ("certificate-ready", "Success"),
    ("certificate-issuance-failed", "Error"),
    ("clusterissuer", "Success"),
    ("crossplane-bucket", "Success"),
    ("crossplane-claim-error", "Error"),
    ("externalsecret-synced", "Success"),
    ("flux-helmrelease-failed", "Error"),
    ("flux-kustomization-ready", "Success"),
    ("keda-scaledobject", "Success"),
    ("knative-service-ready", "Success"),
    ("knative-service-revision-failed", "Error"),
];

async fn every_built_in_rule_judges_its_kind(ctx: TestContext) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/engine");
    let mut crds: Vec<(String, String)> = Vec::new();
    let mut objects = Vec::new();
    let mut expected = Vec::new();
    for (fixture, status) in PACK {
        let text = std::fs::read_to_string(dir.join(format!("{fixture}.yaml"))).unwrap();
        let mut object: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let api_version = object["apiVersion"].as_str().unwrap().to_string();
        let (group, version) = api_version.split_once('/').unwrap();
        let kind = object["kind"].as_str().unwrap().to_string();
        let plural = format!("{}s", kind.to_lowercase());
        let namespaced = object["metadata"].get("namespace").is_some();
        // As the user would write it: a name, a namespace from -n, the status as the controller
        // wrote it; the server sets generation 1.
        let name = if namespaced {
            fixture.to_string()
        } else {
            format!("{}-{fixture}", ctx.namespace)
        };
        let metadata = object["metadata"].as_object_mut().unwrap();
        for field in ["namespace", "uid", "generation", "resourceVersion"] {
            metadata.remove(field);
        }
        metadata.insert("name".into(), name.clone().into());
        let crd_name = format!("{plural}.{group}");
        if !crds.iter().any(|(name, _)| *name == crd_name) {
            let scope = if namespaced { "Namespaced" } else { "Cluster" };
            crds.push((crd_name, crd(group, &plural, &kind, version, scope)));
        }
        objects.push(format!("{}\n", serde_json::to_string(&object).unwrap()));
        expected.push((kind, name, status));
    }
    let names: Vec<&str> = crds.iter().map(|(name, _)| name.as_str()).collect();
    refuse_if_installed(&ctx, &names).await;
    let manifest: Vec<String> = crds
        .iter()
        .map(|(_, crd)| crd.clone())
        .chain(objects)
        .collect();
    let run = ctx.apply(
        &manifest.join("---\n"),
        &["--stabilization", "1s", "--timeout", "90s", "-o", "json"],
    );
    for (name, _) in &crds {
        let _ = Api::<CustomResourceDefinition>::all(ctx.client.clone())
            .delete(name, &DeleteParams::default())
            .await;
    }

    assert_eq!(
        run.code,
        Some(1),
        "some fixtures are failures: {}",
        run.text
    );
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|err| panic!("{err}: {}", run.text));
    for (kind, name, status) in expected {
        let object = report["objects"]
            .as_array()
            .and_then(|objects| {
                objects
                    .iter()
                    .find(|o| o["kind"] == kind.as_str() && o["name"] == name.as_str())
            })
            .unwrap_or_else(|| panic!("no {kind}/{name} in the report: {}", run.text));
        assert_eq!(object["status"], status, "{kind}/{name}: {object}");
        let judge = object["judgedBy"].as_str().unwrap_or_default();
        assert!(
            judge.starts_with("built-in rule for"),
            "{kind}/{name} judged by {judge:?}: {object}"
        );
    }
}
