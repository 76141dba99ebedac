//! Server-side apply (PATCH application/apply-patch+yaml) with bounded concurrency and no
//! per-object GET.

use futures::{StreamExt, stream};
use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams};
use serde_json::Value;

use super::discovery::Resource;

/// How objects are applied.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub field_manager: String,
    pub force_conflicts: bool,
    pub dry_run: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// One object to apply, already resolved.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    pub resource: Resource,
    /// The namespace for a namespaced kind; None for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
    pub object: Value,
}

/// Applies every request with at most `options.concurrency` in flight; results come back in
/// request order.
pub async fn apply_all(
    client: &kube::Client,
    requests: &[ApplyRequest],
    options: &ApplyOptions,
) -> Vec<Result<Value, kube::Error>> {
    let mut results: Vec<(usize, Result<Value, kube::Error>)> =
        stream::iter(requests.iter().enumerate())
            .map(|(i, request)| async move { (i, apply_one(client, request, options).await) })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Applies one object and returns the server's view of it (without managedFields).
pub async fn apply_one(
    client: &kube::Client,
    request: &ApplyRequest,
    options: &ApplyOptions,
) -> Result<Value, kube::Error> {
    let api: Api<DynamicObject> = match &request.namespace {
        Some(ns) if request.resource.namespaced => {
            Api::namespaced_with(client.clone(), ns, &request.resource.api)
        }
        _ => Api::all_with(client.clone(), &request.resource.api),
    };
    let mut params = PatchParams::apply(&options.field_manager);
    if options.force_conflicts {
        params = params.force();
    }
    if options.dry_run {
        params = params.dry_run();
    }
    let mut body = request.object.clone();
    // The request URL carries the namespace; the body must agree with it or omit it.
    if let Some(metadata) = body.get_mut("metadata").and_then(Value::as_object_mut) {
        match &request.namespace {
            Some(ns) if request.resource.namespaced => {
                metadata.insert("namespace".into(), Value::String(ns.clone()));
            }
            _ => {
                metadata.remove("namespace");
            }
        }
    }
    let applied = api
        .patch(&request.name, &params, &Patch::Apply(&body))
        .await?;
    let mut value = serde_json::to_value(applied).map_err(kube::Error::SerdeError)?;
    strip_noise(&mut value);
    Ok(value)
}

/// Removes fields that are large and never used for status: managedFields and the
/// last-applied-configuration annotation (which may hold Secret data).
pub fn strip_noise(object: &mut Value) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
}
