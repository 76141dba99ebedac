//! `apply --steps`: each step applied (Namespaces and CRDs first, as without steps) and tracked
//! to its own verdict in turn, the next applied only after a Success; the run concluded with
//! one section per step.
//!
//! Each step tracks only its own objects, from its apply to its verdict: the objects of earlier
//! steps are done, and shown frozen in the state in which their step ended. The deadline is
//! the run's (`--timeout` counts from the start of the run, so later steps get what is left).

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

use super::{Planned, apply_batch, resolve_deferred, wait_for_crds};
use crate::cli::{ApplyArgs, GlobalArgs};
use crate::cluster::apply::ApplyOptions;
use crate::cluster::client::Connection;
use crate::cluster::discovery::Resolver;
use crate::cmd::track::{self, KnownObject, Mode, TrackPlan};
use crate::engine::{Config, ObjectKey};
use crate::error::Error;
use crate::manifest::Manifest;
use crate::outcome::RunOutcome;
use crate::plan;
use crate::render::output::{Conclusion, Output};
use crate::render::steps::StepSection;
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
}

pub(super) async fn run(run: StepRun<'_, '_>, mut output: Output) -> Result<RunOutcome, Error> {
    let StepRun {
        global,
        args,
        connection,
        resolver,
        planned,
        manifests,
        steps,
        options,
        started,
    } = run;
    let unresolved: Vec<usize> = (0..planned.len())
        .filter(|&i| planned[i].resource.is_none())
        .collect();
    let problems = steps::defined_too_late(manifests, steps, &unresolved);
    if !problems.is_empty() {
        return Err(Error::manifest(problems));
    }

    let names: Vec<String> = steps.iter().map(|s| s.name.clone()).collect();
    let total = steps.len();
    let mut sections: Vec<StepSection> = Vec::new();
    let mut last = None;
    for (i, step) in steps.iter().enumerate() {
        let index = i + 1;
        let step_started = started.elapsed();
        output.start_step(index, &names, step_started);

        let local = &manifests[step.range.clone()];
        let (first, rest) = plan::apply_phases(local);
        let global_index = |local: Vec<usize>| -> Vec<usize> {
            local.into_iter().map(|j| j + step.range.start).collect()
        };
        let (first, rest) = (global_index(first), global_index(rest));
        let mut applied: HashMap<usize, Value> = HashMap::new();
        apply_batch(
            connection,
            planned,
            &first,
            options,
            &mut output,
            &mut applied,
        )
        .await?;
        if !options.dry_run {
            wait_for_crds(connection, manifests, &first, &mut output).await?;
        }
        resolve_deferred(
            resolver,
            &mut planned[step.range.clone()],
            connection,
            global,
            options.dry_run,
        )
        .await?;
        apply_batch(
            connection,
            planned,
            &rest,
            options,
            &mut output,
            &mut applied,
        )
        .await?;
        if options.dry_run {
            continue;
        }

        let mut known = Vec::with_capacity(step.range.len());
        let mut kinds = Vec::new();
        for j in step.range.clone() {
            let object = applied.remove(&j).expect("every object was applied");
            let resource = planned[j]
                .resource
                .clone()
                .expect("every object was resolved");
            kinds.push((resource, planned[j].namespace.clone()));
            known.extend(KnownObject::applied(object, manifests[j].origin.clone()));
        }
        let plan = TrackPlan {
            known,
            discover: None,
            targets: track::watch_targets(&kinds, None),
            config: Config {
                stabilization: args.tracking.stabilization,
                // Counted from the run's start: one deadline for every step.
                timeout: plan::deadline(args.tracking.timeout),
                wait_for_jobs: args.wait_for_jobs,
                settle_on_error: true,
            },
            mode: Mode::Verdict,
            started,
        };
        let tracked = track::track(connection, &plan, &mut output).await?;
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
        let succeeded = tracked.outcome == RunOutcome::Success;
        last = Some(tracked);
        if !succeeded {
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

    let last = last.expect("at least one step ran");
    let deciding = sections.last().expect("at least one step ran");
    let (outcome, reason) = match last.outcome {
        RunOutcome::Success => (RunOutcome::Success, format!("all {total} steps succeeded")),
        outcome => (outcome, format!("{}: {}", deciding.title(), last.reason)),
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
                    planned[j].namespace.as_deref(),
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
    let mut snapshot = last.snapshot.clone();
    snapshot.objects = ran
        .clone()
        .flat_map(|s| s.snapshot.objects.iter().cloned())
        .collect();
    let failures: Vec<_> = ran.flat_map(|s| s.failures.iter().cloned()).collect();
    let origins: Vec<(ObjectKey, crate::manifest::Origin)> = manifests
        .iter()
        .zip(planned.iter())
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
