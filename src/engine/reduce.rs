//! What is kept of a Pod, ReplicaSet, Job or Event: the fields the built-in rules read. A pod's
//! environment, mounts, probes and scheduling, a ReplicaSet's or Job's pod template are most of
//! their size and no rule reads them. Objects a user's rule judges are kept whole (it may read
//! any field), and other kinds are kept as they are.

use serde_json::{Map, Value};

use super::children;
use super::model::ObjectKey;

/// Metadata the rules and the store's indexes read.
const METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "generation",
    "labels",
    "ownerReferences",
    "creationTimestamp",
    "deletionTimestamp",
];

/// The reduced copy of a Pod, ReplicaSet, Job or Event; other objects as they are.
pub fn child(object: Value, key: &ObjectKey) -> Value {
    match (&*key.group, &*key.kind) {
        ("", "Pod") => pod(object),
        ("apps" | "extensions", "ReplicaSet") | ("batch", "Job") => without_template(object),
        _ if children::is_event(key) => event(object),
        _ => object,
    }
}

fn pod(mut object: Value) -> Value {
    let Some(fields) = object.as_object_mut() else {
        return object;
    };
    keep_only(
        fields,
        &["apiVersion", "kind", "metadata", "spec", "status"],
    );
    if let Some(metadata) = fields.get_mut("metadata").and_then(Value::as_object_mut) {
        keep_only(metadata, METADATA);
    }
    if let Some(spec) = fields.get_mut("spec").and_then(Value::as_object_mut) {
        keep_only(
            spec,
            &[
                "nodeName",
                "restartPolicy",
                "readinessGates",
                "initContainers",
                "containers",
                "volumes",
            ],
        );
        for containers in ["initContainers", "containers"] {
            for container in array_mut(spec, containers) {
                keep_only(container, &["name", "restartPolicy"]);
            }
        }
        // Claims name the PersistentVolumeClaims whose events explain a pending pod.
        if let Some(Value::Array(volumes)) = spec.get_mut("volumes") {
            volumes.retain(|v| v.get("persistentVolumeClaim").is_some());
            for volume in volumes.iter_mut().filter_map(Value::as_object_mut) {
                keep_only(volume, &["name", "persistentVolumeClaim"]);
            }
            if volumes.is_empty() {
                spec.remove("volumes");
            }
        }
    }
    if let Some(status) = fields.get_mut("status").and_then(Value::as_object_mut) {
        keep_only(
            status,
            &[
                "phase",
                "reason",
                "message",
                "conditions",
                "initContainerStatuses",
                "containerStatuses",
            ],
        );
        for condition in array_mut(status, "conditions") {
            keep_only(condition, &["type", "status", "reason", "message"]);
        }
        for statuses in ["initContainerStatuses", "containerStatuses"] {
            for container in array_mut(status, statuses) {
                keep_only(
                    container,
                    &["name", "ready", "restartCount", "state", "lastState"],
                );
                // Which state a container is in, its reason, message and exit code are read;
                // when it entered it is not.
                for state in ["state", "lastState"] {
                    let Some(Value::Object(state)) = container.get_mut(state) else {
                        continue;
                    };
                    for (_, detail) in state.iter_mut() {
                        if let Value::Object(detail) = detail {
                            for unread in ["startedAt", "finishedAt", "containerID"] {
                                detail.remove(unread);
                            }
                        }
                    }
                }
            }
        }
    }
    object
}

fn without_template(mut object: Value) -> Value {
    if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
        spec.remove("template");
    }
    object
}

fn event(mut object: Value) -> Value {
    if let Some(fields) = object.as_object_mut() {
        for unread in [
            "source",
            "reportingComponent",
            "reportingController",
            "reportingInstance",
            "related",
            "action",
        ] {
            fields.remove(unread);
        }
        if let Some(metadata) = fields.get_mut("metadata").and_then(Value::as_object_mut) {
            keep_only(metadata, METADATA);
        }
    }
    object
}

fn keep_only(fields: &mut Map<String, Value>, kept: &[&str]) {
    fields.retain(|field, _| kept.contains(&field.as_str()));
}

fn array_mut<'a>(
    fields: &'a mut Map<String, Value>,
    field: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    fields
        .get_mut(field)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::load;

    const ROLLOUT: &str =
        include_str!("../../tests/fixtures/engine/deployment-rollout-old-pods-crashing.yaml");

    fn a_real_pod() -> Value {
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
                         "labels": {"app": "web", "pod-template-hash": "abc"},
                         "annotations": {"prometheus.io/scrape": "true"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "web-abc", "uid": "rs", "controller": true}],
                         "resourceVersion": "42", "generateName": "web-"},
            "spec": {"nodeName": "n1", "restartPolicy": "Always",
                     "containers": [{"name": "app", "image": "busybox", "command": ["sh"],
                                     "env": [{"name": "A", "value": "b"}],
                                     "readinessProbe": {"exec": {"command": ["true"]}}}],
                     "volumes": [{"name": "token", "secret": {"secretName": "t"}},
                                 {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                     "tolerations": [{"operator": "Exists"}], "dnsPolicy": "ClusterFirst"},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "qosClass": "BestEffort",
                       "startTime": "2024-05-01T10:00:00Z",
                       "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                                       "lastTransitionTime": "2024-05-01T10:00:02Z"}],
                       "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                                              "image": "busybox", "imageID": "sha256:x",
                                              "containerID": "containerd://y", "started": true,
                                              "state": {"running": {"startedAt": "t"}},
                                              "lastState": {"terminated": {"exitCode": 1,
                                                  "reason": "Error", "startedAt": "t",
                                                  "finishedAt": "t", "containerID": "y"}}}]}})
    }

    #[test]
    fn a_pod_keeps_what_rules_read_and_loses_the_rest() {
        let pod = a_real_pod();
        let key = ObjectKey::of(&pod).unwrap();
        let reduced = child(pod, &key);
        assert_eq!(
            reduced,
            serde_json::json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
                             "labels": {"app": "web", "pod-template-hash": "abc"},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                  "name": "web-abc", "uid": "rs", "controller": true}]},
                "spec": {"nodeName": "n1", "restartPolicy": "Always",
                         "containers": [{"name": "app"}],
                         "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
                "status": {"phase": "Running",
                           "conditions": [{"type": "Ready", "status": "True"}],
                           "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                                                  "state": {"running": {}},
                                                  "lastState": {"terminated": {"exitCode": 1,
                                                      "reason": "Error"}}}]}})
        );
    }

    #[test]
    fn a_replica_set_loses_its_pod_template_and_keeps_its_revision() {
        let objects = load(ROLLOUT);
        let rs = objects
            .into_iter()
            .find(|o| o["kind"] == "ReplicaSet")
            .unwrap();
        assert!(rs["spec"].get("template").is_some(), "the fixture has one");
        let key = ObjectKey::of(&rs).unwrap();
        let reduced = child(rs.clone(), &key);
        assert!(reduced["spec"].get("template").is_none());
        assert_eq!(reduced["spec"]["replicas"], rs["spec"]["replicas"]);
        assert_eq!(reduced["metadata"], rs["metadata"]);
        assert_eq!(reduced["status"], rs["status"]);
    }

    #[test]
    fn other_kinds_are_kept_whole() {
        let claim = serde_json::json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "annotations": {"a": "b"}}, "spec": {"storageClassName": "x"}});
        let key = ObjectKey::of(&claim).unwrap();
        assert_eq!(child(claim.clone(), &key), claim);
    }
}
