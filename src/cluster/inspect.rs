//! Reading what explains a failure: recent Warning events of an object chain and the tail of a
//! container's log. Used once, for failure cards, after the verdict.

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::Api;
use kube::api::{ListParams, LogParams};

/// One Warning event, as shown on a failure card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningEvent {
    /// `Kind/name` of the object the event is about.
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
}

/// Warning events in `namespace` about any of the `(kind, name)` objects, most recent last, at
/// most `limit`. One LIST per call.
pub async fn warning_events(
    client: &kube::Client,
    namespace: &str,
    objects: &[(String, String)],
    limit: usize,
) -> Result<Vec<WarningEvent>, kube::Error> {
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let events = api
        .list(&ListParams::default().fields("type=Warning"))
        .await?;
    let mut relevant: Vec<&Event> = events
        .items
        .iter()
        .filter(|e| {
            let kind = e.involved_object.kind.as_deref().unwrap_or_default();
            let name = e.involved_object.name.as_deref().unwrap_or_default();
            objects.iter().any(|(k, n)| k == kind && n == name)
        })
        .collect();
    relevant.sort_by_key(|e| {
        e.last_timestamp
            .as_ref()
            .map(|t| t.0.as_second())
            .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
            .unwrap_or_default()
    });
    let skip = relevant.len().saturating_sub(limit);
    Ok(relevant
        .into_iter()
        .skip(skip)
        .map(|e| WarningEvent {
            object: format!(
                "{}/{}",
                e.involved_object.kind.as_deref().unwrap_or("Object"),
                e.involved_object.name.as_deref().unwrap_or("?")
            ),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default().trim().to_string(),
            count: e.count.unwrap_or(1),
        })
        .collect())
}

/// The last `lines` lines of a container's log; `previous` reads the instance before the last
/// restart (where a crash left its last words).
pub async fn log_tail(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: &str,
    previous: bool,
    lines: i64,
) -> Result<String, kube::Error> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = LogParams {
        container: Some(container.to_string()),
        previous,
        tail_lines: Some(lines),
        limit_bytes: Some(64 * 1024),
        ..Default::default()
    };
    api.logs(pod, &params).await
}
