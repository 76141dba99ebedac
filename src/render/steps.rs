//! `apply --steps` output: one section per step, a heading with the step's name and status over
//! its objects, in the final table, the live view, the report, JUnit, the GitHub step summary
//! and the event stream.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use super::card::{Failure, failure_card};
use super::github::markdown_cell;
use super::junit;
use super::report::{self, ObjectReport};
use super::table::{TableOptions, message_of, status_table};
use super::theme::Theme;
use super::{format_duration, object_name};
use crate::engine::{ConnectionState, Moment, ObjectKey, Snapshot, Status};
use crate::manifest::Origin;
use crate::outcome::RunOutcome;

/// The `outcome` of a step that never started, in the report and the event stream.
pub const NOT_STARTED: &str = "NotStarted";

/// One step as it ended (or never started).
#[derive(Debug, Clone)]
pub struct StepSection {
    pub name: String,
    /// 1-based, as shown (`Step 2/3`).
    pub index: usize,
    pub total: usize,
    /// None: the step was not started (an earlier step did not succeed).
    pub outcome: Option<RunOutcome>,
    pub reason: String,
    /// From the step's start (its apply) to its verdict.
    pub elapsed: Duration,
    /// The step's objects in their final state; empty when not started.
    pub snapshot: Snapshot,
    pub failures: Vec<Failure>,
    /// The objects a step that did not start would have applied.
    pub pending: Vec<ObjectKey>,
}

impl StepSection {
    /// A step that did not start, with the objects it would have applied.
    pub fn not_started(
        name: &str,
        index: usize,
        total: usize,
        reason: String,
        pending: Vec<ObjectKey>,
    ) -> Self {
        StepSection {
            name: name.to_string(),
            index,
            total,
            outcome: None,
            reason,
            elapsed: Duration::ZERO,
            snapshot: empty_snapshot(),
            failures: Vec::new(),
            pending,
        }
    }

    /// `step 2/3 02-migrate.yaml`
    pub fn title(&self) -> String {
        title(self.index, self.total, &self.name)
    }

    /// The report's `outcome`: a `RunOutcome` label, or `NotStarted`.
    pub fn label(&self) -> &'static str {
        self.outcome.map_or(NOT_STARTED, RunOutcome::label)
    }
}

/// `step 2/3 02-migrate.yaml`
pub fn title(index: usize, total: usize, name: &str) -> String {
    format!("step {index}/{total} {name}")
}

fn empty_snapshot() -> Snapshot {
    Snapshot {
        at: Moment::default(),
        objects: Vec::new(),
        application: Status::InProgress,
        window_left: None,
        deadline_left: None,
        verdict: None,
        connection: ConnectionState::default(),
    }
}

/// `Step 1/3 01-db/ — Success (12.3s)`, `Step 3/3 03-app/ — not started`.
pub fn heading(section: &StepSection, theme: &Theme) -> String {
    let name = theme.paint(
        theme.bold,
        &format!("Step {}/{} {}", section.index, section.total, section.name),
    );
    match section.outcome {
        None => format!("{name} — {}", theme.paint(theme.dim, "not started")),
        Some(outcome) => format!(
            "{name} — {} ({})",
            theme.paint(
                theme.status_style(section.snapshot.application),
                outcome.words()
            ),
            format_duration(section.elapsed)
        ),
    }
}

/// The heading of the step being tracked.
fn running_heading(index: usize, total: usize, name: &str, theme: &Theme) -> String {
    format!(
        "{} — {}",
        theme.paint(theme.bold, &format!("Step {index}/{total} {name}")),
        theme.paint(theme.progress, Status::InProgress.as_str())
    )
}

/// The final table: each step's heading, its objects and the failure cards of its objects;
/// steps not started are their heading alone.
pub fn final_tables(
    sections: &[StepSection],
    origins: &[(ObjectKey, Origin)],
    theme: &Theme,
    width: Option<u16>,
) -> String {
    let mut parts = Vec::new();
    for section in sections {
        let mut text = heading(section, theme);
        if section.outcome.is_some() {
            let options = TableOptions {
                width,
                spinner: None,
            };
            text.push('\n');
            text.push_str(&status_table(&section.snapshot.objects, theme, options));
            for failure in &section.failures {
                let origin = origins
                    .iter()
                    .find(|(k, _)| *k == failure.object.key)
                    .map(|(_, origin)| origin);
                text.push_str(&format!(
                    "\n\n{}",
                    failure_card(failure, origin, theme, width)
                ));
            }
        }
        parts.push(text);
    }
    parts.join("\n\n")
}

/// What the live view shows around the running step's frame: the steps that ended (frozen in
/// their final state) above it, the steps still to come below it.
#[derive(Debug, Default)]
pub struct StepsView {
    done: Vec<String>,
    current: Option<String>,
    later: Vec<String>,
}

impl StepsView {
    /// Step `index` (1-based) of `names` starts.
    pub fn start(&mut self, index: usize, names: &[String], theme: &Theme) {
        let total = names.len();
        self.current = Some(running_heading(index, total, &names[index - 1], theme));
        self.later = names
            .iter()
            .enumerate()
            .skip(index)
            .map(|(i, name)| {
                format!(
                    "{} — {}",
                    theme.paint(theme.bold, &format!("Step {}/{total} {name}", i + 1)),
                    theme.paint(theme.dim, "not started")
                )
            })
            .collect();
    }

    /// The running step ended: it stays on screen in its final state.
    pub fn end(&mut self, section: &StepSection, theme: &Theme, width: u16) {
        let options = TableOptions {
            width: Some(width),
            spinner: None,
        };
        self.done.push(format!(
            "{}\n{}",
            heading(section, theme),
            status_table(&section.snapshot.objects, theme, options)
        ));
        self.current = None;
    }

    /// The frame with every step's section; `frame` is the running step's own (header line
    /// and table). When it would not fit in `height` lines, the steps that ended are shown by
    /// their headings alone, so the running step stays in view.
    pub fn frame(&self, frame: &str, height: usize) -> String {
        let full = self.compose(frame, false);
        if full.lines().count() <= height {
            return full;
        }
        self.compose(frame, true)
    }

    fn compose(&self, frame: &str, headings_only: bool) -> String {
        let mut parts: Vec<String> = self
            .done
            .iter()
            .map(|section| match headings_only {
                true => section.lines().next().unwrap_or_default().to_string(),
                false => section.clone(),
            })
            .collect();
        match &self.current {
            Some(current) => parts.push(format!("{current}\n{frame}")),
            None => parts.push(frame.to_string()),
        }
        parts.extend(self.later.iter().cloned());
        parts.join("\n")
    }
}

/// The plain line when a step starts: `step 2/3 02-migrate.yaml: applying`.
pub fn started_line(index: usize, total: usize, name: &str) -> String {
    format!("{}: applying", title(index, total, name))
}

/// The plain line when a step ends: `step 2/3 02-migrate.yaml: Success after 8.1s`, with the
/// reason when it did not succeed.
pub fn ended_line(section: &StepSection) -> String {
    let outcome = section.outcome.map_or("not started", RunOutcome::words);
    let mut line = format!(
        "{}: {outcome} after {}",
        section.title(),
        format_duration(section.elapsed)
    );
    if section.outcome != Some(RunOutcome::Success) {
        line.push_str(&format!(": {}", section.reason));
    }
    line
}

/// An NDJSON `step` event: `state` is `started`, or the step's outcome label when it ends.
pub fn event(
    section_name: &str,
    index: usize,
    total: usize,
    state: &str,
    time: &str,
    elapsed: Duration,
) -> String {
    let value = json!({
        "type": "step",
        "time": time,
        "elapsedSeconds": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "step": section_name,
        "index": index,
        "total": total,
        "state": state,
    });
    serde_json::to_string(&value).expect("events serialize")
}

/// One step in the report's `steps[]`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub name: String,
    pub index: usize,
    /// Success, Error, TimedOut, InProgress, Interrupted or NotStarted.
    pub outcome: &'static str,
    pub reason: String,
    pub elapsed_seconds: f64,
    pub objects: Vec<ObjectReport>,
}

/// The report's `steps[]`.
pub fn reports(sections: &[StepSection]) -> Vec<StepReport> {
    sections
        .iter()
        .map(|section| StepReport {
            name: section.name.clone(),
            index: section.index,
            outcome: section.label(),
            reason: section.reason.clone(),
            elapsed_seconds: (section.elapsed.as_secs_f64() * 10.0).round() / 10.0,
            objects: report::build(
                &section.snapshot,
                section.outcome.unwrap_or(RunOutcome::InProgress),
                &section.reason,
                &section.failures,
            )
            .objects,
        })
        .collect()
}

/// JUnit with one test suite per step (named after the step), its objects as test cases; the
/// objects of a step that did not start are skipped test cases.
pub fn junit_report(sections: &[StepSection], system_out: &[(ObjectKey, String)]) -> String {
    let mut suites = String::new();
    let (mut total, mut failed, mut skipped, mut seconds) = (0, 0, 0, 0.0);
    for section in sections {
        let time = section.elapsed.as_secs_f64();
        let (tests, failures, skips, cases) = match section.outcome {
            Some(_) => {
                let objects = &section.snapshot.objects;
                let failures = objects
                    .iter()
                    .filter(|o| o.status.status != Status::Success)
                    .count();
                let cases = junit::testcases(objects, &section.failures, system_out, time);
                (objects.len(), failures, 0, cases)
            }
            None => {
                let cases: String = section
                    .pending
                    .iter()
                    .map(|key| {
                        format!(
                            "    <testcase classname=\"{}\" name=\"{}\" time=\"0.000\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                            junit::escape(&junit::classname(key)),
                            junit::escape(&junit::case_name(key)),
                            junit::escape(&format!("step not started: {}", section.reason))
                        )
                    })
                    .collect();
                let n = section.pending.len();
                (n, 0, n, cases)
            }
        };
        total += tests;
        failed += failures;
        skipped += skips;
        seconds += time;
        suites.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skips}\" time=\"{time:.3}\">\n    <properties>\n      <property name=\"kstatus.step.index\" value=\"{}\"/>\n      <property name=\"kstatus.step.outcome\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
            junit::escape(&section.name),
            section.index,
            section.label(),
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kstatus\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\" time=\"{seconds:.3}\">\n{suites}</testsuites>\n"
    )
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`: the run's verdict, then one section (a
/// heading and a table) per step.
pub fn step_summary(
    command: &str,
    sections: &[StepSection],
    outcome: RunOutcome,
    reason: &str,
    elapsed: Duration,
) -> String {
    let icon = match outcome {
        RunOutcome::Success => "✅",
        RunOutcome::InProgress | RunOutcome::Interrupted(_) => "⏳",
        RunOutcome::Error | RunOutcome::TimedOut => "❌",
    };
    let mut out = format!(
        "### {icon} kstatus {command}: {}\n\n{} (after {})\n\n",
        outcome.words(),
        markdown_cell(reason),
        format_duration(elapsed)
    );
    for section in sections {
        out.push_str(&format!(
            "#### {}\n\n",
            markdown_cell(&heading(section, &Theme::plain()))
        ));
        if section.outcome.is_none() {
            continue;
        }
        out.push_str("| Object | Namespace | Status | Message |\n|---|---|---|---|\n");
        for object in &section.snapshot.objects {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                object_name(&object.key),
                object.key.namespace.as_deref().unwrap_or("-"),
                object.status.status,
                markdown_cell(&message_of(object))
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ObjectStatus, TrackedObject};

    fn object(group: &str, kind: &str, name: &str, status: ObjectStatus) -> TrackedObject {
        TrackedObject {
            key: ObjectKey::new(group, kind, Some("shop"), name),
            status: status.into(),
            since: Moment::default(),
        }
    }

    fn ran(
        index: usize,
        name: &str,
        outcome: RunOutcome,
        secs: u64,
        objects: Vec<TrackedObject>,
    ) -> StepSection {
        let application = match outcome {
            RunOutcome::Success => Status::Success,
            RunOutcome::Error => Status::Error,
            _ => Status::InProgress,
        };
        StepSection {
            name: name.into(),
            index,
            total: 3,
            outcome: Some(outcome),
            reason: match outcome {
                RunOutcome::Success => "all 1 object(s) held Success for 2s".into(),
                _ => "1 object in Error: Deployment/migrate -n shop".into(),
            },
            elapsed: Duration::from_millis(secs * 1000 + 300),
            snapshot: Snapshot {
                at: Moment(Duration::from_secs(secs)),
                objects,
                application,
                ..empty_snapshot()
            },
            failures: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn sections() -> Vec<StepSection> {
        vec![
            ran(
                1,
                "01-db/",
                RunOutcome::Success,
                12,
                vec![object(
                    "apps",
                    "StatefulSet",
                    "db",
                    ObjectStatus::success("Ready: 1/1"),
                )],
            ),
            ran(
                2,
                "02-migrate.yaml",
                RunOutcome::Error,
                8,
                vec![
                    object("", "ConfigMap", "migrate", ObjectStatus::success("Created")),
                    object(
                        "apps",
                        "Deployment",
                        "migrate",
                        ObjectStatus::error("1/1 pods: CrashLoopBackOff (exit 1)"),
                    ),
                ],
            ),
            StepSection::not_started(
                "03-app/",
                3,
                3,
                "step 2/3 02-migrate.yaml ended in Error".into(),
                vec![ObjectKey::new("apps", "Deployment", Some("shop"), "web")],
            ),
        ]
    }

    #[test]
    fn the_final_table_has_one_section_per_step() {
        let text = final_tables(&sections(), &[], &Theme::plain(), None);
        assert_eq!(
            text,
            "Step 1/3 01-db/ — Success (12.3s)\n\
             OBJECT          STATUS   MESSAGE\n\
             StatefulSet/db  Success  Ready: 1/1\n\
             \n\
             Step 2/3 02-migrate.yaml — Error (8.3s)\n\
             OBJECT              STATUS   MESSAGE\n\
             ConfigMap/migrate   Success  Created\n\
             Deployment/migrate  Error    1/1 pods: CrashLoopBackOff (exit 1)\n\
             \n\
             Step 3/3 03-app/ — not started"
        );
    }

    #[test]
    fn the_live_view_freezes_ended_steps_above_the_running_one() {
        let names: Vec<String> = ["01-db/", "02-migrate.yaml", "03-app/"]
            .map(String::from)
            .to_vec();
        let theme = Theme::plain();
        let mut view = StepsView::default();
        view.start(1, &names, &theme);
        assert_eq!(
            view.frame("⠋ application In progress\nTABLE", 40),
            "Step 1/3 01-db/ — In progress\n⠋ application In progress\nTABLE\n\
             Step 2/3 02-migrate.yaml — not started\nStep 3/3 03-app/ — not started"
        );
        view.end(&sections()[0], &theme, 100);
        view.start(2, &names, &theme);
        assert_eq!(
            view.frame("FRAME", 40),
            "Step 1/3 01-db/ — Success (12.3s)\n\
             OBJECT          STATUS   MESSAGE\n\
             StatefulSet/db  Success  Ready: 1/1\n\
             Step 2/3 02-migrate.yaml — In progress\nFRAME\n\
             Step 3/3 03-app/ — not started"
        );
        // On a short terminal the ended steps shrink to their headings.
        assert_eq!(
            view.frame("FRAME", 5),
            "Step 1/3 01-db/ — Success (12.3s)\n\
             Step 2/3 02-migrate.yaml — In progress\nFRAME\n\
             Step 3/3 03-app/ — not started"
        );
    }

    #[test]
    fn plain_lines_say_when_each_step_starts_and_ends() {
        let sections = sections();
        assert_eq!(
            started_line(2, 3, "02-migrate.yaml"),
            "step 2/3 02-migrate.yaml: applying"
        );
        assert_eq!(
            ended_line(&sections[0]),
            "step 1/3 01-db/: Success after 12.3s"
        );
        assert_eq!(
            ended_line(&sections[1]),
            "step 2/3 02-migrate.yaml: Error after 8.3s: 1 object in Error: Deployment/migrate -n shop"
        );
    }

    #[test]
    fn the_report_has_one_entry_per_step() {
        let value = serde_json::to_value(reports(&sections())).unwrap();
        let text = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(
            text,
            r#"[
  {
    "elapsedSeconds": 12.3,
    "index": 1,
    "name": "01-db/",
    "objects": [
      {
        "apiGroup": "apps",
        "kind": "StatefulSet",
        "message": "Ready: 1/1",
        "name": "db",
        "namespace": "shop",
        "status": "Success"
      }
    ],
    "outcome": "Success",
    "reason": "all 1 object(s) held Success for 2s"
  },
  {
    "elapsedSeconds": 8.3,
    "index": 2,
    "name": "02-migrate.yaml",
    "objects": [
      {
        "apiGroup": "",
        "kind": "ConfigMap",
        "message": "Created",
        "name": "migrate",
        "namespace": "shop",
        "status": "Success"
      },
      {
        "apiGroup": "apps",
        "kind": "Deployment",
        "message": "1/1 pods: CrashLoopBackOff (exit 1)",
        "name": "migrate",
        "namespace": "shop",
        "status": "Error"
      }
    ],
    "outcome": "Error",
    "reason": "1 object in Error: Deployment/migrate -n shop"
  },
  {
    "elapsedSeconds": 0.0,
    "index": 3,
    "name": "03-app/",
    "objects": [],
    "outcome": "NotStarted",
    "reason": "step 2/3 02-migrate.yaml ended in Error"
  }
]"#
        );
    }

    #[test]
    fn junit_has_one_test_suite_per_step_and_skips_steps_not_started() {
        let xml = junit_report(&sections(), &[]);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(
            (
                root.attribute("tests"),
                root.attribute("failures"),
                root.attribute("skipped")
            ),
            (Some("4"), Some("1"), Some("1"))
        );
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        let summary: Vec<(&str, &str, &str, usize)> = suites
            .iter()
            .map(|s| {
                (
                    s.attribute("name").unwrap(),
                    s.attribute("failures").unwrap(),
                    s.attribute("skipped").unwrap(),
                    s.children().filter(|c| c.has_tag_name("testcase")).count(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("01-db/", "0", "0", 1),
                ("02-migrate.yaml", "1", "0", 2),
                ("03-app/", "0", "1", 1)
            ]
        );
        let skipped = suites[2]
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .unwrap();
        assert_eq!(skipped.attribute("name"), Some("shop/Deployment/web"));
        assert!(skipped.children().any(|c| c.has_tag_name("skipped")));
        let outcome = suites[2]
            .descendants()
            .find(|n| n.attribute("name") == Some("kstatus.step.outcome"))
            .and_then(|n| n.attribute("value"));
        assert_eq!(outcome, Some("NotStarted"));
    }

    #[test]
    fn the_step_summary_has_a_section_per_step() {
        let text = step_summary(
            "apply",
            &sections(),
            RunOutcome::Error,
            "step 2/3 02-migrate.yaml: 1 object in Error",
            Duration::from_secs(21),
        );
        assert!(
            text.starts_with(
                "### ❌ kstatus apply: Error\n\nstep 2/3 02-migrate.yaml: 1 object in Error (after 21.0s)\n\n\
                 #### Step 1/3 01-db/ — Success (12.3s)\n\n| Object | Namespace | Status | Message |\n"
            ),
            "{text}"
        );
        assert!(
            text.ends_with("#### Step 3/3 03-app/ — not started\n\n"),
            "{text}"
        );
    }

    #[test]
    fn step_events_follow_the_event_shapes() {
        assert_eq!(
            event("01-db/", 1, 3, "started", "T1", Duration::from_millis(250)),
            r#"{"elapsedSeconds":0.25,"index":1,"state":"started","step":"01-db/","time":"T1","total":3,"type":"step"}"#
        );
    }
}
