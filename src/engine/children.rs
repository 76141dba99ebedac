//! The object store and parent/child linking: ownerReference UIDs, Events by the UID of the
//! object they are about, and which children belong to a parent's current revision
//! (Deployment -> ReplicaSet, StatefulSet/DaemonSet -> Pods).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::node::{Interner, Node, Text};

use super::json;
use super::model::ObjectKey;

/// Annotation the Deployment controller stamps on a Deployment and its ReplicaSets.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// Label on StatefulSet (and DaemonSet) pods naming the ControllerRevision they were made from.
pub const REVISION_HASH_LABEL: &str = "controller-revision-hash";
/// Label on DaemonSet pods: the template generation they were made from.
pub const TEMPLATE_GENERATION_LABEL: &str = "pod-template-generation";
/// Annotation the DaemonSet controller keeps on the DaemonSet with its template generation.
pub const DAEMONSET_TEMPLATE_GENERATION: &str = "deprecated.daemonset.template.generation";

/// The latest snapshot of every object the engine has been shown, indexed by key, by UID, by
/// owner UID, and (for Events) by the UID of the object they are about. What it holds belongs to
/// the run ([`super::relevance`] decides); children are reduced to what rules read
/// ([`super::reduce`]), and every snapshot is held in the compact form of [`super::node`].
#[derive(Debug, Default, Clone)]
pub struct Store {
    objects: HashMap<ObjectKey, Node>,
    /// The strings the stored snapshots share.
    texts: Interner,
    keys_by_uid: HashMap<Text, ObjectKey>,
    owned_by: HashMap<String, BTreeSet<ObjectKey>>,
    events_about: HashMap<String, BTreeSet<ObjectKey>>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// A store holding these snapshots (tests and one-shot evaluation).
    pub fn from_objects(objects: impl IntoIterator<Item = Value>) -> Store {
        let mut store = Store::new();
        for object in objects {
            let object = store.compact(object);
            store.upsert(object);
        }
        store
    }

    /// The compact form of a snapshot, sharing its strings with what the store holds.
    pub fn compact(&mut self, object: Value) -> Node {
        Node::from_value(object, &mut self.texts)
    }

    /// Stores the latest snapshot of an object and returns its key.
    pub fn upsert(&mut self, object: Node) -> Option<ObjectKey> {
        let key = ObjectKey::of_node(&object)?;
        // An update keeps the key the object was stored under, which the tracker shares.
        let key = match self.objects.remove_entry(&key) {
            Some((stored, previous)) => {
                self.unindex(&stored, &previous);
                stored
            }
            None => key,
        };
        if let Some(uid) = object.field("metadata").field("uid").as_text() {
            self.keys_by_uid.insert(Arc::clone(uid), key.clone());
        }
        for owner_uid in owner_uids(&object) {
            self.owned_by
                .entry(owner_uid.to_string())
                .or_default()
                .insert(key.clone());
        }
        if let Some(about) = involved_uid(&object, &key) {
            self.events_about
                .entry(about.to_string())
                .or_default()
                .insert(key.clone());
        }
        self.objects.insert(key.clone(), object);
        Some(key)
    }

    /// Forgets an object. A delete for an older incarnation (different UID) of a re-created
    /// object is ignored.
    pub fn remove(&mut self, object: &Node) -> Option<(ObjectKey, Node)> {
        let key = ObjectKey::of_node(object)?;
        let stored = self.objects.get(&key)?;
        if let (Some(deleted), Some(current)) = (json::uid(object), json::uid(stored))
            && deleted != current
        {
            return None;
        }
        let stored = self.objects.remove(&key)?;
        self.unindex(&key, &stored);
        Some((key, stored))
    }

    fn unindex(&mut self, key: &ObjectKey, object: &Node) {
        if let Some(uid) = json::uid(object)
            && self.keys_by_uid.get(uid) == Some(key)
        {
            self.keys_by_uid.remove(uid);
        }
        for owner_uid in owner_uids(object) {
            if let Some(children) = self.owned_by.get_mut(owner_uid) {
                children.remove(key);
                if children.is_empty() {
                    self.owned_by.remove(owner_uid);
                }
            }
        }
        if let Some(about) = involved_uid(object, key)
            && let Some(events) = self.events_about.get_mut(about)
        {
            events.remove(key);
            if events.is_empty() {
                self.events_about.remove(about);
            }
        }
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Node> {
        self.objects.get(key)
    }

    /// The stored snapshot with the key it is stored under.
    pub fn get_key_value(&self, key: &ObjectKey) -> Option<(&ObjectKey, &Node)> {
        self.objects.get_key_value(key)
    }

    /// Whether an object with this UID is kept.
    pub fn has_uid(&self, uid: &str) -> bool {
        self.keys_by_uid.contains_key(uid)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Objects of `kind` that name `owner` in their ownerReferences, sorted by name.
    pub fn owned<'a>(&'a self, owner: &Node, kind: &str) -> Vec<&'a Node> {
        let Some(uid) = json::uid(owner) else {
            return Vec::new();
        };
        self.owned_by
            .get(uid)
            .into_iter()
            .flatten()
            .filter(|key| &*key.kind == kind)
            .filter_map(|key| self.objects.get(key))
            .collect()
    }

    /// The keys of the objects that own this one (those present in the store).
    pub fn owner_keys(&self, object: &Node) -> Vec<ObjectKey> {
        owner_uids(object)
            .filter_map(|uid| self.keys_by_uid.get(uid).cloned())
            .collect()
    }

    /// The Events about the object with this UID.
    pub fn events_about(&self, uid: &str) -> Vec<&Node> {
        self.events_about
            .get(uid)
            .into_iter()
            .flatten()
            .filter_map(|key| self.objects.get(key))
            .collect()
    }

    /// The key of the object an Event is about, if that object is in the store. A deletion
    /// carries only the Event's identity, so the stored copy is consulted first.
    pub fn subject_of_event(&self, event: &Node) -> Option<&ObjectKey> {
        let key = ObjectKey::of_node(event)?;
        let event = self.objects.get(&key).unwrap_or(event);
        self.keys_by_uid.get(involved_uid(event, &key)?)
    }
}

/// Whether a key names an Event (core/v1 or events.k8s.io/v1).
pub fn is_event(key: &ObjectKey) -> bool {
    &*key.kind == "Event" && (key.group.is_empty() || &*key.group == "events.k8s.io")
}

/// The UID of the object an Event is about: `involvedObject` in core/v1, `regarding` in
/// events.k8s.io/v1.
fn involved_uid<'a>(object: &'a Node, key: &ObjectKey) -> Option<&'a str> {
    if !is_event(key) {
        return None;
    }
    json::str_at(object, &["involvedObject", "uid"])
        .or_else(|| json::str_at(object, &["regarding", "uid"]))
        .filter(|uid| !uid.is_empty())
}

fn owner_uids(object: &Node) -> impl Iterator<Item = &str> {
    json::array_at(object, &["metadata", "ownerReferences"])
        .iter()
        .filter_map(|reference| json::str_at(reference, &["uid"]))
}

fn revision(object: &Node) -> Option<i64> {
    json::annotation(object, REVISION_ANNOTATION)?.parse().ok()
}

/// The ReplicaSet of a Deployment's current revision: the one whose revision annotation equals
/// the Deployment's, else the highest revision among the Deployment's ReplicaSets.
pub fn current_replica_set<'a>(store: &'a Store, deployment: &Node) -> Option<&'a Node> {
    let owned = store.owned(deployment, "ReplicaSet");
    if let Some(wanted) = revision(deployment)
        && let Some(matching) = owned.iter().find(|rs| revision(rs) == Some(wanted))
    {
        return Some(matching);
    }
    owned
        .into_iter()
        .max_by_key(|rs| (revision(rs).unwrap_or(-1), json::name(rs).to_string()))
}

/// Pods of a StatefulSet's update revision (all owned pods if the revision is not reported).
pub fn current_statefulset_pods<'a>(store: &'a Store, statefulset: &Node) -> Vec<&'a Node> {
    let pods = store.owned(statefulset, "Pod");
    match json::str_at(statefulset, &["status", "updateRevision"]) {
        Some(update) => pods
            .into_iter()
            .filter(|pod| json::label(pod, REVISION_HASH_LABEL).is_none_or(|hash| hash == update))
            .collect(),
        None => pods,
    }
}

/// Pods of a DaemonSet's current template generation: the generation the DaemonSet announces,
/// else the newest generation found on its pods.
pub fn current_daemonset_pods<'a>(store: &'a Store, daemonset: &Node) -> Vec<&'a Node> {
    let pods = store.owned(daemonset, "Pod");
    let generation_of = |pod: &Node| -> Option<i64> {
        json::label(pod, TEMPLATE_GENERATION_LABEL).and_then(|g| g.parse().ok())
    };
    let wanted = json::annotation(daemonset, DAEMONSET_TEMPLATE_GENERATION)
        .and_then(|g| g.parse().ok())
        .or_else(|| pods.iter().filter_map(|pod| generation_of(pod)).max());
    match wanted {
        Some(wanted) => pods
            .into_iter()
            .filter(|pod| generation_of(pod).is_none_or(|g| g == wanted))
            .collect(),
        None => pods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::load;

    const ROLLOUT: &str =
        include_str!("../../tests/fixtures/engine/deployment-rollout-old-pods-crashing.yaml");
    const STS: &str =
        include_str!("../../tests/fixtures/engine/statefulset-partition-rollout.yaml");
    const DS: &str =
        include_str!("../../tests/fixtures/engine/daemonset-rollout-two-generations.yaml");

    fn find<'a>(store: &'a Store, kind: &str, name: &str) -> &'a Node {
        store
            .objects
            .values()
            .find(|o| json::kind(o) == kind && json::name(o) == name)
            .unwrap_or_else(|| panic!("{kind} {name} not in fixture"))
    }

    fn names(objects: &[&Node]) -> Vec<String> {
        let mut names: Vec<_> = objects.iter().map(|o| json::name(o).to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn deployment_current_replica_set_is_the_highest_revision() {
        let store = Store::from_objects(load(ROLLOUT));
        let deployment = find(&store, "Deployment", "web");
        let current = current_replica_set(&store, deployment).unwrap();
        assert_eq!(json::name(current), "web-7c9d8b6f5d");
    }

    #[test]
    fn pods_link_to_their_replica_set_by_owner_uid() {
        let store = Store::from_objects(load(ROLLOUT));
        let old = find(&store, "ReplicaSet", "web-5f4c7d9b8c");
        assert_eq!(names(&store.owned(old, "Pod")), ["web-5f4c7d9b8c-2xkqp"]);
    }

    #[test]
    fn statefulset_pods_are_limited_to_the_update_revision() {
        let store = Store::from_objects(load(STS));
        let sts = find(&store, "StatefulSet", "db");
        assert_eq!(names(&current_statefulset_pods(&store, sts)), ["db-2"]);
    }

    #[test]
    fn daemonset_pods_are_limited_to_the_current_template_generation() {
        let store = Store::from_objects(load(DS));
        let ds = find(&store, "DaemonSet", "agent");
        assert_eq!(names(&current_daemonset_pods(&store, ds)), ["agent-n7k2p"]);
    }

    #[test]
    fn delete_of_an_older_incarnation_is_ignored() {
        let make = |uid: &str| {
            crate::engine::node::node!({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": "cfg", "namespace": "shop", "uid": uid}})
        };
        let mut store = Store::new();
        store.upsert(make("new-uid"));
        assert!(store.remove(&make("old-uid")).is_none());
        assert_eq!(store.len(), 1);
        assert!(store.remove(&make("new-uid")).is_some());
        assert!(store.is_empty());
    }
}
