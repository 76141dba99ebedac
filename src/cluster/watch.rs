//! Watches: one per (kind, namespace), list-then-watch with bookmarks; after any failure a
//! fresh list (with backoff) whose end says the watch is live again, objects missing from it
//! turned into explicit deletions; every change forwarded on one channel.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use kube::Api;
use kube::api::DynamicObject;
use kube::core::TypeMeta;
use kube::runtime::utils::Backoff;
use kube::runtime::watcher::{self, DefaultBackoff, Event};
use serde_json::Value;
use tokio::sync::Notify;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;

use super::apply::strip_unread_fields;
use super::discovery::Resource;
use crate::engine::ObjectKey;
use crate::engine::reduce;
use crate::fingerprint::Salt;

/// Objects per page of a watch's list.
const LIST_PAGE_SIZE: u32 = 250;

/// What one watch covers.
#[derive(Debug, Clone)]
pub struct WatchTarget {
    pub resource: Resource,
    /// None: every namespace (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    /// e.g. `type=Warning` for Events.
    pub field_selector: Option<String>,
}

impl WatchTarget {
    /// `pods in shop`, for messages.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} in namespace {ns}", self.resource.api.plural),
            None => self.resource.api.plural.clone(),
        }
    }
}

/// What the watches report.
#[derive(Debug, Clone)]
pub enum WatchUpdate {
    /// An object was added or changed (also: listed after a (re)start).
    Upsert(Value),
    /// An object is gone: deleted, or missing from a relist.
    Delete(Value),
    /// The watch for `targets[target]` has listed everything: for the first time, or again after
    /// a failure (it is live again).
    Synced { target: usize },
    /// The watch for `targets[target]` failed; it lists again after a backoff, and what it
    /// reported may be stale until then.
    Failed {
        target: usize,
        message: String,
        status: Option<u16>,
    },
}

/// The running watches: one task per target.
pub struct Watches {
    tasks: JoinSet<()>,
    relists: Vec<Arc<Notify>>,
}

impl Watches {
    /// Makes the watch of `targets[target]` list everything again (what it drops is reported
    /// as deleted, what it lists as upserts).
    pub fn relist(&self, target: usize) {
        if let Some(relist) = self.relists.get(target) {
            relist.notify_one();
        }
    }

    pub fn abort_all(&mut self) {
        self.tasks.abort_all();
    }
}

/// Starts one task per target. Tasks end when the receiver is dropped or the set is aborted.
/// Objects are taken in as `ingest` says. The channel is bounded: a watch listing a large
/// namespace waits for the engine rather than queue the namespace in memory.
pub fn spawn(
    client: &kube::Client,
    targets: &[WatchTarget],
    ingest: &Ingest,
    updates: Sender<WatchUpdate>,
) -> Watches {
    let mut tasks = JoinSet::new();
    let mut relists = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        let relist = Arc::new(Notify::new());
        let watch = run(
            client.clone(),
            index,
            target.clone(),
            ingest.clone(),
            updates.clone(),
            relist.clone(),
        );
        tasks.spawn(watch);
        relists.push(relist);
    }
    Watches { tasks, relists }
}

async fn run(
    client: kube::Client,
    index: usize,
    target: WatchTarget,
    ingest: Ingest,
    updates: Sender<WatchUpdate>,
    relist: Arc<Notify>,
) {
    let api: Api<DynamicObject> = match &target.namespace {
        Some(ns) if target.resource.namespaced => {
            Api::namespaced_with(client, ns, &target.resource.api)
        }
        _ => Api::all_with(client, &target.resource.api),
    };
    // The first list comes in pages, so a namespace of 10,000 pods is never one response held
    // in memory whole.
    let mut config = watcher::Config::default().page_size(LIST_PAGE_SIZE);
    if let Some(selector) = &target.label_selector {
        config = config.labels(selector);
    }
    if let Some(selector) = &target.field_selector {
        config = config.fields(selector);
    }
    let types = TypeMeta {
        api_version: target.resource.api.api_version.clone(),
        kind: target.resource.api.kind.clone(),
    };
    let mut present = Present::default();
    let mut backoff = DefaultBackoff::default();
    loop {
        // Every (re)start lists first, so the end of that list tells that the watch is live
        // again, and shows what was deleted while it was not.
        let mut stream = watcher::watcher(api.clone(), config.clone()).boxed();
        let failure = loop {
            let item = tokio::select! {
                item = stream.next() => item,
                // Asked to list again: a fresh watcher lists first.
                _ = relist.notified() => break None,
            };
            let Some(item) = item else {
                return;
            };
            let sent = match item {
                Ok(Event::Init) => {
                    present.begin_list();
                    Ok(())
                }
                Ok(Event::InitApply(object)) | Ok(Event::Apply(object)) => {
                    let value = ingest.value_of(object, &types);
                    present.seen(&value);
                    updates.send(WatchUpdate::Upsert(value)).await
                }
                Ok(Event::InitDone) => {
                    backoff.reset();
                    let mut result = Ok(());
                    for identity in present.end_list() {
                        if result.is_ok() {
                            result = updates.send(WatchUpdate::Delete(identity)).await;
                        }
                    }
                    match result {
                        Ok(()) => updates.send(WatchUpdate::Synced { target: index }).await,
                        failed => failed,
                    }
                }
                Ok(Event::Delete(object)) => {
                    let value = ingest.value_of(object, &types);
                    present.deleted(&value);
                    updates.send(WatchUpdate::Delete(value)).await
                }
                Err(err) => break Some(err),
            };
            if sent.is_err() {
                return; // nobody listens any more
            }
        };
        let Some(failure) = failure else {
            continue;
        };
        let (message, status) = describe_watch_error(&failure);
        tracing::debug!(target = %target.describe(), %message, "watch error");
        let failed = WatchUpdate::Failed {
            target: index,
            message,
            status,
        };
        if updates.send(failed).await.is_err() {
            return;
        }
        let delay = backoff.next().unwrap_or(std::time::Duration::from_secs(30));
        tokio::time::sleep(delay).await;
    }
}

/// The objects a watch currently sees. After a restart (a dropped connection, or 410 Gone when
/// the resource version is too old) the watch lists everything again; an object missing from
/// that list was deleted while nobody watched, and must be reported as such rather than kept
/// with its last status.
#[derive(Debug, Default)]
struct Present {
    /// uid -> just enough of the object to report its deletion: a watch of a whole namespace
    /// remembers every object in it, so this is kept small.
    known: HashMap<String, Identity>,
    /// uids seen since the current list began.
    listed: HashSet<String>,
}

impl Present {
    fn begin_list(&mut self) {
        self.listed.clear();
    }

    fn seen(&mut self, object: &Value) {
        let uid = uid_of(object);
        self.listed.insert(uid.clone());
        self.known.insert(uid, Identity::of(object));
    }

    fn deleted(&mut self, object: &Value) {
        self.known.remove(&uid_of(object));
    }

    /// The list is complete: what was known but not listed is gone.
    fn end_list(&mut self) -> Vec<Value> {
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|uid| !self.listed.contains(*uid))
            .cloned()
            .collect();
        gone.iter()
            .filter_map(|uid| Some(self.known.remove(uid)?.deletion(uid)))
            .collect()
    }
}

/// How objects are taken in as they arrive.
#[derive(Clone)]
pub struct Ingest {
    /// Salts the fingerprints that replace a Secret's payload.
    pub salt: Salt,
    /// Kinds (group, kind) a user's health rule judges: kept whole. Other Pods, ReplicaSets,
    /// Jobs and Events are reduced to what the built-in rules read before they travel on.
    pub kept_whole: Arc<HashSet<(String, String)>>,
}

impl Ingest {
    fn value_of(&self, mut object: DynamicObject, types: &TypeMeta) -> Value {
        if object.types.is_none() {
            object.types = Some(types.clone());
        }
        let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
        strip_unread_fields(&mut value, &self.salt);
        match ObjectKey::of(&value) {
            Some(key)
                if !self
                    .kept_whole
                    .contains(&(key.group.to_string(), key.kind.to_string())) =>
            {
                reduce::child(value, &key)
            }
            _ => value,
        }
    }
}

fn uid_of(value: &Value) -> String {
    value["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Just enough of an object to report its deletion; the engine has the rest.
#[derive(Debug)]
struct Identity {
    api_version: Box<str>,
    kind: Box<str>,
    name: Box<str>,
    namespace: Option<Box<str>>,
}

impl Identity {
    fn of(value: &Value) -> Identity {
        let text = |v: &Value| Box::from(v.as_str().unwrap_or_default());
        Identity {
            api_version: text(&value["apiVersion"]),
            kind: text(&value["kind"]),
            name: text(&value["metadata"]["name"]),
            namespace: value["metadata"]["namespace"].as_str().map(Box::from),
        }
    }

    fn deletion(self, uid: &str) -> Value {
        serde_json::json!({
            "apiVersion": &*self.api_version,
            "kind": &*self.kind,
            "metadata": {
                "name": &*self.name,
                "namespace": self.namespace.as_deref(),
                "uid": uid,
            },
        })
    }
}

fn describe_watch_error(err: &watcher::Error) -> (String, Option<u16>) {
    match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => (super::describe(e), super::status_code(e)),
        watcher::Error::WatchError(status) => (status.message.clone(), Some(status.code)),
        other => (other.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str, uid: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "shop", "uid": uid, "labels": {"app": "web"}},
               "status": {"phase": "Running"}})
    }

    #[test]
    fn arriving_pods_are_reduced_unless_a_user_rule_judges_pods() {
        let arriving = || -> DynamicObject {
            serde_json::from_value(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
                             "managedFields": [{"manager": "kubelet"}],
                             "annotations": {"checksum/config": "abc"}},
                "spec": {"containers": [{"name": "app", "image": "busybox",
                                         "env": [{"name": "MODE", "value": "fast"}]}]},
                "status": {"phase": "Running"}}))
            .unwrap()
        };
        let types = TypeMeta {
            api_version: "v1".into(),
            kind: "Pod".into(),
        };
        let reduced = Ingest {
            salt: Salt::given("s"),
            kept_whole: Arc::default(),
        }
        .value_of(arriving(), &types);
        assert_eq!(reduced["spec"]["containers"], json!([{"name": "app"}]));
        assert!(reduced["metadata"].get("annotations").is_none());
        let whole = Ingest {
            salt: Salt::given("s"),
            kept_whole: Arc::new(HashSet::from([(String::new(), "Pod".to_string())])),
        }
        .value_of(arriving(), &types);
        assert_eq!(whole["spec"]["containers"][0]["env"][0]["value"], "fast");
        assert!(whole["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn a_relist_reports_objects_deleted_while_disconnected() {
        let mut present = Present::default();
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        present.seen(&pod("b", "uid-b"));
        assert!(
            present.end_list().is_empty(),
            "the first list deletes nothing"
        );

        // The watch restarts (410 Gone) and b is missing from the new list.
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        let gone = present.end_list();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["metadata"]["name"], "b");
        assert_eq!(gone[0]["kind"], "Pod");
        assert!(gone[0].get("status").is_none(), "only the identity travels");

        // Reported once: the next relist does not repeat it.
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        assert!(present.end_list().is_empty());
    }

    #[test]
    fn a_recreated_object_is_a_new_uid_and_the_old_one_is_gone() {
        let mut present = Present::default();
        present.begin_list();
        present.seen(&pod("a", "uid-1"));
        present.end_list();
        present.begin_list();
        present.seen(&pod("a", "uid-2"));
        let gone = present.end_list();
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["metadata"]["uid"], "uid-1");
    }

    #[test]
    fn a_watched_deletion_is_not_reported_again_by_a_relist() {
        let mut present = Present::default();
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        present.end_list();
        present.deleted(&pod("a", "uid-a"));
        present.begin_list();
        assert!(present.end_list().is_empty());
    }
}
