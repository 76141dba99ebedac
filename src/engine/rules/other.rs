//! Kinds without children: Service, Ingress, storage, Namespace, CRD, HPA, PDB, APIService,
//! the kinds for which existing is enough, and generic custom resources.

use serde_json::Value;

use super::Context;
use crate::engine::json::{self, Condition};
use crate::engine::model::{ObjectKey, ObjectStatus};

/// Kinds whose desired state is reached once the API server accepted them.
pub fn exists_is_enough(kind: &str) -> bool {
    matches!(
        kind,
        "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "Role"
            | "ClusterRole"
            | "RoleBinding"
            | "ClusterRoleBinding"
            | "NetworkPolicy"
            | "LimitRange"
            | "ResourceQuota"
            | "PriorityClass"
            | "StorageClass"
            | "IngressClass"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "PodTemplate"
            | "Endpoints"
            | "EndpointSlice"
            | "RuntimeClass"
            | "CSIDriver"
            | "ControllerRevision"
            | "Lease"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
    )
}

fn load_balancer_addresses(object: &Value) -> Vec<&str> {
    json::array_at(object, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|entry| {
            json::str_at(entry, &["ip"])
                .or_else(|| json::str_at(entry, &["hostname"]))
                .filter(|address| !address.is_empty())
        })
        .collect()
}

pub fn service(object: &Value) -> ObjectStatus {
    let kind = json::str_at(object, &["spec", "type"]).unwrap_or("ClusterIP");
    if kind != "LoadBalancer" {
        return ObjectStatus::success(format!("Service type {kind}"));
    }
    let mut addresses = load_balancer_addresses(object);
    addresses.extend(
        json::array_at(object, &["spec", "externalIPs"])
            .iter()
            .filter_map(Value::as_str),
    );
    if addresses.is_empty() {
        ObjectStatus::in_progress("Waiting for load balancer address...")
    } else {
        ObjectStatus::success(format!("Load balancer address: {}", addresses.join(", ")))
    }
}

pub fn ingress(object: &Value) -> ObjectStatus {
    let addresses = load_balancer_addresses(object);
    if addresses.is_empty() {
        ObjectStatus::success("Created")
    } else {
        ObjectStatus::success(format!("Address: {}", addresses.join(", ")))
    }
}

pub fn persistent_volume_claim(object: &Value, ctx: &Context) -> ObjectStatus {
    let phase = json::str_at(object, &["status", "phase"]).unwrap_or("Pending");
    match phase {
        "Bound" => {
            let volume = json::str_at(object, &["spec", "volumeName"]).unwrap_or("");
            ObjectStatus::success(format!("Bound to volume {volume}"))
        }
        "Lost" => ObjectStatus::error("Lost: the bound PersistentVolume no longer exists"),
        _ if waits_for_first_consumer(object, ctx) => {
            ObjectStatus::success("Pending until the first pod using it is scheduled")
                .with_note("WaitForFirstConsumer: binds when a pod that uses it is scheduled")
        }
        _ => ObjectStatus::in_progress(format!("{phase}: waiting for a volume to be bound")),
    }
}

/// Whether the claim's StorageClass (if the caller watches StorageClasses) delays binding.
/// A claim with a selected node is past that point and waits for its provisioner.
fn waits_for_first_consumer(claim: &Value, ctx: &Context) -> bool {
    if json::annotation(claim, "volume.kubernetes.io/selected-node").is_some() {
        return false;
    }
    let Some(class) = json::str_at(claim, &["spec", "storageClassName"]) else {
        return false;
    };
    let key = ObjectKey::new("storage.k8s.io", "StorageClass", None, class);
    ctx.store
        .get(&key)
        .and_then(|sc| json::str_at(sc, &["volumeBindingMode"]))
        == Some("WaitForFirstConsumer")
}

pub fn persistent_volume(object: &Value) -> ObjectStatus {
    let phase = json::str_at(object, &["status", "phase"]).unwrap_or("Pending");
    match phase {
        "Failed" => {
            let message = json::str_at(object, &["status", "message"]).unwrap_or("");
            ObjectStatus::error(format!("Failed: {message}"))
        }
        "Pending" => ObjectStatus::in_progress("Pending"),
        other => ObjectStatus::success(other.to_string()),
    }
}

pub fn namespace(object: &Value) -> ObjectStatus {
    match json::str_at(object, &["status", "phase"]) {
        Some("Active") => ObjectStatus::success("Active"),
        Some("Terminating") => {
            ObjectStatus::error("Namespace is terminating; objects cannot be created in it")
        }
        _ => ObjectStatus::in_progress("Waiting for the namespace to become active..."),
    }
}

pub fn custom_resource_definition(object: &Value) -> ObjectStatus {
    if let Some(names) = json::condition(object, "NamesAccepted").filter(Condition::is_false) {
        return ObjectStatus::error(format!("Names not accepted: {}", names.describe()));
    }
    match json::condition(object, "Established") {
        Some(established) if established.is_true() => ObjectStatus::success("Established"),
        Some(established) => ObjectStatus::in_progress(format!(
            "Waiting for the CRD to be established: {}",
            established.describe()
        )),
        None => ObjectStatus::in_progress("Waiting for the CRD to be established..."),
    }
}

/// HPA conditions live in `status.conditions` (v2) or, for autoscaling/v1 objects, in a JSON
/// annotation.
fn hpa_conditions(object: &Value) -> Vec<Value> {
    let conditions = json::array_at(object, &["status", "conditions"]);
    if !conditions.is_empty() {
        return conditions.to_vec();
    }
    json::annotation(object, "autoscaling.alpha.kubernetes.io/conditions")
        .and_then(|text| serde_json::from_str::<Vec<Value>>(text).ok())
        .unwrap_or_default()
}

pub fn horizontal_pod_autoscaler(object: &Value) -> ObjectStatus {
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

pub fn pod_disruption_budget(object: &Value, ctx: &Context) -> ObjectStatus {
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

pub fn api_service(object: &Value) -> ObjectStatus {
    match json::condition(object, "Available") {
        Some(available) if available.is_true() => ObjectStatus::success("Available"),
        Some(available) => ObjectStatus::in_progress(format!(
            "Available={}: {}",
            available.status,
            available.describe()
        )),
        None => ObjectStatus::in_progress("Waiting to be processed..."),
    }
}

/// Phase-like words that mean a custom resource has failed for good.
fn is_failure_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "failed" | "failure" | "error" | "errored" | "aborted" | "rejected"
    )
}

/// Generic custom resources: status-rules.md §3.17 steps 2–6. Conditions stamped with an older
/// observedGeneration than the object's describe an older spec and are skipped.
pub fn custom_resource(object: &Value, ctx: &Context) -> ObjectStatus {
    if let Some((wanted, Some(observed))) = ctx.generation_lag(object, false) {
        return ObjectStatus::in_progress(format!(
            "Waiting for the controller to observe generation {wanted} (observed {observed})"
        ));
    }
    let wanted = ctx.wanted_generation(object);
    let is_current = |c: &Condition| !matches!((c.observed_generation, wanted), (Some(seen), Some(wanted)) if seen < wanted);
    let current = |kind: &str| json::condition(object, kind).filter(is_current);
    if let Some(stalled) = current("Stalled").filter(Condition::is_true) {
        return ObjectStatus::error(format!("Stalled: {}", stalled.describe()));
    }
    if let Some(reconciling) = current("Reconciling").filter(Condition::is_true) {
        return ObjectStatus::in_progress(format!("Reconciling: {}", reconciling.describe()));
    }
    if let Some(ready) = current("Ready") {
        return if ready.is_true() {
            ObjectStatus::success("Ready")
        } else {
            ObjectStatus::in_progress(format!("Ready={}: {}", ready.status, ready.describe()))
        };
    }
    if json::condition(object, "Ready").is_some() {
        return ObjectStatus::in_progress(
            "Waiting for the Ready condition of the current generation",
        );
    }
    for field in ["phase", "state"] {
        if let Some(word) = json::str_at(object, &["status", field])
            && is_failure_word(word)
        {
            let message = json::str_at(object, &["status", "message"]).unwrap_or("");
            return ObjectStatus::error(
                format!("{field} {word}: {message}")
                    .trim_end_matches(": ")
                    .to_string(),
            );
        }
    }
    ObjectStatus::success("Created (no readiness conditions reported)")
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectKey, ObjectStatus, Status};
    use crate::engine::testing::{evaluate_fixture, evaluate_fixture_with, fixture_key};

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../../tests/fixtures/engine/", $name))
        };
    }

    #[test]
    fn cluster_ip_service_is_success_on_existence() {
        let status = evaluate_fixture(
            fixture!("service-cluster-ip.yaml"),
            &fixture_key("Service", "web"),
        );
        assert_eq!(status.status, Status::Success);
    }

    #[test]
    fn load_balancer_without_address_is_in_progress() {
        let status = evaluate_fixture(
            fixture!("service-lb-pending.yaml"),
            &fixture_key("Service", "shop"),
        );
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(status.message, "Waiting for load balancer address...");
    }

    #[test]
    fn load_balancer_with_address_is_success() {
        let yaml = fixture!("service-lb-pending.yaml").replace(
            "loadBalancer: {}",
            "loadBalancer:\n    ingress:\n    - ip: 203.0.113.10",
        );
        let status = evaluate_fixture(&yaml, &fixture_key("Service", "shop"));
        assert_eq!(
            (status.status, status.message.as_str()),
            (Status::Success, "Load balancer address: 203.0.113.10")
        );
    }

    #[test]
    fn ingress_is_success_on_existence() {
        let status = evaluate_fixture(fixture!("ingress.yaml"), &fixture_key("Ingress", "web"));
        assert_eq!(status.status, Status::Success);
    }

    #[test]
    fn pvc_bound_is_success() {
        let status = evaluate_fixture(
            fixture!("pvc-bound.yaml"),
            &fixture_key("PersistentVolumeClaim", "data"),
        );
        assert_eq!(status.status, Status::Success);
    }

    #[test]
    fn pvc_pending_with_wait_for_first_consumer_is_success_with_note() {
        let status = evaluate_fixture(
            fixture!("pvc-wait-for-first-consumer.yaml"),
            &fixture_key("PersistentVolumeClaim", "data"),
        );
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert!(status.note.unwrap().starts_with("WaitForFirstConsumer"));
    }

    #[test]
    fn pvc_pending_with_immediate_binding_is_in_progress() {
        let yaml = fixture!("pvc-wait-for-first-consumer.yaml").replace(
            "volumeBindingMode: WaitForFirstConsumer",
            "volumeBindingMode: Immediate",
        );
        let status = evaluate_fixture(&yaml, &fixture_key("PersistentVolumeClaim", "data"));
        assert_eq!(status.status, Status::InProgress);
    }

    #[test]
    fn pvc_lost_is_an_error() {
        let yaml = fixture!("pvc-bound.yaml").replace("phase: Bound", "phase: Lost");
        let status = evaluate_fixture(&yaml, &fixture_key("PersistentVolumeClaim", "data"));
        assert_eq!(status.status, Status::Error);
    }

    #[test]
    fn pv_failed_is_an_error_and_available_is_success() {
        let key = ObjectKey::new("", "PersistentVolume", None, "pv-nfs-1");
        let status = evaluate_fixture(fixture!("pv-failed.yaml"), &key);
        assert_eq!(status.status, Status::Error);
        assert!(status.message.contains("recycle"), "{}", status.message);
        let yaml = fixture!("pv-failed.yaml").replace("phase: Failed", "phase: Available");
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::Success);
        let yaml = fixture!("pv-failed.yaml").replace("phase: Failed", "phase: Pending");
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::InProgress);
    }

    #[test]
    fn namespace_active_is_success() {
        let key = ObjectKey::new("", "Namespace", None, "shop");
        let yaml =
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nstatus: {phase: Active}\n";
        assert_eq!(evaluate_fixture(yaml, &key).status, Status::Success);
    }

    #[test]
    fn crd_established_is_success() {
        let key = ObjectKey::new(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            None,
            "widgets.example.com",
        );
        let status = evaluate_fixture(fixture!("crd-established.yaml"), &key);
        assert_eq!(status.status, Status::Success);
        let yaml = fixture!("crd-established.yaml").replacen(
            "status: \"True\"\n    type: Established",
            "status: \"False\"\n    type: Established",
            1,
        );
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::InProgress);
    }

    #[test]
    fn crd_names_not_accepted_is_an_error() {
        let key = ObjectKey::new(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            None,
            "widgets.example.com",
        );
        let status = evaluate_fixture(fixture!("crd-names-not-accepted.yaml"), &key);
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.contains("MultipleNameConflicts"),
            "{}",
            status.message
        );
    }

    #[test]
    fn exists_kinds_are_success_and_secret_data_never_shows() {
        let status = evaluate_fixture(
            fixture!("secret.yaml"),
            &fixture_key("Secret", "db-credentials"),
        );
        assert_eq!(status.status, Status::Success);
        let text = format!("{status:?}");
        assert!(
            !text.contains("czNjcjN0") && !text.contains("s3cr3t"),
            "{text}"
        );
    }

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

    #[test]
    fn api_service_available_or_not() {
        let key = ObjectKey::new(
            "apiregistration.k8s.io",
            "APIService",
            None,
            "v1beta1.metrics.k8s.io",
        );
        let status = evaluate_fixture(fixture!("apiservice-unavailable.yaml"), &key);
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.contains("MissingEndpoints"),
            "{}",
            status.message
        );
        let yaml = fixture!("apiservice-unavailable.yaml")
            .replace("status: \"False\"", "status: \"True\"");
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::Success);
    }

    fn widget(yaml: &str, expected_generation: Option<i64>) -> ObjectStatus {
        let key = ObjectKey::new("example.com", "Widget", Some("shop"), "blue");
        evaluate_fixture_with(yaml, &key, expected_generation, true)
    }

    #[test]
    fn custom_resource_ready_is_success() {
        assert_eq!(
            widget(fixture!("cr-ready.yaml"), None).status,
            Status::Success
        );
    }

    #[test]
    fn custom_resource_ready_false_is_in_progress() {
        let yaml = fixture!("cr-ready.yaml").replace("status: \"True\"", "status: \"False\"");
        assert_eq!(widget(&yaml, None).status, Status::InProgress);
    }

    #[test]
    fn custom_resource_stalled_is_an_error() {
        let status = widget(fixture!("cr-stalled.yaml"), None);
        assert_eq!(status.status, Status::Error);
        assert!(status.message.contains("InvalidSpec"), "{}", status.message);
    }

    #[test]
    fn custom_resource_reconciling_is_in_progress() {
        let yaml = fixture!("cr-stalled.yaml").replace("type: Stalled", "type: Reconciling");
        assert_eq!(widget(&yaml, None).status, Status::InProgress);
    }

    #[test]
    fn custom_resource_generation_lag_is_in_progress() {
        let status = widget(fixture!("cr-ready.yaml"), Some(3));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.contains("generation 3"),
            "{}",
            status.message
        );
    }

    #[test]
    fn custom_resource_stale_ready_condition_is_not_trusted() {
        let yaml = fixture!("cr-ready.yaml").replace(
            "observedGeneration: 2\n  phase",
            "observedGeneration: 3\n  phase",
        );
        let status = widget(&yaml, Some(3));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn custom_resource_failed_phase_is_an_error() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop}\n\
                    status: {phase: Failed, message: quota exhausted}\n";
        let status = widget(yaml, None);
        assert_eq!(status.status, Status::Error);
        assert_eq!(status.message, "phase Failed: quota exhausted");
    }

    #[test]
    fn custom_resource_without_status_is_success() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop, generation: 1}\n";
        assert_eq!(widget(yaml, None).status, Status::Success);
    }
}
