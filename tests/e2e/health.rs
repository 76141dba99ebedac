//! User health rules (`--health-rules`) end to end: a CRD's objects judged by CEL rules in
//! Flux's `healthCheckExprs` shape, and an invalid rule stopping the run before anything is
//! applied.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::DeleteParams;
use libtest_mimic::Trial;

use crate::support::{TestContext, crd, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "health_rules_judge_custom_resources_error_and_success",
            rules_judge_custom_resources,
        ),
        e2e(
            "health_rules_invalid_expression_applies_nothing",
            invalid_expression_applies_nothing,
        ),
    ]
}

/// A CRD without a status subresource, so the apply itself sets each Widget's status (as a
/// controller would), and two Widgets: one Broken, one Ready.
fn manifest(group: &str) -> String {
    let crd = crd(group, "widgets", "Widget", "v1", "Namespaced");
    format!(
        r#"{crd}---
apiVersion: {group}/v1
kind: Widget
metadata:
  name: broken
spec:
  size: 3
status:
  phase: Broken
---
apiVersion: {group}/v1
kind: Widget
metadata:
  name: ready
spec:
  size: 1
status:
  phase: Ready
"#
    )
}

fn rules(group: &str, failed: &str) -> String {
    format!(
        "- apiVersion: {group}/*\n  kind: Widget\n  failed: {failed}\n  current: status.phase \
         == 'Ready'\n"
    )
}

async fn delete_crd(ctx: &TestContext, group: &str) {
    let crds = Api::<CustomResourceDefinition>::all(ctx.client.clone());
    let _ = crds
        .delete(&format!("widgets.{group}"), &DeleteParams::default())
        .await;
}

/// Without the rule the generic custom-resource rule would call both Widgets a Success (no
/// conditions, no failure word): the user's rule makes `broken` an Error (exit 1) and names
/// itself in the card, the report's judgedBy, and again under `watch`.
async fn rules_judge_custom_resources(ctx: TestContext) {
    let group = format!("{}.kstatus.dev", ctx.namespace);
    let rules_path = ctx.manifest("rules.yaml", &rules(&group, "status.phase == 'Broken'"));
    let rules_path = rules_path.to_str().expect("a UTF-8 temporary path");
    let run = ctx.apply(
        &manifest(&group),
        &[
            "--health-rules",
            rules_path,
            "--stabilization",
            "1s",
            "-o",
            "json",
        ],
    );
    let app = ctx.manifest("app.yaml", &manifest(&group));
    let watch = ctx.kstatus(
        &[
            "watch",
            "-n",
            &ctx.namespace,
            "-f",
            app.to_str().unwrap(),
            "--once",
            "--health-rules",
            rules_path,
        ],
        None,
    );
    delete_crd(&ctx, &group).await;

    assert_eq!(run.code, Some(1), "{}", run.text);
    let rule = format!("rule 1 of {rules_path}");
    let failed = format!("failed: status.phase == 'Broken' ({rule})");
    assert!(
        run.stderr.contains(&failed),
        "the card names the rule: {}",
        run.text
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let widget = |name: &str| {
        report["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["kind"] == "Widget" && o["name"] == name)
            .unwrap_or_else(|| panic!("Widget {name} in the report: {}", run.text))
            .clone()
    };
    let judged_by = format!("{rule} (Widget.{group})");
    let broken = widget("broken");
    assert_eq!(broken["status"], "Error", "{}", run.text);
    assert_eq!(broken["message"], failed.as_str(), "{}", run.text);
    assert_eq!(broken["judgedBy"], judged_by.as_str(), "{}", run.text);
    let ready = widget("ready");
    assert_eq!(ready["status"], "Success", "{}", run.text);
    assert_eq!(
        ready["message"],
        format!("current: status.phase == 'Ready' ({rule})").as_str(),
        "{}",
        run.text
    );
    assert_eq!(ready["judgedBy"], judged_by.as_str(), "{}", run.text);

    let watch_text = crate::support::describe(&watch);
    assert_eq!(watch.status.code(), Some(1), "{watch_text}");
    assert!(watch_text.contains(&failed), "{watch_text}");
}

/// An expression that does not compile stops the run with exit 2 naming file, rule and
/// expression, before the CRD or any Widget is applied.
async fn invalid_expression_applies_nothing(ctx: TestContext) {
    let group = format!("{}.kstatus.dev", ctx.namespace);
    let rules_path = ctx.manifest("rules.yaml", &rules(&group, "status.phase =="));
    let rules_path = rules_path.to_str().expect("a UTF-8 temporary path");
    let run = ctx.apply(&manifest(&group), &["--health-rules", rules_path]);
    let crds = Api::<CustomResourceDefinition>::all(ctx.client.clone());
    let crd = crds.get_opt(&format!("widgets.{group}")).await.unwrap();
    delete_crd(&ctx, &group).await;

    assert_eq!(run.code, Some(2), "{}", run.text);
    let problem =
        format!("{rules_path}:1: rule 1 (Widget): failed does not compile: status.phase ==");
    assert!(run.stderr.contains(&problem), "{}", run.text);
    assert!(run.stderr.contains("nothing was applied"), "{}", run.text);
    assert!(crd.is_none(), "the CRD must not have been applied");
}
