//! Watches: one per (kind, namespace), list-then-watch with bookmarks and backoff, relists after
//! 410 Gone turned into explicit deletions, every change forwarded on one channel.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;
use kube::Api;
use kube::api::DynamicObject;
use kube::core::TypeMeta;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use super::apply::strip_noise;
use super::discovery::Resource;

/// What one watch covers.
#[derive(Debug, Clone)]
pub struct WatchTarget {
    pub resource: Resource,
    /// None: every namespace (or a cluster-scoped kind).
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
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
    /// The watch for `targets[target]` has listed everything once.
    Synced { target: usize },
    /// The watch for `targets[target]` failed; it keeps retrying with backoff.
    Failed {
        target: usize,
        message: String,
        status: Option<u16>,
    },
}

/// Starts one task per target. Tasks end when the receiver is dropped or the set is aborted.
pub fn spawn(
    client: &kube::Client,
    targets: &[WatchTarget],
    updates: UnboundedSender<WatchUpdate>,
) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    for (index, target) in targets.iter().enumerate() {
        tasks.spawn(run(client.clone(), index, target.clone(), updates.clone()));
    }
    tasks
}

async fn run(
    client: kube::Client,
    index: usize,
    target: WatchTarget,
    updates: UnboundedSender<WatchUpdate>,
) {
    let api: Api<DynamicObject> = match &target.namespace {
        Some(ns) if target.resource.namespaced => {
            Api::namespaced_with(client, ns, &target.resource.api)
        }
        _ => Api::all_with(client, &target.resource.api),
    };
    let mut config = watcher::Config::default();
    if let Some(selector) = &target.label_selector {
        config = config.labels(selector);
    }
    let types = TypeMeta {
        api_version: target.resource.api.api_version.clone(),
        kind: target.resource.api.kind.clone(),
    };
    let mut stream = watcher::watcher(api, config).default_backoff().boxed();
    // Objects currently present (uid -> identity), to turn a relist into deletions.
    let mut known: HashMap<String, Value> = HashMap::new();
    let mut relisted: HashSet<String> = HashSet::new();
    let mut synced = false;
    while let Some(item) = stream.next().await {
        let sent = match item {
            Ok(Event::Init) => {
                relisted.clear();
                Ok(())
            }
            Ok(Event::InitApply(object)) | Ok(Event::Apply(object)) => {
                let value = to_value(object, &types);
                let uid = uid_of(&value);
                relisted.insert(uid.clone());
                known.insert(uid, identity(&value));
                updates.send(WatchUpdate::Upsert(value))
            }
            Ok(Event::InitDone) => {
                let gone: Vec<String> = known
                    .keys()
                    .filter(|uid| !relisted.contains(*uid))
                    .cloned()
                    .collect();
                let mut result = Ok(());
                for uid in gone {
                    if let Some(identity) = known.remove(&uid) {
                        result = result.and(updates.send(WatchUpdate::Delete(identity)));
                    }
                }
                if !synced {
                    synced = true;
                    result = result.and(updates.send(WatchUpdate::Synced { target: index }));
                }
                result
            }
            Ok(Event::Delete(object)) => {
                let value = to_value(object, &types);
                known.remove(&uid_of(&value));
                updates.send(WatchUpdate::Delete(value))
            }
            Err(err) => {
                let (message, status) = describe_watch_error(&err);
                tracing::debug!(target = %target.describe(), %message, "watch error");
                updates.send(WatchUpdate::Failed {
                    target: index,
                    message,
                    status,
                })
            }
        };
        if sent.is_err() {
            return; // nobody listens any more
        }
    }
}

fn to_value(mut object: DynamicObject, types: &TypeMeta) -> Value {
    if object.types.is_none() {
        object.types = Some(types.clone());
    }
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    strip_noise(&mut value);
    value
}

fn uid_of(value: &Value) -> String {
    value["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Just enough of an object to report its deletion.
fn identity(value: &Value) -> Value {
    let metadata = &value["metadata"];
    serde_json::json!({
        "apiVersion": value["apiVersion"],
        "kind": value["kind"],
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
            "ownerReferences": metadata["ownerReferences"],
            "labels": metadata["labels"],
        },
    })
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
