//! What render is told about its outputs: formats, progress mode, colours, terminals and CI
//! sinks as plain values, resolved once from flags and the environment by `cmd::settings`.

use std::path::PathBuf;

use crate::fingerprint::SaltOrigin;

/// Everything that decides where output goes and how it looks, for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSettings {
    /// The subcommand, as named in group titles, summaries and JUnit suites.
    pub command: &'static str,
    pub format: Format,
    pub progress: Progress,
    /// Styles on stderr (progress, warnings) and on stdout (results), decided separately:
    /// either may be a terminal.
    pub stderr: Stream,
    pub stdout: Stream,
    /// Running inside GitHub Actions.
    pub github: Option<GitHubActions>,
    /// Running inside GitLab CI (`GITLAB_CI=true`): plain progress goes into log sections.
    pub gitlab: bool,
    /// `--junit FILE`.
    pub junit: Option<PathBuf>,
    /// `--events ndjson[=FILE]`.
    pub events: Option<EventsTo>,
    /// Whether Secret fingerprints are salted at random or with a given salt (never the salt).
    pub fingerprint_salt: SaltOrigin,
}

/// The format of the final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The live view, redrawn in place.
    Live,
    /// Append-only timestamped lines.
    Plain,
    Silent,
}

/// One standard stream as resolved for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stream {
    pub color: bool,
    /// A terminal: the final table wraps to its width.
    pub terminal: bool,
}

/// What GitHub Actions provides (`GITHUB_ACTIONS=true`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitHubActions {
    /// `GITHUB_STEP_SUMMARY`: the file the Markdown summary is appended to.
    pub step_summary: Option<PathBuf>,
}

/// Where the NDJSON event stream goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsTo {
    /// stdout, so the results go to stderr.
    Stdout,
    File(PathBuf),
}
