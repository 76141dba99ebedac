//! The Secret change report of `apply`: the Secrets of a batch read (as fingerprints) just
//! before it is applied, then compared with what the apply returned.

use std::sync::Arc;

use futures::{StreamExt, stream};
use serde_json::Value;

use crate::cluster::apply::ApplyRequest;
use crate::cluster::secrets::live_fingerprints;
use crate::cluster::{describe, status_code};
use crate::engine::ObjectKey;
use crate::fingerprint::{self, Baseline, Salt};
use crate::manifest;
use crate::render::output::Output;
use crate::render::redact::Redactor;

/// The run's salt, handing every value it fingerprints to the redactor: Secrets read from the
/// cluster (by a watch, or before an apply) may hold values no manifest of the run carries, such
/// as the old password a crashing pod still prints.
pub fn salt_hiding_values(given: Option<&str>, redactor: &Redactor) -> Salt {
    let redactor = redactor.clone();
    Salt::resolve(given).with_value_sink(Arc::new(move |values| {
        redactor.add(manifest::redactable(values));
    }))
}

/// Reads in flight at once.
const READ_CONCURRENCY: usize = 8;

/// What the cluster held for each request about to be applied: None for anything but a Secret.
/// A Secret that cannot be read (no `get secrets` permission) is applied all the same and
/// reported without a comparison, with one warning per run.
pub async fn read_before(
    client: &kube::Client,
    requests: &[ApplyRequest],
    salt: &Salt,
    output: &mut Output,
) -> Vec<Option<Baseline>> {
    let reads = stream::iter(requests.iter())
        .map(|request| async move {
            let api = &request.resource.api;
            let namespace = request.namespace.as_deref()?;
            if !(api.group.is_empty() && api.kind == "Secret") {
                return None;
            }
            Some(live_fingerprints(client, namespace, &request.name, salt).await)
        })
        .buffered(READ_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    reads
        .into_iter()
        .map(|read| match read? {
            Ok(Some(held)) => Some(Baseline::Held(held)),
            Ok(None) => Some(Baseline::New),
            Err(err) => {
                let why = match status_code(&err) {
                    Some(403) => "forbidden (needs get on secrets)".to_string(),
                    _ => describe(&err),
                };
                output.secret_unreadable(&format!(
                    "cannot read Secrets before applying them: {why}; their fingerprints are \
                     shown without what changed"
                ));
                Some(Baseline::Unknown)
            }
        })
        .collect()
}

/// Reports an applied Secret: its fingerprints (the apply's answer carries them in place of
/// its payload) compared with `baseline`.
pub fn report_applied(
    baseline: Option<Baseline>,
    applied: &Value,
    dry_run: bool,
    output: &mut Output,
) {
    let (Some(baseline), Some(key), Some(after)) = (
        baseline,
        ObjectKey::of(applied),
        fingerprint::carried(applied),
    ) else {
        return;
    };
    output.secret_applied(key, baseline, after, dry_run);
}
