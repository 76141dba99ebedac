//! `apply --prune --applyset`: checks and records the set's parent, labels the manifests, and
//! after the verdict (or, with `--prune-before-verdict`, before tracking) deletes the members
//! the manifests no longer hold and waits for them to be gone.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::Planned;
use crate::applyset::{self, GroupKind, Member, ParentKind, ParentRef, Recorded};
use crate::cli::{ApplyArgs, GlobalArgs};
use crate::cluster::applyset as api;
use crate::cluster::client::Connection;
use crate::cluster::discovery::{Resolver, Resource};
use crate::cluster::errors;
use crate::cmd::track::{self, TrackPlan};
use crate::engine::Moment;
use crate::error::{Error, ManifestProblem};
use crate::manifest::Manifest;
use crate::outcome::RunOutcome;
use crate::render::output::{Conclusion, Output};
use crate::render::pruned::{PruneStatus, PrunedObject};

/// How often a pruned object is looked up while it terminates.
const GONE_POLL: Duration = Duration::from_millis(500);
/// How long deletions are awaited when the run has no timeout.
const GONE_WAIT_WITHOUT_TIMEOUT: Duration = Duration::from_secs(300);

/// The flags, checked before anything is read or sent: `--prune` needs `--applyset`.
/// `--applyset` alone labels the objects and records the set without pruning.
pub fn check_flags(args: &ApplyArgs) -> Result<Option<ParentRef>, Error> {
    if args.prune && args.applyset.is_none() {
        return Err(
            Error::usage("--prune needs --applyset NAME: the set to prune")
                .with_hint("e.g. --prune --applyset web"),
        );
    }
    if args.prune_before_verdict && !args.prune {
        return Err(Error::usage("--prune-before-verdict needs --prune"));
    }
    let Some(value) = &args.applyset else {
        return Ok(None);
    };
    if args.steps {
        return Err(Error::usage("--applyset cannot be combined with --steps"));
    }
    ParentRef::parse(value).map(Some).map_err(Error::usage)
}

/// A set being applied: its parent and what the parent recorded before this run.
pub struct ApplySet {
    parent: ParentRef,
    namespace: String,
    id: String,
    resource: Resource,
    previous: Recorded,
}

impl ApplySet {
    fn display(&self) -> String {
        format!(
            "{}/{} -n {}",
            self.parent.kind.kind(),
            self.parent.name,
            self.namespace
        )
    }
}

fn parent_resource(kind: ParentKind) -> Resource {
    match kind {
        ParentKind::Secret => Resource::well_known("", "v1", "Secret", "secrets", true),
        ParentKind::ConfigMap => Resource::well_known("", "v1", "ConfigMap", "configmaps", true),
    }
}

/// Reads the parent (refusing one of another tool or set) and labels every manifest as a
/// member; nothing is sent yet.
pub async fn open(
    connection: &Connection,
    global: &GlobalArgs,
    parent: ParentRef,
    manifests: &mut [Manifest],
) -> Result<ApplySet, Error> {
    let namespace = global
        .namespace
        .clone()
        .unwrap_or_else(|| connection.default_namespace.clone());
    let resource = parent_resource(parent.kind);
    let id = parent.id(&namespace);
    let mut set = ApplySet {
        parent,
        namespace,
        id,
        resource,
        previous: Recorded::default(),
    };
    let found = api::get_metadata(
        &connection.client,
        &set.resource,
        Some(&set.namespace),
        &set.parent.name,
    )
    .await
    .map_err(|err| failed(connection, &set.display(), "read the ApplySet parent", err))?;
    if let Some(metadata) = found {
        set.previous = applyset::check_parent(&metadata, &set.display(), &set.id)
            .map_err(|why| {
                Error::usage(why).with_hint(
                    "choose another --applyset name; kstatus never changes nor prunes a set it does not manage",
                )
            })?;
    }
    let problems: Vec<ManifestProblem> = manifests
        .iter_mut()
        .filter_map(|manifest| {
            applyset::label_member(&mut manifest.object, &set.id)
                .err()
                .map(|why| ManifestProblem {
                    location: manifest.origin.to_string(),
                    message: format!("{}: {why}", manifest.display_name()),
                })
        })
        .collect();
    if !problems.is_empty() {
        return Err(Error::manifest(problems));
    }
    Ok(set)
}

fn failed(connection: &Connection, subject: &str, what: &str, err: kube::Error) -> Error {
    Error::cluster(format!(
        "{subject}: cannot {what} on {}: {}",
        connection.server,
        errors::describe(&err)
    ))
    .with_source(err)
}

/// The members this run applies.
pub fn members(planned: &[Planned<'_>]) -> BTreeSet<Member> {
    planned
        .iter()
        .map(|p| Member {
            group_kind: GroupKind::new(p.manifest.group(), p.manifest.kind()),
            namespace: p.namespace.clone(),
            name: p.manifest.name().to_string(),
        })
        .collect()
}

fn recorded_of(members: &BTreeSet<Member>) -> Recorded {
    Recorded {
        group_kinds: members.iter().map(|m| m.group_kind.clone()).collect(),
        namespaces: members.iter().filter_map(|m| m.namespace.clone()).collect(),
    }
}

/// Records the set on its parent (creating it): before the apply, the union of the previous and
/// new sets, so that an interrupted run leaves every member findable; after pruning, the new set.
pub async fn record(
    connection: &Connection,
    set: &ApplySet,
    members: &BTreeSet<Member>,
    field_manager: &str,
    union_with_previous: bool,
) -> Result<(), Error> {
    let mut recorded = recorded_of(members);
    if union_with_previous {
        recorded
            .group_kinds
            .extend(set.previous.group_kinds.iter().cloned());
        recorded
            .namespaces
            .extend(set.previous.namespaces.iter().cloned());
    }
    let body = applyset::parent_body(&set.parent, &set.namespace, &recorded);
    api::apply_parent(
        &connection.client,
        &set.resource,
        &set.namespace,
        &set.parent.name,
        &body,
        field_manager,
    )
    .await
    .map_err(|err| {
        failed(
            connection,
            &set.display(),
            "record the ApplySet parent",
            err,
        )
    })
}

/// One member to prune with the resource serving it.
struct Doomed {
    member: Member,
    resource: Resource,
}

/// The members of the set (previous and new kinds, in every namespace of the set) that the
/// manifests no longer hold.
async fn find_doomed(
    connection: &Connection,
    resolver: &Resolver,
    set: &ApplySet,
    applied: &BTreeSet<Member>,
    output: &mut Output,
) -> Result<Vec<Doomed>, Error> {
    let new = recorded_of(applied);
    let kinds: BTreeSet<&GroupKind> = set
        .previous
        .group_kinds
        .iter()
        .chain(new.group_kinds.iter())
        .collect();
    let mut namespaces: BTreeSet<&String> = set
        .previous
        .namespaces
        .iter()
        .chain(new.namespaces.iter())
        .collect();
    namespaces.insert(&set.namespace);
    let selector = format!("{}={}", applyset::PART_OF_LABEL, set.id);
    let mut doomed = Vec::new();
    for kind in kinds {
        // `Kind.` names the core group alone: a core kind is never looked for elsewhere.
        let name = format!("{}.{}", kind.kind, kind.group);
        let resource = resolver
            .find(&name)
            .await
            .map_err(|err| failed(connection, &kind.to_string(), "resolve", err))?;
        let Some(resource) = resource else {
            output.warn(&format!(
                "ApplySet {}: kind {kind} is no longer served; its members cannot be pruned",
                set.parent.name
            ));
            continue;
        };
        let scopes: Vec<Option<&str>> = if resource.namespaced {
            namespaces.iter().map(|ns| Some(ns.as_str())).collect()
        } else {
            vec![None]
        };
        let mut listed = Vec::new();
        for scope in scopes {
            let found = api::list_members(&connection.client, &resource, scope, &selector)
                .await
                .map_err(|err| {
                    failed(connection, &kind.to_string(), "list the set's members", err)
                })?;
            listed.extend(found.into_iter().map(|(namespace, name, labels)| {
                let member = Member {
                    group_kind: kind.clone(),
                    namespace: namespace.filter(|_| resource.namespaced),
                    name,
                };
                (member, labels)
            }));
        }
        doomed.extend(
            applyset::to_prune(listed, applied, &set.id)
                .into_iter()
                .map(|member| Doomed {
                    member,
                    resource: resource.clone(),
                }),
        );
    }
    Ok(doomed)
}

fn pruned(member: &Member, status: PruneStatus, message: String) -> PrunedObject {
    PrunedObject {
        api_group: member.group_kind.group.clone(),
        kind: member.group_kind.kind.clone(),
        namespace: member.namespace.clone(),
        name: member.name.clone(),
        status,
        message,
    }
}

/// Sends the deletions; what failed is final, the rest is `Deleting` until awaited.
async fn delete_all(
    connection: &Connection,
    doomed: &[Doomed],
    dry_run: bool,
    output: &mut Output,
) -> Vec<PrunedObject> {
    let mut results = Vec::with_capacity(doomed.len());
    for d in doomed {
        let sent = api::delete(
            &connection.client,
            &d.resource,
            d.member.namespace.as_deref(),
            &d.member.name,
            dry_run,
        )
        .await;
        results.push(match sent {
            Ok(()) if dry_run => {
                output.note(&format!("Would prune {} (server dry run)", d.member));
                pruned(
                    &d.member,
                    PruneStatus::WouldPrune,
                    "not in the manifests".into(),
                )
            }
            Ok(()) => {
                output.note(&format!("Pruning {}", d.member));
                pruned(
                    &d.member,
                    PruneStatus::Deleting,
                    "deletion requested".into(),
                )
            }
            Err(err) => {
                let why = errors::describe(&err);
                output.warn(&format!("Cannot prune {}: {why}", d.member));
                pruned(
                    &d.member,
                    PruneStatus::Error,
                    format!("cannot delete: {why}"),
                )
            }
        });
    }
    results
}

/// Waits until every deleted member is gone or the deadline passes; a member still there is
/// reported with the finalizers it waits on.
async fn await_gone(
    connection: &Connection,
    doomed: &[Doomed],
    results: &mut [PrunedObject],
    deadline: Instant,
    output: &mut Output,
) {
    loop {
        let mut waiting = false;
        for (d, result) in doomed.iter().zip(results.iter_mut()) {
            if result.status != PruneStatus::Deleting {
                continue;
            }
            let found = api::get_metadata(
                &connection.client,
                &d.resource,
                d.member.namespace.as_deref(),
                &d.member.name,
            )
            .await;
            match found {
                Ok(None) => {
                    output.note(&format!("Pruned {}", d.member));
                    result.status = PruneStatus::Pruned;
                    result.message = "deleted".into();
                }
                Ok(Some(metadata)) => {
                    waiting = true;
                    let finalizers: Vec<&str> = metadata
                        .get("finalizers")
                        .and_then(|f| f.as_array())
                        .map(|f| f.iter().filter_map(|v| v.as_str()).collect())
                        .unwrap_or_default();
                    if !finalizers.is_empty() {
                        result.message = format!(
                            "terminating, waiting on finalizer {}",
                            finalizers.join(", ")
                        );
                    }
                }
                // A failed lookup is asked again until the deadline.
                Err(_) => waiting = true,
            }
        }
        if !waiting {
            return;
        }
        if Instant::now() >= deadline {
            for result in results
                .iter_mut()
                .filter(|r| r.status == PruneStatus::Deleting)
            {
                result.status = PruneStatus::TimedOut;
                if result.message == "deletion requested" {
                    result.message = "still terminating at the deadline".into();
                }
                output.warn(&format!(
                    "{}/{}: not gone: {}",
                    result.kind, result.name, result.message
                ));
            }
            return;
        }
        tokio::time::sleep(GONE_POLL).await;
    }
}

/// `--dry-run=server`: what would be pruned, nothing deleted.
pub async fn dry_run(
    connection: &Connection,
    resolver: &Resolver,
    set: &ApplySet,
    applied: &BTreeSet<Member>,
    output: &mut Output,
) -> Result<(), Error> {
    let doomed = find_doomed(connection, resolver, set, applied, output).await?;
    let results = delete_all(connection, &doomed, true, output).await;
    if results.is_empty() {
        output.note(&format!("ApplySet {}: nothing to prune", set.parent.name));
    }
    output.pruned(results);
    Ok(())
}

/// What a run with `--applyset` does after the apply: track, prune (after Success, or with
/// `--prune-before-verdict` from the start), record the new set, conclude.
pub struct AfterApply<'a> {
    pub connection: &'a Connection,
    pub resolver: &'a Resolver,
    pub args: &'a ApplyArgs,
    pub set: ApplySet,
    pub applied: BTreeSet<Member>,
    pub plan: TrackPlan,
}

pub async fn track_and_prune(run: AfterApply<'_>, mut output: Output) -> Result<RunOutcome, Error> {
    let AfterApply {
        connection,
        resolver,
        args,
        set,
        applied,
        plan,
    } = run;
    let deadline = match crate::plan::deadline(args.tracking.timeout) {
        Some(timeout) => (plan.started + timeout).max(Instant::now() + Duration::from_secs(10)),
        None => Instant::now() + GONE_WAIT_WITHOUT_TIMEOUT,
    };
    let mut early: Option<(Vec<Doomed>, Vec<PrunedObject>)> = None;
    if args.prune && args.prune_before_verdict {
        let doomed = find_doomed(connection, resolver, &set, &applied, &mut output).await?;
        let results = delete_all(connection, &doomed, false, &mut output).await;
        early = Some((doomed, results));
    }
    let mut tracked = track::track(connection, &plan, &mut output).await?;
    let mut results = Vec::new();
    let mut pruned_any = false;
    if args.prune {
        let pruning = match early {
            Some(early) => Some(early),
            None if tracked.outcome == RunOutcome::Success => {
                let doomed = find_doomed(connection, resolver, &set, &applied, &mut output).await?;
                let results = delete_all(connection, &doomed, false, &mut output).await;
                Some((doomed, results))
            }
            None => {
                output.note(&format!(
                    "ApplySet {}: verdict {}, nothing pruned",
                    set.parent.name,
                    tracked.outcome.words()
                ));
                None
            }
        };
        if let Some((doomed, mut pruning)) = pruning {
            await_gone(connection, &doomed, &mut pruning, deadline, &mut output).await;
            results = pruning;
            pruned_any = true;
        }
    }
    let failed = results
        .iter()
        .filter(|r| r.status == PruneStatus::Error)
        .count();
    let stuck = results
        .iter()
        .filter(|r| r.status == PruneStatus::TimedOut)
        .count();
    if failed == 0 && stuck == 0 && (tracked.outcome == RunOutcome::Success || !args.prune) {
        record(
            connection,
            &set,
            &applied,
            &args.ssa.field_manager,
            !args.prune,
        )
        .await?;
    }
    if tracked.outcome == RunOutcome::Success && failed > 0 {
        tracked.outcome = RunOutcome::Error;
        tracked.reason = format!("{failed} pruned object(s) could not be deleted");
    } else if tracked.outcome == RunOutcome::Success && stuck > 0 {
        tracked.outcome = RunOutcome::TimedOut;
        tracked.reason = format!("{stuck} pruned object(s) still terminating at the deadline");
    }
    if pruned_any {
        // The run's time includes the wait for the pruned objects to be gone.
        tracked.snapshot.at = Moment(plan.started.elapsed());
        output.pruned(results);
    }
    output.conclude(&Conclusion {
        snapshot: &tracked.snapshot,
        outcome: tracked.outcome,
        reason: &tracked.reason,
        failures: &tracked.failures,
        origins: &tracked.origins,
        steps: &[],
    });
    Ok(tracked.outcome)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::error::ErrorKind;

    fn checked(flags: &[&str]) -> Result<Option<ParentRef>, Error> {
        let mut args = vec!["kstatus", "apply", "-f", "x.yaml"];
        args.extend_from_slice(flags);
        let Command::Apply(apply) = Cli::try_parse_from(args).unwrap().command else {
            unreachable!("an apply command line")
        };
        check_flags(&apply)
    }

    #[test]
    fn prune_needs_an_applyset_and_applyset_alone_only_labels() {
        assert_eq!(checked(&["--prune"]).unwrap_err().kind(), ErrorKind::Usage);
        assert_eq!(
            checked(&["--prune-before-verdict", "--applyset", "s"])
                .unwrap_err()
                .kind(),
            ErrorKind::Usage
        );
        assert_eq!(
            checked(&["--applyset", "s", "--steps"]).unwrap_err().kind(),
            ErrorKind::Usage
        );
        assert_eq!(
            checked(&["--applyset", "deployments/s"])
                .unwrap_err()
                .kind(),
            ErrorKind::Usage
        );
        let parent = checked(&["--applyset", "configmaps/s"]).unwrap().unwrap();
        assert_eq!(parent.kind, ParentKind::ConfigMap);
        assert!(checked(&["--prune", "--applyset", "s"]).unwrap().is_some());
        assert!(checked(&[]).unwrap().is_none());
    }
}
