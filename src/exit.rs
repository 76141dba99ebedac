//! The exit-code table, the one contract between kstatus and the scripts that call it, and the
//! one place a run's end becomes an exit code.

use crate::error::{Error, ErrorKind};
use crate::outcome::{RunOutcome, Signal};

/// How a kstatus run ended, as the process exit status a CI step branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every tracked object reached its desired state and held it.
    Success,
    /// At least one object failed.
    Failed,
    /// Bad flags, or an unreadable or invalid manifest; nothing was applied.
    Usage,
    /// The deadline passed with objects still in progress.
    TimedOut,
    /// The API server rejected an apply (invalid, conflict, forbidden, denied).
    Rejected,
    /// The cluster is unreachable, authentication failed, or API errors persisted.
    Cluster,
    /// kstatus itself failed (e.g. its async runtime could not start).
    Internal,
    /// Interrupted by SIGINT (Ctrl-C).
    Interrupted,
    /// Stopped by SIGTERM.
    Terminated,
}

impl Exit {
    /// Every exit, in table order.
    pub const ALL: [Exit; 9] = [
        Exit::Success,
        Exit::Failed,
        Exit::Usage,
        Exit::TimedOut,
        Exit::Rejected,
        Exit::Cluster,
        Exit::Internal,
        Exit::Interrupted,
        Exit::Terminated,
    ];

    /// The exit of a run: how it ended, or the error that stopped it first.
    pub fn of(end: Result<RunOutcome, &Error>) -> Exit {
        match end {
            Ok(RunOutcome::Success) => Exit::Success,
            Ok(RunOutcome::Error) => Exit::Failed,
            // A snapshot with objects in progress is no Success and no Error: what a timeout
            // leaves (`watch --once`).
            Ok(RunOutcome::TimedOut | RunOutcome::InProgress) => Exit::TimedOut,
            Ok(RunOutcome::Interrupted(Signal::Interrupt)) => Exit::Interrupted,
            Ok(RunOutcome::Interrupted(Signal::Terminate)) => Exit::Terminated,
            Err(err) => match err.kind() {
                ErrorKind::Usage | ErrorKind::Manifest => Exit::Usage,
                ErrorKind::Rejected => Exit::Rejected,
                ErrorKind::TimedOut => Exit::TimedOut,
                ErrorKind::Cluster => Exit::Cluster,
                ErrorKind::Internal => Exit::Internal,
            },
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::TimedOut => 3,
            Exit::Rejected => 4,
            Exit::Cluster => 5,
            // EX_SOFTWARE of sysexits.h: far from the codes that describe the objects or the
            // cluster, so no script mistakes a bug in kstatus for either.
            Exit::Internal => 70,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success: every tracked object reached its desired state and held it",
            Exit::Failed => "error: at least one object failed",
            Exit::Usage => {
                "usage or input error (bad flags, unreadable or invalid manifest, a watch --once \
                 selector that matches nothing); nothing was applied"
            }
            Exit::TimedOut => {
                "timed out: the deadline passed with objects still in progress (watch --once: \
                 objects in progress)"
            }
            Exit::Rejected => {
                "the API server rejected an apply (invalid, conflict, forbidden, denied)"
            }
            Exit::Cluster => {
                "cluster unreachable, authentication failed, or API errors that retries could not overcome"
            }
            Exit::Internal => {
                "internal error: kstatus itself failed (e.g. could not start its async runtime)"
            }
            Exit::Interrupted => "interrupted by SIGINT (the snapshot so far is still printed)",
            Exit::Terminated => "stopped by SIGTERM (the snapshot so far is still printed)",
        }
    }

    /// The table as shown at the end of `--help` and in the man page.
    pub fn help_table() -> String {
        let mut out = String::from("Exit codes:\n");
        for exit in Exit::ALL {
            out.push_str(&format!("  {:>3}  {}\n", exit.code(), exit.meaning()));
        }
        out
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_documented_table() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 70, 130, 143]);
    }

    #[test]
    fn help_table_lists_every_code_once() {
        let table = Exit::help_table();
        for exit in Exit::ALL {
            let line = format!("{:>3}  {}", exit.code(), exit.meaning());
            assert_eq!(
                table.matches(&line).count(),
                1,
                "missing or repeated: {line}"
            );
        }
    }
}
