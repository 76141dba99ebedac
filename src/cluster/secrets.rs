//! Reading the Secrets an apply is about to change, as fingerprints only: what the cluster held
//! just before, for the per-key change report.

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use crate::fingerprint::{Fingerprints, Salt};

/// The fingerprints of the live Secret `namespace/name`; None when it does not exist (404).
/// The values are hashed as they are read and dropped with the response.
pub async fn live_fingerprints(
    client: &kube::Client,
    namespace: &str,
    name: &str,
    salt: &Salt,
) -> Result<Option<Fingerprints>, kube::Error> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let Some(secret) = api.get_opt(name).await? else {
        return Ok(None);
    };
    let mut values: std::collections::BTreeMap<String, Vec<u8>> = secret
        .data
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| (key, value.0))
        .collect();
    // A live Secret has no stringData (the server merges it into data); should one be
    // returned anyway, it wins as it would on write.
    for (key, value) in secret.string_data.unwrap_or_default() {
        values.insert(key, value.into_bytes());
    }
    let fingerprints: Fingerprints = salt.fingerprint_all(values);
    Ok(Some(fingerprints))
}
