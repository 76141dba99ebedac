//! Warning events as evidence: failures that a kubelet or controller reports only as Events (a
//! volume that cannot be mounted, a sandbox that cannot be created, pods a controller cannot
//! create), when such an event still stops the object it is about, and when it has lasted long
//! enough to be an Error.

use crate::engine::node::Node;
use jiff::Timestamp;

use super::context::Context;
use crate::engine::children::Store;
use crate::engine::json;
use crate::engine::model::{ObjectKey, ObjectStatus, Status};

/// Reasons the kubelet and the attach/detach controller give while a pod's volumes or sandbox
/// cannot be set up; the pod itself only says ContainerCreating.
pub const POD_SETUP_REASONS: &[&str] = &[
    "FailedMount",
    "FailedAttachVolume",
    "FailedCreatePodSandBox",
];

/// The reason the StatefulSet, DaemonSet and Job controllers give when they cannot create a pod
/// (quota, admission, an invalid template).
const CREATE_FAILURE: &str = "FailedCreate";

/// One Warning event, read leniently from core/v1 or events.k8s.io/v1.
#[derive(Debug, Clone)]
pub struct Warning<'a> {
    pub reason: &'a str,
    pub message: &'a str,
    pub count: i64,
    /// When it was last recorded.
    pub last: Option<Timestamp>,
}

impl Warning<'_> {
    /// `FailedMount: MountVolume.SetUp failed for volume "creds" : secret "x" not found`
    pub fn describe(&self) -> String {
        format!("{}: {}", self.reason, self.message.trim())
    }
}

fn timestamp_at(value: &Node, path: &[&str]) -> Option<Timestamp> {
    json::str_at(value, path)?.parse().ok()
}

fn read(event: &Node) -> Option<Warning<'_>> {
    if json::str_at(event, &["type"]) != Some("Warning") {
        return None;
    }
    let reason = json::str_at(event, &["reason"])?;
    let message = json::str_at(event, &["message"])
        .or_else(|| json::str_at(event, &["note"]))
        .unwrap_or("");
    let count = json::int_at(event, &["count"])
        .or_else(|| json::int_at(event, &["series", "count"]))
        .or_else(|| json::int_at(event, &["deprecatedCount"]))
        .unwrap_or(1);
    let recorded: [&[&str]; 5] = [
        &["series", "lastObservedTime"],
        &["lastTimestamp"],
        &["deprecatedLastTimestamp"],
        &["eventTime"],
        &["metadata", "creationTimestamp"],
    ];
    let last = recorded.iter().find_map(|path| timestamp_at(event, path));
    Some(Warning {
        reason,
        message,
        count,
        last,
    })
}

/// The most recently recorded Warning event with one of `reasons` about the object with `uid`.
pub fn latest<'a>(store: &'a Store, uid: &str, reasons: &[&str]) -> Option<Warning<'a>> {
    store
        .events_about(uid)
        .into_iter()
        .filter_map(read)
        .filter(|warning| reasons.contains(&warning.reason))
        .max_by_key(|warning| (warning.last, warning.count))
}

/// Whether any container of a pod has run: every volume is mounted and the sandbox exists
/// before the first container starts.
fn has_started(pod: &Node) -> bool {
    json::array_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .chain(json::array_at(pod, &["status", "containerStatuses"]))
        .any(|c| {
            json::at(c, &["state", "running"]).is_some()
                || json::at(c, &["state", "terminated"]).is_some()
                || json::at(c, &["lastState", "terminated"]).is_some()
        })
}

fn creates_pods(key: &ObjectKey) -> bool {
    matches!(
        (&*key.group, &*key.kind),
        ("apps", "StatefulSet" | "DaemonSet") | ("batch", "Job")
    )
}

/// The Warning event that stops this object, if one does:
/// - for a pod none of whose containers has started, its latest FailedMount, FailedAttachVolume
///   or FailedCreatePodSandBox (the pod itself only says ContainerCreating);
/// - for a StatefulSet, DaemonSet or Job, its latest FailedCreate when that was recorded after
///   its newest pod was created (a pod created since means the controller got past it).
///
/// The tracker times how long it has stood: it is an Error only once it has lasted the
/// stabilization window (see [`Context::lasting_warnings`]).
pub fn blocking_warning<'a>(object: &Node, store: &'a Store) -> Option<Warning<'a>> {
    let key = ObjectKey::of_node(object)?;
    let uid = json::uid(object)?;
    if key.group.is_empty() && &*key.kind == "Pod" {
        if has_started(object) {
            return None;
        }
        return latest(store, uid, POD_SETUP_REASONS);
    }
    if !creates_pods(&key) {
        return None;
    }
    let warning = latest(store, uid, &[CREATE_FAILURE])?;
    let newest_pod = store
        .owned(object, "Pod")
        .into_iter()
        .filter_map(|pod| timestamp_at(pod, &["metadata", "creationTimestamp"]))
        .max();
    let superseded = match (warning.last, newest_pod) {
        (_, None) => false,
        (Some(last), Some(created)) => last <= created,
        (None, Some(_)) => true,
    };
    (!superseded).then_some(warning)
}

/// Whether the blocking warning of this object has lasted long enough to be an
/// Error rather than something the kubelet or controller may still get past on a retry.
pub fn has_lasted(object: &Node, ctx: &Context) -> bool {
    json::uid(object).is_some_and(|uid| ctx.lasting_warnings.contains(uid))
}

/// A StatefulSet, DaemonSet or Job that is otherwise In progress and has a blocking
/// FailedCreate says so; once that has lasted, it is an Error (it would otherwise wait for pods
/// that cannot be created until the deadline).
pub fn with_create_failure(
    object: &Node,
    key: &ObjectKey,
    status: ObjectStatus,
    ctx: &Context,
) -> ObjectStatus {
    if !creates_pods(key) || status.status != Status::InProgress {
        return status;
    }
    let Some(warning) = blocking_warning(object, ctx.store) else {
        return status;
    };
    let judged = if has_lasted(object, ctx) {
        Status::Error
    } else {
        Status::InProgress
    };
    ObjectStatus {
        status: judged,
        message: warning.describe(),
        ..status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::fixture;
    use serde_json::Value;
    use std::collections::HashSet;

    use crate::engine::model::ObjectStatus;
    use crate::engine::rules::evaluate;
    use crate::engine::rules::pod_history::PodHistory;
    use crate::engine::testing::{fixture_key, load};
    use serde_json::json;

    const FAILED_MOUNT: &str = fixture!("deployment-pod-failed-mount.yaml");
    const STS_QUOTA: &str = fixture!("statefulset-failed-create-quota.yaml");
    const JOB_QUOTA: &str = fixture!("job-failed-create-quota.yaml");
    const POD: &str = "web-6b8f7d9c4d-x7k2m";

    /// Judges `key` among `objects`; with `lasted`, every Warning event has stood for the
    /// stabilization window (the tracker decides that; here it is given).
    fn judge_objects(objects: Vec<Value>, key: &ObjectKey, lasted: bool) -> ObjectStatus {
        let lasting: HashSet<String> = if lasted {
            objects
                .iter()
                .filter_map(|o| o["metadata"]["uid"].as_str().map(str::to_string))
                .collect()
        } else {
            HashSet::new()
        };
        let store = Store::from_objects(objects);
        let object = store.get(key).unwrap_or_else(|| panic!("{key} not found"));
        let pods = PodHistory::default();
        evaluate(object, &Context::new(&store, &pods, &lasting))
    }

    fn judge(yaml: &str, key: &ObjectKey, lasted: bool) -> ObjectStatus {
        judge_objects(load(yaml), key, lasted)
    }

    fn event(reason: &str, last: &str, count: i64) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": format!("web.{reason}.{count}"), "namespace": "shop"},
               "involvedObject": {"kind": "Pod", "name": "web", "uid": "pod-uid"},
               "type": "Warning", "reason": reason, "message": format!("{reason} happened "),
               "count": count, "lastTimestamp": last})
    }

    #[test]
    fn the_latest_matching_warning_wins_and_normal_events_are_ignored() {
        let mut normal = event("FailedMount", "2024-05-01T10:00:09Z", 1);
        normal["type"] = "Normal".into();
        normal["metadata"]["name"] = "web.normal".into();
        let store = Store::from_objects([
            event("FailedMount", "2024-05-01T10:00:05Z", 3),
            event("FailedCreatePodSandBox", "2024-05-01T10:00:07Z", 1),
            event("BackOff", "2024-05-01T10:00:08Z", 1),
            normal,
        ]);
        let warning = latest(&store, "pod-uid", POD_SETUP_REASONS).unwrap();
        assert_eq!(
            warning.describe(),
            "FailedCreatePodSandBox: FailedCreatePodSandBox happened"
        );
        assert!(latest(&store, "another-uid", POD_SETUP_REASONS).is_none());
    }

    #[test]
    fn events_k8s_io_fields_are_read_too() {
        let event = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "web.1", "namespace": "shop"},
            "regarding": {"kind": "Pod", "name": "web", "uid": "pod-uid"},
            "type": "Warning", "reason": "FailedMount", "note": "volume not found",
            "series": {"count": 4, "lastObservedTime": "2024-05-01T10:00:05.123456Z"}});
        let store = Store::from_objects([event]);
        let warning = latest(&store, "pod-uid", POD_SETUP_REASONS).unwrap();
        assert_eq!((warning.message, warning.count), ("volume not found", 4));
        assert!(warning.last.is_some());
    }

    #[test]
    fn a_failed_mount_that_lasted_fails_the_pod_and_bubbles_up_to_the_deployment() {
        let pod = judge(FAILED_MOUNT, &fixture_key("Pod", POD), true);
        assert_eq!(pod.status, Status::Error);
        assert_eq!(
            pod.message,
            "FailedMount: MountVolume.SetUp failed for volume \"creds\" : secret \"absent-secret\" not found"
        );
        let deployment = judge(FAILED_MOUNT, &fixture_key("Deployment", "web"), true);
        assert_eq!(deployment.status, Status::Error);
        assert_eq!(
            deployment.message,
            "1/1 pods: FailedMount (pod web-6b8f7d9c4d-x7k2m): MountVolume.SetUp failed for \
             volume \"creds\" : secret \"absent-secret\" not found"
        );
        let chain = deployment.children.unwrap().worst.unwrap();
        let links: Vec<_> = chain.links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(links, ["web-6b8f7d9c4d", POD]);
    }

    #[test]
    fn a_fresh_failed_mount_is_progress_that_names_it() {
        let pod = judge(FAILED_MOUNT, &fixture_key("Pod", POD), false);
        assert_eq!(pod.status, Status::InProgress);
        assert!(pod.message.starts_with("FailedMount: "), "{}", pod.message);
        let deployment = judge(FAILED_MOUNT, &fixture_key("Deployment", "web"), false);
        assert_eq!(deployment.status, Status::InProgress);
        assert!(
            deployment
                .message
                .contains("(pod web-6b8f7d9c4d-x7k2m: FailedMount: "),
            "{}",
            deployment.message
        );
    }

    #[test]
    fn every_pod_setup_reason_stops_a_pod_that_has_not_started() {
        for reason in POD_SETUP_REASONS {
            let yaml = FAILED_MOUNT.replace("reason: FailedMount", &format!("reason: {reason}"));
            let pod = judge(&yaml, &fixture_key("Pod", POD), true);
            assert_eq!(pod.status, Status::Error, "{reason}");
            assert!(pod.message.starts_with(reason), "{}", pod.message);
        }
    }

    #[test]
    fn a_setup_warning_no_longer_counts_once_a_container_started() {
        let started = FAILED_MOUNT.replace(
            "        waiting:\n          reason: ContainerCreating",
            "        running:\n          startedAt: \"2024-05-02T09:13:02Z\"",
        );
        assert_ne!(started, FAILED_MOUNT);
        let pod = judge(&started, &fixture_key("Pod", POD), true);
        assert_eq!(pod.status, Status::InProgress, "{}", pod.message);
        assert!(!pod.message.contains("FailedMount"), "{}", pod.message);
        let deployment = judge(&started, &fixture_key("Deployment", "web"), true);
        assert_eq!(
            deployment.status,
            Status::InProgress,
            "{}",
            deployment.message
        );
    }

    #[test]
    fn an_event_about_another_pod_or_of_another_reason_does_not_count() {
        let other_uid = FAILED_MOUNT.replacen(
            "    uid: 7d1e4f2a-3b5c-4d6e-8f9a-0b1c2d3e4f5a\n  reason: FailedMount",
            "    uid: 00000000-0000-4000-8000-000000000000\n  reason: FailedMount",
            1,
        );
        assert_ne!(other_uid, FAILED_MOUNT);
        let pod = judge(&other_uid, &fixture_key("Pod", POD), true);
        assert_eq!(pod.status, Status::InProgress, "{}", pod.message);
        let other_reason = FAILED_MOUNT.replace("reason: FailedMount", "reason: FailedSync");
        let pod = judge(&other_reason, &fixture_key("Pod", POD), true);
        assert_eq!(pod.status, Status::InProgress, "{}", pod.message);
    }

    #[test]
    fn statefulset_that_cannot_create_pods_is_an_error_naming_the_quota() {
        let key = fixture_key("StatefulSet", "db");
        let status = judge(STS_QUOTA, &key, true);
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .starts_with("FailedCreate: create Pod db-0 in StatefulSet db failed"),
            "{}",
            status.message
        );
        assert!(
            status.message.contains("exceeded quota"),
            "{}",
            status.message
        );
        let fresh = judge(STS_QUOTA, &key, false);
        assert_eq!(
            (fresh.status, fresh.message),
            (Status::InProgress, status.message)
        );
    }

    /// db-0 as the controller creates it once the quota allows, `created` at the given time.
    fn sts_pod(created: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "db-0", "namespace": "shop", "uid": "db-0-uid",
                            "creationTimestamp": created,
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                "name": "db", "controller": true,
                                "uid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}]},
               "status": {"phase": "Pending"}})
    }

    fn statefulset_with(pod: Value) -> ObjectStatus {
        let mut objects = load(STS_QUOTA);
        objects.push(pod);
        judge_objects(objects, &fixture_key("StatefulSet", "db"), true)
    }

    #[test]
    fn a_pod_created_after_the_failure_clears_it() {
        let status = statefulset_with(sts_pod("2024-05-02T09:20:30Z"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        assert!(
            !status.message.contains("FailedCreate"),
            "{}",
            status.message
        );
    }

    #[test]
    fn a_failure_after_the_newest_pod_still_counts() {
        let status = statefulset_with(sts_pod("2024-05-02T09:19:00Z"));
        assert_eq!(status.status, Status::Error, "{}", status.message);
    }

    #[test]
    fn job_that_cannot_create_pods_is_an_error() {
        let status = judge(JOB_QUOTA, &fixture_key("Job", "migrate"), true);
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.starts_with(
                "FailedCreate: Error creating: pods \"migrate-5xk2q\" is forbidden: exceeded quota"
            ),
            "{}",
            status.message
        );
    }

    #[test]
    fn a_finished_object_ignores_old_create_failures() {
        let complete = JOB_QUOTA.replace(
            "    startTime: \"2024-05-02T10:00:00Z\"",
            "    startTime: \"2024-05-02T10:00:00Z\"\n    succeeded: 1\n    conditions:\n    - type: Complete\n      status: \"True\"",
        );
        let status = judge(&complete, &fixture_key("Job", "migrate"), true);
        assert_eq!(status.status, Status::Success, "{}", status.message);
    }

    #[test]
    fn daemonset_that_cannot_create_pods_is_an_error() {
        let daemonset = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "shop", "uid": "ds-uid", "generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 1,
                       "currentNumberScheduled": 0, "updatedNumberScheduled": 0, "numberAvailable": 0}});
        let event = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "agent.1", "namespace": "shop"},
            "involvedObject": {"kind": "DaemonSet", "name": "agent", "uid": "ds-uid"},
            "type": "Warning", "reason": "FailedCreate",
            "message": "Error creating: pods \"agent-x\" is forbidden: exceeded quota: no-pods",
            "count": 2, "lastTimestamp": "2024-05-02T10:00:02Z"});
        let status = judge_objects(
            vec![daemonset, event],
            &fixture_key("DaemonSet", "agent"),
            true,
        );
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.contains("exceeded quota"),
            "{}",
            status.message
        );
    }
}
