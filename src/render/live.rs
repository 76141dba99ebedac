//! The live terminal view on stderr: a header with the application status, elapsed time,
//! countdowns and a lost connection, and the status table with a spinner on each object still in progress, redrawn in
//! place; it ends as a static final table.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::format_duration;
use super::table::{TableOptions, status_table};
use super::theme::Theme;
use crate::engine::Snapshot;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The text of one frame: header line and table.
pub fn frame(snapshot: &Snapshot, theme: &Theme, width: u16, tick: usize) -> String {
    let spinner = SPINNER[tick % SPINNER.len()];
    let mut header = format!(
        "{} application {}  {}",
        spinner,
        theme.paint(
            theme.status_style(snapshot.application),
            snapshot.application.as_str()
        ),
        theme.paint(
            theme.dim,
            &format!("elapsed {}", format_duration(snapshot.at.0))
        ),
    );
    header.push_str(&header_clocks(snapshot, theme));
    let options = TableOptions {
        width: Some(width),
        spinner: Some(spinner),
    };
    format!(
        "{header}\n{}",
        status_table(&snapshot.objects, theme, options)
    )
}

/// What follows the status in a live header: a lost connection, the stabilization window and
/// the deadline, each while it applies.
pub(super) fn header_clocks(snapshot: &Snapshot, theme: &Theme) -> String {
    let mut clocks = String::new();
    if let Some(since) = snapshot.connection.lost_since {
        clocks.push_str(&theme.paint(
            theme.error,
            &format!(
                "  connection to the API server lost {} ago",
                format_duration(snapshot.at.since(since))
            ),
        ));
    }
    if let Some(left) = snapshot.window_left {
        clocks.push_str(&theme.paint(
            theme.dim,
            &format!("  stable for {} more", format_duration(left)),
        ));
    }
    if let Some(left) = snapshot.deadline_left {
        clocks.push_str(&theme.paint(
            theme.dim,
            &format!("  timeout in {}", format_duration(left)),
        ));
    }
    clocks
}

/// Log lines shown under the table (`--logs`).
pub const LOG_TAIL: usize = 5;

/// A frame with the last followed log lines under its table, each cut to the width (the lines
/// are redacted before they come here, so a cut cannot split a value out of the redactor's
/// reach).
pub fn with_logs(frame: String, logs: &[String], theme: &Theme, width: u16) -> String {
    if logs.is_empty() {
        return frame;
    }
    let mut text = frame;
    text.push_str(&format!("\n{}", theme.paint(theme.dim, "pod logs:")));
    for line in &logs[logs.len().saturating_sub(LOG_TAIL)..] {
        let line = console::truncate_str(line, usize::from(width.max(10)), "…");
        text.push_str(&format!("\n{}", theme.paint(theme.dim, &line)));
    }
    text
}

/// A region of the terminal redrawn in place.
pub struct LiveView {
    bar: ProgressBar,
    tick: usize,
}

impl LiveView {
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        bar.set_style(ProgressStyle::with_template("{msg}").expect("a valid template"));
        LiveView { bar, tick: 0 }
    }

    /// Terminal width, for wrapping the table.
    pub fn width() -> u16 {
        console_width().unwrap_or(100)
    }

    /// Lines a frame can have without scrolling (what `show` keeps).
    pub fn height() -> usize {
        console_rows().unwrap_or(40).saturating_sub(2).max(5) as usize
    }

    /// The next frame for the current state, its spinners one step on.
    pub fn next_frame(&mut self, snapshot: &Snapshot, theme: &Theme) -> String {
        self.tick += 1;
        frame(snapshot, theme, Self::width(), self.tick)
    }

    /// The spinner frame of the next redraw, for views other than the status table.
    pub fn next_spinner(&mut self) -> char {
        self.tick += 1;
        SPINNER[self.tick % SPINNER.len()]
    }

    /// Redraws the region with `text` (already redacted: it is cut to the terminal's height
    /// here, which must not cut a value out of the redactor's reach).
    pub fn show(&self, text: &str) {
        // Keep the frame shorter than the terminal so redraws never scroll.
        let rows = Self::height();
        let mut lines: Vec<&str> = text.lines().collect();
        let hidden = lines.len().saturating_sub(rows);
        let more;
        if hidden > 0 {
            lines.truncate(rows - 1);
            more = format!(
                "… {} more lines (the final table lists everything)",
                hidden + 1
            );
            lines.push(&more);
        }
        self.bar.set_message(lines.join("\n"));
    }

    /// Runs `print` with the region cleared, so what it prints stays above the region.
    pub fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        self.bar.suspend(print)
    }

    /// Removes the live region, leaving the terminal clean for the final output.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

impl Default for LiveView {
    fn default() -> Self {
        Self::new()
    }
}

fn console_width() -> Option<u16> {
    terminal_size().map(|(_, cols)| cols)
}

fn console_rows() -> Option<u16> {
    terminal_size().map(|(rows, _)| rows)
}

/// (rows, columns) of the terminal behind stderr.
fn terminal_size() -> Option<(u16, u16)> {
    let term = console::Term::stderr();
    term.size_checked()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{ConnectionState, Moment, ObjectKey, ObjectStatus, Status, TrackedObject};

    #[test]
    fn frame_shows_status_countdowns_a_spinner_per_object_in_progress_and_wraps() {
        let snapshot = Snapshot {
            at: Moment(Duration::from_millis(4_200)),
            objects: vec![
                TrackedObject {
                    key: ObjectKey::new("", "ConfigMap", Some("shop"), "settings"),
                    status: ObjectStatus::success("Created").into(),
                    since: Moment::default(),
                },
                TrackedObject {
                    key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
                    status: ObjectStatus::in_progress(
                        "Waiting for rollout to finish: 1 of 3 updated replicas are available...",
                    )
                    .into(),
                    since: Moment::default(),
                },
            ],
            application: Status::InProgress,
            window_left: None,
            deadline_left: Some(Duration::from_secs(295)),
            verdict: None,
            connection: Default::default(),
        };
        let text = frame(&snapshot, &Theme::plain(), 100, 1);
        assert_eq!(
            text,
            "⠙ application In progress  elapsed 4.2s  timeout in 4m55s\n\
             OBJECT              STATUS         MESSAGE\n\
             ConfigMap/settings  Success        Created\n\
             Deployment/web      ⠙ In progress  Waiting for rollout to finish: 1 of 3 updated replicas are\n                                   available..."
        );
    }

    #[test]
    fn the_last_log_lines_show_under_the_table_cut_to_the_width() {
        let logs: Vec<String> = (1..=7)
            .map(|i| format!("Pod/web-1 app | line {i}"))
            .chain(["Pod/web-1 app | a line far too long for a terminal thirty-six wide".into()])
            .collect();
        let text = with_logs("TABLE".into(), &logs, &Theme::plain(), 36);
        assert_eq!(
            text,
            "TABLE\n\
             pod logs:\n\
             Pod/web-1 app | line 4\n\
             Pod/web-1 app | line 5\n\
             Pod/web-1 app | line 6\n\
             Pod/web-1 app | line 7\n\
             Pod/web-1 app | a line far too long…"
        );
        assert_eq!(with_logs("TABLE".into(), &[], &Theme::plain(), 36), "TABLE");
    }

    #[test]
    fn header_says_since_when_the_connection_is_lost() {
        let snapshot = Snapshot {
            at: Moment(Duration::from_secs(12)),
            objects: Vec::new(),
            application: Status::Success,
            window_left: None,
            deadline_left: None,
            verdict: None,
            connection: ConnectionState {
                losses: 1,
                lost_since: Some(Moment(Duration::from_secs(9))),
                last_error: None,
                last_outage: None,
            },
        };
        let text = frame(&snapshot, &Theme::plain(), 100, 0);
        assert!(
            text.starts_with(
                "⠋ application Success  elapsed 12.0s  connection to the API server lost 3.0s ago\n"
            ),
            "{text}"
        );
    }
}
