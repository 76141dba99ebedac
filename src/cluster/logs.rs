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

struct Reading {
    id: u64,
    signature: Signature,
    task: AbortHandle,
}

/// The readings of one run.
pub struct LogFollowers {
    client: kube::Client,
    sender: UnboundedSender<LogEvent>,
    tasks: JoinSet<()>,
    active: HashMap<ContainerId, Reading>,
    /// The state each container was last read to its end in: read again when it changes.
    read_to_end: HashMap<ContainerId, Signature>,
    /// The instance each container ran when following stopped because its pod was Ready.
    quiet_since: HashMap<ContainerId, i64>,
    /// Pods by UID as last wanted, for names in warnings.
    wanted: Vec<PodToFollow>,
    /// Pods already warned about (one warning per pod at most).
    warned: HashSet<String>,
    next_id: u64,
}

impl LogFollowers {
    /// Followers reading with `client` (long-lived requests: no read timeout) and sending to
    /// `sender`.
    pub fn new(client: kube::Client, sender: UnboundedSender<LogEvent>) -> Self {
        LogFollowers {
            client,
            sender,
            tasks: JoinSet::new(),
            active: HashMap::new(),
            read_to_end: HashMap::new(),
            quiet_since: HashMap::new(),
            wanted: Vec::new(),
            warned: HashSet::new(),
            next_id: 0,
        }
    }

    /// Follows exactly these pods from now on: readings start for containers that have a log
    /// in a state not yet read, and stop for pods no longer named.
    pub fn follow(&mut self, pods: Vec<PodToFollow>) {
        self.wanted = pods;
        self.reconcile();
    }

    /// Whether a line comes from a reading still wanted (a stopped reading may have lines in
    /// flight, which are not shown).
    pub fn is_current(&self, line: &LogLine) -> bool {
        self.active
            .get(&(line.uid.clone(), line.container.clone()))
            .is_some_and(|r| r.id == line.reading)
    }

    /// A reading ended; returns the warning to show, at most one per pod, when it failed.
    pub fn ended(&mut self, reading: u64, error: Option<kube::Error>) -> Option<String> {
        let id = self
            .active
            .iter()
            .find(|(_, r)| r.id == reading)
            .map(|(id, _)| id.clone())?;
        let finished = self.active.remove(&id)?;
        self.read_to_end.insert(id.clone(), finished.signature);
        let warning = error.and_then(|err| self.warning(&id, &err));
        self.reconcile();
        warning
    }

    /// Stops every reading; nothing is left running.
    pub fn stop(&mut self) {
        self.tasks.abort_all();
        self.active.clear();
    }

    fn reconcile(&mut self) {
        while self.tasks.try_join_next().is_some() {}
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
        let stopped: Vec<ContainerId> = self
            .active
            .keys()
            .filter(|id| !wanted.contains_key(*id))
            .cloned()
            .collect();
        for id in stopped {
            if let Some(reading) = self.active.remove(&id) {
                reading.task.abort();
                self.quiet_since.insert(id.clone(), reading.signature.0);
                self.read_to_end.remove(&id);
            }
        }
        let mut starts = Vec::new();
        for (id, (pod, signature, has_log)) in &wanted {
            if !has_log
                || self.active.contains_key(id)
                || self.read_to_end.get(id) == Some(signature)
            {
                continue;
            }
            let tail = self
                .quiet_since
                .get(id)
                .is_some_and(|quiet| signature.0 <= *quiet)
                .then_some(RESUME_TAIL_LINES);
            starts.push((id.clone(), (*pod).clone(), *signature, tail));
        }
        for (id, pod, signature, tail) in starts {
            self.start(id, &pod, signature, tail);
        }
    }

    fn start(
        &mut self,
        id: ContainerId,
        pod: &PodToFollow,
        signature: Signature,
        tail: Option<i64>,
    ) {
        self.next_id += 1;
        let reading = self.next_id;
        let template = LogLine {
            namespace: pod.namespace.clone(),
            pod: pod.name.clone(),
            uid: pod.uid.clone(),
            container: id.1.clone(),
            instance: signature.0,
            reading,
            timestamp: None,
            text: String::new(),
            cut: false,
        };
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &pod.namespace);
        let params = LogParams {
            container: Some(id.1.clone()),
            follow: true,
            timestamps: true,
            tail_lines: tail,
            ..Default::default()
        };
        let sender = self.sender.clone();
        let task = self.tasks.spawn(async move {
            let error = read(&api, &params, &template, &sender).await.err();
            let _ = sender.send(LogEvent::Ended { reading, error });
        });
        self.active.insert(
            id,
            Reading {
                id: reading,
                signature,
                task,
            },
        );
    }

    fn warning(&mut self, id: &ContainerId, err: &kube::Error) -> Option<String> {
        let code = super::status_code(err);
        // The container is between states (waiting to start, just restarted): read again when
        // its state changes, without a word.
        if code == Some(400) || code == Some(404) {
            return None;
        }
        if !self.warned.insert(id.0.clone()) {
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
                "cannot follow the log of Pod/{pod} -n {namespace} container {}: {}; continuing \
                 without it",
                id.1,
                super::describe(err)
            )
        })
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
