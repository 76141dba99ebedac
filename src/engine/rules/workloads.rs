//! Deployment, ReplicaSet, StatefulSet and DaemonSet: controller counters in kubectl's wording
//! (counts always as "N of M"), plus the pods of the current revision, whose hard errors fail
//! the parent.

use crate::engine::node::Node;

use super::context::Context;
use super::pod::PodCause;
use super::pods_view::PodsView;
use crate::engine::children;
use crate::engine::json;
use crate::engine::model::{ChainLink, ObjectStatus, Status};

/// Workload children fail the parent for every hard cause except those a controller repairs.
fn workload_failure(cause: PodCause) -> bool {
    cause != PodCause::Replaceable && cause != PodCause::Normal
}

fn replicas(object: &Node) -> i64 {
    json::int_at(object, &["spec", "replicas"]).unwrap_or(1)
}

fn counter(object: &Node, field: &str) -> i64 {
    json::int_at(object, &["status", field]).unwrap_or(0)
}

fn link(object: &Node, status: &ObjectStatus) -> ChainLink {
    ChainLink {
        kind: json::kind(object).to_string(),
        name: json::name(object).to_string(),
        status: status.status,
        message: status.message.clone(),
    }
}

fn replica_failure(object: &Node) -> Option<ObjectStatus> {
    let failure = json::condition(object, "ReplicaFailure").filter(|c| c.is_true())?;
    Some(ObjectStatus::error(format!(
        "ReplicaFailure: {}",
        failure.describe()
    )))
}

pub fn deployment(object: &Node, ctx: &Context) -> ObjectStatus {
    if let Some((wanted, observed)) = ctx.generation_lag(object, true) {
        return ObjectStatus::in_progress(format!(
            "Waiting for deployment spec update to be observed... (observed generation {}, \
             want {wanted})",
            observed.map_or("none".to_string(), |o| o.to_string())
        ));
    }
    let desired = replicas(object);
    let updated = counter(object, "updatedReplicas");
    let total = counter(object, "replicas");
    let available = counter(object, "availableReplicas");

    if json::bool_at(object, &["spec", "paused"]) == Some(true) {
        return ObjectStatus::success(format!(
            "Deployment is paused: {updated} of {desired} replicas updated, {available} available"
        ))
        .with_note("paused; the rollout does not progress until the Deployment is resumed");
    }
    if let Some(progressing) = json::condition(object, "Progressing")
        && progressing.reason() == "ProgressDeadlineExceeded"
    {
        return ObjectStatus::error(format!(
            "Progress deadline exceeded: {}",
            progressing
                .message
                .unwrap_or("the rollout has not progressed")
        ));
    }
    if let Some(failure) = replica_failure(object) {
        return failure;
    }

    let current = children::current_replica_set(ctx.store, object);
    let (pods, above) = match current {
        Some(rs) => {
            let rs_status = replica_set_counters(rs, ctx);
            (
                PodsView::new(ctx.store.owned(rs, "Pod"), ctx),
                vec![link(rs, &rs_status)],
            )
        }
        None => (PodsView::new(Vec::new(), ctx), Vec::new()),
    };
    let summary = pods.summary(above, workload_failure);
    if let Some(message) = pods.error_message(workload_failure) {
        return ObjectStatus::error(message).with_children(summary);
    }

    let waiting = if updated < desired {
        Some(format!(
            "{updated} out of {desired} new replicas have been updated..."
        ))
    } else if total > updated {
        Some(format!(
            "{} old replicas are pending termination...",
            total - updated
        ))
    } else if available < updated || available < desired {
        Some(format!(
            "{available} of {updated} updated replicas are available..."
        ))
    } else {
        None
    };
    match waiting {
        Some(waiting) => ObjectStatus::in_progress(format!(
            "Waiting for rollout to finish: {waiting}{}",
            pods.progress_suffix()
        )),
        None if desired == 0 => ObjectStatus::success("Scaled to 0 replicas"),
        None => ObjectStatus::success(format!(
            "Rollout complete: {available} of {desired} updated replicas are available"
        )),
    }
    .with_children(summary)
}

/// A ReplicaSet judged on its own status only (used for the chain link under a Deployment).
fn replica_set_counters(object: &Node, ctx: &Context) -> ObjectStatus {
    if ctx.generation_lag(object, true).is_some() {
        return ObjectStatus::in_progress("Waiting for replica set spec update to be observed...");
    }
    if let Some(failure) = replica_failure(object) {
        return failure;
    }
    let desired = replicas(object);
    let available = counter(object, "availableReplicas");
    let ready = counter(object, "readyReplicas");
    let total = counter(object, "replicas");
    if available < desired || ready < desired {
        ObjectStatus::in_progress(format!(
            "Waiting for rollout to finish: {available} out of {desired} new replicas are \
             available..."
        ))
    } else if total > desired {
        ObjectStatus::in_progress(format!(
            "Waiting for {} of {total} pods to terminate...",
            total - desired
        ))
    } else {
        ObjectStatus::success(format!("{available} of {desired} replicas are available"))
    }
}

pub fn replica_set(object: &Node, ctx: &Context) -> ObjectStatus {
    let own = replica_set_counters(object, ctx);
    let pods = PodsView::new(ctx.store.owned(object, "Pod"), ctx);
    let summary = pods.summary(Vec::new(), workload_failure);
    if own.status == Status::Error {
        return own.with_children(summary);
    }
    if let Some(message) = pods.error_message(workload_failure) {
        return ObjectStatus::error(message).with_children(summary);
    }
    let mut own = own;
    if own.status == Status::InProgress {
        own.message.push_str(&pods.progress_suffix());
    }
    own.with_children(summary)
}

pub fn stateful_set(object: &Node, ctx: &Context) -> ObjectStatus {
    // The StatefulSet controller reports observedGeneration 0 before its first sync.
    let unobserved = json::int_at(object, &["status", "observedGeneration"]).unwrap_or(0) == 0;
    if unobserved || ctx.generation_lag(object, true).is_some() {
        return ObjectStatus::in_progress("Waiting for statefulset spec update to be observed...");
    }
    let pods = PodsView::new(children::current_statefulset_pods(ctx.store, object), ctx);
    let summary = pods.summary(Vec::new(), workload_failure);
    if let Some(message) = pods.error_message(workload_failure) {
        return ObjectStatus::error(message).with_children(summary);
    }

    let desired = replicas(object);
    let ready = counter(object, "readyReplicas");
    let total = counter(object, "replicas");
    let updated = counter(object, "updatedReplicas");
    let min_ready_seconds = json::int_at(object, &["spec", "minReadySeconds"]).unwrap_or(0);
    let available = json::int_at(object, &["status", "availableReplicas"]);
    let strategy =
        json::str_at(object, &["spec", "updateStrategy", "type"]).unwrap_or("RollingUpdate");
    let partition = json::int_at(
        object,
        &["spec", "updateStrategy", "rollingUpdate", "partition"],
    )
    .unwrap_or(0);
    let update_revision = json::str_at(object, &["status", "updateRevision"]).unwrap_or("");
    let current_revision = json::str_at(object, &["status", "currentRevision"]).unwrap_or("");

    let waiting = if ready < desired {
        Some(format!(
            "Waiting for rollout to finish: {ready} of {desired} pods ready..."
        ))
    } else if let Some(available) = available.filter(|&a| min_ready_seconds > 0 && a < desired) {
        Some(format!(
            "Waiting for rollout to finish: {available} of {desired} pods available..."
        ))
    } else if total > desired {
        Some(format!(
            "Waiting for {} of {total} pods to terminate...",
            total - desired
        ))
    } else if strategy == "OnDelete" {
        None
    } else if partition > 0 && updated < desired - partition {
        Some(format!(
            "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been \
             updated...",
            desired - partition
        ))
    } else if partition == 0 && current_revision != update_revision {
        Some(format!(
            "Waiting for statefulset rolling update to complete {updated} pods at revision \
             {update_revision}..."
        ))
    } else {
        None
    };
    let status = match waiting {
        Some(waiting) => ObjectStatus::in_progress(format!("{waiting}{}", pods.progress_suffix())),
        None if strategy == "OnDelete" => {
            let status = ObjectStatus::success(format!("statefulset has {ready} ready pods"));
            if updated < desired {
                status.with_note(format!(
                    "OnDelete: {} pods still run the old revision until they are deleted",
                    desired - updated
                ))
            } else {
                status
            }
        }
        None if partition > 0 => ObjectStatus::success(format!(
            "partitioned roll out complete: {updated} new pods have been updated..."
        )),
        None => ObjectStatus::success(format!(
            "statefulset rolling update complete {total} pods at revision {update_revision}..."
        )),
    };
    status.with_children(summary)
}

pub fn daemon_set(object: &Node, ctx: &Context) -> ObjectStatus {
    if ctx.generation_lag(object, true).is_some() {
        return ObjectStatus::in_progress("Waiting for daemon set spec update to be observed...");
    }
    let pods = PodsView::new(children::current_daemonset_pods(ctx.store, object), ctx);
    let summary = pods.summary(Vec::new(), workload_failure);
    if let Some(message) = pods.error_message(workload_failure) {
        return ObjectStatus::error(message).with_children(summary);
    }
    let desired = counter(object, "desiredNumberScheduled");
    let updated = counter(object, "updatedNumberScheduled");
    let available = counter(object, "numberAvailable");
    let on_delete = json::str_at(object, &["spec", "updateStrategy", "type"]) == Some("OnDelete");

    let waiting = if !on_delete && updated < desired {
        Some(format!(
            "{updated} out of {desired} new pods have been updated..."
        ))
    } else if available < desired {
        Some(format!(
            "{available} of {desired} updated pods are available..."
        ))
    } else {
        None
    };
    let status = match waiting {
        Some(waiting) => ObjectStatus::in_progress(format!(
            "Waiting for daemon set rollout to finish: {waiting}{}",
            pods.progress_suffix()
        )),
        None if desired == 0 => ObjectStatus::success("No nodes match; 0 pods scheduled")
            .with_note("no node matches the DaemonSet's node selector and tolerations"),
        None => {
            let status = ObjectStatus::success(format!(
                "Rollout complete: {available} of {desired} updated pods are available"
            ));
            if on_delete && updated < desired {
                status.with_note(format!(
                    "OnDelete: {} pods still run the old template until they are deleted",
                    desired - updated
                ))
            } else {
                status
            }
        }
    };
    status.with_children(summary)
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectStatus, Status};
    use crate::engine::testing::fixture;
    use crate::engine::testing::{evaluate_fixture, evaluate_fixture_with, fixture_key};

    fn deployment(yaml: &str) -> ObjectStatus {
        evaluate_fixture(yaml, &fixture_key("Deployment", "web"))
    }

    #[test]
    fn deployment_complete_is_success() {
        let status = deployment(fixture!("deployment-complete.yaml"));
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert_eq!(
            status.message,
            "Rollout complete: 3 of 3 updated replicas are available"
        );
        assert_eq!(status.children.unwrap().total, 3);
    }

    #[test]
    fn deployment_generation_lag_is_in_progress() {
        let status = deployment(fixture!("deployment-generation-lag.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .starts_with("Waiting for deployment spec update to be observed...")
        );
    }

    #[test]
    fn deployment_generation_from_apply_is_required() {
        let status = evaluate_fixture_with(
            fixture!("deployment-complete.yaml"),
            &fixture_key("Deployment", "web"),
            Some(5),
            true,
        );
        assert_eq!(status.status, Status::InProgress);
        assert!(status.message.contains("want 5"), "{}", status.message);
    }

    #[test]
    fn deployment_updating_reports_updated_count() {
        let status = deployment(fixture!("deployment-rollout-updating.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.starts_with(
                "Waiting for rollout to finish: 1 out of 3 new replicas have been updated..."
            ),
            "{}",
            status.message
        );
        assert!(
            status.message.contains("ContainerCreating"),
            "{}",
            status.message
        );
    }

    #[test]
    fn deployment_old_replicas_pending_termination() {
        let status = deployment(fixture!("deployment-old-pending-termination.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(
            status.message,
            "Waiting for rollout to finish: 1 old replicas are pending termination..."
        );
    }

    #[test]
    fn deployment_max_unavailable_gives_no_discount() {
        let status = deployment(fixture!("deployment-max-unavailable.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.starts_with(
                "Waiting for rollout to finish: 2 of 3 updated replicas are available..."
            ),
            "{}",
            status.message
        );
    }

    #[test]
    fn deployment_min_ready_seconds_waits_for_available_not_ready() {
        let status = deployment(fixture!("deployment-min-ready-seconds.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .contains("1 of 2 updated replicas are available")
        );
    }

    #[test]
    fn deployment_paused_is_success_with_note() {
        let status = deployment(fixture!("deployment-paused.yaml"));
        assert_eq!(status.status, Status::Success);
        assert!(status.note.unwrap().contains("paused"));
    }

    #[test]
    fn deployment_recreate_mid_rollout_is_in_progress() {
        let status = deployment(fixture!("deployment-recreate-mid-rollout.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .contains("0 out of 2 new replicas have been updated")
        );
    }

    #[test]
    fn deployment_replicas_zero_is_success() {
        let status = deployment(fixture!("deployment-replicas-zero.yaml"));
        assert_eq!(
            (status.status, status.message.as_str()),
            (Status::Success, "Scaled to 0 replicas")
        );
    }

    #[test]
    fn deployment_progress_deadline_exceeded_is_an_error() {
        let status = deployment(fixture!("deployment-progress-deadline-exceeded.yaml"));
        assert_eq!(status.status, Status::Error);
        assert_eq!(
            status.message,
            "Progress deadline exceeded: ReplicaSet \"web-7c9d8b6f5d\" has timed out progressing."
        );
    }

    #[test]
    fn deployment_replica_failure_is_an_error_with_the_condition_message() {
        let status = deployment(fixture!("deployment-replica-failure.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .starts_with("ReplicaFailure: FailedCreate: pods \"web-7c9d8b6f5d-")
        );
        assert!(
            status.message.contains("exceeded quota"),
            "{}",
            status.message
        );
    }

    #[test]
    fn deployment_new_pod_crash_loop_fails_the_deployment_naming_the_chain() {
        let status = deployment(fixture!("deployment-new-pods-crashloop.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .starts_with("1/3 pods: CrashLoopBackOff (exit 1) in container \"web\""),
            "{}",
            status.message
        );
        let children = status.children.unwrap();
        assert_eq!((children.total, children.failing), (3, 1));
        let chain = children.worst.unwrap();
        let names: Vec<_> = chain
            .links
            .iter()
            .map(|l| (l.kind.as_str(), l.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("ReplicaSet", "web-7c9d8b6f5d"),
                ("Pod", "web-7c9d8b6f5d-q8w2r")
            ]
        );
        let container = chain.container.unwrap();
        assert_eq!(
            (container.name.as_str(), container.restart_count),
            ("web", 4)
        );
    }

    #[test]
    fn deployment_old_revision_pods_crashing_do_not_fail_the_new_revision() {
        let status = deployment(fixture!("deployment-rollout-old-pods-crashing.yaml"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn deployment_terminating_crashing_pod_is_not_an_error() {
        let status = deployment(fixture!("deployment-terminating-pod-crashing.yaml"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn deployment_evicted_pod_is_not_an_error() {
        let status = deployment(fixture!("deployment-evicted-pod.yaml"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        assert_eq!(status.children.unwrap().failing, 0);
    }

    #[test]
    fn replica_set_available_is_success() {
        let status = evaluate_fixture(
            fixture!("deployment-complete.yaml"),
            &fixture_key("ReplicaSet", "web-7c9d8b6f5d"),
        );
        assert_eq!(status.status, Status::Success, "{}", status.message);
    }

    #[test]
    fn replica_set_replica_failure_is_an_error() {
        let status = evaluate_fixture(
            fixture!("deployment-replica-failure.yaml"),
            &fixture_key("ReplicaSet", "web-7c9d8b6f5d"),
        );
        assert_eq!(status.status, Status::Error);
        assert!(status.message.contains("exceeded quota"));
    }

    #[test]
    fn replica_set_with_crashing_pod_is_an_error() {
        let status = evaluate_fixture(
            fixture!("deployment-new-pods-crashloop.yaml"),
            &fixture_key("ReplicaSet", "web-7c9d8b6f5d"),
        );
        assert_eq!(status.status, Status::Error);
        assert!(status.message.contains("CrashLoopBackOff"));
    }

    #[test]
    fn replica_set_short_of_available_is_in_progress() {
        let status = evaluate_fixture(
            fixture!("deployment-max-unavailable.yaml"),
            &fixture_key("ReplicaSet", "web-7c9d8b6f5d"),
        );
        assert_eq!(status.status, Status::InProgress);
        assert!(status.message.starts_with(
            "Waiting for rollout to finish: 2 out of 3 new replicas are available..."
        ));
    }

    fn statefulset(yaml: &str) -> ObjectStatus {
        evaluate_fixture(yaml, &fixture_key("StatefulSet", "db"))
    }

    #[test]
    fn statefulset_complete_is_success() {
        let status = statefulset(fixture!("statefulset-complete.yaml"));
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert_eq!(
            status.message,
            "statefulset rolling update complete 3 pods at revision db-6d8f9c7b5..."
        );
    }

    #[test]
    fn statefulset_waiting_for_ready_pods() {
        let yaml =
            fixture!("statefulset-complete.yaml").replace("readyReplicas: 3", "readyReplicas: 1");
        let status = statefulset(&yaml);
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .starts_with("Waiting for rollout to finish: 1 of 3 pods ready...")
        );
    }

    #[test]
    fn statefulset_says_how_many_of_its_pods_are_ready_and_how_many_terminate() {
        let one_of_two = fixture!("statefulset-complete.yaml")
            .replacen("    replicas: 3", "    replicas: 2", 1)
            .replace("readyReplicas: 3", "readyReplicas: 1");
        assert!(
            statefulset(&one_of_two)
                .message
                .starts_with("Waiting for rollout to finish: 1 of 2 pods ready...")
        );
        let scaled_down =
            fixture!("statefulset-complete.yaml").replacen("    replicas: 3", "    replicas: 2", 1);
        let status = statefulset(&scaled_down);
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .starts_with("Waiting for 1 of 3 pods to terminate..."),
            "{}",
            status.message
        );
    }

    #[test]
    fn statefulset_revision_mismatch_waits_with_partition_zero() {
        let yaml = fixture!("statefulset-complete.yaml").replace(
            "currentRevision: db-6d8f9c7b5",
            "currentRevision: db-5b7c6d4f9",
        );
        let status = statefulset(&yaml);
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .starts_with("Waiting for statefulset rolling update to complete")
        );
    }

    #[test]
    fn statefulset_partition_complete_is_success() {
        let status = statefulset(fixture!("statefulset-partition-rollout.yaml"));
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert_eq!(
            status.message,
            "partitioned roll out complete: 1 new pods have been updated..."
        );
    }

    #[test]
    fn statefulset_partition_not_reached_is_in_progress() {
        let yaml =
            fixture!("statefulset-partition-rollout.yaml").replace("partition: 2", "partition: 1");
        let status = statefulset(&yaml);
        assert_eq!(status.status, Status::InProgress);
        assert!(status.message.starts_with(
            "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated..."
        ));
    }

    #[test]
    fn statefulset_on_delete_is_success_with_note() {
        let status = statefulset(fixture!("statefulset-on-delete.yaml"));
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert!(status.note.unwrap().contains("OnDelete: 3 pods"));
    }

    #[test]
    fn statefulset_unobserved_is_in_progress() {
        let status = statefulset(fixture!("statefulset-unobserved.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(
            status.message,
            "Waiting for statefulset spec update to be observed..."
        );
    }

    #[test]
    fn statefulset_update_revision_pod_crashing_is_an_error() {
        let status = statefulset(fixture!("statefulset-pod-image-pull.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .starts_with("1/1 pods: ImagePullBackOff in container \"postgres\"")
        );
    }

    #[test]
    fn statefulset_old_revision_pod_crashing_is_ignored() {
        let status = statefulset(fixture!("statefulset-old-revision-pod-crashing.yaml"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        assert!(
            status
                .message
                .starts_with("Waiting for rollout to finish: 2 of 3 pods ready...")
        );
        assert_eq!(status.children.unwrap().failing, 0);
    }

    fn daemonset(yaml: &str) -> ObjectStatus {
        evaluate_fixture(yaml, &fixture_key("DaemonSet", "agent"))
    }

    #[test]
    fn daemonset_complete_is_success() {
        let yaml = fixture!("daemonset-rollout-two-generations.yaml")
            .replace("updatedNumberScheduled: 1", "updatedNumberScheduled: 2")
            .replace("numberAvailable: 1", "numberAvailable: 2");
        let status = daemonset(&yaml);
        assert_eq!(status.status, Status::Success, "{}", status.message);
    }

    #[test]
    fn daemonset_rollout_in_progress_ignores_old_generation_crash() {
        let status = daemonset(fixture!("daemonset-rollout-two-generations.yaml"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        assert!(status.message.starts_with(
            "Waiting for daemon set rollout to finish: 1 out of 2 new pods have been updated..."
        ));
    }

    #[test]
    fn daemonset_on_delete_is_success_with_note() {
        let status = daemonset(fixture!("daemonset-on-delete.yaml"));
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert!(status.note.unwrap().starts_with("OnDelete: 2 pods"));
    }

    #[test]
    fn daemonset_without_observed_generation_is_in_progress() {
        let yaml = fixture!("daemonset-on-delete.yaml")
            .replace("observedGeneration: 2", "observedGeneration: null");
        let status = daemonset(&yaml);
        assert_eq!(status.status, Status::InProgress);
    }

    #[test]
    fn daemonset_current_pod_error_fails_it() {
        let status = daemonset(fixture!("daemonset-pod-config-error.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.contains("CreateContainerConfigError"),
            "{}",
            status.message
        );
        assert!(
            status.message.contains("secret \"agent-token\" not found"),
            "{}",
            status.message
        );
    }
}
