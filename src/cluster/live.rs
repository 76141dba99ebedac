//! Reads the objects as the cluster holds them, for `kstatus diff` to compare with a dry run.

use futures::{StreamExt, stream};
use kube::Api;
use kube::api::DynamicObject;
use serde_json::Value;

use super::apply::{ApplyRequest, strip_unread_fields};
use crate::fingerprint::Salt;

/// GETs every requested object with at most `concurrency` in flight; results in request order,
/// None for an object that does not exist. Each goes through [`strip_unread_fields`] with
/// `salt`, as apply answers do, so a Secret holds fingerprints and never its values.
pub async fn get_all(
    client: &kube::Client,
    requests: &[ApplyRequest],
    salt: &Salt,
    concurrency: usize,
) -> Vec<Result<Option<Value>, kube::Error>> {
    stream::iter(requests)
        .map(|request| async move {
            let api: Api<DynamicObject> = match &request.namespace {
                Some(ns) if request.resource.namespaced => {
                    Api::namespaced_with(client.clone(), ns, &request.resource.api)
                }
                _ => Api::all_with(client.clone(), &request.resource.api),
            };
            let Some(object) = api.get_opt(&request.name).await? else {
                return Ok(None);
            };
            let mut object = serde_json::to_value(object).map_err(kube::Error::SerdeError)?;
            strip_unread_fields(&mut object, salt);
            Ok(Some(object))
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}
