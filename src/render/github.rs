//! GitHub Actions integration: log groups, `::error` annotations pointing at the manifest file
//! and line of each failed object, and the Markdown step summary.

use super::table::message_of;
use super::{format_duration, object_name};
use crate::engine::{Snapshot, Status, TrackedObject};
use crate::manifest::Origin;
use crate::outcome::RunOutcome;

/// Opens a collapsible group in the Actions log.
pub fn group_start(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

pub fn group_end() -> &'static str {
    "::endgroup::"
}

/// An `::error` annotation for an object in Error or Timed out, at its manifest location when
/// known.
pub fn error_annotation(object: &TrackedObject, origin: Option<&Origin>) -> String {
    let title = format!("{} {}", object_name(&object.key), object.status.status);
    let message = message_of(object);
    let mut properties = Vec::new();
    if let Some(origin) = origin {
        properties.push(format!("file={}", escape_property(&origin.source)));
        properties.push(format!("line={}", origin.line));
    }
    properties.push(format!("title={}", escape_property(&title)));
    format!(
        "::error {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(
    command: &str,
    snapshot: &Snapshot,
    outcome: RunOutcome,
    reason: &str,
) -> String {
    let icon = match snapshot.application {
        Status::Success => "✅",
        Status::InProgress => "⏳",
        Status::Error | Status::TimedOut => "❌",
    };
    let outcome = outcome.words();
    let mut out = format!(
        "### {icon} kstatus {command}: {outcome}\n\n{} (after {})\n\n| Object | Namespace | Status | Message |\n|---|---|---|---|\n",
        markdown_cell(reason),
        format_duration(snapshot.at.0)
    );
    for object in &snapshot.objects {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            object_name(&object.key),
            object.key.namespace.as_deref().unwrap_or("-"),
            object.status.status,
            markdown_cell(&message_of(object))
        ));
    }
    out.push('\n');
    out
}

pub(super) fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

/// Workflow command data: `%`, CR and LF are escaped.
pub(super) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties additionally escape `:` and `,`.
pub(super) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{Moment, ObjectKey, ObjectStatus};
    use crate::render::redact::Redactor;

    fn failed() -> TrackedObject {
        TrackedObject {
            key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
            status: ObjectStatus::error(
                "1/1 pods: CrashLoopBackOff: 50% done, key=s3cret-value\nsecond line",
            )
            .into(),
            since: Moment::default(),
        }
    }

    #[test]
    fn annotation_points_at_file_and_line_and_escapes() {
        let origin = Origin {
            source: "deploy/app,v2.yaml".into(),
            line: 14,
            document: 2,
            item: None,
        };
        let line = Redactor::new(vec!["s3cret-value".into()])
            .redact(&error_annotation(&failed(), Some(&origin)));
        assert_eq!(
            line,
            "::error file=deploy/app%2Cv2.yaml,line=14,title=Deployment/web Error::1/1 pods: \
             CrashLoopBackOff: 50%25 done, key=[redacted]%0Asecond line"
        );
    }

    #[test]
    fn summary_lists_every_object() {
        let snapshot = Snapshot {
            at: Moment(Duration::from_secs(12)),
            objects: vec![
                TrackedObject {
                    key: ObjectKey::new("", "ConfigMap", Some("shop"), "settings"),
                    status: ObjectStatus::success("Created").into(),
                    since: Moment::default(),
                },
                failed(),
            ],
            application: Status::Error,
            window_left: None,
            deadline_left: None,
            verdict: None,
            connection: Default::default(),
        };
        let text = step_summary("apply", &snapshot, RunOutcome::Error, "1 object in Error");
        assert!(
            text.starts_with("### ❌ kstatus apply: Error\n\n1 object in Error (after 12.0s)\n"),
            "{text}"
        );
        let timed_out = step_summary(
            "apply",
            &snapshot,
            RunOutcome::TimedOut,
            "the deadline passed",
        );
        assert!(
            timed_out.starts_with("### ❌ kstatus apply: Timed out\n"),
            "{timed_out}"
        );
        assert!(
            text.contains("| `ConfigMap/settings` | shop | Success | Created |"),
            "{text}"
        );
        assert!(text.contains("| `Deployment/web` | shop | Error | 1/1 pods: CrashLoopBackOff: 50% done, key=s3cret-value<br>second line |"), "{text}");
    }
}
