//! The output of `kstatus diff`: unified diffs and one line per new object, then a summary, or
//! the `kstatus.dev/diff/v1` document as JSON or YAML; written to stdout through a `Redacting`
//! writer.

use std::io;

use owo_colors::{OwoColorize, Style};

use super::redact::{Redacting, Redactor};
use super::settings::Format;
use crate::diff::{Change, DiffReport};

/// The report as text: each changed object's diff, a line per new object, and a count.
pub fn text(report: &DiffReport, color: bool) -> String {
    let mut out = String::new();
    for difference in &report.changed {
        match difference.change {
            Change::Changed => out.push_str(&paint_diff(&difference.diff, color)),
            Change::New => {
                out.push_str(&format!("{}: new\n", difference.object.display()));
            }
        }
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// `2 objects differ (1 new, 1 changed), 3 unchanged`, or `no differences (3 objects unchanged)`.
pub fn summary(report: &DiffReport) -> String {
    let plural = |n: usize| if n == 1 { "object" } else { "objects" };
    let unchanged = report.unchanged.len();
    if !report.has_differences() {
        return format!(
            "no differences ({unchanged} {} unchanged)",
            plural(unchanged)
        );
    }
    let new = report
        .changed
        .iter()
        .filter(|d| d.change == Change::New)
        .count();
    let changed = report.changed.len() - new;
    let differ = report.changed.len();
    let verb = if differ == 1 { "differs" } else { "differ" };
    format!(
        "{differ} {} {verb} ({new} new, {changed} changed), {unchanged} unchanged",
        plural(differ)
    )
}

/// Colours a unified diff as `git diff` does: headers bold, hunks cyan, removals red, additions
/// green.
fn paint_diff(diff: &str, color: bool) -> String {
    if !color {
        return diff.to_string();
    }
    let mut out = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let style = if body.starts_with("---") || body.starts_with("+++") {
            Style::new().bold()
        } else if body.starts_with("@@") {
            Style::new().cyan()
        } else if body.starts_with('-') {
            Style::new().red()
        } else if body.starts_with('+') {
            Style::new().green()
        } else {
            Style::new()
        };
        out.push_str(&format!("{}{end}", body.style(style)));
    }
    out
}

/// The report as the `kstatus.dev/diff/v1` document, fields in schema order, every string
/// redacted before it is serialized (a YAML document must quote `[redacted]`).
pub fn document(report: &DiffReport, yaml: bool, redactor: &Redactor) -> String {
    let mut report = report.clone();
    let objects = report
        .changed
        .iter_mut()
        .map(|d| &mut d.object)
        .chain(report.unchanged.iter_mut());
    for object in objects {
        for text in [&mut object.api_group, &mut object.kind, &mut object.name] {
            *text = redactor.redact(text);
        }
        if let Some(namespace) = &mut object.namespace {
            *namespace = redactor.redact(namespace);
        }
    }
    for difference in &mut report.changed {
        difference.diff = redactor.redact(&difference.diff);
        for field in &mut difference.fields {
            *field = redactor.redact(field);
        }
    }
    if yaml {
        serde_saphyr::to_string(&report).expect("the diff report serializes as YAML")
    } else {
        let mut text = serde_json::to_string_pretty(&report).expect("the diff report serializes");
        text.push('\n');
        text
    }
}

/// A line on stderr about what the dry run would do besides changing fields (adopting another
/// manager's fields), kept off stdout so the diff stays a diff.
pub fn note(line: &str, redactor: &Redactor) {
    // Nothing useful is left to do when stderr is gone.
    let _ = Redacting::new(io::stderr(), redactor.clone()).emit(&format!("{line}\n"));
}

/// Writes the report to stdout in `format` (table: the text form).
pub fn print(
    report: &DiffReport,
    format: Format,
    color: bool,
    redactor: &Redactor,
) -> io::Result<()> {
    let text = match format {
        Format::Table => text(report, color),
        Format::Json => document(report, false, redactor),
        Format::Yaml => document(report, true, redactor),
    };
    Redacting::new(io::stdout(), redactor.clone()).emit(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::ObjectRef;
    use serde_json::json;

    fn object(kind: &str, name: &str) -> ObjectRef {
        ObjectRef {
            api_group: String::new(),
            kind: kind.into(),
            namespace: Some("shop".into()),
            name: name.into(),
        }
    }

    fn config_map(name: &str, mode: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "shop", "resourceVersion": "9"},
               "data": {"mode": mode}})
    }

    fn report() -> DiffReport {
        let mut report = DiffReport::new();
        report.add(
            object("ConfigMap", "cfg"),
            Some(config_map("cfg", "slow")),
            config_map("cfg", "fast"),
        );
        report.add(object("ConfigMap", "new"), None, config_map("new", "x"));
        report.add(
            object("ConfigMap", "same"),
            Some(config_map("same", "x")),
            config_map("same", "x"),
        );
        report
    }

    #[test]
    fn text_shows_diffs_new_objects_and_a_count() {
        assert_eq!(
            text(&report(), false),
            "--- ConfigMap/cfg -n shop (live)\n\
             +++ ConfigMap/cfg -n shop (after apply)\n\
             @@ -1,6 +1,6 @@\n \
             apiVersion: v1\n \
             data:\n\
             -  mode: slow\n\
             +  mode: fast\n \
             kind: ConfigMap\n \
             metadata:\n   \
               name: cfg\n\
             ConfigMap/new -n shop: new\n\
             2 objects differ (1 new, 1 changed), 1 unchanged\n"
        );
    }

    #[test]
    fn no_differences_says_so() {
        let mut report = DiffReport::new();
        report.add(
            object("ConfigMap", "same"),
            Some(config_map("same", "x")),
            config_map("same", "x"),
        );
        assert_eq!(
            text(&report, false),
            "no differences (1 object unchanged)\n"
        );
    }

    #[test]
    fn colour_marks_removals_and_additions() {
        let painted = text(&report(), true);
        let red = format!("{}", "-  mode: slow".style(Style::new().red()));
        let green = format!("{}", "+  mode: fast".style(Style::new().green()));
        assert!(red.starts_with('\x1b'), "{red:?}");
        assert!(painted.contains(&red), "{painted:?}");
        assert!(painted.contains(&green), "{painted:?}");
    }

    #[test]
    fn the_json_document_is_redacted() {
        let redactor = Redactor::new(vec!["fast".into()]);
        let json = document(&report(), false, &redactor);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["schema"], "kstatus.dev/diff/v1");
        assert_eq!(value["changed"][0]["fields"], json!(["data.mode"]));
        assert_eq!(value["changed"][1]["change"], "new");
        assert_eq!(value["unchanged"][0]["name"], "same");
        assert!(!json.contains("fast"));
        assert!(json.contains("[redacted]"));
        assert!(json.starts_with("{\n  \"schema\": \"kstatus.dev/diff/v1\",\n  \"changed\""));
        let yaml = document(&report(), true, &redactor);
        assert!(
            yaml.starts_with("schema: kstatus.dev/diff/v1\nchanged:\n"),
            "{yaml}"
        );
        assert!(!yaml.contains("fast"));
        let parsed: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(parsed, value);
    }
}
