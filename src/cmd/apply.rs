//! `kstatus apply`: load, validate, order, server-side apply, track, stabilize, report.

mod noop;
mod prune;
mod steps;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Ended;
use super::secrets;
use super::track::{self, KnownObject, Mode, TrackPlan};
use crate::cli::{ApplyArgs, DryRun, GlobalArgs};
use crate::cluster::apply::{ApplyOptions, ApplyRequest, apply_all};
use crate::cluster::client::{self, Connection};
use crate::cluster::discovery::{CrdWait, Resolver, Resource, wait_crd_established};
use crate::cluster::errors::{self, Request};
use crate::engine::{Config, HealthRules};
use crate::error::{Error, ErrorKind, ManifestProblem};
use crate::manifest::{self, Manifest};
use crate::outcome::RunOutcome;
use crate::plan::{self, InputCrds, Namespaces};
use crate::render::output::Output;
use crate::render::redact::Redactor;
use crate::steps::Step;

/// Requests in flight at once while applying: where the API server's own rate peaks on a 2-core
/// control plane (BENCHMARKS.md, ceiling: best at 128 in most runs, 5-30 % above 48, more so
/// when the machine is busy). Beyond the ~59 seats API Priority and Fairness gives the
/// global-default level of a default server, the rest waits in the flow's queues (6 queues of
/// 50: about 12 each) instead of being refused; a refusal (429) is retried after the server's
/// Retry-After anyway.
const APPLY_CONCURRENCY: usize = 128;
/// How long to wait for a CRD from the input to be Established and served.
const CRD_READY_TIMEOUT: Duration = Duration::from_secs(60);

pub fn run(global: &GlobalArgs, args: &ApplyArgs) -> Ended {
    let input = read_input(args);
    // What to hide is known with the manifests: their Secret values and --redact.
    let mut secrets = args.redact.clone();
    if let Ok((_, manifests, _, _)) = &input {
        secrets.extend(manifest::secret_values(manifests));
    }
    let redactor = Redactor::new(secrets);
    let result = input.and_then(|(adopt, manifests, steps, health_rules)| {
        super::block_on(apply(
            global,
            args,
            adopt,
            manifests,
            steps,
            health_rules,
            redactor.clone(),
        ))?
    });
    Ended { result, redactor }
}

/// The adopted managers, the manifests, the steps (none without --steps) and the health rules.
type Input = (Vec<String>, Vec<Manifest>, Vec<Step>, Arc<HealthRules>);

/// The adopted managers, the manifests, with --steps the steps, and the health rules:
/// everything is read and validated before any request is sent.
fn read_input(args: &ApplyArgs) -> Result<Input, Error> {
    prune::check_flags(args)?;
    let adopt = super::adopted_managers(&args.ssa)?;
    let health_rules = super::health::load(&args.tracking.health_rules)?;
    if args.steps {
        let (manifests, steps) = crate::steps::load(
            &args.filenames,
            args.recursive,
            &mut std::io::stdin().lock(),
        )?;
        return Ok((adopt, manifests, steps, health_rules));
    }
    let manifests = manifest::load(
        &args.filenames,
        args.recursive,
        &mut std::io::stdin().lock(),
    )?;
    Ok((adopt, manifests, Vec::new(), health_rules))
}

/// A manifest with everything needed to apply and track it.
struct Planned<'a> {
    manifest: &'a Manifest,
    resource: Option<Resource>,
    namespace: Option<String>,
}

async fn apply(
    global: &GlobalArgs,
    args: &ApplyArgs,
    adopt: Vec<String>,
    manifests: Vec<Manifest>,
    steps: Vec<Step>,
    health_rules: Arc<HealthRules>,
    redactor: Redactor,
) -> Result<RunOutcome, Error> {
    let started = Instant::now();
    let settings = super::settings::resolve("apply", global, &args.output);
    let salt =
        super::secrets::salt_hiding_values(args.output.fingerprint_salt.as_deref(), &redactor);
    let mut output = Output::new(settings, redactor)?;
    let connection = client::connect(&super::connect_options(global)).await?;
    output.count_throttled(connection.throttle.counter());
    if let Some(timeout) = plan::deadline(args.tracking.timeout) {
        connection.throttle.set_deadline(started + timeout);
    }
    let mut resolver = Resolver::new(connection.client.clone());
    let mut manifests = manifests;
    let applyset = match prune::check_flags(args)? {
        Some(parent) => Some(prune::open(&connection, global, parent, &mut manifests).await?),
        None => None,
    };
    let mut planned = resolve_all(&mut resolver, &connection, global, &manifests).await?;

    let options = ApplyOptions {
        field_manager: args.ssa.field_manager.clone(),
        force_conflicts: args.ssa.force_conflicts,
        dry_run: args.dry_run == DryRun::Server,
        adopt,
        concurrency: APPLY_CONCURRENCY,
        fingerprint_salt: salt,
    };
    if !steps.is_empty() {
        let run = steps::StepRun {
            global,
            args,
            connection: &connection,
            resolver: &mut resolver,
            planned: &mut planned,
            manifests: &manifests,
            steps: &steps,
            options: &options,
            started,
            health_rules: &health_rules,
        };
        return steps::run(run, output).await;
    }

    // What every object's resourceVersion was, to know afterwards whether the apply changed
    // anything.
    let before = if options.dry_run {
        noop::Before::unknown()
    } else {
        noop::read_before(&connection, &planned, 0..manifests.len()).await
    };
    // The set is recorded before its objects are applied: an interrupted run leaves every
    // member findable from the parent.
    if let Some(set) = &applyset
        && !options.dry_run
    {
        let members = prune::members(&planned);
        prune::record(&connection, set, &members, &args.ssa.field_manager, true).await?;
    }

    // Phase 1: Namespaces and CRDs, so that what lives in them can apply.
    let (first_indexes, rest) = plan::apply_phases(&manifests);
    let mut applied: HashMap<usize, Value> = HashMap::new();
    apply_batch(
        &connection,
        &planned,
        &first_indexes,
        &options,
        &mut output,
        &mut applied,
    )
    .await?;

    // CRDs must be Established and their kinds served before custom resources can apply.
    if !options.dry_run {
        wait_for_crds(&connection, &manifests, &first_indexes, &mut output).await?;
    }
    resolve_deferred(
        &mut resolver,
        &mut planned,
        &connection,
        global,
        options.dry_run,
    )
    .await?;

    // Phase 2: everything else.
    apply_batch(
        &connection,
        &planned,
        &rest,
        &options,
        &mut output,
        &mut applied,
    )
    .await?;

    if options.dry_run {
        if let Some(set) = &applyset
            && args.prune
        {
            let members = prune::members(&planned);
            prune::dry_run(&connection, &resolver, set, &members, &mut output).await?;
        }
        output.note(&format!(
            "server dry run: {} objects validated by the server, nothing persisted, nothing tracked",
            manifests.len()
        ));
        return Ok(RunOutcome::Success);
    }

    let unchanged = before.unchanged(&applied, 0..manifests.len());
    let mut plan = tracking_plan(
        args,
        &planned,
        &mut applied,
        0..manifests.len(),
        &options,
        started,
        &health_rules,
    );
    plan.unchanged = unchanged;
    if let Some(set) = applyset {
        let run = prune::AfterApply {
            connection: &connection,
            resolver: &resolver,
            args,
            applied: prune::members(&planned),
            set,
            plan,
        };
        return prune::track_and_prune(run, output).await;
    }
    track::run(&connection, plan, output).await
}

/// What to track after applying the manifests at `indexes`: the objects the server returned,
/// the watches they need, the engine's settings from the flags.
fn tracking_plan(
    args: &ApplyArgs,
    planned: &[Planned<'_>],
    applied: &mut HashMap<usize, Value>,
    indexes: std::ops::Range<usize>,
    options: &ApplyOptions,
    started: Instant,
    health_rules: &Arc<HealthRules>,
) -> TrackPlan {
    let mut known = Vec::with_capacity(indexes.len());
    let mut kinds = Vec::new();
    for i in indexes {
        let object = applied.remove(&i).expect("every object was applied");
        let resource = planned[i]
            .resource
            .clone()
            .expect("every object was resolved");
        kinds.push((resource, planned[i].namespace.clone()));
        known.extend(KnownObject::applied(
            object,
            planned[i].manifest.origin.clone(),
        ));
    }
    let mut targets = track::watch_targets(&kinds, None);
    track::narrow_child_watches(&mut targets, &known);
    TrackPlan {
        known,
        discover: None,
        targets,
        config: Config {
            stabilization: args.tracking.stabilization,
            // Counted from the run's start: with --steps, one deadline for every step.
            timeout: plan::deadline(args.tracking.timeout),
            wait_for_jobs: args.wait_for_jobs,
            settle_on_error: true,
            health_rules: Arc::clone(health_rules),
        },
        mode: Mode::Verdict,
        started,
        // The watches see every Secret of the namespaces: the values this run hides are those
        // of the manifests and, read before the apply, the old ones of the Secrets it changes.
        salt: options.fingerprint_salt.without_value_sink(),
        logs: args.tracking.logs,
        unchanged: false,
    }
}

/// Resolves every kind and namespace before anything is applied. Kinds defined by a CRD in the
/// same input are resolved later, once the CRD is established.
async fn resolve_all<'a>(
    resolver: &mut Resolver,
    connection: &Connection,
    global: &GlobalArgs,
    manifests: &'a [Manifest],
) -> Result<Vec<Planned<'a>>, Error> {
    let mut resources = Vec::with_capacity(manifests.len());
    for manifest in manifests {
        let resource = resolver
            .resolve(manifest.api_version(), manifest.kind())
            .await
            .map_err(|err| discovery_failed(connection, manifest, err))?;
        resources.push(resource);
    }
    let served: Vec<Option<bool>> = resources
        .iter()
        .map(|r| r.as_ref().map(|r| r.namespaced))
        .collect();
    let namespaces = plan::namespaces(
        manifests,
        &served,
        namespace_rule(global, connection),
        InputCrds::AppliedFirst,
    )
    .map_err(Error::manifest)?;
    Ok(manifests
        .iter()
        .zip(resources)
        .zip(namespaces)
        .map(|((manifest, resource), namespace)| Planned {
            manifest,
            resource,
            namespace,
        })
        .collect())
}

/// -n and the namespace objects that name none go to.
fn namespace_rule<'a>(global: &'a GlobalArgs, connection: &'a Connection) -> Namespaces<'a> {
    Namespaces {
        flag: global.namespace.as_deref(),
        default: &connection.default_namespace,
    }
}

fn discovery_failed(connection: &Connection, manifest: &Manifest, err: kube::Error) -> Error {
    let subject = errors::discovery_subject(manifest.api_version(), manifest.kind());
    errors::request_failed(&subject, Request::Discovery, &connection.server, err)
}

/// Resolves the kinds whose CRDs were in the input (now established). Discovery can lag behind
/// the Established condition, so a missing kind is asked for again for a few seconds.
async fn resolve_deferred(
    resolver: &mut Resolver,
    planned: &mut [Planned<'_>],
    connection: &Connection,
    global: &GlobalArgs,
    dry_run: bool,
) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(30);
    for entry in planned.iter_mut().filter(|p| p.resource.is_none()) {
        loop {
            let found = resolver
                .resolve(entry.manifest.api_version(), entry.manifest.kind())
                .await
                .map_err(|err| discovery_failed(connection, entry.manifest, err))?;
            if let Some(resource) = found {
                let namespaces = namespace_rule(global, connection);
                entry.namespace =
                    plan::namespace_for(entry.manifest, resource.namespaced, namespaces)
                        .map_err(|problem| Error::manifest(vec![problem]))?;
                entry.resource = Some(resource);
                break;
            }
            if dry_run || Instant::now() >= deadline {
                let why = if dry_run {
                    "its CustomResourceDefinition is only in this input and a dry run does not create it"
                } else {
                    "its CustomResourceDefinition was applied but the kind is still not served"
                };
                return Err(Error::manifest(vec![ManifestProblem {
                    location: entry.manifest.origin.to_string(),
                    message: format!(
                        "{}: cannot resolve kind: {why}",
                        entry.manifest.display_name()
                    ),
                }]));
            }
            resolver.forget(entry.manifest.api_version());
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    Ok(())
}

/// Applies the given manifests; any rejection ends the run with exit 4 before tracking starts.
async fn apply_batch(
    connection: &Connection,
    planned: &[Planned<'_>],
    indexes: &[usize],
    options: &ApplyOptions,
    output: &mut Output,
    applied: &mut HashMap<usize, Value>,
) -> Result<(), Error> {
    let requests: Vec<ApplyRequest> = indexes
        .iter()
        .filter_map(|&i| {
            let entry = &planned[i];
            Some(ApplyRequest {
                resource: entry.resource.clone()?,
                namespace: entry.namespace.clone(),
                name: entry.manifest.name().to_string(),
                object: entry.manifest.object.clone(),
            })
        })
        .collect();
    let salt = &options.fingerprint_salt;
    let mut before = secrets::read_before(&connection.client, &requests, salt, output).await;
    let results = apply_all(&connection.client, &requests, options).await;
    let mut rejections = Vec::new();
    for (n, (&i, result)) in indexes.iter().zip(results).enumerate() {
        let manifest = planned[i].manifest;
        let namespace = planned[i]
            .namespace
            .as_deref()
            .map(|ns| format!(" -n {ns}"))
            .unwrap_or_default();
        match result {
            Ok(result) => {
                if !result.adopted.is_empty() {
                    let verb = if options.dry_run {
                        "would adopt"
                    } else {
                        "adopted"
                    };
                    output.note(&format!(
                        "{}{namespace}: {verb} fields from {}",
                        manifest.display_name(),
                        result.adopted.join(", ")
                    ));
                }
                let verb = if options.dry_run {
                    "validated (server dry run)"
                } else {
                    "applied"
                };
                output.note(&format!("{}{namespace} {verb}", manifest.display_name()));
                if let Some(why) = &result.not_adopted {
                    output.note(&format!("{}{namespace}: {why}", manifest.display_name()));
                }
                let baseline = before.get_mut(n).and_then(Option::take);
                secrets::report_applied(baseline, &result.object, options.dry_run, output);
                applied.insert(i, result.object);
            }
            Err(err) => {
                let subject = format!(
                    "{}{namespace} ({})",
                    manifest.display_name(),
                    manifest.origin
                );
                let request = Request::Apply {
                    field_manager: &options.field_manager,
                };
                rejections.push(errors::request_failed(
                    &subject,
                    request,
                    &connection.server,
                    err,
                ));
            }
        }
    }
    if rejections.is_empty() {
        return Ok(());
    }
    // A cluster that cannot be reached or refuses our credentials is the failure to report,
    // not the objects it could not take.
    if let Some(first) = rejections
        .iter()
        .position(|r| r.kind() != ErrorKind::Rejected)
    {
        return Err(rejections.swap_remove(first));
    }
    let header = format!("{} object(s) rejected by the API server:", rejections.len());
    Err(Error::gather(ErrorKind::Rejected, header, rejections))
}

/// Waits (by watch) for every CRD of the input to be Established, showing progress.
async fn wait_for_crds(
    connection: &Connection,
    manifests: &[Manifest],
    indexes: &[usize],
    output: &mut Output,
) -> Result<(), Error> {
    for &i in indexes {
        let crd = &manifests[i];
        if !crd.is_crd() {
            continue;
        }
        output.note(&format!(
            "waiting for {} to be established",
            crd.display_name()
        ));
        match wait_crd_established(&connection.watch_client, crd.name(), CRD_READY_TIMEOUT).await {
            CrdWait::Established => {}
            CrdWait::Failed(err) => {
                return Err(Error::cluster(format!(
                    "cannot watch {}: {err}",
                    crd.display_name()
                )));
            }
            // The server's own object did not reach its state in time: what a timeout is, and
            // not a rejection (the server took it).
            CrdWait::TimedOut => {
                return Err(Error::new(
                    ErrorKind::TimedOut,
                    format!(
                        "{}: not Established after {}s",
                        crd.display_name(),
                        CRD_READY_TIMEOUT.as_secs()
                    ),
                )
                .with_hint(format!(
                    "check its conditions with `kubectl describe crd {}`; nothing after it was applied",
                    crd.name()
                )));
            }
        }
    }
    Ok(())
}
