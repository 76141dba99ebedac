//! Plain progress for logs and pipes: one timestamped line per status change, de-duplicated,
//! and a periodic heartbeat naming what is still awaited.

use std::time::Duration;

use super::changes::ChangeTracker;
use super::{format_duration, object_name};
use crate::engine::{Snapshot, Status};

/// Remembers what was last printed.
#[derive(Debug, Default)]
pub struct PlainProgress {
    tracker: ChangeTracker,
    last_output_at: Duration,
}

/// How often to say what is still awaited when nothing changes.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

impl PlainProgress {
    /// Lines for the connection to the API server lost or back, every object whose status or
    /// message changed since the last call, then the application status when it changed.
    /// `clock` prefixes each line (e.g. `10:42:07`).
    pub fn changes(&mut self, snapshot: &Snapshot, clock: &str) -> Vec<String> {
        let changes = self.tracker.update(snapshot);
        let mut lines = Vec::new();
        for change in &changes.connection {
            lines.push(format!("{clock} {}", change.describe()));
        }
        for (object, message) in &changes.objects {
            let name = object_name(&object.key);
            let namespace = super::namespace_suffix(&object.key);
            let status = object.status.status;
            lines.push(if message.is_empty() {
                format!("{clock} {name}{namespace}: {status}")
            } else {
                format!("{clock} {name}{namespace}: {status}: {message}")
            });
        }
        for key in &changes.gone {
            let namespace = super::namespace_suffix(key);
            lines.push(format!("{clock} {}{namespace}: gone", object_name(key)));
        }
        if let Some(application) = changes.application {
            lines.push(format!("{clock} application: {application}"));
        }
        if !changes.is_empty() {
            self.last_output_at = snapshot.at.0;
        }
        lines
    }

    /// A line naming what is still awaited, when nothing was printed for [`HEARTBEAT`].
    pub fn heartbeat(&mut self, snapshot: &Snapshot, clock: &str) -> Option<String> {
        if snapshot.at.0.saturating_sub(self.last_output_at) < HEARTBEAT {
            return None;
        }
        self.last_output_at = snapshot.at.0;
        let waiting: Vec<String> = snapshot
            .objects
            .iter()
            .filter(|o| o.status.status == Status::InProgress)
            .map(|o| object_name(&o.key))
            .collect();
        let elapsed = format_duration(snapshot.at.0);
        let mut line = if waiting.is_empty() {
            format!(
                "{clock} still tracking after {elapsed}: application {}",
                snapshot.application
            )
        } else {
            format!(
                "{clock} still waiting after {elapsed} for: {}",
                waiting.join(", ")
            )
        };
        if let Some(left) = snapshot.window_left {
            line.push_str(&format!(" (stable for {} more)", format_duration(left)));
        } else if let Some(left) = snapshot.deadline_left {
            line.push_str(&format!(" (timeout in {})", format_duration(left)));
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Moment, ObjectKey, ObjectStatus, TrackedObject};

    fn snapshot(at_secs: u64, statuses: &[(&str, ObjectStatus)], application: Status) -> Snapshot {
        Snapshot {
            at: Moment(Duration::from_secs(at_secs)),
            objects: statuses
                .iter()
                .map(|(name, status)| TrackedObject {
                    key: ObjectKey::new("apps", "Deployment", Some("shop"), name),
                    status: status.clone().into(),
                    since: Moment::default(),
                })
                .collect(),
            application,
            window_left: None,
            deadline_left: Some(Duration::from_secs(300 - at_secs)),
            verdict: None,
            connection: Default::default(),
        }
    }

    #[test]
    fn prints_changes_once_and_application_transitions() {
        let mut progress = PlainProgress::default();
        let waiting = ObjectStatus::in_progress(
            "Waiting for rollout to finish: 0 of 2 updated replicas are available...",
        );
        let first = snapshot(1, &[("web", waiting.clone())], Status::InProgress);
        assert_eq!(
            progress.changes(&first, "10:00:01"),
            [
                "10:00:01 Deployment/web -n shop: In progress: Waiting for rollout to finish: 0 of 2 updated replicas are available...",
                "10:00:01 application: In progress",
            ]
        );
        let same = snapshot(2, &[("web", waiting)], Status::InProgress);
        assert!(
            progress.changes(&same, "10:00:02").is_empty(),
            "de-duplicated"
        );
        let done = snapshot(
            3,
            &[(
                "web",
                ObjectStatus::success("Deployment is available. Replicas: 2"),
            )],
            Status::Success,
        );
        assert_eq!(
            progress.changes(&done, "10:00:03"),
            [
                "10:00:03 Deployment/web -n shop: Success: Deployment is available. Replicas: 2",
                "10:00:03 application: Success",
            ]
        );
    }

    #[test]
    fn objects_leaving_the_view_are_reported_once() {
        let mut progress = PlainProgress::default();
        let ready = ObjectStatus::success("Rollout complete");
        progress.changes(
            &snapshot(
                1,
                &[("web", ready.clone()), ("api", ready.clone())],
                Status::Success,
            ),
            "t1",
        );
        let lines = progress.changes(
            &snapshot(2, &[("web", ready.clone())], Status::Success),
            "t2",
        );
        assert_eq!(lines, ["t2 Deployment/api -n shop: gone"]);
        assert!(
            progress
                .changes(&snapshot(3, &[("web", ready)], Status::Success), "t3",)
                .is_empty()
        );
    }

    #[test]
    fn heartbeat_names_what_is_awaited_after_quiet_time() {
        let mut progress = PlainProgress::default();
        let waiting = ObjectStatus::in_progress("Waiting for 1 pods to be ready...");
        progress.changes(
            &snapshot(0, &[("web", waiting.clone())], Status::InProgress),
            "t",
        );
        assert_eq!(
            progress.heartbeat(
                &snapshot(10, &[("web", waiting.clone())], Status::InProgress),
                "t"
            ),
            None
        );
        assert_eq!(
            progress.heartbeat(
                &snapshot(16, &[("web", waiting.clone())], Status::InProgress),
                "10:00:16"
            ),
            Some(
                "10:00:16 still waiting after 16.0s for: Deployment/web (timeout in 4m44s)".into()
            )
        );
        assert_eq!(
            progress.heartbeat(&snapshot(20, &[("web", waiting)], Status::InProgress), "t"),
            None
        );
    }

    #[test]
    fn the_connection_lost_and_back_are_said_once_each() {
        let mut progress = PlainProgress::default();
        let ready = ObjectStatus::success("Ready");
        let mut lost = snapshot(5, &[("web", ready.clone())], Status::Success);
        progress.changes(&lost, "t0");
        lost.connection = crate::engine::ConnectionState {
            losses: 1,
            lost_since: Some(Moment(Duration::from_secs(5))),
            last_error: Some("watch of pods in namespace shop failed: connection refused".into()),
            last_outage: None,
        };
        assert_eq!(
            progress.changes(&lost, "10:00:05"),
            [
                "10:00:05 connection to the API server lost (watch of pods in namespace shop failed: \
              connection refused); retrying, and no verdict until it is back"
            ]
        );
        assert!(progress.changes(&lost, "10:00:06").is_empty());
        let mut back = lost.clone();
        back.connection.lost_since = None;
        back.connection.last_outage = Some((
            Moment(Duration::from_secs(5)),
            Moment(Duration::from_secs(13)),
        ));
        assert_eq!(
            progress.changes(&back, "10:00:13"),
            [
                "10:00:13 connection to the API server back after 8.0s; every watch listed again, \
              tracking resumed"
            ]
        );
    }
}
