//! Which observed objects belong to the run: the tracked ones, everything they own (recursively),
//! the Events about those and what rules consult. Child watches cover whole namespaces, so most
//! of what they report belongs to other applications; such strangers are dropped on arrival and
//! remembered by UID only, so memory follows the application, not the namespace.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::engine::node::Node;

use super::children::{self, Store};
use super::json;
use super::kinds;
use super::model::{Moment, ObjectKey, group_of};

/// How long an object whose owner has not arrived waits for it once the watch of the owner's
/// kind has listed: watches of different kinds deliver in their own order, so a new
/// ReplicaSet's first pod can arrive just before the ReplicaSet.
const GRACE_AFTER_LIST: Duration = Duration::from_secs(1);
/// How long anything waits for its owner at most: an owner that never arrives (a kind nobody
/// declared, a server that never lists) must not hold memory for the whole run.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// What an arriving object is to the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Belonging {
    /// Tracked, owned by something kept, an Event about something kept, or consulted by rules.
    Kept,
    /// Belongs to nothing the run tracks: dropped.
    Stranger,
    /// Its owner (or an Event's subject) has not arrived yet: held until it does.
    AwaitingOwner(Awaited),
}

/// The object an arrival waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaited {
    pub uid: String,
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
struct Waiting {
    object: Node,
    owner: Awaited,
    since: Moment,
}

/// A (group, kind) watched in a namespace (`None`: every namespace, or cluster-scoped).
type Scope = (String, String, Option<String>);

/// The run's memory of strangers and of objects waiting for their owner.
#[derive(Debug, Default, Clone)]
pub struct Relevance {
    /// UIDs of objects known to belong to nothing tracked: their children are strangers too.
    strangers: HashSet<String>,
    /// Objects waiting, by the UID of what they wait for.
    waiting: HashMap<String, Vec<Waiting>>,
    /// The UID each waiting object waits for, by the waiting object's own UID.
    waits_for: HashMap<String, String>,
    /// The watches of the run, when declared: an owner of a kind nobody watches never arrives.
    watched: Option<HashSet<Scope>>,
    /// Watches that have listed, and since when.
    listed: HashMap<Scope, Moment>,
    /// Set when an object that was taken for a stranger turns out to belong (a label changed so
    /// it is now watched): what it owns was dropped and must be listed again.
    relist_wanted: bool,
}

impl Relevance {
    /// Declares the watches of the run.
    pub fn watching(&mut self, scopes: impl IntoIterator<Item = Scope>) {
        self.watched = Some(scopes.into_iter().collect());
    }

    /// The watch of this kind in this namespace has listed everything it covers.
    pub fn listed(&mut self, scope: Scope, now: Moment) {
        self.listed.entry(scope).or_insert(now);
    }

    /// Whether the run must list its child watches again (asked once per request).
    pub fn take_relist_request(&mut self) -> bool {
        std::mem::take(&mut self.relist_wanted)
    }

    /// How many objects are held waiting for their owner.
    pub fn waiting_count(&self) -> usize {
        self.waits_for.len()
    }

    /// How many strangers are remembered (by UID).
    pub fn stranger_count(&self) -> usize {
        self.strangers.len()
    }

    /// Judges an arrival against what is kept (`store`) and tracked.
    pub fn classify(
        &mut self,
        object: &Node,
        key: &ObjectKey,
        is_tracked: impl Fn(&ObjectKey) -> bool,
        store: &Store,
    ) -> Belonging {
        let uid = json::uid(object);
        if let Some(uid) = uid {
            self.stop_waiting(uid);
        }
        if is_tracked(key) || kinds::is_consulted(&key.group, &key.kind) {
            if uid.is_some_and(|uid| self.strangers.remove(uid)) {
                self.relist_wanted = true;
            }
            return Belonging::Kept;
        }
        let namespace = key.namespace.as_deref();
        let related = if children::is_event(key) {
            subject(object, namespace).into_iter().collect()
        } else {
            owners(object, namespace)
        };
        let mut unknown = None;
        for candidate in related {
            let owner_key = ObjectKey::new(
                &candidate.group,
                &candidate.kind,
                candidate.namespace.as_deref(),
                &candidate.name,
            );
            if store.has_uid(&candidate.uid) || is_tracked(&owner_key) {
                if uid.is_some_and(|uid| self.strangers.remove(uid)) {
                    self.relist_wanted = true;
                }
                return Belonging::Kept;
            }
            if !self.strangers.contains(&candidate.uid) && self.may_arrive(&candidate) {
                unknown.get_or_insert(candidate);
            }
        }
        match unknown {
            Some(owner) => Belonging::AwaitingOwner(owner),
            None => Belonging::Stranger,
        }
    }

    /// Holds an object until its owner arrives (see [`Relevance::release`]) or is given up.
    pub fn wait(&mut self, object: Node, owner: Awaited, now: Moment) {
        let Some(uid) = json::uid(&object).map(str::to_string) else {
            return;
        };
        self.waits_for.insert(uid, owner.uid.clone());
        self.waiting
            .entry(owner.uid.clone())
            .or_default()
            .push(Waiting {
                object,
                owner,
                since: now,
            });
    }

    /// Remembers a stranger; returns the objects that waited for it, to be judged again (they
    /// are strangers too, unless something else of theirs is kept). An Event owns nothing and
    /// nothing is about it, so it is not remembered.
    pub fn stranger(&mut self, uid: &str, key: &ObjectKey) -> Vec<Node> {
        if !children::is_event(key) {
            self.strangers.insert(uid.to_string());
        }
        self.release(uid)
    }

    /// The objects that waited for this UID, to be judged again now that it arrived.
    pub fn release(&mut self, uid: &str) -> Vec<Node> {
        let released = self.waiting.remove(uid).unwrap_or_default();
        released
            .into_iter()
            .map(|waiting| {
                if let Some(own) = json::uid(&waiting.object) {
                    self.waits_for.remove(own);
                }
                waiting.object
            })
            .collect()
    }

    /// Takes out the waiting object with this key, if any (it is about to be tracked).
    pub fn take_waiting(&mut self, key: &ObjectKey) -> Option<Node> {
        let uid = self
            .waiting
            .values()
            .flatten()
            .find(|w| ObjectKey::of_node(&w.object).as_ref() == Some(key))
            .and_then(|w| json::uid(&w.object))?
            .to_string();
        let owner = self.waits_for.remove(&uid)?;
        let waiting = self.waiting.get_mut(&owner)?;
        let position = waiting
            .iter()
            .position(|w| json::uid(&w.object) == Some(uid.as_str()))?;
        let taken = waiting.remove(position).object;
        if waiting.is_empty() {
            self.waiting.remove(&owner);
        }
        Some(taken)
    }

    /// An object is gone: forget it whatever it was.
    pub fn forget(&mut self, object: &Node) {
        if let Some(uid) = json::uid(object) {
            self.strangers.remove(uid);
            self.stop_waiting(uid);
        }
    }

    /// Gives up on owners that did not arrive in time: their waiting objects are returned to be
    /// judged again, and the owners are strangers from now on.
    pub fn expire(&mut self, now: Moment) -> Vec<Node> {
        let overdue: Vec<String> = self
            .waiting
            .iter()
            .filter(|(_, waiting)| waiting.iter().any(|w| self.overdue(w, now)))
            .map(|(owner, _)| owner.clone())
            .collect();
        overdue
            .iter()
            .flat_map(|owner| {
                self.strangers.insert(owner.clone());
                self.release(owner)
            })
            .collect()
    }

    /// The earliest moment at which a waiting object is given up.
    pub fn next_expiry(&self) -> Option<Moment> {
        self.waiting
            .values()
            .flatten()
            .map(|w| self.deadline(w))
            .min()
    }

    fn overdue(&self, waiting: &Waiting, now: Moment) -> bool {
        now >= self.deadline(waiting)
    }

    fn deadline(&self, waiting: &Waiting) -> Moment {
        let longest = waiting.since.after(LONGEST_WAIT);
        match self.listed_since(&waiting.owner) {
            Some(listed) => longest.min(listed.max(waiting.since).after(GRACE_AFTER_LIST)),
            None => longest,
        }
    }

    fn listed_since(&self, owner: &Awaited) -> Option<Moment> {
        scopes_of(owner)
            .iter()
            .filter_map(|scope| self.listed.get(scope))
            .min()
            .copied()
    }

    /// Whether an object of this kind can still arrive: a kind no watch covers never does.
    fn may_arrive(&self, owner: &Awaited) -> bool {
        let Some(watched) = &self.watched else {
            return true;
        };
        scopes_of(owner).iter().any(|scope| watched.contains(scope))
    }

    fn stop_waiting(&mut self, uid: &str) {
        if let Some(owner) = self.waits_for.remove(uid)
            && let Some(waiting) = self.waiting.get_mut(&owner)
        {
            waiting.retain(|w| json::uid(&w.object) != Some(uid));
            if waiting.is_empty() {
                self.waiting.remove(&owner);
            }
        }
    }
}

/// The watches that would report `owner`: of its kind in its namespace, or in every namespace.
fn scopes_of(owner: &Awaited) -> [Scope; 2] {
    let scope = |namespace| (owner.group.clone(), owner.kind.clone(), namespace);
    [scope(owner.namespace.clone()), scope(None)]
}

/// The objects named in ownerReferences (in the object's namespace: owners are in the same
/// namespace or cluster-scoped, and the table of kinds tells which).
fn owners(object: &Node, namespace: Option<&str>) -> Vec<Awaited> {
    json::array_at(object, &["metadata", "ownerReferences"])
        .iter()
        .filter_map(|reference| reference_to(reference, namespace))
        .collect()
}

/// The object an Event is about (`involvedObject` in core/v1, `regarding` in events.k8s.io).
fn subject(event: &Node, namespace: Option<&str>) -> Option<Awaited> {
    let about = json::at(event, &["involvedObject"]).or_else(|| json::at(event, &["regarding"]))?;
    let namespace = json::str_at(about, &["namespace"])
        .filter(|ns| !ns.is_empty())
        .or(namespace);
    reference_to(about, namespace)
}

fn reference_to(reference: &Node, namespace: Option<&str>) -> Option<Awaited> {
    let uid = json::str_at(reference, &["uid"]).filter(|uid| !uid.is_empty())?;
    let group = group_of(json::str_at(reference, &["apiVersion"]).unwrap_or(""));
    let kind = json::str_at(reference, &["kind"]).unwrap_or("");
    let namespaced = kinds::lookup(group, kind).is_none_or(|k| k.namespaced());
    Some(Awaited {
        uid: uid.to_string(),
        group: group.to_string(),
        kind: kind.to_string(),
        namespace: namespace.filter(|_| namespaced).map(str::to_string),
        name: json::str_at(reference, &["name"]).unwrap_or("").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};

    use crate::engine::model::{Moment, ObjectKey, Status};
    use crate::engine::tracker::{Change, Config, Held, Tracker};

    fn at(secs: f64) -> Moment {
        Moment::from_secs_f64(secs)
    }

    fn tracker() -> Tracker {
        Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(300)),
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        })
    }

    fn object(
        api_version: &str,
        kind: &str,
        name: &str,
        owner: Option<(&str, &str, &str)>,
    ) -> Value {
        let owners: Vec<Value> = owner
            .into_iter()
            .map(|(kind, name, uid)| {
                let api_version = if kind == "StatefulSet" || kind == "ReplicaSet" || kind == "Deployment" {
                    "apps/v1"
                } else {
                    "v1"
                };
                json!({"apiVersion": api_version, "kind": kind, "name": name, "uid": uid, "controller": true})
            })
            .collect();
        json!({"apiVersion": api_version, "kind": kind,
               "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                            "ownerReferences": owners},
               "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app", "image": "busybox"}]}}},
               "status": {"phase": "Running"}})
    }

    fn deployment(name: &str) -> Value {
        object("apps/v1", "Deployment", name, None)
    }

    fn replica_set(name: &str, deployment: &str) -> Value {
        object(
            "apps/v1",
            "ReplicaSet",
            name,
            Some(("Deployment", deployment, &format!("uid-{deployment}"))),
        )
    }

    fn pod(name: &str, owner_kind: &str, owner: &str) -> Value {
        object(
            "v1",
            "Pod",
            name,
            Some((owner_kind, owner, &format!("uid-{owner}"))),
        )
    }

    fn warning_about(name: &str, about: &Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")},
               "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
               "involvedObject": {"apiVersion": about["apiVersion"], "kind": about["kind"],
                                  "name": about["metadata"]["name"], "namespace": "shop",
                                  "uid": about["metadata"]["uid"]}})
    }

    fn key_of(object: &Value) -> ObjectKey {
        ObjectKey::of(object).unwrap()
    }

    fn add(tracker: &mut Tracker, object: &Value, secs: f64) {
        tracker.observe(Change::Added(object.clone()), at(secs));
    }

    /// apply: the Deployment is tracked and known before any watch reports its children.
    fn applied_web() -> Tracker {
        let mut tracker = tracker();
        let web = deployment("web");
        tracker.track(key_of(&web), Some(1));
        add(&mut tracker, &web, 0.0);
        tracker
    }

    #[test]
    fn unrelated_pods_replica_sets_and_events_of_the_namespace_are_not_retained() {
        let mut tracker = applied_web();
        add(&mut tracker, &replica_set("web-1", "web"), 0.1);
        add(&mut tracker, &pod("web-1-a", "ReplicaSet", "web-1"), 0.2);
        let ours = pod("web-1-b", "ReplicaSet", "web-1");
        add(&mut tracker, &ours, 0.2);
        add(&mut tracker, &warning_about("ours", &ours), 0.3);
        let kept = tracker.held().kept;
        assert_eq!(
            kept, 5,
            "the Deployment, its ReplicaSet, two pods and their event"
        );

        // The rest of a shared namespace: another application's Deployment (not watched by
        // `apply`: only its ReplicaSet and pods show up), a bare pod, and their events.
        add(&mut tracker, &replica_set("other-1", "other"), 0.5);
        for i in 0..100 {
            let theirs = pod(&format!("other-1-{i}"), "ReplicaSet", "other-1");
            add(&mut tracker, &theirs, 0.6);
            add(
                &mut tracker,
                &warning_about(&format!("theirs-{i}"), &theirs),
                0.6,
            );
        }
        add(&mut tracker, &object("v1", "Pod", "bare", None), 0.7);
        tracker.tick(at(61.0));
        assert_eq!(
            tracker.held(),
            Held {
                kept,
                waiting: 0,
                strangers: 103
            },
            "only UIDs of the other application (not of events) are remembered"
        );
    }

    #[test]
    fn children_owned_by_a_kind_nobody_watches_are_dropped_at_once() {
        let mut tracker = applied_web();
        tracker.watching([
            (
                "apps".to_string(),
                "Deployment".to_string(),
                Some("shop".to_string()),
            ),
            (
                "apps".to_string(),
                "ReplicaSet".to_string(),
                Some("shop".to_string()),
            ),
            ("".to_string(), "Pod".to_string(), Some("shop".to_string())),
        ]);
        add(&mut tracker, &pod("db-0", "StatefulSet", "db"), 0.1);
        assert_eq!(
            tracker.held(),
            Held {
                kept: 1,
                waiting: 0,
                strangers: 1
            }
        );
    }

    #[test]
    fn a_child_waits_for_an_owner_not_yet_listed_and_is_dropped_once_the_list_ends() {
        let mut tracker = applied_web();
        tracker.watching([
            (
                "apps".to_string(),
                "ReplicaSet".to_string(),
                Some("shop".to_string()),
            ),
            ("".to_string(), "Pod".to_string(), Some("shop".to_string())),
        ]);
        add(
            &mut tracker,
            &pod("other-1-a", "ReplicaSet", "other-1"),
            0.1,
        );
        assert_eq!(tracker.held().waiting, 1, "its ReplicaSet may still arrive");
        tracker.listed("apps", "ReplicaSet", Some("shop"), at(0.5));
        tracker.tick(at(1.4));
        assert_eq!(tracker.held().waiting, 1, "a grace period after the list");
        tracker.tick(at(1.5));
        assert_eq!(
            tracker.held(),
            Held {
                kept: 1,
                waiting: 0,
                strangers: 2
            }
        );
    }

    #[test]
    fn children_that_arrive_before_their_tracked_parent_are_kept_when_it_arrives() {
        // watch -l: the Deployment is tracked when its (selected) watch reports it, possibly
        // after its ReplicaSet and pods.
        let mut tracker = tracker();
        let web_pod = pod("web-1-a", "ReplicaSet", "web-1");
        add(&mut tracker, &web_pod, 0.0);
        add(&mut tracker, &replica_set("web-1", "web"), 0.1);
        assert_eq!(
            tracker.held(),
            Held {
                kept: 0,
                waiting: 2,
                strangers: 0
            }
        );
        let web = deployment("web");
        tracker.track(key_of(&web), None);
        add(&mut tracker, &web, 0.2);
        assert_eq!(
            tracker.held(),
            Held {
                kept: 3,
                waiting: 0,
                strangers: 0
            }
        );
        assert_eq!(tracker.related_objects(&key_of(&web)).len(), 3);
    }

    #[test]
    fn a_kept_pod_adopted_by_a_stranger_leaves_the_store() {
        let mut tracker = applied_web();
        add(&mut tracker, &replica_set("web-1", "web"), 0.1);
        add(&mut tracker, &pod("web-1-a", "ReplicaSet", "web-1"), 0.2);
        assert_eq!(tracker.held().kept, 3);
        add(&mut tracker, &object("v1", "Pod", "bare", None), 0.3);
        let mut orphan = pod("web-1-a", "ReplicaSet", "web-1");
        orphan["metadata"]["ownerReferences"] = json!([]);
        add(&mut tracker, &orphan, 0.4);
        assert_eq!(
            tracker.held(),
            Held {
                kept: 2,
                waiting: 0,
                strangers: 2
            }
        );
    }

    #[test]
    fn a_stranger_that_becomes_tracked_asks_for_its_children_to_be_listed_again() {
        let mut tracker = tracker();
        let api = deployment("api");
        add(&mut tracker, &api, 0.0);
        assert_eq!(tracker.held().strangers, 1);
        assert!(!tracker.take_relist_request());
        // Its label changed: `watch -l` now selects it.
        tracker.track(key_of(&api), None);
        add(&mut tracker, &api, 1.0);
        assert!(tracker.take_relist_request());
        assert!(!tracker.take_relist_request(), "asked once");
        assert_eq!(
            tracker.status(&key_of(&api)).unwrap().status,
            Status::InProgress
        );
    }

    #[test]
    fn a_tracked_pod_judged_by_a_user_rule_keeps_every_field() {
        let rules = crate::engine::health::HealthRules::parse(&[(
            "rules.yaml".to_string(),
            "- apiVersion: v1\n  kind: Pod\n  current: metadata.annotations['ready'] == 'yes'\n"
                .to_string(),
        )])
        .unwrap();
        let config = Config {
            stabilization: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(300)),
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: std::sync::Arc::new(rules),
        };
        let mut annotated = object("v1", "Pod", "debug", None);
        annotated["metadata"]["annotations"] = json!({"ready": "yes"});
        let judged = |config: Config| {
            let mut tracker = Tracker::new(config);
            tracker.track(key_of(&annotated), None);
            add(&mut tracker, &annotated, 0.0);
            tracker.status(&key_of(&annotated)).unwrap().status
        };
        assert_eq!(
            judged(config),
            Status::Success,
            "the rule read the annotation"
        );
    }
}
