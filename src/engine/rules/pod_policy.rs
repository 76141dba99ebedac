//! HorizontalPodAutoscaler and PodDisruptionBudget: policies over a workload's pods, done once
//! their controller reports them working.

use crate::engine::node::Node;

use super::context::Context;
use crate::engine::json;
use crate::engine::model::ObjectStatus;

/// HPA conditions live in `status.conditions` (v2) or, for autoscaling/v1 objects, in a JSON
/// annotation.
fn hpa_conditions(object: &Node) -> Vec<Node> {
    let conditions = json::array_at(object, &["status", "conditions"]);
    if !conditions.is_empty() {
        return conditions.to_vec();
    }
    json::annotation(object, "autoscaling.alpha.kubernetes.io/conditions")
        .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(text).ok())
        .map(|conditions| conditions.into_iter().map(Node::of).collect())
        .unwrap_or_default()
}

pub fn horizontal_pod_autoscaler(object: &Node) -> ObjectStatus {
    let conditions = hpa_conditions(object);
    let able = json::condition_in(&conditions, "AbleToScale");
    let active = json::condition_in(&conditions, "ScalingActive");
    // A missing scale target or a selector matching nothing will not fix itself; metrics that
    // are not available yet (FailedGet*Metric) usually do, once the new pods report.
    if let Some(able) = able.filter(|c| c.is_false() && c.reason() == "FailedGetScale") {
        return ObjectStatus::error(able.describe());
    }
    if let Some(active) = active.filter(|c| c.is_false()) {
        return match active.reason() {
            "InvalidSelector" => ObjectStatus::error(active.describe()),
            "ScalingDisabled" => ObjectStatus::success(active.describe()),
            _ => ObjectStatus::in_progress(format!("Waiting for metrics: {}", active.describe())),
        };
    }
    match (able, active) {
        (Some(able), Some(active)) if able.is_true() && active.is_true() => {
            ObjectStatus::success(active.describe())
        }
        (Some(able), _) if able.is_false() => ObjectStatus::in_progress(able.describe()),
        _ => ObjectStatus::in_progress("Waiting for the autoscaler to report..."),
    }
}

pub fn pod_disruption_budget(object: &Node, ctx: &Context) -> ObjectStatus {
    if json::at(object, &["status"]).is_none_or(|s| s.as_object().is_none_or(|o| o.is_empty())) {
        return ObjectStatus::in_progress("Waiting for status...");
    }
    if ctx.generation_lag(object, true).is_some() {
        return ObjectStatus::in_progress("Waiting for the disruption controller to observe it...");
    }
    let allowed = json::condition(object, "DisruptionAllowed");
    if let Some(allowed) = allowed.filter(|c| c.is_false() && c.reason() == "SyncFailed") {
        return ObjectStatus::error(allowed.describe());
    }
    let healthy = json::int_at(object, &["status", "currentHealthy"]).unwrap_or(0);
    let desired = json::int_at(object, &["status", "desiredHealthy"]).unwrap_or(0);
    let status = ObjectStatus::success(format!("{healthy} healthy, {desired} required"));
    match allowed.filter(|c| c.reason() == "InsufficientPods") {
        Some(_) => status.with_note("InsufficientPods: no disruption is allowed right now"),
        None => status,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectKey, ObjectStatus, Status};
    use crate::engine::testing::evaluate_fixture;
    use crate::engine::testing::fixture;

    fn hpa(yaml: &str) -> ObjectStatus {
        let key = ObjectKey::new(
            "autoscaling",
            "HorizontalPodAutoscaler",
            Some("shop"),
            "web",
        );
        evaluate_fixture(yaml, &key)
    }

    #[test]
    fn hpa_able_and_active_is_success() {
        assert_eq!(hpa(fixture!("hpa-active.yaml")).status, Status::Success);
    }

    #[test]
    fn hpa_missing_metrics_is_in_progress() {
        let yaml = fixture!("hpa-active.yaml")
            .replace(
                "reason: ValidMetricFound",
                "reason: FailedGetResourceMetric",
            )
            .replacen(
                "status: \"True\"\n    type: ScalingActive",
                "status: \"False\"\n    type: ScalingActive",
                1,
            );
        let status = hpa(&yaml);
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn hpa_missing_target_is_an_error() {
        let status = hpa(fixture!("hpa-failed-get-scale.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(status.message.starts_with("FailedGetScale"));
    }

    #[test]
    fn hpa_v1_conditions_annotation_is_read() {
        let status = hpa(fixture!("hpa-v1-annotation.yaml"));
        assert_eq!(status.status, Status::Error, "{}", status.message);
        assert!(status.message.starts_with("InvalidSelector"));
    }

    fn pdb(yaml: &str) -> ObjectStatus {
        let key = ObjectKey::new("policy", "PodDisruptionBudget", Some("shop"), "web");
        evaluate_fixture(yaml, &key)
    }

    #[test]
    fn pdb_observed_is_success_even_with_insufficient_pods() {
        let status = pdb(fixture!("pdb-insufficient-pods.yaml"));
        assert_eq!(status.status, Status::Success);
        assert!(status.note.unwrap().starts_with("InsufficientPods"));
    }

    #[test]
    fn pdb_sync_failed_is_an_error() {
        let yaml = fixture!("pdb-insufficient-pods.yaml")
            .replace("reason: InsufficientPods", "reason: SyncFailed");
        assert_eq!(pdb(&yaml).status, Status::Error);
    }

    #[test]
    fn pdb_generation_lag_is_in_progress() {
        let yaml = fixture!("pdb-insufficient-pods.yaml")
            .replace("observedGeneration: 1", "observedGeneration: 0");
        assert_eq!(pdb(&yaml).status, Status::InProgress);
    }
}
