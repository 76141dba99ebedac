//! The API calls of ApplySet pruning: read and server-side apply the parent's metadata, list a
//! set's members by label, delete them and wait for them to be gone.

use kube::Api;
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PropagationPolicy};
use serde_json::Value;

use super::discovery::Resource;

fn api(client: &kube::Client, resource: &Resource, namespace: Option<&str>) -> Api<DynamicObject> {
    match namespace {
        Some(ns) if resource.namespaced => Api::namespaced_with(client.clone(), ns, &resource.api),
        _ => Api::all_with(client.clone(), &resource.api),
    }
}

/// The metadata of an object (never a Secret's data), or None when it does not exist.
pub async fn get_metadata(
    client: &kube::Client,
    resource: &Resource,
    namespace: Option<&str>,
    name: &str,
) -> Result<Option<Value>, kube::Error> {
    let found = api(client, resource, namespace)
        .get_metadata_opt(name)
        .await?;
    Ok(found.map(|object| serde_json::to_value(object.metadata).unwrap_or(Value::Null)))
}

/// Server-side applies the parent's labels and annotations; a conflict on them (another
/// manager of the same tool) is forced, as kubectl does for its parents.
pub async fn apply_parent(
    client: &kube::Client,
    resource: &Resource,
    namespace: &str,
    name: &str,
    body: &Value,
    field_manager: &str,
) -> Result<(), kube::Error> {
    let api = api(client, resource, Some(namespace));
    let params = PatchParams::apply(field_manager);
    match api.patch_metadata(name, &params, &Patch::Apply(body)).await {
        Err(kube::Error::Api(status)) if status.code == 409 => api
            .patch_metadata(name, &params.force(), &Patch::Apply(body))
            .await
            .map(drop),
        other => other.map(drop),
    }
}

/// The names, namespaces and labels of the objects of `resource` carrying `selector`.
pub async fn list_members(
    client: &kube::Client,
    resource: &Resource,
    namespace: Option<&str>,
    selector: &str,
) -> Result<Vec<(Option<String>, String, Option<Value>)>, kube::Error> {
    let list = api(client, resource, namespace)
        .list_metadata(&ListParams::default().labels(selector))
        .await?;
    Ok(list
        .items
        .into_iter()
        .map(|item| {
            let labels = item
                .metadata
                .labels
                .as_ref()
                .and_then(|l| serde_json::to_value(l).ok());
            (
                item.metadata.namespace,
                item.metadata.name.unwrap_or_default(),
                labels,
            )
        })
        .collect())
}

/// Deletes an object (its dependents in the background, as kubectl does); a dry run only asks
/// the server whether it would.
pub async fn delete(
    client: &kube::Client,
    resource: &Resource,
    namespace: Option<&str>,
    name: &str,
    dry_run: bool,
) -> Result<(), kube::Error> {
    let params = DeleteParams {
        dry_run,
        propagation_policy: Some(PropagationPolicy::Background),
        ..DeleteParams::default()
    };
    match api(client, resource, namespace).delete(name, &params).await {
        Ok(_) => Ok(()),
        // Gone already: what pruning wanted.
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(err) => Err(err),
    }
}
