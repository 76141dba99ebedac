//! Failure cards: for each object in Error or Timed out, the chain down to the failing
//! container, its state, recent Warning events and the last lines of its log.

use serde::Serialize;

use super::redact::Redactor;
use super::theme::Theme;
use super::{object_name, table::message_of};
use crate::engine::{ContainerState, TrackedObject};

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

/// Renders one card; every line is redacted.
pub fn failure_card(failure: &Failure, theme: &Theme, redactor: &Redactor) -> String {
    let object = &failure.object;
    let mut out = Vec::new();
    let namespace = super::namespace_suffix(&object.key);
    out.push(format!(
        "{} {}{namespace}: {}",
        theme.paint(theme.error, "✗"),
        theme.paint(theme.bold, &object_name(&object.key)),
        theme.paint(
            theme.status_style(object.status.status),
            object.status.status.as_str()
        ),
    ));
    out.push(format!("  reason:     {}", message_of(object)));

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
            out.push(format!("  chain:      {}", parts.join(" → ")));
        }
        if let Some(c) = &chain.container {
            let state = match c.state {
                ContainerState::Waiting => "waiting",
                ContainerState::Running => "running",
                ContainerState::Terminated => "terminated",
                ContainerState::Unknown => "unknown",
            };
            let mut line = format!("  container:  {state}");
            if let Some(reason) = &c.reason {
                line.push_str(&format!(": {reason}"));
            }
            if let Some(message) = c.message.as_deref().filter(|m| !m.is_empty()) {
                line.push_str(&format!(" — {message}"));
            }
            out.push(line);
            let mut facts = Vec::new();
            if let Some(code) = c.exit_code {
                facts.push(format!("exit code {code}"));
            }
            if let Some(last) = &c.last_termination_reason {
                facts.push(format!("last termination: {last}"));
            }
            facts.push(format!("restarts: {}", c.restart_count));
            facts.push(format!("ready: {}", c.ready));
            out.push(format!("              {}", facts.join(", ")));
        }
    }
    if !failure.events.is_empty() {
        out.push("  events:".into());
        for event in &failure.events {
            let count = if event.count > 1 {
                format!(" (x{})", event.count)
            } else {
                String::new()
            };
            out.push(format!(
                "    {} {}{count}: {}",
                event.object, event.reason, event.message
            ));
        }
    }
    if let Some(log) = &failure.log {
        let which = if log.previous {
            "previous instance of "
        } else {
            ""
        };
        out.push(format!(
            "  log ({which}container \"{}\" in Pod/{}, last {} lines):",
            log.container,
            log.pod,
            log.lines.len()
        ));
        for line in &log.lines {
            out.push(format!("    | {line}"));
        }
    }
    for problem in &failure.gather_errors {
        out.push(format!(
            "  {}",
            theme.paint(theme.dim, &format!("({problem})"))
        ));
    }
    out.iter()
        .map(|line| redactor.redact(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{
        Chain, ChainLink, ChildSummary, ContainerDetail, ContainerRole, Moment, ObjectKey,
        ObjectStatus, Status,
    };

    #[test]
    fn card_shows_chain_container_events_and_log() {
        let container = ContainerDetail {
            name: "web".into(),
            role: ContainerRole::Regular,
            state: ContainerState::Waiting,
            reason: Some("CrashLoopBackOff".into()),
            message: Some("back-off 10s restarting failed container=web".into()),
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
                links: vec![link("ReplicaSet", "web-5d8f"), link("Pod", "web-5d8f-x1")],
                container: Some(container),
            }),
        };
        let failure = Failure {
            object: TrackedObject {
                key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
                status: ObjectStatus::error(
                    "2/2 pods: CrashLoopBackOff (exit 1) in container \"web\"",
                )
                .with_children(children),
                since: Moment::default(),
            },
            events: vec![EventLine {
                object: "Pod/web-5d8f-x1".into(),
                reason: "BackOff".into(),
                message: "Back-off restarting failed container".into(),
                count: 4,
            }],
            log: Some(LogTail {
                pod: "web-5d8f-x1".into(),
                container: "web".into(),
                previous: true,
                lines: vec![
                    "connecting with password hunter22".into(),
                    "panic: cannot connect".into(),
                ],
            }),
            gather_errors: vec![],
        };
        let card = failure_card(
            &failure,
            &Theme::plain(),
            &Redactor::new(vec!["hunter22".into()]),
        );
        assert_eq!(
            card,
            "✗ Deployment/web -n shop: Error\n  \
             reason:     2/2 pods: CrashLoopBackOff (exit 1) in container \"web\"\n  \
             chain:      Deployment/web → ReplicaSet/web-5d8f → Pod/web-5d8f-x1 → container \"web\"\n  \
             container:  waiting: CrashLoopBackOff — back-off 10s restarting failed container=web\n              \
             exit code 1, last termination: Error, restarts: 3, ready: false\n  \
             events:\n    \
             Pod/web-5d8f-x1 BackOff (x4): Back-off restarting failed container\n  \
             log (previous instance of container \"web\" in Pod/web-5d8f-x1, last 2 lines):\n    \
             | connecting with password [redacted]\n    \
             | panic: cannot connect"
        );
    }
}
