//! `apply --steps`: each step applied (Namespaces and CRDs first, as without steps) and tracked
//! to its own verdict in turn, the next applied only after a Success; the run concluded with
//! one section per step.
//!
//! Each step tracks only its own objects, from its apply to its verdict: the objects of earlier
//! steps are done, and shown frozen in the state in which their step ended. The deadline is
//! the run's (`--timeout` counts from the start of the run, so later steps get what is left).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::{Planned, apply_batch, noop, resolve_deferred, tracking_plan, wait_for_crds};
use crate::cli::{ApplyArgs, GlobalArgs};
use crate::cluster::apply::ApplyOptions;
use crate::cluster::client::Connection;
use crate::cluster::discovery::Resolver;
use crate::cmd::track;
use crate::engine::{HealthRules, Moment, ObjectKey};
use crate::error::Error;
use crate::manifest::Manifest;
use crate::outcome::{RunOutcome, Signal};
use crate::plan;
use crate::render::output::{Conclusion, Output};
use crate::render::steps::{self as step_render, StepSection};
use crate::steps::{self, Step};

/// What every step shares.
pub(super) struct StepRun<'r, 'm> {
    pub global: &'r GlobalArgs,
    pub args: &'r ApplyArgs,
    pub connection: &'r Connection,
    pub resolver: &'r mut Resolver,
    pub planned: &'r mut [Planned<'m>],
    pub manifests: &'m [Manifest],
    pub steps: &'r [Step],
    pub options: &'r ApplyOptions,
    pub started: Instant,
    pub health_rules: &'r Arc<HealthRules>,
}

pub(super) async fn run(mut run: StepRun<'_, '_>, mut output: Output) -> Result<RunOutcome, Error> {
    let StepRun {
        args,
        manifests,
        steps,
        options,
        started,
        ..
    } = run;
    let unresolved: Vec<usize> = (0..run.planned.len())
        .filter(|&i| run.planned[i].resource.is_none())
        .collect();
    let problems = steps::defined_too_late(manifests, steps, &unresolved);
    if !problems.is_empty() {
        return Err(Error::manifest(problems));
    }

    let names: Vec<String> = steps.iter().map(|s| s.name.clone()).collect();
    let total = steps.len();
    let mut sections: Vec<StepSection> = Vec::new();
    let mut last_snapshot = None;
    for (i, step) in steps.iter().enumerate() {
        let index = i + 1;
        let step_started = started.elapsed();
        output.start_step(index, &names, step_started);

        // Once a step has been tracked, Ctrl-C no longer ends the process by itself: the
        // apply of the next step listens for it, as tracking does.
        let mut signals = track::signal_stream();
        let applying = async {
            // A step that changed nothing and is all Success ends at once, as a whole run does.
            let before = if options.dry_run {
                noop::Before::unknown()
            } else {
                noop::read_before(run.connection, run.planned, step.range.clone()).await
            };
            let applied = run.apply_step(step, &mut output).await?;
            Ok::<_, Error>((before, applied))
        };
        let (before, mut applied) = tokio::select! {
            applied = applying => applied?,
            signal = signals.recv() => {
                let outcome = RunOutcome::Interrupted(signal.unwrap_or(Signal::Interrupt));
                if options.dry_run {
                    output.note(&format!("{}: server dry run interrupted", step_render::title(index, total, &step.name)));
                    return Ok(outcome);
                }
                let section = StepSection {
                    outcome: Some(outcome),
                    reason: signal.unwrap_or(Signal::Interrupt).stopped_by().to_string(),
                    elapsed: started.elapsed().saturating_sub(step_started),
                    ..StepSection::not_started(&step.name, index, total, String::new(), Vec::new())
                };
                output.end_step(&section, started.elapsed());
                sections.push(section);
                break;
            }
        };
        if options.dry_run {
            continue;
        }

        let unchanged = before.unchanged(&applied, step.range.clone());
        let mut plan = tracking_plan(
            args,
            run.planned,
            &mut applied,
            step.range.clone(),
            run.options,
            started,
            run.health_rules,
        );
        plan.unchanged = unchanged;
        let tracked = track::track(run.connection, &plan, &mut output).await?;
        let section = StepSection {
            name: step.name.clone(),
            index,
            total,
            outcome: Some(tracked.outcome),
            reason: tracked.reason.clone(),
            elapsed: tracked.snapshot.at.0.saturating_sub(step_started),
            snapshot: tracked.snapshot.clone(),
            failures: tracked.failures.clone(),
            pending: Vec::new(),
        };
        output.end_step(&section, started.elapsed());
        sections.push(section);
        last_snapshot = Some(tracked.snapshot);
        if tracked.outcome != RunOutcome::Success {
            break;
        }
    }

    if options.dry_run {
        output.note(&format!(
            "server dry run: {} objects of {total} steps validated by the server in order, \
             nothing persisted, nothing tracked",
            manifests.len()
        ));
        return Ok(RunOutcome::Success);
    }

    let deciding = sections.last().expect("at least one step ran").clone();
    let (outcome, reason) = match deciding.outcome.expect("a step that ran") {
        RunOutcome::Success => (RunOutcome::Success, format!("all {total} steps succeeded")),
        outcome => (
            outcome,
            format!("{}: {}", deciding.title(), deciding.reason),
        ),
    };
    let why_not_started = format!("{} did not succeed ({})", deciding.title(), outcome.words());
    for (i, step) in steps.iter().enumerate().skip(sections.len()) {
        let pending = step
            .range
            .clone()
            .map(|j| {
                let manifest = &manifests[j];
                ObjectKey::new(
                    manifest.group(),
                    manifest.kind(),
                    run.planned[j].namespace.as_deref(),
                    manifest.name(),
                )
            })
            .collect();
        sections.push(StepSection::not_started(
            &step.name,
            i + 1,
            total,
            why_not_started.clone(),
            pending,
        ));
    }

    let ran = sections.iter().filter(|s| s.outcome.is_some());
    // The last step tracked says how the run looked at its end, but the deciding step's status
    // is the run's (In progress for a step interrupted while it was being applied).
    let mut snapshot = last_snapshot.unwrap_or_else(|| deciding.snapshot.clone());
    snapshot.at = Moment(started.elapsed());
    snapshot.application = deciding.snapshot.application;
    snapshot.objects = ran
        .clone()
        .flat_map(|s| s.snapshot.objects.iter().cloned())
        .collect();
    let failures: Vec<_> = ran.flat_map(|s| s.failures.iter().cloned()).collect();
    let origins: Vec<(ObjectKey, crate::manifest::Origin)> = manifests
        .iter()
        .zip(run.planned.iter())
        .map(|(manifest, entry)| {
            let key = ObjectKey::new(
                manifest.group(),
                manifest.kind(),
                entry.namespace.as_deref(),
                manifest.name(),
            );
            (key, manifest.origin.clone())
        })
        .collect();
    output.conclude(&Conclusion {
        snapshot: &snapshot,
        outcome,
        reason: &reason,
        failures: &failures,
        origins: &origins,
        steps: &sections,
    });
    Ok(outcome)
}

impl StepRun<'_, '_> {
    /// Applies one step as a whole run is applied: Namespaces and CRDs first (CRDs awaited
    /// until Established, the kinds they define resolved), then the rest. Returns what the
    /// server returned for each object, by index into the run's manifests.
    async fn apply_step(
        &mut self,
        step: &Step,
        output: &mut Output,
    ) -> Result<HashMap<usize, Value>, Error> {
        let (first, rest) = plan::apply_phases(&self.manifests[step.range.clone()]);
        let in_run = |local: Vec<usize>| -> Vec<usize> {
            local.into_iter().map(|j| j + step.range.start).collect()
        };
        let (first, rest) = (in_run(first), in_run(rest));
        let (connection, options) = (self.connection, self.options);
        let mut applied: HashMap<usize, Value> = HashMap::new();
        apply_batch(
            connection,
            self.planned,
            &first,
            options,
            output,
            &mut applied,
        )
        .await?;
        if !options.dry_run {
            wait_for_crds(connection, self.manifests, &first, output).await?;
        }
        resolve_deferred(
            self.resolver,
            &mut self.planned[step.range.clone()],
            connection,
            self.global,
            options.dry_run,
        )
        .await?;
        apply_batch(
            connection,
            self.planned,
            &rest,
            options,
            output,
            &mut applied,
        )
        .await?;
        Ok(applied)
    }
}
