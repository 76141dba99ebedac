//! The status engine: per-kind status rules, parent/child linking and the stabilization state
//! machine. Pure: no IO, no async, no clock reads (time is passed in).
//!
//! # Using it
//!
//! A run creates one [`Tracker`] with a [`Config`] (stabilization window, deadline,
//! `wait_for_jobs`, whether an Error settles the run), then:
//!
//! - [`Tracker::track`]`(key, generation)` for every applied object, with the generation the
//!   apply response returned (watch mode may track and [`Tracker::untrack`] at any time);
//! - [`Tracker::observe`]`(Change::Added | Modified | Deleted, now)` for every change a watch
//!   reports, of any kind, tracked objects and their children (ReplicaSets, Pods, Jobs) alike,
//!   in any order: objects that no tracked object owns yet are kept until their parent shows up;
//! - Warning Events (core/v1 or events.k8s.io/v1) through `observe` like any object: they
//!   are filed under the object they are about; one that stops it (a volume that cannot be
//!   mounted, pods that cannot be created) makes it an Error once it has stood for the
//!   stabilization window;
//! - [`Tracker::connection_lost`]`(reason, now)` when a watch fails and
//!   [`Tracker::connection_restored`]`(now)` once every watch has listed again: no verdict is
//!   reached from what may be stale in between;
//! - [`Tracker::tick`]`(now)` every 100–250 ms, or at [`Tracker::next_wakeup`];
//! - [`Tracker::snapshot`]`(now)` to render, and [`Tracker::verdict`] to exit the moment the
//!   run's outcome is known.
//!
//! Time is a [`Moment`]: a `Duration` since the run started, supplied by the caller.
//!
//! # Rules
//!
//! Statuses follow the decision table of `status-rules.md` §14: an object is In progress,
//! Success or Error (Timed out once the deadline passes while it is in progress), with a message
//! in kubectl's wording and, for parents, a [`ChildSummary`] whose worst [`Chain`] leads down to
//! the failing container. [`rules::evaluate`] judges a single snapshot against a [`Store`] of
//! the other objects, for callers that want a status without a run.
//!
//! The application rolls up to Error if any object is in Error, else In progress if any is,
//! else Success. Once that is settled (all Success, or any Error) it must hold for the
//! stabilization window; any status change restarts the window, and so does a lost connection
//! (the window starts again when it is back).

pub mod applications;
pub mod children;
pub mod failure;
pub mod health;
pub mod json;
pub mod kinds;
pub mod logs;
pub mod model;
pub mod node;
pub mod reduce;
pub mod relevance;
pub mod rules;
pub mod selectors;
pub mod slots;
pub mod tracker;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use children::Store;
pub use health::HealthRules;
pub use model::{
    Chain, ChainLink, ChildSummary, ConnectionState, ContainerDetail, ContainerRole,
    ContainerState, Detail, Moment, ObjectKey, ObjectStatus, Outcome, Status, Verdict,
};
pub use tracker::{Change, Config, Snapshot, TrackedObject, Tracker};
