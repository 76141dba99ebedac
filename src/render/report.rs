//! The final report for `-o json|yaml`: a stable, documented schema (see the README).

use serde::Serialize;

use super::card::{EventLine, Failure, LogTail, merge_repeats};
use super::secrets::SecretReport;
use super::steps::StepReport;
use super::table::message_of;
use crate::engine::applications::Application;
use crate::engine::{Chain, Snapshot, Status};
use crate::fingerprint::SaltOrigin;
use crate::outcome::RunOutcome;

/// Identifies the schema; bumped on incompatible changes.
pub const SCHEMA: &str = "kstatus.dev/report/v1";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema: &'static str,
    /// `RunOutcome::label`: Success, Error, TimedOut, InProgress or Interrupted.
    pub outcome: &'static str,
    pub reason: String,
    pub elapsed_seconds: f64,
    pub application: Status,
    pub objects: Vec<ObjectReport>,
    /// Whether Secret fingerprints used a random or a given salt (never the salt itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint_salt: Option<SaltOrigin>,
    /// `watch --by`: one entry per application, sorted by namespace then name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applications: Option<Vec<ApplicationReport>>,
    /// `apply --steps`: one entry per step, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepReport>>,
    /// `apply --prune --applyset`: the objects of the set deleted because the manifests no
    /// longer hold them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pruned: Option<Vec<super::pruned::PrunedObject>>,
    /// Requests the API server refused with 429 Too Many Requests, each retried after the
    /// server's Retry-After.
    pub throttled_requests: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationReport {
    pub name: String,
    pub namespace: Option<String>,
    pub status: Status,
    pub objects: ApplicationCounts,
    /// The worst object and its message; empty for an application in Success.
    pub message: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationCounts {
    pub success: usize,
    pub in_progress: usize,
    pub error: usize,
    pub timed_out: usize,
}

/// The `applications[]` entries of a report.
pub fn applications(applications: &[Application]) -> Vec<ApplicationReport> {
    applications
        .iter()
        .map(|application| ApplicationReport {
            name: application.name.clone(),
            namespace: application.namespace.clone(),
            status: application.status,
            objects: ApplicationCounts {
                success: application.counts.success,
                in_progress: application.counts.in_progress,
                error: application.counts.error,
                timed_out: application.counts.timed_out,
            },
            message: super::dashboard::message(application),
        })
        .collect()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReport {
    pub api_group: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub status: Status,
    pub message: String,
    /// What judged the object when not the kind's own rule (see `ObjectStatus::judged_by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<ChildrenReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureReport>,
    /// A Secret's keys with their fingerprints and changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretReport>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChildrenReport {
    pub total: usize,
    pub succeeded: usize,
    pub failing: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<Chain>,
    pub events: Vec<EventLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogTail>,
}

/// Builds the report from the final snapshot and the gathered failures.
pub fn build(
    snapshot: &Snapshot,
    outcome: RunOutcome,
    reason: &str,
    failures: &[Failure],
) -> Report {
    let objects = snapshot
        .objects
        .iter()
        .map(|object| {
            let failure = failures
                .iter()
                .find(|f| f.object.key == object.key)
                .map(|f| FailureReport {
                    chain: f
                        .object
                        .status
                        .children
                        .as_ref()
                        .and_then(|c| c.worst.clone()),
                    events: merge_repeats(&f.events),
                    log: f.log.clone(),
                });
            ObjectReport {
                api_group: object.key.group.to_string(),
                kind: object.key.kind.to_string(),
                namespace: object.key.namespace.as_deref().map(str::to_string),
                name: object.key.name.to_string(),
                status: object.status.status,
                message: message_of(object),
                judged_by: object.status.judged_by.clone(),
                children: object.status.children.as_ref().map(|c| ChildrenReport {
                    total: c.total,
                    succeeded: c.succeeded,
                    failing: c.failing,
                }),
                failure,
                secret: None,
            }
        })
        .collect();
    Report {
        schema: SCHEMA,
        outcome: outcome.label(),
        reason: reason.to_string(),
        elapsed_seconds: (snapshot.at.0.as_secs_f64() * 10.0).round() / 10.0,
        application: snapshot.application,
        objects,
        fingerprint_salt: None,
        applications: None,
        steps: None,
        pruned: None,
        throttled_requests: 0,
    }
}

/// The report as a JSON value, for the output to redact before it is written.
pub fn to_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(report).expect("the report serializes")
}

/// The report value as JSON or YAML text.
pub fn to_text(value: &serde_json::Value, yaml: bool) -> String {
    if yaml {
        serde_saphyr::to_string(value).expect("the report serializes as YAML")
    } else {
        let mut text = serde_json::to_string_pretty(value).expect("the report serializes");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{Moment, ObjectKey, ObjectStatus, TrackedObject};

    fn snapshot() -> Snapshot {
        Snapshot {
            at: Moment(Duration::from_millis(12_340)),
            objects: vec![
                TrackedObject {
                    key: ObjectKey::new("", "ConfigMap", Some("shop"), "settings"),
                    status: ObjectStatus::success("Created").into(),
                    since: Moment::default(),
                },
                TrackedObject {
                    key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
                    status: ObjectStatus::error(
                        "1/1 pods: CrashLoopBackOff (exit 1) in container \"web\"",
                    )
                    .into(),
                    since: Moment::default(),
                },
            ],
            application: Status::Error,
            window_left: None,
            deadline_left: None,
            verdict: None,
            connection: Default::default(),
        }
    }

    #[test]
    fn json_report_snapshot() {
        let failure = Failure {
            object: snapshot().objects[1].clone(),
            events: vec![EventLine {
                object: "Pod/web-1".into(),
                reason: "BackOff".into(),
                message: "Back-off restarting failed container".into(),
                count: 2,
            }],
            log: Some(LogTail {
                pod: "web-1".into(),
                container: "web".into(),
                previous: true,
                lines: vec!["token=abcd1234".into(), "panic: boom".into()],
            }),
            gather_errors: vec![],
        };
        let report = build(
            &snapshot(),
            RunOutcome::Error,
            "1 object in Error",
            &[failure],
        );
        let mut value = to_value(&report);
        crate::render::redact::Redactor::new(vec!["abcd1234".into()]).redact_json(&mut value);
        let text = to_text(&value, false);
        let expected = r#"{
  "application": "Error",
  "elapsedSeconds": 12.3,
  "objects": [
    {
      "apiGroup": "",
      "kind": "ConfigMap",
      "message": "Created",
      "name": "settings",
      "namespace": "shop",
      "status": "Success"
    },
    {
      "apiGroup": "apps",
      "failure": {
        "events": [
          {
            "count": 2,
            "message": "Back-off restarting failed container",
            "object": "Pod/web-1",
            "reason": "BackOff"
          }
        ],
        "log": {
          "container": "web",
          "lines": [
            "token=[redacted]",
            "panic: boom"
          ],
          "pod": "web-1",
          "previous": true
        }
      },
      "kind": "Deployment",
      "message": "1/1 pods: CrashLoopBackOff (exit 1) in container \"web\"",
      "name": "web",
      "namespace": "shop",
      "status": "Error"
    }
  ],
  "outcome": "Error",
  "reason": "1 object in Error",
  "schema": "kstatus.dev/report/v1",
  "throttledRequests": 0
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn applications_are_reported_with_counts_and_the_worst_message() {
        let snapshot = snapshot();
        let application_of = snapshot
            .objects
            .iter()
            .map(|o| (o.key.clone(), "shop".to_string()))
            .collect();
        let grouped = crate::engine::applications::group(&snapshot.objects, &application_of);
        let mut report = build(&snapshot, RunOutcome::Error, "why", &[]);
        report.applications = Some(applications(&grouped));
        let value = to_value(&report);
        let expected = r#"[
  {
    "message": "Deployment/web: 1/1 pods: CrashLoopBackOff (exit 1) in container \"web\"",
    "name": "shop",
    "namespace": "shop",
    "objects": {
      "error": 1,
      "inProgress": 0,
      "success": 1,
      "timedOut": 0
    },
    "status": "Error"
  }
]"#;
        assert_eq!(
            serde_json::to_string_pretty(&value["applications"]).unwrap(),
            expected
        );
        let without = to_value(&build(&snapshot, RunOutcome::Error, "why", &[]));
        assert!(without.get("applications").is_none(), "only with --by");
    }

    #[test]
    fn yaml_report_carries_the_same_fields() {
        let report = build(&snapshot(), RunOutcome::Error, "why", &[]);
        let text = to_text(&to_value(&report), true);
        let parsed: serde_json::Value = serde_saphyr::from_str(&text).expect("valid YAML");
        assert_eq!(parsed["schema"], SCHEMA);
        assert_eq!(parsed["objects"][1]["status"], "Error");
    }
}
