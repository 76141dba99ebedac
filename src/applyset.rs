//! The ApplySet specification (KEP-3659, what `kubectl apply --prune --applyset` implements):
//! the set's id, the labels and annotations of its parent and members, and what to prune.

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// On the parent: the set's id; its presence makes the object a parent.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// On every member: the id of the set it belongs to.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// On the parent: `<tool>/<version>` of the tool that manages the set.
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// On the parent: the group-kinds of the members, sorted, comma-separated.
pub const GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// On the parent: the namespaces holding members besides the parent's own.
pub const NAMESPACES_ANNOTATION: &str = "applyset.kubernetes.io/additional-namespaces";
/// The tool name kstatus records, and the one a parent must name for kstatus to touch its set.
pub const TOOL: &str = "kstatus";

/// The tooling annotation value kstatus writes.
pub fn tooling() -> String {
    format!("{TOOL}/v{}", env!("CARGO_PKG_VERSION"))
}

/// The kinds a parent may be: the two built-in ones the specification allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentKind {
    Secret,
    ConfigMap,
}

impl ParentKind {
    pub fn kind(self) -> &'static str {
        match self {
            ParentKind::Secret => "Secret",
            ParentKind::ConfigMap => "ConfigMap",
        }
    }
}

/// `--applyset`: `NAME` (a Secret), `secrets/NAME` or `configmaps/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    pub kind: ParentKind,
    pub name: String,
}

impl ParentRef {
    pub fn parse(value: &str) -> Result<Self, String> {
        let (kind, name) = match value.split_once('/') {
            None => (ParentKind::Secret, value),
            Some(("secrets" | "secret", name)) => (ParentKind::Secret, name),
            Some(("configmaps" | "configmap", name)) => (ParentKind::ConfigMap, name),
            Some((other, _)) => {
                return Err(format!(
                    "--applyset {value}: the parent must be a Secret or a ConfigMap, not {other:?} \
                     (use NAME, secrets/NAME or configmaps/NAME)"
                ));
            }
        };
        if name.is_empty() || name.contains('/') {
            return Err(format!(
                "--applyset {value}: expected NAME, secrets/NAME or configmaps/NAME"
            ));
        }
        Ok(ParentRef {
            kind,
            name: name.to_string(),
        })
    }

    /// The set's id: `applyset-` + base64url(sha256(name.namespace.kind.group)) + `-v1`; both
    /// parent kinds are in the core group (empty).
    pub fn id(&self, namespace: &str) -> String {
        id(&self.name, namespace, self.kind.kind(), "")
    }
}

/// The ApplySet id of a parent, as the specification defines it.
pub fn id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!("applyset-{}-v1", URL_SAFE_NO_PAD.encode(digest))
}

/// A kind with its API group (empty for the core group), as in the group-kinds annotation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}

impl GroupKind {
    pub fn new(group: &str, kind: &str) -> Self {
        GroupKind {
            group: group.to_string(),
            kind: kind.to_string(),
        }
    }

    /// `Kind` or `Kind.group` (Kubernetes' `schema.ParseGroupKind`: the first dot splits).
    pub fn parse(text: &str) -> Self {
        match text.split_once('.') {
            Some((kind, group)) => GroupKind::new(group, kind),
            None => GroupKind::new("", text),
        }
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// The group-kinds annotation's value: sorted by their text, comma-separated.
pub fn format_group_kinds(kinds: &BTreeSet<GroupKind>) -> String {
    let mut texts: Vec<String> = kinds.iter().map(ToString::to_string).collect();
    texts.sort();
    texts.join(",")
}

/// The group-kinds of an annotation value; empty means an empty set.
pub fn parse_group_kinds(value: &str) -> BTreeSet<GroupKind> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(GroupKind::parse)
        .collect()
}

/// The namespaces of the additional-namespaces annotation.
pub fn parse_namespaces(value: &str) -> BTreeSet<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// What the live parent says about the set, once kstatus may manage it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub group_kinds: BTreeSet<GroupKind>,
    pub namespaces: BTreeSet<String>,
}

/// Checks an existing parent's labels and annotations: it must carry this set's id and name
/// kstatus as its tool, else kstatus refuses to touch the set (another tool, or another set,
/// owns it).
pub fn check_parent(metadata: &Value, parent: &str, id: &str) -> Result<Recorded, String> {
    let text = |field: &str, key: &str| {
        metadata
            .get(field)
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    };
    let Some(tooling) = text("annotations", TOOLING_ANNOTATION) else {
        return Err(format!(
            "ApplySet parent {parent} exists without the {TOOLING_ANNOTATION} annotation: \
             kstatus does not manage it"
        ));
    };
    let tool = tooling.rsplit_once('/').map_or(tooling, |(name, _)| name);
    if tool != TOOL {
        return Err(format!(
            "ApplySet parent {parent} is managed by {tool:?} ({TOOLING_ANNOTATION}: {tooling}), \
             not by {TOOL}: refusing to change or prune its set"
        ));
    }
    match text("labels", ID_LABEL) {
        Some(found) if found == id => {}
        Some(found) => {
            return Err(format!(
                "ApplySet parent {parent} has {ID_LABEL}={found}, expected {id}: refusing to \
                 change or prune its set"
            ));
        }
        None => {
            return Err(format!(
                "ApplySet parent {parent} exists without the {ID_LABEL} label: refusing to \
                 change or prune it"
            ));
        }
    }
    Ok(Recorded {
        group_kinds: parse_group_kinds(text("annotations", GROUP_KINDS_ANNOTATION).unwrap_or("")),
        namespaces: parse_namespaces(text("annotations", NAMESPACES_ANNOTATION).unwrap_or("")),
    })
}

/// Adds the part-of label to a manifest's object (a copy of what is on disk). A manifest that
/// already names another set is an error: kstatus would move the object between sets.
pub fn label_member(object: &mut Value, id: &str) -> Result<(), String> {
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return Err("no metadata".into());
    };
    let labels = metadata
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if labels.is_null() {
        *labels = Value::Object(Map::new());
    }
    let Some(labels) = labels.as_object_mut() else {
        return Err("metadata.labels is not a map".into());
    };
    match labels.get(PART_OF_LABEL).and_then(Value::as_str) {
        Some(existing) if existing != id => Err(format!(
            "already labelled {PART_OF_LABEL}={existing}, which is not the set {id}"
        )),
        _ => {
            labels.insert(PART_OF_LABEL.into(), Value::String(id.into()));
            Ok(())
        }
    }
}

/// The server-side apply body of the parent: only what the specification records, so the
/// Secret's data (if any) is never sent nor needed.
pub fn parent_body(parent: &ParentRef, namespace: &str, recorded: &Recorded) -> Value {
    let id = parent.id(namespace);
    let others: BTreeSet<&String> = recorded
        .namespaces
        .iter()
        .filter(|ns| ns.as_str() != namespace)
        .collect();
    let others: Vec<&str> = others.into_iter().map(String::as_str).collect();
    json!({
        "apiVersion": "v1",
        "kind": parent.kind.kind(),
        "metadata": {
            "name": parent.name,
            "namespace": namespace,
            "labels": {ID_LABEL: id},
            "annotations": {
                TOOLING_ANNOTATION: tooling(),
                GROUP_KINDS_ANNOTATION: format_group_kinds(&recorded.group_kinds),
                NAMESPACES_ANNOTATION: others.join(","),
            },
        },
    })
}

/// One object of a set, as listed or applied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Member {
    pub group_kind: GroupKind,
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.group_kind.kind, self.name)?;
        if let Some(ns) = &self.namespace {
            write!(f, " -n {ns}")?;
        }
        Ok(())
    }
}

/// What to prune: of the listed objects (with their labels), those labelled part of this set
/// that the new manifests do not hold. The label is checked again here, whatever selector
/// listed them: an object outside the set is never touched.
pub fn to_prune(
    listed: Vec<(Member, Option<Value>)>,
    applied: &BTreeSet<Member>,
    id: &str,
) -> Vec<Member> {
    let mut prune: Vec<Member> = listed
        .into_iter()
        .filter(|(_, labels)| {
            labels
                .as_ref()
                .and_then(|l| l.get(PART_OF_LABEL))
                .and_then(Value::as_str)
                == Some(id)
        })
        .map(|(member, _)| member)
        .filter(|member| !applied.contains(member))
        .collect();
    prune.sort();
    prune.dedup();
    prune
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_matches_kubectl() {
        // kubectl's apply_test.go: Secret my-set in namespace test.
        let parent = ParentRef::parse("my-set").unwrap();
        assert_eq!(
            parent.id("test"),
            "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"
        );
        assert_ne!(
            ParentRef::parse("configmaps/my-set").unwrap().id("test"),
            parent.id("test")
        );
    }

    #[test]
    fn parent_references() {
        assert_eq!(
            ParentRef::parse("secrets/x").unwrap().kind,
            ParentKind::Secret
        );
        assert_eq!(
            ParentRef::parse("configmaps/x").unwrap().kind,
            ParentKind::ConfigMap
        );
        assert!(ParentRef::parse("deployments.apps/x").is_err());
        assert!(ParentRef::parse("secrets/").is_err());
    }

    #[test]
    fn group_kinds_round_trip_sorted() {
        let kinds = parse_group_kinds("Deployment.apps,ConfigMap,,Ingress.networking.k8s.io");
        assert!(kinds.contains(&GroupKind::new("apps", "Deployment")));
        assert!(kinds.contains(&GroupKind::new("networking.k8s.io", "Ingress")));
        assert_eq!(
            format_group_kinds(&kinds),
            "ConfigMap,Deployment.apps,Ingress.networking.k8s.io"
        );
        assert!(parse_group_kinds("").is_empty());
    }

    #[test]
    fn parent_body_records_the_set() {
        let parent = ParentRef::parse("web-set").unwrap();
        let recorded = Recorded {
            group_kinds: parse_group_kinds("Deployment.apps,ConfigMap"),
            namespaces: ["shop".to_string(), "other".to_string()].into(),
        };
        let body = parent_body(&parent, "shop", &recorded);
        assert_eq!(body["kind"], "Secret");
        assert_eq!(body["metadata"]["labels"][ID_LABEL], parent.id("shop"));
        let annotations = &body["metadata"]["annotations"];
        assert_eq!(
            annotations[GROUP_KINDS_ANNOTATION],
            "ConfigMap,Deployment.apps"
        );
        assert_eq!(annotations[NAMESPACES_ANNOTATION], "other");
        assert!(
            annotations[TOOLING_ANNOTATION]
                .as_str()
                .unwrap()
                .starts_with("kstatus/v")
        );
        assert!(body.get("data").is_none());
    }

    #[test]
    fn a_parent_of_another_tool_or_set_is_refused() {
        let id = ParentRef::parse("s").unwrap().id("ns");
        let ok = json!({"labels": {ID_LABEL: id},
            "annotations": {TOOLING_ANNOTATION: "kstatus/v0.1.0", GROUP_KINDS_ANNOTATION: "ConfigMap"}});
        let recorded = check_parent(&ok, "Secret/s", &id).unwrap();
        assert_eq!(recorded.group_kinds, parse_group_kinds("ConfigMap"));
        let kubectl = json!({"labels": {ID_LABEL: id},
            "annotations": {TOOLING_ANNOTATION: "kubectl/v1.27"}});
        assert!(
            check_parent(&kubectl, "Secret/s", &id)
                .unwrap_err()
                .contains("kubectl")
        );
        let wrong_id = json!({"labels": {ID_LABEL: "applyset-x-v1"},
            "annotations": {TOOLING_ANNOTATION: "kstatus/v1"}});
        assert!(check_parent(&wrong_id, "Secret/s", &id).is_err());
        assert!(check_parent(&json!({}), "Secret/s", &id).is_err());
    }

    #[test]
    fn members_are_labelled_and_another_set_is_refused() {
        let mut object = json!({"metadata": {"name": "a"}});
        label_member(&mut object, "applyset-x-v1").unwrap();
        assert_eq!(object["metadata"]["labels"][PART_OF_LABEL], "applyset-x-v1");
        let mut other =
            json!({"metadata": {"name": "a", "labels": {PART_OF_LABEL: "applyset-y-v1"}}});
        assert!(label_member(&mut other, "applyset-x-v1").is_err());
    }

    #[test]
    fn only_labelled_members_missing_from_the_manifests_are_pruned() {
        let member = |kind: &str, name: &str| Member {
            group_kind: GroupKind::new("", kind),
            namespace: Some("shop".into()),
            name: name.into(),
        };
        let id = "applyset-x-v1";
        let listed = vec![
            (member("ConfigMap", "a"), Some(json!({PART_OF_LABEL: id}))),
            (member("ConfigMap", "b"), Some(json!({PART_OF_LABEL: id}))),
            (member("ConfigMap", "stranger"), None),
            (
                member("ConfigMap", "other-set"),
                Some(json!({PART_OF_LABEL: "applyset-y-v1"})),
            ),
        ];
        let applied = [member("ConfigMap", "a")].into();
        assert_eq!(
            to_prune(listed, &applied, id),
            vec![member("ConfigMap", "b")]
        );
    }
}
