//! Where everything goes, decided once per run: progress on stderr (live view, plain lines or
//! nothing), results on stdout (table, JSON or YAML), and the CI extras (GitHub Actions groups,
//! annotations and step summary, JUnit XML, NDJSON events). Every line is redacted.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use super::card::{Failure, failure_card};
use super::changes::ConnectionReport;
use super::events::EventStream;
use super::lines::PlainProgress;
use super::live::LiveView;
use super::redact::Redactor;
use super::table::{TableOptions, status_table};
use super::theme::{ColorEnv, Theme, use_color};
use super::{format_duration, github, junit, report};
use crate::cli::{EventsTarget, GlobalArgs, OutputArgs, OutputFormat, ProgressMode};
use crate::engine::{ObjectKey, Snapshot, Status};
use crate::error::Error;
use crate::manifest::Origin;
use crate::outcome::RunOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Live,
    Plain,
    Silent,
}

/// The end of a run, as it is reported.
pub struct Conclusion<'a> {
    pub snapshot: &'a Snapshot,
    pub outcome: RunOutcome,
    pub reason: &'a str,
    pub failures: &'a [Failure],
    /// Manifest locations of the objects, for annotations and cards.
    pub origins: &'a [(ObjectKey, Origin)],
}

pub struct Output {
    command: &'static str,
    /// Styles for stderr and stdout, decided separately: either may be a terminal.
    progress_theme: Theme,
    result_theme: Theme,
    redactor: Redactor,
    format: OutputFormat,
    progress: Progress,
    live: RefCell<Option<LiveView>>,
    /// What the live view said about the connection (plain lines keep their own).
    live_connection: RefCell<ConnectionReport>,
    plain: RefCell<PlainProgress>,
    github: Option<GitHub>,
    group_open: Cell<bool>,
    junit: Option<PathBuf>,
    events: Option<RefCell<(EventStream, Box<dyn Write>)>>,
    /// stdout carries the event stream, so results go to stderr.
    results_on_stderr: bool,
}

/// Running inside GitHub Actions (`GITHUB_ACTIONS=true`).
struct GitHub {
    step_summary: Option<PathBuf>,
}

impl Output {
    /// Decides the outputs; files named by --junit and --events are created now, so an
    /// unwritable path fails before anything is applied.
    pub fn new(
        command: &'static str,
        global: &GlobalArgs,
        args: &OutputArgs,
        redactor: Redactor,
    ) -> Result<Self, Error> {
        let stderr_tty = std::io::stderr().is_terminal();
        let stderr_env = ColorEnv::from_process(stderr_tty);
        let stdout_env = ColorEnv::from_process(std::io::stdout().is_terminal());
        let progress = match args.progress {
            ProgressMode::None => Progress::Silent,
            ProgressMode::Plain => Progress::Plain,
            ProgressMode::Auto if stderr_tty && !stderr_env.term_dumb => Progress::Live,
            ProgressMode::Auto => Progress::Plain,
        };
        let github = (std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")).then(|| GitHub {
            step_summary: std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        });
        if let Some(path) = &args.junit {
            File::create(path).map_err(|err| unwritable("--junit", path, &err))?;
        }
        let (events, results_on_stderr) = match &args.events {
            None => (None, false),
            Some(EventsTarget::Stdout) => {
                let sink: Box<dyn Write> = Box::new(std::io::stdout());
                (Some(RefCell::new((EventStream::default(), sink))), true)
            }
            Some(EventsTarget::File(path)) => {
                let file = File::create(path).map_err(|err| unwritable("--events", path, &err))?;
                let sink: Box<dyn Write> = Box::new(file);
                (Some(RefCell::new((EventStream::default(), sink))), false)
            }
        };
        Ok(Output {
            command,
            progress_theme: Theme::new(use_color(global.color, &stderr_env)),
            result_theme: Theme::new(use_color(global.color, &stdout_env)),
            redactor,
            format: args.format,
            progress,
            live: RefCell::new(None),
            live_connection: RefCell::new(ConnectionReport::default()),
            plain: RefCell::new(PlainProgress::default()),
            github,
            group_open: Cell::new(false),
            junit: args.junit.clone(),
            events,
            results_on_stderr,
        })
    }

    /// Whether progress is the live terminal view (redrawn at every tick for its spinners).
    pub fn is_live(&self) -> bool {
        self.progress == Progress::Live
    }

    /// A progress line on stderr (not shown with --progress=none).
    pub fn note(&self, line: &str) {
        if self.progress == Progress::Silent {
            return;
        }
        self.open_group();
        let line = format!("{} {}", clock(), self.redactor.redact(line));
        match self.live.borrow().as_ref() {
            Some(view) => view.println(&line),
            None => eprintln!("{line}"),
        }
    }

    /// A warning on stderr, shown in every progress mode.
    pub fn warn(&self, line: &str) {
        let theme = &self.progress_theme;
        let line = format!(
            "{} {}",
            theme.paint(theme.progress, "warning:"),
            self.redactor.redact(line)
        );
        match self.live.borrow().as_ref() {
            Some(view) => view.println(&line),
            None => eprintln!("{line}"),
        }
    }

    /// Shows the current state: redraws the live view, or prints plain lines for what changed;
    /// feeds the event stream.
    pub fn progress(&self, snapshot: &Snapshot) {
        match self.progress {
            Progress::Live => {
                let mut live = self.live.borrow_mut();
                let view = live.get_or_insert_with(LiveView::new);
                let connection = self
                    .live_connection
                    .borrow_mut()
                    .update(&snapshot.connection);
                for change in connection {
                    let line = self.redactor.redact(&change.describe());
                    view.println(&format!("{} {line}", clock()));
                }
                view.draw(snapshot, &self.progress_theme, &self.redactor);
            }
            Progress::Plain => {
                self.open_group();
                let stamp = clock();
                let mut plain = self.plain.borrow_mut();
                for line in plain.changes(snapshot, &stamp, &self.redactor) {
                    eprintln!("{line}");
                }
                if let Some(line) = plain.heartbeat(snapshot, &stamp) {
                    eprintln!("{line}");
                }
            }
            Progress::Silent => {}
        }
        if let Some(events) = &self.events {
            let (stream, sink) = &mut *events.borrow_mut();
            let time = timestamp();
            for line in stream.changes(snapshot, &time, &self.redactor) {
                let _ = writeln!(sink, "{line}");
            }
            let _ = sink.flush();
        }
    }

    /// Ends the live view (the terminal is left clean, cursor visible) and the log group.
    pub fn stop_progress(&self) {
        if let Some(view) = self.live.borrow_mut().take() {
            view.finish();
        }
        if self.group_open.replace(false) {
            eprintln!("{}", github::group_end());
        }
    }

    /// Prints the result and writes the reports.
    pub fn conclude(&self, end: &Conclusion<'_>) {
        self.stop_progress();
        let snapshot = end.snapshot;
        let redactor = &self.redactor;
        let result_theme = if self.results_on_stderr {
            &self.progress_theme
        } else {
            &self.result_theme
        };
        let verdict_line = verdict_line(
            result_theme,
            snapshot.application,
            snapshot.at.0,
            end.outcome,
            &redactor.redact(end.reason),
        );
        let mut text = String::new();
        match self.format {
            OutputFormat::Table => {
                let terminal = if self.results_on_stderr {
                    std::io::stderr().is_terminal()
                } else {
                    std::io::stdout().is_terminal()
                };
                let width = terminal.then(LiveView::width);
                let options = TableOptions {
                    width,
                    spinner: None,
                };
                text.push_str(&status_table(
                    &snapshot.objects,
                    result_theme,
                    redactor,
                    options,
                ));
                text.push('\n');
                for failure in end.failures {
                    let origin = end
                        .origins
                        .iter()
                        .find(|(key, _)| *key == failure.object.key)
                        .map(|(_, origin)| origin);
                    let card = failure_card(failure, origin, result_theme, redactor, width);
                    text.push_str(&format!("\n{card}\n"));
                }
                text.push_str(&format!("\n{verdict_line}\n"));
            }
            OutputFormat::Json | OutputFormat::Yaml => {
                let report = report::build(snapshot, end.outcome, end.reason, end.failures);
                text.push_str(&report::to_text(
                    &report,
                    self.format == OutputFormat::Yaml,
                    redactor,
                ));
                if self.progress != Progress::Silent {
                    eprintln!("{verdict_line}");
                }
            }
        }
        if let Some(github) = &self.github {
            for object in snapshot
                .objects
                .iter()
                .filter(|o| matches!(o.status.status, Status::Error | Status::TimedOut))
            {
                let origin = end
                    .origins
                    .iter()
                    .find(|(k, _)| *k == object.key)
                    .map(|(_, o)| o);
                text.push_str(&github::error_annotation(object, origin, redactor));
                text.push('\n');
            }
            if let Some(path) = &github.step_summary {
                let summary =
                    github::step_summary(self.command, snapshot, end.outcome, end.reason, redactor);
                let appended = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)
                    .and_then(|mut file| file.write_all(summary.as_bytes()));
                if let Err(err) = appended {
                    self.warn(&format!(
                        "cannot append to GITHUB_STEP_SUMMARY {}: {err}",
                        path.display()
                    ));
                }
            }
        }
        if self.results_on_stderr {
            eprint!("{text}");
        } else {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
        if let Some(path) = &self.junit {
            let xml = junit::report(self.command, snapshot, end.failures, redactor);
            if let Err(err) = std::fs::write(path, xml) {
                self.warn(&format!(
                    "cannot write the JUnit report {}: {err}",
                    path.display()
                ));
            }
        }
        if let Some(events) = &self.events {
            let (stream, sink) = &mut *events.borrow_mut();
            let time = timestamp();
            for line in stream.changes(snapshot, &time, redactor) {
                let _ = writeln!(sink, "{line}");
            }
            let _ = writeln!(
                sink,
                "{}",
                stream.verdict(snapshot, &time, end.outcome, end.reason, redactor)
            );
            let _ = sink.flush();
        }
    }

    fn open_group(&self) {
        if self.github.is_some()
            && self.progress == Progress::Plain
            && !self.group_open.replace(true)
        {
            eprintln!(
                "{}",
                github::group_start(&format!("kstatus {} progress", self.command))
            );
        }
    }
}

fn unwritable(flag: &str, path: &std::path::Path, err: &std::io::Error) -> Error {
    Error::usage(format!("{flag} {}: cannot write: {err}", path.display()))
        .with_hint("choose a writable path")
}

/// `verdict: Timed out after 5m00s: …`: the outcome in the words of the status table.
fn verdict_line(
    theme: &Theme,
    application: Status,
    elapsed: Duration,
    outcome: RunOutcome,
    reason: &str,
) -> String {
    format!(
        "{} {} after {}: {reason}",
        theme.paint(theme.bold, "verdict:"),
        theme.paint(theme.status_style(application), outcome.words()),
        format_duration(elapsed),
    )
}

/// UTC time of day, `HH:MM:SS`, for progress lines.
fn clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// RFC 3339 UTC timestamp for events.
fn timestamp() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_line_uses_the_words_of_the_table() {
        let line = verdict_line(
            &Theme::plain(),
            Status::TimedOut,
            Duration::from_secs(300),
            RunOutcome::TimedOut,
            "1 object (Deployment/web -n shop) still In progress at the deadline",
        );
        assert_eq!(
            line,
            "verdict: Timed out after 5m00s: 1 object (Deployment/web -n shop) still In progress \
             at the deadline"
        );
    }
}
