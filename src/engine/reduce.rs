//! What is kept of a Pod, ReplicaSet, Job or Event: the fields the built-in rules read. A pod's
//! environment, mounts, probes and scheduling, a ReplicaSet's or Job's pod template are most of
//! their size and no rule reads them. Objects a user's rule judges are kept whole (it may read
//! any field), and other kinds are kept as they are. What is kept is declared as a [`Keep`], so
//! the watches can skip the rest while they parse (see `cluster::watch`) and never hold it.

use serde_json::Value;

use super::children;
use super::model::ObjectKey;

/// Which parts of a JSON value are kept.
#[derive(Debug, PartialEq)]
pub enum Keep {
    /// All of it.
    All,
    /// None of it: the field goes.
    Drop,
    /// Of a map, the named fields as their own `Keep` says and every other field as `rest`
    /// says. Anything but a map is kept whole.
    Map {
        named: &'static [(&'static str, Keep)],
        rest: &'static Keep,
    },
    /// Every item of an array, or every value of a map (a container's `state`), as the inner
    /// `Keep` says. A scalar is kept whole.
    Each(&'static Keep),
}

impl Keep {
    /// How a field of a map is kept: `None` when it goes.
    pub fn field(&self, name: &str) -> Option<&Keep> {
        let Keep::Map { named, rest } = self else {
            return Some(&Keep::All);
        };
        let keep = named
            .iter()
            .find(|(field, _)| *field == name)
            .map_or(*rest, |(_, keep)| keep);
        (*keep != Keep::Drop).then_some(keep)
    }

    /// What a map's value or an array's item keeps under `Each`; `self` otherwise.
    pub fn item(&self) -> &Keep {
        match self {
            Keep::Each(item) => item,
            _ => self,
        }
    }

    /// Removes from `value` what is not kept.
    pub fn apply(&self, value: &mut Value) {
        match (self, value) {
            (Keep::Map { .. }, Value::Object(fields)) => fields.retain(|name, item| {
                let Some(keep) = self.field(name) else {
                    return false;
                };
                keep.apply(item);
                true
            }),
            (Keep::Each(keep), Value::Object(fields)) => {
                fields.values_mut().for_each(|item| keep.apply(item));
            }
            (Keep::Each(keep), Value::Array(items)) => {
                items.iter_mut().for_each(|item| keep.apply(item))
            }
            _ => {}
        }
    }
}

/// Only these fields of a map, each kept whole.
macro_rules! only {
    ($($field:literal),* $(,)?) => {
        Keep::Map { named: &[$(($field, Keep::All)),*], rest: &Keep::Drop }
    };
}

/// Metadata the rules and the store's indexes read.
const METADATA: Keep = only![
    "name",
    "namespace",
    "uid",
    "generation",
    "labels",
    "ownerReferences",
    "creationTimestamp",
    "deletionTimestamp",
];

/// A container of a pod's spec: its name, and its restart policy (sidecar init containers).
const CONTAINER: Keep = only!["name", "restartPolicy"];

/// Which state a container is in, its reason, message and exit code are read; when it entered
/// it is not.
const CONTAINER_STATE: Keep = Keep::Each(&Keep::Map {
    named: &[
        ("startedAt", Keep::Drop),
        ("finishedAt", Keep::Drop),
        ("containerID", Keep::Drop),
    ],
    rest: &Keep::All,
});

const CONTAINER_STATUS: Keep = Keep::Map {
    named: &[
        ("name", Keep::All),
        ("ready", Keep::All),
        ("restartCount", Keep::All),
        ("state", CONTAINER_STATE),
        ("lastState", CONTAINER_STATE),
    ],
    rest: &Keep::Drop,
};

/// What is kept of a Pod.
const POD: Keep = Keep::Map {
    named: &[
        ("apiVersion", Keep::All),
        ("kind", Keep::All),
        ("metadata", METADATA),
        (
            "spec",
            Keep::Map {
                named: &[
                    ("nodeName", Keep::All),
                    ("restartPolicy", Keep::All),
                    ("readinessGates", Keep::All),
                    ("initContainers", Keep::Each(&CONTAINER)),
                    ("containers", Keep::Each(&CONTAINER)),
                    // Claims name the PersistentVolumeClaims whose events explain a pending
                    // pod; other volumes go in [`child`].
                    (
                        "volumes",
                        Keep::Each(&only!["name", "persistentVolumeClaim"]),
                    ),
                ],
                rest: &Keep::Drop,
            },
        ),
        (
            "status",
            Keep::Map {
                named: &[
                    ("phase", Keep::All),
                    ("reason", Keep::All),
                    ("message", Keep::All),
                    (
                        "conditions",
                        Keep::Each(&only!["type", "status", "reason", "message"]),
                    ),
                    ("initContainerStatuses", Keep::Each(&CONTAINER_STATUS)),
                    ("containerStatuses", Keep::Each(&CONTAINER_STATUS)),
                ],
                rest: &Keep::Drop,
            },
        ),
    ],
    rest: &Keep::Drop,
};

/// What is kept of a ReplicaSet or Job: all but the pod template.
const WITHOUT_TEMPLATE: Keep = Keep::Map {
    named: &[(
        "spec",
        Keep::Map {
            named: &[("template", Keep::Drop)],
            rest: &Keep::All,
        },
    )],
    rest: &Keep::All,
};

/// What is kept of an Event: not who reported it, nor its related object.
const EVENT: Keep = Keep::Map {
    named: &[
        ("metadata", METADATA),
        ("source", Keep::Drop),
        ("reportingComponent", Keep::Drop),
        ("reportingController", Keep::Drop),
        ("reportingInstance", Keep::Drop),
        ("related", Keep::Drop),
        ("action", Keep::Drop),
    ],
    rest: &Keep::All,
};

/// How an object of a kind is reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    Pod,
    WithoutTemplate,
    Event,
    /// Kept as it is.
    None,
}

impl Reduction {
    /// The reduction of a kind (group and kind of `key`) when no user's rule judges it.
    pub fn of(key: &ObjectKey) -> Reduction {
        match (&*key.group, &*key.kind) {
            ("", "Pod") => Reduction::Pod,
            ("apps" | "extensions", "ReplicaSet") | ("batch", "Job") => Reduction::WithoutTemplate,
            _ if children::is_event(key) => Reduction::Event,
            _ => Reduction::None,
        }
    }

    /// What it keeps.
    pub const fn keep(self) -> &'static Keep {
        match self {
            Reduction::Pod => &POD,
            Reduction::WithoutTemplate => &WITHOUT_TEMPLATE,
            Reduction::Event => &EVENT,
            Reduction::None => &Keep::All,
        }
    }
}

/// The reduced copy of a Pod, ReplicaSet, Job or Event; other objects as they are.
pub fn child(mut object: Value, key: &ObjectKey) -> Value {
    let reduction = Reduction::of(key);
    reduction.keep().apply(&mut object);
    if reduction == Reduction::Pod {
        without_plain_volumes(&mut object);
    }
    object
}

/// Of a pod's volumes only claims are read: the others go, and the list when none is left.
fn without_plain_volumes(pod: &mut Value) {
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(Value::Array(volumes)) = spec.get_mut("volumes") {
        volumes.retain(|v| v.get("persistentVolumeClaim").is_some());
        if volumes.is_empty() {
            spec.remove("volumes");
        }
    }
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
    fn an_event_loses_its_reporter_and_unread_metadata() {
        let event = serde_json::json!({"apiVersion": "v1", "kind": "Event", "type": "Warning",
            "metadata": {"name": "web-1.17", "namespace": "shop", "resourceVersion": "9",
                         "annotations": {"a": "b"}},
            "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "u1"},
            "reason": "BackOff", "message": "Back-off restarting failed container", "count": 3,
            "source": {"component": "kubelet", "host": "n1"}, "reportingComponent": "kubelet",
            "reportingInstance": "n1", "action": "Restarting", "related": {"kind": "Node"}});
        let key = ObjectKey::of(&event).unwrap();
        assert_eq!(Reduction::of(&key), Reduction::Event);
        assert_eq!(
            child(event, &key),
            serde_json::json!({"apiVersion": "v1", "kind": "Event", "type": "Warning",
                "metadata": {"name": "web-1.17", "namespace": "shop"},
                "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "u1"},
                "reason": "BackOff", "message": "Back-off restarting failed container",
                "count": 3})
        );
    }

    #[test]
    fn a_keep_applies_to_maps_and_arrays_and_leaves_scalars() {
        const KEEP: Keep = Keep::Map {
            named: &[("list", Keep::Each(&only!["a"])), ("gone", Keep::Drop)],
            rest: &Keep::All,
        };
        let mut value = serde_json::json!({"list": [{"a": 1, "b": 2}, 3, null],
            "gone": {"x": 1}, "other": {"y": 2}});
        KEEP.apply(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"list": [{"a": 1}, 3, null], "other": {"y": 2}})
        );
        let mut scalar = serde_json::json!("text");
        KEEP.apply(&mut scalar);
        assert_eq!(scalar, "text");
        assert_eq!(KEEP.field("gone"), None);
        assert_eq!(KEEP.field("other"), Some(&Keep::All));
    }

    #[test]
    fn other_kinds_are_kept_whole() {
        let claim = serde_json::json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "annotations": {"a": "b"}}, "spec": {"storageClassName": "x"}});
        let key = ObjectKey::of(&claim).unwrap();
        assert_eq!(child(claim.clone(), &key), claim);
    }
}
