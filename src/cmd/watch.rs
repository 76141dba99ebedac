//! `kstatus watch`: live status of a labelled application or of the objects in manifests,
//! read-only (get, list and watch only).

use std::time::Instant;

use super::track::{self, Discover, KnownObject, Mode, TrackPlan};
use crate::cli::{GlobalArgs, Until, WatchArgs};
use crate::cluster::client::{self, Connection};
use crate::cluster::discovery::{Resolver, Resource};
use crate::cluster::errors::{self, Request};
use crate::engine::ObjectKey;
use crate::error::Error;
use crate::manifest::{self, Manifest};
use crate::outcome::RunOutcome;
use crate::render::output::Output;
use crate::render::redact::Redactor;
use crate::selector::Selector;

/// The kinds `watch -l` looks at, each with the apiVersions it has had (newest first).
const COMMON_KINDS: &[&[(&str, &str)]] = &[
    &[("apps/v1", "Deployment")],
    &[("apps/v1", "StatefulSet")],
    &[("apps/v1", "DaemonSet")],
    &[("apps/v1", "ReplicaSet")],
    &[("v1", "Pod")],
    &[("batch/v1", "Job")],
    &[("batch/v1", "CronJob"), ("batch/v1beta1", "CronJob")],
    &[("v1", "Service")],
    &[
        ("networking.k8s.io/v1", "Ingress"),
        ("networking.k8s.io/v1beta1", "Ingress"),
    ],
    &[("v1", "PersistentVolumeClaim")],
    &[
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
        ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ],
    &[
        ("policy/v1", "PodDisruptionBudget"),
        ("policy/v1beta1", "PodDisruptionBudget"),
    ],
    &[("v1", "ConfigMap")],
    &[("v1", "Secret")],
];

pub fn run(global: &GlobalArgs, args: &WatchArgs) -> Result<RunOutcome, Error> {
    // The selector and manifests (attach mode) are checked before contacting the cluster.
    let selector = match &args.selector {
        Some(text) => Selector::parse(text).map_err(|message| {
            Error::usage(format!("-l {text}: {message}"))
                .with_hint("use the kubectl syntax, e.g. app=shop,tier in (web,api)")
        })?,
        None => Selector::default(),
    };
    let manifests = if args.filenames.is_empty() {
        None
    } else {
        Some(manifest::load(
            &args.filenames,
            args.recursive,
            &mut std::io::stdin().lock(),
        )?)
    };
    super::block_on(watch(global, args, selector, manifests))?
}

async fn watch(
    global: &GlobalArgs,
    args: &WatchArgs,
    selector: Selector,
    manifests: Option<Vec<Manifest>>,
) -> Result<RunOutcome, Error> {
    let started = Instant::now();
    let output = Output::new("watch", global, &args.output, Redactor::default())?;
    let connection = client::connect(&super::connect_options(global)).await?;
    let mut resolver = Resolver::new(connection.client.clone());
    let namespace = (!args.all_namespaces).then(|| connection.default_namespace.clone());

    let (known, kinds, discover) = match &manifests {
        Some(manifests) => {
            let (known, kinds) = named_objects(&mut resolver, &connection, manifests).await?;
            (known, kinds, None)
        }
        None => {
            let kinds = selected_kinds(&mut resolver, &connection, &args.kinds).await?;
            let pairs = kinds
                .iter()
                .map(|r| (r.api.group.clone(), r.api.kind.clone()))
                .collect();
            let kinds = kinds.into_iter().map(|r| (r, namespace.clone())).collect();
            (
                Vec::new(),
                kinds,
                Some(Discover {
                    kinds: pairs,
                    selector,
                }),
            )
        }
    };

    let (mode, settle_on_error) = match (args.once, args.until) {
        (true, _) => (Mode::Once, true),
        (false, Some(Until::Settled)) => (Mode::Verdict, true),
        (false, Some(Until::Success)) => (Mode::Verdict, false),
        (false, None) => (Mode::Continuous, true),
    };
    let timeout = (mode == Mode::Verdict)
        .then_some(args.tracking.timeout)
        .filter(|t| !t.is_zero());
    let plan = TrackPlan {
        known,
        discover,
        targets: track::watch_targets(&kinds, args.selector.as_deref()),
        stabilization: args.tracking.stabilization,
        timeout,
        wait_for_jobs: true,
        settle_on_error,
        mode,
        started,
    };
    track::run(&connection, plan, output).await
}

/// The common kinds this server serves, plus the `--kind` extras.
async fn selected_kinds(
    resolver: &mut Resolver,
    connection: &Connection,
    extra: &[String],
) -> Result<Vec<Resource>, Error> {
    let mut kinds = Vec::new();
    for candidates in COMMON_KINDS {
        let (api_version, kind) = candidates[0];
        match resolver.resolve_first(candidates).await {
            Ok(Some(resource)) => kinds.push(resource),
            Ok(None) => tracing::debug!(kind, "not served by this cluster"),
            Err(err) => {
                let subject = errors::discovery_subject(api_version, kind);
                return Err(discovery_failed(&subject, connection, err));
            }
        }
    }
    for name in extra {
        match resolver.find(name).await {
            Ok(Some(resource)) => {
                if !kinds.iter().any(|k: &Resource| {
                    k.api.group == resource.api.group && k.api.kind == resource.api.kind
                }) {
                    kinds.push(resource);
                }
            }
            Ok(None) => {
                return Err(
                    Error::usage(format!("--kind {name}: no such kind on this cluster")).with_hint(
                        "name it as KIND, PLURAL, KIND.GROUP or PLURAL.GROUP, e.g. \
                         certificates.cert-manager.io",
                    ),
                );
            }
            Err(err) => {
                let subject = format!("discovering --kind {name}");
                return Err(discovery_failed(&subject, connection, err));
            }
        }
    }
    Ok(kinds)
}

/// The objects named in manifests, resolved but not applied; missing ones show as not found.
async fn named_objects(
    resolver: &mut Resolver,
    connection: &Connection,
    manifests: &[Manifest],
) -> Result<(Vec<KnownObject>, Vec<(Resource, Option<String>)>), Error> {
    let mut known = Vec::new();
    let mut kinds = Vec::new();
    let mut problems = Vec::new();
    for manifest in manifests {
        let resource = resolver
            .resolve(manifest.api_version(), manifest.kind())
            .await
            .map_err(|err| {
                let subject = errors::discovery_subject(manifest.api_version(), manifest.kind());
                discovery_failed(&subject, connection, err)
            })?;
        let Some(resource) = resource else {
            problems.push(manifest.unknown_kind());
            continue;
        };
        let namespace = resource.namespaced.then(|| {
            manifest
                .namespace()
                .map(str::to_string)
                .unwrap_or_else(|| connection.default_namespace.clone())
        });
        let key = ObjectKey::new(
            manifest.group(),
            manifest.kind(),
            namespace.as_deref(),
            manifest.name(),
        );
        known.push(KnownObject {
            key,
            generation: None,
            initial: None,
            origin: Some(manifest.origin.clone()),
        });
        kinds.push((resource, namespace));
    }
    if problems.is_empty() {
        Ok((known, kinds))
    } else {
        Err(Error::manifest(problems))
    }
}

fn discovery_failed(subject: &str, connection: &Connection, err: kube::Error) -> Error {
    errors::request_failed(subject, Request::Discovery, &connection.server, err)
}
