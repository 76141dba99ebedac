//! Smoke tests proving the test environment itself: real controllers, scheduler and node
//! (kubelet, containerd, runc), logs through the API, RBAC, and the kstatus binary talking to the
//! cluster.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::{ListParams, LogParams};
use libtest_mimic::Trial;

use crate::support::{TestContext, create, e2e, wait_until};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e("smoke_node_is_real_containerd", node_is_real_containerd),
        e2e(
            "smoke_deployment_pods_become_ready",
            deployment_pods_become_ready,
        ),
        e2e(
            "smoke_crashloop_has_restarts_and_logs",
            crashloop_has_restarts_and_logs,
        ),
        e2e(
            "smoke_huge_cpu_request_is_unschedulable",
            huge_cpu_request_is_unschedulable,
        ),
        e2e(
            "smoke_unprivileged_user_is_forbidden",
            unprivileged_user_is_forbidden,
        ),
    ]
}

const WAIT: Duration = Duration::from_secs(90);

/// The local cluster's node is a real kubelet on containerd 1.6 (unless KSTATUS_NODE=sim asked
/// for the simulator); pods really run: a container's output comes back through its log.
async fn node_is_real_containerd(ctx: TestContext) {
    let nodes = Api::<Node>::all(ctx.client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    let runtimes: Vec<String> = nodes
        .items
        .iter()
        .filter_map(|n| {
            Some(
                n.status
                    .as_ref()?
                    .node_info
                    .as_ref()?
                    .container_runtime_version
                    .clone(),
            )
        })
        .collect();
    eprintln!("e2e: node runtimes: {runtimes:?}");
    if ctx.cluster.local && !ctx.cluster.simulated {
        assert_eq!(nodes.items.len(), 1, "one node");
        assert!(
            runtimes[0].starts_with("containerd://1.6"),
            "the local node runs containerd 1.6: {runtimes:?}"
        );
        let kubelet = &nodes.items[0]
            .status
            .as_ref()
            .unwrap()
            .node_info
            .as_ref()
            .unwrap()
            .kubelet_version;
        assert_eq!(kubelet, "v1.20.2");
    }
    create::<Pod>(
        &ctx,
        r#"
apiVersion: v1
kind: Pod
metadata: { name: hello }
spec:
  restartPolicy: Never
  containers:
  - name: hello
    image: busybox:1.36
    # `$$$$`: Kubernetes expands `$$` to `$` in commands; the shell sees `$$`, its own pid.
    command: ["sh", "-c", "echo hello from $(uname -s) pid $$$$"]
"#,
    )
    .await;
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace);
    wait_until("the pod to succeed", WAIT, || async {
        let phase = pods.get("hello").await.ok()?.status?.phase?;
        (phase == "Succeeded").then_some(())
    })
    .await
    .unwrap();
    let logs = pods.logs("hello", &LogParams::default()).await.unwrap();
    if !ctx.cluster.simulated {
        assert_eq!(
            logs.trim(),
            "hello from Linux pid 1",
            "the container's own output"
        );
    }
}

async fn deployment_pods_become_ready(ctx: TestContext) {
    create::<Deployment>(
        &ctx,
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, labels: { app: web } }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
      - name: web
        image: busybox:1.36
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
        ports: [{ containerPort: 8080 }]
"#,
    )
    .await;
    let deployments = Api::<Deployment>::namespaced(ctx.client.clone(), &ctx.namespace);
    let ready = wait_until("3 ready replicas of deployment/web", WAIT, || async {
        let d = deployments.get("web").await.ok()?;
        let status = d.status?;
        (status.ready_replicas == Some(3) && status.updated_replicas == Some(3)).then_some(())
    })
    .await;
    ready.unwrap();

    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace)
        .list(&ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(pods.items.len(), 3, "one pod per replica");
    for pod in pods.items {
        if ctx.cluster.local {
            let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
            assert_eq!(
                node,
                Some("kstatus-node"),
                "bound by the real scheduler to the node"
            );
        }
        let status = pod.status.expect("pod status");
        assert_eq!(status.phase.as_deref(), Some("Running"));
        let ready = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        assert!(ready, "pod is Ready");
        let container = &status.container_statuses.expect("container statuses")[0];
        assert!(container.ready && container.state.as_ref().unwrap().running.is_some());
        assert!(status.pod_ip.is_some(), "pod has an IP");
    }
}

async fn crashloop_has_restarts_and_logs(ctx: TestContext) {
    create::<Pod>(
        &ctx,
        r#"
apiVersion: v1
kind: Pod
metadata: { name: worker }
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "echo 'panic: cannot connect to database db:5432' >&2; exit 1"]
"#,
    )
    .await;
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace);
    let restarts = wait_until("CrashLoopBackOff with restarts", WAIT, || async {
        let pod = pods.get("worker").await.ok()?;
        let container = pod.status?.container_statuses?.into_iter().next()?;
        let waiting = container.state?.waiting?;
        (waiting.reason.as_deref() == Some("CrashLoopBackOff") && container.restart_count > 0)
            .then_some(container.restart_count)
    })
    .await
    .unwrap();
    assert!(restarts > 0);

    // Logs travel through the real apiserver to the kubelet's log endpoint.
    let params = LogParams {
        container: Some("app".into()),
        previous: true,
        ..Default::default()
    };
    let logs = pods
        .logs("worker", &params)
        .await
        .expect("previous container logs via the API");
    assert!(
        logs.contains("panic: cannot connect to database"),
        "the crashed instance's log is readable through the API:\n{logs}"
    );
}

async fn huge_cpu_request_is_unschedulable(ctx: TestContext) {
    create::<Pod>(
        &ctx,
        r#"
apiVersion: v1
kind: Pod
metadata: { name: greedy }
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "sleep 3600"]
    resources: { requests: { cpu: "1000" } }
"#,
    )
    .await;
    let pods = Api::<Pod>::namespaced(ctx.client.clone(), &ctx.namespace);
    let message = wait_until("an Unschedulable condition", WAIT, || async {
        let status = pods.get("greedy").await.ok()?.status?;
        let scheduled = status
            .conditions?
            .into_iter()
            .find(|c| c.type_ == "PodScheduled")?;
        (scheduled.status == "False" && scheduled.reason.as_deref() == Some("Unschedulable"))
            .then(|| scheduled.message.unwrap_or_default())
    })
    .await
    .unwrap();
    assert!(
        message.contains("Insufficient cpu"),
        "scheduler message: {message}"
    );
    let pod = pods.get("greedy").await.unwrap();
    assert_eq!(pod.status.unwrap().phase.as_deref(), Some("Pending"));
}

async fn unprivileged_user_is_forbidden(ctx: TestContext) {
    let client = ctx.unprivileged_client().await;
    let err = Api::<Pod>::namespaced(client, &ctx.namespace)
        .list(&ListParams::default())
        .await
        .expect_err("a user with no bindings cannot list pods");
    match err {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 403, "forbidden: {status:?}");
            assert!(
                status.message.contains("cannot list resource \"pods\""),
                "{}",
                status.message
            );
        }
        other => panic!("expected a 403 from the API server, got {other}"),
    }
}
