//! Following pod logs (`--logs`): one `GET pods/NAME/log?follow=true&timestamps=true` reading
//! per container of the pods the engine names, started again for each new state of the
//! container (a restart: the new instance's log), stopped when the pod no longer needs
//! following; lines go to the tracking loop through a channel.

use std::collections::{HashMap, HashSet};

use futures::{AsyncBufRead, AsyncBufReadExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::{AbortHandle, JoinSet};

use crate::engine::ContainerState;
use crate::engine::logs::{LogLine, PodToFollow};

/// Bytes of a line kept as it is read: far more than is shown (1 KiB), so the redactor sees
/// any value whole before the line is cut, without holding an endless line in memory.
const READ_LINE_BYTES: usize = 64 * 1024;
/// Lines of an instance read again after following stopped while its pod was Ready: its last
/// words before it failed, not the chatter of its healthy spell.
const RESUME_TAIL_LINES: i64 = 10;
/// Readings at once: past it, containers wait for a reading to end (a namespace full of
/// failing pods must not open hundreds of streams).
const MAX_READINGS: usize = 32;

/// What a reading reports to the tracking loop.
#[derive(Debug)]
pub enum LogEvent {
    Line(LogLine),
    /// The reading ended: at the end of the log (the container stopped), or on an error.
    Ended {
        reading: u64,
        error: Option<kube::Error>,
    },
}

/// A container of a pod: (pod UID, container name).
type ContainerId = (String, String);
/// What a reading was started for: the container's instance and state.
type Signature = (i64, ContainerState);

/// A reading to start.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Start {
    reading: u64,
    pod: PodToFollow,
    container: String,
    signature: Signature,
    /// Lines from the end to start with (a resumed instance); None reads the whole log.
    tail: Option<i64>,
}

/// Which readings run and which to start or stop: the bookkeeping of [`LogFollowers`], apart
/// from the requests.
#[derive(Debug, Default)]
struct Readings {
    /// The reading of each container being read, and the state it was started for.
    active: HashMap<ContainerId, (u64, Signature)>,
    /// The state each container was last read to its end in: read again when it changes.
    read_to_end: HashMap<ContainerId, Signature>,
    /// The instance each container ran when following stopped because its pod no longer
    /// needed it (Ready).
    quiet_since: HashMap<ContainerId, i64>,
    /// The pods to follow, as last named.
    wanted: Vec<PodToFollow>,
    /// Pods already warned about (one warning per pod at most).
    warned: HashSet<String>,
    next_id: u64,
}

impl Readings {
    /// The readings to stop (no longer wanted) and to start (a container with a log in a state
    /// not yet read), at most [`MAX_READINGS`] running at once.
    fn reconcile(&mut self) -> (Vec<u64>, Vec<Start>) {
        let wanted: HashMap<ContainerId, (&PodToFollow, Signature, bool)> = self
            .wanted
            .iter()
            .flat_map(|pod| {
                pod.containers.iter().map(move |c| {
                    (
                        (pod.uid.clone(), c.name.clone()),
                        (pod, (c.restart_count, c.state), c.has_log()),
                    )
                })
            })
            .collect();
        let unwanted: Vec<ContainerId> = self
            .active
            .keys()
            .filter(|id| !wanted.contains_key(*id))
            .cloned()
            .collect();
        let mut stops = Vec::new();
        for id in unwanted {
            if let Some((reading, signature)) = self.active.remove(&id) {
                stops.push(reading);
                self.quiet_since.insert(id.clone(), signature.0);
                self.read_to_end.remove(&id);
            }
        }
        let mut starts = Vec::new();
        // In the order the engine named them, so the first pods are read first under the cap.
        for pod in &self.wanted {
            for container in &pod.containers {
                let id = (pod.uid.clone(), container.name.clone());
                let (_, signature, has_log) = wanted[&id];
                if !has_log
                    || self.active.contains_key(&id)
                    || self.read_to_end.get(&id) == Some(&signature)
                    || self.active.len() >= MAX_READINGS
                {
                    continue;
                }
                let tail = self
                    .quiet_since
                    .get(&id)
                    .is_some_and(|quiet| signature.0 <= *quiet)
                    .then_some(RESUME_TAIL_LINES);
                self.next_id += 1;
                self.active.insert(id, (self.next_id, signature));
                starts.push(Start {
                    reading: self.next_id,
                    pod: pod.clone(),
                    container: container.name.clone(),
                    signature,
                    tail,
                });
            }
        }
        (stops, starts)
    }

    fn is_current(&self, line: &LogLine) -> bool {
        self.active
            .get(&(line.uid.clone(), line.container.clone()))
            .is_some_and(|(id, _)| *id == line.reading)
    }

    /// A reading ended: its container's state counts as read. The container it read, if the
    /// reading was still running.
    fn ended(&mut self, reading: u64) -> Option<ContainerId> {
        let id = self
            .active
            .iter()
            .find(|(_, (id, _))| *id == reading)
            .map(|(id, _)| id.clone())?;
        let (_, signature) = self.active.remove(&id)?;
        self.read_to_end.insert(id.clone(), signature);
        Some(id)
    }

    /// What to say about a failed reading: nothing while the container is between states
    /// (waiting to start, just restarted: it is read again when its state changes), else one
    /// warning per pod.
    fn warning(&mut self, id: &ContainerId, code: Option<u16>, message: &str) -> Option<String> {
        if code == Some(400) || code == Some(404) || !self.warned.insert(id.0.clone()) {
            return None;
        }
        let (namespace, pod) = self
            .wanted
            .iter()
            .find(|p| p.uid == id.0)
            .map(|p| (p.namespace.as_str(), p.name.as_str()))
            .unwrap_or(("?", "?"));
        Some(if code == Some(403) {
            format!(
                "cannot read the logs of Pod/{pod} -n {namespace}: forbidden (needs get on \
                 pods/log); continuing without them"
            )
        } else {
            format!(
                "cannot follow the log of Pod/{pod} -n {namespace} container {}: {message}; \
                 continuing without it",
                id.1
            )
        })
    }
}

/// The readings of one run.
pub struct LogFollowers {
    client: kube::Client,
    sender: UnboundedSender<LogEvent>,
    tasks: JoinSet<()>,
    handles: HashMap<u64, AbortHandle>,
    readings: Readings,
}

impl LogFollowers {
    /// Followers reading with `client` (long-lived requests: no read timeout) and sending to
    /// `sender`.
    pub fn new(client: kube::Client, sender: UnboundedSender<LogEvent>) -> Self {
        LogFollowers {
            client,
            sender,
            tasks: JoinSet::new(),
            handles: HashMap::new(),
            readings: Readings::default(),
        }
    }

    /// Follows exactly these pods from now on: readings start for containers that have a log
    /// in a state not yet read, and stop for pods no longer named.
    pub fn follow(&mut self, pods: Vec<PodToFollow>) {
        self.readings.wanted = pods;
        self.reconcile();
    }

    /// Whether a line comes from a reading still wanted (a stopped reading may have lines in
    /// flight, which are not shown).
    pub fn is_current(&self, line: &LogLine) -> bool {
        self.readings.is_current(line)
    }

    /// A reading ended; returns the warning to show, at most one per pod, when it failed.
    pub fn ended(&mut self, reading: u64, error: Option<kube::Error>) -> Option<String> {
        self.handles.remove(&reading);
        let id = self.readings.ended(reading)?;
        let warning = error.and_then(|err| {
            self.readings
                .warning(&id, super::status_code(&err), &super::describe(&err))
        });
        self.reconcile();
        warning
    }

    /// Stops every reading; nothing is left running.
    pub fn stop(&mut self) {
        self.tasks.abort_all();
        self.handles.clear();
        self.readings.active.clear();
    }

    fn reconcile(&mut self) {
        while self.tasks.try_join_next().is_some() {}
        let (stops, starts) = self.readings.reconcile();
        for reading in stops {
            if let Some(handle) = self.handles.remove(&reading) {
                handle.abort();
            }
        }
        for start in starts {
            self.start(start);
        }
    }

    fn start(&mut self, start: Start) {
        let Start {
            reading,
            pod,
            container,
            signature,
            tail,
        } = start;
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &pod.namespace);
        let params = LogParams {
            container: Some(container.clone()),
            follow: true,
            timestamps: true,
            tail_lines: tail,
            ..Default::default()
        };
        let template = LogLine {
            namespace: pod.namespace,
            pod: pod.name,
            uid: pod.uid,
            container,
            instance: signature.0,
            reading,
            timestamp: None,
            text: String::new(),
            cut: false,
        };
        let sender = self.sender.clone();
        let handle = self.tasks.spawn(async move {
            let error = read(&api, &params, &template, &sender).await.err();
            let _ = sender.send(LogEvent::Ended { reading, error });
        });
        self.handles.insert(reading, handle);
    }
}

/// Reads one container's log to its end, sending each line.
async fn read(
    api: &Api<Pod>,
    params: &LogParams,
    template: &LogLine,
    sender: &UnboundedSender<LogEvent>,
) -> Result<(), kube::Error> {
    let stream = api.log_stream(&template.pod, params).await?;
    let mut stream = Box::pin(stream);
    loop {
        let line = read_line(&mut stream, READ_LINE_BYTES)
            .await
            .map_err(kube::Error::ReadEvents)?;
        let Some((bytes, cut)) = line else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&bytes);
        let (timestamp, text) = split_timestamp(text.trim_end_matches('\r'));
        let line = LogLine {
            timestamp,
            text: text.to_string(),
            cut,
            ..template.clone()
        };
        if sender.send(LogEvent::Line(line)).is_err() {
            return Ok(());
        }
    }
}

/// The next line without its line break, at most `max` bytes of it (and whether more was
/// skipped); None at the end.
async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    max: usize,
) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let mut line = Vec::new();
    let mut cut = false;
    let mut any = false;
    loop {
        let buffer = reader.fill_buf().await?;
        if buffer.is_empty() {
            return Ok(any.then_some((line, cut)));
        }
        any = true;
        let (chunk, used, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => (&buffer[..end], end + 1, true),
            None => (buffer, buffer.len(), false),
        };
        let room = max.saturating_sub(line.len());
        cut |= chunk.len() > room;
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        reader.consume_unpin(used);
        if done {
            return Ok(Some((line, cut)));
        }
    }
}

/// `2026-11-30T21:03:22.123456789Z hello` as its timestamp and text (the kubelet's format with
/// `timestamps=true`); a line without one is all text.
fn split_timestamp(line: &str) -> (Option<jiff::Timestamp>, &str) {
    if let Some((stamp, text)) = line.split_once(' ')
        && let Ok(timestamp) = stamp.parse::<jiff::Timestamp>()
    {
        return (Some(timestamp), text);
    }
    match line.parse::<jiff::Timestamp>() {
        Ok(timestamp) => (Some(timestamp), ""),
        Err(_) => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::logs::ContainerToFollow;

    fn pod(name: &str, containers: &[(&str, i64, ContainerState)]) -> PodToFollow {
        PodToFollow {
            namespace: "shop".into(),
            name: name.into(),
            uid: format!("{name}-uid"),
            containers: containers
                .iter()
                .map(|(name, restart_count, state)| ContainerToFollow {
                    name: name.to_string(),
                    restart_count: *restart_count,
                    state: *state,
                    ready: false,
                })
                .collect(),
        }
    }

    /// (reading, container, instance, tail) of a start.
    type Started = (u64, String, i64, Option<i64>);

    fn follow(readings: &mut Readings, pods: Vec<PodToFollow>) -> (Vec<u64>, Vec<Started>) {
        readings.wanted = pods;
        let (stops, starts) = readings.reconcile();
        let starts = starts
            .into_iter()
            .map(|s| (s.reading, s.container, s.signature.0, s.tail))
            .collect();
        (stops, starts)
    }

    use ContainerState::{Running, Terminated, Waiting};

    #[test]
    fn a_container_is_read_once_it_has_a_log_and_again_when_its_state_changes() {
        let mut readings = Readings::default();
        // Waiting for its image: nothing to read, no reading.
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 0, Waiting)])]);
        assert!(starts.is_empty());
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 0, Running)])]);
        assert_eq!(starts, [(1, "app".to_string(), 0, None)]);
        // Still being read: the same state starts nothing.
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 0, Running)])]);
        assert!(starts.is_empty());
        // It ended with the container; the terminated state is read to its end once more.
        assert!(readings.ended(1).is_some());
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 0, Terminated)])]);
        assert_eq!(starts, [(2, "app".to_string(), 0, None)]);
        readings.ended(2);
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 0, Terminated)])]);
        assert!(starts.is_empty(), "read to its end already");
        // Restarted: the new instance.
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 1, Running)])]);
        assert_eq!(starts, [(3, "app".to_string(), 1, None)]);
    }

    #[test]
    fn a_ready_pod_stops_and_resumes_from_the_tail_of_the_same_instance() {
        let mut readings = Readings::default();
        follow(&mut readings, vec![pod("web", &[("app", 2, Running)])]);
        let (stops, _) = follow(&mut readings, Vec::new());
        assert_eq!(stops, [1]);
        let line = LogLine {
            namespace: "shop".into(),
            pod: "web".into(),
            uid: "web-uid".into(),
            container: "app".into(),
            instance: 2,
            reading: 1,
            timestamp: None,
            text: "late".into(),
            cut: false,
        };
        assert!(!readings.is_current(&line), "lines in flight are not shown");
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 2, Terminated)])]);
        assert_eq!(starts, [(2, "app".to_string(), 2, Some(RESUME_TAIL_LINES))]);
        readings.ended(2);
        let (_, starts) = follow(&mut readings, vec![pod("web", &[("app", 3, Running)])]);
        assert_eq!(starts, [(3, "app".to_string(), 3, None)]);
    }

    #[test]
    fn readings_are_capped() {
        let mut readings = Readings::default();
        let pods: Vec<PodToFollow> = (0..40)
            .map(|i| pod(&format!("web-{i}"), &[("app", 0, Running)]))
            .collect();
        let (_, starts) = follow(&mut readings, pods.clone());
        assert_eq!(starts.len(), MAX_READINGS);
        readings.ended(1);
        let (_, starts) = follow(&mut readings, pods);
        assert_eq!(starts.len(), 1);
    }

    #[test]
    fn one_warning_per_pod_and_none_for_a_container_between_states() {
        let mut readings = Readings {
            wanted: vec![pod("web", &[("app", 0, Running), ("proxy", 0, Running)])],
            ..Default::default()
        };
        let app = ("web-uid".to_string(), "app".to_string());
        let proxy = ("web-uid".to_string(), "proxy".to_string());
        assert_eq!(
            readings.warning(&app, Some(400), "container is waiting to start"),
            None
        );
        assert_eq!(
            readings.warning(&app, Some(403), "forbidden").as_deref(),
            Some(
                "cannot read the logs of Pod/web -n shop: forbidden (needs get on pods/log); \
                 continuing without them"
            )
        );
        assert_eq!(readings.warning(&proxy, None, "connection reset"), None);
    }

    #[test]
    fn the_kubelet_timestamp_is_split_from_the_text() {
        let (at, text) = split_timestamp("2026-11-30T21:03:22.1234Z listening on :8080");
        assert_eq!(text, "listening on :8080");
        assert_eq!(at.unwrap().to_string(), "2026-11-30T21:03:22.1234Z");
        let (at, text) = split_timestamp("2026-11-30T21:03:22Z");
        assert_eq!((at.is_some(), text), (true, ""));
        assert_eq!(split_timestamp("no stamp here"), (None, "no stamp here"));
    }

    #[tokio::test]
    async fn lines_are_read_whole_up_to_the_bound() {
        let data: &[u8] = b"one\nsecond line is long\n\nlast";
        let mut reader = futures::io::BufReader::with_capacity(4, data);
        let mut lines = Vec::new();
        while let Some((line, cut)) = read_line(&mut reader, 8).await.unwrap() {
            lines.push((String::from_utf8(line).unwrap(), cut));
        }
        assert_eq!(
            lines,
            [
                ("one".to_string(), false),
                ("second l".to_string(), true),
                (String::new(), false),
                ("last".to_string(), false)
            ]
        );
    }
}
