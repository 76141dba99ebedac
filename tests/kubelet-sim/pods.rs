//! Watches the pods bound to the node and runs one simulation task per pod.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{DeleteParams, Patch, PatchParams, Preconditions};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Api, ResourceExt as _};
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::Global;
use crate::events::PodRef;
use crate::sim::{PodSim, PodState};
use crate::util;

struct Entry {
    tx: watch::Sender<Pod>,
    task: JoinHandle<()>,
    key: (String, String),
    ip: Option<u32>,
}

/// Pod IPs 10.244.x.y, unique among live pods.
#[derive(Default)]
struct IpPool {
    used: BTreeSet<u32>,
    next: u32,
}

impl IpPool {
    const BASE: u32 = (10 << 24) | (244 << 16);
    const SIZE: u32 = 1 << 16;

    fn alloc(&mut self, existing: Option<&str>) -> u32 {
        if let Some(ip) = existing.and_then(|s| s.parse::<std::net::Ipv4Addr>().ok()) {
            let n = u32::from(ip);
            if n & !0xffff == Self::BASE && self.used.insert(n) {
                return n;
            }
        }
        for _ in 0..Self::SIZE {
            self.next = (self.next + 1) % Self::SIZE;
            let host = self.next & 0xff;
            if host < 2 || host == 255 {
                continue;
            }
            let n = Self::BASE | self.next;
            if self.used.insert(n) {
                return n;
            }
        }
        Self::BASE | 2
    }

    fn free(&mut self, n: u32) {
        self.used.remove(&n);
    }
}

pub async fn run(g: Arc<Global>) {
    let api: Api<Pod> = Api::all(g.client.clone());
    let config = watcher::Config::default().fields(&format!("spec.nodeName={}", g.node));
    let mut stream = watcher(api, config).default_backoff().boxed();
    let mut entries: HashMap<String, Entry> = HashMap::new();
    let mut ips = IpPool::default();
    let mut relist: Option<HashSet<String>> = None;
    while let Some(event) = stream.next().await {
        match event {
            Err(e) => warn!("pod watch error: {e}"),
            Ok(watcher::Event::Init) => relist = Some(HashSet::new()),
            Ok(watcher::Event::InitApply(pod)) => {
                if let Some(seen) = relist.as_mut() {
                    seen.insert(pod.uid().unwrap_or_default());
                }
                upsert(&g, &mut entries, &mut ips, pod);
            }
            Ok(watcher::Event::InitDone) => {
                if let Some(seen) = relist.take() {
                    let gone: Vec<String> = entries
                        .keys()
                        .filter(|uid| !seen.contains(*uid))
                        .cloned()
                        .collect();
                    for uid in gone {
                        remove(&g, &mut entries, &mut ips, &uid);
                    }
                }
            }
            Ok(watcher::Event::Apply(pod)) => upsert(&g, &mut entries, &mut ips, pod),
            Ok(watcher::Event::Delete(pod)) => {
                remove(&g, &mut entries, &mut ips, &pod.uid().unwrap_or_default())
            }
        }
    }
    warn!("pod watch stream ended");
}

fn upsert(g: &Arc<Global>, entries: &mut HashMap<String, Entry>, ips: &mut IpPool, pod: Pod) {
    let Some(uid) = pod.uid() else { return };
    if let Some(e) = entries.get(&uid) {
        let _ = e.tx.send(pod);
        return;
    }
    let ns = pod.namespace().unwrap_or_default();
    let name = pod.name_any();
    let key = (ns.clone(), name.clone());
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    let terminal = phase == "Succeeded" || phase == "Failed";
    let ip = if pod.spec.as_ref().and_then(|s| s.host_network) == Some(true) || terminal {
        None
    } else {
        Some(ips.alloc(pod.status.as_ref().and_then(|s| s.pod_ip.as_deref())))
    };
    let state = Arc::new(Mutex::new(PodState::new(&pod)));
    g.registry
        .lock()
        .unwrap()
        .insert(key.clone(), state.clone());
    let sim = Arc::new(PodSim {
        g: g.clone(),
        pod: PodRef {
            namespace: ns,
            name,
            uid: uid.clone(),
        },
        state,
        dirty: Arc::new(Notify::new()),
        spec: pod.spec.clone().unwrap_or_default(),
        annotations: pod.annotations().clone(),
        pod_ip: ip.map_or_else(
            || "127.0.0.1".into(),
            |n| std::net::Ipv4Addr::from(n).to_string(),
        ),
    });
    let (tx, rx) = watch::channel(pod);
    debug!(pod = %sim.pod.name, ns = %sim.pod.namespace, %uid, "new pod");
    let task = tokio::spawn(pod_task(sim, rx, terminal));
    entries.insert(uid, Entry { tx, task, key, ip });
}

fn remove(g: &Arc<Global>, entries: &mut HashMap<String, Entry>, ips: &mut IpPool, uid: &str) {
    let Some(e) = entries.remove(uid) else { return };
    e.task.abort();
    if let Some(ip) = e.ip {
        ips.free(ip);
    }
    let mut reg = g.registry.lock().unwrap();
    if reg
        .get(&e.key)
        .is_some_and(|s| s.lock().unwrap().uid == uid)
    {
        reg.remove(&e.key);
    }
    drop(reg);
    g.events.forget(uid);
    debug!(pod = %e.key.1, ns = %e.key.0, uid, "pod gone");
}

fn is_gone(e: &kube::Error) -> bool {
    // 404: deleted; 409/422: the UID precondition failed (deleted and recreated).
    matches!(e, kube::Error::Api(s) if s.code == 404 || s.code == 409 || s.code == 422)
}

async fn pod_task(sim: Arc<PodSim>, mut rx: watch::Receiver<Pod>, terminal: bool) {
    let mut writer = StatusWriter::new(&rx.borrow());
    if !terminal {
        let pod = rx.borrow().clone();
        writer.write(&sim, &pod).await;
    }
    let mut run = Box::pin(sim.clone().run());
    let mut run_done = terminal;
    loop {
        if rx.borrow().metadata.deletion_timestamp.is_some() {
            break;
        }
        tokio::select! {
            _ = &mut run, if !run_done => run_done = true,
            _ = sim.dirty.notified(), if !terminal => {
                let pod = rx.borrow().clone();
                match writer.write(&sim, &pod).await {
                    Write::Done => {}
                    Write::Gone => return,
                    Write::Retry => {
                        let dirty = sim.dirty.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            dirty.notify_one();
                        });
                    }
                }
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
                // e.g. a readiness gate changed
                sim.dirty.notify_one();
            }
        }
    }
    // The pod is being deleted: stop its containers, report it, and do the final delete.
    drop(run);
    let api: Api<Pod> = Api::namespaced(sim.g.client.clone(), &sim.pod.namespace);
    let delay = sim.g.timings.terminate_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if !terminal {
        let graceful = sim.spec.restart_policy.as_deref().unwrap_or("Always") == "Always";
        let stopped = sim.state.lock().unwrap().terminate_all(graceful);
        for (field_path, name) in stopped {
            let msg = format!("Stopping container {name}");
            sim.g
                .events
                .record(&sim.pod, Some(field_path), false, "Killing", msg);
        }
        let pod = rx.borrow().clone();
        writer.write(&sim, &pod).await;
    }
    let params = DeleteParams {
        grace_period_seconds: Some(0),
        preconditions: Some(Preconditions {
            uid: Some(sim.pod.uid.clone()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    for attempt in 0..5 {
        match api.delete(&sim.pod.name, &params).await {
            Ok(_) => {
                info!(pod = %sim.pod.name, ns = %sim.pod.namespace, "pod terminated and deleted");
                return;
            }
            Err(e) if is_gone(&e) => return,
            Err(e) => {
                warn!(pod = %sim.pod.name, "final delete failed (attempt {attempt}): {e}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

enum Write {
    Done,
    /// The pod was deleted or replaced.
    Gone,
    /// Failed for now; try again later.
    Retry,
}

/// Writes pod status through `pods/status` with a strategic merge patch (no resourceVersion),
/// with the pod's UID as precondition, and only when something changed.
struct StatusWriter {
    last: Option<Value>,
    transitions: HashMap<String, (bool, String)>,
    start_time: String,
}

impl StatusWriter {
    fn new(pod: &Pod) -> Self {
        let start_time = pod
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .map_or_else(util::now, |t| util::time(t.0));
        StatusWriter {
            last: None,
            transitions: HashMap::new(),
            start_time,
        }
    }

    async fn write(&mut self, sim: &PodSim, pod: &Pod) -> Write {
        let status = self.build(sim, pod);
        if self.last.as_ref() == Some(&status) {
            return Write::Done;
        }
        let body = json!({"metadata": {"uid": sim.pod.uid}, "status": status});
        let api: Api<Pod> = Api::namespaced(sim.g.client.clone(), &sim.pod.namespace);
        let mut attempt = 0;
        loop {
            match api
                .patch_status(
                    &sim.pod.name,
                    &PatchParams::default(),
                    &Patch::Strategic(&body),
                )
                .await
            {
                Ok(_) => {
                    self.last = Some(status);
                    return Write::Done;
                }
                Err(e) if is_gone(&e) => {
                    debug!(pod = %sim.pod.name, "status write: pod gone ({e})");
                    return Write::Gone;
                }
                Err(e) => {
                    attempt += 1;
                    warn!(pod = %sim.pod.name, "status write failed (attempt {attempt}): {e}");
                    if attempt >= 5 {
                        return Write::Retry;
                    }
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
        }
    }

    fn build(&mut self, sim: &PodSim, pod: &Pod) -> Value {
        let (_phase, conds, mut status) = sim.state.lock().unwrap().status(pod);
        let existing = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        let mut conditions = Vec::new();
        if !existing.iter().any(|c| c.type_ == "PodScheduled") {
            conditions.push(json!({
                "type": "PodScheduled", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": self.start_time,
            }));
        }
        for (type_, ok, reason, message) in conds {
            let since = match self.transitions.get(&type_) {
                Some((prev, since)) if *prev == ok => since.clone(),
                _ => {
                    let now = util::now();
                    self.transitions.insert(type_.clone(), (ok, now.clone()));
                    now
                }
            };
            conditions.push(json!({
                "type": type_,
                "status": if ok { "True" } else { "False" },
                "lastProbeTime": null,
                "lastTransitionTime": since,
                "reason": reason,
                "message": message,
            }));
        }
        let s = status.as_object_mut().expect("status object");
        s.insert("conditions".into(), Value::Array(conditions));
        s.insert("hostIP".into(), json!("127.0.0.1"));
        s.insert("podIP".into(), json!(sim.pod_ip));
        s.insert("podIPs".into(), json!([{"ip": sim.pod_ip}]));
        s.insert("startTime".into(), json!(self.start_time));
        let has_qos = pod
            .status
            .as_ref()
            .and_then(|s| s.qos_class.as_ref())
            .is_some();
        if !has_qos {
            s.insert("qosClass".into(), json!(qos_class(pod)));
        }
        status
    }
}

fn qos_class(pod: &Pod) -> &'static str {
    let Some(spec) = pod.spec.as_ref() else {
        return "BestEffort";
    };
    let all = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
    let mut any = false;
    let mut guaranteed = true;
    for c in all {
        let r = c.resources.clone().unwrap_or_default();
        let requests = r.requests.unwrap_or_default();
        let limits = r.limits.unwrap_or_default();
        if !requests.is_empty() || !limits.is_empty() {
            any = true;
        }
        for res in ["cpu", "memory"] {
            match (limits.get(res), requests.get(res)) {
                (Some(l), Some(q)) if l == q => {}
                (Some(_), None) => {}
                _ => guaranteed = false,
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}
