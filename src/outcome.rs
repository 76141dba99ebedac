//! How a run that reached its end ended: the one value its exit code, its report label and the
//! words of its verdict line all come from.

use crate::engine::{Outcome, Status};
use crate::exit::Exit;

/// The signal that stopped a run before its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Signal {
    /// The verdict line already says "Interrupted after 6.0s": this says by what.
    pub fn stopped_by(self) -> &'static str {
        match self {
            Signal::Interrupt => "stopped by Ctrl-C (SIGINT)",
            Signal::Terminate => "stopped by SIGTERM",
        }
    }
}

/// How a run ended once it got as far as a verdict, a snapshot or a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every object reached Success (and held it, unless the run is one snapshot).
    Success,
    /// At least one object failed.
    Error,
    /// The deadline passed with objects still in progress.
    TimedOut,
    /// One snapshot (`watch --once`) with objects still in progress.
    InProgress,
    /// A signal stopped the run; the snapshot so far is still reported.
    Interrupted(Signal),
}

impl RunOutcome {
    /// The run's outcome from the engine's verdict.
    pub fn of_verdict(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Success => RunOutcome::Success,
            Outcome::Error => RunOutcome::Error,
            Outcome::TimedOut => RunOutcome::TimedOut,
        }
    }

    /// The outcome of one snapshot: the application status, where a timed-out object counts as
    /// failed (the snapshot has no deadline of its own).
    pub fn of_snapshot(application: Status) -> Self {
        match application {
            Status::Success => RunOutcome::Success,
            Status::Error | Status::TimedOut => RunOutcome::Error,
            Status::InProgress => RunOutcome::InProgress,
        }
    }

    /// The value of `outcome` in the JSON/YAML report and the NDJSON `verdict` event: a schema
    /// value, so it never changes.
    pub fn label(self) -> &'static str {
        match self {
            RunOutcome::Success => "Success",
            RunOutcome::Error => "Error",
            RunOutcome::TimedOut => "TimedOut",
            RunOutcome::InProgress => "InProgress",
            RunOutcome::Interrupted(_) => "Interrupted",
        }
    }

    /// The outcome as people read it on the verdict line and in the step summary: the words of
    /// the status table.
    pub fn words(self) -> &'static str {
        match self {
            RunOutcome::Success => Status::Success.as_str(),
            RunOutcome::Error => Status::Error.as_str(),
            RunOutcome::TimedOut => Status::TimedOut.as_str(),
            RunOutcome::InProgress => Status::InProgress.as_str(),
            RunOutcome::Interrupted(_) => "Interrupted",
        }
    }

    /// The exit code a CI step branches on.
    pub fn exit(self) -> Exit {
        Exit::of(Ok(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [RunOutcome; 6] = [
        RunOutcome::Success,
        RunOutcome::Error,
        RunOutcome::TimedOut,
        RunOutcome::InProgress,
        RunOutcome::Interrupted(Signal::Interrupt),
        RunOutcome::Interrupted(Signal::Terminate),
    ];

    #[test]
    fn each_outcome_has_its_documented_exit_label_and_words() {
        let table: Vec<(u8, &str, &str)> = ALL
            .iter()
            .map(|o| (o.exit().code(), o.label(), o.words()))
            .collect();
        assert_eq!(
            table,
            [
                (0, "Success", "Success"),
                (1, "Error", "Error"),
                (3, "TimedOut", "Timed out"),
                (3, "InProgress", "In progress"),
                (130, "Interrupted", "Interrupted"),
                (143, "Interrupted", "Interrupted"),
            ]
        );
    }

    #[test]
    fn outcomes_are_told_in_the_words_of_the_table() {
        assert_eq!(RunOutcome::TimedOut.words(), Status::TimedOut.to_string());
        assert_eq!(
            RunOutcome::InProgress.words(),
            Status::InProgress.to_string()
        );
        assert_eq!(
            RunOutcome::Interrupted(Signal::Interrupt).words(),
            "Interrupted"
        );
        assert_eq!(RunOutcome::Error.words(), "Error");
    }

    #[test]
    fn a_verdict_keeps_its_outcome() {
        assert_eq!(
            RunOutcome::of_verdict(Outcome::TimedOut),
            RunOutcome::TimedOut
        );
        assert_eq!(RunOutcome::of_verdict(Outcome::Error), RunOutcome::Error);
        assert_eq!(
            RunOutcome::of_verdict(Outcome::Success),
            RunOutcome::Success
        );
    }

    #[test]
    fn a_snapshot_is_judged_by_the_application_status() {
        assert_eq!(
            RunOutcome::of_snapshot(Status::Success),
            RunOutcome::Success
        );
        assert_eq!(RunOutcome::of_snapshot(Status::Error), RunOutcome::Error);
        assert_eq!(RunOutcome::of_snapshot(Status::TimedOut), RunOutcome::Error);
        assert_eq!(
            RunOutcome::of_snapshot(Status::InProgress),
            RunOutcome::InProgress
        );
    }

    #[test]
    fn a_signal_says_which_one() {
        assert_eq!(Signal::Interrupt.stopped_by(), "stopped by Ctrl-C (SIGINT)");
        assert_eq!(Signal::Terminate.stopped_by(), "stopped by SIGTERM");
    }
}
