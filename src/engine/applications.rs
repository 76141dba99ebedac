//! Applications (`watch --by LABEL`): tracked objects grouped by (label value, namespace), each
//! group rolled up to one status with its counts and the object that explains it.

use std::collections::BTreeMap;

use super::model::{ObjectKey, Status};
use super::tracker::TrackedObject;

/// One application: the tracked objects sharing a label value in one namespace. Children are
/// not counted here: they are judged through the tracked object that owns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The label value.
    pub name: String,
    /// None for cluster-scoped objects carrying the label.
    pub namespace: Option<String>,
    /// The worst status of its objects: Error, then Timed out, then In progress, then Success.
    pub status: Status,
    pub counts: Counts,
    /// The object whose status is the application's (the one longest in it, then by key);
    /// None when the application is in Success: there is nothing to explain.
    pub worst: Option<TrackedObject>,
}

/// How many of an application's objects are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub success: usize,
    pub in_progress: usize,
    pub error: usize,
    pub timed_out: usize,
}

impl Counts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Success => self.success += 1,
            Status::InProgress => self.in_progress += 1,
            Status::Error => self.error += 1,
            Status::TimedOut => self.timed_out += 1,
        }
    }
}

/// Groups `objects` into applications, sorted by namespace then name. `application_of` names
/// each object's application; objects it names none for (no label) belong to no row.
pub fn group(
    objects: &[TrackedObject],
    application_of: &BTreeMap<ObjectKey, String>,
) -> Vec<Application> {
    let mut groups: BTreeMap<(Option<&str>, &str), Vec<&TrackedObject>> = BTreeMap::new();
    for object in objects {
        if let Some(name) = application_of.get(&object.key) {
            groups
                .entry((object.key.namespace.as_deref(), name.as_str()))
                .or_default()
                .push(object);
        }
    }
    groups
        .into_iter()
        .map(|((namespace, name), members)| {
            let mut counts = Counts::default();
            for object in &members {
                counts.add(object.status.status);
            }
            let status = members
                .iter()
                .map(|o| o.status.status)
                .max()
                .unwrap_or(Status::Success);
            let worst = (status != Status::Success)
                .then(|| {
                    members
                        .iter()
                        .filter(|o| o.status.status == status)
                        .min_by(|a, b| a.since.cmp(&b.since).then_with(|| a.key.cmp(&b.key)))
                        .map(|o| (*o).clone())
                })
                .flatten();
            Application {
                name: name.to_string(),
                namespace: namespace.map(str::to_string),
                status,
                counts,
                worst,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{Moment, ObjectStatus};

    fn object(kind: &str, ns: &str, name: &str, status: ObjectStatus, since: u64) -> TrackedObject {
        let group = if kind == "Deployment" { "apps" } else { "" };
        TrackedObject {
            key: ObjectKey::new(group, kind, Some(ns), name),
            status: status.into(),
            since: Moment(Duration::from_secs(since)),
        }
    }

    /// Two applications, `shop` in two namespaces and `blog` in one, plus an object of no
    /// application.
    fn fixture() -> (Vec<TrackedObject>, BTreeMap<ObjectKey, String>) {
        let objects = vec![
            object(
                "Deployment",
                "prod",
                "web",
                ObjectStatus::error("1/1 pods: CrashLoopBackOff"),
                5,
            ),
            object(
                "Deployment",
                "prod",
                "api",
                ObjectStatus::error("1/1 pods: ImagePullBackOff"),
                3,
            ),
            object(
                "Service",
                "prod",
                "front",
                ObjectStatus::success("Service is ready"),
                1,
            ),
            object(
                "ConfigMap",
                "prod",
                "settings",
                ObjectStatus::in_progress(""),
                1,
            ),
            object(
                "Deployment",
                "staging",
                "web",
                ObjectStatus::success("Deployment is available. Replicas: 1"),
                1,
            ),
            object(
                "Deployment",
                "prod",
                "blog",
                ObjectStatus::in_progress("Waiting for rollout to finish"),
                2,
            ),
            object(
                "Service",
                "prod",
                "blog",
                ObjectStatus::success("Service is ready"),
                1,
            ),
            object(
                "ConfigMap",
                "prod",
                "stray",
                ObjectStatus::error("not ours"),
                0,
            ),
        ];
        let mut application_of = BTreeMap::new();
        for object in &objects[..5] {
            application_of.insert(object.key.clone(), "shop".to_string());
        }
        for object in &objects[5..7] {
            application_of.insert(object.key.clone(), "blog".to_string());
        }
        (objects, application_of)
    }

    #[test]
    fn one_row_per_label_value_and_namespace_sorted_with_the_worst_object() {
        let (objects, application_of) = fixture();
        let applications = group(&objects, &application_of);
        type Row<'a> = (Option<&'a str>, &'a str, Status, Counts, Option<&'a str>);
        let rows: Vec<Row> = applications
            .iter()
            .map(|a| {
                (
                    a.namespace.as_deref(),
                    a.name.as_str(),
                    a.status,
                    a.counts,
                    a.worst.as_ref().map(|w| &*w.key.name),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    Some("prod"),
                    "blog",
                    Status::InProgress,
                    Counts {
                        success: 1,
                        in_progress: 1,
                        ..Counts::default()
                    },
                    Some("blog"),
                ),
                (
                    Some("prod"),
                    "shop",
                    Status::Error,
                    Counts {
                        success: 1,
                        in_progress: 1,
                        error: 2,
                        timed_out: 0
                    },
                    // In Error longest: the first to fail is likely the cause.
                    Some("api"),
                ),
                (
                    Some("staging"),
                    "shop",
                    Status::Success,
                    Counts {
                        success: 1,
                        ..Counts::default()
                    },
                    None,
                ),
            ]
        );
    }

    #[test]
    fn error_outranks_timed_out_which_outranks_in_progress() {
        let mut objects = vec![
            object("ConfigMap", "a", "x", ObjectStatus::in_progress(""), 0),
            object(
                "ConfigMap",
                "a",
                "y",
                ObjectStatus::new(Status::TimedOut, "late"),
                0,
            ),
        ];
        let application_of: BTreeMap<ObjectKey, String> = objects
            .iter()
            .map(|o| (o.key.clone(), "app".to_string()))
            .collect();
        let applications = group(&objects, &application_of);
        assert_eq!(applications[0].status, Status::TimedOut);
        assert_eq!(applications[0].counts.timed_out, 1);
        objects[0].status = ObjectStatus::error("broken").into();
        let applications = group(&objects, &application_of);
        assert_eq!(applications[0].status, Status::Error);
        assert_eq!(&*applications[0].worst.as_ref().unwrap().key.name, "x");
    }

    #[test]
    fn objects_of_no_application_and_untracked_children_form_no_row() {
        let (objects, mut application_of) = fixture();
        // A ReplicaSet is a child: it is never in the snapshot's objects, whatever its labels.
        application_of.insert(
            ObjectKey::new("apps", "ReplicaSet", Some("prod"), "web-5d4f"),
            "child-label".to_string(),
        );
        let applications = group(&objects, &application_of);
        assert!(
            applications.iter().all(|a| a.name != "child-label"
                && a.worst.as_ref().is_none_or(|w| &*w.key.name != "stray")),
            "{applications:?}"
        );
        assert_eq!(applications.len(), 3);
        assert!(group(&objects, &BTreeMap::new()).is_empty());
    }
}
