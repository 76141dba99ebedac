//! Where everything goes, as `OutputSettings` says: progress on stderr (live view, plain lines
//! or nothing), results on stdout (table, JSON or YAML), and the CI extras (GitHub Actions groups,
//! annotations and step summary, GitLab CI sections, JUnit XML, NDJSON events), and the error
//! that stopped a run.
//! Each stream and file is written through a `Redacting` writer, the one place values are hidden.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::card::{Failure, failure_card};
use super::changes::ConnectionReport;
use super::dashboard::{self, Dashboard};
use super::events::EventStream;
use super::lines::PlainProgress;
use super::live::{self, LiveView};
use super::pod_logs::{Admitted, LogBook, ShownLine};
use super::redact::{Redacting, Redactor};
use super::settings::{EventsTo, Format, GitHubActions, OutputSettings, Progress, Stream};
use super::steps::{self as step_render, StepSection, StepsView};
use super::table::{TableOptions, status_table};
use super::theme::Theme;
use super::{format_duration, github, gitlab, junit, report, secrets};
use crate::engine::applications::Application;
use crate::engine::logs::LogLine;
use crate::engine::{ObjectKey, Snapshot, Status};
use crate::error::Error;
use crate::fingerprint::{Baseline, Fingerprints, Ledger};
use crate::manifest::Origin;
use crate::outcome::RunOutcome;

/// The end of a run, as it is reported.
pub struct Conclusion<'a> {
    pub snapshot: &'a Snapshot,
    pub outcome: RunOutcome,
    pub reason: &'a str,
    pub failures: &'a [Failure],
    /// Manifest locations of the objects, for annotations and cards.
    pub origins: &'a [(ObjectKey, Origin)],
    /// `apply --steps`: every step, in order (empty without steps); `snapshot` then holds the
    /// objects of every step that ran.
    pub steps: &'a [StepSection],
}

/// The outputs of one run: progress while it runs, the event stream, and the results at its
/// end; each stream and file is written through a `Redacting` writer.
pub struct Output {
    progress: ProgressSink,
    events: Option<EventLog>,
    results: ResultWriters,
    /// What was shown of followed pod logs (`--logs`).
    pod_logs: LogBook,
    /// `watch --by`: applications shown instead of objects.
    dashboard: Option<Dashboard>,
}

impl Output {
    /// Opens the outputs; files named by --junit and --events are created now, so an
    /// unwritable path fails before anything is applied.
    pub fn new(settings: OutputSettings, redactor: Redactor) -> Result<Self, Error> {
        if let Some(path) = &settings.junit {
            File::create(path).map_err(|err| unwritable("--junit", path, &err))?;
        }
        let events = match &settings.events {
            None => None,
            Some(EventsTo::Stdout) => Some(EventLog::new(Box::new(io::stdout()), &redactor)),
            Some(EventsTo::File(path)) => {
                let file = File::create(path).map_err(|err| unwritable("--events", path, &err))?;
                Some(EventLog::new(Box::new(file), &redactor))
            }
        };
        let on_stderr = settings.events == Some(EventsTo::Stdout);
        let folding = match (&settings.github, settings.gitlab) {
            _ if settings.progress != Progress::Plain => None,
            (Some(_), _) => Some(Folding::GitHubGroups),
            (None, true) => Some(Folding::GitLabSections),
            (None, false) => None,
        };
        let group = folding.map(|_| format!("kstatus {} progress", settings.command));
        Ok(Output {
            progress: ProgressSink {
                mode: settings.progress,
                theme: Theme::new(settings.stderr.color),
                err: Redacting::new(io::stderr(), redactor.clone()),
                live: None,
                live_connection: ConnectionReport::default(),
                plain: PlainProgress::default(),
                group,
                folding,
                group_open: false,
                recent_logs: Vec::new(),
                steps: None,
            },
            events,
            results: ResultWriters {
                command: settings.command,
                format: settings.format,
                stream: if on_stderr {
                    settings.stderr
                } else {
                    settings.stdout
                },
                on_stderr,
                verdict_on_stderr: settings.progress != Progress::Silent,
                github: settings.github,
                junit: settings.junit,
                out: Redacting::new(io::stdout(), redactor.clone()),
                redactor,
                secrets: Ledger::new(settings.fingerprint_salt),
                applications: None,
                pruned: None,
                throttled: None,
            },
            pod_logs: LogBook::default(),
            dashboard: None,
        })
    }

    /// `watch --by`: show applications rather than objects, in progress and in the results.
    pub fn group_by_application(&mut self) {
        self.dashboard = Some(Dashboard::default());
    }

    /// Files a tracked object under an application (`watch --by`).
    pub fn join_application(&mut self, key: ObjectKey, application: String) {
        if let Some(dashboard) = &mut self.dashboard {
            dashboard.join(key, application);
        }
    }

    /// Whether progress is the live terminal view (redrawn at every tick for its spinners).
    pub fn is_live(&self) -> bool {
        self.progress.mode == Progress::Live
    }

    /// A progress line on stderr (not shown with --progress=none).
    pub fn note(&mut self, line: &str) {
        self.progress.note(line);
    }

    /// A warning on stderr, shown in every progress mode.
    pub fn warn(&mut self, line: &str) {
        self.progress.warn(line);
    }

    /// Shows the current state: redraws the live view, or prints plain lines for what changed;
    /// feeds the event stream.
    pub fn progress(&mut self, snapshot: &Snapshot) {
        if let Some(dashboard) = &mut self.dashboard {
            let applications = dashboard.applications(snapshot);
            self.progress
                .show_applications(snapshot, &applications, &mut dashboard.lines);
            if let Some(events) = &mut self.events {
                events.record_applications(snapshot, &applications, dashboard);
            }
        } else {
            self.progress.show(snapshot);
        }
        if let Some(events) = &mut self.events {
            events.record(snapshot);
        }
    }

    /// A Secret this run applied (or validated in a server dry run), compared with what the
    /// cluster held just before: a progress line and an event, and kept for the results.
    pub fn secret_applied(
        &mut self,
        object: ObjectKey,
        baseline: Baseline,
        after: Fingerprints,
        dry_run: bool,
    ) {
        let record = self
            .results
            .secrets
            .applied(object, baseline, after, dry_run);
        let line = secrets::applied_line(record);
        let event = (record.object.clone(), record.keys(), record.sentence());
        self.progress.note(&line);
        if let Some(events) = &mut self.events {
            events.secret(&event.0, &event.1, &event.2);
        }
    }

    /// A Secret could not be read before its apply: warned once per run.
    pub fn secret_unreadable(&mut self, line: &str) {
        if !std::mem::replace(&mut self.results.secrets.unreadable_warned, true) {
            self.progress.warn(line);
        }
    }

    /// A tracked Secret as a watch reports it: a change of its fingerprints is a progress line
    /// and an event.
    pub fn secret_seen(&mut self, object: &ObjectKey, fingerprints: Fingerprints) {
        let Some(change) = self.results.secrets.observe(object, fingerprints) else {
            return;
        };
        let line = secrets::seen_line(&change);
        self.progress.note(&line);
        if let Some(events) = &mut self.events {
            let message = crate::fingerprint::describe_watched_change(&change.keys);
            events.secret(&change.object, &change.keys, &message);
        }
    }

    /// A line of a followed container's log (`--logs`): redacted, then de-duplicated, cut and
    /// counted against the limits; shown as progress and recorded in the event stream.
    pub fn pod_log(&mut self, line: &LogLine) {
        let redacted = self.results.redactor.redact(&line.text);
        for admitted in self.pod_logs.admit(line, &redacted) {
            match admitted {
                Admitted::Line(shown) => {
                    self.progress.log_line(&shown);
                    if let Some(events) = &mut self.events {
                        events.log(&shown);
                    }
                }
                Admitted::Notice(notice) => self.progress.note(&notice),
            }
        }
    }

    /// At the end of following logs: how many lines the limits dropped.
    pub fn pod_logs_summary(&mut self) {
        for line in self.pod_logs.summary() {
            self.progress.note(&line);
        }
    }

    /// Ends the live view (the terminal is left clean, cursor visible) and the log group.
    pub fn stop_progress(&mut self) {
        if self.progress.steps.is_some() {
            // A step's log group stays open for the line saying how the step ended.
            self.progress.stop_live();
            return;
        }
        self.progress.stop();
    }

    /// `apply --steps`: step `index` (1-based) of `names` starts. Plain progress says so and
    /// goes into the step's own GitHub Actions log group or GitLab section; the live view shows
    /// every step's section; the event stream gets a `step` line.
    pub fn start_step(&mut self, index: usize, names: &[String], elapsed: Duration) {
        self.progress.stop();
        // A new step tracks new objects: what the last step showed is not "gone".
        self.progress.plain = PlainProgress::default();
        if self.progress.group.is_some() {
            self.progress.group = Some(format!(
                "kstatus {} step {index}/{} {}",
                self.results.command,
                names.len(),
                names[index - 1]
            ));
        }
        let theme = self.progress.theme;
        self.progress
            .steps
            .get_or_insert_with(StepsView::default)
            .start(index, names, &theme);
        self.note(&step_render::started_line(
            index,
            names.len(),
            &names[index - 1],
        ));
        if let Some(events) = &mut self.events {
            events.stream = EventStream::default();
            events.step(&names[index - 1], index, names.len(), "started", elapsed);
        }
    }

    /// `apply --steps`: a step reached its verdict (or was interrupted).
    pub fn end_step(&mut self, section: &StepSection, elapsed: Duration) {
        self.progress.stop_live();
        if let Some(events) = &mut self.events {
            events.record(&section.snapshot);
            events.step(
                &section.name,
                section.index,
                section.total,
                section.label(),
                elapsed,
            );
        }
        let theme = self.progress.theme;
        if let Some(view) = &mut self.progress.steps {
            view.end(section, &theme, LiveView::width());
        }
        self.note(&step_render::ended_line(section));
    }

    /// `apply --prune --applyset`: the objects pruned, for the results.
    pub fn pruned(&mut self, pruned: Vec<super::pruned::PrunedObject>) {
        if let Some(events) = &mut self.events {
            for object in &pruned {
                events.pruned(object);
            }
        }
        self.results.pruned = Some(pruned);
    }

    /// The count of requests the API server refused with 429 (and that were retried), read
    /// when the run concludes: for the report, and a warning when any.
    pub fn count_throttled(&mut self, counter: Arc<AtomicU64>) {
        self.results.throttled = Some(counter);
    }

    /// Prints the result and writes the reports.
    pub fn conclude(&mut self, end: &Conclusion<'_>) {
        self.progress.stop();
        let throttled = self.results.throttled_requests();
        if throttled > 0 {
            self.progress.warn(&throttled_warning(throttled));
        }
        if let Some(dashboard) = &mut self.dashboard {
            let applications = dashboard.applications(end.snapshot);
            if let Some(events) = &mut self.events {
                events.record_applications(end.snapshot, &applications, dashboard);
            }
            self.results.applications = Some(applications);
        }
        let warnings = self.results.write(end, &mut self.progress.err);
        for warning in warnings {
            self.progress.warn(&warning);
        }
        if let Some(events) = &mut self.events {
            events.finish(end);
        }
    }
}

/// What stopped a run, on stderr: the message, with `verbose` every cause, and the hints, all
/// redacted with what the run knew to hide.
pub fn print_error(err: &Error, verbose: bool, redactor: Redactor) {
    let _ = write_error(&mut Redacting::new(io::stderr(), redactor), err, verbose);
}

fn write_error(out: &mut impl Write, err: &Error, verbose: bool) -> io::Result<()> {
    writeln!(out, "error: {err}")?;
    if verbose {
        for cause in err.causes() {
            writeln!(out, "caused by: {cause}")?;
        }
    }
    for hint in err.hints() {
        writeln!(out, "hint: {hint}")?;
    }
    out.flush()
}

/// Progress on stderr: the live view, plain lines or nothing; notes and warnings.
struct ProgressSink {
    mode: Progress,
    theme: Theme,
    err: Redacting<io::Stderr>,
    live: Option<LiveView>,
    /// What the live view said about the connection (plain lines keep their own).
    live_connection: ConnectionReport,
    plain: PlainProgress,
    /// The title of the CI log group or section plain progress goes into.
    group: Option<String>,
    folding: Option<Folding>,
    group_open: bool,
    /// The last followed log lines, for the live view.
    recent_logs: Vec<String>,
    /// `apply --steps`: the sections around the running step in the live view.
    steps: Option<StepsView>,
}

impl ProgressSink {
    fn note(&mut self, line: &str) {
        if self.mode == Progress::Silent {
            return;
        }
        self.open_group();
        self.println(&format!("{} {line}", clock()));
    }

    fn warn(&mut self, line: &str) {
        let theme = &self.theme;
        let line = format!("{} {line}", theme.paint(theme.progress, "warning:"));
        self.println(&line);
    }

    /// A followed log line: printed in plain progress, kept for the live view's tail.
    fn log_line(&mut self, shown: &ShownLine) {
        match self.mode {
            Progress::Plain => self.note(&shown.plain()),
            Progress::Live => {
                self.recent_logs.push(shown.plain());
                let excess = self.recent_logs.len().saturating_sub(live::LOG_TAIL);
                self.recent_logs.drain(..excess);
            }
            Progress::Silent => {}
        }
    }

    /// A line above the live view, or on its own.
    fn println(&mut self, line: &str) {
        let err = &mut self.err;
        let line = format!("{line}\n");
        let _ = match &self.live {
            Some(view) => view.suspend(|| err.emit(&line)),
            None => err.emit(&line),
        };
    }

    fn show(&mut self, snapshot: &Snapshot) {
        match self.mode {
            Progress::Live => {
                let view = self.live.get_or_insert_with(LiveView::new);
                let err = &mut self.err;
                for change in self.live_connection.update(&snapshot.connection) {
                    let line = format!("{} {}\n", clock(), change.describe());
                    let _ = view.suspend(|| err.emit(&line));
                }
                let mut frame = live::with_logs(
                    view.next_frame(snapshot, &self.theme),
                    &self.recent_logs,
                    &self.theme,
                    LiveView::width(),
                );
                if let Some(steps) = &self.steps {
                    frame = steps.frame(&frame, LiveView::height());
                }
                view.show(&err.redactor().redact(&frame));
            }
            Progress::Plain => {
                self.open_group();
                let stamp = clock();
                let mut text = String::new();
                for line in self.plain.changes(snapshot, &stamp) {
                    text.push_str(&format!("{line}\n"));
                }
                if let Some(line) = self.plain.heartbeat(snapshot, &stamp) {
                    text.push_str(&format!("{line}\n"));
                }
                let _ = self.err.emit(&text);
            }
            Progress::Silent => {}
        }
    }

    /// `watch --by`: the dashboard instead of the objects.
    fn show_applications(
        &mut self,
        snapshot: &Snapshot,
        applications: &[Application],
        lines: &mut dashboard::PlainLines,
    ) {
        match self.mode {
            Progress::Live => {
                let view = self.live.get_or_insert_with(LiveView::new);
                let err = &mut self.err;
                for change in self.live_connection.update(&snapshot.connection) {
                    let line = format!("{} {}\n", clock(), change.describe());
                    let _ = view.suspend(|| err.emit(&line));
                }
                let spinner = view.next_spinner();
                let frame = dashboard::frame(
                    snapshot,
                    applications,
                    &self.theme,
                    LiveView::width(),
                    spinner,
                );
                view.show(&err.redactor().redact(&frame));
            }
            Progress::Plain => {
                self.open_group();
                let text: String = lines
                    .changes(snapshot, applications, &clock())
                    .into_iter()
                    .map(|line| format!("{line}\n"))
                    .collect();
                let _ = self.err.emit(&text);
            }
            Progress::Silent => {}
        }
    }

    fn stop_live(&mut self) {
        if let Some(view) = self.live.take() {
            view.finish();
        }
    }

    fn stop(&mut self) {
        self.stop_live();
        self.close_group();
    }

    fn close_group(&mut self) {
        if std::mem::take(&mut self.group_open)
            && let (Some(title), Some(folding)) = (&self.group, self.folding)
        {
            let end = match folding {
                Folding::GitHubGroups => github::group_end().to_string(),
                Folding::GitLabSections => gitlab::section_end(title, unix_seconds()),
            };
            let _ = self.err.emit(&format!("{end}\n"));
        }
    }

    fn open_group(&mut self) {
        if let (Some(title), Some(folding)) = (&self.group, self.folding)
            && !std::mem::replace(&mut self.group_open, true)
        {
            let start = match folding {
                Folding::GitHubGroups => github::group_start(title),
                Folding::GitLabSections => gitlab::section_start(title, unix_seconds()),
            };
            let _ = self.err.emit(&format!("{start}\n"));
        }
    }
}

/// A run that stops on an error ends its group first, so the error is read outside it.
impl Drop for ProgressSink {
    fn drop(&mut self) {
        self.close_group();
    }
}

/// How a CI system's log folds plain progress away: results and failures stay outside.
#[derive(Debug, Clone, Copy)]
enum Folding {
    GitHubGroups,
    GitLabSections,
}

/// The NDJSON event stream (--events).
struct EventLog {
    stream: EventStream,
    sink: Redacting<Box<dyn Write>>,
}

impl EventLog {
    fn new(sink: Box<dyn Write>, redactor: &Redactor) -> Self {
        EventLog {
            stream: EventStream::default(),
            sink: Redacting::new(sink, redactor.clone()),
        }
    }

    fn record(&mut self, snapshot: &Snapshot) {
        let time = timestamp();
        for line in self.stream.changes(snapshot, &time) {
            let _ = writeln!(self.sink, "{line}");
        }
        let _ = self.sink.flush();
    }

    fn secret(
        &mut self,
        object: &ObjectKey,
        keys: &[crate::fingerprint::KeyReport],
        message: &str,
    ) {
        let line = secrets::event_line(object, keys, message, &timestamp());
        let _ = writeln!(self.sink, "{line}");
        let _ = self.sink.flush();
    }

    /// A `pruned` line: the deletion of a pruned object ended.
    fn pruned(&mut self, object: &super::pruned::PrunedObject) {
        let line = super::pruned::event_line(object, &timestamp());
        let _ = writeln!(self.sink, "{line}");
        let _ = self.sink.flush();
    }

    /// A `step` line: a step started or ended.
    fn step(&mut self, name: &str, index: usize, total: usize, state: &str, elapsed: Duration) {
        let line = step_render::event(name, index, total, state, &timestamp(), elapsed);
        let _ = writeln!(self.sink, "{line}");
        let _ = self.sink.flush();
    }

    fn log(&mut self, line: &ShownLine) {
        let text = super::events::log_line(line, &timestamp());
        let _ = writeln!(self.sink, "{text}");
        let _ = self.sink.flush();
    }

    fn record_applications(
        &mut self,
        snapshot: &Snapshot,
        applications: &[Application],
        dashboard: &mut Dashboard,
    ) {
        let time = timestamp();
        for line in dashboard::event_lines(&mut dashboard.events, snapshot, applications, &time) {
            let _ = writeln!(self.sink, "{line}");
        }
        let _ = self.sink.flush();
    }

    fn finish(&mut self, end: &Conclusion<'_>) {
        let time = timestamp();
        // With steps, each step's last changes were recorded when it ended.
        let changes = match end.steps {
            [] => self.stream.changes(end.snapshot, &time),
            _ => Vec::new(),
        };
        for line in changes {
            let _ = writeln!(self.sink, "{line}");
        }
        let verdict = self
            .stream
            .verdict(end.snapshot, &time, end.outcome, end.reason);
        let _ = writeln!(self.sink, "{verdict}");
        let _ = self.sink.flush();
    }
}

/// The results at the end of a run: the table or report on stdout (stderr when stdout carries
/// the event stream), GitHub annotations and step summary, the JUnit file.
struct ResultWriters {
    command: &'static str,
    format: Format,
    /// The stream the results go to.
    stream: Stream,
    on_stderr: bool,
    /// With a JSON or YAML report, the verdict line goes to stderr unless progress is silent.
    verdict_on_stderr: bool,
    github: Option<GitHubActions>,
    junit: Option<PathBuf>,
    out: Redacting<io::Stdout>,
    /// For the report, redacted before it is serialized, and the files.
    redactor: Redactor,
    /// The Secrets of the run and their fingerprints.
    secrets: Ledger,
    /// `watch --by`: the applications, shown instead of the objects.
    applications: Option<Vec<Application>>,
    /// `apply --prune --applyset`: the objects pruned, shown in their own section.
    pruned: Option<Vec<super::pruned::PrunedObject>>,
    /// Requests refused with 429 Too Many Requests (see `Output::count_throttled`).
    throttled: Option<Arc<AtomicU64>>,
}

impl ResultWriters {
    fn throttled_requests(&self) -> u64 {
        self.throttled
            .as_ref()
            .map_or(0, |counter| counter.load(Ordering::Relaxed))
    }

    /// Writes everything; returns warnings about the files that could not be written.
    fn write(&mut self, end: &Conclusion<'_>, err: &mut Redacting<io::Stderr>) -> Vec<String> {
        let mut warnings = Vec::new();
        // A compared Secret's message is its change sentence, in every result.
        let annotated = secrets::annotate(end.snapshot, &self.secrets);
        let snapshot = &annotated;
        let annotated_steps = secrets::annotate_steps(end.steps, &self.secrets);
        let steps = annotated_steps.as_slice();
        let theme = Theme::new(self.stream.color);
        let verdict_line = verdict_line(
            &theme,
            snapshot.application,
            snapshot.at.0,
            end.outcome,
            end.reason,
        );
        let mut text = String::new();
        match self.format {
            Format::Table => {
                let width = self.stream.terminal.then(LiveView::width);
                let options = TableOptions {
                    width,
                    spinner: None,
                };
                match &self.applications {
                    _ if !steps.is_empty() => text.push_str(&step_render::final_tables(
                        steps,
                        end.origins,
                        &theme,
                        width,
                    )),
                    Some(applications) => text.push_str(&dashboard::application_table(
                        applications,
                        &theme,
                        width,
                        None,
                    )),
                    None => text.push_str(&status_table(&snapshot.objects, &theme, options)),
                }
                text.push('\n');
                let fingerprints = secrets::table_block(snapshot, &self.secrets);
                if !fingerprints.is_empty() {
                    text.push_str(&format!("\n{fingerprints}"));
                }
                if let Some(pruned) = &self.pruned {
                    let block = super::pruned::table_block(pruned);
                    if !block.is_empty() {
                        text.push_str(&format!("\n{block}"));
                    }
                }
                // With steps, each failure card is in its step's section.
                for failure in end.failures.iter().filter(|_| steps.is_empty()) {
                    let origin = origin_of(end, &failure.object.key);
                    let card = failure_card(failure, origin, &theme, width);
                    text.push_str(&format!("\n{card}\n"));
                }
                text.push_str(&format!("\n{verdict_line}\n"));
            }
            Format::Json | Format::Yaml => {
                let mut report = report::build(snapshot, end.outcome, end.reason, end.failures);
                secrets::add_to_report(&mut report, &self.secrets);
                report.applications = self.applications.as_deref().map(report::applications);
                report.pruned = self.pruned.clone();
                report.throttled_requests = self.throttled_requests();
                if !steps.is_empty() {
                    report.steps = Some(step_render::reports(steps));
                }
                let mut value = report::to_value(&report);
                self.redactor.redact_json(&mut value);
                text.push_str(&report::to_text(&value, self.format == Format::Yaml));
                if self.verdict_on_stderr {
                    let _ = err.emit(&format!("{verdict_line}\n"));
                }
            }
        }
        if let Some(github) = &self.github {
            for object in snapshot
                .objects
                .iter()
                .filter(|o| matches!(o.status.status, Status::Error | Status::TimedOut))
            {
                let origin = origin_of(end, &object.key);
                text.push_str(&github::error_annotation(object, origin));
                text.push('\n');
            }
            if let Some(path) = &github.step_summary {
                let summary = match (&self.applications, steps) {
                    (_, []) if self.applications.is_none() => {
                        github::step_summary(self.command, snapshot, end.outcome, end.reason)
                    }
                    (Some(applications), _) => dashboard::step_summary(
                        self.command,
                        snapshot,
                        applications,
                        end.outcome,
                        end.reason,
                    ),
                    (None, steps) => step_render::step_summary(
                        self.command,
                        steps,
                        end.outcome,
                        end.reason,
                        snapshot.at.0,
                    ),
                };
                let appended = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)
                    .and_then(|file| Redacting::new(file, self.redactor.clone()).emit(&summary));
                if let Err(err) = appended {
                    warnings.push(format!(
                        "cannot append to GITHUB_STEP_SUMMARY {}: {err}",
                        path.display()
                    ));
                }
            }
        }
        let _ = if self.on_stderr {
            err.emit(&text)
        } else {
            self.out.emit(&text)
        };
        if let Some(path) = &self.junit {
            let xml = match (&self.applications, steps) {
                (Some(applications), _) => {
                    dashboard::junit_report(self.command, snapshot, applications)
                }
                (None, []) => {
                    let system_out = secrets::junit_output(snapshot, &self.secrets);
                    junit::report_with_output(self.command, snapshot, end.failures, &system_out)
                }
                (None, steps) => {
                    let system_out = secrets::junit_output(snapshot, &self.secrets);
                    step_render::junit_report(steps, &system_out)
                }
            };
            let written = File::create(path)
                .and_then(|file| Redacting::new(file, self.redactor.clone()).emit(&xml));
            if let Err(err) = written {
                warnings.push(format!(
                    "cannot write the JUnit report {}: {err}",
                    path.display()
                ));
            }
        }
        warnings
    }
}

fn origin_of<'a>(end: &Conclusion<'a>, key: &ObjectKey) -> Option<&'a Origin> {
    end.origins
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, origin)| origin)
}

fn unwritable(flag: &str, path: &std::path::Path, err: &std::io::Error) -> Error {
    Error::usage(format!("{flag} {}: cannot write: {err}", path.display()))
        .with_hint("choose a writable path")
}

/// Why a run took longer than the cluster needed: the API server held requests back.
fn throttled_warning(count: u64) -> String {
    format!(
        "the API server throttled {count} request(s) (429 Too Many Requests, API Priority and \
         Fairness); each was sent again after the wait the server asked for"
    )
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
        theme.paint(
            theme.status_style(colour_of(outcome, application)),
            outcome.words()
        ),
        format_duration(elapsed),
    )
}

/// The status whose colour the verdict's words take: the outcome's own (a run can end in Error
/// through pruning while every applied object is Success), the objects' roll-up when
/// interrupted.
fn colour_of(outcome: RunOutcome, application: Status) -> Status {
    match outcome {
        RunOutcome::Success => Status::Success,
        RunOutcome::Error => Status::Error,
        RunOutcome::TimedOut => Status::TimedOut,
        RunOutcome::InProgress => Status::InProgress,
        RunOutcome::Interrupted(_) => application,
    }
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

/// Seconds since the Unix epoch, for GitLab section markers.
fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// RFC 3339 UTC timestamp for events.
fn timestamp() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::errors::{Request, request_failed};
    use crate::error::ErrorKind;
    use crate::outcome::Signal;

    #[test]
    fn a_rejection_quoting_a_secret_value_is_printed_redacted() {
        let mut status = kube::core::Status::failure(
            "ConfigMap \"door-note\" is invalid: data[open sesame 42]: Invalid value: \
             \"open sesame 42\": a valid config key must consist of alphanumeric characters",
            "Invalid",
        );
        status.code = 422;
        let rejection = request_failed(
            "ConfigMap/door-note -n shop (app.yaml:8 (document 2))",
            Request::Apply {
                field_manager: "kstatus",
            },
            "https://127.0.0.1:6443",
            kube::Error::Api(Box::new(status)),
        );
        let err = Error::gather(
            ErrorKind::Rejected,
            "1 object(s) rejected by the API server:",
            vec![rejection],
        );
        let mut printed = Vec::new();
        let redactor = Redactor::new(vec!["open sesame 42".into()]);
        write_error(&mut Redacting::new(&mut printed, redactor), &err, true).unwrap();
        let printed = String::from_utf8(printed).unwrap();
        assert!(!printed.contains("sesame"), "{printed}");
        assert!(
            printed.contains("data[[redacted]]: Invalid value: \"[redacted]\""),
            "{printed}"
        );
        assert!(printed.contains("caused by: "), "the cause too: {printed}");
    }

    #[test]
    fn the_verdict_takes_the_colour_of_the_outcome() {
        assert_eq!(
            colour_of(RunOutcome::Error, Status::Success),
            Status::Error,
            "a prune failure after every object succeeded"
        );
        assert_eq!(
            colour_of(
                RunOutcome::Interrupted(Signal::Interrupt),
                Status::InProgress
            ),
            Status::InProgress
        );
    }

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
