//! The application dashboard (`watch --by LABEL`): which application each tracked object
//! belongs to, and every view of the applications: the table, the live frame, plain change
//! lines, NDJSON lines, JUnit test cases and the GitHub step summary.

use std::collections::{BTreeMap, HashMap, HashSet};

use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};
use serde_json::json;

use super::changes::ConnectionReport;
use super::format_duration;
use super::github::markdown_cell;
use super::junit::escape;
use super::table::message_of;
use super::theme::Theme;
use crate::engine::applications::{self, Application};
use crate::engine::{ObjectKey, Snapshot, Status};
use crate::outcome::RunOutcome;

/// What the dashboard remembers between snapshots.
#[derive(Debug, Default)]
pub struct Dashboard {
    /// The application (label value) of each tracked object, as its labels said when last seen.
    members: BTreeMap<ObjectKey, String>,
    pub(super) lines: PlainLines,
    pub(super) events: StatusChanges,
}

impl Dashboard {
    /// Files a tracked object under an application.
    pub fn join(&mut self, key: ObjectKey, application: String) {
        self.members.insert(key, application);
    }

    /// The applications of a snapshot.
    pub fn applications(&self, snapshot: &Snapshot) -> Vec<Application> {
        applications::group(&snapshot.objects, &self.members)
    }
}

/// `Deployment/web: 1/1 pods: CrashLoopBackOff …`: the worst object and its message; empty
/// for an application in Success.
pub fn message(application: &Application) -> String {
    match &application.worst {
        Some(object) => {
            let message = message_of(object);
            let name = object.key.kind_and_name();
            if message.is_empty() {
                name
            } else {
                format!("{name}: {message}")
            }
        }
        None => String::new(),
    }
}

/// `shop -n prod`, or `shop` for an application of cluster-scoped objects.
fn title(application: &Application) -> String {
    match &application.namespace {
        Some(namespace) => format!("{} -n {namespace}", application.name),
        None => application.name.clone(),
    }
}

/// The table: APPLICATION, NAMESPACE, STATUS, the counts of objects per status and MESSAGE.
/// ERROR counts objects in Error and in Timed out. `spinner` marks applications in progress.
pub fn application_table(
    applications: &[Application],
    theme: &Theme,
    width: Option<u16>,
    spinner: Option<char>,
) -> String {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.force_no_tty();
    match width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header([
        "APPLICATION",
        "NAMESPACE",
        "STATUS",
        "SUCCESS",
        "IN PROGRESS",
        "ERROR",
        "MESSAGE",
    ]);
    for application in applications {
        let status = match (spinner, application.status) {
            (Some(frame), Status::InProgress) => format!("{frame} {}", application.status),
            (_, status) => status.to_string(),
        };
        let counts = application.counts;
        table.add_row([
            application.name.clone(),
            application.namespace.clone().unwrap_or_else(|| "-".into()),
            theme.paint(theme.status_style(application.status), &status),
            counts.success.to_string(),
            counts.in_progress.to_string(),
            (counts.error + counts.timed_out).to_string(),
            message(application),
        ]);
    }
    let message_column = table.column_count() - 1;
    for (index, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, 2));
        // As in the status table: only the message wraps, so names and values stay whole.
        if index != message_column {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table
        .lines()
        .map(|line| line.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2 applications: 1 Error, 1 Success`.
fn tally(applications: &[Application]) -> String {
    let mut parts = Vec::new();
    for status in [
        Status::Error,
        Status::TimedOut,
        Status::InProgress,
        Status::Success,
    ] {
        let count = applications.iter().filter(|a| a.status == status).count();
        if count > 0 {
            parts.push(format!("{count} {status}"));
        }
    }
    let noun = if applications.len() == 1 {
        "application"
    } else {
        "applications"
    };
    if parts.is_empty() {
        format!("0 {noun}")
    } else {
        format!("{} {noun}: {}", applications.len(), parts.join(", "))
    }
}

/// One frame of the live view: a header with the tally, elapsed time, the connection and the
/// countdowns, then the application table.
pub fn frame(
    snapshot: &Snapshot,
    applications: &[Application],
    theme: &Theme,
    width: u16,
    spinner: char,
) -> String {
    let mut header = format!(
        "{spinner} {}  {}",
        theme.paint(
            theme.status_style(snapshot.application),
            &tally(applications)
        ),
        theme.paint(
            theme.dim,
            &format!("elapsed {}", format_duration(snapshot.at.0))
        ),
    );
    header.push_str(&super::live::header_clocks(snapshot, theme));
    format!(
        "{header}\n{}",
        application_table(applications, theme, Some(width), Some(spinner))
    )
}

/// An application whose status changed since the last report.
pub struct StatusChange<'a> {
    pub application: &'a Application,
    /// None when the application first appears.
    pub previous: Option<Status>,
}

/// Remembers each application's last reported status, so a change is reported once. Only the
/// status counts: the counts and message move too often to be news.
#[derive(Debug, Default)]
pub struct StatusChanges {
    last: HashMap<(Option<String>, String), Status>,
}

impl StatusChanges {
    /// The applications whose status changed, and those no longer seen (namespace, name).
    pub fn update<'a>(
        &mut self,
        applications: &'a [Application],
    ) -> (Vec<StatusChange<'a>>, Vec<(Option<String>, String)>) {
        let mut changed = Vec::new();
        for application in applications {
            let id = (application.namespace.clone(), application.name.clone());
            let previous = self.last.insert(id, application.status);
            if previous != Some(application.status) {
                changed.push(StatusChange {
                    application,
                    previous,
                });
            }
        }
        let present: HashSet<(Option<&str>, &str)> = applications
            .iter()
            .map(|a| (a.namespace.as_deref(), a.name.as_str()))
            .collect();
        let mut gone: Vec<(Option<String>, String)> = self
            .last
            .keys()
            .filter(|(namespace, name)| !present.contains(&(namespace.as_deref(), name.as_str())))
            .cloned()
            .collect();
        gone.sort();
        for id in &gone {
            self.last.remove(id);
        }
        (changed, gone)
    }
}

/// Plain progress with `--by`: the connection lost or back, one line per application whose
/// status changed, and a heartbeat when nothing was said for a while.
#[derive(Debug, Default)]
pub struct PlainLines {
    changes: StatusChanges,
    connection: ConnectionReport,
    last_output_at: std::time::Duration,
}

impl PlainLines {
    pub fn changes(
        &mut self,
        snapshot: &Snapshot,
        applications: &[Application],
        clock: &str,
    ) -> Vec<String> {
        let mut lines = Vec::new();
        for change in self.connection.update(&snapshot.connection) {
            lines.push(format!("{clock} {}", change.describe()));
        }
        let (changed, gone) = self.changes.update(applications);
        for change in changed {
            let application = change.application;
            let status = match change.previous {
                Some(previous) => format!("{previous} → {}", application.status),
                None => application.status.to_string(),
            };
            let message = message(application);
            let mut line = format!("{clock} app {}: {status}", title(application));
            if !message.is_empty() {
                line.push_str(&format!(": {message}"));
            }
            lines.push(line);
        }
        for (namespace, name) in gone {
            let namespace = namespace.map(|ns| format!(" -n {ns}")).unwrap_or_default();
            lines.push(format!("{clock} app {name}{namespace}: gone"));
        }
        if !lines.is_empty() {
            self.last_output_at = snapshot.at.0;
        }
        if snapshot.at.0.saturating_sub(self.last_output_at) >= super::lines::HEARTBEAT {
            self.last_output_at = snapshot.at.0;
            lines.push(format!(
                "{clock} still watching after {}: {}",
                format_duration(snapshot.at.0),
                tally(applications)
            ));
        }
        lines
    }
}

/// NDJSON lines for the applications whose status changed (`type: application` with a name),
/// and for those no longer seen (`gone: true`).
pub fn event_lines(
    changes: &mut StatusChanges,
    snapshot: &Snapshot,
    applications: &[Application],
    time: &str,
) -> Vec<String> {
    let elapsed = (snapshot.at.0.as_secs_f64() * 1000.0).round() / 1000.0;
    let (changed, gone) = changes.update(applications);
    let mut lines = Vec::new();
    for change in changed {
        let application = change.application;
        let counts = application.counts;
        let mut value = json!({
            "type": "application",
            "time": time,
            "elapsedSeconds": elapsed,
            "name": application.name,
            "namespace": application.namespace,
            "status": application.status,
            "objects": {
                "success": counts.success,
                "inProgress": counts.in_progress,
                "error": counts.error,
                "timedOut": counts.timed_out,
            },
            "message": message(application),
        });
        if let Some(previous) = change.previous {
            value["previous"] = json!(previous);
        }
        lines.push(value.to_string());
    }
    for (namespace, name) in gone {
        lines.push(
            json!({
                "type": "application", "time": time, "elapsedSeconds": elapsed,
                "name": name, "namespace": namespace, "gone": true,
            })
            .to_string(),
        );
    }
    lines
}

/// JUnit XML with one test case per application (classname `application`, name
/// `NAMESPACE/NAME`); an application not in Success fails with its worst object's message.
pub fn junit_report(command: &str, snapshot: &Snapshot, applications: &[Application]) -> String {
    let total = applications.len();
    let failed = applications
        .iter()
        .filter(|a| a.status != Status::Success)
        .count();
    let seconds = snapshot.at.0.as_secs_f64();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"kstatus\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" time=\"{seconds:.3}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"kstatus {}\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{seconds:.3}\">\n",
        escape(command)
    ));
    for application in applications {
        let name = match &application.namespace {
            Some(namespace) => format!("{namespace}/{}", application.name),
            None => application.name.clone(),
        };
        let attributes = format!(
            "classname=\"application\" name=\"{}\" time=\"{seconds:.3}\"",
            escape(&name)
        );
        if application.status == Status::Success {
            out.push_str(&format!("    <testcase {attributes}/>\n"));
            continue;
        }
        let kind = match application.status {
            Status::Error => "Error",
            Status::TimedOut => "TimedOut",
            _ => "InProgress",
        };
        let message = message(application);
        out.push_str(&format!(
            "    <testcase {attributes}>\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n    </testcase>\n",
            escape(&message),
            escape(&message)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`: the application table.
pub fn step_summary(
    command: &str,
    snapshot: &Snapshot,
    applications: &[Application],
    outcome: RunOutcome,
    reason: &str,
) -> String {
    let icon = match snapshot.application {
        Status::Success => "✅",
        Status::InProgress => "⏳",
        Status::Error | Status::TimedOut => "❌",
    };
    let mut out = format!(
        "### {icon} kstatus {command}: {}\n\n{} (after {})\n\n\
         | Application | Namespace | Status | Success | In progress | Error | Message |\n\
         |---|---|---|---|---|---|---|\n",
        outcome.words(),
        markdown_cell(reason),
        format_duration(snapshot.at.0)
    );
    for application in applications {
        let counts = application.counts;
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            application.name,
            application.namespace.as_deref().unwrap_or("-"),
            application.status,
            counts.success,
            counts.in_progress,
            counts.error + counts.timed_out,
            markdown_cell(&message(application))
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{Moment, ObjectStatus, TrackedObject};

    fn object(kind: &str, ns: &str, name: &str, status: ObjectStatus) -> TrackedObject {
        let group = if kind == "Deployment" { "apps" } else { "" };
        TrackedObject {
            key: ObjectKey::new(group, kind, Some(ns), name),
            status: status.into(),
            since: Moment::default(),
        }
    }

    fn crash() -> ObjectStatus {
        ObjectStatus::error(
            "1/1 pods: CrashLoopBackOff (exit 1) in container \"web\": back-off 10s restarting failed container",
        )
    }

    /// `healthy` (a Deployment and a Service) and `broken` (a crash-looping Deployment and a
    /// ConfigMap) in `shop`, and `healthy` again in `staging`.
    fn dashboard(web: ObjectStatus) -> (Dashboard, Snapshot) {
        let objects = vec![
            object(
                "Deployment",
                "shop",
                "front",
                ObjectStatus::success("Deployment is available. Replicas: 1"),
            ),
            object(
                "Service",
                "shop",
                "front",
                ObjectStatus::success("Service is ready"),
            ),
            object("Deployment", "shop", "web", web),
            object(
                "ConfigMap",
                "shop",
                "web-settings",
                ObjectStatus::success("Resource is current"),
            ),
            object(
                "Deployment",
                "staging",
                "front",
                ObjectStatus::in_progress(
                    "Waiting for rollout to finish: 0 of 1 updated replicas are available...",
                ),
            ),
        ];
        let mut dashboard = Dashboard::default();
        for (object, app) in objects
            .iter()
            .zip(["healthy", "healthy", "broken", "broken", "healthy"])
        {
            dashboard.join(object.key.clone(), app.to_string());
        }
        let application = objects.iter().map(|o| o.status.status).max().unwrap();
        let snapshot = Snapshot {
            at: Moment(Duration::from_millis(4_200)),
            objects,
            application,
            window_left: None,
            deadline_left: None,
            verdict: None,
            connection: Default::default(),
        };
        (dashboard, snapshot)
    }

    #[test]
    fn table_snapshot() {
        let (dashboard, snapshot) = dashboard(crash());
        let applications = dashboard.applications(&snapshot);
        let text = application_table(&applications, &Theme::plain(), None, None);
        assert_eq!(
            text,
            "APPLICATION  NAMESPACE  STATUS       SUCCESS  IN PROGRESS  ERROR  MESSAGE\n\
             broken       shop       Error        1        0            1      Deployment/web: 1/1 pods: CrashLoopBackOff (exit 1) in container \"web\": back-off 10s restarting failed container\n\
             healthy      shop       Success      2        0            0\n\
             healthy      staging    In progress  0        1            0      Deployment/front: Waiting for rollout to finish: 0 of 1 updated replicas are available..."
        );
    }

    #[test]
    fn live_frame_has_a_tally_and_spinners() {
        let (dashboard, snapshot) = dashboard(crash());
        let applications = dashboard.applications(&snapshot);
        let text = frame(&snapshot, &applications, &Theme::plain(), 200, '⠙');
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "⠙ 3 applications: 1 Error, 1 In progress, 1 Success  elapsed 4.2s"
        );
        assert!(lines[4].contains("⠙ In progress"), "{text}");
        assert!(!lines[2].contains('⠙'), "{text}");
    }

    #[test]
    fn plain_lines_say_each_status_change_once() {
        let (dashboard_state, first) = dashboard(ObjectStatus::in_progress(
            "Waiting for 1 pods to be ready...",
        ));
        let mut lines = PlainLines::default();
        let applications = dashboard_state.applications(&first);
        assert_eq!(
            lines.changes(&first, &applications, "12:00:00"),
            [
                "12:00:00 app broken -n shop: In progress: Deployment/web: Waiting for 1 pods to be ready...",
                "12:00:00 app healthy -n shop: Success",
                "12:00:00 app healthy -n staging: In progress: Deployment/front: Waiting for rollout to finish: 0 of 1 updated replicas are available...",
            ]
        );
        assert!(lines.changes(&first, &applications, "12:00:01").is_empty());
        let (_, mut crashed) = dashboard(crash());
        crashed.at = Moment(Duration::from_secs(6));
        let applications = dashboard_state.applications(&crashed);
        assert_eq!(
            lines.changes(&crashed, &applications, "12:00:02"),
            [
                "12:00:02 app broken -n shop: In progress → Error: Deployment/web: 1/1 pods: CrashLoopBackOff (exit 1) in container \"web\": back-off 10s restarting failed container"
            ]
        );
        // The staging application leaves the view.
        let mut left = crashed.clone();
        left.objects.pop();
        left.at = Moment(Duration::from_secs(7));
        let applications = dashboard_state.applications(&left);
        assert_eq!(
            lines.changes(&left, &applications, "12:00:03"),
            ["12:00:03 app healthy -n staging: gone"]
        );
        // Quiet for the heartbeat period: one line with the tally.
        left.at = Moment(Duration::from_secs(30));
        assert_eq!(
            lines.changes(&left, &applications, "12:00:30"),
            ["12:00:30 still watching after 30.0s: 2 applications: 1 Error, 1 Success"]
        );
    }

    #[test]
    fn event_lines_carry_name_counts_and_previous_status() {
        let (dashboard_state, snapshot) = dashboard(crash());
        let applications = dashboard_state.applications(&snapshot);
        let mut changes = StatusChanges::default();
        let lines = event_lines(&mut changes, &snapshot, &applications, "T1");
        assert_eq!(
            lines[0],
            r#"{"elapsedSeconds":4.2,"message":"Deployment/web: 1/1 pods: CrashLoopBackOff (exit 1) in container \"web\": back-off 10s restarting failed container","name":"broken","namespace":"shop","objects":{"error":1,"inProgress":0,"success":1,"timedOut":0},"status":"Error","time":"T1","type":"application"}"#
        );
        assert_eq!(lines.len(), 3);
        assert!(event_lines(&mut changes, &snapshot, &applications, "T2").is_empty());
        let (_, healed) = dashboard(ObjectStatus::success(
            "Deployment is available. Replicas: 1",
        ));
        let applications = dashboard_state.applications(&healed);
        let lines = event_lines(&mut changes, &healed, &applications, "T3");
        assert_eq!(lines.len(), 1);
        let value: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            (
                &value["name"],
                &value["previous"],
                &value["status"],
                &value["message"]
            ),
            (
                &json!("broken"),
                &json!("Error"),
                &json!("Success"),
                &json!("")
            )
        );
    }

    #[test]
    fn junit_has_one_case_per_application_and_the_summary_their_table() {
        let (dashboard_state, snapshot) = dashboard(crash());
        let applications = dashboard_state.applications(&snapshot);
        let xml = junit_report("watch", &snapshot, &applications);
        assert!(xml.contains("tests=\"3\" failures=\"2\""), "{xml}");
        assert!(
            xml.contains(
                "<testcase classname=\"application\" name=\"shop/healthy\" time=\"4.200\"/>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<failure type=\"Error\" message=\"Deployment/web: 1/1 pods: CrashLoopBackOff (exit 1) in container &quot;web&quot;"),
            "{xml}"
        );
        let summary = step_summary("watch", &snapshot, &applications, RunOutcome::Error, "why");
        assert!(
            summary.starts_with("### ❌ kstatus watch: Error\n"),
            "{summary}"
        );
        assert!(
            summary.contains("| `healthy` | shop | Success | 2 | 0 | 0 |  |\n"),
            "{summary}"
        );
        assert!(
            summary.contains("| `broken` | shop | Error | 1 | 0 | 1 | Deployment/web: 1/1 pods"),
            "{summary}"
        );
    }
}
