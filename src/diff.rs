//! The comparison behind `kstatus diff`: an object as the cluster holds it against the same
//! object after a server-side dry-run apply, both without what the server manages itself, as
//! changed field paths and a unified YAML diff. Pure: no IO.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

/// The schema of `kstatus diff -o json|yaml`.
pub const SCHEMA: &str = "kstatus.dev/diff/v1";

/// Lines of context around each change, as `diff -u`.
const CONTEXT_LINES: usize = 3;

/// Metadata the server writes on every write, whatever the manifests say: a difference there
/// says nothing about what applying would change.
const SERVER_METADATA: [&str; 6] = [
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// The annotation kubectl's client-side apply writes: a copy of an older configuration (which
/// may quote Secret data), not what the object is.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Which object a difference is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    /// The API group, empty for the core group.
    #[serde(rename = "apiGroup")]
    pub api_group: String,
    pub kind: String,
    /// None (null) for a cluster-scoped object.
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// `Kind/name -n ns`, as the rest of kstatus names objects.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{} -n {ns}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// What applying would do to an object that differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The object does not exist yet.
    New,
    /// The object exists and applying would change it.
    Changed,
}

/// One object applying would create or change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    #[serde(flatten)]
    pub object: ObjectRef,
    pub change: Change,
    /// The changed field paths (e.g. `spec.replicas`, `data.password`); empty for a new object.
    pub fields: Vec<String>,
    /// The unified diff of the two YAML documents (against nothing for a new object).
    pub diff: String,
}

/// The outcome of `kstatus diff`, in manifest order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffReport {
    pub schema: &'static str,
    pub changed: Vec<Difference>,
    pub unchanged: Vec<ObjectRef>,
}

impl DiffReport {
    pub fn new() -> Self {
        DiffReport {
            schema: SCHEMA,
            ..DiffReport::default()
        }
    }

    /// Files one object: `live` is None when it does not exist, `after` is the dry run's answer.
    /// Both are normalised here.
    pub fn add(&mut self, object: ObjectRef, live: Option<Value>, mut after: Value) {
        normalise(&mut after);
        let Some(mut live) = live else {
            let diff = unified(&object.display(), "", &to_yaml(&after));
            self.changed.push(Difference {
                object,
                change: Change::New,
                fields: Vec::new(),
                diff,
            });
            return;
        };
        normalise(&mut live);
        let fields = changed_paths(&live, &after);
        if fields.is_empty() {
            self.unchanged.push(object);
            return;
        }
        let diff = unified(&object.display(), &to_yaml(&live), &to_yaml(&after));
        self.changed.push(Difference {
            object,
            change: Change::Changed,
            fields,
            diff,
        });
    }

    pub fn has_differences(&self) -> bool {
        !self.changed.is_empty()
    }
}

/// Removes what the server manages itself: `status`, the metadata every write updates, and
/// the last-applied annotation (an empty annotation map goes with it).
pub fn normalise(object: &mut Value) {
    let Some(fields) = object.as_object_mut() else {
        return;
    };
    fields.remove("status");
    let Some(metadata) = fields.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for key in SERVER_METADATA {
        metadata.remove(key);
    }
    if let Some(annotations) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.remove(LAST_APPLIED);
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
}

/// The paths of the fields that differ between two values, in key order: a field present on
/// one side only, a scalar that differs, a list whose length differs (as a whole), otherwise
/// list items by index (`spec.containers[0].image`).
pub fn changed_paths(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn walk(path: &str, before: &Value, after: &Value, out: &mut Vec<String>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let child = join(path, key);
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => walk(&child, x, y, out),
                    _ => out.push(child),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if before != after => out.push(if path.is_empty() {
            ".".to_string()
        } else {
            path.to_string()
        }),
        _ => {}
    }
}

/// A key appended to a path: plain when it is a simple name, quoted in brackets otherwise
/// (`metadata.labels["app.kubernetes.io/name"]`).
fn join(path: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (simple, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", serde_json::Value::String(key.to_string())),
    }
}

/// The object as YAML, keys in order (serde_json's map is sorted).
pub fn to_yaml(object: &Value) -> String {
    serde_saphyr::to_string(object).expect("a JSON value serializes as YAML")
}

/// A unified diff of two YAML texts, headed like `diff -u -N` with the object's name.
pub fn unified(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(&format!("{name} (live)"), &format!("{name} (after apply)"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::apply::strip_unread_fields;
    use crate::fingerprint::Salt;
    use serde_json::json;

    fn deployment(replicas: u64, resource_version: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {
                "name": "web", "namespace": "shop", "uid": "1234", "generation": 3,
                "resourceVersion": resource_version, "creationTimestamp": "2026-01-01T00:00:00Z",
                "managedFields": [{"manager": "kstatus"}],
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                "labels": {"app.kubernetes.io/name": "web"}
            },
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "web", "image": "busybox:1.36"}]}}},
            "status": {"readyReplicas": 1}
        })
    }

    fn web() -> ObjectRef {
        ObjectRef {
            api_group: "apps".into(),
            kind: "Deployment".into(),
            namespace: Some("shop".into()),
            name: "web".into(),
        }
    }

    #[test]
    fn normalising_strips_what_the_server_manages() {
        let mut object = deployment(1, "77");
        normalise(&mut object);
        assert_eq!(
            object,
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop",
                             "labels": {"app.kubernetes.io/name": "web"}},
                "spec": {"replicas": 1, "template": {"spec": {"containers": [
                    {"name": "web", "image": "busybox:1.36"}]}}}
            })
        );
    }

    #[test]
    fn server_noise_alone_is_no_difference() {
        let mut report = DiffReport::new();
        let mut after = deployment(1, "78");
        after["status"] = json!({"readyReplicas": 0});
        after["metadata"]["generation"] = json!(4);
        report.add(web(), Some(deployment(1, "77")), after);
        assert!(!report.has_differences());
        assert_eq!(report.unchanged, [web()]);
    }

    #[test]
    fn changed_paths_name_each_changed_field() {
        let before = json!({"spec": {"replicas": 1, "containers": [{"image": "a"}, {"image": "b"}],
                                     "ports": [1]},
                            "metadata": {"labels": {"app.kubernetes.io/name": "web"}}});
        let after = json!({"spec": {"replicas": 2, "containers": [{"image": "a"}, {"image": "c"}],
                                    "ports": [1, 2], "paused": true},
                           "metadata": {"labels": {"app.kubernetes.io/name": "shop"}}});
        assert_eq!(
            changed_paths(&before, &after),
            [
                r#"metadata.labels["app.kubernetes.io/name"]"#,
                "spec.containers[1].image",
                "spec.paused",
                "spec.ports",
                "spec.replicas",
            ]
        );
        assert!(changed_paths(&before, &before).is_empty());
    }

    #[test]
    fn a_changed_object_renders_as_a_unified_yaml_diff() {
        let mut report = DiffReport::new();
        report.add(web(), Some(deployment(1, "77")), deployment(2, "78"));
        let [difference] = report.changed.as_slice() else {
            panic!("one difference: {report:?}")
        };
        assert_eq!(difference.change, Change::Changed);
        assert_eq!(difference.fields, ["spec.replicas"]);
        assert_eq!(
            difference.diff,
            "--- Deployment/web -n shop (live)\n\
             +++ Deployment/web -n shop (after apply)\n\
             @@ -6,7 +6,7 @@\n   \
               name: web\n   \
               namespace: shop\n \
             spec:\n\
             -  replicas: 1\n\
             +  replicas: 2\n   \
               template:\n     \
                 spec:\n       \
                   containers:\n"
        );
    }

    #[test]
    fn an_absent_object_is_new_and_diffs_against_nothing() {
        let mut report = DiffReport::new();
        report.add(web(), None, deployment(1, "1"));
        let difference = &report.changed[0];
        assert_eq!(difference.change, Change::New);
        assert!(difference.fields.is_empty());
        assert!(difference.diff.contains("@@ -0,0 +1,"));
        assert!(difference.diff.contains("+  replicas: 1\n"));
        assert!(!difference.diff.contains("uid"));
    }

    #[test]
    fn the_report_serializes_with_its_schema() {
        let mut report = DiffReport::new();
        report.add(web(), Some(deployment(1, "77")), deployment(2, "78"));
        let config = ObjectRef {
            api_group: String::new(),
            kind: "Namespace".into(),
            namespace: None,
            name: "shop".into(),
        };
        report.add(
            config.clone(),
            Some(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        );
        let value = serde_json::to_value(&report).unwrap();
        let diff = report.changed[0].diff.clone();
        assert_eq!(
            value,
            json!({
                "schema": "kstatus.dev/diff/v1",
                "changed": [{"apiGroup": "apps", "kind": "Deployment", "namespace": "shop",
                             "name": "web", "change": "changed", "fields": ["spec.replicas"],
                             "diff": diff}],
                "unchanged": [{"apiGroup": "", "kind": "Namespace", "namespace": null,
                               "name": "shop"}]
            })
        );
    }

    #[test]
    fn a_secret_differs_by_fingerprints_only() {
        let salt = Salt::given("run");
        let secret = |password: &str| {
            let mut object = json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                    "metadata": {"name": "db", "namespace": "shop"},
                                    "data": {"password": password, "user": "YWRtaW4="}});
            strip_unread_fields(&mut object, &salt);
            object
        };
        // "hunter2" and "hunter3", base64.
        let (old, new) = ("aHVudGVyMg==", "aHVudGVyMw==");
        let mut report = DiffReport::new();
        let object = ObjectRef {
            api_group: String::new(),
            kind: "Secret".into(),
            namespace: Some("shop".into()),
            name: "db".into(),
        };
        report.add(object, Some(secret(old)), secret(new));
        let difference = &report.changed[0];
        assert_eq!(difference.fields, ["data.password"]);
        let before = format!("-  password: {}\n", salt.fingerprint(b"hunter2"));
        let after = format!("+  password: {}\n", salt.fingerprint(b"hunter3"));
        assert!(difference.diff.contains(&before), "{}", difference.diff);
        assert!(difference.diff.contains(&after), "{}", difference.diff);
        let all = serde_json::to_string(&report).unwrap();
        for value in ["hunter2", "hunter3", old, new, "admin", "YWRtaW4="] {
            assert!(!all.contains(value), "{value} in {all}");
        }
    }
}
