//! Server-side apply (PATCH application/apply-patch+yaml) with bounded concurrency and no
//! per-object GET.

use futures::{StreamExt, stream};
use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams};
use serde_json::Value;

use super::adopt;
use super::discovery::Resource;
use crate::fingerprint::{self, Salt};
use crate::ssa::defaults::fill_list_map_key_defaults;
use crate::ssa::secrets::string_data_as_data;

/// How objects are applied.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub field_manager: String,
    pub force_conflicts: bool,
    pub dry_run: bool,
    /// Field managers whose fields kstatus takes over (see `adopt`); empty: none.
    pub adopt: Vec<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Salts the fingerprints that replace a Secret's payload in what the server returns.
    pub fingerprint_salt: Salt,
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

/// What applying one object did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The server's view of the object, without the fields [`strip_unread_fields`] drops.
    pub object: Value,
    /// The field managers whose fields kstatus adopted (in a dry run: would adopt).
    pub adopted: Vec<String>,
    /// Why adopting failed, for an object that was applied anyway (its fields stay shared).
    pub not_adopted: Option<String>,
}

/// Applies every request with at most `options.concurrency` in flight; results come back in
/// request order.
pub async fn apply_all(
    client: &kube::Client,
    requests: &[ApplyRequest],
    options: &ApplyOptions,
) -> Vec<Result<Applied, kube::Error>> {
    let mut results: Vec<(usize, Result<Applied, kube::Error>)> =
        stream::iter(requests.iter().enumerate())
            .map(|(i, request)| async move { (i, apply_one(client, request, options).await) })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Applies one object, adopting the fields of `options.adopt` managers when the object has
/// some, and returns the server's view of it.
pub async fn apply_one(
    client: &kube::Client,
    request: &ApplyRequest,
    options: &ApplyOptions,
) -> Result<Applied, kube::Error> {
    let api: Api<DynamicObject> = match &request.namespace {
        Some(ns) if request.resource.namespaced => {
            Api::namespaced_with(client.clone(), ns, &request.resource.api)
        }
        _ => Api::all_with(client.clone(), &request.resource.api),
    };
    let body = body_for(request);
    let first = send(&api, &request.name, &body, options, options.force_conflicts).await;
    let mut applied = if options.adopt.is_empty() {
        Applied {
            object: first?,
            adopted: Vec::new(),
            not_adopted: None,
        }
    } else {
        adopt::settle(&api, &request.name, &body, options, first).await?
    };
    strip_unread_fields(&mut applied.object, &options.fingerprint_salt);
    Ok(applied)
}

/// The configuration sent for a request: the manifest as written, with the namespace of the
/// request URL, the defaults server-side apply needs and a Secret's `stringData` as `data` (the
/// manifest itself stays untouched for messages and redaction).
fn body_for(request: &ApplyRequest) -> Value {
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
    fill_list_map_key_defaults(&mut body);
    string_data_as_data(&mut body);
    body
}

/// One server-side apply request; the answer keeps its managedFields.
pub(super) async fn send(
    api: &Api<DynamicObject>,
    name: &str,
    body: &Value,
    options: &ApplyOptions,
    force: bool,
) -> Result<Value, kube::Error> {
    let mut params = PatchParams::apply(&options.field_manager);
    if force {
        params = params.force();
    }
    if options.dry_run {
        params = params.dry_run();
    }
    // Parsed once, straight into the Value kstatus keeps: `Api::patch` would build a typed
    // object (managedFields and all) only for it to be turned back into a Value.
    let request = kube::core::Request::new(api.resource_url())
        .patch(name, &params, &Patch::Apply(body))
        .map_err(kube::Error::BuildRequest)?;
    api.clone().into_client().request::<Value>(request).await
}

/// Removes, from every object the cluster returns, what kstatus never reads: managedFields and
/// the last-applied-configuration annotation (large, and the annotation may quote Secret data),
/// and a Secret's payload, replaced by the fingerprints of its keys, so that no Secret value is
/// held past this point and none can reach a message.
pub fn strip_unread_fields(object: &mut Value, salt: &Salt) {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    fingerprint::replace_payload(object, salt);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_payload_becomes_fingerprints_and_managed_fields_are_dropped_on_ingest() {
        let mut secret = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop", "managedFields": [{"manager": "kstatus"}],
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": "hunter2"}});
        let salt = Salt::given("s");
        strip_unread_fields(&mut secret, &salt);
        assert!(secret.get("stringData").is_none());
        assert_eq!(
            secret["data"],
            serde_json::json!({"password": salt.fingerprint(b"hunter2"),
                               "token": salt.fingerprint(b"hunter2")})
        );
        assert!(!secret.to_string().contains("aHVudGVyMg=="));
        assert!(secret["metadata"].get("managedFields").is_none());
        assert_eq!(secret["metadata"]["annotations"], serde_json::json!({}));
    }

    #[test]
    fn only_a_core_secret_loses_its_data() {
        let mut config_map = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
            "data": {"mode": "fast"}});
        strip_unread_fields(&mut config_map, &Salt::given("s"));
        assert_eq!(config_map["data"]["mode"], "fast");
    }
}
