//! Per-kind status rules: from an object snapshot (and its children in the store) to a status
//! and a message. Pure functions; the decision table is status-rules.md §14.

mod api_server;
mod batch;
mod context;
mod custom;
mod events;
mod network;
mod operators;
mod pod;
mod pod_history;
mod pod_policy;
mod pods_view;
mod storage;
mod workloads;

use crate::engine::node::Node;

use super::json;
use super::kinds::{self, Rule};
use super::model::{Detail, ObjectKey, ObjectStatus};

pub use context::Context;
pub use events::blocking_warning;
pub use pod::{PodAssessment, PodCause, assess_pod};
pub use pod_history::PodHistory;

/// The status of one object. Terminating objects are reported as such before any kind rule.
pub fn evaluate(object: &Node, ctx: &Context) -> ObjectStatus {
    let Some(key) = ObjectKey::of_node(object) else {
        return ObjectStatus::in_progress("Object has no kind or name");
    };
    if json::is_terminating(object) {
        return terminating(object, &key);
    }
    events::with_create_failure(object, &key, by_kind(object, &key, ctx), ctx)
}

fn terminating(object: &Node, key: &ObjectKey) -> ObjectStatus {
    let finalizers: Vec<String> = json::array_at(object, &["metadata", "finalizers"])
        .iter()
        .filter_map(Node::as_str)
        .map(str::to_string)
        .collect();
    let detail = Detail::Terminating { finalizers };
    let status = if key.group.is_empty() && &*key.kind == "Namespace" {
        ObjectStatus::error(format!(
            "Namespace is {detail}; objects cannot be created in it"
        ))
    } else {
        ObjectStatus::in_progress(format!("Object is being deleted: {detail}"))
    };
    status.with_detail(detail)
}

/// The kind's own rule, from the table of kinds; kinds not in it are custom resources. A user's
/// health rule for the kind comes first.
fn by_kind(object: &Node, key: &ObjectKey, ctx: &Context) -> ObjectStatus {
    let lag = ctx.generation_lag(object, false);
    if let Some(status) = ctx.health_rules.judge(object, key, lag) {
        return status;
    }
    let Some(known) = kinds::lookup(&key.group, &key.kind) else {
        return operators::judge(object, key, ctx)
            .unwrap_or_else(|| custom::custom_resource(object, ctx));
    };
    match known.rule {
        Rule::Deployment => workloads::deployment(object, ctx),
        Rule::ReplicaSet => workloads::replica_set(object, ctx),
        Rule::StatefulSet => workloads::stateful_set(object, ctx),
        Rule::DaemonSet => workloads::daemon_set(object, ctx),
        Rule::Pod => pod::pod(object, ctx),
        Rule::Job => batch::job(object, ctx),
        Rule::CronJob => batch::cron_job(object, ctx),
        Rule::Service => network::service(object),
        Rule::Ingress => network::ingress(object),
        Rule::PersistentVolumeClaim => storage::persistent_volume_claim(object, ctx),
        Rule::PersistentVolume => storage::persistent_volume(object),
        Rule::Namespace => api_server::namespace(object),
        Rule::CustomResourceDefinition => api_server::custom_resource_definition(object),
        Rule::HorizontalPodAutoscaler => pod_policy::horizontal_pod_autoscaler(object),
        Rule::PodDisruptionBudget => pod_policy::pod_disruption_budget(object, ctx),
        Rule::ApiService => api_server::api_service(object),
        Rule::ExistsIsEnough => ObjectStatus::success("Created"),
        Rule::Conditions => custom::custom_resource(object, ctx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Status;
    use crate::engine::testing::fixture;
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
    fn a_kind_outside_the_table_is_judged_by_its_conditions_whatever_its_name() {
        let yaml = "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: web, \
                    namespace: shop}\nstatus:\n  conditions:\n  - {type: Ready, status: \"True\"}\n";
        let key = ObjectKey::new("example.com", "Deployment", Some("shop"), "web");
        let status = evaluate_fixture(yaml, &key);
        assert_eq!(
            (status.status, status.message.as_str()),
            (Status::Success, "Ready")
        );
        // The same kind in a Kubernetes group but missing from the table: conditions too.
        let yaml = "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\n\
                    metadata: {name: csr}\n";
        let key = ObjectKey::new(
            "certificates.k8s.io",
            "CertificateSigningRequest",
            None,
            "csr",
        );
        assert_eq!(
            evaluate_fixture(yaml, &key).message,
            "exists (no status to judge; add a rule with --health-rules)"
        );
    }

    #[test]
    fn every_kind_the_table_says_exists_is_enough_for_is_success_once_created() {
        for known in kinds::KINDS.iter().filter(|k| k.exists_is_enough()) {
            let namespace = if known.namespaced() { "shop" } else { "" };
            let object = serde_json::json!({
                "apiVersion": known.api_version(known.newest_version()),
                "kind": known.kind,
                "metadata": {"name": "x", "namespace": namespace},
            });
            let store = crate::engine::Store::from_objects([object.clone()]);
            let pods = PodHistory::default();
            let warnings = std::collections::HashSet::new();
            let status = evaluate(
                &crate::engine::node::Node::of(object),
                &Context::new(&store, &pods, &warnings),
            );
            assert_eq!(
                (status.status, status.message.as_str()),
                (Status::Success, "Created"),
                "{}",
                known.kind
            );
        }
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
