//! What is shown of followed pod logs (`--logs`): each line once (by the kubelet's timestamp,
//! across the readings of a restarted container), cut at 1 KiB, within the volume limits, in
//! the `Pod/NAME CONTAINER | line` form; and what the limits dropped.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::engine::logs::LogLine;

/// Longest line shown, in bytes; longer lines are cut on a character boundary and marked.
pub const LINE_BYTES: usize = 1024;
/// The mark at the end of a cut line.
pub const CUT_MARK: &str = " …[cut]";
/// Lines shown per container instance (one run of a container, until it restarts).
pub const INSTANCE_LINES: usize = 100;
/// Lines shown per run, all pods together.
pub const RUN_LINES: usize = 1000;

/// A log line as it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownLine {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub timestamp: Option<jiff::Timestamp>,
    /// Redacted, cleaned of terminal control sequences, cut.
    pub text: String,
}

impl ShownLine {
    /// `Pod/web-7c9d-x2x web | listening on :8080`
    pub fn plain(&self) -> String {
        format!("Pod/{} {} | {}", self.pod, self.container, self.text)
    }
}

/// What a line read from a log turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    Line(ShownLine),
    /// A limit was reached: said once, as a progress note.
    Notice(String),
}

/// Remembers what was shown of each container's log and how much, for the whole run.
#[derive(Debug, Default)]
pub struct LogBook {
    containers: HashMap<(String, String), ContainerBook>,
    shown: usize,
    run_dropped: usize,
}

#[derive(Debug, Default)]
struct ContainerBook {
    namespace: String,
    pod: String,
    /// Timestamp of the newest line taken (shown or dropped by a limit).
    last: Option<jiff::Timestamp>,
    /// The reading that took the last line: later lines of the same reading are new lines,
    /// whatever their timestamp (stdout and stderr are stamped apart and may reach the log
    /// file out of order), not a repeat.
    last_reading: Option<u64>,
    shown_per_instance: HashMap<i64, usize>,
    dropped: usize,
    /// The newest instance that lost lines to the per-instance limit.
    dropped_instance: Option<i64>,
}

impl LogBook {
    /// Takes in one line read from a log; `redacted` is its text with the run's secret values
    /// hidden (before it is cut, so a cut never splits a value out of the redactor's reach).
    pub fn admit(&mut self, line: &LogLine, redacted: &str) -> Vec<Admitted> {
        let book = self
            .containers
            .entry((line.uid.clone(), line.container.clone()))
            .or_insert_with(|| ContainerBook {
                namespace: line.namespace.clone(),
                pod: line.pod.clone(),
                ..Default::default()
            });
        if let Some(at) = line.timestamp {
            let same_reading = book.last_reading == Some(line.reading);
            if !same_reading && book.last.is_some_and(|last| at <= last) {
                return Vec::new();
            }
            book.last = Some(book.last.map_or(at, |last| last.max(at)));
            book.last_reading = Some(line.reading);
        }
        if self.shown >= RUN_LINES {
            self.run_dropped += 1;
            if self.run_dropped > 1 {
                return Vec::new();
            }
            return vec![Admitted::Notice(format!(
                "pod logs: the limit of {RUN_LINES} lines per run is reached; further log lines \
                 are dropped (kubectl logs has them)"
            ))];
        }
        let shown = book.shown_per_instance.entry(line.instance).or_default();
        if *shown >= INSTANCE_LINES {
            book.dropped += 1;
            if book.dropped_instance.replace(line.instance) == Some(line.instance) {
                return Vec::new();
            }
            return vec![Admitted::Notice(format!(
                "Pod/{} {}: the limit of {INSTANCE_LINES} log lines per container instance is \
                 reached; further lines of this instance are dropped ({} has them)",
                line.pod,
                line.container,
                kubectl_logs(&line.namespace, &line.pod, &line.container)
            ))];
        }
        *shown += 1;
        self.shown += 1;
        vec![Admitted::Line(ShownLine {
            namespace: line.namespace.clone(),
            pod: line.pod.clone(),
            container: line.container.clone(),
            timestamp: line.timestamp,
            text: cut(&clean(redacted), line.cut),
        })]
    }

    /// At the end of the run: how many lines the limits dropped, and where they are.
    pub fn summary(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .containers
            .iter()
            .filter(|(_, book)| book.dropped > 0)
            .map(|((_, container), book)| {
                format!(
                    "Pod/{} {container}: {} log line{} dropped (limit of {INSTANCE_LINES} per \
                     container instance); {} has them",
                    book.pod,
                    book.dropped,
                    plural(book.dropped),
                    kubectl_logs(&book.namespace, &book.pod, container)
                )
            })
            .collect();
        lines.sort();
        if self.run_dropped > 0 {
            lines.push(format!(
                "pod logs: {} line{} dropped after the limit of {RUN_LINES} per run; kubectl \
                 logs has them",
                self.run_dropped,
                plural(self.run_dropped)
            ));
        }
        lines
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn kubectl_logs(namespace: &str, pod: &str, container: &str) -> String {
    format!("kubectl logs -n {namespace} {pod} -c {container}")
}

/// The text cut to [`LINE_BYTES`] on a character boundary, marked when anything was cut
/// (here, or already when it was read: `cut_before`).
pub fn cut(text: &str, cut_before: bool) -> String {
    if text.len() <= LINE_BYTES && !cut_before {
        return text.to_string();
    }
    let mut end = text.len().min(LINE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT_MARK}", &text[..end])
}

/// Terminal escape sequences (colours, cursor moves) removed and other control characters
/// replaced, so a container cannot redraw the terminal or forge kstatus's own lines.
fn clean(text: &str) -> String {
    static ESCAPES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
            .expect("a valid pattern")
    });
    ESCAPES
        .replace_all(text, "")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: i32) -> Option<jiff::Timestamp> {
        Some(jiff::Timestamp::new(1_700_000_000 + seconds, nanos).unwrap())
    }

    fn line(
        instance: i64,
        reading: u64,
        timestamp: Option<jiff::Timestamp>,
        text: &str,
    ) -> LogLine {
        LogLine {
            namespace: "shop".into(),
            pod: "web-1".into(),
            uid: "uid-1".into(),
            container: "app".into(),
            instance,
            reading,
            timestamp,
            text: text.into(),
            cut: false,
        }
    }

    fn shown(admitted: Vec<Admitted>) -> Vec<String> {
        admitted
            .into_iter()
            .map(|a| match a {
                Admitted::Line(line) => line.plain(),
                Admitted::Notice(notice) => format!("note: {notice}"),
            })
            .collect()
    }

    fn admit(book: &mut LogBook, line: LogLine) -> Vec<String> {
        let text = line.text.clone();
        shown(book.admit(&line, &text))
    }

    #[test]
    fn a_second_reading_of_a_restarted_container_prints_only_what_is_new() {
        let mut book = LogBook::default();
        assert_eq!(
            admit(&mut book, line(0, 1, at(1, 5), "start 1")),
            ["Pod/web-1 app | start 1"]
        );
        assert_eq!(admit(&mut book, line(0, 1, at(2, 0), "crash 1")).len(), 1);
        // Read again while it waits to restart: the same instance, nothing new.
        assert!(admit(&mut book, line(0, 2, at(1, 5), "start 1")).is_empty());
        assert!(admit(&mut book, line(0, 2, at(2, 0), "crash 1")).is_empty());
        // The next instance.
        assert_eq!(
            admit(&mut book, line(1, 3, at(12, 0), "start 2")),
            ["Pod/web-1 app | start 2"]
        );
    }

    #[test]
    fn lines_of_one_reading_with_the_same_timestamp_are_all_shown() {
        let mut book = LogBook::default();
        assert_eq!(admit(&mut book, line(0, 1, at(1, 0), "a")).len(), 1);
        assert_eq!(admit(&mut book, line(0, 1, at(1, 0), "b")).len(), 1);
        assert!(admit(&mut book, line(0, 2, at(1, 0), "b")).is_empty());
        // Without a timestamp nothing can be compared: shown.
        assert_eq!(admit(&mut book, line(0, 2, None, "c")).len(), 1);
    }

    #[test]
    fn a_line_of_one_reading_stamped_before_the_previous_one_is_shown() {
        // stdout's line stamped first, stderr's line written to the log file first.
        let mut book = LogBook::default();
        assert_eq!(
            admit(&mut book, line(0, 1, at(1, 900), "giving up")).len(),
            1
        );
        assert_eq!(
            admit(&mut book, line(0, 1, at(1, 500), "connecting")),
            ["Pod/web-1 app | connecting"]
        );
        // A second reading of the instance repeats both: neither is shown again.
        assert!(admit(&mut book, line(0, 2, at(1, 900), "giving up")).is_empty());
        assert!(admit(&mut book, line(0, 2, at(1, 500), "connecting")).is_empty());
        assert_eq!(admit(&mut book, line(0, 2, at(2, 0), "later")).len(), 1);
    }

    #[test]
    fn other_containers_keep_their_own_timestamps() {
        let mut book = LogBook::default();
        assert_eq!(admit(&mut book, line(0, 1, at(5, 0), "app")).len(), 1);
        let mut sidecar = line(0, 2, at(1, 0), "sidecar");
        sidecar.container = "proxy".into();
        assert_eq!(admit(&mut book, sidecar), ["Pod/web-1 proxy | sidecar"]);
    }

    #[test]
    fn long_lines_are_cut_at_1_kib_on_a_character_boundary() {
        let long = "é".repeat(600); // 1200 bytes
        let text = cut(&long, false);
        assert!(text.ends_with(" …[cut]"), "{text}");
        let kept = text.strip_suffix(CUT_MARK).unwrap();
        assert_eq!(kept.len(), 1024);
        assert_eq!(cut(&"x".repeat(1024), false), "x".repeat(1024));
        assert_eq!(cut("short", true), "short …[cut]");
    }

    #[test]
    fn a_value_is_redacted_before_the_line_is_cut() {
        let mut book = LogBook::default();
        let secret = "s3cret-value";
        let raw = format!("{}{secret}", "x".repeat(1020));
        let redactor = crate::render::redact::Redactor::new(vec![secret.into()]);
        let admitted = book.admit(&line(0, 1, at(1, 0), &raw), &redactor.redact(&raw));
        let [Admitted::Line(shown)] = &admitted[..] else {
            panic!("{admitted:?}")
        };
        assert!(!shown.text.contains("s3cr"), "{}", shown.text);
        assert!(shown.text.ends_with("xxxx[red …[cut]"), "{}", shown.text);
    }

    #[test]
    fn terminal_escapes_are_removed() {
        assert_eq!(clean("\x1b[31mred\x1b[0m\ttab\rx"), "red\ttab\u{fffd}x");
    }

    #[test]
    fn an_instance_shows_100_lines_then_says_once_that_the_rest_is_dropped() {
        let mut book = LogBook::default();
        for i in 0..100 {
            assert_eq!(admit(&mut book, line(0, 1, at(i, 0), "chatter")).len(), 1);
        }
        assert_eq!(
            admit(&mut book, line(0, 1, at(100, 0), "chatter")),
            [
                "note: Pod/web-1 app: the limit of 100 log lines per container instance is \
                 reached; further lines of this instance are dropped (kubectl logs -n shop web-1 \
                 -c app has them)"
            ]
        );
        assert!(admit(&mut book, line(0, 1, at(101, 0), "chatter")).is_empty());
        // The next instance starts afresh.
        assert_eq!(
            admit(&mut book, line(1, 2, at(200, 0), "start 2")),
            ["Pod/web-1 app | start 2"]
        );
        assert_eq!(
            book.summary(),
            [
                "Pod/web-1 app: 2 log lines dropped (limit of 100 per container instance); \
                 kubectl logs -n shop web-1 -c app has them"
            ]
        );
    }

    #[test]
    fn a_run_shows_1000_lines_in_all() {
        let mut book = LogBook::default();
        let mut notices = 0;
        let mut lines = 0;
        for pod in 0..12 {
            for i in 0..100 {
                let mut l = line(0, pod, at(i, 0), "x");
                l.uid = format!("uid-{pod}");
                for admitted in book.admit(&l, "x") {
                    match admitted {
                        Admitted::Line(_) => lines += 1,
                        Admitted::Notice(_) => notices += 1,
                    }
                }
            }
        }
        assert_eq!((lines, notices), (1000, 1));
        assert_eq!(
            book.summary(),
            ["pod logs: 200 lines dropped after the limit of 1000 per run; kubectl logs has them"]
        );
    }
}
