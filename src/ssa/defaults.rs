//! Server defaults that an applied configuration must carry itself: key fields of associative
//! lists (list-map keys) that the API server would default.
//!
//! Server-side apply identifies an element of an associative list by its key fields. Servers
//! whose schema does not declare a key's default (v1.20 among them) build the merge from the
//! applied configuration as sent, so an element that omits such a key is rejected: "associative
//! list with keys has an element that omits key field \"protocol\" (and doesn't have default
//! value)". Going through the v1.20 OpenAPI schema (`x-kubernetes-list-map-keys`, and
//! `x-kubernetes-patch-merge-key`, which server-side apply also treats as a list key), the only
//! such keys with a server default are `protocol` (default `TCP`) of Service `spec.ports` and of
//! container `ports`. Other optional keys (`hostAliases[].ip`, `imagePullSecrets[].name`, ...)
//! have no default: leaving them out is an error in the manifest, which the server reports.
//! Endpoints and EndpointSlice ports are atomic lists, not keyed. A server that knows the
//! default would set the same value, so filling it in changes nothing there.

use serde_json::Value;

/// What the server sets when a port's `protocol` is left out.
const DEFAULT_PROTOCOL: &str = "TCP";

/// The container lists of a pod spec; each container's `ports` is keyed by
/// (`containerPort`, `protocol`).
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Fills in every defaulted list-map key the object leaves out, so that server-side apply can
/// merge it. Values that are present are never changed; kinds outside the built-in API groups
/// (a custom resource may reuse a name like `Deployment`) are left alone.
pub fn fill_list_map_key_defaults(object: &mut Value) {
    let group = object["apiVersion"]
        .as_str()
        .map(|version| version.rsplit_once('/').map_or("", |(group, _)| group))
        .unwrap_or_default()
        .to_string();
    let kind = object["kind"].as_str().unwrap_or_default().to_string();
    match (group.as_str(), kind.as_str()) {
        ("", "Service") => fill_protocols(object.pointer_mut("/spec/ports")),
        ("", "Pod") => fill_pod_spec(object.pointer_mut("/spec")),
        ("", "PodTemplate") => fill_pod_spec(object.pointer_mut("/template/spec")),
        ("", "ReplicationController")
        | ("apps" | "extensions", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job") => fill_pod_spec(object.pointer_mut("/spec/template/spec")),
        ("batch", "CronJob") => {
            fill_pod_spec(object.pointer_mut("/spec/jobTemplate/spec/template/spec"))
        }
        _ => {}
    }
}

fn fill_pod_spec(pod_spec: Option<&mut Value>) {
    let Some(pod_spec) = pod_spec else { return };
    for list in CONTAINER_LISTS {
        let Some(containers) = pod_spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers {
            fill_protocols(container.get_mut("ports"));
        }
    }
}

/// Sets `protocol` on every port that has none (absent or null).
fn fill_protocols(ports: Option<&mut Value>) {
    let Some(ports) = ports.and_then(Value::as_array_mut) else {
        return;
    };
    for port in ports.iter_mut().filter_map(Value::as_object_mut) {
        if port.get("protocol").is_none_or(Value::is_null) {
            port.insert("protocol".into(), Value::String(DEFAULT_PROTOCOL.into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::fill_list_map_key_defaults;

    fn filled(object: Value) -> Value {
        let mut object = object;
        fill_list_map_key_defaults(&mut object);
        object
    }

    /// A pod spec with ports in every container list, some with a protocol, some without.
    fn pod_spec() -> Value {
        json!({
            "containers": [
                {"name": "web", "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}]},
                {"name": "sidecar"}
            ],
            "initContainers": [{"name": "init", "ports": [{"containerPort": 9000}]}],
            "ephemeralContainers": [{"name": "debug", "ports": [{"containerPort": 7000}]}]
        })
    }

    fn assert_pod_spec_filled(spec: &Value) {
        assert_eq!(
            spec["containers"][0]["ports"],
            json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}])
        );
        assert_eq!(spec["containers"][1], json!({"name": "sidecar"}));
        assert_eq!(
            spec["initContainers"][0]["ports"],
            json!([{"containerPort": 9000, "protocol": "TCP"}])
        );
        assert_eq!(
            spec["ephemeralContainers"][0]["ports"],
            json!([{"containerPort": 7000, "protocol": "TCP"}])
        );
    }

    #[test]
    fn service_ports_get_tcp() {
        let service = filled(json!({
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"name": "dns", "port": 53, "protocol": "UDP"}]}
        }));
        assert_eq!(
            service["spec"]["ports"],
            json!([
                {"port": 80, "targetPort": 8080, "protocol": "TCP"},
                {"name": "dns", "port": 53, "protocol": "UDP"}
            ])
        );
    }

    #[test]
    fn pod_containers_init_and_ephemeral_containers_get_tcp() {
        let pod = filled(json!({"apiVersion": "v1", "kind": "Pod", "spec": pod_spec()}));
        assert_pod_spec_filled(&pod["spec"]);
    }

    /// `{"a": {"b": leaf}}` for the path `/a/b`.
    fn nest(path: &str, leaf: Value) -> Value {
        path.trim_start_matches('/')
            .split('/')
            .rev()
            .fold(leaf, |inner, key| json!({ key: inner }))
    }

    #[test]
    fn every_pod_template_gets_tcp() {
        let cases = [
            ("apps/v1", "Deployment", "/spec/template/spec"),
            ("apps/v1", "ReplicaSet", "/spec/template/spec"),
            ("apps/v1", "StatefulSet", "/spec/template/spec"),
            ("apps/v1", "DaemonSet", "/spec/template/spec"),
            ("apps/v1beta2", "Deployment", "/spec/template/spec"),
            ("extensions/v1beta1", "Deployment", "/spec/template/spec"),
            ("extensions/v1beta1", "DaemonSet", "/spec/template/spec"),
            ("batch/v1", "Job", "/spec/template/spec"),
            ("v1", "ReplicationController", "/spec/template/spec"),
            ("v1", "PodTemplate", "/template/spec"),
            (
                "batch/v1beta1",
                "CronJob",
                "/spec/jobTemplate/spec/template/spec",
            ),
            (
                "batch/v1",
                "CronJob",
                "/spec/jobTemplate/spec/template/spec",
            ),
        ];
        for (api_version, kind, path) in cases {
            let mut object = nest(path, pod_spec());
            object["apiVersion"] = json!(api_version);
            object["kind"] = json!(kind);
            let object = filled(object);
            let spec = object
                .pointer(path)
                .unwrap_or_else(|| panic!("{kind}: no {path} in {object}"));
            assert_pod_spec_filled(spec);
        }
    }

    #[test]
    fn present_values_are_never_changed() {
        let service = json!({
            "apiVersion": "v1", "kind": "Service",
            "spec": {"ports": [{"port": 80, "protocol": "SCTP"}, {"port": 81, "protocol": "tcp"}]}
        });
        assert_eq!(filled(service.clone()), service);
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"template": {"spec": {"containers": [
                {"name": "a", "ports": [{"containerPort": 80, "protocol": "UDP"}]}
            ]}}}
        });
        assert_eq!(filled(deployment.clone()), deployment);
    }

    #[test]
    fn null_protocol_counts_as_absent() {
        let service = filled(json!({
            "apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80, "protocol": null}]}
        }));
        assert_eq!(service["spec"]["ports"][0]["protocol"], "TCP");
    }

    #[test]
    fn other_kinds_and_custom_groups_are_left_alone() {
        let objects = [
            // A custom resource that happens to be called Deployment.
            json!({"apiVersion": "example.com/v1", "kind": "Deployment",
                   "spec": {"template": {"spec": pod_spec()}}}),
            json!({"apiVersion": "example.com/v1", "kind": "Service",
                   "spec": {"ports": [{"port": 80}]}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"ports": "80"}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "spec": {"ingress": [{"ports": [{"port": 80}]}]}}),
        ];
        for object in objects {
            assert_eq!(filled(object.clone()), object);
        }
    }

    #[test]
    fn malformed_shapes_are_left_for_the_server_to_reject() {
        let objects = [
            json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": "80"}}),
            json!({"apiVersion": "v1", "kind": "Service", "spec": {"ports": [80, "http"]}}),
            json!({"apiVersion": "v1", "kind": "Service"}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": null}}),
            json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"ports": {"a": 1}}]}}),
        ];
        for object in objects {
            assert_eq!(filled(object.clone()), object);
        }
    }
}
