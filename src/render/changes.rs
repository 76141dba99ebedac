//! What changed since the last report: each object whose status or (redacted) message changed,
//! the objects that left the view, and the application roll-up. Plain progress lines and the
//! NDJSON stream both report from it, so they report exactly the same changes.

use std::collections::{HashMap, HashSet};

use super::redact::Redactor;
use super::table::message_of;
use crate::engine::{ObjectKey, Snapshot, Status, TrackedObject};

/// The changes of one snapshot.
pub struct Changes<'a> {
    /// Changed objects with their redacted message, in snapshot order.
    pub objects: Vec<(&'a TrackedObject, String)>,
    /// Objects no longer tracked (deleted while watching a label).
    pub gone: Vec<ObjectKey>,
    /// The new roll-up, when it changed (never before any object is seen: it means nothing).
    pub application: Option<Status>,
}

impl Changes<'_> {
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.gone.is_empty() && self.application.is_none()
    }
}

/// Remembers what was last reported.
#[derive(Debug, Default)]
pub struct ChangeTracker {
    last: HashMap<ObjectKey, (Status, String)>,
    application: Option<Status>,
}

impl ChangeTracker {
    pub fn update<'a>(&mut self, snapshot: &'a Snapshot, redactor: &Redactor) -> Changes<'a> {
        let mut objects = Vec::new();
        for object in &snapshot.objects {
            let current = (object.status.status, redactor.redact(&message_of(object)));
            if self.last.get(&object.key) != Some(&current) {
                objects.push((object, current.1.clone()));
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
        }
    }
}
