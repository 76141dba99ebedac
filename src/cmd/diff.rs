//! `kstatus diff`: load and validate the manifests, then for each object a server-side dry-run
//! apply compared with the live object, printed as unified YAML diffs; exits 1 when anything
//! would change.

use super::Ended;
use crate::applyset::{self, ParentRef};
use crate::cli::{DiffArgs, GlobalArgs, OutputArgs, ProgressMode};
use crate::cluster::apply::{ApplyOptions, ApplyRequest, apply_all};
use crate::cluster::client::{self, Connection};
use crate::cluster::discovery::Resolver;
use crate::cluster::errors::{self, Request};
use crate::cluster::live;
use crate::diff::{DiffReport, ObjectRef};
use crate::error::{Error, ErrorKind};
use crate::manifest::{self, Manifest};
use crate::outcome::RunOutcome;
use crate::plan::{self, InputCrds, Namespaces};
use crate::render;
use crate::render::redact::Redactor;

/// `--applyset NAME`: the manifests labelled as `apply --applyset NAME` sends them, so that the
/// set's own label is no difference.
fn label_as_members(
    value: &str,
    global: &GlobalArgs,
    connection: &Connection,
    manifests: &mut [Manifest],
) -> Result<(), Error> {
    let parent = ParentRef::parse(value).map_err(Error::usage)?;
    let namespace = global
        .namespace
        .as_deref()
        .unwrap_or(&connection.default_namespace);
    let id = parent.id(namespace);
    for manifest in manifests.iter_mut() {
        applyset::label_member(&mut manifest.object, &id).map_err(|why| {
            Error::usage(format!(
                "{} ({}): {why}",
                manifest.display_name(),
                manifest.origin
            ))
        })?;
    }
    Ok(())
}

/// Requests in flight at once, as `apply`.
const CONCURRENCY: usize = 16;

pub fn run(global: &GlobalArgs, args: &DiffArgs) -> Ended {
    let input = read_input(args);
    // What to hide is known with the manifests: their Secret values and --redact.
    let mut secrets = args.redact.clone();
    if let Ok((_, manifests)) = &input {
        secrets.extend(manifest::secret_values(manifests));
    }
    let redactor = Redactor::new(secrets);
    let result = input.and_then(|(adopt, manifests)| {
        super::block_on(diff(global, args, adopt, manifests, redactor.clone()))?
    });
    Ended { result, redactor }
}

/// The adopted managers and the manifests, read and validated before any request is sent.
fn read_input(args: &DiffArgs) -> Result<(Vec<String>, Vec<Manifest>), Error> {
    let adopt = super::adopted_managers(&args.ssa)?;
    if let Some(value) = &args.applyset {
        ParentRef::parse(value).map_err(Error::usage)?;
    }
    let manifests = manifest::load(
        &args.filenames,
        args.recursive,
        &mut std::io::stdin().lock(),
    )?;
    Ok((adopt, manifests))
}

async fn diff(
    global: &GlobalArgs,
    args: &DiffArgs,
    adopt: Vec<String>,
    mut manifests: Vec<Manifest>,
    redactor: Redactor,
) -> Result<RunOutcome, Error> {
    let output_args = OutputArgs {
        format: args.format,
        progress: ProgressMode::None,
        junit: None,
        events: None,
        fingerprint_salt: args.fingerprint_salt.clone(),
    };
    let settings = super::settings::resolve("diff", global, &output_args);
    // Every value the live Secrets hold is handed to the redactor as it is fingerprinted.
    let salt = super::secrets::salt_hiding_values(args.fingerprint_salt.as_deref(), &redactor);
    let connection = client::connect(&super::connect_options(global)).await?;
    if let Some(value) = &args.applyset {
        label_as_members(value, global, &connection, &mut manifests)?;
    }
    let requests = requests(&connection, global, &manifests).await?;

    let options = ApplyOptions {
        field_manager: args.ssa.field_manager.clone(),
        force_conflicts: args.ssa.force_conflicts,
        dry_run: true,
        adopt,
        concurrency: CONCURRENCY,
        fingerprint_salt: salt.clone(),
    };
    let lives = live::get_all(&connection.client, &requests, &salt, CONCURRENCY).await;
    let afters = apply_all(&connection.client, &requests, &options).await;

    let mut report = DiffReport::new();
    let mut failures = Vec::new();
    for ((request, manifest), (live, after)) in requests
        .iter()
        .zip(&manifests)
        .zip(lives.into_iter().zip(afters))
    {
        let subject = format!(
            "{}{} ({})",
            manifest.display_name(),
            in_namespace(request),
            manifest.origin
        );
        let failed = |request: Request<'_>, err: kube::Error| {
            errors::request_failed(&subject, request, &connection.server, err)
        };
        let live = match live {
            Ok(live) => live,
            Err(err) => {
                failures.push(failed(Request::Read, err));
                continue;
            }
        };
        let after = match after {
            Ok(applied) => {
                let name = format!("{}{}", manifest.display_name(), in_namespace(request));
                if !applied.adopted.is_empty() {
                    let managers = applied.adopted.join(", ");
                    let line = format!("{name}: would adopt fields from {managers}");
                    render::diff::note(&line, &redactor);
                }
                if let Some(why) = &applied.not_adopted {
                    render::diff::note(&format!("{name}: {why}"), &redactor);
                }
                applied.object
            }
            Err(err) => {
                let field_manager = &options.field_manager;
                failures.push(failed(Request::Apply { field_manager }, err));
                continue;
            }
        };
        report.add(object_ref(request, manifest), live, after);
    }
    if !failures.is_empty() {
        return Err(failure(failures));
    }
    let color = settings.stdout.color;
    render::diff::print(&report, settings.format, color, &redactor)
        .map_err(|err| Error::internal(format!("cannot write the diff: {err}")).with_source(err))?;
    Ok(if report.has_differences() {
        RunOutcome::Error
    } else {
        RunOutcome::Success
    })
}

/// One request per manifest, kinds and namespaces resolved; a kind the server does not serve
/// (even one a CRD of the same input defines: a dry run creates no CRD) is an input error.
async fn requests(
    connection: &Connection,
    global: &GlobalArgs,
    manifests: &[Manifest],
) -> Result<Vec<ApplyRequest>, Error> {
    let mut resolver = Resolver::new(connection.client.clone());
    let mut resources = Vec::with_capacity(manifests.len());
    for manifest in manifests {
        let resource = resolver
            .resolve(manifest.api_version(), manifest.kind())
            .await
            .map_err(|err| {
                let subject = errors::discovery_subject(manifest.api_version(), manifest.kind());
                errors::request_failed(&subject, Request::Discovery, &connection.server, err)
            })?;
        resources.push(resource);
    }
    let served: Vec<Option<bool>> = resources
        .iter()
        .map(|r| r.as_ref().map(|r| r.namespaced))
        .collect();
    let rule = Namespaces {
        flag: global.namespace.as_deref(),
        default: &connection.default_namespace,
    };
    let namespaces =
        plan::namespaces(manifests, &served, rule, InputCrds::Ignored).map_err(Error::manifest)?;
    Ok(manifests
        .iter()
        .zip(resources)
        .zip(namespaces)
        .map(|((manifest, resource), namespace)| ApplyRequest {
            // One request per manifest, in order: the comparison pairs them up.
            resource: resource.expect("plan::namespaces refuses kinds the server does not serve"),
            namespace,
            name: manifest.name().to_string(),
            object: manifest.object.clone(),
        })
        .collect())
}

/// ` -n ns` for a namespaced object, nothing otherwise.
fn in_namespace(request: &ApplyRequest) -> String {
    request
        .namespace
        .as_deref()
        .map(|ns| format!(" -n {ns}"))
        .unwrap_or_default()
}

fn object_ref(request: &ApplyRequest, manifest: &Manifest) -> ObjectRef {
    ObjectRef {
        api_group: manifest.group().to_string(),
        kind: manifest.kind().to_string(),
        namespace: request
            .namespace
            .clone()
            .filter(|_| request.resource.namespaced),
        name: request.name.clone(),
    }
}

/// What stopped the diff: a cluster that cannot be reached or refuses our credentials first,
/// otherwise every object the server rejected.
fn failure(mut failures: Vec<Error>) -> Error {
    if let Some(first) = failures
        .iter()
        .position(|f| f.kind() != ErrorKind::Rejected)
    {
        return failures.swap_remove(first);
    }
    let header = format!("{} object(s) rejected by the API server:", failures.len());
    Error::gather(ErrorKind::Rejected, header, failures)
}
