//! Which pods' logs are worth following (`--logs`): the pods of the current revision of every
//! tracked object while they are not Ready or are failing, and what a follower needs to know
//! of each container (the instance it runs, whether it has a log yet); and a line read from one.

use std::collections::HashSet;

use crate::engine::node::Node;

use super::children::{self, Store};
use super::json;
use super::model::{ContainerState, Status};
use super::rules::{Context, assess_pod};

/// A pod whose containers' logs are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodToFollow {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    /// Init (and sidecar) containers first, then the regular ones, as the pod reports them.
    pub containers: Vec<ContainerToFollow>,
}

/// One container of a followed pod, as its status last said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerToFollow {
    pub name: String,
    /// Which instance of the container the log endpoint serves: the kubelet serves the newest
    /// one, whose restart count this is (also while it waits to be restarted).
    pub restart_count: i64,
    pub state: ContainerState,
    pub ready: bool,
}

impl ContainerToFollow {
    /// A container that never started (waiting for its image, say) has no log to read yet.
    pub fn has_log(&self) -> bool {
        self.restart_count > 0
            || matches!(
                self.state,
                ContainerState::Running | ContainerState::Terminated
            )
    }
}

/// One line read from a container's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub namespace: String,
    pub pod: String,
    pub uid: String,
    pub container: String,
    /// The container instance the line comes from (its restart count).
    pub instance: i64,
    /// Which reading of the log the line comes from: lines of one reading arrive in order.
    pub reading: u64,
    /// When the container wrote it, as the kubelet stamped it.
    pub timestamp: Option<jiff::Timestamp>,
    pub text: String,
    /// The line was longer than what was read of it.
    pub cut: bool,
}

/// The pods to follow under `roots` (the tracked objects), each once: pods of the current
/// revision that are not Ready, or that the pod rule judges in Error (a crash loop stays an
/// Error through the brief ready spells between crashes). Terminating pods are left out.
pub fn pods_to_follow(roots: &[&Node], ctx: &Context) -> Vec<PodToFollow> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for root in roots {
        for pod in current_pods(root, ctx.store) {
            let Some(uid) = json::uid(pod) else {
                continue;
            };
            if json::is_terminating(pod) || !seen.insert(uid.to_string()) {
                continue;
            }
            if wants_following(pod, ctx) {
                found.push(describe(pod, uid));
            }
        }
    }
    found
}

/// The pods of an object's current revision (the object itself for a Pod).
fn current_pods<'a>(object: &'a Node, store: &'a Store) -> Vec<&'a Node> {
    let api_version = json::str_at(object, &["apiVersion"]).unwrap_or("");
    let group = super::model::group_of(api_version);
    match (group, json::kind(object)) {
        ("", "Pod") => vec![object],
        ("apps", "Deployment") => children::current_replica_set(store, object)
            .map(|rs| store.owned(rs, "Pod"))
            .unwrap_or_default(),
        ("apps", "ReplicaSet") | ("batch", "Job") => store.owned(object, "Pod"),
        ("apps", "StatefulSet") => children::current_statefulset_pods(store, object),
        ("apps", "DaemonSet") => children::current_daemonset_pods(store, object),
        // A CronJob's finished Jobs are history; its running ones are the current revision.
        ("batch", "CronJob") => store
            .owned(object, "Job")
            .into_iter()
            .filter(|job| !is_finished(job))
            .flat_map(|job| store.owned(job, "Pod"))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_finished(job: &Node) -> bool {
    ["Complete", "Failed"]
        .iter()
        .any(|kind| json::condition(job, kind).is_some_and(|c| c.is_true()))
}

fn wants_following(pod: &Node, ctx: &Context) -> bool {
    let ready = json::condition(pod, "Ready").is_some_and(|c| c.is_true());
    !ready || assess_pod(pod, ctx).status == Status::Error
}

fn describe(pod: &Node, uid: &str) -> PodToFollow {
    let statuses = json::array_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .chain(json::array_at(pod, &["status", "containerStatuses"]));
    PodToFollow {
        namespace: json::str_at(pod, &["metadata", "namespace"])
            .unwrap_or("")
            .to_string(),
        name: json::name(pod).to_string(),
        uid: uid.to_string(),
        containers: statuses.map(container).collect(),
    }
}

fn container(status: &Node) -> ContainerToFollow {
    let state = if json::at(status, &["state", "running"]).is_some() {
        ContainerState::Running
    } else if json::at(status, &["state", "terminated"]).is_some() {
        ContainerState::Terminated
    } else if json::at(status, &["state", "waiting"]).is_some() {
        ContainerState::Waiting
    } else {
        ContainerState::Unknown
    };
    ContainerToFollow {
        name: json::str_at(status, &["name"]).unwrap_or("").to_string(),
        restart_count: json::int_at(status, &["restartCount"]).unwrap_or(0),
        state,
        ready: json::bool_at(status, &["ready"]).unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::engine::testing::{fixture, fixture_key, load};
    use crate::engine::{Change, Config, Moment, Tracker};
    use serde_json::Value;

    fn tracker() -> Tracker {
        Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: None,
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        })
    }

    fn names(pods: &[PodToFollow]) -> Vec<&str> {
        pods.iter().map(|p| p.name.as_str()).collect()
    }

    /// A pod of ReplicaSet `rs` (uid `rs-uid`) with one container `app`.
    fn pod(name: &str, ready: bool, container_state: Value, restarts: i64) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "uid": format!("{name}-uid"),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": "rs", "uid": "rs-uid", "controller": true}]},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                "containerStatuses": [{"name": "app", "ready": ready, "restartCount": restarts,
                                       "state": container_state}]
            }
        })
    }

    fn replica_set() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": "rs", "namespace": "shop", "uid": "rs-uid", "generation": 1},
               "spec": {"replicas": 1},
               "status": {"observedGeneration": 1, "replicas": 1}})
    }

    fn running() -> Value {
        json!({"running": {"startedAt": "2024-05-02T09:12:31Z"}})
    }

    fn crash_loop() -> Value {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}})
    }

    fn tracking_rs(pods: &[Value]) -> Tracker {
        let mut tracker = tracker();
        tracker.track(fixture_key("ReplicaSet", "rs"), None);
        let at = Moment(Duration::from_secs(1));
        tracker.observe(Change::Added(replica_set()), at);
        for pod in pods {
            tracker.observe(Change::Modified(pod.clone()), at);
        }
        tracker
    }

    #[test]
    fn only_the_current_revision_of_a_deployment_is_followed() {
        let mut tracker = tracker();
        tracker.track(fixture_key("Deployment", "web"), None);
        for object in load(fixture!("deployment-rollout-old-pods-crashing.yaml")) {
            tracker.observe(Change::Added(object), Moment(Duration::from_secs(1)));
        }
        let pods = tracker.pods_to_follow();
        // The old revision's pod crash-loops, and is none of this rollout's business.
        assert_eq!(names(&pods), ["web-7c9d8b6f5d-h2jxk"]);
        let creating = &pods[0].containers[0];
        assert_eq!(
            (creating.name.as_str(), creating.state, creating.has_log()),
            ("web", ContainerState::Waiting, false)
        );
        assert_eq!(pods[0].namespace, "shop");
        assert_eq!(pods[0].uid, "859de593-6915-b92a-70ba-7ada686b4fde");
    }

    #[test]
    fn a_ready_pod_is_not_followed_and_an_unready_one_is() {
        let tracker = tracking_rs(&[
            pod("healthy", true, running(), 0),
            pod("starting", false, running(), 0),
        ]);
        assert_eq!(names(&tracker.pods_to_follow()), ["starting"]);
    }

    #[test]
    fn a_crash_looping_pod_is_followed_even_while_briefly_ready() {
        let tracker = tracking_rs(&[pod("crashing", false, crash_loop(), 3)]);
        let pods = tracker.pods_to_follow();
        assert_eq!(names(&pods), ["crashing"]);
        let app = &pods[0].containers[0];
        assert_eq!((app.restart_count, app.has_log()), (3, true));

        // Running and ready again between two crashes: the crash loop is not over.
        let mut tracker = tracking_rs(&[pod("crashing", false, crash_loop(), 3)]);
        let mut between = pod("crashing", true, running(), 4);
        between["status"]["containerStatuses"][0]["lastState"] =
            json!({"terminated": {"exitCode": 1, "reason": "Error"}});
        tracker.observe(Change::Modified(between), Moment(Duration::from_secs(2)));
        let pods = tracker.pods_to_follow();
        assert_eq!(names(&pods), ["crashing"]);
        assert_eq!(pods[0].containers[0].restart_count, 4);
    }

    #[test]
    fn a_restart_shows_as_a_new_instance_and_readiness_ends_following() {
        let mut tracker = tracking_rs(&[pod("web", false, running(), 0)]);
        assert_eq!(tracker.pods_to_follow()[0].containers[0].restart_count, 0);
        tracker.observe(
            Change::Modified(pod("web", false, running(), 1)),
            Moment(Duration::from_secs(2)),
        );
        assert_eq!(tracker.pods_to_follow()[0].containers[0].restart_count, 1);
        tracker.observe(
            Change::Modified(pod("web", true, running(), 1)),
            Moment(Duration::from_secs(30)),
        );
        assert!(tracker.pods_to_follow().is_empty());
    }

    #[test]
    fn terminating_pods_and_untracked_pods_are_not_followed() {
        let mut leaving = pod("leaving", false, crash_loop(), 2);
        leaving["metadata"]["deletionTimestamp"] = json!("2024-05-02T09:20:00Z");
        assert!(tracking_rs(&[leaving]).pods_to_follow().is_empty());

        // A pod nothing tracked owns is none of the run's business.
        let mut tracker = tracker();
        tracker.observe(
            Change::Added(pod("stranger", false, crash_loop(), 2)),
            Moment(Duration::from_secs(1)),
        );
        assert!(tracker.pods_to_follow().is_empty());
    }

    #[test]
    fn a_tracked_pod_follows_its_init_containers_first() {
        let mut tracker = tracker();
        tracker.track(fixture_key("Pod", "solo"), None);
        let mut solo = pod("solo", false, running(), 0);
        solo["metadata"]["name"] = json!("solo");
        solo["metadata"]["ownerReferences"] = json!([]);
        solo["status"]["initContainerStatuses"] = json!([{"name": "setup", "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]);
        tracker.observe(Change::Added(solo), Moment(Duration::from_secs(1)));
        let pods = tracker.pods_to_follow();
        let containers: Vec<(&str, bool)> = pods[0]
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.has_log()))
            .collect();
        assert_eq!(containers, [("setup", true), ("app", true)]);
    }
}
