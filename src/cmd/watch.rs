//! `kstatus watch`: live status of a labelled application or of the objects in manifests,
//! read-only (get, list and watch only).

use std::sync::Arc;
use std::time::Instant;

use super::track::{self, Discover, KnownObject, Mode, TrackPlan};
use crate::cli::{GlobalArgs, Until, WatchArgs};
use crate::cluster::client::{self, Connection};
use crate::cluster::discovery::{Resolver, Resource};
use crate::cluster::errors::{self, Request};
use crate::engine::kinds;
use crate::engine::{Config, HealthRules, ObjectKey};
use crate::error::Error;
use crate::manifest::{self, Manifest};
use crate::outcome::RunOutcome;
use crate::plan::{self, InputCrds, Namespaces};
use crate::render::output::Output;
use crate::render::redact::Redactor;
use crate::selector::Selector;

pub fn run(global: &GlobalArgs, args: &WatchArgs) -> Result<RunOutcome, Error> {
    // The selector and manifests (attach mode) are checked before contacting the cluster.
    let selector = match &args.selector {
        Some(text) => Selector::parse(text).map_err(|message| {
            Error::usage(format!("-l {text}: {message}"))
                .with_hint("use the kubectl syntax, e.g. app=shop,tier in (web,api)")
        })?,
        None => Selector::default(),
    };
    // `--by LABEL` selects the objects carrying LABEL, within -l when it is given too.
    let selector = match &args.by {
        Some(label) => selector.and_exists(label).map_err(|message| {
            Error::usage(format!("--by {label}: {message}"))
                .with_hint("name a label key, e.g. app.kubernetes.io/instance")
        })?,
        None => selector,
    };
    let health_rules = super::health::load(&args.tracking.health_rules)?;
    let manifests = if args.filenames.is_empty() {
        None
    } else {
        Some(manifest::load(
            &args.filenames,
            args.recursive,
            &mut std::io::stdin().lock(),
        )?)
    };
    super::block_on(watch(global, args, selector, manifests, health_rules))?
}

async fn watch(
    global: &GlobalArgs,
    args: &WatchArgs,
    selector: Selector,
    manifests: Option<Vec<Manifest>>,
    health_rules: Arc<HealthRules>,
) -> Result<RunOutcome, Error> {
    let started = Instant::now();
    let settings = super::settings::resolve("watch", global, &args.output);
    // What to hide: --redact, the Secret values of the manifests watched (-f), and from here on
    // every Secret value the watches read.
    let mut hidden = args.redact.clone();
    if let Some(manifests) = &manifests {
        hidden.extend(manifest::secret_values(manifests));
    }
    let redactor = Redactor::new(hidden);
    let salt =
        super::secrets::salt_hiding_values(args.output.fingerprint_salt.as_deref(), &redactor);
    let mut output = Output::new(settings, redactor)?;
    if args.by.is_some() {
        output.group_by_application();
    }
    let connection = client::connect(&super::connect_options(global)).await?;
    output.count_throttled(connection.throttle.counter());
    let mut resolver = Resolver::new(connection.client.clone());
    let namespace = (!args.all_namespaces).then(|| connection.default_namespace.clone());

    let (known, kinds, discover) = match &manifests {
        Some(manifests) => {
            let (known, kinds) =
                named_objects(&mut resolver, &connection, global, manifests).await?;
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
                    group_by: args.by.clone(),
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
    // Only a run that waits for a verdict has a deadline.
    let timeout = if mode == Mode::Verdict {
        plan::deadline(args.tracking.timeout)
    } else {
        None
    };
    let plan = TrackPlan {
        known,
        discover,
        targets: track::watch_targets(&kinds, server_selector(args).as_deref()),
        config: Config {
            stabilization: args.tracking.stabilization,
            timeout,
            wait_for_jobs: true,
            settle_on_error,
            health_rules,
        },
        mode,
        started,
        salt,
        logs: args.tracking.logs,
        unchanged: false,
    };
    track::run(&connection, plan, output).await
}

/// The label selector the API server filters the watched kinds with: `-l`, and with `--by`
/// the label's existence.
fn server_selector(args: &WatchArgs) -> Option<String> {
    match (args.selector.as_deref(), args.by.as_deref()) {
        (Some(selector), Some(label)) => Some(format!("{selector},{label}")),
        (selector, label) => selector.or(label).map(str::to_string),
    }
}

/// The common kinds this server serves, plus the `--kind` extras.
async fn selected_kinds(
    resolver: &mut Resolver,
    connection: &Connection,
    extra: &[String],
) -> Result<Vec<Resource>, Error> {
    let mut kinds = Vec::new();
    for known in kinds::watched_by_default() {
        match resolver.resolve_newest(known).await {
            Ok(Some(resource)) => kinds.push(resource),
            Ok(None) => tracing::debug!(kind = known.kind, "not served by this cluster"),
            Err(err) => {
                let api_version = known.api_version(known.newest_version());
                let subject = errors::discovery_subject(&api_version, known.kind);
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
/// Namespaces are planned as `apply` plans them (an object naming another namespace than -n is
/// refused), except that kinds of the input's own CRDs are unknown: nothing applies the CRDs.
async fn named_objects(
    resolver: &mut Resolver,
    connection: &Connection,
    global: &GlobalArgs,
    manifests: &[Manifest],
) -> Result<(Vec<KnownObject>, Vec<(Resource, Option<String>)>), Error> {
    let mut resources = Vec::with_capacity(manifests.len());
    for manifest in manifests {
        let resource = resolver
            .resolve(manifest.api_version(), manifest.kind())
            .await
            .map_err(|err| {
                let subject = errors::discovery_subject(manifest.api_version(), manifest.kind());
                discovery_failed(&subject, connection, err)
            })?;
        resources.push(resource);
    }
    let served: Vec<Option<bool>> = resources
        .iter()
        .map(|r| r.as_ref().map(|r| r.namespaced))
        .collect();
    let namespaces = Namespaces {
        flag: global.namespace.as_deref(),
        default: &connection.default_namespace,
    };
    let namespaces = plan::namespaces(manifests, &served, namespaces, InputCrds::Ignored)
        .map_err(Error::manifest)?;
    let mut known = Vec::with_capacity(manifests.len());
    let mut kinds = Vec::with_capacity(manifests.len());
    for ((manifest, resource), namespace) in manifests.iter().zip(resources).zip(namespaces) {
        let resource = resource.expect("planning refused kinds the server does not serve");
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
    Ok((known, kinds))
}

fn discovery_failed(subject: &str, connection: &Connection, err: kube::Error) -> Error {
    errors::request_failed(subject, Request::Discovery, &connection.server, err)
}
