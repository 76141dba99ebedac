//! JUnit XML: one test case per tracked object, failures carrying the reason and failure card,
//! for CI systems that display test reports.

use super::card::{Failure, failure_card};
use super::object_name;
use super::table::message_of;
use super::theme::Theme;
use crate::engine::{ObjectKey, Snapshot, Status, TrackedObject};

/// The report for one run of `kstatus <command>`.
pub fn report(command: &str, snapshot: &Snapshot, failures: &[Failure]) -> String {
    report_with_output(command, snapshot, failures, &[])
}

/// The report, with a `<system-out>` for the objects that have one (a Secret's fingerprints).
pub fn report_with_output(
    command: &str,
    snapshot: &Snapshot,
    failures: &[Failure],
    system_out: &[(ObjectKey, String)],
) -> String {
    let total = snapshot.objects.len();
    let failed = snapshot
        .objects
        .iter()
        .filter(|o| o.status.status != Status::Success)
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
    out.push_str(&testcases(&snapshot.objects, failures, system_out, seconds));
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One test case per object, a failure for each not in Success; `system_out` per object where
/// it has one (a Secret's fingerprints).
pub(super) fn testcases(
    objects: &[TrackedObject],
    failures: &[Failure],
    system_out: &[(ObjectKey, String)],
    seconds: f64,
) -> String {
    let mut out = String::new();
    for object in objects {
        let name = case_name(&object.key);
        let classname = classname(&object.key);
        let attributes = format!(
            "classname=\"{}\" name=\"{}\" time=\"{seconds:.3}\"",
            escape(&classname),
            escape(&name)
        );
        let system_out = system_out
            .iter()
            .find(|(key, _)| *key == object.key)
            .map(|(_, text)| format!("      <system-out>{}</system-out>\n", escape(text)))
            .unwrap_or_default();
        if object.status.status == Status::Success {
            if system_out.is_empty() {
                out.push_str(&format!("    <testcase {attributes}/>\n"));
            } else {
                out.push_str(&format!(
                    "    <testcase {attributes}>\n{system_out}    </testcase>\n"
                ));
            }
            continue;
        }
        let message = message_of(object);
        let body = failures
            .iter()
            .find(|f| f.object.key == object.key)
            .map(|f| failure_card(f, None, &Theme::plain(), None))
            .unwrap_or_else(|| message.clone());
        let kind = match object.status.status {
            Status::Error => "Error",
            Status::TimedOut => "TimedOut",
            _ => "InProgress",
        };
        out.push_str(&format!(
            "    <testcase {attributes}>\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n{system_out}    </testcase>\n",
            escape(&message),
            escape(&body)
        ));
    }
    out
}

/// `shop/Deployment/web`
pub(super) fn case_name(key: &ObjectKey) -> String {
    match &key.namespace {
        Some(ns) => format!("{ns}/{}", object_name(key)),
        None => object_name(key),
    }
}

/// `Deployment.apps`
pub(super) fn classname(key: &ObjectKey) -> String {
    if key.group.is_empty() {
        key.kind.to_string()
    } else {
        format!("{}.{}", key.kind, key.group)
    }
}

pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{Moment, ObjectKey, ObjectStatus, TrackedObject};

    #[test]
    fn one_case_per_object_with_failures_escaped() {
        let snapshot = Snapshot {
            at: Moment(Duration::from_millis(1500)),
            objects: vec![
                TrackedObject {
                    key: ObjectKey::new("", "ConfigMap", Some("shop"), "settings"),
                    status: ObjectStatus::success("Created").into(),
                    since: Moment::default(),
                },
                TrackedObject {
                    key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
                    status: ObjectStatus::error(
                        "CrashLoopBackOff in container \"web\" <pid 1> & more",
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
        };
        let xml = report("apply", &snapshot, &[]);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuites name=\"kstatus\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"1.500\">\n  \
             <testsuite name=\"kstatus apply\" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"1.500\">\n    \
             <testcase classname=\"ConfigMap\" name=\"shop/ConfigMap/settings\" time=\"1.500\"/>\n    \
             <testcase classname=\"Deployment.apps\" name=\"shop/Deployment/web\" time=\"1.500\">\n      \
             <failure type=\"Error\" message=\"CrashLoopBackOff in container &quot;web&quot; &lt;pid 1&gt; &amp; more\">\
             CrashLoopBackOff in container &quot;web&quot; &lt;pid 1&gt; &amp; more</failure>\n    \
             </testcase>\n  </testsuite>\n</testsuites>\n"
        );
        let key = ObjectKey::new("", "ConfigMap", Some("shop"), "settings");
        let xml = report_with_output(
            "apply",
            &snapshot,
            &[],
            &[(
                key,
                "Updated: a changed\na sha256:0123456789ab changed\n".into(),
            )],
        );
        assert!(
            xml.contains(
                "<testcase classname=\"ConfigMap\" name=\"shop/ConfigMap/settings\" time=\"1.500\">\n      \
                 <system-out>Updated: a changed\na sha256:0123456789ab changed\n</system-out>\n    \
                 </testcase>\n"
            ),
            "{xml}"
        );
    }
}
