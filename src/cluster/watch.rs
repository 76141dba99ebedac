//! Watches: one per (kind, namespace), list-then-watch with bookmarks; after any failure a
//! fresh list (with backoff) whose end says the watch is live again, objects missing from it
//! turned into explicit deletions; every change forwarded on one channel.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use kube::Api;
use kube::runtime::utils::Backoff;
use kube::runtime::watcher::{self, DefaultBackoff, Event};
use serde_json::Value;
use tokio::sync::Notify;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::apply::strip_unread_fields;
use super::discovery::Resource;
use super::slim::{EventParts, Parts, PodParts, Slim, Whole, WithoutTemplate};
use crate::engine::ObjectKey;
use crate::engine::reduce::{self, Reduction};
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
        let watch = Watch {
            client: client.clone(),
            index,
            target: target.clone(),
            ingest: ingest.clone(),
            updates: updates.clone(),
            relist: relist.clone(),
        };
        // Each kind is parsed keeping only what the engine keeps of it.
        let api = &target.resource.api;
        match ingest.reduction_of(&ObjectKey::new(&api.group, &api.kind, None, "")) {
            Reduction::Pod => tasks.spawn(run::<PodParts>(watch)),
            Reduction::WithoutTemplate => tasks.spawn(run::<WithoutTemplate>(watch)),
            Reduction::Event => tasks.spawn(run::<EventParts>(watch)),
            Reduction::None => tasks.spawn(run::<Whole>(watch)),
        };
        relists.push(relist);
    }
    Watches { tasks, relists }
}

/// One watch's task.
struct Watch {
    client: kube::Client,
    index: usize,
    target: WatchTarget,
    ingest: Ingest,
    updates: Sender<WatchUpdate>,
    relist: Arc<Notify>,
}

/// Lists, then watches, `target` until the receiver is dropped, parsing objects as `P`.
async fn run<P: Parts + Clone + std::fmt::Debug>(watch: Watch) {
    let Watch {
        client,
        index,
        target,
        ingest,
        updates,
        relist,
    } = watch;
    let api: Api<Slim<P>> = match &target.namespace {
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
    let types = Types {
        api_version: Value::String(target.resource.api.api_version.clone()),
        kind: Value::String(target.resource.api.kind.clone()),
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
                    let value = ingest.value_of(object.into_value(), &types);
                    present.seen(&value);
                    updates.send(WatchUpdate::Upsert(value)).await
                }
                Ok(Event::InitDone) => {
                    backoff.reset();
                    let mut result = Ok(());
                    for identity in present.end_list(&types) {
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
                    let value = ingest.value_of(object.into_value(), &types);
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
    /// remembers every object in it, strangers to the run included, so this is kept small (the
    /// kind is the watch's own).
    known: HashMap<Uid, Identity>,
    /// Which list is the current one: an object listed in it carries its number.
    list: u32,
    /// The namespace of the last object seen: a watch of one namespace shares one copy.
    namespace: Option<Arc<str>>,
}

impl Present {
    fn begin_list(&mut self) {
        self.list = self.list.wrapping_add(1);
    }

    fn seen(&mut self, object: &Value) {
        let uid = uid_of(object);
        let metadata = &object["metadata"];
        let namespace = metadata["namespace"].as_str();
        if self.namespace.as_deref() != namespace {
            self.namespace = namespace.map(Arc::from);
        }
        let identity = Identity {
            name: Box::from(metadata["name"].as_str().unwrap_or_default()),
            namespace: self.namespace.clone(),
            listed_in: self.list,
        };
        self.known.insert(Uid::of(uid), identity);
    }

    fn deleted(&mut self, object: &Value) {
        self.known.remove(&Uid::of(uid_of(object)));
    }

    /// The list is complete: what was known but not listed is gone.
    fn end_list(&mut self, types: &Types) -> Vec<Value> {
        let list = self.list;
        let mut gone = Vec::new();
        self.known.retain(|uid, identity| {
            let listed = identity.listed_in == list;
            if !listed {
                gone.push(identity.deletion(&uid.text(), types));
            }
            listed
        });
        gone
    }
}

/// The apiVersion and kind of a watch's objects (a list's items come without them).
struct Types {
    api_version: Value,
    kind: Value,
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
    /// How objects of this kind are reduced: not at all when a user's rule judges them.
    fn reduction_of(&self, key: &ObjectKey) -> Reduction {
        if self
            .kept_whole
            .contains(&(key.group.to_string(), key.kind.to_string()))
        {
            Reduction::None
        } else {
            Reduction::of(key)
        }
    }

    fn value_of(&self, mut value: Value, types: &Types) -> Value {
        if let Some(fields) = value.as_object_mut() {
            for (field, given) in [("apiVersion", &types.api_version), ("kind", &types.kind)] {
                fields.entry(field).or_insert_with(|| given.clone());
            }
        }
        strip_unread_fields(&mut value, &self.salt);
        match ObjectKey::of(&value) {
            Some(key) if self.reduction_of(&key) != Reduction::None => reduce::child(value, &key),
            _ => value,
        }
    }
}

fn uid_of(value: &Value) -> &str {
    value["metadata"]["uid"].as_str().unwrap_or_default()
}

/// An object's uid as [`Present`] keeps it. The API server writes UUIDs: held as a number they
/// take 16 bytes in the map, where the text would be an allocation of 48 more per object. Any
/// other text (a fake server's) is kept as it is.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Uid {
    Uuid(Uuid),
    Text(Box<str>),
}

impl Uid {
    fn of(text: &str) -> Uid {
        match Uuid::try_parse(text) {
            // Only where the text comes back the same: it is what the deletion reports.
            Ok(uuid) if uuid.hyphenated().encode_lower(&mut Uuid::encode_buffer()) == text => {
                Uid::Uuid(uuid)
            }
            _ => Uid::Text(Box::from(text)),
        }
    }

    fn text(&self) -> Cow<'_, str> {
        match self {
            Uid::Uuid(uuid) => Cow::Owned(uuid.hyphenated().to_string()),
            Uid::Text(text) => Cow::Borrowed(text),
        }
    }
}

/// Just enough of an object to report its deletion; the engine has the rest.
#[derive(Debug)]
struct Identity {
    name: Box<str>,
    namespace: Option<Arc<str>>,
    /// The last list that had the object.
    listed_in: u32,
}

impl Identity {
    fn deletion(&self, uid: &str, types: &Types) -> Value {
        serde_json::json!({
            "apiVersion": types.api_version,
            "kind": types.kind,
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

    fn pod_types() -> Types {
        Types {
            api_version: json!("v1"),
            kind: json!("Pod"),
        }
    }

    fn pod(name: &str, uid: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "shop", "uid": uid, "labels": {"app": "web"}},
               "status": {"phase": "Running"}})
    }

    #[test]
    fn arriving_pods_are_reduced_unless_a_user_rule_judges_pods() {
        let arriving = || -> Value {
            let slim: Slim<Whole> = serde_json::from_value(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
                             "managedFields": [{"manager": "kubelet"}],
                             "annotations": {"checksum/config": "abc"}},
                "spec": {"containers": [{"name": "app", "image": "busybox",
                                         "env": [{"name": "MODE", "value": "fast"}]}]},
                "status": {"phase": "Running"}}))
            .unwrap();
            // A list's items come without their kind.
            let mut value = slim.into_value();
            value.as_object_mut().unwrap().remove("kind");
            value
        };
        let types = pod_types();
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
        assert_eq!(whole["kind"], "Pod");
        assert!(whole["metadata"].get("managedFields").is_none());
    }

    #[test]
    fn a_kind_a_user_rule_judges_is_parsed_whole() {
        let pods = ObjectKey::new("", "Pod", None, "");
        let plain = Ingest {
            salt: Salt::given("s"),
            kept_whole: Arc::default(),
        };
        assert_eq!(plain.reduction_of(&pods), Reduction::Pod);
        let judged = Ingest {
            salt: Salt::given("s"),
            kept_whole: Arc::new(HashSet::from([(String::new(), "Pod".to_string())])),
        };
        assert_eq!(judged.reduction_of(&pods), Reduction::None);
        let jobs = ObjectKey::new("batch", "Job", None, "");
        assert_eq!(judged.reduction_of(&jobs), Reduction::WithoutTemplate);
    }

    #[test]
    fn a_relist_reports_objects_deleted_while_disconnected() {
        let mut present = Present::default();
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        present.seen(&pod("b", "uid-b"));
        assert!(
            present.end_list(&pod_types()).is_empty(),
            "the first list deletes nothing"
        );

        // The watch restarts (410 Gone) and b is missing from the new list.
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        let gone = present.end_list(&pod_types());
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["metadata"]["name"], "b");
        assert_eq!(gone[0]["kind"], "Pod");
        assert!(gone[0].get("status").is_none(), "only the identity travels");

        // Reported once: the next relist does not repeat it.
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        assert!(present.end_list(&pod_types()).is_empty());
    }

    #[test]
    fn a_recreated_object_is_a_new_uid_and_the_old_one_is_gone() {
        let mut present = Present::default();
        present.begin_list();
        present.seen(&pod("a", "uid-1"));
        present.end_list(&pod_types());
        present.begin_list();
        present.seen(&pod("a", "uid-2"));
        let gone = present.end_list(&pod_types());
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0]["metadata"]["uid"], "uid-1");
    }

    #[test]
    fn uids_are_reported_as_the_server_wrote_them() {
        let server = "0f3c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c0d";
        assert!(matches!(Uid::of(server), Uid::Uuid(_)), "kept as a number");
        // Upper case is a UUID too, but would not come back the same as a number.
        let shouting = "0F3C9A52-7D1E-4B8A-9C2F-5E6D7A8B9C0D";
        assert!(matches!(Uid::of(shouting), Uid::Text(_)));
        let mut present = Present::default();
        present.begin_list();
        for uid in [server, shouting, "uid-c"] {
            present.seen(&pod(&format!("pod-{uid}"), uid));
        }
        present.end_list(&pod_types());
        present.deleted(&pod("whatever", server));
        present.begin_list();
        let mut gone: Vec<String> = present
            .end_list(&pod_types())
            .iter()
            .map(|deletion| deletion["metadata"]["uid"].as_str().unwrap().to_string())
            .collect();
        gone.sort();
        assert_eq!(gone, [shouting, "uid-c"]);
        assert_eq!(Uid::of(server).text(), server);
    }

    #[test]
    fn a_watched_deletion_is_not_reported_again_by_a_relist() {
        let mut present = Present::default();
        present.begin_list();
        present.seen(&pod("a", "uid-a"));
        present.end_list(&pod_types());
        present.deleted(&pod("a", "uid-a"));
        present.begin_list();
        assert!(present.end_list(&pod_types()).is_empty());
    }
}
