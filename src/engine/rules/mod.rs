//! Per-kind status rules: from an object snapshot (and its children in the store) to a status
//! and a message. Pure functions; the decision table is status-rules.md §14.

mod batch;
mod events;
mod other;
mod pod;
mod workloads;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::children::Store;
use super::json;
use super::model::{Detail, ObjectKey, ObjectStatus};

pub use events::blocking_warning;
pub use pod::{PodAssessment, PodCause, assess_pod, is_hard_waiting_reason};

/// Facts about pods that only the run's history can tell; the tracker maintains them.
#[derive(Debug, Default, Clone)]
pub struct PodFacts {
    /// The last hard waiting reason seen per (pod UID, container name), so a container that is
    /// briefly Running between crashes is still described by the reason it keeps returning to.
    pub recent_reasons: HashMap<(String, String), String>,
    /// UIDs of objects whose blocking Warning event ([`blocking_warning`]) has stood for the
    /// stabilization window: an Error now, not something a retry may still fix.
    pub warnings_overdue: HashSet<String>,
}

/// Everything a rule may consult besides the object itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub store: &'a Store,
    /// The generation the apply returned; the controller must have observed at least this.
    pub expected_generation: Option<i64>,
    /// Whether a Job must complete (true) or counts as Success once created (false).
    pub wait_for_jobs: bool,
    pub facts: &'a PodFacts,
}

impl<'a> Context<'a> {
    pub fn new(store: &'a Store, facts: &'a PodFacts) -> Context<'a> {
        Context {
            store,
            expected_generation: None,
            wait_for_jobs: true,
            facts,
        }
    }

    /// The generation the controller must have observed: the applied one, or a newer one if
    /// the object changed again since.
    fn wanted_generation(&self, object: &Value) -> Option<i64> {
        let current = json::int_at(object, &["metadata", "generation"]);
        match (self.expected_generation, current) {
            (Some(applied), Some(current)) => Some(applied.max(current)),
            (applied, current) => applied.or(current),
        }
    }

    /// `Some((wanted, observed))` when `status.observedGeneration` lags the wanted generation.
    /// With `strict`, a missing observedGeneration counts as lagging (controllers that always
    /// report it have simply not seen the object yet).
    fn generation_lag(&self, object: &Value, strict: bool) -> Option<(i64, Option<i64>)> {
        let wanted = self.wanted_generation(object)?;
        let observed = json::int_at(object, &["status", "observedGeneration"]);
        match observed {
            Some(observed) if observed >= wanted => None,
            None if !strict => None,
            _ => Some((wanted, observed)),
        }
    }
}

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

fn by_kind(object: &Value, key: &ObjectKey, ctx: &Context) -> ObjectStatus {
    if !is_builtin_group(&key.group) {
        return other::custom_resource(object, ctx);
    }
    match key.kind.as_str() {
        "Deployment" => workloads::deployment(object, ctx),
        "ReplicaSet" => workloads::replica_set(object, ctx),
        "StatefulSet" => workloads::stateful_set(object, ctx),
        "DaemonSet" => workloads::daemon_set(object, ctx),
        "Pod" => pod::pod(object, ctx),
        "Job" => batch::job(object, ctx),
        "CronJob" => batch::cron_job(object, ctx),
        "Service" => other::service(object),
        "Ingress" => other::ingress(object),
        "PersistentVolumeClaim" => other::persistent_volume_claim(object, ctx),
        "PersistentVolume" => other::persistent_volume(object),
        "Namespace" => other::namespace(object),
        "CustomResourceDefinition" => other::custom_resource_definition(object),
        "HorizontalPodAutoscaler" => other::horizontal_pod_autoscaler(object),
        "PodDisruptionBudget" => other::pod_disruption_budget(object, ctx),
        "APIService" => other::api_service(object),
        kind if other::exists_is_enough(kind) => ObjectStatus::success("Created"),
        _ => other::custom_resource(object, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Status;
    use crate::engine::testing::{evaluate_fixture, fixture_key};

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
    fn applied_generation_is_required_even_if_metadata_is_older() {
        let store = Store::new();
        let facts = PodFacts::default();
        let ctx = Context {
            expected_generation: Some(5),
            ..Context::new(&store, &facts)
        };
        let object = serde_json::json!({"metadata": {"generation": 4},
                                        "status": {"observedGeneration": 4}});
        assert_eq!(ctx.generation_lag(&object, true), Some((5, Some(4))));
        let caught_up = serde_json::json!({"metadata": {"generation": 5},
                                           "status": {"observedGeneration": 5}});
        assert_eq!(ctx.generation_lag(&caught_up, true), None);
    }

    #[test]
    fn missing_observed_generation_lags_only_when_strict() {
        let store = Store::new();
        let facts = PodFacts::default();
        let ctx = Context::new(&store, &facts);
        let object = serde_json::json!({"metadata": {"generation": 2}, "status": {}});
        assert_eq!(ctx.generation_lag(&object, true), Some((2, None)));
        assert_eq!(ctx.generation_lag(&object, false), None);
    }
}
