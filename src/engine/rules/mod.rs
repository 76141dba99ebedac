//! Per-kind status rules: from an object snapshot (and its children in the store) to a status
//! and a message. Pure functions; the decision table is status-rules.md §14.

mod api_server;
mod batch;
mod context;
mod custom;
mod events;
mod network;
mod pod;
mod pod_history;
mod pod_policy;
mod pods_view;
mod storage;
mod workloads;

use serde_json::Value;

use super::json;
use super::model::{Detail, ObjectKey, ObjectStatus};

pub use context::Context;
pub use events::blocking_warning;
pub use pod::{PodAssessment, PodCause, assess_pod};
pub use pod_history::PodHistory;

/// The status of one object. Terminating objects are reported as such before any kind rule.
pub fn evaluate(object: &Value, ctx: &Context) -> ObjectStatus {
    let Some(key) = ObjectKey::of(object) else {
        return ObjectStatus::in_progress("Object has no kind or name");
    };
    if json::is_terminating(object) {
        return terminating(object, &key);
    }
    events::with_create_failure(object, &key, by_kind(object, &key, ctx), ctx)
}

fn terminating(object: &Value, key: &ObjectKey) -> ObjectStatus {
    let finalizers: Vec<String> = json::array_at(object, &["metadata", "finalizers"])
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let detail = Detail::Terminating { finalizers };
    let status = if key.group.is_empty() && key.kind == "Namespace" {
        ObjectStatus::error(format!(
            "Namespace is {detail}; objects cannot be created in it"
        ))
    } else {
        ObjectStatus::in_progress(format!("Object is being deleted: {detail}"))
    };
    status.with_detail(detail)
}

/// Groups whose kinds are Kubernetes built-ins; a kind outside them is a custom resource, even
/// if it is called "Deployment".
fn is_builtin_group(group: &str) -> bool {
    matches!(
        group,
        "" | "apps"
            | "extensions"
            | "batch"
            | "networking.k8s.io"
            | "policy"
            | "autoscaling"
            | "apiextensions.k8s.io"
            | "apiregistration.k8s.io"
            | "rbac.authorization.k8s.io"
            | "storage.k8s.io"
            | "scheduling.k8s.io"
            | "admissionregistration.k8s.io"
            | "node.k8s.io"
            | "discovery.k8s.io"
            | "coordination.k8s.io"
            | "certificates.k8s.io"
            | "flowcontrol.apiserver.k8s.io"
    )
}

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

fn by_kind(object: &Value, key: &ObjectKey, ctx: &Context) -> ObjectStatus {
    if !is_builtin_group(&key.group) {
        return custom::custom_resource(object, ctx);
    }
    match key.kind.as_str() {
        "Deployment" => workloads::deployment(object, ctx),
        "ReplicaSet" => workloads::replica_set(object, ctx),
        "StatefulSet" => workloads::stateful_set(object, ctx),
        "DaemonSet" => workloads::daemon_set(object, ctx),
        "Pod" => pod::pod(object, ctx),
        "Job" => batch::job(object, ctx),
        "CronJob" => batch::cron_job(object, ctx),
        "Service" => network::service(object),
        "Ingress" => network::ingress(object),
        "PersistentVolumeClaim" => storage::persistent_volume_claim(object, ctx),
        "PersistentVolume" => storage::persistent_volume(object),
        "Namespace" => api_server::namespace(object),
        "CustomResourceDefinition" => api_server::custom_resource_definition(object),
        "HorizontalPodAutoscaler" => pod_policy::horizontal_pod_autoscaler(object),
        "PodDisruptionBudget" => pod_policy::pod_disruption_budget(object, ctx),
        "APIService" => api_server::api_service(object),
        kind if exists_is_enough(kind) => ObjectStatus::success("Created"),
        _ => custom::custom_resource(object, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Status;
    use crate::engine::testing::{evaluate_fixture, fixture_key};

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!("../../../tests/fixtures/engine/", $name))
        };
    }

    const DEPLOYING_DELETED: &str =
        include_str!("../../../tests/fixtures/engine/deployment-terminating.yaml");
    const NAMESPACE_TERMINATING: &str =
        include_str!("../../../tests/fixtures/engine/namespace-terminating.yaml");

    #[test]
    fn deletion_timestamp_reports_terminating_with_finalizers() {
        let status = evaluate_fixture(DEPLOYING_DELETED, &fixture_key("Deployment", "web"));
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(
            status.detail,
            Some(Detail::Terminating {
                finalizers: vec!["example.com/cleanup".into()]
            })
        );
        assert!(
            status.message.contains("example.com/cleanup"),
            "{}",
            status.message
        );
    }

    #[test]
    fn terminating_namespace_is_an_error() {
        let status = evaluate_fixture(NAMESPACE_TERMINATING, &fixture_key("Namespace", "shop"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.contains("cannot be created"),
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
}
