//! Node registration, status heartbeat and the node Lease.

use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Node;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tracing::{info, warn};

use crate::util;

fn conditions(now: &str, since: &str) -> Value {
    let cond = |type_: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": type_,
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": now,
            "lastTransitionTime": since,
        })
    };
    json!([
        cond(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
        ),
        cond(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure"
        ),
        cond(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
        ),
        cond(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status"
        ),
    ])
}

fn status(node: &str, port: u16, max_pods: u32, now: &str, since: &str) -> Value {
    let resources = json!({
        "cpu": "4",
        "memory": "8Gi",
        "pods": max_pods.to_string(),
        "ephemeral-storage": "100Gi",
        "hugepages-2Mi": "0",
    });
    json!({
        "capacity": resources,
        "allocatable": resources,
        "conditions": conditions(now, since),
        "addresses": [
            {"type": "InternalIP", "address": "127.0.0.1"},
            {"type": "Hostname", "address": node},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        "nodeInfo": {
            "machineID": util::hex(&format!("machine-{node}"), 32),
            "systemUUID": util::hex(&format!("uuid-{node}"), 32),
            "bootID": util::hex(&format!("boot-{node}-{now}"), 32),
            "kernelVersion": "6.1.0-sim",
            "osImage": "Debian GNU/Linux 12 (bookworm)",
            "containerRuntimeVersion": "containerd://1.4.3",
            "kubeletVersion": "v1.20.2",
            "kubeProxyVersion": "v1.20.2",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    })
}

/// Creates (or updates) the Node, marks it Ready and removes its taints.
pub async fn register(
    client: &kube::Client,
    node: &str,
    port: u16,
    max_pods: u32,
) -> anyhow::Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    let labels = json!({
        "kubernetes.io/hostname": node,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
    });
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = async {
            match api.get_opt(node).await? {
                Some(_) => {
                    let patch = json!({"metadata": {"labels": labels}});
                    api.patch(node, &PatchParams::default(), &Patch::Merge(&patch))
                        .await?;
                    info!(node, "updated the existing Node");
                }
                None => {
                    let obj: Node = serde_json::from_value(json!({
                        "apiVersion": "v1",
                        "kind": "Node",
                        "metadata": {
                            "name": node,
                            "labels": labels,
                            "annotations": {
                                "node.alpha.kubernetes.io/ttl": "0",
                                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                            },
                        },
                    }))?;
                    api.create(&PostParams::default(), &obj).await?;
                    info!(node, "created the Node");
                }
            }
            let now = util::now();
            let patch = json!({"status": status(node, port, max_pods, &now, &now)});
            api.patch_status(node, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            // Admission adds node.kubernetes.io/not-ready at creation; the node lifecycle
            // controller (disabled here) would remove it once Ready.
            let patch = json!({"spec": {"taints": null}});
            api.patch(node, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            anyhow::Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                info!(node, "Node is Ready and untainted");
                return Ok(());
            }
            Err(e) if attempt < 30 => {
                warn!(
                    node,
                    "registering the Node failed (attempt {attempt}): {e:#}"
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e).context("registering the Node"),
        }
    }
}

/// Renews the Ready heartbeat and the node Lease forever.
/// Re-registers the Node if it was deleted.
pub async fn renew(client: kube::Client, node: String, port: u16, max_pods: u32, every: Duration) {
    let nodes: Api<Node> = Api::all(client.clone());
    let leases: Api<Lease> = Api::namespaced(client, "kube-node-lease");
    let since = util::now();
    let mut uid: Option<String> = None;
    loop {
        let now = util::now();
        let patch = json!({"status": {"conditions": conditions(&now, &since)}});
        match nodes
            .patch_status(&node, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(n) => uid = n.metadata.uid,
            Err(kube::Error::Api(s)) if s.code == 404 => {
                warn!(node, "the Node is gone; registering it again");
                if let Err(e) = register(&nodes.clone().into_client(), &node, port, max_pods).await
                {
                    warn!(node, "re-registering the Node failed: {e:#}");
                }
            }
            Err(e) => warn!(node, "node heartbeat failed: {e}"),
        }
        if let Err(e) = renew_lease(&leases, &node, uid.as_deref(), every).await {
            warn!(node, "lease renewal failed: {e}");
        }
        tokio::time::sleep(every).await;
    }
}

async fn renew_lease(
    leases: &Api<Lease>,
    node: &str,
    uid: Option<&str>,
    every: Duration,
) -> Result<(), kube::Error> {
    let duration = (every.as_secs() * 4).max(40);
    let spec = json!({
        "holderIdentity": node,
        "leaseDurationSeconds": duration,
        "renewTime": util::micro_now(),
    });
    let patch = json!({"spec": spec});
    match leases
        .patch(node, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => {
            let mut meta = json!({"name": node, "namespace": "kube-node-lease"});
            if let Some(uid) = uid {
                meta["ownerReferences"] = json!([{
                    "apiVersion": "v1", "kind": "Node", "name": node, "uid": uid,
                }]);
            }
            let lease: Lease = serde_json::from_value(json!({
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": meta,
                "spec": spec,
            }))
            .expect("valid lease");
            leases
                .create(&PostParams::default(), &lease)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    }
}
