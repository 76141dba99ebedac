//! Per-pod simulation: container lifecycles, the status they produce, and their logs.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, PodSpec, Secret};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::time::sleep;

use crate::Global;
use crate::behavior::{self, Behavior};
use crate::events::PodRef;
use crate::util;

/// Pods known to the simulator by (namespace, name), for the log server.
pub type Registry = Arc<Mutex<HashMap<(String, String), Arc<Mutex<PodState>>>>>;

const MAX_INSTANCES: usize = 3;
const MAX_LINES: usize = 2000;

#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub exit_code: i32,
    pub reason: String,
    pub message: Option<String>,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running {
        id: String,
        started_at: Timestamp,
    },
    Terminated(Term),
}

#[derive(Debug, Clone)]
pub struct LogLine {
    pub ts: Timestamp,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub lines: Vec<LogLine>,
}

#[derive(Debug, Clone)]
pub struct Ctr {
    pub name: String,
    pub image: String,
    pub sidecar: bool,
    pub state: State,
    pub last: Option<Term>,
    pub restart_count: i32,
    pub ready: bool,
    pub pulled: bool,
    pub instances: VecDeque<Instance>,
}

impl Ctr {
    fn new(c: &Container, reason: &str, sidecar: bool) -> Ctr {
        Ctr {
            name: c.name.clone(),
            image: c.image.clone().unwrap_or_default(),
            sidecar,
            state: State::Waiting {
                reason: reason.into(),
                message: None,
            },
            last: None,
            restart_count: 0,
            ready: false,
            pulled: false,
            instances: VecDeque::new(),
        }
    }

    /// Replaces the state; a terminated instance becomes `lastState`.
    fn set_state(&mut self, state: State) {
        if let State::Terminated(t) = &self.state {
            self.last = Some(t.clone());
        }
        if !matches!(state, State::Running { .. }) {
            self.ready = false;
        }
        self.state = state;
    }

    fn waiting(&mut self, reason: &str, message: Option<String>) {
        self.set_state(State::Waiting {
            reason: reason.into(),
            message,
        });
    }

    pub fn logs_of(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id == id)
    }

    fn status_json(&self) -> Value {
        let term = |t: &Term| {
            let mut v = json!({
                "exitCode": t.exit_code,
                "reason": t.reason,
                "startedAt": util::time(t.started_at),
                "finishedAt": util::time(t.finished_at),
                "containerID": t.id,
            });
            if let Some(m) = &t.message {
                v["message"] = json!(m);
            }
            v
        };
        let (state, id) = match &self.state {
            State::Waiting { reason, message } => {
                let mut w = json!({"reason": reason});
                if let Some(m) = message {
                    w["message"] = json!(m);
                }
                (
                    json!({"waiting": w}),
                    self.last.as_ref().map(|t| t.id.clone()),
                )
            }
            State::Running { id, started_at } => (
                json!({"running": {"startedAt": util::time(*started_at)}}),
                Some(id.clone()),
            ),
            State::Terminated(t) => (json!({"terminated": term(t)}), Some(t.id.clone())),
        };
        let mut v = json!({
            "name": self.name,
            "image": self.image,
            "imageID": if self.pulled { util::image_id(&self.image) } else { String::new() },
            "ready": self.ready && matches!(self.state, State::Running { .. }),
            "restartCount": self.restart_count,
            "started": matches!(self.state, State::Running { .. }),
            "state": state,
            "lastState": self.last.as_ref().map_or(json!({}), |t| json!({"terminated": term(t)})),
        });
        if let Some(id) = id {
            v["containerID"] = json!(id);
        }
        v
    }
}

/// A pod condition: type, status, reason, message.
pub type Cond = (String, bool, Option<String>, Option<String>);

/// The simulated runtime state of one pod, shared with the log server.
#[derive(Debug)]
pub struct PodState {
    pub uid: String,
    pub init: Vec<Ctr>,
    pub regular: Vec<Ctr>,
}

impl PodState {
    pub fn new(pod: &Pod) -> PodState {
        let spec = pod.spec.clone().unwrap_or_default();
        let inits = spec.init_containers.unwrap_or_default();
        let has_init = inits.iter().any(|c| !is_sidecar(c));
        let regular_reason = if has_init {
            "PodInitializing"
        } else {
            "ContainerCreating"
        };
        PodState {
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            init: inits
                .iter()
                .map(|c| Ctr::new(c, "PodInitializing", is_sidecar(c)))
                .collect(),
            regular: spec
                .containers
                .iter()
                .map(|c| Ctr::new(c, regular_reason, false))
                .collect(),
        }
    }

    pub fn ctr(&self, name: &str) -> Option<&Ctr> {
        self.regular
            .iter()
            .chain(self.init.iter())
            .find(|c| c.name == name)
    }

    fn ctr_mut(&mut self, init: bool, idx: usize) -> &mut Ctr {
        if init {
            &mut self.init[idx]
        } else {
            &mut self.regular[idx]
        }
    }

    /// The kubelet's `getPhase`.
    pub fn phase(&self, restart_policy: &str) -> &'static str {
        let mut pending_init = 0;
        let mut failed_init = 0;
        for c in self.init.iter().filter(|c| !c.sidecar) {
            match &c.state {
                State::Running { .. } => pending_init += 1,
                State::Terminated(t) if t.exit_code != 0 => failed_init += 1,
                State::Terminated(_) => {}
                State::Waiting { .. } => match &c.last {
                    Some(t) if t.exit_code != 0 => failed_init += 1,
                    Some(_) => {}
                    None => pending_init += 1,
                },
            }
        }
        if failed_init > 0 && restart_policy == "Never" {
            return "Failed";
        }
        let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
        for c in self
            .regular
            .iter()
            .chain(self.init.iter().filter(|c| c.sidecar))
        {
            match &c.state {
                State::Running { .. } => running += 1,
                State::Terminated(t) => {
                    stopped += 1;
                    if t.exit_code == 0 {
                        succeeded += 1;
                    }
                }
                State::Waiting { .. } if c.last.is_some() => stopped += 1,
                State::Waiting { .. } => waiting += 1,
            }
        }
        if pending_init > 0 || waiting > 0 {
            "Pending"
        } else if running > 0 {
            "Running"
        } else if stopped > 0 {
            if restart_policy == "Always" {
                "Running"
            } else if stopped == succeeded {
                "Succeeded"
            } else if restart_policy == "Never" {
                "Failed"
            } else {
                "Running"
            }
        } else {
            "Pending"
        }
    }

    /// `status` of the pod (without the bits the caller adds), and the conditions as
    /// (type, status, reason, message).
    pub fn status(&self, pod: &Pod) -> (&'static str, Vec<Cond>, Value) {
        let spec = pod.spec.clone().unwrap_or_default();
        let policy = spec.restart_policy.as_deref().unwrap_or("Always");
        let phase = self.phase(policy);
        let completed = phase == "Succeeded" || phase == "Failed";
        let mut conds = Vec::new();

        let incomplete: Vec<&str> = self
            .init
            .iter()
            .filter(|c| !c.sidecar)
            .filter(|c| !matches!(&c.state, State::Terminated(t) if t.exit_code == 0))
            .map(|c| c.name.as_str())
            .collect();
        if phase == "Succeeded" {
            conds.push((
                "Initialized".into(),
                true,
                Some("PodCompleted".into()),
                None,
            ));
        } else if incomplete.is_empty() {
            conds.push(("Initialized".into(), true, None, None));
        } else {
            conds.push((
                "Initialized".into(),
                false,
                Some("ContainersNotInitialized".into()),
                Some(format!(
                    "containers with incomplete status: [{}]",
                    incomplete.join(" ")
                )),
            ));
        }

        let unready: Vec<&str> = self
            .regular
            .iter()
            .chain(self.init.iter().filter(|c| c.sidecar))
            .filter(|c| !(c.ready && matches!(c.state, State::Running { .. })))
            .map(|c| c.name.as_str())
            .collect();
        let containers_ready = if completed {
            (false, Some("PodCompleted".to_string()), None)
        } else if unready.is_empty() {
            (true, None, None)
        } else {
            (
                false,
                Some("ContainersNotReady".to_string()),
                Some(format!(
                    "containers with unready status: [{}]",
                    unready.join(" ")
                )),
            )
        };
        let ready = if !containers_ready.0 {
            containers_ready.clone()
        } else {
            let current = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.clone())
                .unwrap_or_default();
            let mut msgs = Vec::new();
            for gate in spec.readiness_gates.iter().flatten() {
                match current.iter().find(|c| c.type_ == gate.condition_type) {
                    None => msgs.push(format!(
                        "corresponding condition of pod readiness gate \"{}\" does not exist.",
                        gate.condition_type
                    )),
                    Some(c) if c.status != "True" => msgs.push(format!(
                        "the status of pod readiness gate \"{}\" is not \"True\", but {}",
                        gate.condition_type, c.status
                    )),
                    Some(_) => {}
                }
            }
            if msgs.is_empty() {
                (true, None, None)
            } else {
                (
                    false,
                    Some("ReadinessGatesNotReady".into()),
                    Some(msgs.join(", ")),
                )
            }
        };
        conds.push((
            "ContainersReady".into(),
            containers_ready.0,
            containers_ready.1,
            containers_ready.2,
        ));
        conds.push(("Ready".into(), ready.0, ready.1, ready.2));

        let body = json!({
            "phase": phase,
            "initContainerStatuses": self.init.iter().map(Ctr::status_json).collect::<Vec<_>>(),
            "containerStatuses": self.regular.iter().map(Ctr::status_json).collect::<Vec<_>>(),
        });
        (phase, conds, body)
    }

    /// What the kubelet does to containers when the pod is deleted: running ones stop.
    /// Returns the stopped containers as field paths and names.
    pub fn terminate_all(&mut self, graceful_ok: bool) -> Vec<(String, String)> {
        let now = Timestamp::now();
        let mut stopped = Vec::new();
        let init = self.init.iter_mut().map(|c| (true, c));
        for (is_init, c) in init.chain(self.regular.iter_mut().map(|c| (false, c))) {
            if let State::Running { id, started_at } = &c.state {
                let list = if is_init {
                    "initContainers"
                } else {
                    "containers"
                };
                stopped.push((format!("spec.{list}{{{}}}", c.name), c.name.clone()));
                let (exit_code, reason) = if graceful_ok {
                    (0, "Completed")
                } else {
                    (137, "Error")
                };
                let t = Term {
                    exit_code,
                    reason: reason.into(),
                    message: None,
                    started_at: *started_at,
                    finished_at: now,
                    id: id.clone(),
                };
                c.ready = false;
                c.state = State::Terminated(t);
            }
        }
        stopped
    }
}

pub fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// One running pod simulation.
pub struct PodSim {
    pub g: Arc<Global>,
    pub pod: PodRef,
    pub state: Arc<Mutex<PodState>>,
    pub dirty: Arc<Notify>,
    pub spec: PodSpec,
    pub annotations: BTreeMap<String, String>,
    pub pod_ip: String,
}

impl PodSim {
    fn policy(&self) -> &str {
        self.spec.restart_policy.as_deref().unwrap_or("Always")
    }

    fn container(&self, init: bool, idx: usize) -> &Container {
        if init {
            &self.spec.init_containers.as_ref().expect("init containers")[idx]
        } else {
            &self.spec.containers[idx]
        }
    }

    fn update(&self, init: bool, idx: usize, f: impl FnOnce(&mut Ctr)) {
        {
            let mut st = self.state.lock().unwrap();
            f(st.ctr_mut(init, idx));
        }
        self.dirty.notify_one();
    }

    fn log(&self, init: bool, idx: usize, text: impl Into<String>) {
        let mut st = self.state.lock().unwrap();
        let c = st.ctr_mut(init, idx);
        if let Some(inst) = c.instances.back_mut() {
            if inst.lines.len() >= MAX_LINES {
                inst.lines.remove(0);
            }
            inst.lines.push(LogLine {
                ts: Timestamp::now(),
                text: text.into(),
            });
        }
    }

    fn event(&self, init: bool, idx: usize, warning: bool, reason: &str, message: String) {
        let name = &self.container(init, idx).name;
        let fp = if init {
            format!("spec.initContainers{{{name}}}")
        } else {
            format!("spec.containers{{{name}}}")
        };
        self.g
            .events
            .record(&self.pod, Some(fp), warning, reason, message);
    }

    fn annotation_duration(&self, key: &str) -> Option<Duration> {
        let v = self.annotations.get(&format!("sim.kstatus.dev/{key}"))?;
        util::parse_duration(v).ok()
    }

    /// Runs the pod: init containers in order, then the regular containers (and sidecars).
    pub async fn run(self: Arc<Self>) {
        let n_init = self.spec.init_containers.as_ref().map_or(0, Vec::len);
        let mut long_running = Vec::new();
        for i in 0..n_init {
            if is_sidecar(self.container(true, i)) {
                long_running.push((true, i));
                continue;
            }
            let code = self.run_container(true, i).await;
            if code != 0 {
                return; // restartPolicy Never: the pod has failed
            }
        }
        for i in 0..self.spec.containers.len() {
            self.update(false, i, |c| {
                if matches!(c.state, State::Waiting { .. }) {
                    c.waiting("ContainerCreating", None);
                }
            });
            long_running.push((false, i));
        }
        let futures = long_running.into_iter().map(|(init, i)| {
            let me = self.clone();
            async move {
                me.run_container(init, i).await;
            }
        });
        futures::future::join_all(futures).await;
    }

    /// One container, across restarts. Returns the exit code once it will not be restarted.
    async fn run_container(&self, init: bool, idx: usize) -> i32 {
        let t = &self.g.timings;
        let c = self.container(init, idx).clone();
        let image = c.image.clone().unwrap_or_default();
        let sidecar = init && is_sidecar(&c);
        let behavior = Behavior::from_image(&image);
        let start_delay = self
            .annotation_duration("start-delay")
            .unwrap_or(t.start_delay);
        let mut backoffs = 0u32;
        let mut instance = 0i32;
        loop {
            // Image.
            if behavior == Behavior::PullFail {
                return self.pull_fail_forever(init, idx, &image, start_delay).await;
            }
            let pulled = self.state.lock().unwrap().ctr_mut(init, idx).pulled;
            if pulled {
                self.event(
                    init,
                    idx,
                    false,
                    "Pulled",
                    format!("Container image \"{image}\" already present on machine"),
                );
            } else {
                self.event(
                    init,
                    idx,
                    false,
                    "Pulling",
                    format!("Pulling image \"{image}\""),
                );
                sleep(start_delay / 2).await;
                let took = (start_delay / 2).as_secs_f64() * 1000.0 + 12.345678;
                self.update(init, idx, |c| c.pulled = true);
                self.event(
                    init,
                    idx,
                    false,
                    "Pulled",
                    format!("Successfully pulled image \"{image}\" in {took:.3}ms"),
                );
            }
            // Container config.
            let sim_log_line = loop {
                let result = match self.resolve_env(&c).await {
                    Ok(_) if behavior == Behavior::ConfigError => {
                        Err("configmap \"app-config\" not found".to_string())
                    }
                    other => other,
                };
                match result {
                    Ok(v) => break v,
                    Err(msg) => {
                        self.update(init, idx, |c| {
                            c.waiting("CreateContainerConfigError", Some(msg.clone()))
                        });
                        self.event(init, idx, true, "Failed", format!("Error: {msg}"));
                        sleep(t.config_retry).await;
                    }
                }
            };
            // Create and start.
            sleep(start_delay / 2).await;
            let id = format!(
                "containerd://{}",
                util::hex(&format!("{}/{}/{instance}", self.pod.uid, c.name), 64)
            );
            let started_at = Timestamp::now();
            self.update(init, idx, |ctr| {
                ctr.set_state(State::Running {
                    id: id.clone(),
                    started_at,
                });
                ctr.restart_count = instance;
                ctr.instances.push_back(Instance {
                    id: id.clone(),
                    lines: Vec::new(),
                });
                while ctr.instances.len() > MAX_INSTANCES {
                    ctr.instances.pop_front();
                }
            });
            self.event(
                init,
                idx,
                false,
                "Created",
                format!("Created container {}", c.name),
            );
            self.event(
                init,
                idx,
                false,
                "Started",
                format!("Started container {}", c.name),
            );
            self.log(init, idx, format!("Starting {} (image {image})", c.name));
            if let Some(line) = sim_log_line {
                self.log(init, idx, line);
            }

            // Run.
            let (exit_code, reason) = if sidecar {
                self.run_service(init, idx, &c, Behavior::Normal).await
            } else {
                self.run_behavior(init, idx, &c, behavior).await
            };
            let finished_at = Timestamp::now();
            self.update(init, idx, |ctr| {
                ctr.set_state(State::Terminated(Term {
                    exit_code,
                    reason: reason.into(),
                    message: None,
                    started_at,
                    finished_at,
                    id: id.clone(),
                }))
            });
            let restart = sidecar
                || match self.policy() {
                    "Never" => false,
                    "OnFailure" => exit_code != 0,
                    _ => !init || exit_code != 0,
                };
            if !restart {
                return exit_code;
            }

            // Back-off (the kubelet restarts the first time at once).
            sleep(Duration::from_millis(100).min(t.backoff_initial)).await;
            if backoffs > 0 {
                let factor = 2u32.saturating_pow(backoffs - 1);
                let delay = t.backoff_initial.saturating_mul(factor).min(t.backoff_max);
                let shown = Duration::from_secs(10)
                    .saturating_mul(factor)
                    .min(Duration::from_secs(300));
                let message = format!(
                    "back-off {} restarting failed container={} pod={}_{}({})",
                    util::go_duration(shown),
                    c.name,
                    self.pod.name,
                    self.pod.namespace,
                    self.pod.uid
                );
                self.update(init, idx, |ctr| {
                    ctr.waiting("CrashLoopBackOff", Some(message))
                });
                self.event(
                    init,
                    idx,
                    true,
                    "BackOff",
                    "Back-off restarting failed container".into(),
                );
                sleep(delay).await;
            }
            backoffs += 1;
            instance += 1;
        }
    }

    async fn pull_fail_forever(&self, init: bool, idx: usize, image: &str, delay: Duration) -> i32 {
        let t = &self.g.timings;
        loop {
            self.event(
                init,
                idx,
                false,
                "Pulling",
                format!("Pulling image \"{image}\""),
            );
            sleep(delay / 2).await;
            let msg = behavior::pull_error(image);
            self.update(init, idx, |c| c.waiting("ErrImagePull", Some(msg.clone())));
            self.event(
                init,
                idx,
                true,
                "Failed",
                format!("Failed to pull image \"{image}\": {msg}"),
            );
            self.event(init, idx, true, "Failed", "Error: ErrImagePull".into());
            sleep(t.pull_backoff).await;
            let msg = format!("Back-off pulling image \"{image}\"");
            self.update(init, idx, |c| {
                c.waiting("ImagePullBackOff", Some(msg.clone()))
            });
            self.event(init, idx, false, "BackOff", msg);
            self.event(init, idx, true, "Failed", "Error: ImagePullBackOff".into());
            sleep(t.pull_backoff).await;
        }
    }

    fn ready_delay(&self, c: &Container) -> Duration {
        if let Some(d) = self.annotation_duration("ready-after") {
            return d;
        }
        let secs = c
            .readiness_probe
            .as_ref()
            .and_then(|p| p.initial_delay_seconds)
            .unwrap_or(0)
            .max(0);
        self.g.timings.scaled(Duration::from_secs(secs as u64))
    }

    fn probe_failure(&self, c: &Container) -> String {
        let p = c.readiness_probe.as_ref();
        if let Some(tcp) = p.and_then(|p| p.tcp_socket.as_ref()) {
            let port = match &tcp.port {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
            };
            format!(
                "dial tcp {}:{port}: connect: connection refused",
                self.pod_ip
            )
        } else if p.and_then(|p| p.exec.as_ref()).is_some() {
            "dependency \"backend\" is unavailable".into()
        } else {
            "HTTP probe failed with statuscode: 503".into()
        }
    }

    /// A long-running service container: becomes Ready after its probe delay and runs forever.
    async fn run_service(
        &self,
        init: bool,
        idx: usize,
        c: &Container,
        behavior: Behavior,
    ) -> (i32, &'static str) {
        let t = &self.g.timings;
        self.log(init, idx, "Listening on 0.0.0.0:8080");
        let delay = self.ready_delay(c);
        if behavior == Behavior::NeverReady {
            sleep(delay).await;
            let msg = self.probe_failure(c);
            loop {
                self.log(
                    init,
                    idx,
                    "health check failed: dependency \"backend\" is unavailable",
                );
                self.event(
                    init,
                    idx,
                    true,
                    "Unhealthy",
                    format!("Readiness probe failed: {msg}"),
                );
                sleep(t.probe_period).await;
            }
        }
        sleep(delay).await;
        self.update(init, idx, |c| c.ready = true);
        self.log(init, idx, "Ready to accept connections");
        if behavior == Behavior::ReadyThenCrash {
            let after = self
                .annotation_duration("crash-after")
                .unwrap_or(t.ready_then_crash_after);
            sleep(after).await;
            self.log(
                init,
                idx,
                "error: lost connection to upstream: connection reset by peer",
            );
            self.log(
                init,
                idx,
                "panic: simulated crash: lost connection to upstream",
            );
            return (1, "Error");
        }
        std::future::pending().await
    }

    async fn run_behavior(
        &self,
        init: bool,
        idx: usize,
        c: &Container,
        behavior: Behavior,
    ) -> (i32, &'static str) {
        let t = &self.g.timings;
        let crash_after = self
            .annotation_duration("crash-after")
            .unwrap_or(t.crash_after);
        match behavior {
            Behavior::Crash => {
                self.log(init, idx, "Connecting to database at db:5432");
                sleep(crash_after).await;
                self.log(
                    init,
                    idx,
                    "error: dial tcp 10.0.0.12:5432: connect: connection refused",
                );
                self.log(
                    init,
                    idx,
                    "panic: simulated crash: cannot connect to database",
                );
                (1, "Error")
            }
            Behavior::Oom => {
                self.log(init, idx, "Loading dataset into memory");
                sleep(crash_after).await;
                self.log(init, idx, "Allocated 2048 MiB for in-memory cache");
                (137, "OOMKilled")
            }
            Behavior::JobOk | Behavior::JobFail => {
                self.log(init, idx, "Processing 3 items");
                let d = self
                    .annotation_duration("run-for")
                    .unwrap_or(t.job_duration);
                sleep(d / 2).await;
                self.log(init, idx, "Processed item 1/3");
                sleep(d / 2).await;
                if behavior == Behavior::JobOk {
                    self.log(init, idx, "Processed item 2/3");
                    self.log(init, idx, "Processed item 3/3");
                    self.log(init, idx, "done");
                    (0, "Completed")
                } else {
                    self.log(init, idx, "error: simulated job failure: item 2 is invalid");
                    (1, "Error")
                }
            }
            _ if init => {
                self.log(init, idx, "Running initialization step");
                let d = self
                    .annotation_duration("run-for")
                    .unwrap_or(t.init_duration);
                sleep(d).await;
                self.log(init, idx, "Initialization complete");
                (0, "Completed")
            }
            _ => self.run_service(init, idx, c, behavior).await,
        }
    }

    /// Checks env/envFrom references like the kubelet when it generates the container config;
    /// returns the value of `SIM_LOG_LINE` if the container sets it.
    async fn resolve_env(&self, c: &Container) -> Result<Option<String>, String> {
        let ns = &self.pod.namespace;
        let cms: Api<ConfigMap> = Api::namespaced(self.g.client.clone(), ns);
        let secrets: Api<Secret> = Api::namespaced(self.g.client.clone(), ns);
        let get_cm = async |name: &str| cms.get_opt(name).await.map_err(|e| e.to_string());
        let get_secret = async |name: &str| secrets.get_opt(name).await.map_err(|e| e.to_string());
        for ef in c.env_from.iter().flatten() {
            if let Some(r) = &ef.config_map_ref
                && r.optional != Some(true)
                && get_cm(&r.name).await?.is_none()
            {
                return Err(format!("configmap \"{}\" not found", r.name));
            }
            if let Some(r) = &ef.secret_ref
                && r.optional != Some(true)
                && get_secret(&r.name).await?.is_none()
            {
                return Err(format!("secret \"{}\" not found", r.name));
            }
        }
        let mut sim_line = None;
        for e in c.env.iter().flatten() {
            let mut value = e.value.clone();
            if let Some(from) = &e.value_from {
                if let Some(r) = &from.config_map_key_ref {
                    let optional = r.optional == Some(true);
                    match get_cm(&r.name).await? {
                        None if !optional => {
                            return Err(format!("configmap \"{}\" not found", r.name));
                        }
                        None => {}
                        Some(cm) => {
                            let v = cm
                                .data
                                .as_ref()
                                .and_then(|d| d.get(&r.key))
                                .cloned()
                                .or_else(|| {
                                    cm.binary_data
                                        .as_ref()
                                        .and_then(|d| d.get(&r.key))
                                        .map(|b| String::from_utf8_lossy(&b.0).into_owned())
                                });
                            if v.is_none() && !optional {
                                return Err(format!(
                                    "couldn't find key {} in ConfigMap {ns}/{}",
                                    r.key, r.name
                                ));
                            }
                            value = v;
                        }
                    }
                }
                if let Some(r) = &from.secret_key_ref {
                    let optional = r.optional == Some(true);
                    match get_secret(&r.name).await? {
                        None if !optional => {
                            return Err(format!("secret \"{}\" not found", r.name));
                        }
                        None => {}
                        Some(s) => {
                            let v: Option<&ByteString> =
                                s.data.as_ref().and_then(|d| d.get(&r.key));
                            if v.is_none() && !optional {
                                return Err(format!(
                                    "couldn't find key {} in Secret {ns}/{}",
                                    r.key, r.name
                                ));
                            }
                            value = v.map(|b| String::from_utf8_lossy(&b.0).into_owned());
                        }
                    }
                }
            }
            if e.name == "SIM_LOG_LINE" {
                sim_line = value;
            }
        }
        Ok(sim_line)
    }
}
