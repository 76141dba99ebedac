//! Failure cards: for each object in Error or Timed out, the chain down to the failing
//! container, its state, recent Warning events and the last lines of its log, wrapped to the
//! terminal's width when there is one.

use serde::Serialize;

use super::theme::Theme;
use super::{object_name, table::message_of};
use crate::engine::{ContainerState, TrackedObject};
use crate::manifest::Origin;

/// A Warning event about an object of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventLine {
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
}

/// The tail of a container's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTail {
    pub pod: String,
    pub container: String,
    /// True when these lines are from the instance before the last restart.
    pub previous: bool,
    pub lines: Vec<String>,
}

/// What was gathered about one failing object.
#[derive(Debug, Clone)]
pub struct Failure {
    pub object: TrackedObject,
    pub events: Vec<EventLine>,
    pub log: Option<LogTail>,
    /// Why events or logs could not be read, if they could not.
    pub gather_errors: Vec<String>,
}

/// Renders one card; every line is redacted. With a `width` (a terminal), lines wrap at spaces
/// with a hanging indent under their value, as the table wraps its messages; log lines stay
/// whole, as the container wrote them.
pub fn failure_card(
    failure: &Failure,
    origin: Option<&Origin>,
    theme: &Theme,
    width: Option<u16>,
) -> String {
    let object = &failure.object;
    let reason = message_of(object);
    let mut out = Vec::new();
    let namespace = super::namespace_suffix(&object.key);
    out.push(CardLine::new(
        "",
        format!(
            "{} {}{namespace}: {}",
            theme.paint(theme.error, "✗"),
            theme.paint(theme.bold, &object_name(&object.key)),
            theme.paint(
                theme.status_style(object.status.status),
                object.status.status.as_str()
            ),
        ),
        2,
    ));
    if let Some(origin) = origin {
        out.push(CardLine::labelled("manifest", origin.to_string()));
    }
    out.push(CardLine::labelled("reason", reason.clone()));

    let worst = object
        .status
        .children
        .as_ref()
        .and_then(|c| c.worst.as_ref());
    if let Some(chain) = worst {
        let mut parts = vec![object_name(&object.key)];
        parts.extend(chain.links.iter().map(|l| format!("{}/{}", l.kind, l.name)));
        if let Some(container) = &chain.container {
            parts.push(format!("container \"{}\"", container.name));
        }
        if parts.len() > 1 {
            out.push(CardLine::labelled("chain", parts.join(" → ")));
        }
        if let Some(c) = &chain.container {
            let state = match c.state {
                ContainerState::Waiting => "waiting",
                ContainerState::Running => "running",
                ContainerState::Terminated => "terminated",
                ContainerState::Unknown => "unknown",
            };
            let mut line = state.to_string();
            if let Some(reason) = &c.reason {
                line.push_str(&format!(": {reason}"));
            }
            // The kubelet's sentence is usually in the reason already; say it once.
            if let Some(message) = c
                .message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty() && !reason.contains(m))
            {
                line.push_str(&format!(" — {message}"));
            }
            out.push(CardLine::labelled("container", line));
            let mut facts = Vec::new();
            if let Some(code) = c.exit_code {
                facts.push(format!("exit code {code}"));
            }
            if let Some(last) = &c.last_termination_reason {
                facts.push(format!("last termination: {last}"));
            }
            facts.push(format!("restarts: {}", c.restart_count));
            facts.push(format!("ready: {}", c.ready));
            out.push(CardLine::new(
                LABEL_INDENT,
                facts.join(", "),
                LABEL_INDENT.len(),
            ));
        }
    }
    let events = merge_repeats(&failure.events);
    if !events.is_empty() {
        out.push(CardLine::new("  ", "events:".into(), 4));
        for event in &events {
            let count = if event.count > 1 {
                format!(" (x{})", event.count)
            } else {
                String::new()
            };
            out.push(CardLine::new(
                "    ",
                format!(
                    "{} {}{count}: {}",
                    event.object, event.reason, event.message
                ),
                6,
            ));
        }
    }
    let mut log_lines = Vec::new();
    if let Some(log) = &failure.log {
        let which = if log.previous {
            "previous instance of "
        } else {
            ""
        };
        out.push(CardLine::new(
            "  ",
            format!(
                "log ({which}container \"{}\" in Pod/{}, last {} lines):",
                log.container,
                log.pod,
                log.lines.len()
            ),
            4,
        ));
        log_lines = log
            .lines
            .iter()
            .map(|line| format!("    | {line}"))
            .collect();
    }
    let mut text: Vec<String> = out.iter().map(|line| line.render(width)).collect();
    text.extend(log_lines);
    for problem in &failure.gather_errors {
        let problem = CardLine::new("  ", theme.paint(theme.dim, &format!("({problem})")), 3);
        text.push(problem.render(width));
    }
    text.join("\n")
}

/// Where a labelled value starts: `  reason:     ` is as wide.
const LABEL_INDENT: &str = "              ";

/// One line of a card: `lead` (indent and label) and its text; continuation lines are indented
/// by `hang` columns.
struct CardLine {
    lead: String,
    text: String,
    hang: usize,
}

impl CardLine {
    fn new(lead: &str, text: String, hang: usize) -> CardLine {
        CardLine {
            lead: lead.to_string(),
            text,
            hang,
        }
    }

    /// `  reason:     text`, the value aligned with the other labelled values.
    fn labelled(label: &str, text: String) -> CardLine {
        let lead = format!(
            "  {:<width$}",
            format!("{label}:"),
            width = LABEL_INDENT.len() - 2
        );
        CardLine::new(&lead, text, LABEL_INDENT.len())
    }

    /// Breaks only at spaces, so names and image references stay whole (the redactor finds a
    /// value a break fell into: only a line break and indentation come between its parts).
    fn render(&self, width: Option<u16>) -> String {
        let text = &self.text;
        let Some(width) = width.filter(|_| !text.is_empty()) else {
            return format!("{}{text}", self.lead);
        };
        let hang = " ".repeat(self.hang);
        let options = textwrap::Options::new(usize::from(width))
            .initial_indent(&self.lead)
            .subsequent_indent(&hang)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        textwrap::fill(text, options)
    }
}

/// Events that say the same thing about the same object, once, with their counts added, in the
/// order they were last seen (the kubelet may record one message as several events).
pub fn merge_repeats(events: &[EventLine]) -> Vec<EventLine> {
    let mut merged: Vec<EventLine> = Vec::new();
    for event in events {
        let mut line = event.clone();
        if let Some(earlier) = merged.iter().position(|m| {
            m.object == event.object && m.reason == event.reason && m.message == event.message
        }) {
            line.count = line.count.max(1) + merged.remove(earlier).count.max(1);
        }
        merged.push(line);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{
        Chain, ChainLink, ChildSummary, ContainerDetail, ContainerRole, Moment, ObjectKey,
        ObjectStatus, Status,
    };
    use crate::render::redact::Redactor;

    const KUBELET: &str =
        "back-off 20s restarting failed container=api pod=api-d467bb477-rvprc_shop(6f1c2a)";

    /// A Deployment whose pod crash-loops; `reason` is the Deployment's message.
    fn crash_loop(reason: &str) -> Failure {
        let container = ContainerDetail {
            name: "api".into(),
            role: ContainerRole::Regular,
            state: ContainerState::Waiting,
            reason: Some("CrashLoopBackOff".into()),
            message: Some(KUBELET.into()),
            exit_code: Some(1),
            last_termination_reason: Some("Error".into()),
            restart_count: 3,
            ready: false,
        };
        let link = |kind: &str, name: &str| ChainLink {
            kind: kind.into(),
            name: name.into(),
            status: Status::Error,
            message: String::new(),
        };
        let children = ChildSummary {
            total: 2,
            succeeded: 0,
            failing: 2,
            worst: Some(Chain {
                links: vec![
                    link("ReplicaSet", "api-d467bb477"),
                    link("Pod", "api-d467bb477-rvprc"),
                ],
                container: Some(container),
            }),
        };
        Failure {
            object: TrackedObject {
                key: ObjectKey::new("apps", "Deployment", Some("shop"), "api"),
                status: ObjectStatus::error(reason).with_children(children).into(),
                since: Moment::default(),
            },
            events: vec![EventLine {
                object: "Pod/api-d467bb477-rvprc".into(),
                reason: "BackOff".into(),
                message: "Back-off restarting failed container".into(),
                count: 4,
            }],
            log: Some(LogTail {
                pod: "api-d467bb477-rvprc".into(),
                container: "api".into(),
                previous: true,
                lines: vec![
                    "connecting with password hunter22".into(),
                    "panic: cannot connect".into(),
                ],
            }),
            gather_errors: vec![],
        }
    }

    fn full_reason() -> String {
        format!(
            "2/2 pods: CrashLoopBackOff (exit 1) in container \"api\" (pod api-d467bb477-rvprc): \
             {KUBELET} (restarts: 3)"
        )
    }

    fn event(reason: &str, message: &str, count: i32) -> EventLine {
        EventLine {
            object: "Pod/api-d467bb477-rvprc".into(),
            reason: reason.into(),
            message: message.into(),
            count,
        }
    }

    #[test]
    fn card_shows_chain_container_events_and_log() {
        let failure = crash_loop("2/2 pods: CrashLoopBackOff (exit 1) in container \"api\"");
        let origin = Origin {
            source: "deploy/api.yaml".into(),
            line: 1,
            document: 1,
            item: None,
        };
        let card = Redactor::new(vec!["hunter22".into()]).redact(&failure_card(
            &failure,
            Some(&origin),
            &Theme::plain(),
            None,
        ));
        assert_eq!(
            card,
            format!(
                "✗ Deployment/api -n shop: Error\n  \
                 manifest:   {origin}\n  \
                 reason:     2/2 pods: CrashLoopBackOff (exit 1) in container \"api\"\n  \
                 chain:      Deployment/api → ReplicaSet/api-d467bb477 → Pod/api-d467bb477-rvprc → container \"api\"\n  \
                 container:  waiting: CrashLoopBackOff — {KUBELET}\n              \
                 exit code 1, last termination: Error, restarts: 3, ready: false\n  \
                 events:\n    \
                 Pod/api-d467bb477-rvprc BackOff (x4): Back-off restarting failed container\n  \
                 log (previous instance of container \"api\" in Pod/api-d467bb477-rvprc, last 2 lines):\n    \
                 | connecting with password [redacted]\n    \
                 | panic: cannot connect"
            )
        );
    }

    #[test]
    fn the_kubelet_sentence_already_in_the_reason_is_not_repeated() {
        let card = failure_card(&crash_loop(&full_reason()), None, &Theme::plain(), None);
        assert_eq!(card.matches(KUBELET).count(), 1, "{card}");
        assert!(
            card.contains("\n  container:  waiting: CrashLoopBackOff\n"),
            "{card}"
        );
    }

    #[test]
    fn identical_events_are_shown_once_with_their_counts_added_in_order_of_last_seen() {
        let mut failure = crash_loop("CrashLoopBackOff");
        failure.events = vec![
            event("BackOff", "Back-off restarting failed container", 2),
            event("Unhealthy", "Readiness probe failed: no", 1),
            event("BackOff", "Back-off restarting failed container", 3),
            event("Failed", "Error: exit 1", 1),
        ];
        let card = failure_card(&failure, None, &Theme::plain(), None);
        let events: Vec<&str> = card
            .lines()
            .skip_while(|l| *l != "  events:")
            .skip(1)
            .take_while(|l| l.starts_with("    Pod/"))
            .collect();
        assert_eq!(
            events,
            [
                "    Pod/api-d467bb477-rvprc Unhealthy: Readiness probe failed: no",
                "    Pod/api-d467bb477-rvprc BackOff (x5): Back-off restarting failed container",
                "    Pod/api-d467bb477-rvprc Failed: Error: exit 1",
            ]
        );
        // The report lists the same merged events.
        assert_eq!(merge_repeats(&failure.events).len(), 3);
    }

    #[test]
    fn on_a_terminal_the_card_wraps_at_spaces_with_a_hanging_indent() {
        let failure = crash_loop(&full_reason());
        let render = |width| {
            Redactor::new(vec!["hunter22".into()]).redact(&failure_card(
                &failure,
                None,
                &Theme::plain(),
                Some(width),
            ))
        };
        assert_eq!(
            render(80),
            "✗ Deployment/api -n shop: Error\n  \
             reason:     2/2 pods: CrashLoopBackOff (exit 1) in container \"api\" (pod\n              \
             api-d467bb477-rvprc): back-off 20s restarting failed container=api\n              \
             pod=api-d467bb477-rvprc_shop(6f1c2a) (restarts: 3)\n  \
             chain:      Deployment/api → ReplicaSet/api-d467bb477 →\n              \
             Pod/api-d467bb477-rvprc → container \"api\"\n  \
             container:  waiting: CrashLoopBackOff\n              \
             exit code 1, last termination: Error, restarts: 3, ready: false\n  \
             events:\n    \
             Pod/api-d467bb477-rvprc BackOff (x4): Back-off restarting failed container\n  \
             log (previous instance of container \"api\" in Pod/api-d467bb477-rvprc, last 2\n    \
             lines):\n    \
             | connecting with password [redacted]\n    \
             | panic: cannot connect"
        );
        assert!(render(80).lines().all(|l| l.chars().count() <= 80));
        assert_eq!(
            render(120),
            "✗ Deployment/api -n shop: Error\n  \
             reason:     2/2 pods: CrashLoopBackOff (exit 1) in container \"api\" (pod api-d467bb477-rvprc): back-off 20s restarting\n              \
             failed container=api pod=api-d467bb477-rvprc_shop(6f1c2a) (restarts: 3)\n  \
             chain:      Deployment/api → ReplicaSet/api-d467bb477 → Pod/api-d467bb477-rvprc → container \"api\"\n  \
             container:  waiting: CrashLoopBackOff\n              \
             exit code 1, last termination: Error, restarts: 3, ready: false\n  \
             events:\n    \
             Pod/api-d467bb477-rvprc BackOff (x4): Back-off restarting failed container\n  \
             log (previous instance of container \"api\" in Pod/api-d467bb477-rvprc, last 2 lines):\n    \
             | connecting with password [redacted]\n    \
             | panic: cannot connect"
        );
    }

    #[test]
    fn wrapping_never_splits_a_secret_out_of_reach_of_the_redactor() {
        let failure = crash_loop("connection to db failed with password correct-horse-battery");
        let card = failure_card(&failure, None, &Theme::plain(), Some(60));
        let card = Redactor::new(vec!["password correct-horse-battery".into()]).redact(&card);
        assert!(!card.contains("correct-horse"), "{card}");
        assert!(card.contains("[redacted]"), "{card}");
    }
}
