//! Bytes the status engine holds per tracked pod, counted by a counting allocator (exact and
//! load-independent, unlike resident memory), for bench/run.py: `engine-memory [PODS]` tracks
//! PODS running pods as a real kubelet reports them and prints one JSON line.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kstatus::engine::health::HealthRules;
use kstatus::engine::model::{Moment, ObjectKey};
use kstatus::engine::tracker::{Change, Config, Tracker};
use serde_json::{Value, json};

/// Counts the bytes glibc's malloc hands out: each request rounded up to its chunk size.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

fn chunk(size: usize) -> usize {
    ((size + 8 + 15) & !15).max(32)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(chunk(layout.size()), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(chunk(layout.size()), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(chunk(layout.size()), Ordering::Relaxed);
        LIVE.fetch_add(chunk(new_size), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// A running busybox pod as the API server returns it (managed fields, defaults, status).
fn running_pod(i: usize) -> Value {
    let created = "2026-12-01T01:00:00Z";
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("noise-{i}"), "namespace": "bench-big",
            "uid": format!("6a1b2c3d-0000-4000-8000-{i:012}"), "resourceVersion": format!("{}", 100_000 + i),
            "creationTimestamp": created, "labels": {"bench": "big"},
            "managedFields": [
                {"manager": "kstatus", "operation": "Apply", "apiVersion": "v1", "time": created,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:bench": {}}},
                 "f:spec": {"f:containers": {"k:{\"name\":\"main\"}": {".": {}, "f:command": {},
                 "f:image": {}, "f:name": {}}}, "f:nodeName": {}}}},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": created,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:conditions": {},
                 "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {},
                 "f:podIPs": {}, "f:startTime": {}}}}]},
        "spec": {
            "volumes": [{"name": "default-token-abcde",
                         "secret": {"secretName": "default-token-abcde", "defaultMode": 420}}],
            "containers": [{"name": "main", "image": "busybox:1.36",
                            "command": ["sh", "-c", "sleep 3600"], "resources": {},
                            "volumeMounts": [{"name": "default-token-abcde", "readOnly": true,
                                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"}],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst", "serviceAccountName": "default",
            "serviceAccount": "default", "nodeName": "kstatus-node", "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                 "effect": "NoExecute", "tolerationSeconds": 300}],
            "priority": 0, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority"},
        "status": {
            "phase": "Running",
            "conditions": (["Initialized", "Ready", "ContainersReady", "PodScheduled"].map(|kind|
                json!({"type": kind, "status": "True", "lastProbeTime": null,
                       "lastTransitionTime": created}))),
            "hostIP": "10.0.0.1", "podIP": format!("10.88.{}.{}", i / 250, i % 250),
            "podIPs": [{"ip": format!("10.88.{}.{}", i / 250, i % 250)}], "startTime": created,
            "containerStatuses": [{
                "name": "main", "state": {"running": {"startedAt": created}}, "lastState": {},
                "ready": true, "restartCount": 0, "image": "docker.io/library/busybox:1.36",
                "imageID": format!("sha256:{:064}", 7),
                "containerID": format!("containerd://{i:064}"), "started": true}],
            "qosClass": "BestEffort"}
    })
}

fn main() {
    let pods: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |n| n.parse().expect("PODS is a number"));
    let config = Config {
        stabilization: Duration::ZERO,
        timeout: None,
        wait_for_jobs: true,
        settle_on_error: true,
        health_rules: Arc::new(HealthRules::default()),
    };
    let json_bytes = serde_json::to_string(&running_pod(0)).unwrap().len();
    let before = live();
    let mut tracker = Tracker::new(config);
    // As `watch -l` does: the key is tracked when the pod arrives, then the pod observed.
    for i in 0..pods {
        let pod = running_pod(i);
        tracker.track(ObjectKey::of(&pod).unwrap(), None);
        tracker.observe(Change::Added(pod), Moment::from_secs_f64(i as f64 / 1000.0));
    }
    let held = live() - before;
    assert_eq!(tracker.held().kept, pods, "every pod is kept");
    println!(
        "{}",
        json!({"pods": pods, "podJsonBytes": json_bytes, "bytesPerPod": held / pods})
    );
}
