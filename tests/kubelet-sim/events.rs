//! Kubelet-like core/v1 Events on pods, with repeats aggregated by bumping `count`.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;
use tokio::sync::mpsc;
use tracing::{debug, warn};

const SHARDS: usize = 4;

#[derive(Debug, Clone)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

#[derive(Debug)]
enum Msg {
    Record {
        pod: PodRef,
        field_path: Option<String>,
        warning: bool,
        reason: String,
        message: String,
    },
    Forget(String),
}

#[derive(Clone)]
pub struct Recorder {
    shards: Vec<mpsc::UnboundedSender<Msg>>,
}

struct Seen {
    name: String,
    count: i32,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

impl Recorder {
    pub fn start(client: kube::Client, node: String) -> Recorder {
        let shards = (0..SHARDS)
            .map(|_| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(worker(client.clone(), node.clone(), rx));
                tx
            })
            .collect();
        Recorder { shards }
    }

    fn shard(&self, uid: &str) -> &mpsc::UnboundedSender<Msg> {
        let mut h = DefaultHasher::new();
        uid.hash(&mut h);
        &self.shards[h.finish() as usize % SHARDS]
    }

    pub fn record(
        &self,
        pod: &PodRef,
        field_path: Option<String>,
        warning: bool,
        reason: &str,
        message: String,
    ) {
        let _ = self.shard(&pod.uid).send(Msg::Record {
            pod: pod.clone(),
            field_path,
            warning,
            reason: reason.to_string(),
            message,
        });
    }

    /// Drops the aggregation state of a deleted pod.
    pub fn forget(&self, uid: &str) {
        let _ = self.shard(uid).send(Msg::Forget(uid.to_string()));
    }
}

async fn worker(client: kube::Client, node: String, mut rx: mpsc::UnboundedReceiver<Msg>) {
    // (pod uid, field path, type, reason, message) -> the Event written for it
    let mut seen: HashMap<(String, String, bool, String, String), Seen> = HashMap::new();
    while let Some(msg) = rx.recv().await {
        let (pod, field_path, warning, reason, message) = match msg {
            Msg::Forget(uid) => {
                seen.retain(|k, _| k.0 != uid);
                continue;
            }
            Msg::Record {
                pod,
                field_path,
                warning,
                reason,
                message,
            } => (pod, field_path, warning, reason, message),
        };
        let api: Api<Event> = Api::namespaced(client.clone(), &pod.namespace);
        let now = crate::util::now();
        let key = (
            pod.uid.clone(),
            field_path.clone().unwrap_or_default(),
            warning,
            reason.clone(),
            message.clone(),
        );
        if let Some(s) = seen.get_mut(&key) {
            let patch = json!({"count": s.count + 1, "lastTimestamp": now});
            match api
                .patch(&s.name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => {
                    s.count += 1;
                    continue;
                }
                Err(e) => debug!("bumping event {} failed ({e}); creating a new one", s.name),
            }
        }
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        let name = format!("{}.{:x}", pod.name, nanos.wrapping_add(seq));
        let mut involved = json!({
            "kind": "Pod",
            "namespace": pod.namespace,
            "name": pod.name,
            "uid": pod.uid,
            "apiVersion": "v1",
        });
        if let Some(fp) = &field_path {
            involved["fieldPath"] = json!(fp);
        }
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": pod.namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": {"component": "kubelet", "host": node},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": if warning { "Warning" } else { "Normal" },
            "reportingComponent": "kubelet",
            "reportingInstance": node,
        });
        let event: Event = match serde_json::from_value(event) {
            Ok(e) => e,
            Err(e) => {
                warn!("building an event failed: {e}");
                continue;
            }
        };
        match api.create(&PostParams::default(), &event).await {
            Ok(_) => {
                seen.insert(key, Seen { name, count: 1 });
            }
            Err(e) => debug!(pod = %pod.name, %reason, "creating an event failed: {e}"),
        }
    }
}
