//! What a pod's containers went through during the run, which no single snapshot shows: the
//! hard waiting reason a container keeps returning to between crashes, and since when a
//! container that crashed has been ready again. The tracker feeds it every pod it observes; the
//! pod rule reads it.

use std::collections::HashMap;
use std::time::Duration;

use crate::engine::node::Node;

use super::pod::{containers, is_hard_waiting_reason};
use crate::engine::json;
use crate::engine::model::Moment;

/// A container of one pod: (pod UID, container name).
type ContainerId = (String, String);

/// The history of the pods' containers during one run.
#[derive(Debug, Default, Clone)]
pub struct PodHistory {
    /// How long a container that crashed must stay ready to count as recovered.
    recovery_hold: Duration,
    /// The last hard waiting reason seen per container, so a container that is briefly Running
    /// between crashes is still described by the reason it keeps returning to.
    recent_reasons: HashMap<ContainerId, String>,
    /// Containers that crashed and are ready again: since when.
    ready_again_since: HashMap<ContainerId, Moment>,
}

impl PodHistory {
    /// A history in which a crashed container counts as recovered once it has been ready for
    /// `recovery_hold`.
    pub fn new(recovery_hold: Duration) -> PodHistory {
        PodHistory {
            recovery_hold,
            ..PodHistory::default()
        }
    }

    /// The hard waiting reason this container last returned to, while it has not recovered.
    pub fn recent_reason(&self, pod_uid: &str, container: &str) -> Option<&str> {
        self.recent_reasons
            .get(&(pod_uid.to_string(), container.to_string()))
            .map(String::as_str)
    }

    /// Takes in a snapshot of a pod observed at `now`.
    pub fn observe(&mut self, pod: &Node, now: Moment) {
        let Some(uid) = json::uid(pod) else { return };
        for container in containers(pod) {
            let id = (uid.to_string(), container.name().to_string());
            if let Some(reason) = json::str_at(container.status, &["state", "waiting", "reason"])
                && is_hard_waiting_reason(reason)
            {
                self.recent_reasons.insert(id.clone(), reason.to_string());
                self.ready_again_since.remove(&id);
            } else if json::bool_at(container.status, &["ready"]) == Some(true) {
                // Without a readiness probe a crash-looping container is ready for a moment
                // after every restart; only readiness that holds is recovery.
                if self.recent_reasons.contains_key(&id) {
                    let since = *self.ready_again_since.entry(id.clone()).or_insert(now);
                    if now.since(since) >= self.recovery_hold {
                        self.recover(&id);
                    }
                }
            } else {
                self.ready_again_since.remove(&id);
            }
        }
    }

    /// Lets time pass: containers whose readiness has held are recovered. True when any was.
    pub fn expire(&mut self, now: Moment) -> bool {
        let recovered: Vec<ContainerId> = self
            .ready_again_since
            .iter()
            .filter(|(_, since)| now.since(**since) >= self.recovery_hold)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &recovered {
            self.recover(id);
        }
        !recovered.is_empty()
    }

    /// The moment the next container would count as recovered, if one is waiting to.
    pub fn next_expiry(&self) -> Option<Moment> {
        self.ready_again_since
            .values()
            .map(|since| since.after(self.recovery_hold))
            .min()
    }

    /// Drops everything about a pod that is gone.
    pub fn forget(&mut self, pod_uid: &str) {
        self.recent_reasons.retain(|(pod, _), _| pod != pod_uid);
        self.ready_again_since.retain(|(pod, _), _| pod != pod_uid);
    }

    fn recover(&mut self, id: &ContainerId) {
        self.recent_reasons.remove(id);
        self.ready_again_since.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    fn pod(state: Value, ready: bool) -> Node {
        Node::of(json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "web", "namespace": "shop", "uid": "pod-uid"},
               "status": {"containerStatuses": [
                   {"name": "web", "state": state, "ready": ready, "restartCount": 3}]}}))
    }

    fn crash_looping() -> Node {
        pod(json!({"waiting": {"reason": "CrashLoopBackOff"}}), false)
    }

    fn running(ready: bool) -> Node {
        pod(
            json!({"running": {"startedAt": "2024-05-01T10:00:00Z"}}),
            ready,
        )
    }

    fn at(secs: u64) -> Moment {
        Moment(Duration::from_secs(secs))
    }

    #[test]
    fn a_crash_loop_reason_outlives_the_running_spells_between_crashes() {
        let mut history = PodHistory::new(Duration::from_secs(5));
        history.observe(&crash_looping(), at(0));
        history.observe(&running(false), at(1));
        assert_eq!(
            history.recent_reason("pod-uid", "web"),
            Some("CrashLoopBackOff")
        );
        assert_eq!(
            history.next_expiry(),
            None,
            "not ready: no recovery under way"
        );
    }

    #[test]
    fn readiness_that_holds_is_recovery_and_a_new_crash_restarts_the_clock() {
        let mut history = PodHistory::new(Duration::from_secs(5));
        history.observe(&crash_looping(), at(0));
        history.observe(&running(true), at(1));
        assert_eq!(history.next_expiry(), Some(at(6)));
        history.observe(&crash_looping(), at(3));
        assert_eq!(history.next_expiry(), None);
        history.observe(&running(true), at(4));
        assert!(!history.expire(at(8)));
        assert!(history.recent_reason("pod-uid", "web").is_some());
        assert!(history.expire(at(9)));
        assert_eq!(history.recent_reason("pod-uid", "web"), None);
    }

    #[test]
    fn a_forgotten_pod_leaves_nothing_behind() {
        let mut history = PodHistory::new(Duration::from_secs(5));
        history.observe(&crash_looping(), at(0));
        history.observe(&running(true), at(1));
        history.forget("pod-uid");
        assert_eq!(history.recent_reason("pod-uid", "web"), None);
        assert_eq!(history.next_expiry(), None);
    }
}
