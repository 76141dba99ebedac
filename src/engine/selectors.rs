//! Label selectors every child of the tracked objects is sure to carry, so that a watch of
//! Pods, ReplicaSets or Jobs over a shared namespace asks the server for the application's
//! children only instead of the whole namespace.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::ObjectKey;

/// Keys tried first, in this order: the recommended labels, then the common `app`.
const PREFERRED_KEYS: &[&str] = &[
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app",
];

/// A selector (`app in (api,web)`) that every object of `child_kind` the run must see in this
/// namespace matches: the tracked objects of that kind themselves, and the children of every
/// tracked object that can own one. `None` when some such object guarantees no common label,
/// and the watch must cover the whole namespace.
pub fn children_selector(tracked: &[&Value], child_kind: (&str, &str)) -> Option<String> {
    let mut guarantees: Vec<BTreeMap<String, String>> = Vec::new();
    for object in tracked {
        let Some(key) = ObjectKey::of(object) else {
            continue;
        };
        match guaranteed_labels(object, &key, child_kind) {
            Guarantee::NoChildOfThatKind => {}
            Guarantee::Labels(labels) if !labels.is_empty() => guarantees.push(labels),
            Guarantee::Labels(_) | Guarantee::Unknown => return None,
        }
    }
    if guarantees.is_empty() {
        return None;
    }
    let common = |key: &str| guarantees.iter().all(|labels| labels.contains_key(key));
    let chosen = PREFERRED_KEYS
        .iter()
        .map(|k| k.to_string())
        .find(|k| common(k))
        .or_else(|| guarantees[0].keys().find(|k| common(k)).cloned())?;
    let values: BTreeSet<&str> = guarantees
        .iter()
        .map(|labels| labels[&chosen].as_str())
        .collect();
    let values: Vec<&str> = values.into_iter().collect();
    Some(format!("{chosen} in ({})", values.join(",")))
}

enum Guarantee {
    /// The object cannot own (and is not) an object of the child kind.
    NoChildOfThatKind,
    /// Labels every such object carries (possibly none).
    Labels(BTreeMap<String, String>),
    /// It may own such objects and nothing says what labels they carry.
    Unknown,
}

fn guaranteed_labels(object: &Value, key: &ObjectKey, child: (&str, &str)) -> Guarantee {
    let labels_at = |path: &[&str]| -> BTreeMap<String, String> {
        path.iter()
            .try_fold(object, |value, step| value.get(step))
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    if (&*key.group, &*key.kind) == child {
        return Guarantee::Labels(labels_at(&["metadata", "labels"]));
    }
    // A controller's pods (and a Deployment's ReplicaSets, which carry its pod template's
    // labels) must match its selector; a Job's pods carry its template's labels.
    let selector = || Guarantee::Labels(labels_at(&["spec", "selector", "matchLabels"]));
    match (&*key.group, &*key.kind, child) {
        (
            "apps" | "extensions",
            "Deployment",
            ("apps" | "extensions", "ReplicaSet") | ("", "Pod"),
        ) => selector(),
        ("apps" | "extensions", "StatefulSet" | "DaemonSet" | "ReplicaSet", ("", "Pod")) => {
            selector()
        }
        ("batch", "Job", ("", "Pod")) => {
            Guarantee::Labels(labels_at(&["spec", "template", "metadata", "labels"]))
        }
        ("batch", "CronJob", ("batch", "Job")) => {
            Guarantee::Labels(labels_at(&["spec", "jobTemplate", "metadata", "labels"]))
        }
        ("batch", "CronJob", ("", "Pod")) => Guarantee::Labels(labels_at(&[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ])),
        _ if super::kinds::is_builtin_group(&key.group) => Guarantee::NoChildOfThatKind,
        // A custom resource's operator may create anything.
        _ => Guarantee::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(name: &str, labels: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "namespace": "shop"},
               "spec": {"selector": {"matchLabels": labels},
                        "template": {"metadata": {"labels": labels}}}})
    }

    const POD: (&str, &str) = ("", "Pod");
    const RS: (&str, &str) = ("apps", "ReplicaSet");

    #[test]
    fn deployments_sharing_a_selector_key_narrow_pods_and_replica_sets() {
        let web = deployment("web", json!({"app": "web", "tier": "front"}));
        let api = deployment("api", json!({"app": "api"}));
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let tracked = [&web, &api, &config];
        assert_eq!(
            children_selector(&tracked, POD).as_deref(),
            Some("app in (api,web)")
        );
        assert_eq!(
            children_selector(&tracked, RS).as_deref(),
            Some("app in (api,web)")
        );
    }

    #[test]
    fn the_recommended_label_is_preferred() {
        let web = deployment("web", json!({"app.kubernetes.io/name": "web", "app": "w"}));
        assert_eq!(
            children_selector(&[&web], POD).as_deref(),
            Some("app.kubernetes.io/name in (web)")
        );
    }

    #[test]
    fn no_common_key_or_a_bare_pod_without_it_means_the_whole_namespace() {
        let web = deployment("web", json!({"app": "web"}));
        let db = deployment("db", json!({"name": "db"}));
        assert_eq!(children_selector(&[&web, &db], POD), None);
        let bare = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "debug"}});
        assert_eq!(children_selector(&[&web, &bare], POD), None);
        let labelled = json!({"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "debug", "labels": {"app": "debug"}}});
        assert_eq!(
            children_selector(&[&web, &labelled], POD).as_deref(),
            Some("app in (debug,web)")
        );
    }

    #[test]
    fn jobs_and_cron_jobs_guarantee_their_templates_labels() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
                         "spec": {"template": {"metadata": {"labels": {"app": "migrate"}}}}});
        assert_eq!(
            children_selector(&[&job], POD).as_deref(),
            Some("app in (migrate)")
        );
        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
                          "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "nightly"}}}}}}});
        assert_eq!(
            children_selector(&[&cron], POD).as_deref(),
            Some("app in (nightly)")
        );
        assert_eq!(
            children_selector(&[&cron], ("batch", "Job")),
            None,
            "its Jobs carry the job template's own labels, and it has none"
        );
    }

    #[test]
    fn a_custom_resource_may_own_anything() {
        let web = deployment("web", json!({"app": "web"}));
        let rollout = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                             "metadata": {"name": "web"}});
        assert_eq!(children_selector(&[&web, &rollout], POD), None);
    }
}
