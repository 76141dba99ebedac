//! The NDJSON event stream (`--events ndjson`): one JSON object per line for every status or
//! message change of an object, every change of the application roll-up, the connection to the
//! API server lost or back, and the verdict.

use std::time::Duration;

use serde_json::{Value, json};

use super::changes::{ChangeTracker, ConnectionChange};
use super::pod_logs::ShownLine;
use crate::engine::{ObjectKey, Snapshot};
use crate::outcome::RunOutcome;

/// Remembers what was last emitted, so each change is emitted exactly once.
#[derive(Debug, Default)]
pub struct EventStream {
    tracker: ChangeTracker,
}

impl EventStream {
    /// Lines for every change since the last call; `time` is an RFC 3339 timestamp.
    pub fn changes(&mut self, snapshot: &Snapshot, time: &str) -> Vec<String> {
        let elapsed = elapsed(snapshot);
        let changes = self.tracker.update(snapshot);
        let mut lines = Vec::new();
        for change in &changes.connection {
            lines.push(line(match change {
                ConnectionChange::Lost { at, error } => json!({
                    "type": "connection", "time": time, "elapsedSeconds": seconds(at.0),
                    "state": "lost", "message": error,
                }),
                ConnectionChange::Restored { at, outage } => json!({
                    "type": "connection", "time": time, "elapsedSeconds": seconds(at.0),
                    "state": "restored", "outageSeconds": seconds(*outage),
                }),
            }));
        }
        for (object, message) in &changes.objects {
            lines.push(line(json!({
                "type": "status",
                "time": time,
                "elapsedSeconds": elapsed,
                "object": object_json(&object.key),
                "status": object.status.status,
                "message": message,
            })));
        }
        for key in &changes.gone {
            lines.push(line(json!({
                "type": "gone", "time": time, "elapsedSeconds": elapsed, "object": object_json(key),
            })));
        }
        if let Some(application) = changes.application {
            lines.push(line(json!({
                "type": "application", "time": time, "elapsedSeconds": elapsed, "status": application,
            })));
        }
        lines
    }

    /// The last line of a run.
    pub fn verdict(
        &self,
        snapshot: &Snapshot,
        time: &str,
        outcome: RunOutcome,
        reason: &str,
    ) -> String {
        line(json!({
            "type": "verdict",
            "time": time,
            "elapsedSeconds": elapsed(snapshot),
            "outcome": outcome.label(),
            "reason": reason,
        }))
    }
}

/// One line of a followed container's log (`--logs`); `time` is when the container wrote it
/// (the kubelet's timestamp), else when it was read.
pub fn log_line(line: &ShownLine, time: &str) -> String {
    let time = line
        .timestamp
        .map(|t| t.to_string())
        .unwrap_or_else(|| time.to_string());
    self::line(json!({
        "type": "log",
        "time": time,
        "namespace": line.namespace,
        "pod": line.pod,
        "container": line.container,
        "line": line.text,
    }))
}

fn elapsed(snapshot: &Snapshot) -> f64 {
    seconds(snapshot.at.0)
}

fn seconds(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0).round() / 1000.0
}

fn object_json(key: &ObjectKey) -> Value {
    json!({"apiGroup": key.group, "kind": key.kind, "namespace": key.namespace, "name": key.name})
}

fn line(value: Value) -> String {
    serde_json::to_string(&value).expect("events serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ConnectionState, Moment, ObjectStatus, Status, TrackedObject};

    fn snapshot(secs: u64, status: ObjectStatus, application: Status) -> Snapshot {
        Snapshot {
            at: Moment(Duration::from_secs(secs)),
            objects: vec![TrackedObject {
                key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
                status: status.into(),
                since: Moment::default(),
            }],
            application,
            window_left: None,
            deadline_left: None,
            verdict: None,
            connection: Default::default(),
        }
    }

    #[test]
    fn the_connection_lost_and_back_once_each() {
        let mut stream = EventStream::default();
        let mut lost = snapshot(4, ObjectStatus::success("Ready"), Status::Success);
        lost.connection = ConnectionState {
            losses: 1,
            lost_since: Some(Moment(Duration::from_millis(3_500))),
            last_error: Some("watch of pods in namespace shop failed: connection refused".into()),
            last_outage: None,
        };
        let lines = stream.changes(&lost, "T1");
        assert_eq!(
            lines[0],
            r#"{"elapsedSeconds":3.5,"message":"watch of pods in namespace shop failed: connection refused","state":"lost","time":"T1","type":"connection"}"#
        );
        assert!(stream.changes(&lost, "T2").is_empty());
        let mut back = lost.clone();
        back.at = Moment(Duration::from_secs(9));
        back.connection.lost_since = None;
        back.connection.last_outage = Some((
            Moment(Duration::from_millis(3_500)),
            Moment(Duration::from_millis(8_750)),
        ));
        assert_eq!(
            stream.changes(&back, "T3"),
            [
                r#"{"elapsedSeconds":8.75,"outageSeconds":5.25,"state":"restored","time":"T3","type":"connection"}"#
            ]
        );
    }

    #[test]
    fn a_log_line_is_one_event_stamped_when_the_container_wrote_it() {
        let mut shown = ShownLine {
            namespace: "shop".into(),
            pod: "web-1".into(),
            container: "app".into(),
            timestamp: Some("2026-11-30T21:03:22.123456789Z".parse().unwrap()),
            text: "listening on :8080".into(),
        };
        assert_eq!(
            log_line(&shown, "T1"),
            r#"{"container":"app","line":"listening on :8080","namespace":"shop","pod":"web-1","time":"2026-11-30T21:03:22.123456789Z","type":"log"}"#
        );
        shown.timestamp = None;
        assert!(log_line(&shown, "T1").contains(r#""time":"T1""#));
    }

    #[test]
    fn every_change_once_then_the_verdict() {
        let mut stream = EventStream::default();
        let redactor = crate::render::redact::Redactor::new(vec!["hunter22".into()]);
        let first = snapshot(
            1,
            ObjectStatus::in_progress("Waiting (token hunter22)"),
            Status::InProgress,
        );
        let lines: Vec<String> = stream
            .changes(&first, "T1")
            .iter()
            .map(|line| redactor.redact(line))
            .collect();
        assert_eq!(
            lines,
            [
                r#"{"elapsedSeconds":1.0,"message":"Waiting (token [redacted])","object":{"apiGroup":"apps","kind":"Deployment","name":"web","namespace":"shop"},"status":"InProgress","time":"T1","type":"status"}"#,
                r#"{"elapsedSeconds":1.0,"status":"InProgress","time":"T1","type":"application"}"#,
            ]
        );
        assert!(stream.changes(&first, "T2").is_empty());
        let done = snapshot(
            3,
            ObjectStatus::success("Rollout complete"),
            Status::Success,
        );
        assert_eq!(stream.changes(&done, "T3").len(), 2);
        assert_eq!(
            stream.verdict(&done, "T4", RunOutcome::Success, "all held"),
            r#"{"elapsedSeconds":3.0,"outcome":"Success","reason":"all held","time":"T4","type":"verdict"}"#
        );
    }
}
