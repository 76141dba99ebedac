//! What a failure card shows besides the status: which container's log explains the failure,
//! and whether it is the log of the run before the last restart.

use super::kinds::POD;
use super::model::{ContainerState, ObjectStatus};
use super::{ObjectKey, TrackedObject};

/// The log a failure card shows: one container of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogToShow {
    pub pod: String,
    pub container: String,
    /// The log of the container's previous run: it restarted and is not in its final state, so
    /// the current run has not failed yet and the previous one holds the failure.
    pub previous: bool,
}

/// The log that explains an object's failure: that of the container its worst chain ends in,
/// in the last pod of the chain (the object itself for a Pod). None when no container is to
/// blame or it never ran (a container waiting for its image has no log).
pub fn log_to_show(object: &TrackedObject) -> Option<LogToShow> {
    log_for(&object.key, &object.status)
}

fn log_for(key: &ObjectKey, status: &ObjectStatus) -> Option<LogToShow> {
    let chain = status.children.as_ref()?.worst.as_ref()?;
    let container = chain.container.as_ref()?;
    let pod = chain
        .links
        .iter()
        .rev()
        .find(|l| l.kind == POD.kind)
        .map(|l| l.name.clone())
        .or_else(|| {
            (&*key.group == POD.group && &*key.kind == POD.kind).then(|| key.name.to_string())
        })?;
    let ran = container.restart_count > 0 || container.state != ContainerState::Waiting;
    ran.then(|| LogToShow {
        pod,
        container: container.name.clone(),
        previous: container.restart_count > 0 && container.state != ContainerState::Terminated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{
        Chain, ChainLink, ChildSummary, ContainerDetail, ContainerRole, Status,
    };

    fn container(state: ContainerState, restart_count: i64) -> ContainerDetail {
        ContainerDetail {
            name: "app".into(),
            role: ContainerRole::Regular,
            state,
            reason: None,
            message: None,
            exit_code: None,
            last_termination_reason: None,
            restart_count,
            ready: false,
        }
    }

    fn link(kind: &str, name: &str) -> ChainLink {
        ChainLink {
            kind: kind.into(),
            name: name.into(),
            status: Status::Error,
            message: String::new(),
        }
    }

    fn failed(links: Vec<ChainLink>, container: ContainerDetail) -> ObjectStatus {
        ObjectStatus::error("failing").with_children(ChildSummary {
            total: 1,
            succeeded: 0,
            failing: 1,
            worst: Some(Chain {
                links,
                container: Some(container),
            }),
        })
    }

    fn choose(key: ObjectKey, links: Vec<ChainLink>, c: ContainerDetail) -> Option<LogToShow> {
        log_for(&key, &failed(links, c))
    }

    fn deployment() -> ObjectKey {
        ObjectKey::new("apps", "Deployment", Some("shop"), "web")
    }

    fn chain() -> Vec<ChainLink> {
        vec![link("ReplicaSet", "web-1"), link("Pod", "web-1-a")]
    }

    #[test]
    fn a_crash_looping_container_shows_its_previous_run_in_the_last_pod() {
        let shown = choose(deployment(), chain(), container(ContainerState::Waiting, 3));
        assert_eq!(
            shown,
            Some(LogToShow {
                pod: "web-1-a".into(),
                container: "app".into(),
                previous: true
            })
        );
    }

    #[test]
    fn a_container_that_ended_shows_its_current_run() {
        let shown = choose(
            deployment(),
            chain(),
            container(ContainerState::Terminated, 2),
        );
        assert_eq!(shown.map(|s| s.previous), Some(false));
        let shown = choose(deployment(), chain(), container(ContainerState::Running, 0));
        assert_eq!(shown.map(|s| s.previous), Some(false));
    }

    #[test]
    fn a_container_that_never_ran_has_no_log() {
        assert_eq!(
            choose(deployment(), chain(), container(ContainerState::Waiting, 0)),
            None
        );
    }

    #[test]
    fn a_pod_shows_its_own_log_and_a_chain_without_a_pod_none() {
        let pod = ObjectKey::new("", "Pod", Some("shop"), "solo");
        let shown = choose(pod, Vec::new(), container(ContainerState::Terminated, 0));
        assert_eq!(shown.map(|s| s.pod), Some("solo".to_string()));
        let job_link = vec![link("Job", "nightly-1")];
        assert_eq!(
            choose(
                deployment(),
                job_link,
                container(ContainerState::Terminated, 0)
            ),
            None
        );
    }
}
