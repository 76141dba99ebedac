//! The final report for `-o json|yaml`: a stable, documented schema (see the README).

use serde::Serialize;

use super::card::{EventLine, Failure, LogTail};
use super::redact::Redactor;
use super::table::message_of;
use crate::engine::{Chain, Snapshot, Status};

/// Identifies the schema; bumped on incompatible changes.
pub const SCHEMA: &str = "kstatus.dev/report/v1";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema: &'static str,
    /// Success, Error, TimedOut or Interrupted.
    pub outcome: String,
    pub reason: String,
    pub elapsed_seconds: f64,
    pub application: Status,
    pub objects: Vec<ObjectReport>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<ChildrenReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureReport>,
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
pub fn build(snapshot: &Snapshot, outcome: &str, reason: &str, failures: &[Failure]) -> Report {
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
                    events: f.events.clone(),
                    log: f.log.clone(),
                });
            ObjectReport {
                api_group: object.key.group.clone(),
                kind: object.key.kind.clone(),
                namespace: object.key.namespace.clone(),
                name: object.key.name.clone(),
                status: object.status.status,
                message: message_of(object),
                children: object.status.children.as_ref().map(|c| ChildrenReport {
                    total: c.total,
                    succeeded: c.succeeded,
                    failing: c.failing,
                }),
                failure,
            }
        })
        .collect();
    Report {
        schema: SCHEMA,
        outcome: outcome.to_string(),
        reason: reason.to_string(),
        elapsed_seconds: (snapshot.at.0.as_secs_f64() * 10.0).round() / 10.0,
        application: snapshot.application,
        objects,
    }
}

/// The report as JSON or YAML text, with every string redacted.
pub fn to_text(report: &Report, yaml: bool, redactor: &Redactor) -> String {
    let mut value = serde_json::to_value(report).expect("the report serializes");
    redactor.redact_json(&mut value);
    if yaml {
        serde_saphyr::to_string(&value).expect("the report serializes as YAML")
    } else {
        let mut text = serde_json::to_string_pretty(&value).expect("the report serializes");
        text.push('\n');
        text
    }
}
