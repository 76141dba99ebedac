//! What changed since the last report: each object whose status or (redacted) message changed,
//! the objects that left the view, the application roll-up, and the connection to the API
//! server lost or back. Plain progress lines and the NDJSON stream both report from it, so they
//! report exactly the same changes.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use super::format_duration;
use super::table::message_of;
use crate::engine::{ConnectionState, Moment, ObjectKey, Snapshot, Status, TrackedObject};

/// The changes of one snapshot.
pub struct Changes<'a> {
    /// Changed objects with their redacted message, in snapshot order.
    pub objects: Vec<(&'a TrackedObject, String)>,
    /// Objects no longer tracked (deleted while watching a label).
    pub gone: Vec<ObjectKey>,
    /// The new roll-up, when it changed (never before any object is seen: it means nothing).
    pub application: Option<Status>,
    /// The connection to the API server lost or back, in that order.
    pub connection: Vec<ConnectionChange>,
}

impl Changes<'_> {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
            && self.gone.is_empty()
            && self.application.is_none()
            && self.connection.is_empty()
    }
}

/// The connection to the API server was lost, or is back.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionChange {
    Lost { at: Moment, error: String },
    Restored { at: Moment, outage: Duration },
}

impl ConnectionChange {
    /// The sentence progress output prints, once per change.
    pub fn describe(&self) -> String {
        match self {
            ConnectionChange::Lost { error, .. } => format!(
                "connection to the API server lost ({error}); retrying, and no verdict until it is back"
            ),
            ConnectionChange::Restored { outage, .. } => format!(
                "connection to the API server back after {}; every watch listed again, tracking resumed",
                format_duration(*outage)
            ),
        }
    }
}

/// Remembers which losses of the connection were reported, so each loss and each return is
/// reported once, even when both happened between two reports.
#[derive(Debug, Default)]
pub struct ConnectionReport {
    lost_reported: u32,
    back_reported: u32,
}

impl ConnectionReport {
    pub fn update(&mut self, connection: &ConnectionState) -> Vec<ConnectionChange> {
        let mut changes = Vec::new();
        if connection.losses > self.lost_reported {
            self.lost_reported = connection.losses;
            let at = connection
                .lost_since
                .or(connection.last_outage.map(|(lost, _)| lost))
                .unwrap_or_default();
            let error = connection.last_error.clone().unwrap_or_default();
            changes.push(ConnectionChange::Lost { at, error });
        }
        if connection.lost_since.is_none()
            && let Some((lost, back)) = connection.last_outage
            && connection.losses > self.back_reported
        {
            self.back_reported = connection.losses;
            changes.push(ConnectionChange::Restored {
                at: back,
                outage: back.since(lost),
            });
        }
        changes
    }
}

/// Remembers what was last reported.
#[derive(Debug, Default)]
pub struct ChangeTracker {
    /// Per object, its status and a fingerprint of its message: at 10,000 objects the
    /// messages themselves would be a copy of every line shown.
    last: HashMap<ObjectKey, (Status, u64)>,
    application: Option<Status>,
    connection: ConnectionReport,
}

impl ChangeTracker {
    pub fn update<'a>(&mut self, snapshot: &'a Snapshot) -> Changes<'a> {
        let mut objects = Vec::new();
        for object in &snapshot.objects {
            let message = message_of(object);
            let current = (object.status.status, fingerprint(&message));
            if self.last.get(&object.key) != Some(&current) {
                objects.push((object, message));
                self.last.insert(object.key.clone(), current);
            }
        }
        let present: HashSet<&ObjectKey> = snapshot.objects.iter().map(|o| &o.key).collect();
        let gone: Vec<ObjectKey> = self
            .last
            .keys()
            .filter(|key| !present.contains(key))
            .cloned()
            .collect();
        for key in &gone {
            self.last.remove(key);
        }
        let application = (!snapshot.objects.is_empty()
            && self.application != Some(snapshot.application))
        .then_some(snapshot.application);
        if application.is_some() {
            self.application = application;
        }
        Changes {
            objects,
            gone,
            application,
            connection: self.connection.update(&snapshot.connection),
        }
    }
}

fn fingerprint(message: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    message.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(secs: u64) -> Moment {
        Moment(Duration::from_secs(secs))
    }

    #[test]
    fn a_loss_and_its_end_are_reported_once_each_even_between_two_reports() {
        let mut report = ConnectionReport::default();
        assert!(report.update(&ConnectionState::default()).is_empty());
        let lost = ConnectionState {
            losses: 1,
            lost_since: Some(moment(5)),
            last_error: Some("watch of pods failed: connection refused".into()),
            last_outage: None,
        };
        assert_eq!(
            report.update(&lost),
            [ConnectionChange::Lost {
                at: moment(5),
                error: "watch of pods failed: connection refused".into()
            }]
        );
        assert!(report.update(&lost).is_empty(), "said once");
        let back = ConnectionState {
            lost_since: None,
            last_outage: Some((moment(5), moment(12))),
            ..lost.clone()
        };
        assert_eq!(
            report.update(&back),
            [ConnectionChange::Restored {
                at: moment(12),
                outage: Duration::from_secs(7)
            }]
        );
        assert!(report.update(&back).is_empty(), "said once");
        // A second blip that came and went between two reports is still told, in order.
        let blip = ConnectionState {
            losses: 2,
            last_outage: Some((moment(20), moment(21))),
            ..back
        };
        let changes = report.update(&blip);
        assert_eq!(changes.len(), 2);
        assert!(matches!(changes[0], ConnectionChange::Lost { at, .. } if at == moment(20)));
        assert!(
            changes[1]
                .describe()
                .starts_with("connection to the API server back after 1.0s")
        );
    }
}
