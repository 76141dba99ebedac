//! Plain progress for logs and pipes: one timestamped line per status change, de-duplicated,
//! and a periodic heartbeat naming what is still awaited.

use std::collections::HashMap;
use std::time::Duration;

use super::redact::Redactor;
use super::table::message_of;
use super::{format_duration, object_name};
use crate::engine::{ObjectKey, Snapshot, Status};

/// Remembers what was last printed for each object.
#[derive(Debug, Default)]
pub struct PlainProgress {
    last: HashMap<ObjectKey, (Status, String)>,
    last_application: Option<Status>,
    last_output_at: Duration,
}

/// How often to say what is still awaited when nothing changes.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

impl PlainProgress {
    /// Lines for every object whose status or message changed since the last call, then the
    /// application status when it changed. `clock` prefixes each line (e.g. `10:42:07`).
    pub fn changes(
        &mut self,
        snapshot: &Snapshot,
        clock: &str,
        redactor: &Redactor,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        for object in &snapshot.objects {
            let message = redactor.redact(&message_of(object));
            let current = (object.status.status, message.clone());
            if self.last.get(&object.key) == Some(&current) {
                continue;
            }
            let name = object_name(&object.key);
            let namespace = super::namespace_suffix(&object.key);
            let status = object.status.status;
            lines.push(if message.is_empty() {
                format!("{clock} {name}{namespace}: {status}")
            } else {
                format!("{clock} {name}{namespace}: {status}: {message}")
            });
            self.last.insert(object.key.clone(), current);
        }
        // Objects no longer tracked (deleted while watching a label) leave the view.
        let gone: Vec<ObjectKey> = self
            .last
            .keys()
            .filter(|key| !snapshot.objects.iter().any(|o| &o.key == *key))
            .cloned()
            .collect();
        for key in gone {
            self.last.remove(&key);
            let namespace = super::namespace_suffix(&key);
            lines.push(format!("{clock} {}{namespace}: gone", object_name(&key)));
        }
        // Before anything is seen the roll-up means nothing.
        if !snapshot.objects.is_empty() && self.last_application != Some(snapshot.application) {
            self.last_application = Some(snapshot.application);
            lines.push(format!("{clock} application: {}", snapshot.application));
        }
        if !lines.is_empty() {
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
    use crate::engine::{Moment, ObjectStatus, TrackedObject};

    fn snapshot(at_secs: u64, statuses: &[(&str, ObjectStatus)], application: Status) -> Snapshot {
        Snapshot {
            at: Moment(Duration::from_secs(at_secs)),
            objects: statuses
                .iter()
                .map(|(name, status)| TrackedObject {
                    key: ObjectKey::new("apps", "Deployment", Some("shop"), name),
                    status: status.clone(),
                    since: Moment::default(),
                })
                .collect(),
            application,
            window_left: None,
            deadline_left: Some(Duration::from_secs(300 - at_secs)),
            verdict: None,
        }
    }

    #[test]
    fn prints_changes_once_and_application_transitions() {
        let mut progress = PlainProgress::default();
        let redactor = Redactor::default();
        let waiting = ObjectStatus::in_progress(
            "Waiting for rollout to finish: 0 of 2 updated replicas are available...",
        );
        let first = snapshot(1, &[("web", waiting.clone())], Status::InProgress);
        assert_eq!(
            progress.changes(&first, "10:00:01", &redactor),
            [
                "10:00:01 Deployment/web -n shop: In progress: Waiting for rollout to finish: 0 of 2 updated replicas are available...",
                "10:00:01 application: In progress",
            ]
        );
        let same = snapshot(2, &[("web", waiting)], Status::InProgress);
        assert!(
            progress.changes(&same, "10:00:02", &redactor).is_empty(),
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
            progress.changes(&done, "10:00:03", &redactor),
            [
                "10:00:03 Deployment/web -n shop: Success: Deployment is available. Replicas: 2",
                "10:00:03 application: Success",
            ]
        );
    }

    #[test]
    fn objects_leaving_the_view_are_reported_once() {
        let mut progress = PlainProgress::default();
        let redactor = Redactor::default();
        let ready = ObjectStatus::success("Rollout complete");
        progress.changes(
            &snapshot(
                1,
                &[("web", ready.clone()), ("api", ready.clone())],
                Status::Success,
            ),
            "t1",
            &redactor,
        );
        let lines = progress.changes(
            &snapshot(2, &[("web", ready.clone())], Status::Success),
            "t2",
            &redactor,
        );
        assert_eq!(lines, ["t2 Deployment/api -n shop: gone"]);
        assert!(
            progress
                .changes(
                    &snapshot(3, &[("web", ready)], Status::Success),
                    "t3",
                    &redactor
                )
                .is_empty()
        );
    }

    #[test]
    fn heartbeat_names_what_is_awaited_after_quiet_time() {
        let mut progress = PlainProgress::default();
        let redactor = Redactor::default();
        let waiting = ObjectStatus::in_progress("Waiting for 1 pods to be ready...");
        progress.changes(
            &snapshot(0, &[("web", waiting.clone())], Status::InProgress),
            "t",
            &redactor,
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
}
