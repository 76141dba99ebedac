//! The status table: one row per tracked object, kubectl-style columns, pure text.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};

use super::theme::Theme;
use crate::engine::{Status, TrackedObject};

/// How to lay the table out.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// Wrap messages to this width; None leaves lines whole (logs, pipes).
    pub width: Option<u16>,
    /// Spinner frame shown before the status of objects still in progress (live view).
    pub spinner: Option<char>,
}

/// Renders the objects as a table with OBJECT, [NAMESPACE,] STATUS and MESSAGE columns. The
/// namespace column appears only when objects span several namespaces.
pub fn status_table(objects: &[TrackedObject], theme: &Theme, options: TableOptions) -> String {
    let namespaces: std::collections::BTreeSet<_> = objects
        .iter()
        .filter_map(|o| o.key.namespace.as_deref())
        .collect();
    let show_namespace = namespaces.len() > 1;

    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.force_no_tty();
    match options.width {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    let mut header = vec!["OBJECT"];
    if show_namespace {
        header.push("NAMESPACE");
    }
    header.extend(["STATUS", "MESSAGE"]);
    table.set_header(header);

    for object in objects {
        let mut row = vec![super::object_name(&object.key)];
        if show_namespace {
            row.push(object.key.namespace.as_deref().unwrap_or("-").to_string());
        }
        let status_text = match (options.spinner, object.status.status) {
            (Some(frame), Status::InProgress) => format!("{frame} {}", object.status.status),
            _ => object.status.status.to_string(),
        };
        row.push(theme.paint(theme.status_style(object.status.status), &status_text));
        row.push(message_of(object));
        table.add_row(row);
    }
    let message_column = table.column_count() - 1;
    for (index, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, 2));
        // Only the message wraps: a value wrapped over lines whose other columns are blank is
        // still found by the redactor (and names stay whole, as kubectl prints them).
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

/// The message column: the status message with the supporting detail and note.
pub fn message_of(object: &TrackedObject) -> String {
    let status = &object.status;
    let mut message = status.message.clone();
    if let Some(detail) = &status.detail
        && !message.contains(&detail.to_string())
    {
        message = if message.is_empty() {
            detail.to_string()
        } else {
            format!("{message} ({detail})")
        };
    }
    if let Some(note) = &status.note {
        message = format!("{message}; {note}");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Detail, Moment, ObjectKey, ObjectStatus};

    fn object(kind: &str, ns: &str, name: &str, status: ObjectStatus) -> TrackedObject {
        TrackedObject {
            key: ObjectKey::new(
                if kind == "Deployment" { "apps" } else { "" },
                kind,
                Some(ns),
                name,
            ),
            status: status.into(),
            since: Moment::default(),
        }
    }

    fn sample() -> Vec<TrackedObject> {
        vec![
            object(
                "ConfigMap",
                "shop",
                "settings",
                ObjectStatus::success("Resource is current"),
            ),
            object(
                "Deployment",
                "shop",
                "web",
                ObjectStatus::error(
                    "1/3 pods: CrashLoopBackOff (exit 1) in container \"web\": back-off 10s restarting failed container",
                ),
            ),
            object(
                "Service",
                "shop",
                "db",
                ObjectStatus::in_progress("").with_detail(Detail::NotFound),
            ),
        ]
    }

    #[test]
    fn a_message_wrapped_to_the_terminal_is_still_redacted() {
        let secrets = ["correct horse battery", "AKIAIOSFODNN7EXAMPLEKEY"];
        let objects = vec![object(
            "Deployment",
            "shop",
            "a-rather-long-deployment-name",
            ObjectStatus::error(
                "login failed for password correct horse battery staple with key \
                 AKIAIOSFODNN7EXAMPLEKEY rejected",
            ),
        )];
        let redactor = crate::render::redact::Redactor::new(secrets.map(String::from).to_vec());
        for width in [30, 40, 50, 60, 80] {
            let options = TableOptions {
                width: Some(width),
                spinner: None,
            };
            let table = status_table(&objects, &Theme::plain(), options);
            let redacted = redactor.redact(&table);
            for part in ["horse", "battery", "AKIA", "EXAMPLE"] {
                assert!(
                    !redacted.contains(part),
                    "width {width}:\n{table}\n{redacted}"
                );
            }
        }
    }

    #[test]
    fn plain_table_snapshot() {
        let text = status_table(&sample(), &Theme::plain(), TableOptions::default());
        assert_eq!(
            text,
            "OBJECT              STATUS       MESSAGE\n\
             ConfigMap/settings  Success      Resource is current\n\
             Deployment/web      Error        1/3 pods: CrashLoopBackOff (exit 1) in container \"web\": back-off 10s restarting failed container\n\
             Service/db          In progress  not found"
        );
    }

    #[test]
    fn namespace_column_appears_for_several_namespaces_and_spinner_marks_progress() {
        let mut objects = sample();
        let key = &objects[0].key;
        objects[0].key = ObjectKey::new(&key.group, &key.kind, Some("other"), &key.name);
        let options = TableOptions {
            width: None,
            spinner: Some('⠋'),
        };
        let text = status_table(&objects, &Theme::plain(), options);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("OBJECT              NAMESPACE  STATUS"),
            "{text}"
        );
        assert!(lines[3].contains("⠋ In progress"), "{text}");
        assert!(!lines[1].contains('⠋'), "{text}");
    }

    #[test]
    fn narrow_width_wraps_messages_and_keeps_columns() {
        let options = TableOptions {
            width: Some(60),
            spinner: None,
        };
        let text = status_table(&sample(), &Theme::plain(), options);
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.lines().count() > 4, "the long message wraps:\n{text}");
    }

    #[test]
    fn messages_are_redacted_and_colour_keeps_alignment() {
        let objects = vec![object(
            "Pod",
            "shop",
            "p",
            ObjectStatus::error("password=hunter22 rejected"),
        )];
        let redactor = crate::render::redact::Redactor::new(vec!["hunter22".into()]);
        let plain = redactor.redact(&status_table(
            &objects,
            &Theme::plain(),
            TableOptions::default(),
        ));
        assert!(plain.contains("password=[redacted] rejected"));
        assert!(!plain.contains("hunter22"));
        let colored = redactor.redact(&status_table(
            &objects,
            &Theme::new(true),
            TableOptions::default(),
        ));
        let strip = |s: &str| {
            let mut out = String::new();
            let mut in_escape = false;
            for c in s.chars() {
                match (in_escape, c) {
                    (false, '\u{1b}') => in_escape = true,
                    (true, 'm') => in_escape = false,
                    (false, c) => out.push(c),
                    _ => {}
                }
            }
            out
        };
        assert_eq!(strip(&colored), plain);
    }
}
