//! Pod status: container state over phase. Init, sidecar and regular containers are scanned in
//! every phase, hard kubelet reasons are errors at once (the stabilization window debounces),
//! and a container that keeps restarting after failures stays an error while it runs unready.

use crate::engine::node::Node;

use super::context::Context;
use super::events;
use crate::engine::json;
use crate::engine::model::{
    Chain, ChainLink, ChildSummary, ContainerDetail, ContainerRole, ContainerState, ObjectStatus,
    Status,
};

/// Waiting reasons that mean the container could not be started and will not start without a
/// change elsewhere (image, spec, referenced objects). status-rules.md §4.1.
const START_FAILURES: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "ImageInspectError",
    "SignatureValidationFailed",
    "RegistryUnavailable",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
    "PreStartHookError",
    "PostStartHookError",
];

const CRASH_LOOP: &str = "CrashLoopBackOff";

/// Whether a container waiting reason is an error as soon as it is observed.
pub fn is_hard_waiting_reason(reason: &str) -> bool {
    reason == CRASH_LOOP || START_FAILURES.contains(&reason)
}

/// Reasons of a Failed pod that its controller repairs by making a new pod: for an owned pod
/// they are not the workload's failure. Graceful node shutdown reports Shutdown/Terminated.
fn is_replaceable_failure(reason: &str) -> bool {
    matches!(
        reason,
        "Evicted"
            | "Preempting"
            | "Shutdown"
            | "Terminated"
            | "NodeShutdown"
            | "NodeLost"
            | "NodeAffinity"
            | "UnexpectedAdmissionError"
    ) || reason.starts_with("OutOf")
}

/// Why a pod is where it is, as far as its parent cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodCause {
    /// Nothing wrong (ready, progressing normally, or done).
    Normal,
    /// A container cannot be started (image, config, create/run or hook errors).
    ContainerStart,
    /// A container ran and failed, and keeps failing (crash loop, failed init container).
    ContainerCrash,
    /// The pod failed as a whole.
    PodFailed,
    /// The pod failed for a reason its controller repairs (eviction, preemption, node loss).
    Replaceable,
    /// The scheduler cannot place the pod.
    Unschedulable,
    /// The pod's volumes or sandbox cannot be set up (reported only by Warning events); an
    /// Error once that has lasted, progress until then.
    PodSetup,
}

/// The verdict on one pod, with what a parent needs to describe it.
#[derive(Debug, Clone)]
pub struct PodAssessment {
    pub status: Status,
    pub cause: PodCause,
    /// Short reason for a parent's message, e.g. `CrashLoopBackOff (exit 1) in container "web"`.
    pub headline: String,
    /// Full message for this pod.
    pub message: String,
    pub container: Option<ContainerDetail>,
}

impl PodAssessment {
    fn new(status: Status, cause: PodCause, headline: impl Into<String>) -> PodAssessment {
        let headline = headline.into();
        PodAssessment {
            status,
            cause,
            message: headline.clone(),
            headline,
            container: None,
        }
    }

    #[must_use]
    fn with_message(mut self, message: impl Into<String>) -> PodAssessment {
        self.message = message.into();
        self
    }

    #[must_use]
    fn with_container(mut self, container: ContainerDetail) -> PodAssessment {
        self.container = Some(container);
        self
    }

    pub fn link(&self, pod: &Node) -> ChainLink {
        ChainLink {
            kind: "Pod".to_string(),
            name: json::name(pod).to_string(),
            status: self.status,
            message: self.message.clone(),
        }
    }
}

/// A stand-alone (or directly tracked) pod.
pub fn pod(object: &Node, ctx: &Context) -> ObjectStatus {
    let assessment = assess_pod(object, ctx);
    let mut status = ObjectStatus::new(assessment.status, assessment.message);
    if let Some(container) = assessment.container {
        status.children = Some(Box::new(ChildSummary {
            worst: Some(Chain {
                links: Vec::new(),
                container: Some(container),
            }),
            ..Default::default()
        }));
    }
    status
}

fn is_owned(pod: &Node) -> bool {
    json::array_at(pod, &["metadata", "ownerReferences"])
        .iter()
        .any(|owner| json::bool_at(owner, &["controller"]) == Some(true))
}

fn restart_policy(pod: &Node) -> &str {
    json::str_at(pod, &["spec", "restartPolicy"]).unwrap_or("Always")
}

/// Judges one pod. Owned pods (with a controller) tolerate failures their controller repairs.
pub fn assess_pod(pod: &Node, ctx: &Context) -> PodAssessment {
    let phase = json::str_at(pod, &["status", "phase"]).unwrap_or("");
    let containers = containers(pod);

    if phase == "Succeeded" {
        return PodAssessment::new(Status::Success, PodCause::Normal, "Completed");
    }
    if phase == "Failed" {
        return failed_pod(pod, &containers);
    }
    if let Some(problem) = containers
        .iter()
        .find_map(|c| container_problem(pod, c, ctx))
    {
        return problem;
    }
    if let Some(scheduling) = scheduling(pod) {
        return scheduling;
    }
    if let Some(setup) = setup_failure(pod, ctx) {
        return setup;
    }
    if json::condition(pod, "Ready").is_some_and(|ready| ready.is_true()) {
        if restart_policy(pod) == "Always" || is_owned(pod) {
            return PodAssessment::new(Status::Success, PodCause::Normal, "Ready");
        }
        return PodAssessment::new(
            Status::InProgress,
            PodCause::Normal,
            "Running; waiting for the pod to complete",
        );
    }
    progress(pod, phase, &containers)
}

/// A container status with the role its spec gives it.
pub(super) struct Container<'a> {
    pub(super) role: ContainerRole,
    pub(super) status: &'a Node,
}

impl Container<'_> {
    pub(super) fn name(&self) -> &str {
        json::str_at(self.status, &["name"]).unwrap_or("")
    }
}

/// The statuses of a pod's containers, init (and sidecar) containers first.
pub(super) fn containers(pod: &Node) -> Vec<Container<'_>> {
    let sidecars: Vec<&str> = json::array_at(pod, &["spec", "initContainers"])
        .iter()
        .filter(|c| json::str_at(c, &["restartPolicy"]) == Some("Always"))
        .filter_map(|c| json::str_at(c, &["name"]))
        .collect();
    let init = json::array_at(pod, &["status", "initContainerStatuses"])
        .iter()
        .map(|status| {
            let name = json::str_at(status, &["name"]).unwrap_or("");
            let role = if sidecars.contains(&name) {
                ContainerRole::Sidecar
            } else {
                ContainerRole::Init
            };
            Container { role, status }
        });
    let regular = json::array_at(pod, &["status", "containerStatuses"])
        .iter()
        .map(|status| Container {
            role: ContainerRole::Regular,
            status,
        });
    init.chain(regular).collect()
}

fn detail(container: &Container, recent_reason: Option<&str>) -> ContainerDetail {
    let status = container.status;
    let (state, reason, message) = if let Some(waiting) = json::at(status, &["state", "waiting"]) {
        (
            ContainerState::Waiting,
            json::str_at(waiting, &["reason"]),
            json::str_at(waiting, &["message"]),
        )
    } else if let Some(terminated) = json::at(status, &["state", "terminated"]) {
        (
            ContainerState::Terminated,
            json::str_at(terminated, &["reason"]),
            json::str_at(terminated, &["message"]),
        )
    } else if json::at(status, &["state", "running"]).is_some() {
        (ContainerState::Running, recent_reason, None)
    } else {
        (ContainerState::Unknown, None, None)
    };
    let exit_code = json::int_at(status, &["state", "terminated", "exitCode"])
        .or_else(|| json::int_at(status, &["lastState", "terminated", "exitCode"]));
    ContainerDetail {
        name: json::str_at(status, &["name"]).unwrap_or("").to_string(),
        role: container.role,
        state,
        reason: reason.map(str::to_string),
        message: message.map(str::to_string),
        exit_code,
        last_termination_reason: json::str_at(status, &["lastState", "terminated", "reason"])
            .map(str::to_string),
        restart_count: json::int_at(status, &["restartCount"]).unwrap_or(0),
        ready: json::bool_at(status, &["ready"]).unwrap_or(false),
    }
}

fn role_word(role: ContainerRole) -> &'static str {
    match role {
        ContainerRole::Init => "init container",
        ContainerRole::Sidecar => "sidecar container",
        ContainerRole::Regular => "container",
    }
}

/// `exit 137, OOMKilled` style decoration from the exit code and the termination reason.
fn exit_decoration(detail: &ContainerDetail, termination_reason: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(code) = detail.exit_code {
        parts.push(format!("exit {code}"));
    }
    if let Some(reason) = termination_reason.filter(|r| *r != "Error" && *r != "Completed") {
        parts.push(reason.to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn headline(reason: &str, detail: &ContainerDetail, termination_reason: Option<&str>) -> String {
    format!(
        "{reason}{} in {} \"{}\"",
        exit_decoration(detail, termination_reason),
        role_word(detail.role),
        detail.name
    )
}

fn full_message(headline: &str, kubelet_message: Option<&str>, detail: &ContainerDetail) -> String {
    let mut message = headline.to_string();
    if let Some(text) = kubelet_message.filter(|m| !m.is_empty()) {
        message.push_str(": ");
        message.push_str(text.trim_end());
    }
    if detail.restart_count > 0 {
        message.push_str(&format!(" (restarts: {})", detail.restart_count));
    }
    message
}

/// A hard problem of one container, if it has one.
fn container_problem(pod: &Node, container: &Container, ctx: &Context) -> Option<PodAssessment> {
    let status = container.status;
    let pod_uid = json::uid(pod).unwrap_or("");
    let recent = ctx.pods.recent_reason(pod_uid, container.name());
    let detail = detail(container, recent);

    if let Some(waiting) = json::at(status, &["state", "waiting"]) {
        let reason = json::str_at(waiting, &["reason"]).unwrap_or("");
        let cause = if START_FAILURES.contains(&reason) {
            PodCause::ContainerStart
        } else if reason == CRASH_LOOP {
            PodCause::ContainerCrash
        } else {
            return None;
        };
        let last = detail.last_termination_reason.as_deref();
        let head = headline(
            reason,
            &detail,
            if cause == PodCause::ContainerCrash {
                last
            } else {
                None
            },
        );
        let message = full_message(&head, json::str_at(waiting, &["message"]), &detail);
        return Some(
            PodAssessment::new(Status::Error, cause, head)
                .with_message(message)
                .with_container(detail),
        );
    }
    if let Some(terminated) = json::at(status, &["state", "terminated"]) {
        let exit_code = json::int_at(terminated, &["exitCode"]).unwrap_or(0);
        if exit_code == 0 {
            return None;
        }
        let reason = json::str_at(terminated, &["reason"]).unwrap_or("Error");
        // Between two back-offs a crash-looping container is briefly terminated; keep calling
        // it what it is, so the message does not flap with every restart.
        let shown = match recent {
            Some(recent) if detail.restart_count > 0 => recent,
            _ => reason,
        };
        let head = headline(shown, &detail, Some(reason));
        let message = full_message(&head, json::str_at(terminated, &["message"]), &detail);
        return Some(
            PodAssessment::new(Status::Error, PodCause::ContainerCrash, head)
                .with_message(message)
                .with_container(detail),
        );
    }
    // A real kubelet alternates CrashLoopBackOff with short Running spells; a container that
    // restarted after a failure and has not become ready is still crash-looping, and calling
    // it progress would restart the stabilization window at every restart.
    let running = json::at(status, &["state", "running"]).is_some();
    let last_exit = json::int_at(status, &["lastState", "terminated", "exitCode"]).unwrap_or(0);
    // A ready container that crashed recently is still suspect: the tracker keeps its recent
    // reason until readiness has held for the stabilization window.
    let crashed_recently = !detail.ready || recent.is_some();
    if running && crashed_recently && detail.restart_count > 0 && last_exit != 0 {
        let last = detail.last_termination_reason.as_deref();
        let reason = recent.or(last).unwrap_or("Error");
        let head = headline(reason, &detail, last);
        let state = if detail.ready {
            "running again, not yet stable"
        } else {
            "running again but not ready"
        };
        let message = full_message(
            &format!("{head}; {state}"),
            json::str_at(status, &["lastState", "terminated", "message"]),
            &detail,
        );
        return Some(
            PodAssessment::new(Status::Error, PodCause::ContainerCrash, head)
                .with_message(message)
                .with_container(detail),
        );
    }
    None
}

fn failed_pod(pod: &Node, containers: &[Container]) -> PodAssessment {
    let reason = json::str_at(pod, &["status", "reason"]).unwrap_or("");
    let message = json::str_at(pod, &["status", "message"]).unwrap_or("");
    let describe = |reason: &str| {
        if message.is_empty() {
            reason.to_string()
        } else {
            format!("{reason}: {message}")
        }
    };
    if !reason.is_empty() && is_owned(pod) && is_replaceable_failure(reason) {
        return PodAssessment::new(Status::InProgress, PodCause::Replaceable, reason)
            .with_message(format!("{}; its controller replaces it", describe(reason)));
    }
    let failed_container = containers.iter().find(|c| {
        json::int_at(c.status, &["state", "terminated", "exitCode"]).is_some_and(|code| code != 0)
    });
    if let Some(container) = failed_container {
        let detail = detail(container, None);
        let termination = json::str_at(container.status, &["state", "terminated", "reason"]);
        let head = headline(termination.unwrap_or("Error"), &detail, termination);
        let pod_reason = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        let message = full_message(
            &format!("Pod failed{pod_reason}: {head}"),
            json::str_at(container.status, &["state", "terminated", "message"]),
            &detail,
        );
        return PodAssessment::new(Status::Error, PodCause::PodFailed, head)
            .with_message(message)
            .with_container(detail);
    }
    let reason = if reason.is_empty() { "Failed" } else { reason };
    PodAssessment::new(Status::Error, PodCause::PodFailed, reason)
        .with_message(format!("Pod failed: {}", describe(reason)))
}

/// Volume and sandbox failures reach the API only as Warning events, while the containers wait
/// in ContainerCreating. The kubelet retries (a Secret created a moment later is mounted on the
/// next try), so such an event is an Error only once it has lasted; until then it is progress.
fn setup_failure(pod: &Node, ctx: &Context) -> Option<PodAssessment> {
    let warning = events::blocking_warning(pod, ctx.store)?;
    let status = if events::has_lasted(pod, ctx) {
        Status::Error
    } else {
        Status::InProgress
    };
    Some(
        PodAssessment::new(status, PodCause::PodSetup, warning.reason)
            .with_message(warning.describe()),
    )
}

fn scheduling(pod: &Node) -> Option<PodAssessment> {
    let scheduled = json::condition(pod, "PodScheduled")?;
    if !scheduled.is_false() {
        return None;
    }
    let message = scheduled.message.unwrap_or("");
    match scheduled.reason() {
        // Progress until the deadline: a cluster autoscaler may take minutes to add a node.
        "Unschedulable" => Some(
            PodAssessment::new(Status::InProgress, PodCause::Unschedulable, "Unschedulable")
                .with_message(format!("Unschedulable: {message}")),
        ),
        "SchedulingGated" => Some(PodAssessment::new(
            Status::InProgress,
            PodCause::Normal,
            format!("Scheduling gated: {message}"),
        )),
        _ => None,
    }
}

fn progress(pod: &Node, phase: &str, containers: &[Container]) -> PodAssessment {
    let in_progress = |text: String| PodAssessment::new(Status::InProgress, PodCause::Normal, text);
    if phase == "Pending" && json::condition(pod, "PodScheduled").is_none() {
        return in_progress("Pending: waiting to be scheduled".to_string());
    }
    let init: Vec<&Container> = containers
        .iter()
        .filter(|c| c.role == ContainerRole::Init)
        .collect();
    let init_done = init
        .iter()
        .filter(|c| json::int_at(c.status, &["state", "terminated", "exitCode"]) == Some(0))
        .count();
    if init_done < init.len() {
        let current = init
            .iter()
            .find(|c| json::at(c.status, &["state", "terminated"]).is_none());
        let suffix = current
            .map(|c| {
                let name = json::str_at(c.status, &["name"]).unwrap_or("");
                match json::str_at(c.status, &["state", "waiting", "reason"]) {
                    Some(reason) => format!(" ({reason} in init container \"{name}\")"),
                    None => format!(" (running init container \"{name}\")"),
                }
            })
            .unwrap_or_default();
        return in_progress(format!("Init:{init_done}/{}{suffix}", init.len()));
    }
    let must_be_ready = |c: &&Container| c.role != ContainerRole::Init;
    if let Some(waiting) = containers.iter().filter(must_be_ready).find_map(|c| {
        let reason = json::str_at(c.status, &["state", "waiting", "reason"])?;
        let name = json::str_at(c.status, &["name"]).unwrap_or("");
        let message = json::str_at(c.status, &["state", "waiting", "message"])
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        Some(format!(
            "{reason} in {} \"{name}\"{message}",
            role_word(c.role)
        ))
    }) {
        return in_progress(waiting);
    }
    let unready: Vec<&str> = containers
        .iter()
        .filter(must_be_ready)
        .filter(|c| json::bool_at(c.status, &["ready"]) != Some(true))
        .filter_map(|c| json::str_at(c.status, &["name"]))
        .collect();
    if !unready.is_empty() {
        let list = unready
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if unready.len() == 1 {
            "container"
        } else {
            "containers"
        };
        return in_progress(format!("Running, not ready: {noun} {list} not ready"));
    }
    let gates: Vec<&str> = json::array_at(pod, &["spec", "readinessGates"])
        .iter()
        .filter_map(|gate| json::str_at(gate, &["conditionType"]))
        .filter(|gate| json::condition(pod, gate).is_none_or(|c| !c.is_true()))
        .collect();
    if !gates.is_empty() && !containers.is_empty() {
        let list = gates
            .iter()
            .map(|g| format!("\"{g}\""))
            .collect::<Vec<_>>()
            .join(", ");
        return in_progress(format!(
            "Containers ready; waiting for readiness gate {list}"
        ));
    }
    let pod_message = json::str_at(pod, &["status", "message"]).map(|m| format!(": {m}"));
    let phase = if phase.is_empty() { "Pending" } else { phase };
    in_progress(format!("{phase}{}", pod_message.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::fixture;
    use std::collections::HashSet;

    use crate::engine::children::Store;
    use crate::engine::model::Moment;
    use crate::engine::rules::pod_history::PodHistory;
    use crate::engine::testing::load;

    fn the_pod(yaml: &str) -> Node {
        load(yaml)
            .into_iter()
            .map(Node::of)
            .find(|o| json::kind(o) == "Pod")
            .expect("a Pod in the fixture")
    }

    fn assess_with(yaml: &str, history: &PodHistory) -> PodAssessment {
        let store = Store::new();
        let warnings = HashSet::new();
        assess_pod(&the_pod(yaml), &Context::new(&store, history, &warnings))
    }

    fn assess(yaml: &str) -> PodAssessment {
        assess_with(yaml, &PodHistory::default())
    }

    #[test]
    fn ready_pod_is_success() {
        let verdict = assess(fixture!("pod-ready.yaml"));
        assert_eq!(
            (verdict.status, verdict.message.as_str()),
            (Status::Success, "Ready")
        );
    }

    #[test]
    fn container_creating_is_in_progress() {
        let verdict = assess(fixture!("pod-container-creating.yaml"));
        assert_eq!(verdict.status, Status::InProgress);
        assert!(
            verdict
                .message
                .starts_with("ContainerCreating in container \"web\"")
        );
    }

    #[test]
    fn pod_initializing_is_in_progress_with_init_count() {
        let verdict = assess(fixture!("pod-init-running.yaml"));
        assert_eq!(verdict.status, Status::InProgress);
        assert_eq!(
            verdict.message,
            "Init:1/2 (running init container \"migrate\")"
        );
    }

    #[test]
    fn crash_loop_is_an_error_with_exit_code_container_and_restarts() {
        let verdict = assess(fixture!("pod-crashloop.yaml"));
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::Error, PodCause::ContainerCrash)
        );
        assert_eq!(
            verdict.headline,
            "CrashLoopBackOff (exit 1) in container \"web\""
        );
        assert!(
            verdict
                .message
                .contains("back-off 40s restarting failed container=web")
        );
        assert!(
            verdict.message.ends_with("(restarts: 3)"),
            "{}",
            verdict.message
        );
        let container = verdict.container.unwrap();
        assert_eq!((container.exit_code, container.restart_count), (Some(1), 3));
    }

    #[test]
    fn oom_killed_decorates_the_crash_loop_message() {
        let verdict = assess(fixture!("pod-oomkilled-crashloop.yaml"));
        assert_eq!(verdict.status, Status::Error);
        assert_eq!(
            verdict.headline,
            "CrashLoopBackOff (exit 137, OOMKilled) in container \"app\""
        );
    }

    #[test]
    fn every_hard_waiting_reason_is_an_error_at_once() {
        let template = fixture!("pod-image-pull-error.yaml");
        for reason in START_FAILURES {
            let verdict = assess(&template.replace("ErrImagePull", reason));
            assert_eq!(verdict.status, Status::Error, "{reason}");
            assert_eq!(verdict.cause, PodCause::ContainerStart, "{reason}");
            assert!(
                verdict.headline.starts_with(reason),
                "{reason}: {}",
                verdict.headline
            );
        }
    }

    #[test]
    fn image_pull_error_carries_the_kubelet_message() {
        let verdict = assess(fixture!("pod-image-pull-error.yaml"));
        assert_eq!(verdict.headline, "ErrImagePull in container \"web\"");
        assert!(
            verdict.message.contains("registry.invalid/shop/web:1.4.2"),
            "{}",
            verdict.message
        );
    }

    #[test]
    fn running_unready_after_a_failed_exit_stays_an_error() {
        let verdict = assess(fixture!("pod-crashloop-running-between-crashes.yaml"));
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::Error, PodCause::ContainerCrash)
        );
        assert!(
            verdict.message.contains("running again but not ready"),
            "{}",
            verdict.message
        );
    }

    #[test]
    fn running_between_crashes_is_described_by_the_reason_it_returns_to() {
        let yaml = fixture!("pod-crashloop-running-between-crashes.yaml");
        // The same pod, seen earlier in CrashLoopBackOff.
        let mut crash_looping = the_pod(fixture!("pod-crashloop.yaml")).to_value();
        crash_looping["metadata"]["uid"] = the_pod(yaml).to_value()["metadata"]["uid"].clone();
        let crash_looping = Node::of(crash_looping);
        let mut history = PodHistory::default();
        history.observe(&crash_looping, Moment::START);
        let verdict = assess_with(yaml, &history);
        assert_eq!(
            verdict.headline,
            "CrashLoopBackOff (exit 1) in container \"web\""
        );
    }

    #[test]
    fn running_and_ready_after_a_restart_is_success() {
        let yaml = fixture!("pod-crashloop-running-between-crashes.yaml")
            .replace("ready: false", "ready: true")
            .replace("status: \"False\"", "status: \"True\"");
        let verdict = assess(&yaml);
        assert_eq!(verdict.status, Status::Success, "{}", verdict.message);
    }

    #[test]
    fn unschedulable_is_in_progress_with_the_scheduler_message() {
        let verdict = assess(fixture!("pod-unschedulable.yaml"));
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::InProgress, PodCause::Unschedulable)
        );
        assert_eq!(
            verdict.message,
            "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."
        );
    }

    #[test]
    fn failed_stand_alone_pod_is_an_error_with_exit_code() {
        let verdict = assess(fixture!("pod-standalone-failed.yaml"));
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::Error, PodCause::PodFailed)
        );
        assert!(verdict.message.contains("exit 2"), "{}", verdict.message);
        assert!(
            verdict.message.contains("container \"report\""),
            "{}",
            verdict.message
        );
    }

    #[test]
    fn evicted_owned_pod_is_replaceable_not_an_error() {
        let verdict = assess(fixture!("pod-evicted-owned.yaml"));
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::InProgress, PodCause::Replaceable)
        );
        assert!(
            verdict
                .message
                .starts_with("Evicted: The node was low on resource: memory.")
        );
    }

    #[test]
    fn evicted_stand_alone_pod_is_an_error() {
        let yaml = fixture!("pod-evicted-owned.yaml");
        let standalone = yaml.split("  ownerReferences:").next().unwrap().to_string()
            + &yaml[yaml.find("spec:").unwrap()..];
        let verdict = assess(&standalone);
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::Error, PodCause::PodFailed)
        );
        assert!(verdict.message.contains("Evicted"), "{}", verdict.message);
    }

    #[test]
    fn deadline_exceeded_owned_pod_is_an_error() {
        let yaml = fixture!("pod-evicted-owned.yaml")
            .replace("reason: Evicted", "reason: DeadlineExceeded");
        let verdict = assess(&yaml);
        assert_eq!(verdict.status, Status::Error);
    }

    #[test]
    fn readiness_gate_not_true_keeps_the_pod_in_progress() {
        let verdict = assess(fixture!("pod-readiness-gate-pending.yaml"));
        assert_eq!(verdict.status, Status::InProgress);
        assert_eq!(
            verdict.message,
            "Containers ready; waiting for readiness gate \"target-health.elbv2.k8s.aws/k8s-shop-web-1a2b3c\""
        );
    }

    #[test]
    fn failing_init_container_is_an_error() {
        let verdict = assess(fixture!("pod-init-crashloop.yaml"));
        assert_eq!(
            (verdict.status, verdict.cause),
            (Status::Error, PodCause::ContainerCrash)
        );
        assert_eq!(
            verdict.headline,
            "CrashLoopBackOff (exit 1) in init container \"migrate\""
        );
    }

    #[test]
    fn init_container_terminated_with_failure_is_an_error() {
        let verdict = assess(fixture!("pod-init-failed-error.yaml"));
        assert_eq!(verdict.status, Status::Error);
        assert_eq!(
            verdict.headline,
            "Error (exit 3) in init container \"migrate\""
        );
    }

    #[test]
    fn crashing_sidecar_is_an_error_while_the_pod_runs() {
        let verdict = assess(fixture!("pod-sidecar-crashloop.yaml"));
        assert_eq!(verdict.status, Status::Error);
        assert_eq!(
            verdict.headline,
            "CrashLoopBackOff (exit 1) in sidecar container \"proxy\""
        );
    }

    #[test]
    fn running_sidecar_does_not_count_as_pending_init() {
        let verdict = assess(fixture!("pod-sidecar-running-app-starting.yaml"));
        assert_eq!(verdict.status, Status::InProgress);
        assert_eq!(
            verdict.message,
            "Running, not ready: container \"web\" not ready"
        );
    }

    #[test]
    fn never_restart_pod_that_is_ready_still_waits_for_completion() {
        let yaml =
            fixture!("pod-ready.yaml").replace("restartPolicy: Always", "restartPolicy: Never");
        let yaml = yaml.split("  ownerReferences:").next().unwrap().to_string()
            + &yaml[yaml.find("spec:").unwrap()..];
        let verdict = assess(&yaml);
        assert_eq!(verdict.status, Status::InProgress);
    }

    #[test]
    fn succeeded_pod_is_success() {
        let yaml =
            fixture!("pod-standalone-failed.yaml").replace("phase: Failed", "phase: Succeeded");
        assert_eq!(assess(&yaml).status, Status::Success);
    }
}
